import type { WebhookConfig } from './webhook-settings';

export type LogLevel = 'fatal' | 'error' | 'warn' | 'info' | 'debug' | 'trace';
export type Role = 'reader' | 'worker' | 'publisher' | 'writer' | 'admin';

export interface ApiKeyConfig {
  name: string;
  role: Role;
  /** lowercase hex SHA-256 of the key string as sent */
  sha256: string;
  /** allowed projects; empty means every project */
  projects: string[];
}

export interface SchedulerConfig {
  enabled: boolean;
  resyncIntervalMs: number;
  maxCatchupRunsPerLoop: number;
  /** a slot created more than this late is missed (misfire policies, docs/policies.md) */
  misfireThresholdMs: number;
  executionQps: number;
  executionBurst: number;
  /** how long a partition lease lasts without a heartbeat (docs/scale-out.md) */
  partitionLeaseMs: number;
  /** this process's id in the partition leases and in runs.fired_by */
  instanceId: string;
}

/** The run lifecycle (docs/delivery.md). */
export interface RunsConfig {
  /** how often every instance sweeps expired leases and expired pending runs */
  sweepIntervalMs: number;
  /** final runs older than this are deleted (docs/runs.md "Retention"); 0: kept forever */
  retentionMs: number;
}

export interface RateLimitConfig {
  limit: number;
  windowMs: number;
}

// ---- HTTP server limits (docs/api-limits.md) ----
export interface HttpServerConfig {
  /** time for a client to send the request line and headers */
  headersTimeoutMs: number;
  /** time for a client to send the whole request, body included */
  requestTimeoutMs: number;
  /** how long an idle keep-alive connection stays open */
  keepAliveTimeoutMs: number;
  /** open connections at most; further ones are closed at once */
  maxConnections: number;
}
// ---- end HTTP server limits ----

/** The whole configuration, validated once at start-up and injected as this object. */
export class AppConfig {
  nodeEnv!: string;
  port!: number;
  /** unset: embedded PostgreSQL (PGlite) under dataDir */
  databaseUrl!: string | null;
  /**
   * PostgreSQL: the longest a statement may run (the server cancels it) and, with a grace, wait
   * for its answer before the connection is presumed dead (docs/deployment.md)
   */
  statementTimeoutMs!: number;
  dataDir!: string;
  logLevel!: LogLevel;
  scheduler!: SchedulerConfig;
  runs!: RunsConfig;
  /** null: HTTP rate limiting off */
  httpRateLimit!: RateLimitConfig | null;
  apiKeys!: ApiKeyConfig[];
  authDisabled!: boolean;
  /** allowed CORS origins; empty: CORS off */
  corsOrigins!: string[];
  /** when set, /metrics needs this key (lowercase hex SHA-256) */
  metricsKeySha256!: string | null;
  /** keys paging tokens; null: the random secret kept in the database (docs/deployment.md) */
  pageTokenSecret!: string | null;
  /** SIGTERM: how long in-flight work may take before the process exits */
  shutdownTimeoutMs!: number;
  /** webhook delivery (docs/webhooks.md) */
  webhooks!: WebhookConfig;
  /** a triggers file applied at start-up (docs/triggers-as-code.md); null: none */
  triggersFile!: string | null;
  /** HTTP server timeouts and connection cap */
  httpServer!: HttpServerConfig;
}
