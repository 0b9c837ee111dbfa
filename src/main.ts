import 'reflect-metadata';
import './database/pglite-prestart';
import type { Server } from 'node:http';
import { createServer } from 'node:net';
import { Logger } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import { AppModule } from './app.module';
import { configureApp } from './app.setup';
import { AppConfig } from './config/app-config';
import { ConfigError, loadConfig } from './config/load-config';
import { StartupError } from './config/startup-error';
import { prepareDatabase } from './database/preflight';
import { createLogger } from './logging/logger';
import { NestPinoLogger } from './logging/nest-logger';
import { exitOnSignals, HttpDrain } from './shutdown/graceful-shutdown';
import { readTriggersFile, TriggersFileInvalidError } from './triggers/triggers-file.loader';

/** A listen() failure as one line naming PORT (docs/deployment.md, "Start-up failures"). */
function portError(port: number, e: unknown): StartupError | null {
  const code = (e as NodeJS.ErrnoException).code;
  if (code === 'EADDRINUSE') return new StartupError('PORT', `port ${port} is in use (${code})`);
  if (code === 'EACCES') return new StartupError('PORT', `port ${port} is not allowed (${code})`);
  return null;
}

/** Fails early, before the database opens and anything logs, when PORT cannot be bound. */
async function checkPort(port: number): Promise<void> {
  if (port === 0) return;
  const probe = createServer();
  await new Promise<void>((resolve, reject) => {
    probe.once('error', (e) => reject(portError(port, e) ?? e));
    probe.listen(port, () => probe.close(() => resolve()));
  });
}

async function bootstrap(): Promise<void> {
  let config: AppConfig;
  try {
    config = loadConfig();
    // A bad triggers file stops start-up before the database opens (docs/triggers-as-code.md).
    if (config.triggersFile !== null) readTriggersFile(config.triggersFile);
  } catch (e) {
    if (!(e instanceof ConfigError) && !(e instanceof TriggersFileInvalidError)) throw e;
    process.stderr.write(`${e.message}\n`);
    process.exit(2);
  }
  // The port, then the database (lock, connection, migrations, privileges), before the app: their
  // failures are one line each.
  await checkPort(config.port);
  const embedded = await prepareDatabase(config);
  const root = createLogger({ level: config.logLevel });
  const logger = new NestPinoLogger(root);
  const app = await NestFactory.create(
    AppModule.register({ config, embedded: embedded ?? undefined }),
    {
      bodyParser: false,
      bufferLogs: false,
      abortOnError: false,
      logger,
    },
  );
  configureApp(app, { logger: root });
  const server = app.getHttpServer() as Server;
  const drain = new HttpDrain(server);
  exitOnSignals(app, drain, { timeoutMs: config.shutdownTimeoutMs, logger });
  try {
    await app.listen(config.port);
  } catch (e) {
    const error = portError(config.port, e);
    if (!error) throw e;
    await Promise.race([app.close(), new Promise((r) => setTimeout(r, 5_000))]);
    throw error;
  }
  const address = server.address();
  const port = address !== null && typeof address === 'object' ? address.port : config.port;
  new Logger('Sundial').log(
    `listening on port ${port} (${config.databaseUrl ? 'PostgreSQL' : `embedded database in ${config.dataDir}`}); Swagger UI at /docs`,
  );
}

bootstrap().catch((e: unknown) => {
  const message =
    e instanceof StartupError || e instanceof TriggersFileInvalidError
      ? e.message
      : `start-up failed: ${e instanceof Error ? e.stack : String(e)}`;
  process.stderr.write(`${message}\n`);
  process.exit(1);
});
