#!/usr/bin/env node
// Thin launcher: the CLI runs compiled JavaScript from dist/ (built by `npm ci` through `prepare`).
import { main } from '../dist/cli.js';

main(process.argv.slice(2)).then(
  (code) => {
    process.exitCode = code;
    // The command has returned: a connection still retrying (a service that went away during a stop) must not
    // keep the process alive. The timer does not keep it alive by itself.
    setTimeout(() => process.exit(code), 5_000).unref();
  },
  (err) => {
    // Last resort: main() already turns every expected error into a message and an exit code.
    console.error(`cdn-etl: internal error: ${err && err.message ? err.message : String(err)}`);
    process.exitCode = 70;
  },
);
