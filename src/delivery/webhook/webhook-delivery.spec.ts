import { webhookTargetOf } from './webhook-delivery';

describe('webhookTargetOf', () => {
  it('reads a stored WEBHOOK delivery with its defaults', () => {
    expect(webhookTargetOf({ type: 'WEBHOOK', url: 'https://h.example/x' })).toEqual({
      url: 'https://h.example/x',
      method: 'POST',
      headers: {},
      timeoutMs: 30_000,
    });
    expect(
      webhookTargetOf({
        type: 'WEBHOOK',
        url: 'https://h.example/x',
        method: 'PUT',
        headers: { 'x-a': '1' },
        timeout: '2m',
      }),
    ).toEqual({
      url: 'https://h.example/x',
      method: 'PUT',
      headers: { 'x-a': '1' },
      timeoutMs: 120_000,
    });
  });

  it('is null for other deliveries', () => {
    expect(webhookTargetOf(undefined)).toBeNull();
    expect(webhookTargetOf({ type: 'QUEUE', queue: 'default' })).toBeNull();
    expect(webhookTargetOf({ type: 'WEBHOOK' })).toBeNull();
  });
});
