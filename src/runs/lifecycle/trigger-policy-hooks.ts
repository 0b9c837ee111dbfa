import { Injectable, Logger, OnModuleInit } from '@nestjs/common';
import { EventEmitter2 } from '@nestjs/event-emitter';
import { Clock } from '../../common/clock';
import { TRIGGER_CHANGED, type TriggerChangedEvent } from '../../triggers/trigger-events';
import { selfDeactivateSet, selfDeactivationRevisionsSql } from '../fire-slots.sql';
import { maxConcurrentSql } from '../overlap.sql';
import type { RunRecord } from './run-record';
import { RunLifecycleService, type FinalHookResult } from './run-lifecycle.service';
import type { Sql } from './run-state.repository';

/** At most this many characters of a pauseOnFailure note (the note column's limit). */
const NOTE_LIMIT = 1_000;

/**
 * Promotes BUFFERED runs of the triggers `$1` while they have room: for each, the oldest slots
 * first, as many as maxConcurrentRuns minus its PENDING and RUNNING runs. Runs under the
 * triggers' locks (taken before, in the transaction that ended a run), so it sees every run
 * committed before and no fire decides at the same time.
 */
const PROMOTE_SQL = `WITH tr AS (
    SELECT t.id, ${maxConcurrentSql('t.automation_spec')} AS max_conc
    FROM triggers t WHERE t.id = ANY($1::bigint[])
  ),
  started AS (
    SELECT r.trigger_id, count(*)::int AS n FROM runs r
    WHERE r.trigger_id = ANY($1::bigint[]) AND r.state IN ('PENDING', 'RUNNING')
    GROUP BY r.trigger_id
  ),
  waiting AS (
    SELECT r.id, r.trigger_id,
           row_number() OVER (PARTITION BY r.trigger_id ORDER BY r.scheduled_at, r.id) AS k
    FROM runs r WHERE r.trigger_id = ANY($1::bigint[]) AND r.state = 'BUFFERED'
  ),
  promoted AS (
    UPDATE runs r SET state = 'PENDING',
           expires_at = GREATEST(r.not_before, $2::timestamptz) + r.expire_after
    FROM waiting w JOIN tr ON tr.id = w.trigger_id LEFT JOIN started s ON s.trigger_id = w.trigger_id
    WHERE r.id = w.id AND r.state = 'BUFFERED' AND w.k <= tr.max_conc - coalesce(s.n, 0)
    RETURNING r.queue
  )
  SELECT DISTINCT queue FROM promoted`;

/** Deactivates the triggers `$1` that have pauseOnFailure, each with its note `$2`. */
const PAUSE_SQL = `WITH f AS (
    SELECT * FROM unnest($1::bigint[], $2::text[]) AS f(trigger_id, note)
  ),
  moved AS (
    UPDATE triggers t SET ${selfDeactivateSet('true', 'f.note')}
    FROM f
    WHERE t.id = f.trigger_id AND t.active AND t.deleted_at IS NULL
      AND t.automation_spec->'policies'->>'pauseOnFailure' = 'true'
    RETURNING t.id, to_jsonb(t) AS after
  ),
  revisions AS (${selfDeactivationRevisionsSql('moved')})
  SELECT m.id::text AS "triggerId", (m.after->>'latest_revision')::int AS revision FROM moved m`;

/** The note of a pause: which run failed and why (docs/policies.md "pauseOnFailure"). */
export function pauseNote(run: RunRecord): string {
  const why = run.error?.message ?? 'no error message';
  const type = run.error?.type ? ` (${run.error.type})` : '';
  return `paused: run ${run.publicId} (${run.name}) failed${type}: ${why}`.slice(0, NOTE_LIMIT);
}

/**
 * What a run's end does to its trigger (docs/policies.md), in the transaction that ended it:
 * a BUFFERED run of the trigger starts (overlap policies), and a FAILED run deactivates a trigger
 * with pauseOnFailure (a DEACTIVATE revision by `sundial` whose note names the run).
 */
@Injectable()
export class TriggerPolicyHooks implements OnModuleInit {
  private readonly logger = new Logger('TriggerPolicies');

  constructor(
    private readonly lifecycle: RunLifecycleService,
    private readonly events: EventEmitter2,
    private readonly clock: Clock,
  ) {}

  onModuleInit(): void {
    this.lifecycle.onFinal((ended, sql) => this.onEnded(ended, sql));
  }

  async onEnded(ended: RunRecord[], sql: Sql): Promise<FinalHookResult> {
    const all = [...new Set(ended.map((r) => r.triggerId))].sort((a, b) => Number(a) - Number(b));
    // only triggers with a policy (or buffered runs) are locked and looked at
    const ids = await this.lifecycle.lockTriggers(sql, all);
    if (ids.length === 0) return { queues: [] };
    const now = new Date(this.clock.now());
    const queues = (
      await sql.query<{ queue: string }[]>(PROMOTE_SQL, [ids, now.toISOString()])
    ).map((r) => r.queue);
    const locked = new Set(ids);
    const failed = new Map<string, RunRecord>();
    for (const r of ended)
      if (r.state === 'FAILED' && locked.has(r.triggerId)) failed.set(r.triggerId, r);
    if (failed.size === 0) return { queues };
    const paused = await sql.query<{ triggerId: string; revision: number }[]>(PAUSE_SQL, [
      [...failed.keys()],
      [...failed.values()].map(pauseNote),
    ]);
    const events: TriggerChangedEvent[] = paused.map((p) => {
      const run = failed.get(p.triggerId)!;
      return {
        triggerId: p.triggerId,
        name: {
          project: run.project,
          domain: run.domain,
          taskName: run.taskName,
          name: run.triggerName,
        },
        revision: p.revision,
        action: 'DEACTIVATE',
      };
    });
    return {
      queues,
      after: () => {
        for (const event of events) {
          try {
            this.events.emit(TRIGGER_CHANGED, event);
          } catch (e) {
            this.logger.error(`a ${TRIGGER_CHANGED} listener failed: ${(e as Error).message}`);
          }
        }
      },
    };
  }
}
