import {
  DynamicModule,
  Global,
  Inject,
  Injectable,
  Logger,
  Module,
  OnApplicationBootstrap,
  OnApplicationShutdown,
} from '@nestjs/common';
import { TypeOrmModule } from '@nestjs/typeorm';
import type { PGlite } from '@electric-sql/pglite';
import { DataSource } from 'typeorm';
import { AppConfig } from '../config/app-config';
import { EmbeddedDatabase, openEmbeddedDatabase } from './embedded';
import type { RemotePGlite } from './pglite-remote';
import { buildDataSourceOptions, WARM_CONNECTIONS } from './typeorm-options';

export const EMBEDDED_DATABASE = Symbol('EMBEDDED_DATABASE');

/** Which database this process uses: a server, or an embedded PGlite (owned or lent by a test). */
export interface DatabaseHandle {
  kind: 'postgres' | 'embedded';
  embedded: EmbeddedDatabase | null;
}

/**
 * Opens the pool's warm connections at start-up (PostgreSQL); closes the data source, then the
 * embedded database and its lock, in that order.
 */
@Injectable()
class DatabaseLifecycle implements OnApplicationBootstrap, OnApplicationShutdown {
  constructor(
    private readonly dataSource: DataSource,
    @Inject(EMBEDDED_DATABASE) private readonly handle: DatabaseHandle,
  ) {}

  async onApplicationBootstrap(): Promise<void> {
    if (this.handle.kind !== 'postgres') return;
    // concurrent statements each take a connection of their own; the pool keeps them (min)
    await Promise.all(
      Array.from({ length: WARM_CONNECTIONS }, () => this.dataSource.query('SELECT 1')),
    ).catch((e: unknown) => {
      // not fatal: connections open on demand as before
      new Logger('Database').warn(`could not open warm connections: ${(e as Error).message}`);
    });
  }

  async onApplicationShutdown(): Promise<void> {
    if (this.dataSource.isInitialized) await this.dataSource.destroy();
    await this.handle.embedded?.close();
  }
}

export interface DatabaseModuleOptions {
  /**
   * a PGlite owned by the caller (tests), in its worker thread as the app's own (RemotePGlite)
   * or in this thread; it is not closed with the app
   */
  pglite?: PGlite | RemotePGlite;
  /** an embedded database opened before the app (main.ts); it is closed with the app */
  embedded?: EmbeddedDatabase;
}

@Module({})
class DatabaseHandleModule {}

@Global()
@Module({})
export class DatabaseModule {
  static forRoot(options: DatabaseModuleOptions = {}): DynamicModule {
    const handleProvider = {
      provide: EMBEDDED_DATABASE,
      inject: [AppConfig],
      useFactory: async (config: AppConfig): Promise<DatabaseHandle> => {
        if (options.pglite) {
          const pglite = options.pglite;
          return { kind: 'embedded', embedded: { pglite, origin: null, close: async () => {} } };
        }
        if (options.embedded) return { kind: 'embedded', embedded: options.embedded };
        if (config.databaseUrl) return { kind: 'postgres', embedded: null };
        return { kind: 'embedded', embedded: await openEmbeddedDatabase(config.dataDir) };
      },
    };
    const handleModule: DynamicModule = {
      module: DatabaseHandleModule,
      providers: [handleProvider],
      exports: [EMBEDDED_DATABASE],
    };
    return {
      module: DatabaseModule,
      imports: [
        handleModule,
        TypeOrmModule.forRootAsync({
          imports: [handleModule],
          inject: [AppConfig, EMBEDDED_DATABASE],
          useFactory: (config: AppConfig, handle: DatabaseHandle) => ({
            ...buildDataSourceOptions(
              handle.embedded
                ? { pglite: handle.embedded.pglite }
                : { url: config.databaseUrl!, deadlines: config },
            ),
            migrationsRun: true,
            retryAttempts: 3,
            retryDelay: 1000,
          }),
        }),
      ],
      providers: [DatabaseLifecycle],
      exports: [handleModule],
    };
  }
}
