import 'reflect-metadata';
import { Logger } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import { AppModule } from './app.module';
import { configureApp } from './app.setup';
import { AppConfig } from './config/app-config';
import { ConfigError, loadConfig } from './config/load-config';
import { EmbeddedDatabaseError } from './database/embedded';
import { createLogger } from './logging/logger';
import { NestPinoLogger } from './logging/nest-logger';
import { exitOnSignals, HttpDrain } from './shutdown/graceful-shutdown';
import { readTriggersFile, TriggersFileInvalidError } from './triggers/triggers-file.loader';

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
  const root = createLogger({ level: config.logLevel });
  const logger = new NestPinoLogger(root);
  const app = await NestFactory.create(AppModule.register({ config }), {
    bodyParser: false,
    bufferLogs: false,
    logger,
  });
  configureApp(app, { logger: root });
  const drain = new HttpDrain(app.getHttpServer());
  exitOnSignals(app, drain, { timeoutMs: config.shutdownTimeoutMs, logger });
  await app.listen(config.port);
  const address = app.getHttpServer().address() as { port: number } | null;
  new Logger('Sundial').log(
    `listening on port ${address?.port ?? config.port} (${config.databaseUrl ? 'PostgreSQL' : `embedded database in ${config.dataDir}`}); Swagger UI at /docs`,
  );
}

bootstrap().catch((e: unknown) => {
  const message =
    e instanceof EmbeddedDatabaseError || e instanceof TriggersFileInvalidError
      ? e.message
      : e instanceof Error
        ? e.stack
        : String(e);
  process.stderr.write(`start-up failed: ${message}\n`);
  process.exit(1);
});
