import { FakeClock, settle } from '../../../test/support/scheduler-fakes';
import { FireWindow } from './fire-window';

/** Retention's gaps between fires (docs/runs.md "Retention"), on a fake clock. */
describe('FireWindow', () => {
  const start = '2026-07-01T09:00:00.000Z';
  let clock: FakeClock;
  let window: FireWindow;
  let nextFire: number | null;

  beforeEach(() => {
    clock = new FakeClock(start);
    window = new FireWindow(clock);
    nextFire = null;
    window.follow(() => nextFire);
  });

  /** When gap() resolves, in ms from the start (null: not yet at `until`). */
  async function resolvedAt(expectedMs: number, until: number): Promise<number | null> {
    let at: number | null = null;
    void window.gap(expectedMs).then(() => (at = clock.now() - Date.parse(start)));
    await settle();
    await clock.advanceTo(Date.parse(start) + until);
    return at;
  }

  it('lets a batch run at once when no fire is due within it', async () => {
    nextFire = Date.parse(start) + 500;
    expect(await resolvedAt(100, 0)).toBe(0);
  });

  it('holds a batch that would meet the next fire until that fire is done', async () => {
    nextFire = Date.parse(start) + 60;
    let resolved: number | null = null;
    void window.gap(100).then(() => (resolved = clock.now() - Date.parse(start)));
    await clock.advanceTo(Date.parse(start) + 60);
    expect(resolved).toBeNull();
    // the fire starts at its slot and writes for 40 ms; the next one is a second later
    window.begin();
    nextFire = Date.parse(start) + 1060;
    await clock.advanceTo(Date.parse(start) + 100);
    expect(resolved).toBeNull();
    await clock.advanceTo(Date.parse(start) + 115);
    expect(resolved).toBeNull();
    window.end();
    await settle();
    expect(resolved).toBe(115);
  });

  it('waits for a fire in flight to end', async () => {
    window.begin();
    window.begin();
    let resolved = false;
    void window.gap(10).then(() => (resolved = true));
    await clock.advanceBy(30);
    window.end();
    await settle();
    expect(resolved).toBe(false);
    window.end();
    await settle();
    expect(resolved).toBe(true);
  });

  it('never holds retention longer than 2 s, however busy the scheduler', async () => {
    window.begin();
    expect(await resolvedAt(10, 1_999)).toBeNull();
    let resolved: number | null = null;
    void window.gap(10).then(() => (resolved = 1));
    await clock.advanceBy(2_001);
    expect(resolved).toBe(1);
  });
});
