#!/usr/bin/env node
// Thin launcher: the CLI runs compiled JavaScript from dist/ (built by `npm ci` through `prepare`).
import { main } from '../dist/cli.js';

main(process.argv.slice(2)).then(
  (code) => {
    process.exitCode = code;
  },
  (err) => {
    // Last resort: main() already turns every expected error into a message and an exit code.
    console.error(`cdn-etl: internal error: ${err && err.message ? err.message : String(err)}`);
    process.exitCode = 70;
  },
);
