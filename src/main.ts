import 'reflect-metadata';
import { Logger } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import { AppModule } from './app.module';
import { configureApp } from './app.setup';
import { AppConfig } from './config/app-config';
import { ConfigError, loadConfig } from './config/load-config';
import { EmbeddedDatabaseError } from './database/embedded';

async function bootstrap(): Promise<void> {
  let config: AppConfig;
  try {
    config = loadConfig();
  } catch (e) {
    if (!(e instanceof ConfigError)) throw e;
    process.stderr.write(`${e.message}\n`);
    process.exit(2);
  }
  const app = await NestFactory.create(AppModule.register({ config }), {
    bodyParser: false,
    bufferLogs: false,
    logger: levelsFrom(config.logLevel),
  });
  configureApp(app);
  await app.listen(config.port);
  const address = app.getHttpServer().address() as { port: number } | null;
  new Logger('Sundial').log(
    `listening on port ${address?.port ?? config.port} (${config.databaseUrl ? 'PostgreSQL' : `embedded database in ${config.dataDir}`}); Swagger UI at /docs`,
  );
}

function levelsFrom(
  level: AppConfig['logLevel'],
): ('fatal' | 'error' | 'warn' | 'log' | 'debug' | 'verbose')[] {
  const order = ['fatal', 'error', 'warn', 'log', 'debug', 'verbose'] as const;
  const index = { fatal: 0, error: 1, warn: 2, info: 3, debug: 4, trace: 5 }[level];
  return order.slice(0, index + 1);
}

bootstrap().catch((e: unknown) => {
  const message =
    e instanceof EmbeddedDatabaseError ? e.message : e instanceof Error ? e.stack : String(e);
  process.stderr.write(`start-up failed: ${message}\n`);
  process.exit(1);
});
