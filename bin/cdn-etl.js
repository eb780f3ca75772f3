#!/usr/bin/env node
// Thin launcher: the CLI runs compiled JavaScript from dist/ (built by `npm ci` through `prepare`).
import { main } from '../dist/cli.js';

main(process.argv.slice(2)).then(
  (code) => {
    process.exitCode = code;
    // The command has returned and closed what it opened: exit once stdout and stderr are written, instead of
    // waiting for the event loop to empty. Libraries keep timers of their own after a clean close (the Redis
    // parser shrinks its buffer pool for a second or two after a large reply) and a connection may still be
    // retrying a service that went away during a stop; neither is work of ours, and neither should hold a
    // finished command. The timer is the fallback for a stream that never drains (a reader that went away).
    exitWhenWritten(code);
    setTimeout(() => process.exit(code), 5_000).unref();
  },
  (err) => {
    // Last resort: main() already turns every expected error into a message and an exit code.
    console.error(`cdn-etl: internal error: ${err && err.message ? err.message : String(err)}`);
    process.exitCode = 70;
  },
);

function exitWhenWritten(code) {
  // An empty write's callback runs once every earlier write of that stream has been handed to the system ('drain'
  // fires only after a write that filled the buffer).
  let left = 2;
  const written = () => {
    left -= 1;
    if (left === 0) process.exit(code);
  };
  process.stdout.write('', written);
  process.stderr.write('', written);
}
