import { WebhookReceiver } from '../../../test/support/webhook-receiver';
import { AddressPolicy, BaseLookup, parseCidr } from './address-guard';
import { WebhookHttpClient } from './webhook-http-client';
import type { WebhookRequest } from './webhook-request';

const loopback: AddressPolicy = { allowedCidrs: [parseCidr('127.0.0.0/8')], requireHttps: false };
const nothing: AddressPolicy = { allowedCidrs: [], requireHttps: false };

function request(url: string): WebhookRequest {
  const body = Buffer.from('{"type":"run.due"}');
  return {
    url,
    method: 'POST',
    headers: { 'content-type': 'application/json', 'content-length': String(body.length) },
    body,
  };
}

describe('WebhookHttpClient against a real receiver', () => {
  let receiver: WebhookReceiver;
  const clients: WebhookHttpClient[] = [];
  const client = (policy: AddressPolicy, resolve?: BaseLookup): WebhookHttpClient => {
    const c = new WebhookHttpClient(policy, resolve);
    clients.push(c);
    return c;
  };

  beforeAll(async () => {
    receiver = await WebhookReceiver.start();
  });
  afterEach(() => {
    receiver.calls.length = 0;
    receiver.handler = () => ({ status: 200 });
  });
  afterAll(async () => {
    for (const c of clients) c.close();
    await receiver.close();
  });

  it('calls an allowed address over one kept-alive connection', async () => {
    receiver.handler = () => ({
      status: 200,
      headers: { 'content-type': 'application/json' },
      body: '{"ok":true}',
    });
    const c = client(loopback);
    const before = receiver.connections;
    for (let i = 0; i < 5; i++) {
      const result = await c.call(request(receiver.url()), 5_000);
      expect(result).toMatchObject({ kind: 'response', status: 200 });
      if (result.kind === 'response') expect(result.body?.toString()).toBe('{"ok":true}');
    }
    expect(receiver.calls).toHaveLength(5);
    expect(receiver.calls[0]).toMatchObject({ method: 'POST', body: '{"type":"run.due"}' });
    expect(receiver.connections - before).toBe(1);
  });

  it('refuses loopback literals and localhost when nothing is allowed, without connecting', async () => {
    const c = client(nothing);
    for (const url of [
      receiver.url(),
      `http://[::ffff:127.0.0.1]:${receiver.port}/`,
      `http://localhost:${receiver.port}/`,
    ]) {
      const result = await c.call(request(url), 5_000);
      expect(result).toMatchObject({ kind: 'blocked' });
    }
    expect(receiver.calls).toHaveLength(0);
  });

  it('checks the address actually connected to: a name re-pointed at loopback is refused', async () => {
    // DNS rebinding: the name was public when the trigger was deployed, now it answers 127.0.0.1
    const rebound: BaseLookup = (_host, _opts, cb) =>
      cb(null, [{ address: '127.0.0.1', family: 4 }]);
    const result = await client(nothing, rebound).call(
      request(`http://hooks.example.com:${receiver.port}/`),
      5_000,
    );
    expect(result.kind).toBe('blocked');
    if (result.kind === 'blocked') {
      expect(result.message).toContain('hooks.example.com resolves to 127.0.0.1 is a loopback');
    }
    expect(receiver.calls).toHaveLength(0);
    // the same name allowed by WEBHOOK_ALLOWED_CIDRS connects to the address it resolved to
    const allowed = await client(loopback, rebound).call(
      request(`http://hooks.example.com:${receiver.port}/`),
      5_000,
    );
    expect(allowed).toMatchObject({ kind: 'response', status: 200 });
  });

  it('never follows a redirect, to a private address or anywhere', async () => {
    const target = await WebhookReceiver.start(() => ({ status: 200 }), '127.0.0.2');
    try {
      const only = { allowedCidrs: [parseCidr('127.0.0.1')], requireHttps: false };
      for (const location of ['http://10.0.0.1/', 'http://169.254.169.254/', target.url()]) {
        receiver.handler = () => ({ status: 302, headers: { location } });
        const result = await client(only).call(request(receiver.url()), 5_000);
        expect(result).toMatchObject({ kind: 'response', status: 302 });
      }
      expect(target.calls).toHaveLength(0);
    } finally {
      await target.close();
    }
  });

  it('ends a call that takes longer than its timeout', async () => {
    receiver.handler = () => 'hang';
    const started = Date.now();
    const result = await client(loopback).call(request(receiver.url()), 300);
    expect(result).toEqual({ kind: 'timeout', timeoutMs: 300 });
    expect(Date.now() - started).toBeLessThan(2_000);
  });

  it('reports a refused connection', async () => {
    const gone = await WebhookReceiver.start();
    const url = gone.url();
    await gone.close();
    expect(await client(loopback).call(request(url), 5_000)).toEqual({
      kind: 'refused',
      message: 'connection refused',
    });
  });

  it('keeps no body above 64 KiB', async () => {
    receiver.handler = () => ({ status: 200, body: 'x'.repeat(64 * 1024 + 1) });
    const result = await client(loopback).call(request(receiver.url()), 5_000);
    expect(result).toMatchObject({ kind: 'response', status: 200, body: null });
  });
});
