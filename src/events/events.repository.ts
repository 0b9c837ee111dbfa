import { Injectable } from '@nestjs/common';
import { DataSource } from 'typeorm';
import { eventInputsSql, runSpecSql } from '../runs/run-inputs.sql';
import {
  literalState,
  RUN_LIFECYCLE_INSERT_COLUMNS,
  runLifecycleInsertValues,
  type InitialStateSql,
} from '../runs/lifecycle/delivery-spec';
import { START_PENDING } from '../runs/lifecycle/run-state';
import {
  decidedState,
  maxConcurrentSql,
  overlapDecisionSql,
  overlapPolicySql,
} from '../runs/overlap.sql';
import { RunSignals } from '../runs/lease/run-signals';
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
  /**
   * false: the event had reached every project of the caller before (a duplicate); true: it was
   * recorded now, or reached some of the caller's projects for the first time
   */
  fresh: boolean;
  /** true: no one had published the event before (else its runs are read by runsOf) */
  first: boolean;
  /**
   * the runs created now: all of a first event's; of one published before, those of the
   * caller's projects that it had not reached (a key of other projects published it first)
   */
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

/**
 * The live EVENT triggers whose filter has match key `key` (an SQL expression), in `projects`
 * (a text[] parameter, NULL for all): one lookup in ix_triggers_event_filter, run once per probe.
 */
export function matchLookup(key: string, projects: string): string {
  return `SELECT t.id, t.latest_revision, t.task_version, t.spec, t.automation_spec, t.project
             FROM triggers t
             WHERE ${MATCH_KEY} = ${key} AND ${LIVE_EVENT_TRIGGER}
               AND (${projects}::text[] IS NULL OR t.project = ANY(${projects}::text[]))`;
}

/**
 * A statement's parameters for `events`: $1–$7 the events and $13 each one's probe set; $8/$11
 * the probe sets (set, key): events of one type and source probe the same keys (matchProbes), so
 * each set is looked up once however many events of a batch share it; $9 the projects, $10 the
 * receipt, $12 the NOTIFY channel.
 */
function publishParams(
  events: EventToPublish[],
  projects: string[] | null,
  receivedAt: Date,
  channel: string | null,
): unknown[] {
  const sets = new Map<string, number>();
  const eventSet: number[] = [];
  const probeSet: number[] = [];
  const probeKey: string[] = [];
  for (const e of events) {
    const of = JSON.stringify([e.type, e.source]);
    let set = sets.get(of);
    if (set === undefined) {
      set = sets.size + 1;
      sets.set(of, set);
      for (const k of e.probes) {
        probeSet.push(set);
        probeKey.push(k);
      }
    }
    eventSet.push(set);
  }
  return [
    events.map((e) => e.key),
    events.map((e) => e.source),
    events.map((e) => e.id),
    events.map((e) => e.type),
    events.map((e) => e.subject),
    events.map((e) => e.scheduledAt.toISOString()),
    events.map((e) => e.payload),
    probeSet,
    projects,
    receivedAt.toISOString(),
    probeKey,
    channel,
    eventSet,
  ];
}

/**
 * The events (`ev`), and the live EVENT triggers of the projects that each probe set finds
 * (`found`: index lookups, once per set, never per event).
 */
const EVENTS_CTE = `ev AS (
           SELECT decode(e.k, 'hex') AS key, e.source, e.id, e.type, e.subject,
                  e.at::timestamptz AS scheduled_at, e.payload::jsonb AS payload, e.ord,
                  e.probe_set
           FROM unnest($1::text[], $2::text[], $3::text[], $4::text[], $5::text[], $6::text[],
                       $7::text[], $13::int[])
                WITH ORDINALITY AS e(k, source, id, type, subject, at, payload, probe_set, ord)
         ),
         found AS MATERIALIZED (
           SELECT p.probe_set, t.*
           FROM unnest($8::int[], $11::text[]) AS p(probe_set, k)
           -- one index lookup per probe: OFFSET 0 keeps the planner from making this a join,
           -- which it may hash over a scan of all triggers (it has no statistics of the partial
           -- index's key, so it guesses 0.5% of the triggers per key)
           CROSS JOIN LATERAL (${matchLookup('p.k', '$9')} OFFSET 0) t
         )`;

/** The triggers `t` of `found` that each event `ev` matches (its probe set's, and its subject). */
const MATCHES = `found t JOIN ev ON ev.probe_set = t.probe_set
           WHERE (${SUBJECT} IS NULL
                  OR (right(${SUBJECT}, 1) = '*' AND starts_with(ev.subject, left(${SUBJECT}, -1)))
                  OR ${SUBJECT} = ev.subject)`;

/**
 * Inserts the runs of `cand` (ord, trigger_id, event_key; joined with `ev` and the trigger rows
 * `l`), their state `state`, as `ins`; moves the triggers' triggered_at (at most once a second) and
 * answers each event of `ev`: its key, whether `recorded` took it (FRESH), its runs.
 */
function insertRunsSql(from: string, state: InitialStateSql): string {
  return `ins AS (
           INSERT INTO runs (trigger_id, trigger_revision, name, source, scheduled_at, created_at,
                             task_version, inputs, run_spec, event_source, event_id, event_key,
                             ${RUN_LIFECYCLE_INSERT_COLUMNS})
           SELECT l.id, l.latest_revision,
                  'e' || substr(encode(sha256(ev.key || int8send(l.id)), 'hex'), 1, 16),
                  'EVENT', ev.scheduled_at, clock_timestamp(), l.task_version,
                  ${eventInputsSql('l', 'ev.payload')}, ${runSpecSql('l')},
                  ev.source, ev.id, ev.key,
                  ${runLifecycleInsertValues('l', 'LEAST(ev.scheduled_at, $10::timestamptz)', state)}
           ${from}
           ORDER BY c.ord
           RETURNING trigger_id, event_key, public_id::text AS id, queue, state
         ),
         moved AS (
           UPDATE triggers t SET triggered_at = $10::timestamptz
           FROM (SELECT DISTINCT trigger_id FROM ins) i
           WHERE t.id = i.trigger_id
             AND (t.triggered_at IS NULL OR t.triggered_at < $10::timestamptz - interval '1 second')
         )`;
}

/**
 * Sends the NOTIFY of the queues that got PENDING runs (RunSignals: delivered at commit), once
 * per statement (an InitPlan); $12 the channel, or null (no other process listens).
 */
const NOTIFY = `(SELECT count(pg_notify($12::text, q.queue))
                  FROM (SELECT DISTINCT i.queue FROM ins i WHERE i.state = 'PENDING') q
                  WHERE $12::text IS NOT NULL)`;

/** Each event's runs (`er.runs`, json), joined on `er.event_key`: one pass over `ins`. */
const RUNS_OF_EVENTS = `(SELECT i.event_key,
                       json_agg(json_build_object('id', i.id, 'queue', i.queue, 'state', i.state)
                                ORDER BY i.trigger_id) AS runs
                FROM ins i GROUP BY i.event_key) er`;

/**
 * Records the events of `ev` that `where` keeps, as `recorded` (key, reached_before): an event not
 * received before is inserted (reached_before '{}'); one received before is widened to the
 * caller's projects $9 (null: every project) when they are not all reached yet, and reached_before
 * is what it had reached until then; an event that already reached them all is not returned (a
 * duplicate: nothing to fire). Concurrent publishes of one event take turns on its row, and each
 * reads the row as the one before left it, so no project is fired twice (docs/events.md).
 */
function recordEventsSql(where: string): string {
  return `recorded AS (
           INSERT INTO events AS e (key, source, id, type, received_at, reached)
           SELECT ev.key, ev.source, ev.id, ev.type, $10::timestamptz, $9::text[] FROM ev
           ${where}
           ORDER BY ev.key
           ON CONFLICT (key) DO UPDATE
             SET reached_before = e.reached,
                 reached = CASE WHEN excluded.reached IS NULL THEN NULL
                           ELSE ARRAY(SELECT DISTINCT p FROM unnest(e.reached || excluded.reached) p
                                      ORDER BY p) END
             WHERE e.reached IS NOT NULL
               AND (excluded.reached IS NULL OR NOT excluded.reached <@ e.reached)
           RETURNING key, reached_before
         )`;
}

/** A matched trigger `project` that event `r` (a row of recorded) had not reached before. */
const NEWLY_REACHED = (r: string, project: string) => `NOT ${project} = ANY(${r}.reached_before)`;

/**
 * The answer's `fresh` (the statement recorded the event, or widened it to new projects) and
 * `first` (it recorded it: no one had published it before).
 */
const FRESH = `rec.key IS NOT NULL AS fresh,
                coalesce(cardinality(rec.reached_before) = 0, false) AS first`;

/**
 * The statement of every publish: matches all the events; records those whose matched triggers
 * all have no overlap policy, with one PENDING run per match (ALLOW_ALL: the overlap decision
 * would start every run); answers the others' policed triggers (`policed`, ids) and records
 * nothing of them (POLICED_SQL does, holding those triggers' locks).
 */
const PUBLISH_SQL = `WITH ${EVENTS_CTE},
         hit AS (
           SELECT ev.ord, t.id, t.latest_revision, t.task_version, t.spec, t.automation_spec,
                  t.project, ${overlapPolicySql('t.automation_spec')} <> 'ALLOW_ALL' AS policed
           FROM ${MATCHES}
         ),
         deferred AS (
           SELECT h.ord, array_agg(DISTINCT h.id::text) AS ids FROM hit h WHERE h.policed
           GROUP BY h.ord
         ),
         ${recordEventsSql('WHERE ev.ord NOT IN (SELECT ord FROM deferred)')},
         cand AS (
           SELECT row_number() OVER (ORDER BY ev.key, h.id) AS ord, h.ord AS ev_ord, h.id
           FROM hit h JOIN ev ON ev.ord = h.ord JOIN recorded r ON r.key = ev.key
           WHERE ${NEWLY_REACHED('r', 'h.project')}
         ),
         ${insertRunsSql(
           'FROM cand c JOIN ev ON ev.ord = c.ev_ord JOIN hit l ON l.ord = c.ev_ord AND l.id = c.id',
           literalState(START_PENDING),
         )}
         SELECT encode(ev.key, 'hex') AS key, ${FRESH},
                coalesce(er.runs, '[]'::json) AS runs, d.ids AS policed, ${NOTIFY} AS notified
         FROM ev LEFT JOIN recorded rec ON rec.key = ev.key LEFT JOIN deferred d ON d.ord = ev.ord
         LEFT JOIN ${RUNS_OF_EVENTS} ON er.event_key = ev.key
         ORDER BY ev.ord`;

/**
 * The events PUBLISH_SQL left (each matched a trigger with an overlap policy), run holding the
 * locks of those triggers: records them and creates one run per matched trigger, its state the
 * overlap decision (the same as a fire's).
 */
const POLICED_SQL = `WITH ${EVENTS_CTE},
         ${recordEventsSql('')},
         matched AS (
           SELECT DISTINCT ev.ord, t.id AS trigger_id
           FROM ${MATCHES}
             AND EXISTS (SELECT 1 FROM recorded r
                         WHERE r.key = ev.key AND ${NEWLY_REACHED('r', 't.project')})
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
         ${insertRunsSql(
           `FROM cand c JOIN ov_decided dd ON dd.ord = c.ord
           JOIN ev ON ev.key = c.event_key JOIN locked l ON l.id = c.trigger_id`,
           decidedState('dd'),
         )}
         SELECT encode(ev.key, 'hex') AS key, ${FRESH},
                coalesce(er.runs, '[]'::json) AS runs, NULL::text[] AS policed,
                ${NOTIFY} AS notified
         FROM ev LEFT JOIN recorded rec ON rec.key = ev.key
         LEFT JOIN ${RUNS_OF_EVENTS} ON er.event_key = ev.key
         ORDER BY ev.ord`;

interface PublishRow {
  key: string;
  fresh: boolean;
  first: boolean;
  runs: { id: string; queue: string; state: string }[];
  /** PUBLISH_SQL: the event's matched triggers with an overlap policy (ids), else null */
  policed: string[] | null;
}

function published(row: PublishRow): PublishedEvent {
  return { key: row.key, fresh: row.fresh, first: row.first, runs: row.runs };
}

function sqlState(error: unknown): string | null {
  let e: unknown = error;
  for (let depth = 0; e && depth < 4; depth++) {
    const code = (e as { code?: unknown }).code;
    if (typeof code === 'string') return code;
    e = (e as { driverError?: unknown }).driverError;
  }
  return null;
}

/**
 * Runs a statement (or a transaction) again when it deadlocked or failed to serialize: it wrote
 * nothing. Concurrent batches are ordered so they do not deadlock; should one anyway, it is retried.
 */
async function retried<T>(fn: () => Promise<T>): Promise<T> {
  for (let attempt = 1; ; attempt++) {
    try {
      return await fn();
    } catch (e) {
      const state = sqlState(e);
      if (attempt >= 3 || (state !== '40P01' && state !== '40001')) throw e;
    }
  }
}

/**
 * The events table and the statements that create EVENT runs (docs/events.md), with each run's
 * state decided by its trigger's overlap policy (docs/policies.md "Overlap").
 */
@Injectable()
export class EventsRepository {
  constructor(
    private readonly dataSource: DataSource,
    private readonly writes: RunWritesRepository,
    private readonly signals: RunSignals,
  ) {}

  /**
   * Records each event that was not received before (its key is the primary key of `events`: of
   * concurrent publishes of one event, one inserts it and the others wait for it and conflict)
   * and, for each such event, creates one EVENT run per live, active EVENT trigger of
   * `projects` (null: every project) whose filter matches. An event received before fires only
   * the projects of `projects` it had not reached yet (recordEventsSql): usually none. The
   * triggers of each event are found by looking up the keys it matches (matchProbes) in
   * ix_triggers_event_filter, one index lookup per key, once per (type, source) of the batch;
   * the subject is checked on the triggers found. Events are inserted in key order, so concurrent batches do not deadlock on
   * each other.
   *
   * One statement (PUBLISH_SQL) records the events whose matched triggers have no overlap policy
   * (ALLOW_ALL: every run starts PENDING, no lock is needed) with their runs, and answers, for
   * the other events, the matched triggers that have a policy; it records nothing of those.
   * Only when there are some, a second statement (POLICED_SQL) records them and creates their
   * runs, each run's state the overlap decision of its trigger (overlap.sql.ts), holding the
   * locks of those triggers (taken first, in id order, as a fire takes them:
   * RunWritesRepository.locked). An event and its runs always commit together. Triggers
   * without a policy are never locked (a publish that races a deactivation is as if it came
   * just before it), and their triggered_at moves at most once a second, so concurrent
   * publishes to one trigger do not queue on its row. A statement that deadlocks (or fails to
   * serialize) wrote nothing and is retried, up to 3 times in all.
   */
  async publish(
    events: EventToPublish[],
    projects: string[] | null,
    receivedAt: Date,
  ): Promise<PublishedEvent[]> {
    if (events.length === 0) return [];
    const rows = await retried(() =>
      this.dataSource.query<PublishRow[]>(
        PUBLISH_SQL,
        publishParams(events, projects, receivedAt, this.signals.channel),
      ),
    );
    const policed = rows.filter((r) => r.policed !== null);
    if (policed.length === 0) return rows.map(published);
    const deferred = new Set(policed.map((r) => r.key));
    const ids = [...new Set(policed.flatMap((r) => r.policed!))];
    const params = publishParams(
      events.filter((e) => deferred.has(e.key)),
      projects,
      receivedAt,
      this.signals.channel,
    );
    const later = await retried(() =>
      this.writes.locked(ids, (sql) => sql.query<PublishRow[]>(POLICED_SQL, params)),
    );
    const byKey = new Map(later.map((r) => [r.key, r]));
    return rows.map((r) => published(byKey.get(r.key) ?? r));
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
