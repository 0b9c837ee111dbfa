import { spawn } from 'node:child_process';
import { existsSync, readdirSync, readFileSync, renameSync, rmSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';

/**
 * PostgreSQL settings of the embedded database (docs/embedded.md), after PGlite's own start
 * parameters. PGlite's default shared_buffers (128 MB) is touched as pages are read and stays
 * resident; 16 MB keeps an idle process small, and the data directory's files are in the OS page
 * cache anyway.
 */
export const EMBEDDED_SETTINGS: readonly string[] = ['-c', 'shared_buffers=16MB'];

/**
 * Where `npm run build` leaves a prepared data directory (initdb run, migrations applied):
 * dist/embedded-template when running the build; absent when running the sources (ts-node).
 */
export const EMBEDDED_TEMPLATE_DIR = resolve(__dirname, '..', '..', 'embedded-template');

/** How a data directory came to be: already there, copied from the build's template, or initdb. */
export type DataDirOrigin = 'existing' | 'template' | 'initdb';

export interface TemplateManifest {
  pglite: string;
  migrations: string[];
}

/** The installed PGlite's version: a template is only valid for the build that made it. */
export function pgliteVersion(): string {
  const pkg = join(dirname(require.resolve('@electric-sql/pglite')), '..', 'package.json');
  return (JSON.parse(readFileSync(pkg, 'utf8')) as { version: string }).version;
}

/** The template's pgdata directory when it was made by this PGlite version, else null. */
export function usableTemplate(templateDir: string): string | null {
  try {
    const manifest = JSON.parse(
      readFileSync(join(templateDir, 'template.json'), 'utf8'),
    ) as Partial<TemplateManifest>;
    const pgdata = join(templateDir, 'pgdata');
    if (manifest.pglite !== pgliteVersion() || !existsSync(join(pgdata, 'PG_VERSION'))) return null;
    return pgdata;
  } catch {
    return null;
  }
}

const INITDB_CHILD = `
const { PGlite } = require(process.env.SUNDIAL_PGLITE);
(async () => {
  const pglite = new PGlite({ dataDir: process.env.SUNDIAL_PGDATA });
  await pglite.waitReady;
  await pglite.close();
})().then(
  () => process.exit(0),
  (e) => {
    process.stderr.write(String((e && e.message) || e).split('\\n')[0]);
    process.exit(1);
  },
);`;

/**
 * Runs PGlite's initdb into `pgdata` in a short-lived child process: initdb grows the WebAssembly
 * heap to ~700 MB, which a process never gives back; the child's memory goes with it.
 */
export async function initdbInChild(pgdata: string): Promise<void> {
  const child = spawn(process.execPath, ['-e', INITDB_CHILD], {
    env: {
      ...process.env,
      SUNDIAL_PGLITE: require.resolve('@electric-sql/pglite'),
      SUNDIAL_PGDATA: pgdata,
    },
    stdio: ['ignore', 'ignore', 'pipe'],
  });
  let stderr = '';
  child.stderr.setEncoding('utf8').on('data', (chunk: string) => (stderr += chunk));
  const code = await new Promise<number | null>((resolvePromise, reject) => {
    child.once('error', reject);
    child.once('close', (c) => resolvePromise(c));
  });
  if (code !== 0) {
    throw new Error(`initdb failed (exit code ${code}): ${stderr.trim() || 'no message'}`);
  }
}

/** What prepareDataDir found or did; a template still to copy is copied by the opening worker. */
export type DataDirPlan =
  { origin: 'existing' } | { origin: 'template'; template: string } | { origin: 'initdb' };

/**
 * How `pgdata` becomes a PostgreSQL data directory before PGlite opens it, without running initdb
 * in this process: already there; a copy of the build's template (made by the worker that opens
 * it, while this thread loads the app: RemotePGlite's `fromTemplate`); or initdb, run here in a
 * child process into `pgdata.staging` and renamed into place. Either way a crash midway leaves
 * no half-made `pgdata`. A `pgdata` with files but no PG_VERSION is left to PGlite.
 * The caller holds the data directory's lock.
 */
export async function prepareDataDir(
  pgdata: string,
  templateDir: string = EMBEDDED_TEMPLATE_DIR,
): Promise<DataDirPlan> {
  if (existsSync(join(pgdata, 'PG_VERSION'))) return { origin: 'existing' };
  if (existsSync(pgdata) && readdirSync(pgdata).length > 0) return { origin: 'existing' };
  const template = usableTemplate(templateDir);
  if (template) return { origin: 'template', template };
  const staging = `${pgdata}.staging`;
  rmSync(staging, { recursive: true, force: true });
  await initdbInChild(staging);
  rmSync(pgdata, { recursive: true, force: true }); // at most an empty directory
  renameSync(staging, pgdata);
  return { origin: 'initdb' };
}
