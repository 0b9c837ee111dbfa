import type { Server } from 'node:http';
import { Logger } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import { AppModule } from './app.module';
import { configureApp } from './app.setup';
import type { AppConfig } from './config/app-config';
import { portError } from './config/port-check';
import type { EmbeddedDatabase } from './database/embedded';
import { prepareDatabase } from './database/preflight';
import { createLogger } from './logging/logger';
import { NestPinoLogger } from './logging/nest-logger';
import { exitOnSignals, HttpDrain } from './shutdown/graceful-shutdown';

/**
 * The server's start after main.ts's early checks: the database ready (migrations, privileges;
 * `opening` is the embedded database main.ts began to open), then the app listening. Loaded by
 * main.ts only once the database is on its way: this module brings in NestJS and the whole app.
 */
export async function serve(
  config: AppConfig,
  opening: Promise<EmbeddedDatabase> | null,
): Promise<void> {
  const embedded = await prepareDatabase(config, opening);
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
