#!/usr/bin/env node
// The `sundial` command (package.json "bin"; docs/triggers-as-code.md "CLI").
import { runCli } from './program';

runCli(process.argv.slice(2), {
  stdout: (text) => process.stdout.write(text),
  stderr: (text) => process.stderr.write(text),
  env: process.env,
}).then(
  (code) => {
    process.exitCode = code;
  },
  (e: unknown) => {
    process.stderr.write(`sundial: ${e instanceof Error ? e.stack : String(e)}\n`);
    process.exitCode = 1;
  },
);
