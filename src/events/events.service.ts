import {
  Injectable,
  Logger,
  type OnApplicationBootstrap,
  type OnApplicationShutdown,
} from '@nestjs/common';
import { Clock, type TimerHandle } from '../common/clock';
import { MetricsService } from '../metrics/metrics.service';
import { RunSignals } from '../runs/lease/run-signals';
import type { ReceivedEvent } from './cloud-event';
import { eventKey, matchProbes } from './event-key';
import { EventsRepository, type EventToPublish } from './events.repository';

/** Events are remembered (a re-publish is a duplicate) for at least this long (docs/events.md). */
export const EVENT_DEDUP_WINDOW_MS = 7 * 24 * 3600 * 1000;
const PURGE_INTERVAL_MS = 10 * 60 * 1000;
const PURGE_BATCH = 1000;

/** One event of a POST /events answer. */
export interface AcceptedEvent {
  id: string;
  source: string;
  /** the ids of the runs the event created (of the caller's projects) */
  runs: string[];
  /** true: the event was received before; `runs` are the ones it created then */
  duplicate: boolean;
}

/** Publishing events (POST /events) and forgetting old ones (docs/events.md). */
@Injectable()
export class EventsService implements OnApplicationBootstrap, OnApplicationShutdown {
  private readonly logger = new Logger('Events');
  private timer: TimerHandle | null = null;
  private stopped = false;

  constructor(
    private readonly events: EventsRepository,
    private readonly signals: RunSignals,
    private readonly metrics: MetricsService,
    private readonly clock: Clock,
  ) {}

  /**
   * Receives events: each new one (by source and id) fires every matching trigger of
   * `projects` (null: all) once; one received before answers its runs in `projects`, after
   * firing those of `projects` it had not reached (published first by a key of other projects).
   * An event twice in one request is answered twice with the same runs.
   */
  async publish(received: ReceivedEvent[], projects: string[] | null): Promise<AcceptedEvent[]> {
    const receivedAt = new Date(this.clock.now());
    const keys = received.map((r) => eventKey(r.event.source, r.event.id).toString('hex'));
    const unique = new Map<string, EventToPublish>();
    received.forEach((r, i) => {
      if (unique.has(keys[i])) return;
      unique.set(keys[i], {
        key: keys[i],
        source: r.event.source,
        id: r.event.id,
        type: r.event.type,
        subject: typeof r.event.subject === 'string' ? r.event.subject : null,
        scheduledAt: r.timeMs === null ? receivedAt : new Date(r.timeMs),
        payload: JSON.stringify(r.event),
        probes: matchProbes(r.event.type, r.event.source),
      });
    });
    const published = await this.events.publish([...unique.values()], projects, receivedAt);
    const byKey = new Map(published.map((p) => [p.key, p]));
    const earlier = await this.events.runsOf(
      published.filter((p) => !p.first).map((p) => p.key),
      projects,
    );

    const queues = new Set<string>();
    let created = 0;
    const seen = new Set<string>();
    const answer = received.map((r, i): AcceptedEvent => {
      const key = keys[i];
      const p = byKey.get(key)!;
      const firstInRequest = !seen.has(key);
      seen.add(key);
      const duplicate = !p.fresh || !firstInRequest;
      // an event published before has its runs read after this publish: any it created now
      // (for projects the event had not reached) are among them
      const runs = p.first ? p.runs.map((run) => run.id) : (earlier.get(key) ?? []);
      if (duplicate) this.metrics.eventsReceivedTotal('duplicate');
      else this.metrics.eventsReceivedTotal(runs.length > 0 ? 'matched' : 'unmatched');
      if (firstInRequest) {
        created += p.runs.length;
        for (const run of p.runs) if (run.state === 'PENDING') queues.add(run.queue);
      }
      return { id: r.event.id, source: r.event.source, runs, duplicate };
    });
    this.metrics.runsCreated('EVENT', created);
    // the statements sent the NOTIFY with their runs (EventsRepository.publish)
    this.signals.notified(queues);
    return answer;
  }

  /** A malformed request: its events count as rejected. */
  rejected(n: number): void {
    this.metrics.eventsReceivedTotal('rejected', n);
  }

  /** Forgets events received before the dedup window, in batches; answers how many. */
  async purgeOnce(): Promise<number> {
    const before = new Date(this.clock.now() - EVENT_DEDUP_WINDOW_MS);
    let total = 0;
    for (;;) {
      const n = await this.events.purge(before, PURGE_BATCH);
      total += n;
      if (n < PURGE_BATCH || this.stopped) return total;
    }
  }

  onApplicationBootstrap(): void {
    this.arm();
  }

  onApplicationShutdown(): void {
    this.stopped = true;
    if (this.timer) this.clock.clearTimer(this.timer);
  }

  private arm(): void {
    if (this.stopped) return;
    this.timer = this.clock.setTimer(PURGE_INTERVAL_MS, () => {
      this.purgeOnce()
        .catch((e: unknown) => this.logger.warn(`event purge failed: ${String(e)}`))
        .finally(() => this.arm());
    });
  }
}
