import { Clock, type TimerHandle } from '../../src/common/clock';
import type {
  FireMode,
  FireResult,
  FirePort,
  ScheduleTriggerRow,
  SchedulerLogger,
  SlotToFire,
  TimerName,
  Timers,
} from '../../src/scheduler/scheduler.types';

/** Test helpers for the scheduler core (not used by the app). */

interface FakeTimer {
  id: number;
  at: number;
  fn: () => void;
}

/** A clock whose time moves only when the test says so; also the core's named timers. */
export class FakeClock extends Clock implements Timers {
  private t: number;
  private seq = 0;
  private readonly pending = new Map<number, FakeTimer>();
  private readonly named = new Map<TimerName, number>();

  constructor(start: Date | string) {
    super();
    this.t = new Date(start).getTime();
  }

  now(): number {
    return this.t;
  }

  setTimer(delayMs: number, fn: () => void): TimerHandle {
    const timer = { id: ++this.seq, at: this.t + Math.max(0, delayMs), fn };
    this.pending.set(timer.id, timer);
    return { id: timer.id };
  }

  clearTimer(handle: TimerHandle): void {
    this.pending.delete((handle as { id: number }).id);
  }

  set(name: TimerName, delayMs: number, fn: () => void): void {
    this.clear(name);
    this.named.set(name, (this.setTimer(delayMs, fn) as { id: number }).id);
  }

  once(delayMs: number, fn: () => void): TimerHandle {
    return this.setTimer(delayMs, fn);
  }

  cancel(handle: TimerHandle): void {
    this.clearTimer(handle);
  }

  clear(name: TimerName): void {
    const id = this.named.get(name);
    if (id !== undefined) this.pending.delete(id);
    this.named.delete(name);
  }

  /** When the named timer is due (undefined: not armed). */
  armedAt(name: TimerName): number | undefined {
    const id = this.named.get(name);
    return id === undefined ? undefined : this.pending.get(id)?.at;
  }

  /** Runs every timer due up to `to` in time order, letting async work settle after each. */
  async advanceTo(to: Date | string | number): Promise<void> {
    const target = typeof to === 'number' ? to : new Date(to).getTime();
    await settle();
    for (;;) {
      let next: FakeTimer | undefined;
      for (const timer of this.pending.values()) {
        if (
          timer.at <= target &&
          (!next || timer.at < next.at || (timer.at === next.at && timer.id < next.id))
        ) {
          next = timer;
        }
      }
      if (!next) break;
      this.pending.delete(next.id);
      for (const [name, id] of this.named) if (id === next.id) this.named.delete(name);
      this.t = Math.max(this.t, next.at);
      next.fn();
      await settle();
    }
    this.t = Math.max(this.t, target);
  }

  async advanceBy(ms: number): Promise<void> {
    await this.advanceTo(this.t + ms);
  }

  /** Moves time without running timers (a stalled event loop). */
  jump(ms: number): void {
    this.t += ms;
  }
}

/** Lets pending promise chains run (the recording port resolves at once). */
export async function settle(): Promise<void> {
  for (let i = 0; i < 5; i++) await new Promise((resolve) => setImmediate(resolve));
}

export interface RecordedRun {
  triggerId: string;
  at: string;
  name: string;
  mode: FireMode;
  revision: number;
}

/**
 * A FirePort that behaves like the database: one run per (trigger, slot), STALE when the
 * trigger's current revision differs, FAILED while `failing`; keeps last_scheduled_at and the
 * cursor rows as the fire statement does (test/contract checks both against the same cases).
 */
export class RecordingPort implements FirePort {
  readonly runs = new Map<string, RecordedRun>();
  readonly calls: { mode: FireMode; slots: SlotToFire[] }[] = [];
  readonly revisions = new Map<string, number>();
  readonly lastScheduled = new Map<string, number>();
  readonly cursorRows = new Map<string, number>();
  failing = false;
  /** when set, catch-up calls wait for it (to show live fires do not wait) */
  catchupGate: Promise<void> | null = null;

  /** What a restart would take as the trigger's cursor: its row, else last_scheduled_at. */
  persistedCursor(triggerId: string): number | undefined {
    return this.cursorRows.get(triggerId) ?? this.lastScheduled.get(triggerId);
  }

  async fire(slots: SlotToFire[], mode: FireMode): Promise<FireResult[]> {
    this.calls.push({ mode, slots });
    if (mode === 'catchup' && this.catchupGate) await this.catchupGate;
    if (this.failing) return slots.map(() => ({ outcome: 'FAILED', cursorRow: null }));
    // As the statement does: first the runs, slot by slot; then each trigger's cursor row once,
    // from all its slots in the call (lowest floor, highest through), and every slot of that
    // trigger reports the row's state after the call. A slot at or before the persisted cursor
    // (as it was before the call) counts as fired, whether or not its run still exists.
    const firedThrough = new Map(
      slots.map((s) => [s.triggerId, this.persistedCursor(s.triggerId)]),
    );
    const results = slots.map((s): FireResult => {
      const current = this.revisions.get(s.triggerId);
      if (current !== undefined && current !== s.revision) {
        return { outcome: 'STALE', cursorRow: null };
      }
      const key = `${s.triggerId}|${s.scheduledAt.toISOString()}`;
      const through = firedThrough.get(s.triggerId);
      const exists =
        this.runs.has(key) || (through !== undefined && s.scheduledAt.getTime() <= through);
      if (!exists) {
        this.runs.set(key, {
          triggerId: s.triggerId,
          at: s.scheduledAt.toISOString(),
          name: s.runName,
          mode,
          revision: s.revision,
        });
        const last = this.lastScheduled.get(s.triggerId) ?? -Infinity;
        this.lastScheduled.set(s.triggerId, Math.max(last, s.scheduledAt.getTime()));
      }
      return { outcome: exists ? 'EXISTS' : 'CREATED', cursorRow: null };
    });
    const plans = new Map<string, { floor: number; through: number }>();
    slots.forEach((s, i) => {
      if (results[i].outcome === 'STALE' || (!s.floor && !s.through)) return;
      const plan = plans.get(s.triggerId) ?? { floor: Infinity, through: -Infinity };
      if (s.floor) plan.floor = Math.min(plan.floor, s.floor.getTime());
      if (s.through) plan.through = Math.max(plan.through, s.through.getTime());
      plans.set(s.triggerId, plan);
    });
    const cursorRow = new Map<string, boolean>();
    for (const [id, plan] of plans) {
      const last = this.lastScheduled.get(id) ?? -Infinity;
      if (plan.floor !== Infinity) {
        if (!this.cursorRows.has(id)) this.cursorRows.set(id, plan.floor);
        cursorRow.set(id, true);
      } else if (plan.through >= last) {
        this.cursorRows.delete(id);
        cursorRow.set(id, false);
      } else {
        const row = this.cursorRows.get(id);
        if (row !== undefined) this.cursorRows.set(id, Math.max(row, plan.through));
        cursorRow.set(id, true);
      }
    }
    slots.forEach((s, i) => {
      if (results[i].outcome !== 'STALE') results[i].cursorRow = cursorRow.get(s.triggerId) ?? null;
    });
    return results;
  }

  /** A run that exists already (e.g. from a backfill). */
  addRun(triggerId: string, at: string): void {
    this.runs.set(`${triggerId}|${new Date(at).toISOString()}`, {
      triggerId,
      at: new Date(at).toISOString(),
      name: 'backfilled',
      mode: 'catchup',
      revision: 0,
    });
  }

  /** Slot times (ISO) with a run for a trigger, ascending. */
  slotsOf(triggerId: string): string[] {
    return [...this.runs.values()]
      .filter((r) => r.triggerId === triggerId)
      .map((r) => r.at)
      .sort();
  }

  modesOf(triggerId: string): FireMode[] {
    return [...this.runs.values()]
      .filter((r) => r.triggerId === triggerId)
      .sort((a, b) => a.at.localeCompare(b.at))
      .map((r) => r.mode);
  }
}

export class SilentLogger implements SchedulerLogger {
  readonly messages: string[] = [];
  log(m: string): void {
    this.messages.push(m);
  }
  warn(m: string): void {
    this.messages.push(m);
  }
  error(m: string): void {
    this.messages.push(m);
  }
}

let nextId = 1;

/** A trigger row for the core, cron by default. */
export function aTrigger(
  o: {
    id?: string;
    name?: string;
    cron?: string;
    rate?: { value: number; unit: string; startTime?: string };
    every?: string;
    revision?: number;
    effectiveAt?: string;
    scheduledThrough?: string;
    hasCursorRow?: boolean;
  } = {},
): ScheduleTriggerRow {
  const id = o.id ?? String(nextId++);
  const schedule = o.rate
    ? { rate: o.rate }
    : { cron: { expression: o.every ? `@every ${o.every}` : (o.cron ?? '* * * * * *') } };
  return {
    id,
    name: { project: 'p', domain: 'd', taskName: 'task', name: o.name ?? `t${id}` },
    revision: o.revision ?? 1,
    automationSpec: { type: 'SCHEDULE', schedule },
    effectiveAt: new Date(o.effectiveAt ?? '2026-07-01T09:00:00.500Z'),
    scheduledThrough: o.scheduledThrough ? new Date(o.scheduledThrough) : null,
    hasCursorRow: o.hasCursorRow ?? false,
  };
}

/** ISO strings of consecutive seconds from `from` (inclusive), `count` of them. */
export function seconds(from: string, count: number): string[] {
  const start = new Date(from).getTime();
  return Array.from({ length: count }, (_, i) => new Date(start + i * 1000).toISOString());
}
