import { RunNamer } from '../runs/run-name';
import { Backoff, RETRY_BASE_MS } from './backoff';
import { parseScheduleCached, type AutomationSpecLike, type Schedule } from '../schedule';
import type { Clock, TimerHandle } from '../common/clock';
import { LogThrottle } from '../common/log-throttle';
import { IndexedMinHeap, type HeapItem } from './min-heap';
import { misfireSkip, notBeforeOf, slotPoliciesOf, type SlotPolicies } from './slot-policies';
import type {
  FirePort,
  FireResult,
  ScheduleTriggerRow,
  SchedulerLogger,
  SlotToFire,
  Timers,
} from './scheduler.types';

const NEVER = Number.POSITIVE_INFINITY;
/** A catch-up pass examines at most this many times its cap (slots that already have runs). */
const EXAMINE_FACTOR = 20;
/** Catch-up sends at most this many slots per statement. */
const CATCHUP_ROUND = 500;
/** Slots a misfire policy skips: at most this many per statement, and per catch-up pass. */
const SKIP_ROUND = 2_000;
const MAX_SKIPS_PER_PASS = 200_000;
/** A live batch of more slots than this is prepared in slices of it (prepareInSlices). */
const PREPARE_SLICE = 1_000;

/** One registered trigger: a member of the timer group of its schedule. */
class Job {
  group!: Group;
  /** hashes the trigger's name once, at registration, not at its first fire */
  readonly namer: RunNamer;
  /** misfire policy, catch-up window and jitter (docs/policies.md) */
  readonly policies: SlotPolicies;
  /** every due slot at or before this instant is known to have a run */
  cursorMs: number;
  /** some due slot after the cursor may lack a run: catch-up walks it */
  lagging = false;
  /** the trigger changed under this job (a fire found it stale); waiting for a refresh */
  stale = false;
  /** the database holds a cursor row for it (it had a hole below last_scheduled_at) */
  hasCursorRow: boolean;
  /** the pass that last saw it, and the pass during which an event last set it */
  seenPass = 0;
  touchedPass = 0;

  constructor(
    readonly row: ScheduleTriggerRow,
    readonly schedule: Schedule,
    readonly anchorMs: number,
    cursorMs: number,
  ) {
    this.cursorMs = cursorMs;
    this.hasCursorRow = row.hasCursorRow;
    this.namer = new RunNamer(row.name);
    this.policies = slotPoliciesOf(row.name, row.automationSpec);
  }

  get id(): string {
    return this.row.id;
  }

  get revision(): number {
    return this.row.revision;
  }

  /** first slot strictly after `afterMs` (NEVER if none) */
  nextSlot(afterMs: number): number {
    const next = this.schedule.next(new Date(afterMs), this.row.effectiveAt);
    return next === null ? NEVER : next.getTime();
  }

  runName(atMs: number): string {
    return this.namer.nameOf(new Date(atMs));
  }
}

/** One timer shared by every trigger whose schedule fires at the same instants. */
class Group implements HeapItem {
  heapIndex = -1;
  readonly members = new Set<Job>();
  /** the next slot to fire live */
  nextMs = NEVER;
  /** the slot fired just before nextMs, when it is its immediate predecessor (else null) */
  prevMs: number | null = null;

  constructor(
    readonly key: string,
    readonly schedule: Schedule,
    readonly anchor: Date,
  ) {}
}

interface Planned {
  job: Job;
  atMs: number;
  /** the slot follows the job's cursor (as it was when planned): the cursor may move to it */
  through: boolean;
  fromCursor: number;
  /** a misfire policy records the slot SKIPPED (null: it runs, or the overlap policy decides) */
  skip?: SlotToFire['skipReason'];
}

export interface SchedulerCoreOptions {
  maxCatchupRunsPerLoop: number;
  /** a slot fired more than this late is missed (misfire policies; default 60 s) */
  misfireThresholdMs?: number;
  /** how long before a slot its batch is prepared (default 50 ms) */
  prepareAheadMs?: number;
  logger: SchedulerLogger;
  /**
   * Slots that failed to fire are retried by a catch-up after RETRY_BASE_MS, doubled after each
   * failed retry up to this (default 30 s; the app passes its resync interval).
   */
  retryMaxMs?: number;
  /** a fire found this trigger changed: re-read it (the core cannot reach the database) */
  onStale?: (triggerId: string) => void;
}

export interface CatchUpResult {
  /** runs created that run (not skipped) */
  created: number;
  /** slots recorded SKIPPED by a misfire policy */
  skipped: number;
  examined: number;
  /** the catch-up stopped on a failed fire (database unavailable) */
  failed: boolean;
}

/**
 * The scheduler's pure core: registered jobs grouped by schedule, one timer over a min-heap of
 * the groups' next fire times, per-trigger catch-up cursors. No Nest, no database: time comes
 * from a Clock, fires go through a FirePort, so it is tested on fake time with a recording port.
 *
 * Which instants are slots always comes from the schedule module. A slot t of a job is due when
 * t > effective time, t <= now and it has no run; the database's unique index (trigger, slot)
 * makes a second fire of a slot a no-op, so the core may safely offer a slot twice.
 */
export class SchedulerCore {
  private readonly jobs = new Map<string, Job>();
  private readonly groups = new Map<string, Group>();
  private readonly heap = new IndexedMinHeap<Group>((g) => g.nextMs);
  private readonly lagging = new Set<Job>();
  /** removals made by events: a pass that read the row earlier must not bring it back */
  private readonly tombstones = new Map<string, { revision: number; pass: number }>();
  /** revisions whose automation spec cannot be parsed (logged once) */
  private readonly broken = new Map<string, number>();
  private readonly inflight = new Set<Promise<void>>();
  /** prepared batches waiting for their slot */
  private readonly dispatches = new Set<TimerHandle>();
  /** batches of jobs that joined a group after its batch for an instant was prepared */
  private readonly joiners = new Map<number, { planned: Planned[]; slots: SlotToFire[] }>();
  private readonly prepareAheadMs: number;
  private readonly misfireThresholdMs: number;
  private pass = 0;
  private armedAt = NEVER;
  private armPending = false;
  private catchUpRunning: Promise<CatchUpResult> | null = null;
  private catchUpAgain = false;
  private catchUpSoonArmed = false;
  /** the delay of failed slots' retries, started over by a good catch-up */
  private readonly retryBackoff: Backoff;
  private retryArmed = false;
  private stopped = false;
  private readonly failureLog: LogThrottle;

  constructor(
    private readonly clock: Clock,
    private readonly timers: Timers,
    private readonly port: FirePort,
    private readonly options: SchedulerCoreOptions,
  ) {
    this.prepareAheadMs = options.prepareAheadMs ?? 50;
    this.misfireThresholdMs = options.misfireThresholdMs ?? 60_000;
    this.retryBackoff = new Backoff(Math.max(RETRY_BASE_MS, options.retryMaxMs ?? 30_000));
    this.failureLog = new LogThrottle(() => clock.now());
  }

  // ---- registry ----------------------------------------------------------------------------

  get jobCount(): number {
    return this.jobs.size;
  }

  get groupCount(): number {
    return this.groups.size;
  }

  get laggingCount(): number {
    return this.lagging.size;
  }

  /** The registered revision of a trigger (undefined: not registered). */
  revisionOf(triggerId: string): number | undefined {
    return this.jobs.get(triggerId)?.revision;
  }

  /** Introspection for tests and metrics. */
  jobState(triggerId: string): { revision: number; cursor: Date; lagging: boolean } | undefined {
    const job = this.jobs.get(triggerId);
    if (!job) return undefined;
    return { revision: job.revision, cursor: new Date(job.cursorMs), lagging: job.lagging };
  }

  /** The instant (epoch ms) of the next live fire, or null when nothing is due (retention). */
  nextFireMs(): number | null {
    const top = this.heap.peek();
    return top && top.nextMs !== NEVER ? top.nextMs : null;
  }

  /** Starts a reconciliation pass; returns its number. */
  beginPass(): number {
    this.pass++;
    for (const [id, t] of this.tombstones) if (t.pass < this.pass - 1) this.tombstones.delete(id);
    return this.pass;
  }

  /**
   * A pass saw trigger `id` active at `revision`: true when the registry already has exactly
   * that (nothing to do), false when the row must be read and applied.
   */
  seen(id: string, revision: number, pass: number): boolean {
    const job = this.jobs.get(id);
    if (job && job.revision >= revision) {
      job.seenPass = pass;
      return true;
    }
    if (this.broken.get(id) === revision) return true;
    const tomb = this.tombstones.get(id);
    return tomb !== undefined && tomb.revision >= revision;
  }

  /**
   * Registers (or rebuilds) the job of an active schedule trigger, unless a newer revision is
   * already known. `pass` is the pass that read the row, or null for an event.
   */
  upsert(row: ScheduleTriggerRow, pass: number | null): void {
    if (this.stopped) return;
    const existing = this.jobs.get(row.id);
    if (existing && existing.revision >= row.revision) {
      if (pass !== null) existing.seenPass = pass;
      if (existing.revision === row.revision && existing.stale && pass === null) {
        existing.stale = false;
      }
      return;
    }
    const tomb = this.tombstones.get(row.id);
    if (tomb && tomb.revision >= row.revision) return;
    let schedule: Schedule;
    try {
      schedule = parseScheduleCached(row.automationSpec as unknown as AutomationSpecLike, {
        triggerName: row.name.name,
        now: new Date(this.clock.now()),
      });
    } catch (e) {
      if (this.broken.get(row.id) !== row.revision) {
        this.options.logger.error(
          `trigger ${row.id} revision ${row.revision} has a schedule that cannot run: ${(e as Error).message}`,
        );
      }
      this.broken.set(row.id, row.revision);
      if (existing) this.detach(existing);
      return;
    }
    this.broken.delete(row.id);
    const anchorMs = row.effectiveAt.getTime();
    let cursorMs = Math.max(anchorMs, row.scheduledThrough?.getTime() ?? -NEVER);
    // A change of the spec alone keeps the slots: keep what this instance already knows.
    if (existing && existing.anchorMs === anchorMs && existing.schedule.key === schedule.key) {
      cursorMs = Math.max(cursorMs, existing.cursorMs);
    }
    if (existing) this.detach(existing);

    const job = new Job(row, schedule, anchorMs, cursorMs);
    job.seenPass = pass ?? this.pass;
    if (pass === null) job.touchedPass = this.pass;
    this.jobs.set(row.id, job);
    this.attach(job);
    const first = job.nextSlot(cursorMs);
    if (first <= this.clock.now()) {
      this.markLagging(job);
      if (pass === null) this.catchUpSoon();
    } else if (first < job.group.nextMs) {
      // The group already planned this slot (its batch is prepared ahead): fire it on its own.
      this.fireJoiner(job, first);
    }
  }

  /**
   * Removes a trigger's job (deactivated, deleted, no longer a schedule). `revision` is the
   * revision that removed it when known; a job registered at a newer revision stays.
   */
  remove(id: string, revision: number | null, pass: number | null = null): void {
    const job = this.jobs.get(id);
    if (job && revision !== null && job.revision > revision) return;
    if (job) this.detach(job);
    this.broken.delete(id);
    const known = Math.max(revision ?? 0, job ? job.revision + (revision === null ? 1 : 0) : 0);
    if (pass === null) this.tombstones.set(id, { revision: known, pass: this.pass });
  }

  /**
   * Drops the jobs of triggers this instance no longer schedules (their partition went to another
   * instance, docs/scale-out.md): no tombstone, so the trigger registers again, from the
   * database's cursor, if its partition comes back. Returns how many went.
   */
  evict(belongsElsewhere: (triggerId: string) => boolean): number {
    let evicted = 0;
    for (const job of [...this.jobs.values()]) {
      if (!belongsElsewhere(job.id)) continue;
      this.detach(job);
      this.tombstones.delete(job.id);
      evicted++;
    }
    return evicted;
  }

  /** A newer revision exists: the job stops firing until the trigger is re-read. */
  supersede(id: string, revision: number): void {
    const job = this.jobs.get(id);
    if (job && job.revision < revision) job.stale = true;
  }

  /** Ends a pass: jobs the pass did not see (and no event touched since it began) go. */
  endPass(pass: number): void {
    for (const job of [...this.jobs.values()]) {
      if (job.seenPass < pass && job.touchedPass < pass) this.detach(job);
    }
  }

  private attach(job: Job): void {
    const schedule = job.schedule;
    // Anchored schedules (rates without startTime, @every) share instants only with the same
    // phase: the first fire time after the epoch identifies it.
    const key = schedule.anchored
      ? `${schedule.key}@${schedule.next(new Date(0), job.row.effectiveAt)?.getTime() ?? 'never'}`
      : schedule.key;
    let group = this.groups.get(key);
    if (!group) {
      group = new Group(key, schedule, job.row.effectiveAt);
      group.nextMs = this.nextOf(group, this.clock.now());
      this.groups.set(key, group);
      if (group.nextMs !== NEVER) {
        this.heap.push(group);
        this.armSoon();
      }
    }
    group.members.add(job);
    job.group = group;
  }

  private detach(job: Job): void {
    if (this.jobs.get(job.id) === job) this.jobs.delete(job.id);
    this.lagging.delete(job);
    job.lagging = false;
    const group = job.group;
    group.members.delete(job);
    if (group.members.size === 0) {
      this.groups.delete(group.key);
      if (this.heap.has(group)) {
        this.heap.remove(group);
        this.armSoon();
      }
    }
  }

  private nextOf(group: Group, afterMs: number): number {
    const next = group.schedule.next(new Date(afterMs), group.anchor);
    return next === null ? NEVER : next.getTime();
  }

  private markLagging(job: Job): void {
    if (this.jobs.get(job.id) !== job) return;
    job.lagging = true;
    this.lagging.add(job);
  }

  // ---- live fires --------------------------------------------------------------------------

  /** Arms the fire timer for the earliest group, once the current burst of changes is done. */
  private armSoon(): void {
    if (this.armPending || this.stopped) return;
    this.armPending = true;
    queueMicrotask(() => {
      this.armPending = false;
      this.arm();
    });
  }

  private arm(): void {
    if (this.stopped) return;
    const top = this.heap.peek();
    const at = top?.nextMs ?? NEVER;
    if (at === this.armedAt) return;
    this.armedAt = at;
    if (at === NEVER) {
      this.timers.clear('fire');
      return;
    }
    const delay = Math.max(0, at - this.prepareAheadMs - this.clock.now());
    this.timers.set('fire', delay, () => this.onFireTimer());
  }

  /**
   * Wakes shortly before the earliest slot, prepares the batch of every group due at it (run
   * names, cursors), then sends it at the slot itself: the preparation is not fire lateness.
   */
  private onFireTimer(): void {
    this.armedAt = NEVER;
    if (this.stopped) return;
    const now = this.clock.now();
    const top = this.heap.peek();
    if (!top) return;
    if (top.nextMs - now > this.prepareAheadMs) {
      this.arm(); // woke early (a long timer is re-armed in steps)
      return;
    }
    const until = Math.max(now, top.nextMs);
    const planned: Planned[] = [];
    for (let group = this.heap.peek(); group && group.nextMs <= until; group = this.heap.peek()) {
      const at = group.nextMs;
      const prev = group.prevMs;
      for (const job of group.members) {
        if (job.stale || at <= job.anchorMs) continue;
        // Cheap common case: the cursor sits on the group's previous slot.
        const through = (prev !== null && job.cursorMs === prev) || this.follows(job, at);
        planned.push({ job, atMs: at, through, fromCursor: job.cursorMs });
      }
      let next = this.nextOf(group, at);
      group.prevMs = at;
      if (next <= now) {
        // Behind (the process stalled): skip ahead; the skipped slots are due, catch-up has them.
        next = this.nextOf(group, now);
        group.prevMs = null;
        for (const job of group.members) this.markLagging(job);
      }
      group.nextMs = next;
      if (next === NEVER) this.heap.remove(group);
      else this.heap.update(group);
    }
    this.arm();
    if (planned.length === 0) return;
    const nowMs = this.clock.now();
    if (planned.length <= PREPARE_SLICE) {
      this.sendAt(until, planned, this.prepare(planned, 0, planned.length, nowMs, []));
      return;
    }
    this.track(
      this.prepareInSlices(planned, nowMs).then((slots) => {
        if (!this.stopped) this.sendAt(until, planned, slots);
      }),
    );
  }

  /** The misfire decisions of planned[from, to), and their slots appended to `slots`. */
  private prepare(
    planned: Planned[],
    from: number,
    to: number,
    nowMs: number,
    slots: SlotToFire[],
  ): SlotToFire[] {
    for (let i = from; i < to; i++) {
      const p = planned[i];
      p.skip = this.misfire(p.job, p.atMs, nowMs);
      slots.push(this.slot(p.job, p.atMs, p.through, p.skip));
    }
    return slots;
  }

  /**
   * Prepares a large batch in slices, serving the event loop between them: 10,000 slots took
   * ~36 ms at once on 2 cores, during which no request was answered (docs/embedded.md,
   * "Responsiveness during a fire").
   */
  private async prepareInSlices(planned: Planned[], nowMs: number): Promise<SlotToFire[]> {
    const slots: SlotToFire[] = [];
    for (let from = 0; from < planned.length; from += PREPARE_SLICE) {
      if (from > 0) await new Promise<void>((resolve) => setImmediate(resolve));
      this.prepare(planned, from, Math.min(planned.length, from + PREPARE_SLICE), nowMs, slots);
    }
    return slots;
  }

  /**
   * Sends a prepared batch at `atMs` (at once when that has come); `onSend` runs just before.
   * The batch may still grow until then (fireJoiner).
   */
  private sendAt(
    atMs: number,
    planned: Planned[],
    slots: SlotToFire[],
    onSend: () => void = () => undefined,
  ): void {
    const wait = atMs - this.clock.now();
    if (wait <= 0) {
      onSend();
      this.track(this.fireLive(planned, slots));
      return;
    }
    const handle = this.timers.once(wait, () => {
      this.dispatches.delete(handle);
      onSend();
      if (!this.stopped) this.track(this.fireLive(planned, slots));
    });
    this.dispatches.add(handle);
  }

  /**
   * A job that joined its group after the group's batch for `atMs` was prepared (registered or
   * rebuilt within prepareAheadMs of the slot, or while the batch waited for it): its slot goes
   * in a batch of such joiners sent at the slot, so a deploy just before a slot never waits for
   * catch-up. One batch per instant however many join (a first pass registers thousands).
   */
  private fireJoiner(job: Job, atMs: number): void {
    let batch = this.joiners.get(atMs);
    if (!batch) {
      batch = { planned: [], slots: [] };
      this.joiners.set(atMs, batch);
      this.sendAt(atMs, batch.planned, batch.slots, () => this.joiners.delete(atMs));
    }
    const through = this.follows(job, atMs);
    const skip = this.misfire(job, atMs, this.clock.now());
    batch.planned.push({ job, atMs, through, fromCursor: job.cursorMs, skip });
    batch.slots.push(this.slot(job, atMs, through, skip));
  }

  private async fireLive(planned: Planned[], slots: SlotToFire[]): Promise<void> {
    const outcomes = await this.port.fire(slots, 'live');
    this.settle(planned, outcomes);
    // The database answers again while failed slots wait for a retry: retry them now.
    if (this.retryArmed && !outcomes.some((o) => o.outcome === 'FAILED')) this.retryNow();
  }

  /** True when `atMs` is the job's first slot after its cursor. */
  private follows(job: Job, atMs: number): boolean {
    return atMs > job.cursorMs && job.nextSlot(job.cursorMs) === atMs;
  }

  /**
   * A slot to fire. `contiguous`: it is the first after the job's confirmed cursor. Otherwise a
   * hole may open below it, so the cursor is recorded in the database (floor) first; a job that
   * has such a record moves it along (through) until the hole is closed.
   */
  private slot(
    job: Job,
    atMs: number,
    contiguous: boolean,
    skip: SlotToFire['skipReason'] = null,
  ): SlotToFire {
    const at = new Date(atMs);
    return {
      triggerId: job.id,
      revision: job.revision,
      scheduledAt: at,
      runName: job.runName(atMs),
      through: contiguous && job.hasCursorRow ? at : null,
      floor: contiguous ? null : new Date(job.cursorMs),
      notBefore: notBeforeOf(job.policies, atMs),
      skipReason: skip ?? null,
      plain: job.policies.plain,
    };
  }

  /** The misfire decision for a slot fired at `nowMs` (slot-policies.ts). */
  private misfire(job: Job, atMs: number, nowMs: number): SlotToFire['skipReason'] {
    const p = job.policies;
    if (p.misfirePolicy === 'FIRE_ALL' && p.catchupWindowMs === null) return null;
    if (nowMs - atMs <= Math.min(this.misfireThresholdMs, p.catchupWindowMs ?? NEVER)) return null;
    return misfireSkip(p, atMs, job.nextSlot(atMs), nowMs, this.misfireThresholdMs);
  }

  /** Applies fire outcomes to the jobs' cursors (in slot order per job). */
  private settle(planned: Planned[], results: FireResult[]): number {
    let created = 0;
    let failed = 0;
    for (let i = 0; i < planned.length; i++) {
      const { job, atMs, through, fromCursor } = planned[i];
      const { outcome, cursorRow } = results[i];
      if (outcome === 'CREATED') created++;
      if (cursorRow !== null) job.hasCursorRow = cursorRow;
      switch (outcome) {
        case 'CREATED':
        case 'EXISTS':
          if (atMs > job.cursorMs) {
            if ((through && job.cursorMs === fromCursor) || this.follows(job, atMs)) {
              job.cursorMs = atMs;
            } else {
              this.markLagging(job);
            }
          }
          break;
        case 'STALE':
          if (!job.stale && this.jobs.get(job.id) === job) {
            job.stale = true;
            this.lagging.delete(job);
            this.options.onStale?.(job.id);
          }
          break;
        case 'FAILED':
          failed++;
          this.markLagging(job);
          break;
        default:
          break;
      }
    }
    if (failed > 0) {
      this.logFailure(`${failed} slot(s) could not be fired; they stay due and are retried`);
      this.retrySoon();
    }
    return created;
  }

  // ---- retries -----------------------------------------------------------------------------

  /**
   * Slots failed to fire: a catch-up retries them after the backoff (1 s, doubling per failed
   * retry up to retryMaxMs; docs/scheduler.md "When a fire fails"). One retry is pending at most.
   */
  private retrySoon(): void {
    if (this.retryArmed || this.stopped) return;
    this.retryArmed = true;
    this.timers.set('retry', this.retryBackoff.next(), () => {
      this.retryArmed = false;
      this.track(this.catchUp().then(() => undefined));
    });
  }

  /** A fire succeeded while a retry waited: the backoff starts over and the retry runs now. */
  private retryNow(): void {
    this.timers.clear('retry');
    this.retryArmed = false;
    this.retryBackoff.reset();
    this.catchUpSoon();
  }

  // ---- catch-up ----------------------------------------------------------------------------

  /** Runs a catch-up shortly (a job registered with due slots), coalescing requests. */
  catchUpSoon(): void {
    if (this.catchUpSoonArmed || this.stopped) return;
    this.catchUpSoonArmed = true;
    this.timers.set('catchup', 0, () => {
      this.catchUpSoonArmed = false;
      this.track(this.catchUp().then(() => undefined));
    });
  }

  /**
   * Fires due past slots, oldest first across all lagging jobs, creating at most
   * maxCatchupRunsPerLoop runs (slots that already have one do not count). The rest wait for the
   * next call. One catch-up at a time; a call during one runs again right after it.
   */
  async catchUp(): Promise<CatchUpResult> {
    if (this.catchUpRunning) {
      this.catchUpAgain = true;
      return this.catchUpRunning;
    }
    const run = (async (): Promise<CatchUpResult> => {
      let result: CatchUpResult;
      do {
        this.catchUpAgain = false;
        result = await this.catchUpOnce();
      } while (this.catchUpAgain && !this.stopped && !result.failed);
      if (!result.failed && !this.retryArmed) this.retryBackoff.reset();
      return result;
    })();
    this.catchUpRunning = run;
    try {
      return await run;
    } finally {
      this.catchUpRunning = null;
    }
  }

  private async catchUpOnce(): Promise<CatchUpResult> {
    const cap = this.options.maxCatchupRunsPerLoop;
    const now = this.clock.now();
    type Candidate = HeapItem & { job: Job; atMs: number };
    const queue = new IndexedMinHeap<Candidate>((c) => c.atMs);
    for (const job of [...this.lagging]) {
      const atMs = job.nextSlot(job.cursorMs);
      if (job.stale || this.jobs.get(job.id) !== job) {
        this.lagging.delete(job);
      } else if (atMs > now) {
        job.lagging = false;
        this.lagging.delete(job);
      } else {
        queue.push({ heapIndex: -1, job, atMs });
      }
    }
    let created = 0;
    let examined = 0;
    let skipped = 0;
    while (
      created < cap &&
      queue.size > 0 &&
      examined < cap * EXAMINE_FACTOR &&
      skipped < MAX_SKIPS_PER_PASS &&
      !this.stopped
    ) {
      // Slots a misfire policy skips create no work: they ride along in larger rounds and do
      // not count against the cap, so a day of skipped every-second slots takes a few
      // statements, not a day of passes (docs/policies.md "Missed slots").
      const round: Planned[] = [];
      const want = Math.min(cap - created, CATCHUP_ROUND);
      let runs = 0;
      while (runs < want && round.length < SKIP_ROUND && queue.size > 0) {
        const c = queue.peek()!;
        const skip = this.misfire(c.job, c.atMs, now);
        // In cursor order without a gap, so each slot may carry the cursor (see settle).
        round.push({ job: c.job, atMs: c.atMs, through: true, fromCursor: NaN, skip });
        if (!skip) runs++;
        const next = c.job.nextSlot(c.atMs);
        if (next <= now) {
          c.atMs = next;
          queue.update(c);
        } else {
          queue.pop();
        }
      }
      examined += runs;
      skipped += round.length - runs;
      const outcomes = await this.port.fire(
        round.map(({ job, atMs, skip }) => this.slot(job, atMs, true, skip)),
        'catchup',
      );
      this.settle(round, outcomes);
      created += outcomes.filter((o, i) => o.outcome === 'CREATED' && !round[i].skip).length;
      if (outcomes.some((o) => o.outcome === 'FAILED')) {
        return { created, skipped, examined, failed: true };
      }
    }
    for (const job of [...this.lagging]) {
      if (job.nextSlot(job.cursorMs) > now) {
        job.lagging = false;
        this.lagging.delete(job);
      }
    }
    return { created, skipped, examined, failed: false };
  }

  /** Due slots still waiting (counted up to `limit`), for the backlog gauge. */
  backlog(limit = 10_000): number {
    const now = new Date(this.clock.now());
    let total = 0;
    for (const job of this.lagging) {
      if (total >= limit) break;
      total += job.schedule.slotsAfter(
        new Date(job.cursorMs),
        now,
        job.row.effectiveAt,
        limit - total,
      ).length;
    }
    return total;
  }

  // ---- lifecycle ---------------------------------------------------------------------------

  private track(work: Promise<void>): void {
    const p = work.catch((e: unknown) => {
      this.logFailure(`scheduler work failed: ${(e as Error).message}`);
    });
    this.inflight.add(p);
    void p.finally(() => this.inflight.delete(p));
  }

  private logFailure(message: string): void {
    if (this.failureLog.allow()) this.options.logger.warn(message);
  }

  /** Stops the timers; in-flight fires finish (await drain()). */
  stop(): void {
    this.stopped = true;
    this.timers.clear('fire');
    this.timers.clear('catchup');
    this.timers.clear('retry');
    for (const handle of this.dispatches) this.timers.cancel(handle);
    this.dispatches.clear();
    this.joiners.clear();
  }

  /** Waits for in-flight fires and catch-up. */
  async drain(): Promise<void> {
    while (this.inflight.size > 0 || this.catchUpRunning) {
      await Promise.allSettled([
        ...this.inflight,
        ...(this.catchUpRunning ? [this.catchUpRunning] : []),
      ]);
    }
  }
}
