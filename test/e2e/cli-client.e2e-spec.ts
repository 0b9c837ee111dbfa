import { execFile } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { useTestApp } from '../support/test-app';

const ROOT = join(__dirname, '..', '..');

/** `npm run client:generate -- …args` as its own process; resolves to its exit code and stderr. */
function generate(...args: string[]): Promise<{ code: number; stderr: string }> {
  return new Promise((resolve) => {
    execFile(
      process.execPath,
      ['-r', 'ts-node/register/transpile-only', 'src/cli/client/generate.ts', ...args],
      { cwd: ROOT, env: { PATH: process.env.PATH ?? '' }, timeout: 120_000 },
      (error, _stdout, stderr) =>
        resolve({ code: error ? (typeof error.code === 'number' ? error.code : 1) : 0, stderr }),
    );
  });
}

// Each check spawns ts-node with the app and openapi-typescript: slow on a loaded machine.
jest.setTimeout(150_000);

describe('the typed client (src/cli/client/api.d.ts) matches the API (e2e)', () => {
  const ctx = useTestApp();
  let dir: string;
  let served: { paths: Record<string, unknown> };

  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'sundial-client-'));
    served = (await ctx.app().http().get('/docs-json').expect(200)).body;
  });
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it('is what openapi-typescript makes of the document the running app serves', async () => {
    const file = join(dir, 'served.json');
    writeFileSync(file, JSON.stringify(served));
    const result = await generate('--check', '--input', file);
    expect(result).toEqual({ code: 0, stderr: '' });
  });

  it('npm run client:generate (the app in preview mode, no database) gives the same file', async () => {
    expect(await generate('--check')).toEqual({ code: 0, stderr: '' });
  });

  it('the check fails when the API has changed', async () => {
    const file = join(dir, 'changed.json');
    const paths = { ...served.paths };
    delete paths['/schedules/preview'];
    writeFileSync(file, JSON.stringify({ ...served, paths }));
    const result = await generate('--check', '--input', file);
    expect(result.code).toBe(1);
    expect(result.stderr).toContain(
      'api.d.ts is out of date with the API: run npm run client:generate',
    );
  });
});
