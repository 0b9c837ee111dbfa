#!/usr/bin/env node
// `npm run apikey -- --name ci --role writer [--projects billing,ads]`: prints a new random API key
// and the API_KEYS entry that configures it (its SHA-256, never the key itself).
const { createHash, randomBytes } = require('node:crypto');
const { parseArgs } = require('node:util');

const ROLES = ['reader', 'worker', 'publisher', 'writer', 'admin'];
const NAME = /^[A-Za-z0-9._-]{1,64}$/;
const PROJECT = /^[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?$/;

function fail(message) {
  process.stderr.write(
    `${message}\nusage: npm run apikey -- --name <name> --role reader|worker|publisher|writer|admin [--projects p1,p2]\n`,
  );
  process.exit(2);
}

let values;
try {
  ({ values } = parseArgs({
    options: {
      name: { type: 'string' },
      role: { type: 'string' },
      projects: { type: 'string' },
      help: { type: 'boolean', short: 'h' },
    },
  }));
} catch (e) {
  fail(e.message);
}
if (values.help) fail('Prints a new API key and its API_KEYS entry.');
const { name, role } = values;
if (!name || !NAME.test(name)) fail('--name: 1–64 characters of A-Z a-z 0-9 . _ -');
if (!ROLES.includes(role)) fail('--role: reader, worker, publisher, writer or admin');
const projects = (values.projects ?? '')
  .split(',')
  .map((p) => p.trim())
  .filter((p) => p !== '');
for (const p of projects) {
  if (!PROJECT.test(p)) fail(`--projects: "${p}" is not a valid project name`);
}

const key = `sdl_${randomBytes(32).toString('base64url')}`;
const sha256 = createHash('sha256').update(key, 'utf8').digest('hex');
const entry = [name, role, sha256, ...(projects.length ? [projects.join('|')] : [])].join(':');

process.stdout.write(
  [
    `API key (shown once; give it to the client, it is not stored anywhere):`,
    `  ${key}`,
    `API_KEYS entry (append to API_KEYS, comma-separated; quote it in a shell, "|" is special):`,
    `  ${entry}`,
    '',
  ].join('\n'),
);
