#!/usr/bin/env node
// `npx sundial …`: the compiled CLI (src/cli/main.ts, built by `npm run build`).
const { existsSync } = require('node:fs');
const { join } = require('node:path');

const main = join(__dirname, '..', 'dist', 'src', 'cli', 'main.js');
if (!existsSync(main)) {
  process.stderr.write('sundial: dist/ is missing: run `npm run build` first\n');
  process.exit(2);
}
require(main);
