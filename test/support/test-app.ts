import type { INestApplication } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import type { Server } from 'node:http';
import request from 'supertest';
import { AppModule } from '../../src/app.module';
import { configureApp } from '../../src/app.setup';
import { AppConfig } from '../../src/config/app-config';
import { loadConfig } from '../../src/config/load-config';
import { TestDatabase } from './test-database';

export interface TestApp {
  app: INestApplication;
  config: AppConfig;
  /** supertest bound to the app's HTTP server */
  http: () => ReturnType<typeof request>;
  close(): Promise<void>;
}

/**
 * Boots the real app (same setup as main.ts) on a test database. `env` takes the same settings as
 * the process environment; the scheduler is off unless the test turns it on.
 */
export async function startApp(
  db: TestDatabase,
  env: Record<string, string> = {},
): Promise<TestApp> {
  const config = loadConfig({
    env: {
      TRIGGER_SCHEDULER_ENABLED: 'false',
      HTTP_RATE_LIMIT: '0',
      LOG_LEVEL: 'error',
      ...(db.url ? { DATABASE_URL: db.url } : {}),
      ...env,
    },
    cwd: null,
  });
  const app = await NestFactory.create(
    AppModule.register({ config, pglite: db.pglite ?? undefined }),
    {
      bodyParser: false,
      logger: ['fatal', 'error'],
    },
  );
  configureApp(app);
  await app.init();
  const server = app.getHttpServer() as Server;
  return {
    app,
    config,
    http: () => request(server),
    close: () => app.close(),
  };
}

/** One database and one app for a test file; closes both after the file's tests. */
export function useTestApp(env: Record<string, string> = {}): {
  db: () => TestDatabase;
  app: () => TestApp;
} {
  let db: TestDatabase;
  let testApp: TestApp;
  beforeAll(async () => {
    db = await TestDatabase.create();
    testApp = await startApp(db, env);
  });
  afterAll(async () => {
    await testApp?.close();
    await db?.drop();
  });
  return { db: () => db, app: () => testApp };
}
