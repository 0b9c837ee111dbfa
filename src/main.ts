import 'reflect-metadata';
import './database/pglite-prestart';
import type { AppConfig } from './config/app-config';
import type * as Serve from './serve';
import type * as TriggersFileLoader from './triggers/triggers-file.loader';
import { ConfigError, loadConfig } from './config/load-config';
import { checkPort } from './config/port-check';
import { StartupError } from './config/startup-error';
import { startEmbeddedDatabase } from './database/embedded';

/** The data directory's lock was lost while running: the server stops (docs/deployment.md). */
function onLockCompromised(e: Error): void {
  process.stderr.write(`data directory lock lost (${e.message}): stopping\n`);
  process.exit(1);
}

/** TriggersFileInvalidError, told by name: its module is loaded only when TRIGGERS_FILE is set. */
function isTriggersFileError(e: unknown): e is Error {
  return e instanceof Error && e.name === 'TriggersFileInvalidError';
}

/**
 * Only light modules are loaded before the database is on its way: the embedded database's
 * worker copies the template (a first start) and opens PGlite while this thread loads NestJS and
 * the app (serve.ts), on the other core (docs/embedded.md, "Memory and start-up").
 */
async function bootstrap(): Promise<void> {
  let config: AppConfig;
  try {
    config = loadConfig();
    // A bad triggers file stops start-up before the database opens (docs/triggers-as-code.md).
    if (config.triggersFile !== null) {
      const { readTriggersFile } =
        // eslint-disable-next-line @typescript-eslint/no-require-imports
        require('./triggers/triggers-file.loader') as typeof TriggersFileLoader;
      readTriggersFile(config.triggersFile);
    }
  } catch (e) {
    if (!(e instanceof ConfigError) && !isTriggersFileError(e)) throw e;
    process.stderr.write(`${e.message}\n`);
    process.exit(2);
  }
  // The port, then the database (lock, connection, migrations, privileges), before the app: their
  // failures are one line each.
  await checkPort(config.port);
  const opening = config.databaseUrl
    ? null
    : (await startEmbeddedDatabase(config.dataDir, { onCompromised: onLockCompromised })).opened;
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  const { serve } = require('./serve') as typeof Serve;
  await serve(config, opening);
}

bootstrap().catch((e: unknown) => {
  const message =
    e instanceof StartupError || isTriggersFileError(e)
      ? e.message
      : `start-up failed: ${e instanceof Error ? e.stack : String(e)}`;
  process.stderr.write(`${message}\n`);
  process.exit(1);
});
