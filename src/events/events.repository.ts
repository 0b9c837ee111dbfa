import { Injectable } from '@nestjs/common';
import { DataSource } from 'typeorm';
import { eventInputsSql, runSpecSql } from '../runs/run-inputs.sql';
import {
  RUN_LIFECYCLE_INSERT_COLUMNS,
  runLifecycleInsertValues,
} from '../runs/lifecycle/delivery-spec';
import type { Sql } from '../runs/lifecycle/run-state.repository';
import {
  decidedState,
  maxConcurrentSql,
  overlapDecisionSql,
  overlapPolicySql,
} from '../runs/overlap.sql';
import { RunWritesRepository } from '../runs/run-writes.repository';

/** One event to publish, as the statement takes it. */
export interface EventToPublish {
  /** eventKey(source, id), hex */
  key: string;
  source: string;
  id: string;
  type: string;
  subject: string | null;
  /** the run's scheduledAt: the event's time, or when it was received */
  scheduledAt: Date;
  /** the whole event (JSON text): what eventInputArg receives */
  payload: string;
  /** matchProbes(type, source) */
  probes: string[];
}

export interface PublishedEvent {
  key: string;
  /** false: the event was received before (a duplicate); its runs are read by runsOf */
  fresh: boolean;
  runs: { id: string; queue: string; state: string }[];
}

/**
 * The match key of a trigger row `t`'s filter: the one column of ix_triggers_event_filter
 * (migrations/1765001700000-EventTriggers.ts), written exactly as there so the planner uses it;
 * matchProbes (event-key.ts) builds the keys an event matches.
 */
const MATCH_KEY = `(length(t.automation_spec->'event'->>'type')::text || ':' ||
        (t.automation_spec->'event'->>'type') ||
        CASE WHEN t.automation_spec->'event'->>'source' IS NULL THEN '^'
             WHEN right(t.automation_spec->'event'->>'source', 1) = '*'
               THEN '^' || left(t.automation_spec->'event'->>'source', -1)
             ELSE '=' || (t.automation_spec->'event'->>'source') END)`;
const SUBJECT = `(t.automation_spec->'event'->>'subject')`;
export const LIVE_EVENT_TRIGGER = `t.automation_type = 'EVENT' AND t.active AND t.deleted_at IS NULL`;

/** The events of a publish and the keys they match, as the statements take them. */
function eventParams(events: EventToPublish[]): { ord: number[]; key: string[] } {
  const ord: number[] = [];
  const key: string[] = [];
  events.forEach((e, i) => {
    for (const k of e.probes) {
      ord.push(i + 1);
      key.push(k);
    }
  });
  return { ord, key };
}

const EVENTS_CTE = `ev AS (
           SELECT decode(e.k, 'hex') AS key, e.source, e.id, e.type, e.subject,
                  e.at::timestamptz AS scheduled_at, e.payload::jsonb AS payload, e.ord
           FROM unnest($1::text[], $2::text[], $3::text[], $4::text[], $5::text[], $6::text[],
                       $7::text[]) WITH ORDINALITY AS e(k, source, id, type, subject, at, payload, ord)
         ),
         probe AS (
           SELECT p.ord, p.k FROM unnest($8::int[], $11::text[]) AS p(ord, k)
         )`;

/** The live EVENT triggers `t` that an event `ev` matches through its probes `p`. */
const MATCHES = `JOIN triggers t ON ${MATCH_KEY} = p.k
           JOIN ev ON ev.ord = p.ord
           WHERE ${LIVE_EVENT_TRIGGER}
             AND (${SUBJECT} IS NULL
                  OR (right(${SUBJECT}, 1) = '*' AND starts_with(ev.subject, left(${SUBJECT}, -1)))
                  OR ${SUBJECT} = ev.subject)
             AND ($9::text[] IS NULL OR t.project = ANY($9::text[]))`;

/**
 * The events table and the one statement that creates EVENT runs (docs/events.md), with each
 * run's state decided by its trigger's overlap policy (docs/policies.md "Overlap").
 */
@Injectable()
export class EventsRepository {
  constructor(
    private readonly dataSource: DataSource,
    private readonly writes: RunWritesRepository,
  ) {}

  /**
   * Records each event that was not received before (its key is the primary key of `events`: of
   * concurrent publishes of one event, one inserts it and the others wait for it and conflict)
   * and, for each such event, creates one EVENT run per live, active EVENT trigger of
   * `projects` (null: every project) whose filter matches. The triggers of each event are found
   * by joining the keys the events match (matchProbes) with ix_triggers_event_filter on one
   * equality: index lookups among many triggers, or one pass over few (the key is computed once
   * per trigger, never per event); the subject is checked on the triggers found. Events are
   * inserted in key order, so concurrent batches do not deadlock on each other. Each run's state
   * is the overlap decision of its trigger (overlap.sql.ts). Only triggers with an overlap policy
   * are locked (first, in id order, as a fire locks them); the others are not (a publish that
   * races a deactivation is as if it came just before it), and their triggered_at moves at most
   * once a second, so concurrent publishes to one trigger do not queue on its row.
   */
  async publish(
    events: EventToPublish[],
    projects: string[] | null,
    receivedAt: Date,
  ): Promise<PublishedEvent[]> {
    if (events.length === 0) return [];
    const probes = eventParams(events);
    const params = [
      events.map((e) => e.key),
      events.map((e) => e.source),
      events.map((e) => e.id),
      events.map((e) => e.type),
      events.map((e) => e.subject),
      events.map((e) => e.scheduledAt.toISOString()),
      events.map((e) => e.payload),
      probes.ord,
      projects,
      receivedAt.toISOString(),
      probes.key,
    ];
    // Triggers with an overlap policy are locked before their runs are decided, like a fire
    // (RunWritesRepository.locked); the common case, no policy, takes no lock.
    const policed: { id: string }[] = await this.dataSource.query(
      `WITH ${EVENTS_CTE}
       SELECT DISTINCT t.id::text AS id, $10::timestamptz AS at -- (every parameter typed)
       FROM probe p ${MATCHES}
         AND ${overlapPolicySql('t.automation_spec')} <> 'ALLOW_ALL'`,
      params,
    );
    const run = (sql: Sql) => this.insert(sql, params);
    const rows =
      policed.length === 0
        ? await run(this.dataSource)
        : await this.writes.locked(
            policed.map((p) => p.id),
            run,
          );
    return rows.map((r) => ({ key: r.key, fresh: r.fresh, runs: r.runs }));
  }

  private insert(
    sql: Sql,
    params: unknown[],
  ): Promise<
    { key: string; fresh: boolean; runs: { id: string; queue: string; state: string }[] }[]
  > {
    return sql.query(
      `WITH ${EVENTS_CTE},
         fresh AS (
           INSERT INTO events (key, source, id, type, received_at)
           SELECT ev.key, ev.source, ev.id, ev.type, $10::timestamptz FROM ev ORDER BY ev.key
           ON CONFLICT (key) DO NOTHING
           RETURNING key
         ),
         matched AS (
           SELECT DISTINCT ev.ord, t.id AS trigger_id
           FROM probe p
           ${MATCHES}
             AND ev.key IN (SELECT key FROM fresh)
         ),
         locked AS (
           SELECT t.id, t.latest_revision, t.task_version, t.spec, t.automation_spec, t.project
           FROM (SELECT DISTINCT trigger_id FROM matched) m
           JOIN triggers t ON t.id = m.trigger_id
         ),
         cand AS (
           SELECT row_number() OVER (ORDER BY ev.key, l.id) AS ord, l.id AS trigger_id,
                  ev.scheduled_at, NULL::text AS pre_skip, ev.key AS event_key,
                  ${overlapPolicySql('l.automation_spec')} AS policy,
                  ${maxConcurrentSql('l.automation_spec')} AS max_conc
           FROM matched m JOIN ev ON ev.ord = m.ord JOIN locked l ON l.id = m.trigger_id
         ),
         ${overlapDecisionSql('cand')},
         ins AS (
           INSERT INTO runs (trigger_id, trigger_revision, name, source, scheduled_at, created_at,
                             task_version, inputs, run_spec, event_source, event_id, event_key,
                             ${RUN_LIFECYCLE_INSERT_COLUMNS})
           SELECT l.id, l.latest_revision,
                  'e' || substr(encode(sha256(ev.key || int8send(l.id)), 'hex'), 1, 16),
                  'EVENT', ev.scheduled_at, clock_timestamp(), l.task_version,
                  ${eventInputsSql('l', 'ev.payload')}, ${runSpecSql('l')},
                  ev.source, ev.id, ev.key,
                  ${runLifecycleInsertValues('l', 'LEAST(ev.scheduled_at, $10::timestamptz)', decidedState('dd'))}
           FROM cand c JOIN ov_decided dd ON dd.ord = c.ord
           JOIN ev ON ev.key = c.event_key JOIN locked l ON l.id = c.trigger_id
           ORDER BY c.ord
           RETURNING trigger_id, event_key, public_id::text AS id, queue, state
         ),
         moved AS (
           UPDATE triggers t SET triggered_at = $10::timestamptz
           FROM (SELECT DISTINCT trigger_id FROM ins) i
           WHERE t.id = i.trigger_id
             AND (t.triggered_at IS NULL OR t.triggered_at < $10::timestamptz - interval '1 second')
         )
         SELECT encode(ev.key, 'hex') AS key, fresh.key IS NOT NULL AS fresh,
                coalesce((SELECT json_agg(json_build_object('id', i.id, 'queue', i.queue,
                                                            'state', i.state)
                                          ORDER BY i.trigger_id)
                          FROM ins i WHERE i.event_key = ev.key), '[]'::json) AS runs
         FROM ev LEFT JOIN fresh ON fresh.key = ev.key
         ORDER BY ev.ord`,
      params,
    );
  }

  /**
   * The runs of events received before (keys, hex), of `projects` (null: all), each event's in
   * trigger order like publish answers them. A run deleted since (retention) is not answered.
   */
  async runsOf(keys: string[], projects: string[] | null): Promise<Map<string, string[]>> {
    const out = new Map<string, string[]>(keys.map((k) => [k, []]));
    if (keys.length === 0) return out;
    const rows: { key: string; id: string }[] = await this.dataSource.query(
      `SELECT encode(r.event_key, 'hex') AS key, r.public_id::text AS id
       FROM runs r
       WHERE r.event_key IN (SELECT decode(k, 'hex') FROM unnest($1::text[]) AS k)
         AND ($2::text[] IS NULL OR r.project = ANY($2::text[]))
       ORDER BY r.event_key, r.trigger_id`,
      [keys, projects],
    );
    for (const row of rows) out.get(row.key)?.push(row.id);
    return out;
  }

  /** Forgets up to `limit` events received before `before`; answers how many. */
  async purge(before: Date, limit: number): Promise<number> {
    const rows: { n: number }[] = await this.dataSource.query(
      `WITH gone AS (
         DELETE FROM events WHERE key IN (
           SELECT key FROM events WHERE received_at < $1::timestamptz
           ORDER BY received_at LIMIT $2)
         RETURNING 1)
       SELECT count(*)::int AS n FROM gone`,
      [before.toISOString(), limit],
    );
    return rows[0].n;
  }
}
