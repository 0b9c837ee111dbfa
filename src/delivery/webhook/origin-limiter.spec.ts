import { OriginLimiter } from './origin-limiter';

describe('OriginLimiter', () => {
  it('caps each origin below the global cap, so a slow origin cannot take every slot', async () => {
    const limiter = new OriginLimiter(4, 2);
    const slow = [(await limiter.acquire('slow'))!, (await limiter.acquire('slow'))!];
    expect(limiter.canStart('slow')).toBe(false);
    let slowThird = false;
    void limiter.acquire('slow').then(() => (slowThird = true));
    // a fast origin still gets the two remaining slots at once
    const fast1 = (await limiter.acquire('fast'))!;
    const fast2 = (await limiter.acquire('fast'))!;
    expect(limiter.active()).toBe(4);
    fast1();
    await Promise.resolve();
    expect(slowThird).toBe(false); // slow is at its own cap
    slow[0]();
    await Promise.resolve();
    expect(slowThird).toBe(true);
    fast2();
    slow[1]();
  });

  it('serves waiting origins round-robin when global slots free', async () => {
    const limiter = new OriginLimiter(1, 1);
    const first = (await limiter.acquire('a'))!;
    const order: string[] = [];
    const waits = ['a', 'a', 'b', 'c'].map((o) =>
      limiter.acquire(o).then((release) => {
        order.push(o);
        release!();
      }),
    );
    expect(limiter.queued()).toBe(4);
    first();
    await Promise.all(waits);
    expect(order).toEqual(['a', 'b', 'c', 'a']);
    expect(limiter.active()).toBe(0);
  });

  it('ignores a second release of the same slot', async () => {
    const limiter = new OriginLimiter(2, 2);
    const release = (await limiter.acquire('a'))!;
    await limiter.acquire('a');
    release();
    release();
    expect(limiter.active()).toBe(1);
  });

  it('once closed, answers every waiting and later caller with no slot, at once', async () => {
    const limiter = new OriginLimiter(1, 1);
    const held = (await limiter.acquire('a'))!;
    const waiting = [limiter.acquire('a'), limiter.acquire('b')];
    expect(limiter.queued()).toBe(2);
    limiter.close();
    expect(await Promise.all(waiting)).toEqual([null, null]);
    expect(limiter.queued()).toBe(0);
    expect(await limiter.acquire('c')).toBeNull();
    // the slot held before closing is still freed normally
    held();
    expect(limiter.active()).toBe(0);
  });
});
