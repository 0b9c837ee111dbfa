import { MicroBatcher } from './micro-batch';

describe('MicroBatcher', () => {
  it('sends calls made together as one batch, and calls made while it runs as the next', async () => {
    const batches: number[][] = [];
    let release: () => void = () => undefined;
    const b = new MicroBatcher<number, number>(
      async (items) => {
        batches.push(items);
        if (batches.length === 1) await new Promise<void>((r) => (release = r));
        return items.map((i) => i * 10);
      },
      3,
      1,
    );
    const first = [1, 2].map((i) => b.add(i));
    await new Promise((r) => setImmediate(r));
    const later = [3, 4, 5, 6].map((i) => b.add(i)); // wait while the first batch runs
    await new Promise((r) => setImmediate(r));
    expect(batches).toEqual([[1, 2]]);
    release();
    expect(await Promise.all([...first, ...later])).toEqual([10, 20, 30, 40, 50, 60]);
    expect(batches).toEqual([[1, 2], [3, 4, 5], [6]]);
  });

  it('rejects every caller of a failed batch, and goes on with the next', async () => {
    let fail = true;
    const b = new MicroBatcher<number, number>(
      async (items) => {
        if (fail) {
          fail = false;
          throw new Error('database went away');
        }
        return items;
      },
      10,
      2,
    );
    const failed = await Promise.allSettled([b.add(1), b.add(2)]);
    expect(failed.map((f) => f.status)).toEqual(['rejected', 'rejected']);
    expect(await b.add(3)).toBe(3);
  });
});
