#!/usr/bin/env node
// `npm start`: build once when dist/ is missing, then run the compiled server (never recompiles
// an existing build; run `npm run build` after changing the code).
const { existsSync } = require('node:fs');
const { execSync } = require('node:child_process');
const { join } = require('node:path');

const root = join(__dirname, '..');
if (!existsSync(join(root, 'dist', 'main.js'))) {
  process.stderr.write('dist/ is missing: building once (npm run build)\n');
  execSync('npm run build', { cwd: root, stdio: 'inherit' });
}
require(join(root, 'dist', 'main.js'));
