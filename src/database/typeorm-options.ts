import type { PGlite } from '@electric-sql/pglite';
import type * as NodePostgres from '@electric-sql/pglite/node-postgres';
import type { DataSourceOptions } from 'typeorm';
import { MIGRATIONS } from '../../migrations';
import { ENTITIES } from './entities';
import { connectionConfig, sessionClientClass, type SessionDeadlines } from './pg-sessions';
import { RemotePGlite, remotePgConfig } from './pglite-remote';

/**
 * Pool connections opened at start-up and never closed for being idle (PostgreSQL only); a live
 * fire sends this many statements at once (fire-executor.ts), so a fire after a quiet minute does
 * not first open connections (10–25 ms each, measured in bench:scheduler).
 */
export const WARM_CONNECTIONS = 4;

/**
 * TypeORM options for PostgreSQL (`databaseUrl`) or for an embedded PGlite instance: in a worker
 * thread (RemotePGlite: the app's) or in this thread (the build's template, the test snapshot's
 * making, the migration CLI). Either is a real one-connection `pg.Pool`, so transactions stay
 * isolated. Never `synchronize`: migrations build the schema.
 */
export function buildDataSourceOptions(
  target: { url: string; deadlines?: SessionDeadlines } | { pglite: PGlite | RemotePGlite },
): DataSourceOptions {
  const common = {
    type: 'postgres' as const,
    entities: ENTITIES,
    migrations: MIGRATIONS,
    migrationsTableName: 'migrations',
    migrationsTransactionMode: 'each' as const,
    synchronize: false,
    logging: false,
  };
  if ('url' in target) {
    const deadlines = target.deadlines ?? null;
    return {
      ...common,
      url: target.url,
      // the app's sessions have deadlines (pg-sessions.ts); migrations' have none
      extra: {
        ...connectionConfig(deadlines),
        max: 20,
        // kept open however long idle: a fire's statements never wait for a connect
        min: WARM_CONNECTIONS,
        idleTimeoutMillis: 30_000,
        Client: sessionClientClass(deadlines),
      },
    };
  }
  if (target.pglite instanceof RemotePGlite) {
    // RemotePgConnection drops an error nobody listens to itself (a statement after close)
    return { ...common, extra: { ...remotePgConfig(target.pglite), max: 1, idleTimeoutMillis: 0 } };
  }
  // loaded here only: the app's thread, on the worker, never needs PGlite's adapter
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  const { createPgConfig } = require('@electric-sql/pglite/node-postgres') as typeof NodePostgres;
  const embedded = createPgConfig(yielding(target.pglite));
  // the same guard for PGlite's one connection: a statement deferred by `yielding` that reaches
  // PGlite after it closed (a timer's query during shutdown) rejects, and the adapter emits that
  // as an 'error' on a connection pg has already stopped listening to; unheard, it ended the
  // process with exit code 1 on a clean SIGTERM
  embedded.connection.on('error', () => undefined);
  return { ...common, extra: { ...embedded, max: 1, idleTimeoutMillis: 0 } };
}

/**
 * PGlite runs each protocol message synchronously on this thread, and the adapter chains them
 * with promises that resolve at once: a fire of thousands of statements would run as one long
 * chain of microtasks, during which no HTTP request, timer or lease long-poll is served. A
 * statement's first message (Parse, or a simple Query) first waits for one turn of the event loop
 * (setImmediate), so other work runs between statements; the messages of one statement (Parse,
 * Bind, Describe, Execute, Sync, sent together) still run back to back, never interleaved with
 * another client's on the same PGlite (docs/embedded.md).
 */
export function yielding(pglite: PGlite): PGlite {
  const PARSE = 0x50;
  const QUERY = 0x51;
  return new Proxy(pglite, {
    get(target, key) {
      if (key === 'execProtocolStream') {
        return async (...args: Parameters<PGlite['execProtocolStream']>) => {
          const first = args[0][0];
          if (first === PARSE || first === QUERY) {
            await new Promise<void>((resolve) => setImmediate(resolve));
          }
          // closed meanwhile (shutdown): say so, rather than PGlite's TypeError on its freed module
          if (target.closed) throw new Error('the embedded database is closed');
          return target.execProtocolStream(...args);
        };
      }
      const value: unknown = Reflect.get(target, key, target);
      return typeof value === 'function' ? (value as () => unknown).bind(target) : value;
    },
  });
}
