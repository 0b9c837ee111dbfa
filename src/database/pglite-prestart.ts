import { RemotePGlite } from './pglite-remote';

/**
 * Imported first by main.ts, before the app's modules: without DATABASE_URL the embedded
 * database's worker starts now and compiles PGlite while this thread loads NestJS and the rest
 * (about half a second less to ready on 2 cores). startEmbeddedDatabase opens it, or
 * prepareDatabase ends it when the configuration names a PostgreSQL server after all.
 */
if (!process.env.DATABASE_URL) RemotePGlite.prestart();
