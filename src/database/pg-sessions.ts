import { Logger } from '@nestjs/common';
import { Client, type ClientConfig } from 'pg';

/**
 * How Sundial's PostgreSQL sessions survive a network that fails silently (docs/deployment.md
 * "When the network to PostgreSQL fails"): a server that fails over to another address, a
 * firewall or NAT that forgets the connection, a paused VM. No FIN or RST arrives, so without
 * these a statement in flight would wait for TCP to give up (about 15 minutes on Linux) and an
 * idle connection, such as the one that LISTENs, would wait forever.
 *
 * - The server cancels a statement that runs longer than the statement timeout, aborts a
 *   transaction left idle for as long (releasing its locks), and probes its end of the
 *   connection with TCP keepalives, so a client that vanished does not hold locks for hours.
 * - The client gives every statement until the statement timeout plus a grace to answer; a
 *   connection that stays silent past that is dead (a live server would have cancelled the
 *   statement and said so) and is destroyed, so the caller gets an error at once and the pool
 *   opens a new connection.
 */
export interface SessionDeadlines {
  /** DATABASE_STATEMENT_TIMEOUT */
  statementTimeoutMs: number;
}

/** A statement's answer may arrive this long after the statement timeout: 5 s, or the timeout. */
function graceMs({ statementTimeoutMs }: SessionDeadlines): number {
  return Math.min(5_000, statementTimeoutMs);
}

/** How long a pool statement may wait for its answer before its connection is dead. */
export function answerDeadlineMs(deadlines: SessionDeadlines): number {
  return deadlines.statementTimeoutMs + graceMs(deadlines);
}

/**
 * A LISTEN connection runs no long statements: it is checked every 10 s (or every timeout) and
 * its check may take the grace alone.
 */
export function listenChecks(deadlines: SessionDeadlines): { everyMs: number; deadlineMs: number } {
  return {
    everyMs: Math.min(10_000, deadlines.statementTimeoutMs),
    deadlineMs: graceMs(deadlines),
  };
}

/** The server's end of the connection: dead after 10 s idle + 3 probes 5 s apart. */
const SERVER_KEEPALIVES =
  '-c tcp_keepalives_idle=10 -c tcp_keepalives_interval=5 -c tcp_keepalives_count=3';

/**
 * What every pg connection of Sundial's opens with, the pool's and the LISTEN ones: a 5 s connect
 * timeout, TCP keepalives on the client's end, and startup `options` with JIT off and the server's
 * side of the deadlines (none for migrations, which may rightly take long on a large table).
 */
export function connectionConfig(deadlines: SessionDeadlines | null) {
  // JIT compiles a plan in ~0.2 s: ruinous for short OLTP statements whose cost the planner
  // overestimates (a 100-slot fire took 185 ms instead of a few).
  let options = '-c jit=off';
  if (deadlines) {
    const ms = deadlines.statementTimeoutMs;
    options += ` -c statement_timeout=${ms} -c idle_in_transaction_session_timeout=${ms} ${SERVER_KEEPALIVES}`;
  }
  return {
    connectionTimeoutMillis: 5_000,
    keepAlive: true,
    keepAliveInitialDelayMillis: 10_000,
    options,
  };
}

/** The error a statement gets when its connection stayed silent past the deadline. */
export class SilentConnectionError extends Error {
  /** a socket timeout: isDatabaseUnavailable, so requests answer 503 */
  readonly code = 'ETIMEDOUT';
  constructor(deadlineMs: number) {
    super(
      `PostgreSQL did not answer within ${deadlineMs} ms: the connection is presumed dead ` +
        '(a network that fails silently) and is replaced',
    );
  }
}

const logger = new Logger('Database');

type QueryFn = (...args: unknown[]) => unknown;

/**
 * Makes `client` destroy its connection when a statement has no answer within `deadlineMs`
 * (callback and promise forms; a submittable such as a cursor is left alone), saying so to
 * `log` when given.
 */
export function guardStatements(client: Client, deadlineMs: number, log?: Logger): void {
  const query = client.query.bind(client) as QueryFn;
  const guarded: QueryFn = (...args) => {
    const first = args[0] as { submit?: unknown } | undefined;
    if (typeof first?.submit === 'function') return query(...args);
    let timer: NodeJS.Timeout | null = setTimeout(() => {
      timer = null;
      const silent = new SilentConnectionError(deadlineMs);
      log?.warn(silent.message);
      // the client errors every query on it and stops being queryable: the pool discards it
      client.connection.stream.destroy(silent);
    }, deadlineMs);
    timer.unref();
    const settle = (): void => {
      if (timer) clearTimeout(timer);
      timer = null;
    };
    const last = args[args.length - 1];
    if (typeof last === 'function') {
      args[args.length - 1] = (...results: unknown[]) => {
        settle();
        return (last as QueryFn)(...results);
      };
      return query(...args);
    }
    const result = query(...args) as Promise<unknown>;
    result.then(settle, settle);
    return result;
  };
  client.query = guarded as Client['query'];
}

/**
 * The pool's client class: statements guarded by the deadline (guardStatements), and an 'error'
 * event never left unheard. A connection the server ends (restart, `pg_terminate_backend`) can
 * emit a second error after TypeORM has let it go back to the pool to be discarded, which
 * without a listener would end the process. The query in flight, TypeORM and the pool still get
 * every error as before; this only keeps the stray one from crashing the process.
 */
export function sessionClientClass(deadlines: SessionDeadlines | null): typeof Client {
  return class SundialClient extends Client {
    constructor(config?: string | ClientConfig) {
      super(config);
      this.on('error', () => undefined);
      if (deadlines) guardStatements(this, answerDeadlineMs(deadlines), logger);
    }
  };
}
