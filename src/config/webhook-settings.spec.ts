import { ConfigError, loadConfig } from './load-config';

const key = (fill: number): string => `whsec_${Buffer.alloc(32, fill).toString('base64')}`;

function failure(env: Record<string, string>): ConfigError {
  try {
    loadConfig({ env, cwd: null });
  } catch (e) {
    if (e instanceof ConfigError) return e;
    throw e;
  }
  throw new Error('expected a ConfigError');
}

describe('webhook settings', () => {
  it('defaults: no keys, nothing allowed, 100 calls in flight, 25 per origin, dispatcher on', () => {
    const { webhooks } = loadConfig({ env: {}, cwd: null });
    expect(webhooks.signingKeys.forProject('billing')).toHaveLength(0);
    expect(webhooks.allowedCidrs).toEqual([]);
    expect(webhooks).toMatchObject({
      concurrency: 100,
      concurrencyPerOrigin: 25,
      requireHttps: false,
      dispatcherEnabled: true,
    });
  });

  it('reads every setting', () => {
    const { webhooks } = loadConfig({
      env: {
        NODE_ENV: 'production',
        AUTH_DISABLED: 'true',
        WEBHOOK_SIGNING_KEYS: `billing=${key(1)}|${key(2)},*=${key(3)}`,
        WEBHOOK_ALLOWED_CIDRS: '127.0.0.0/8, ::1',
        WEBHOOK_CONCURRENCY: '40',
        WEBHOOK_CONCURRENCY_PER_ORIGIN: '40',
        WEBHOOK_DISPATCHER_ENABLED: 'false',
      },
      cwd: null,
    });
    expect(webhooks.signingKeys.forProject('billing')).toHaveLength(2);
    expect(webhooks.signingKeys.forProject('ads')).toHaveLength(1);
    expect(webhooks.allowedCidrs.map((c) => c.text)).toEqual(['127.0.0.0/8', '::1']);
    expect(webhooks).toMatchObject({
      concurrency: 40,
      concurrencyPerOrigin: 40,
      requireHttps: true,
      dispatcherEnabled: false,
    });
  });

  it('refuses to start on a bad key with one line naming the setting, not the key', () => {
    const bad = `whsec_${Buffer.alloc(8, 5).toString('base64')}`;
    const e = failure({ WEBHOOK_SIGNING_KEYS: `billing=${key(1)}|${bad}` });
    expect(e.setting).toBe('WEBHOOK_SIGNING_KEYS');
    expect(e.message).toBe(
      'invalid configuration: WEBHOOK_SIGNING_KEYS (environment): key 2 of project "billing" decodes to 8 bytes; expected 24–64',
    );
    expect(e.message).not.toContain(bad.slice(6));
    expect(e.message).not.toContain(key(1).slice(6));
    expect(e.message.split('\n')).toHaveLength(1);
  });

  it('refuses bad ranges and limits', () => {
    expect(failure({ WEBHOOK_ALLOWED_CIDRS: '10.0.0.0/40' }).setting).toBe('WEBHOOK_ALLOWED_CIDRS');
    expect(failure({ WEBHOOK_CONCURRENCY: '0' }).setting).toBe('WEBHOOK_CONCURRENCY');
    const e = failure({ WEBHOOK_CONCURRENCY: '10', WEBHOOK_CONCURRENCY_PER_ORIGIN: '11' });
    expect(e.setting).toBe('WEBHOOK_CONCURRENCY_PER_ORIGIN');
  });
});
