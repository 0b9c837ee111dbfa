import { existsSync, readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { parse as parseDotenv } from 'dotenv';
import { parse as parseYaml } from 'yaml';
import { ApiKeyConfig, AppConfig, LogLevel, RateLimitConfig, Role } from './app-config';
import { parseDuration } from './duration';
import { newInstanceId } from '../scheduler/partitions';
import { InvalidSetting } from './invalid-setting';
import { InvalidCombination, WEBHOOK_SETTINGS, webhookConfig } from './webhook-settings';

/** A configuration problem, reported as one line naming the setting and why. */
export class ConfigError extends Error {
  constructor(
    readonly setting: string,
    reason: string,
    readonly source: string,
  ) {
    super(`invalid configuration: ${setting} (${source}): ${reason}`);
  }
}

type Source = 'environment' | '.env' | 'YAML' | 'default';
interface Raw {
  value: unknown;
  source: Source;
}

interface Setting<T> {
  env: string;
  /** dotted YAML path, Flyte's keys for the scheduler */
  yaml: string;
  default: T;
  parse: (value: unknown) => T;
}

const LOG_LEVELS: LogLevel[] = ['fatal', 'error', 'warn', 'info', 'debug', 'trace'];
const ROLES: Role[] = ['reader', 'worker', 'publisher', 'writer', 'admin'];

const Invalid = InvalidSetting;

function text(value: unknown): string {
  if (typeof value === 'string') return value.trim();
  if (typeof value === 'number' || typeof value === 'boolean') return String(value);
  throw new Invalid(`expected a string, got ${Array.isArray(value) ? 'a list' : typeof value}`);
}

function bool(value: unknown): boolean {
  const t = text(value).toLowerCase();
  if (['true', '1', 'yes', 'on'].includes(t)) return true;
  if (['false', '0', 'no', 'off'].includes(t)) return false;
  throw new Invalid(`"${t}" is not a boolean (true or false)`);
}

function int(min: number, max: number) {
  return (value: unknown): number => {
    const t = text(value);
    if (!/^-?\d+$/.test(t)) throw new Invalid(`"${t}" is not an integer`);
    const n = Number(t);
    if (n < min || n > max) throw new Invalid(`${n} is out of range ${min}–${max}`);
    return n;
  };
}

function positiveNumber(value: unknown): number {
  const t = text(value);
  const n = Number(t);
  if (t === '' || !Number.isFinite(n)) throw new Invalid(`"${t}" is not a number`);
  if (n <= 0) throw new Invalid(`${n} must be greater than 0`);
  return n;
}

function duration(minMs: number, maxMs: number) {
  return (value: unknown): number => {
    const t = text(value);
    const ms = parseDuration(t);
    if (ms === null) throw new Invalid(`"${t}" is not a duration (e.g. 30s, 1m, 500ms)`);
    if (ms < minMs || ms > maxMs) {
      throw new Invalid(`${t} is out of range ${minMs}ms–${maxMs / 1000}s`);
    }
    return ms;
  };
}

/** RUNS_RETENTION: `0` (forever), or a duration from 1 s; whole days may lead (`30d`, `1d12h`). */
function retention(value: unknown): number {
  const t = text(value);
  if (t === '0') return 0;
  const m = /^(\d+)d(.*)$/.exec(t);
  const rest = m ? (m[2] === '' ? 0 : parseDuration(m[2])) : parseDuration(t);
  if (rest === null) throw new Invalid(`"${t}" is not a duration (e.g. 30d, 12h, 90s) or 0`);
  const ms = (m ? Number(m[1]) * 86_400_000 : 0) + rest;
  if (ms < 1_000 || ms > 36_500 * 86_400_000) {
    throw new Invalid(`${t} is out of range 1s–36500d (0 keeps runs forever)`);
  }
  return ms;
}

function optionalString(value: unknown): string | null {
  const t = text(value);
  return t === '' ? null : t;
}

function rateLimit(value: unknown): RateLimitConfig | null {
  const t = text(value);
  if (t === '0' || t.toLowerCase() === 'off') return null;
  const m = /^(\d+)\/(.+)$/.exec(t);
  const windowMs = m ? parseDuration(m[2]) : null;
  if (!m || windowMs === null || windowMs <= 0 || Number(m[1]) < 1) {
    throw new Invalid(`"${t}" is not N/duration (e.g. 6000/1m) or 0`);
  }
  return { limit: Number(m[1]), windowMs };
}

function apiKeys(value: unknown): ApiKeyConfig[] {
  const entries = Array.isArray(value) ? value.map(text) : text(value).split(',');
  const keys: ApiKeyConfig[] = [];
  for (const entry of entries.map((e) => e.trim()).filter((e) => e !== '')) {
    const parts = entry.split(':');
    if (parts.length < 3 || parts.length > 4) {
      throw new Invalid(`entry "${parts[0]}" is not name:role:sha256hex[:project|project]`);
    }
    const [name, role, sha256, projects] = parts;
    if (!/^[A-Za-z0-9._-]{1,64}$/.test(name)) throw new Invalid(`key name "${name}" is invalid`);
    if (!ROLES.includes(role as Role)) {
      throw new Invalid(
        `key "${name}" has role "${role}"; expected reader, worker, publisher, writer or admin`,
      );
    }
    if (!/^[0-9a-f]{64}$/.test(sha256)) {
      throw new Invalid(`key "${name}" needs a lowercase hex SHA-256 (64 characters)`);
    }
    if (keys.some((k) => k.name === name)) throw new Invalid(`key name "${name}" appears twice`);
    // One key string would authenticate as whichever entry matched first: refuse the ambiguity.
    const twin = keys.find((k) => k.sha256 === sha256);
    if (twin) throw new Invalid(`keys "${twin.name}" and "${name}" have the same SHA-256`);
    const list = projects ? projects.split('|').filter((p) => p !== '') : [];
    keys.push({ name, role: role as Role, sha256, projects: list });
  }
  return keys;
}

function list(value: unknown): string[] {
  const items = Array.isArray(value) ? value.map(text) : text(value).split(',');
  return items.map((i) => i.trim()).filter((i) => i !== '');
}

const SETTINGS = {
  nodeEnv: { env: 'NODE_ENV', yaml: 'nodeEnv', default: 'development', parse: text },
  port: { env: 'PORT', yaml: 'server.port', default: 3000, parse: int(0, 65535) },
  databaseUrl: { env: 'DATABASE_URL', yaml: 'database.url', default: null, parse: optionalString },
  dataDir: { env: 'DATA_DIR', yaml: 'database.dataDir', default: './data', parse: text },
  statementTimeoutMs: {
    env: 'DATABASE_STATEMENT_TIMEOUT',
    yaml: 'database.statementTimeout',
    default: 60_000,
    parse: duration(1_000, 24 * 3_600_000),
  },
  logLevel: {
    env: 'LOG_LEVEL',
    yaml: 'logger.level',
    default: 'info',
    parse: (v: unknown): LogLevel => {
      const t = text(v).toLowerCase();
      if (!LOG_LEVELS.includes(t as LogLevel)) {
        throw new Invalid(`"${t}" is not one of ${LOG_LEVELS.join(', ')}`);
      }
      return t as LogLevel;
    },
  },
  schedulerEnabled: {
    env: 'TRIGGER_SCHEDULER_ENABLED',
    yaml: 'runs.triggerScheduler.enabled',
    default: true,
    parse: bool,
  },
  resyncIntervalMs: {
    env: 'TRIGGER_SCHEDULER_RESYNC_INTERVAL',
    yaml: 'runs.triggerScheduler.resyncInterval',
    default: 30_000,
    parse: duration(100, 24 * 3_600_000),
  },
  maxCatchupRunsPerLoop: {
    env: 'TRIGGER_SCHEDULER_MAX_CATCHUP_RUNS_PER_LOOP',
    yaml: 'runs.triggerScheduler.maxCatchupRunsPerLoop',
    default: 100,
    parse: int(1, 1_000_000),
  },
  misfireThresholdMs: {
    env: 'TRIGGER_SCHEDULER_MISFIRE_THRESHOLD',
    yaml: 'runs.triggerScheduler.misfireThreshold',
    default: 60_000,
    parse: duration(100, 24 * 3_600_000),
  },
  executionQps: {
    env: 'TRIGGER_SCHEDULER_EXECUTION_QPS',
    yaml: 'runs.triggerScheduler.executionQps',
    default: 10,
    parse: positiveNumber,
  },
  executionBurst: {
    env: 'TRIGGER_SCHEDULER_EXECUTION_BURST',
    yaml: 'runs.triggerScheduler.executionBurst',
    default: 20,
    parse: int(1, 1_000_000),
  },
  partitionLeaseMs: {
    env: 'TRIGGER_SCHEDULER_PARTITION_LEASE',
    yaml: 'runs.triggerScheduler.partitionLease',
    default: 10_000,
    parse: duration(1_000, 600_000),
  },
  instanceId: {
    env: 'SUNDIAL_INSTANCE_ID',
    yaml: 'server.instanceId',
    default: null as string | null,
    parse: (v: unknown): string | null => {
      const t = optionalString(v);
      if (t !== null && !/^[A-Za-z0-9._:-]{1,64}$/.test(t)) {
        throw new Invalid('needs 1–64 characters of A-Z a-z 0-9 . _ : -');
      }
      return t;
    },
  },
  runsRetentionMs: {
    env: 'RUNS_RETENTION',
    yaml: 'runs.retention',
    default: 30 * 86_400_000,
    parse: retention,
  },
  httpRateLimit: {
    env: 'HTTP_RATE_LIMIT',
    yaml: 'http.rateLimit',
    default: { limit: 6000, windowMs: 60_000 },
    parse: rateLimit,
  },
  apiKeys: { env: 'API_KEYS', yaml: 'auth.apiKeys', default: [] as ApiKeyConfig[], parse: apiKeys },
  authDisabled: { env: 'AUTH_DISABLED', yaml: 'auth.disabled', default: false, parse: bool },
  corsOrigins: {
    env: 'CORS_ORIGINS',
    yaml: 'http.corsOrigins',
    default: [] as string[],
    parse: list,
  },
  metricsKeySha256: {
    env: 'METRICS_KEY_SHA256',
    yaml: 'metrics.keySha256',
    default: null as string | null,
    parse: (v: unknown): string | null => {
      const t = optionalString(v);
      if (t !== null && !/^[0-9a-f]{64}$/.test(t)) {
        throw new Invalid('needs a lowercase hex SHA-256 (64 characters)');
      }
      return t;
    },
  },
  runsSweepIntervalMs: {
    env: 'RUNS_SWEEP_INTERVAL',
    yaml: 'runs.sweepInterval',
    default: 1_000,
    parse: duration(50, 60_000),
  },
  pageTokenSecret: {
    env: 'PAGE_TOKEN_SECRET',
    yaml: 'http.pageTokenSecret',
    default: null as string | null,
    parse: (v: unknown): string | null => {
      const t = optionalString(v);
      if (t !== null && t.length < 32) throw new Invalid('needs at least 32 characters');
      return t;
    },
  },
  shutdownTimeoutMs: {
    env: 'SHUTDOWN_TIMEOUT',
    yaml: 'server.shutdownTimeout',
    default: 8_000,
    parse: duration(0, 60_000),
  },
  // webhooks: their own block (src/config/webhook-settings.ts)
  ...WEBHOOK_SETTINGS,
  // Triggers as code (docs/triggers-as-code.md): a YAML or JSON file applied at start-up.
  triggersFile: {
    env: 'TRIGGERS_FILE',
    yaml: 'triggers.file',
    default: null as string | null,
    parse: optionalString,
  },
  // ---- HTTP server limits (docs/api-limits.md) ----
  httpHeadersTimeoutMs: {
    env: 'HTTP_HEADERS_TIMEOUT',
    yaml: 'server.headersTimeout',
    default: 15_000,
    parse: duration(100, 600_000),
  },
  httpRequestTimeoutMs: {
    env: 'HTTP_REQUEST_TIMEOUT',
    yaml: 'server.requestTimeout',
    default: 30_000,
    parse: duration(100, 600_000),
  },
  httpKeepAliveTimeoutMs: {
    env: 'HTTP_KEEP_ALIVE_TIMEOUT',
    yaml: 'server.keepAliveTimeout',
    default: 5_000,
    parse: duration(100, 600_000),
  },
  httpMaxConnections: {
    env: 'HTTP_MAX_CONNECTIONS',
    yaml: 'server.maxConnections',
    default: 2048,
    parse: int(1, 1_000_000),
  },
  // ---- end HTTP server limits ----
} satisfies Record<string, Setting<unknown>>;

type Settings = typeof SETTINGS;
type Values = { [K in keyof Settings]: ReturnType<Settings[K]['parse']> };

function yamlLookup(doc: unknown, path: string): unknown {
  let node: unknown = doc;
  for (const part of path.split('.')) {
    if (node === null || typeof node !== 'object' || !(part in node)) return undefined;
    node = (node as Record<string, unknown>)[part];
  }
  return node;
}

export interface LoadConfigOptions {
  /** the process environment (default process.env) */
  env?: NodeJS.ProcessEnv;
  /** directory holding `.env` (default the working directory); null: do not read `.env` */
  cwd?: string | null;
}

/**
 * Reads the configuration from the environment, `.env` and the YAML file named by CONFIG_FILE,
 * in that order of precedence, and validates every setting. Throws ConfigError.
 */
export function loadConfig(options: LoadConfigOptions = {}): AppConfig {
  const env = options.env ?? process.env;
  const dotenvPath = options.cwd === null ? null : resolve(options.cwd ?? process.cwd(), '.env');
  let dotenv: Record<string, string> = {};
  if (dotenvPath && existsSync(dotenvPath)) {
    try {
      dotenv = parseDotenv(readFileSync(dotenvPath));
    } catch (e) {
      throw new ConfigError('.env', (e as Error).message, dotenvPath);
    }
  }

  const configFile = env.CONFIG_FILE ?? dotenv.CONFIG_FILE;
  let yamlDoc: unknown = undefined;
  if (configFile) {
    try {
      yamlDoc = parseYaml(readFileSync(configFile, 'utf8'));
    } catch (e) {
      throw new ConfigError(
        'CONFIG_FILE',
        `cannot read ${configFile}: ${(e as Error).message}`,
        'environment',
      );
    }
  }

  const values: Record<string, unknown> = {};
  for (const [key, setting] of Object.entries(SETTINGS) as [string, Setting<unknown>][]) {
    const raw: Raw | undefined =
      env[setting.env] !== undefined
        ? { value: env[setting.env], source: 'environment' }
        : dotenv[setting.env] !== undefined
          ? { value: dotenv[setting.env], source: '.env' }
          : yamlLookup(yamlDoc, setting.yaml) !== undefined
            ? { value: yamlLookup(yamlDoc, setting.yaml), source: 'YAML' }
            : undefined;
    if (raw === undefined || raw.value === null) {
      values[key] = setting.default;
      continue;
    }
    try {
      values[key] = setting.parse(raw.value);
    } catch (e) {
      if (!(e instanceof Invalid)) throw e;
      const name = raw.source === 'YAML' ? setting.yaml : setting.env;
      throw new ConfigError(name, e.message, raw.source);
    }
  }
  return toAppConfig(values as Values);
}

function toAppConfig(v: Values): AppConfig {
  const config = new AppConfig();
  config.nodeEnv = v.nodeEnv;
  config.port = v.port;
  config.databaseUrl = v.databaseUrl;
  config.statementTimeoutMs = v.statementTimeoutMs;
  config.dataDir = v.dataDir;
  config.logLevel = v.logLevel;
  config.scheduler = {
    enabled: v.schedulerEnabled,
    resyncIntervalMs: v.resyncIntervalMs,
    maxCatchupRunsPerLoop: v.maxCatchupRunsPerLoop,
    misfireThresholdMs: v.misfireThresholdMs,
    executionQps: v.executionQps,
    executionBurst: v.executionBurst,
    partitionLeaseMs: v.partitionLeaseMs,
    instanceId: newInstanceId(v.instanceId),
  };
  config.runs = { sweepIntervalMs: v.runsSweepIntervalMs, retentionMs: v.runsRetentionMs };
  config.httpRateLimit = v.httpRateLimit;
  config.apiKeys = v.apiKeys;
  config.authDisabled = v.authDisabled;
  config.corsOrigins = v.corsOrigins;
  config.metricsKeySha256 = v.metricsKeySha256;
  config.shutdownTimeoutMs = v.shutdownTimeoutMs;
  try {
    config.webhooks = webhookConfig(v, v.nodeEnv);
  } catch (e) {
    if (e instanceof InvalidCombination) throw new ConfigError(e.setting, e.message, 'environment');
    throw e;
  }
  config.triggersFile = v.triggersFile;
  config.pageTokenSecret = v.pageTokenSecret;
  config.httpServer = {
    headersTimeoutMs: Math.min(v.httpHeadersTimeoutMs, v.httpRequestTimeoutMs),
    requestTimeoutMs: v.httpRequestTimeoutMs,
    keepAliveTimeoutMs: v.httpKeepAliveTimeoutMs,
    maxConnections: v.httpMaxConnections,
  };
  if (config.nodeEnv === 'production' && config.apiKeys.length === 0 && !config.authDisabled) {
    throw new ConfigError(
      'API_KEYS',
      'NODE_ENV=production needs API keys (API_KEYS) or AUTH_DISABLED=true',
      'environment',
    );
  }
  return config;
}
