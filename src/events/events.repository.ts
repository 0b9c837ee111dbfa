import { Injectable } from '@nestjs/common';
import { DataSource } from 'typeorm';
import { eventInputsSql, runSpecSql } from '../runs/run-inputs.sql';
import {
  RUN_LIFECYCLE_INSERT_COLUMNS,
  runLifecycleInsertValues,
} from '../runs/lifecycle/delivery-spec';

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
  runs: { id: string; queue: string }[];
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

/**
 * The events table and the one statement that creates EVENT runs (docs/events.md). Overlap
 * policy (issue 13) goes in publish(): the initial state of each run is the
 * runLifecycleInsertValues(…, initial) argument of its INSERT.
 */
@Injectable()
export class EventsRepository {
  constructor(private readonly dataSource: DataSource) {}

  /**
   * Records each event that was not received before (its key is the primary key of `events`: of
   * concurrent publishes of one event, one inserts it and the others wait for it and conflict)
   * and, for each such event, creates one EVENT run per live, active EVENT trigger of
   * `projects` (null: every project) whose filter matches. The triggers of each event are found
   * by joining the keys the events match (matchProbes) with ix_triggers_event_filter on one
   * equality: index lookups among many triggers, or one pass over few (the key is computed once
   * per trigger, never per event); the subject is checked on the triggers found. Events are inserted in key order, so concurrent
   * batches do not deadlock on each other. The matched triggers are not locked (a publish that
   * races a deactivation is as if it came just before it), and their triggered_at moves at most
   * once a second, so concurrent publishes to one trigger do not queue on its row.
   */
  async publish(
    events: EventToPublish[],
    projects: string[] | null,
    receivedAt: Date,
  ): Promise<PublishedEvent[]> {
    if (events.length === 0) return [];
    const probeOrd: number[] = [];
    const probeKey: string[] = [];
    events.forEach((e, i) => {
      for (const k of e.probes) {
        probeOrd.push(i + 1);
        probeKey.push(k);
      }
    });
    const rows: { key: string; fresh: boolean; runs: { id: string; queue: string }[] }[] =
      await this.dataSource.query(
        `WITH ev AS (
           SELECT decode(e.k, 'hex') AS key, e.source, e.id, e.type, e.subject,
                  e.at::timestamptz AS scheduled_at, e.payload::jsonb AS payload, e.ord
           FROM unnest($1::text[], $2::text[], $3::text[], $4::text[], $5::text[], $6::text[],
                       $7::text[]) WITH ORDINALITY AS e(k, source, id, type, subject, at, payload, ord)
         ),
         fresh AS (
           INSERT INTO events (key, source, id, type, received_at)
           SELECT ev.key, ev.source, ev.id, ev.type, $10::timestamptz FROM ev ORDER BY ev.key
           ON CONFLICT (key) DO NOTHING
           RETURNING key
         ),
         probe AS (
           SELECT p.ord, p.k FROM unnest($8::int[], $11::text[]) AS p(ord, k)
         ),
         matched AS (
           SELECT DISTINCT ev.ord, t.id AS trigger_id
           FROM probe p
           JOIN triggers t ON ${MATCH_KEY} = p.k
           JOIN ev ON ev.ord = p.ord
           JOIN fresh ON fresh.key = ev.key
           WHERE ${LIVE_EVENT_TRIGGER}
             AND (${SUBJECT} IS NULL
                  OR (right(${SUBJECT}, 1) = '*' AND starts_with(ev.subject, left(${SUBJECT}, -1)))
                  OR ${SUBJECT} = ev.subject)
             AND ($9::text[] IS NULL OR t.project = ANY($9::text[]))
         ),
         locked AS (
           SELECT t.id, t.latest_revision, t.task_version, t.spec, t.automation_spec, t.project
           FROM (SELECT DISTINCT trigger_id FROM matched) m
           JOIN triggers t ON t.id = m.trigger_id
         ),
         ins AS (
           INSERT INTO runs (trigger_id, trigger_revision, name, source, scheduled_at, created_at,
                             task_version, inputs, run_spec, event_source, event_id, event_key,
                             ${RUN_LIFECYCLE_INSERT_COLUMNS})
           SELECT l.id, l.latest_revision,
                  'e' || substr(encode(sha256(ev.key || int8send(l.id)), 'hex'), 1, 16),
                  'EVENT', ev.scheduled_at, clock_timestamp(), l.task_version,
                  ${eventInputsSql('l', 'ev.payload')}, ${runSpecSql('l')},
                  ev.source, ev.id, ev.key,
                  ${runLifecycleInsertValues('l', 'LEAST(ev.scheduled_at, $10::timestamptz)')}
           FROM matched m JOIN ev ON ev.ord = m.ord JOIN locked l ON l.id = m.trigger_id
           ORDER BY ev.key, l.id
           RETURNING trigger_id, event_key, public_id::text AS id, queue
         ),
         moved AS (
           UPDATE triggers t SET triggered_at = $10::timestamptz
           FROM (SELECT DISTINCT trigger_id FROM ins) i
           WHERE t.id = i.trigger_id
             AND (t.triggered_at IS NULL OR t.triggered_at < $10::timestamptz - interval '1 second')
         )
         SELECT encode(ev.key, 'hex') AS key, fresh.key IS NOT NULL AS fresh,
                coalesce((SELECT json_agg(json_build_object('id', i.id, 'queue', i.queue)
                                          ORDER BY i.trigger_id)
                          FROM ins i WHERE i.event_key = ev.key), '[]'::json) AS runs
         FROM ev LEFT JOIN fresh ON fresh.key = ev.key
         ORDER BY ev.ord`,
        [
          events.map((e) => e.key),
          events.map((e) => e.source),
          events.map((e) => e.id),
          events.map((e) => e.type),
          events.map((e) => e.subject),
          events.map((e) => e.scheduledAt.toISOString()),
          events.map((e) => e.payload),
          probeOrd,
          projects,
          receivedAt.toISOString(),
          probeKey,
        ],
      );
    return rows.map((r) => ({ key: r.key, fresh: r.fresh, runs: r.runs }));
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
