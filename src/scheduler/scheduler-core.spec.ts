import { scheduledRunName } from '../runs/run-name';
import { SchedulerCore } from './scheduler-core';
import {
  aTrigger,
  FakeClock,
  RecordingPort,
  seconds,
  settle,
  SilentLogger,
} from '../../test/support/scheduler-fakes';

function setup(options: { start?: string; maxCatchup?: number } = {}) {
  const clock = new FakeClock(options.start ?? '2026-07-01T09:00:00.600Z');
  const port = new RecordingPort();
  const stale: string[] = [];
  const logger = new SilentLogger();
  const core = new SchedulerCore(clock, clock, port, {
    maxCatchupRunsPerLoop: options.maxCatchup ?? 100,
    retryMaxMs: 5_000,
    logger,
    onStale: (id) => stale.push(id),
  });
  return { clock, port, core, stale, logger };
}

describe('SchedulerCore', () => {
  describe('live fires', () => {
    it('shares one timer among triggers with the same schedule and fires each slot once', async () => {
      const { clock, port, core } = setup();
      const a = aTrigger({ id: 'a' });
      const b = aTrigger({ id: 'b' });
      const c = aTrigger({ id: 'c', cron: '*/2 * * * * *' });
      for (const t of [a, b, c]) core.upsert(t, null);
      expect(core.jobCount).toBe(3);
      expect(core.groupCount).toBe(2);
      await clock.advanceTo('2026-07-01T09:00:04.000Z');
      expect(port.slotsOf('a')).toEqual(seconds('2026-07-01T09:00:01.000Z', 4));
      expect(port.slotsOf('b')).toEqual(seconds('2026-07-01T09:00:01.000Z', 4));
      expect(port.slotsOf('c')).toEqual(['2026-07-01T09:00:02.000Z', '2026-07-01T09:00:04.000Z']);
      // one port call per instant, all triggers due at it together
      expect(port.calls.map((c) => c.slots.length)).toEqual([2, 3, 2, 3]);
      expect(port.modesOf('a').every((m) => m === 'live')).toBe(true);
      expect(core.jobState('a')?.cursor.toISOString()).toBe('2026-07-01T09:00:04.000Z');
    });

    it('prepares a batch ahead of its slot but sends it at the slot, never before', async () => {
      const { clock, port, core } = setup();
      const sentAt: number[] = [];
      const fire = port.fire.bind(port);
      port.fire = (slots, mode) => {
        sentAt.push(clock.now() - slots[0].scheduledAt.getTime());
        return fire(slots, mode);
      };
      core.upsert(aTrigger({ id: 'a' }), null);
      await clock.advanceTo('2026-07-01T09:00:03.000Z');
      expect(sentAt).toEqual([0, 0, 0]);
    });

    it('prepares a large batch in slices between turns of the event loop, sent whole at its slot', async () => {
      const { clock, port, core } = setup();
      // a send timer registered while the fire timer's callback runs: prepared in one go
      const registeredInside: boolean[] = [];
      let inside = false;
      const once = clock.once.bind(clock);
      clock.once = (delayMs, fn) => {
        registeredInside.push(inside);
        return once(delayMs, fn);
      };
      const set = clock.set.bind(clock);
      clock.set = (name, delayMs, fn) =>
        set(name, delayMs, () => {
          inside = true;
          try {
            fn();
          } finally {
            inside = false;
          }
        });
      const sentLate: number[] = [];
      const fire = port.fire.bind(port);
      port.fire = (slots, mode) => {
        sentLate.push(clock.now() - slots[0].scheduledAt.getTime());
        return fire(slots, mode);
      };
      core.upsert(aTrigger({ id: 'small', cron: '2 * * * * *' }), null);
      for (let i = 0; i < 2_500; i++)
        core.upsert(aTrigger({ id: `big${i}`, cron: '1 * * * * *' }), null);
      await clock.advanceTo('2026-07-01T09:00:02.000Z');
      // the 2,500 slots at 09:00:01 were prepared after the callback; the 1 at 09:00:02 within it
      expect(registeredInside).toEqual([false, true]);
      const big = port.calls.filter((c) => c.slots[0].triggerId.startsWith('big'));
      expect(big.map((c) => c.slots.length)).toEqual([2_500]);
      expect(new Set(big[0].slots.map((s) => s.triggerId)).size).toBe(2_500);
      expect(
        big[0].slots.every((s) => s.scheduledAt.toISOString() === '2026-07-01T09:00:01.000Z'),
      ).toBe(true);
      expect(sentLate.every((ms) => ms === 0)).toBe(true);
    });

    it('names runs like Flyte; contiguous fires need no cursor row', async () => {
      const { clock, port, core } = setup();
      const a = aTrigger({ id: 'a', name: 'k1' });
      core.upsert(a, null);
      await clock.advanceTo('2026-07-01T09:00:02.000Z');
      const run = port.runs.get('a|2026-07-01T09:00:02.000Z');
      expect(run?.name).toBe(scheduledRunName(a.name, new Date('2026-07-01T09:00:02Z')));
      expect(port.calls.every((c) => c.slots.every((s) => !s.floor && !s.through))).toBe(true);
      expect(port.persistedCursor('a')).toBe(Date.parse('2026-07-01T09:00:02Z'));
    });

    it('never fires a slot at or before the effective time', async () => {
      const { clock, port, core } = setup({ start: '2026-07-01T09:00:00.000Z' });
      core.upsert(
        aTrigger({ id: 'a', cron: '*/5 * * * * *', effectiveAt: '2026-07-01T09:00:05.000Z' }),
        null,
      );
      await clock.advanceTo('2026-07-01T09:00:10.000Z');
      expect(port.slotsOf('a')).toEqual(['2026-07-01T09:00:10.000Z']);
    });

    it('fires rates and @every on the grid of their effective time, grouped by phase', async () => {
      const { clock, port, core } = setup();
      core.upsert(
        aTrigger({ id: 'a', every: '2s', effectiveAt: '2026-07-01T09:00:00.300Z' }),
        null,
      );
      core.upsert(
        aTrigger({ id: 'b', every: '2s', effectiveAt: '2026-07-01T08:59:58.900Z' }),
        null,
      );
      core.upsert(
        aTrigger({ id: 'c', every: '2s', effectiveAt: '2026-07-01T09:00:01.100Z' }),
        null,
      );
      expect(core.groupCount).toBe(2); // a and b share the phase (truncated to the second)
      await clock.advanceTo('2026-07-01T09:00:04.500Z');
      expect(port.slotsOf('a')).toEqual(['2026-07-01T09:00:02.000Z', '2026-07-01T09:00:04.000Z']);
      // b's slot 09:00:00 came after its effective time: caught up at registration
      expect(port.slotsOf('b')).toEqual([
        '2026-07-01T09:00:00.000Z',
        '2026-07-01T09:00:02.000Z',
        '2026-07-01T09:00:04.000Z',
      ]);
      expect(port.slotsOf('c')).toEqual(['2026-07-01T09:00:03.000Z']);
      core.upsert(
        aTrigger({ id: 'd', every: '3s', effectiveAt: '2026-07-01T09:00:04.700Z' }),
        null,
      );
      await clock.advanceTo('2026-07-01T09:00:10.500Z');
      expect(port.slotsOf('d')).toEqual(['2026-07-01T09:00:07.000Z', '2026-07-01T09:00:10.000Z']);
    });

    it('a trigger registered after its group prepared the next slot still fires that slot on time', async () => {
      const { clock, port, core } = setup({ start: '2026-07-01T09:00:00.000Z' });
      const sentAt: Record<string, number> = {};
      const fire = port.fire.bind(port);
      port.fire = (slots, mode) => {
        for (const s of slots)
          sentAt[`${s.triggerId}|${s.scheduledAt.toISOString()}`] = clock.now();
        return fire(slots, mode);
      };
      core.upsert(aTrigger({ id: 'a', effectiveAt: '2026-07-01T08:59:59.000Z' }), null);
      // inside the prepare-ahead window of 09:00:01: the group's batch is already planned
      await clock.advanceTo('2026-07-01T09:00:00.980Z');
      core.upsert(aTrigger({ id: 'late', effectiveAt: '2026-07-01T09:00:00.980Z' }), null);
      // an update of a job that is in the planned batch: its new revision fires the slot
      port.revisions.set('a', 2);
      core.upsert(
        aTrigger({ id: 'a', revision: 2, effectiveAt: '2026-07-01T08:59:59.000Z' }),
        null,
      );
      await clock.advanceTo('2026-07-01T09:00:02.000Z');
      expect(port.slotsOf('late')).toEqual(seconds('2026-07-01T09:00:01.000Z', 2));
      expect(sentAt['late|2026-07-01T09:00:01.000Z']).toBe(Date.parse('2026-07-01T09:00:01Z'));
      expect(port.modesOf('late')[0]).toBe('live');
      // the joiners of one instant go together, in one call of their own
      const joined = port.calls.find((c) => c.slots.some((s) => s.triggerId === 'late'));
      expect(joined?.slots.map((s) => `${s.triggerId}@${s.revision}`).sort()).toEqual([
        'a@2',
        'late@1',
      ]);
      const a = port.calls.flatMap((c) => c.slots).filter((s) => s.triggerId === 'a');
      expect(a.filter((s) => s.revision === 2).map((s) => s.scheduledAt.toISOString())).toEqual(
        seconds('2026-07-01T09:00:01.000Z', 2),
      );
    });

    it('a live fire does not wait for a catch-up in progress', async () => {
      const { clock, port, core } = setup({ maxCatchup: 1000 });
      let open!: () => void;
      port.catchupGate = new Promise((resolve) => (open = resolve));
      core.upsert(aTrigger({ id: 'old', effectiveAt: '2026-07-01T08:59:00.000Z' }), null);
      core.upsert(aTrigger({ id: 'new' }), null);
      const catchUp = core.catchUp();
      await clock.advanceTo('2026-07-01T09:00:03.000Z');
      expect(port.slotsOf('new')).toEqual(seconds('2026-07-01T09:00:01.000Z', 3));
      expect(port.slotsOf('old')).toEqual(seconds('2026-07-01T09:00:01.000Z', 3));
      open();
      await catchUp;
      await core.catchUp();
      // the backlog (08:59:01 … 09:00:00) was not dropped by the live fires
      expect(port.slotsOf('old')).toEqual(seconds('2026-07-01T08:59:01.000Z', 63));
    });

    it('after a stall, fires the current slot live and leaves the skipped ones to catch-up', async () => {
      const { clock, port, core } = setup();
      core.upsert(aTrigger({ id: 'a' }), null);
      await clock.advanceTo('2026-07-01T09:00:01.000Z');
      clock.jump(5000); // the event loop was blocked
      await clock.advanceBy(0);
      expect(port.slotsOf('a')).toEqual(seconds('2026-07-01T09:00:01.000Z', 2));
      expect(core.jobState('a')?.lagging).toBe(true);
      await core.catchUp();
      await clock.advanceTo('2026-07-01T09:00:07.000Z');
      expect(port.slotsOf('a')).toEqual(seconds('2026-07-01T09:00:01.000Z', 7));
    });
  });

  describe('catch-up', () => {
    it('fires due past slots oldest first across triggers, at most the cap per pass, losing none', async () => {
      const { clock, port, core } = setup({ start: '2026-07-01T09:00:10.500Z', maxCatchup: 4 });
      core.upsert(aTrigger({ id: 'a', effectiveAt: '2026-07-01T09:00:00.000Z' }), 1);
      core.upsert(
        aTrigger({ id: 'b', effectiveAt: '2026-07-01T09:00:03.000Z', cron: '*/2 * * * * *' }),
        1,
      );
      expect(core.laggingCount).toBe(2);
      const first = await core.catchUp();
      expect(first.created).toBe(4);
      expect([...port.runs.values()].map((r) => `${r.triggerId}@${r.at.slice(17, 19)}`)).toEqual([
        'a@01',
        'a@02',
        'a@03',
        'a@04',
      ]);
      const second = await core.catchUp();
      expect(second.created).toBe(4);
      expect(port.slotsOf('b')).toEqual(['2026-07-01T09:00:04.000Z', '2026-07-01T09:00:06.000Z']);
      for (let i = 0; i < 5; i++) await core.catchUp();
      expect(port.slotsOf('a')).toEqual(seconds('2026-07-01T09:00:01.000Z', 10));
      expect(port.slotsOf('b')).toEqual(
        ['04', '06', '08', '10'].map((s) => `2026-07-01T09:00:${s}.000Z`),
      );
      expect(core.laggingCount).toBe(0);
      expect((await core.catchUp()).examined).toBe(0);
      // meanwhile live fires went on
      await clock.advanceTo('2026-07-01T09:00:12.000Z');
      expect(port.slotsOf('a')).toHaveLength(12);
    });

    it('does not count slots that already have a run', async () => {
      const { port, core } = setup({ start: '2026-07-01T09:00:10.500Z', maxCatchup: 3 });
      core.upsert(aTrigger({ id: 'a', effectiveAt: '2026-07-01T09:00:00.000Z' }), 1);
      for (const at of seconds('2026-07-01T09:00:01.000Z', 5)) port.addRun('a', at);
      const result = await core.catchUp();
      expect(result.created).toBe(3);
      expect(port.slotsOf('a')).toEqual(seconds('2026-07-01T09:00:01.000Z', 8));
    });

    it('starts after the persisted cursor and after the effective time', async () => {
      const { port, core } = setup({ start: '2026-07-01T09:00:10.500Z' });
      core.upsert(
        aTrigger({
          id: 'a',
          effectiveAt: '2026-07-01T09:00:00.000Z',
          scheduledThrough: '2026-07-01T09:00:07.000Z',
        }),
        1,
      );
      core.upsert(aTrigger({ id: 'b', effectiveAt: '2026-07-01T09:00:08.200Z' }), 1);
      await core.catchUp();
      expect(port.slotsOf('a')).toEqual(seconds('2026-07-01T09:00:08.000Z', 3));
      expect(port.slotsOf('b')).toEqual(seconds('2026-07-01T09:00:09.000Z', 2));
    });

    it('a job registered by an event with a due slot is caught up at once', async () => {
      const { clock, port, core } = setup({ start: '2026-07-01T09:00:01.020Z' });
      core.upsert(aTrigger({ id: 'a', effectiveAt: '2026-07-01T09:00:00.990Z' }), null);
      await clock.advanceBy(0);
      expect(port.slotsOf('a')).toEqual(['2026-07-01T09:00:01.000Z']);
    });
  });

  describe('failures', () => {
    /** Holds the port's catch-up calls (the retry's) until the returned function is called. */
    function holdCatchUps(port: RecordingPort): () => void {
      let open!: () => void;
      port.catchupGate = new Promise<void>((resolve) => (open = resolve));
      return () => {
        port.catchupGate = null;
        open();
      };
    }

    it('keeps failed slots due and fires them once the database is back', async () => {
      const { clock, port, core, logger } = setup();
      core.upsert(aTrigger({ id: 'a' }), null);
      await clock.advanceTo('2026-07-01T09:00:01.000Z');
      port.failing = true;
      await clock.advanceTo('2026-07-01T09:00:04.000Z');
      expect((await core.catchUp()).failed).toBe(true);
      expect(logger.messages.some((m) => m.includes('stay due'))).toBe(true);
      port.failing = false;
      const release = holdCatchUps(port); // the retry waits: the hole stays open meanwhile
      await clock.advanceTo('2026-07-01T09:00:05.000Z');
      expect(port.slotsOf('a')).toEqual(['2026-07-01T09:00:01.000Z', '2026-07-01T09:00:05.000Z']);
      // the persisted cursor never jumps over the hole: 09:00:05 opened a cursor row at :01
      expect(port.persistedCursor('a')).toBe(Date.parse('2026-07-01T09:00:01Z'));
      release();
      await core.catchUp();
      expect(port.slotsOf('a')).toEqual(seconds('2026-07-01T09:00:01.000Z', 5));
      expect(core.jobState('a')?.lagging).toBe(false);
      // the hole is closed: the next slot carries the row along and drops it (the catch-up was
      // planned before the row existed), and last_scheduled_at is the cursor again
      await clock.advanceTo('2026-07-01T09:00:06.000Z');
      expect(port.cursorRows.has('a')).toBe(false);
      expect(port.persistedCursor('a')).toBe(Date.parse('2026-07-01T09:00:06Z'));
    });

    it('a restart resumes from the persisted cursor and closes the hole', async () => {
      const first = setup();
      first.core.upsert(aTrigger({ id: 'a' }), null);
      await first.clock.advanceTo('2026-07-01T09:00:01.000Z');
      first.port.failing = true;
      await first.clock.advanceTo('2026-07-01T09:00:03.000Z');
      first.port.failing = false;
      holdCatchUps(first.port); // the process dies before its retry writes anything
      await first.clock.advanceTo('2026-07-01T09:00:04.000Z');
      first.core.stop();
      first.port.catchupGate = null;
      expect(first.port.slotsOf('a')).toEqual([
        '2026-07-01T09:00:01.000Z',
        '2026-07-01T09:00:04.000Z',
      ]);
      // a new process on the same database
      const clock = new FakeClock('2026-07-01T09:00:04.500Z');
      const core = new SchedulerCore(clock, clock, first.port, {
        maxCatchupRunsPerLoop: 100,
        logger: new SilentLogger(),
      });
      const p = core.beginPass();
      core.upsert(
        {
          ...aTrigger({ id: 'a' }),
          scheduledThrough: new Date(first.port.persistedCursor('a')!),
          hasCursorRow: first.port.cursorRows.has('a'),
        },
        p,
      );
      await core.catchUp();
      expect(first.port.slotsOf('a')).toEqual(seconds('2026-07-01T09:00:01.000Z', 4));
      expect(first.port.cursorRows.has('a')).toBe(false);
      expect(core.jobState('a')?.cursor.toISOString()).toBe('2026-07-01T09:00:04.000Z');
    });

    it('retries failed slots after 1 s, doubling up to the maximum, then starts over', async () => {
      const { clock, port, core } = setup({ start: '2026-07-01T09:00:30.000Z' });
      core.upsert(aTrigger({ id: 'a', cron: '* * * * *' }), null);
      port.failing = true;
      await clock.advanceTo('2026-07-01T09:01:00.000Z');
      const retries: string[] = [];
      for (let i = 0; i < 5; i++) {
        const at = clock.armedAt('retry')!;
        retries.push(new Date(at).toISOString().slice(14, 19));
        await clock.advanceTo(at);
      }
      // 1 s, 2 s, 4 s, then the maximum (5 s here; the app's is its resync interval)
      expect(retries).toEqual(['01:01', '01:03', '01:07', '01:12', '01:17']);
      expect(port.slotsOf('a')).toEqual([]);
      port.failing = false;
      await clock.advanceTo(clock.armedAt('retry')!);
      expect(port.slotsOf('a')).toEqual(['2026-07-01T09:01:00.000Z']);
      expect(clock.armedAt('retry')).toBeUndefined();
      expect(core.jobState('a')?.lagging).toBe(false);
      // a good catch-up reset the backoff: the next failure is retried after 1 s again
      port.failing = true;
      await clock.advanceTo('2026-07-01T09:02:00.000Z');
      expect(clock.armedAt('retry')).toBe(Date.parse('2026-07-01T09:02:01.000Z'));
      port.failing = false;
      await clock.advanceTo('2026-07-01T09:02:01.000Z');
      expect(port.slotsOf('a')).toEqual(['2026-07-01T09:01:00.000Z', '2026-07-01T09:02:00.000Z']);
    });

    it('a live fire that succeeds while a retry waits retries the failed slots at once', async () => {
      const { clock, port, core } = setup();
      core.upsert(aTrigger({ id: 'a' }), null);
      await clock.advanceTo('2026-07-01T09:00:01.000Z');
      port.failing = true;
      await clock.advanceTo('2026-07-01T09:00:06.000Z');
      // :02 failed (retry at :03), the retries at :03 and :05 failed (next at :09)
      expect(clock.armedAt('retry')).toBe(Date.parse('2026-07-01T09:00:09.000Z'));
      port.failing = false;
      await clock.advanceTo('2026-07-01T09:00:06.900Z');
      expect(port.slotsOf('a')).toEqual(['2026-07-01T09:00:01.000Z']);
      await clock.advanceTo('2026-07-01T09:00:07.000Z');
      expect(port.slotsOf('a')).toEqual(seconds('2026-07-01T09:00:01.000Z', 7));
      expect(port.modesOf('a')).toEqual(['live', ...Array<string>(5).fill('catchup'), 'live']);
      expect(port.cursorRows.has('a')).toBe(false);
      expect(port.persistedCursor('a')).toBe(Date.parse('2026-07-01T09:00:07Z'));
      expect(clock.armedAt('retry')).toBeUndefined();
    });

    it('a failed catch-up is retried too, and stop() disarms the retry', async () => {
      const { clock, port, core } = setup({ start: '2026-07-01T09:00:00.500Z' });
      core.upsert(
        aTrigger({ id: 'a', cron: '0 0 * * *', effectiveAt: '2026-06-29T12:00:00Z' }),
        core.beginPass(),
      );
      port.failing = true;
      expect((await core.catchUp()).failed).toBe(true);
      expect(clock.armedAt('retry')).toBe(Date.parse('2026-07-01T09:00:01.500Z'));
      port.failing = false;
      await clock.advanceTo('2026-07-01T09:00:01.500Z');
      expect(port.slotsOf('a')).toEqual(['2026-06-30T00:00:00.000Z', '2026-07-01T00:00:00.000Z']);
      port.failing = true;
      await core.catchUp();
      expect(core.jobState('a')?.lagging).toBe(false);
      core.upsert(aTrigger({ id: 'b', cron: '0 0 * * *', effectiveAt: '2026-06-30T12:00:00Z' }), 1);
      expect((await core.catchUp()).failed).toBe(true);
      expect(clock.armedAt('retry')).toBeDefined();
      core.stop();
      expect(clock.armedAt('retry')).toBeUndefined();
    });

    it('a stale job stops firing and asks for a refresh', async () => {
      const { clock, port, core, stale } = setup();
      core.upsert(aTrigger({ id: 'a' }), null);
      await clock.advanceTo('2026-07-01T09:00:01.000Z');
      port.revisions.set('a', 2); // changed on another replica
      await clock.advanceTo('2026-07-01T09:00:03.000Z');
      expect(stale).toEqual(['a']);
      expect(port.calls.filter((c) => c.slots.some((s) => s.triggerId === 'a'))).toHaveLength(2);
      core.upsert(
        aTrigger({ id: 'a', revision: 2, effectiveAt: '2026-07-01T09:00:03.500Z' }),
        null,
      );
      await clock.advanceTo('2026-07-01T09:00:05.000Z');
      expect(port.slotsOf('a')).toEqual([
        '2026-07-01T09:00:01.000Z',
        '2026-07-01T09:00:04.000Z',
        '2026-07-01T09:00:05.000Z',
      ]);
    });
  });

  describe('reconciliation', () => {
    it('keeps unchanged jobs, rebuilds changed ones, removes unseen ones', () => {
      const { core } = setup();
      const pass1 = core.beginPass();
      for (const id of ['a', 'b', 'c']) {
        expect(core.seen(id, 1, pass1)).toBe(false);
        core.upsert(aTrigger({ id }), pass1);
      }
      core.endPass(pass1);
      expect(core.jobCount).toBe(3);
      const pass2 = core.beginPass();
      expect(core.seen('a', 1, pass2)).toBe(true);
      expect(core.seen('b', 2, pass2)).toBe(false);
      core.upsert(aTrigger({ id: 'b', revision: 2, cron: '*/2 * * * * *' }), pass2);
      core.endPass(pass2);
      expect(core.jobCount).toBe(2);
      expect(core.revisionOf('b')).toBe(2);
      expect(core.revisionOf('c')).toBeUndefined();
      expect(core.groupCount).toBe(2);
    });

    it('an event during a pass wins over what the pass read before it', () => {
      const { core } = setup();
      const p1 = core.beginPass();
      core.upsert(aTrigger({ id: 'a' }), p1);
      core.endPass(p1);
      const p2 = core.beginPass();
      // the pass read 'a' at revision 1; meanwhile it was deactivated (revision 2) …
      core.remove('a', 2);
      // … and 'n' was deployed and announced
      core.upsert(aTrigger({ id: 'n' }), null);
      expect(core.seen('a', 1, p2)).toBe(true); // tombstoned: not brought back
      core.upsert(aTrigger({ id: 'a' }), p2);
      core.endPass(p2); // did not see 'n' (read before it existed): kept
      expect(core.revisionOf('a')).toBeUndefined();
      expect(core.revisionOf('n')).toBe(1);
    });

    it('ignores an older revision and a removal older than the job', () => {
      const { core } = setup();
      core.upsert(aTrigger({ id: 'a', revision: 3 }), null);
      core.upsert(aTrigger({ id: 'a', revision: 2 }), null);
      expect(core.revisionOf('a')).toBe(3);
      core.remove('a', 2);
      expect(core.revisionOf('a')).toBe(3);
      core.remove('a', 4);
      expect(core.revisionOf('a')).toBeUndefined();
      expect(core.groupCount).toBe(0);
    });

    it('a spec-only change keeps the cursor; a new effective time resets it', async () => {
      const { clock, core } = setup();
      core.upsert(aTrigger({ id: 'a' }), null);
      await clock.advanceTo('2026-07-01T09:00:03.000Z');
      core.upsert(aTrigger({ id: 'a', revision: 2 }), null);
      expect(core.jobState('a')?.cursor.toISOString()).toBe('2026-07-01T09:00:03.000Z');
      core.upsert(
        aTrigger({ id: 'a', revision: 3, effectiveAt: '2026-07-01T09:00:03.100Z' }),
        null,
      );
      expect(core.jobState('a')?.cursor.toISOString()).toBe('2026-07-01T09:00:03.100Z');
    });

    it('skips a schedule that cannot be parsed, logging it once', () => {
      const { core, logger } = setup();
      const bad = {
        ...aTrigger({ id: 'x' }),
        automationSpec: { type: 'SCHEDULE', schedule: { cron: { expression: 'nope' } } },
      };
      const p = core.beginPass();
      core.upsert(bad, p);
      expect(core.seen('x', 1, core.beginPass())).toBe(true);
      core.upsert(bad, p);
      expect(core.jobCount).toBe(0);
      expect(logger.messages.filter((m) => m.includes('cannot run'))).toHaveLength(1);
    });

    it('stop() disarms the timers', async () => {
      const { clock, port, core } = setup();
      core.upsert(aTrigger({ id: 'a' }), null);
      await settle();
      // armed to prepare the batch shortly before the slot
      expect(clock.armedAt('fire')).toBe(Date.parse('2026-07-01T09:00:01Z') - 50);
      core.stop();
      await clock.advanceTo('2026-07-01T09:00:05.000Z');
      expect(port.runs.size).toBe(0);
      await core.drain();
    });
  });
});
