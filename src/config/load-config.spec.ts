import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ConfigError, loadConfig } from './load-config';
import { parseDuration } from './duration';

function dir(files: Record<string, string> = {}): string {
  const d = mkdtempSync(join(tmpdir(), 'sundial-config-'));
  for (const [name, content] of Object.entries(files)) writeFileSync(join(d, name), content);
  return d;
}

function failure(fn: () => unknown): ConfigError {
  try {
    fn();
  } catch (e) {
    if (e instanceof ConfigError) return e;
    throw e;
  }
  throw new Error('expected a ConfigError');
}

describe('scale-out and retention settings', () => {
  const load = (env: Record<string, string>) => loadConfig({ env, cwd: null });

  it('reads RUNS_RETENTION with days, and 0 as forever', () => {
    expect(load({ RUNS_RETENTION: '7d' }).runs.retentionMs).toBe(7 * 86_400_000);
    expect(load({ RUNS_RETENTION: '1d12h' }).runs.retentionMs).toBe(36 * 3_600_000);
    expect(load({ RUNS_RETENTION: '90s' }).runs.retentionMs).toBe(90_000);
    expect(load({ RUNS_RETENTION: '0' }).runs.retentionMs).toBe(0);
  });

  it.each(['500ms', 'soon', '-1d'])('refuses RUNS_RETENTION=%s', (text) => {
    expect(() => load({ RUNS_RETENTION: text })).toThrow(/RUNS_RETENTION/);
  });

  it('reads TRIGGER_SCHEDULER_PARTITION_LEASE from 1 s, and a distinct instance id per start', () => {
    expect(load({ TRIGGER_SCHEDULER_PARTITION_LEASE: '3s' }).scheduler.partitionLeaseMs).toBe(3000);
    expect(() => load({ TRIGGER_SCHEDULER_PARTITION_LEASE: '500ms' })).toThrow(
      /TRIGGER_SCHEDULER_PARTITION_LEASE/,
    );
    expect(load({}).scheduler.instanceId).not.toBe(load({}).scheduler.instanceId);
    expect(load({ SUNDIAL_INSTANCE_ID: 'node-a' }).scheduler.instanceId).toBe('node-a');
  });

  it('reads DATABASE_STATEMENT_TIMEOUT from 1 s, 60 s by default', () => {
    expect(load({}).statementTimeoutMs).toBe(60_000);
    expect(load({ DATABASE_STATEMENT_TIMEOUT: '2m' }).statementTimeoutMs).toBe(120_000);
    expect(() => load({ DATABASE_STATEMENT_TIMEOUT: '500ms' })).toThrow(
      /DATABASE_STATEMENT_TIMEOUT/,
    );
    expect(() => load({ DATABASE_STATEMENT_TIMEOUT: 'soon' })).toThrow(/not a duration/);
  });
});

describe('parseDuration', () => {
  it.each([
    ['30s', 30_000],
    ['1m', 60_000],
    ['500ms', 500],
    ['1h30m', 5_400_000],
    ['1.5s', 1_500],
    ['45', 45_000],
  ])('reads %s as %d ms', (text, ms) => expect(parseDuration(text)).toBe(ms));

  it.each(['banana', '', '10x', 's', '1m banana', '-1s'])('rejects %j', (text) => {
    expect(parseDuration(text)).toBeNull();
  });
});

describe('loadConfig', () => {
  it('gives the documented defaults', () => {
    const c = loadConfig({ env: {}, cwd: dir() });
    expect(c.port).toBe(3000);
    expect(c.databaseUrl).toBeNull();
    expect(c.dataDir).toBe('./data');
    expect(c.logLevel).toBe('info');
    expect(c.scheduler).toEqual({
      enabled: true,
      resyncIntervalMs: 30_000,
      maxCatchupRunsPerLoop: 100,
      misfireThresholdMs: 60_000,
      executionQps: 10,
      executionBurst: 20,
      partitionLeaseMs: 10_000,
      instanceId: c.scheduler.instanceId,
    });
    expect(c.scheduler.instanceId).toMatch(/-\d+-[0-9a-f]{8}$/);
    expect(c.runs.retentionMs).toBe(30 * 86_400_000);
    expect(c.httpRateLimit).toEqual({ limit: 6000, windowMs: 60_000 });
    expect(c.apiKeys).toEqual([]);
    expect(c.authDisabled).toBe(false);
  });

  it('takes environment over .env over YAML over default', () => {
    const cwd = dir({
      'sundial.yaml': [
        'runs:',
        '  triggerScheduler:',
        '    resyncInterval: 10s',
        '    executionQps: 50',
        '    executionBurst: 7',
        '    maxCatchupRunsPerLoop: 5',
        'server:',
        '  port: 4000',
      ].join('\n'),
      '.env': 'TRIGGER_SCHEDULER_EXECUTION_QPS=25\nPORT=5000\n',
    });
    const c = loadConfig({
      env: { CONFIG_FILE: join(cwd, 'sundial.yaml'), PORT: '6000' },
      cwd,
    });
    expect(c.port).toBe(6000); // environment
    expect(c.scheduler.executionQps).toBe(25); // .env
    expect(c.scheduler.resyncIntervalMs).toBe(10_000); // YAML
    expect(c.scheduler.executionBurst).toBe(7); // YAML
    expect(c.scheduler.maxCatchupRunsPerLoop).toBe(5); // YAML
    expect(c.logLevel).toBe('info'); // default
  });

  it('names the setting and the reason for a bad value from the environment', () => {
    const e = failure(() =>
      loadConfig({ env: { TRIGGER_SCHEDULER_RESYNC_INTERVAL: 'banana' }, cwd: null }),
    );
    expect(e.message).toBe(
      'invalid configuration: TRIGGER_SCHEDULER_RESYNC_INTERVAL (environment): "banana" is not a duration (e.g. 30s, 1m, 500ms)',
    );
    expect(e.message).not.toContain('\n');
    expect(
      failure(() => loadConfig({ env: { TRIGGER_SCHEDULER_EXECUTION_QPS: '-1' }, cwd: null }))
        .message,
    ).toContain('TRIGGER_SCHEDULER_EXECUTION_QPS (environment): -1 must be greater than 0');
  });

  it.each([
    ['PORT', '70000'],
    ['PORT', 'abc'],
    ['TRIGGER_SCHEDULER_ENABLED', 'maybe'],
    ['TRIGGER_SCHEDULER_MAX_CATCHUP_RUNS_PER_LOOP', '0'],
    ['TRIGGER_SCHEDULER_EXECUTION_BURST', '2.5'],
    ['HTTP_RATE_LIMIT', 'lots'],
    ['LOG_LEVEL', 'loud'],
    ['API_KEYS', 'ci:superuser:' + 'a'.repeat(64)],
    ['API_KEYS', 'ci:writer:not-a-hash'],
  ])('rejects %s=%s naming it', (name, value) => {
    expect(failure(() => loadConfig({ env: { [name]: value }, cwd: null })).setting).toBe(name);
  });

  it('names the YAML key for a bad value in the YAML file', () => {
    const cwd = dir({ 'c.yaml': 'runs:\n  triggerScheduler:\n    executionQps: -1\n' });
    const e = failure(() => loadConfig({ env: { CONFIG_FILE: join(cwd, 'c.yaml') }, cwd }));
    expect(e.setting).toBe('runs.triggerScheduler.executionQps');
    expect(e.source).toBe('YAML');
  });

  it('names .env as the source of a bad value there', () => {
    const cwd = dir({ '.env': 'TRIGGER_SCHEDULER_RESYNC_INTERVAL=soon\n' });
    const e = failure(() => loadConfig({ env: {}, cwd }));
    expect(e.message).toContain('TRIGGER_SCHEDULER_RESYNC_INTERVAL (.env)');
  });

  it('reports an unreadable YAML file', () => {
    expect(
      failure(() => loadConfig({ env: { CONFIG_FILE: '/nonexistent/x.yaml' }, cwd: null })).setting,
    ).toBe('CONFIG_FILE');
  });

  it('parses API keys with roles and project scopes', () => {
    const hash = 'ab'.repeat(32);
    const other = 'cd'.repeat(32);
    const c = loadConfig({
      env: { API_KEYS: `ci:writer:${hash}:billing|ads, ro:reader:${other}` },
      cwd: null,
    });
    expect(c.apiKeys).toEqual([
      { name: 'ci', role: 'writer', sha256: hash, projects: ['billing', 'ads'] },
      { name: 'ro', role: 'reader', sha256: other, projects: [] },
    ]);
  });

  it.each([
    ['two names', `ci:writer:${'ab'.repeat(32)},ro:writer:${'ab'.repeat(32)}`, 'ci', 'ro'],
    ['two roles', `ci:writer:${'ab'.repeat(32)},ops:admin:${'ab'.repeat(32)}:x`, 'ci', 'ops'],
  ])('refuses one key hash under %s', (_case, value, first, second) => {
    const e = failure(() => loadConfig({ env: { API_KEYS: value }, cwd: null }));
    expect(e.message).toBe(
      `invalid configuration: API_KEYS (environment): keys "${first}" and "${second}" have the same SHA-256`,
    );
  });

  it('reads HTTP_RATE_LIMIT as N/duration, and 0 as off', () => {
    expect(loadConfig({ env: { HTTP_RATE_LIMIT: '20/1s' }, cwd: null }).httpRateLimit).toEqual({
      limit: 20,
      windowMs: 1000,
    });
    expect(loadConfig({ env: { HTTP_RATE_LIMIT: '0' }, cwd: null }).httpRateLimit).toBeNull();
  });

  it('refuses production without keys unless auth is explicitly disabled', () => {
    expect(failure(() => loadConfig({ env: { NODE_ENV: 'production' }, cwd: null })).setting).toBe(
      'API_KEYS',
    );
    expect(
      loadConfig({ env: { NODE_ENV: 'production', AUTH_DISABLED: 'true' }, cwd: null })
        .authDisabled,
    ).toBe(true);
  });
});
