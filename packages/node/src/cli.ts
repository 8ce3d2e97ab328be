#!/usr/bin/env node
// The `tessera` command: tokens in a shell. See `tessera --help` and the README.
import { runCli } from './cli/main.js';

const interrupt = new AbortController();
process.once('SIGINT', () => {
  interrupt.abort();
  // A second Ctrl-C does not wait for the clean-up.
  process.once('SIGINT', () => process.exit(130));
});

void runCli(process.argv.slice(2), { stdout: process.stdout, stderr: process.stderr, env: process.env, signal: interrupt.signal }).then((code) => {
  process.exitCode = code;
});
