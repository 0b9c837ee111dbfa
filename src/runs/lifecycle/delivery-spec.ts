import { WEBHOOK_QUEUE } from '../../delivery/webhook/webhook-delivery';
import { withRetryDefaults, type StoredRetryConfig } from './retry-policy';
import { START_PENDING, type InitialState } from './run-state';

/** The default delivery (docs/delivery.md "Queues"). */
export const DEFAULT_QUEUE = 'default';
export const DEFAULT_EXPIRE_AFTER = '24h';

function asRecord(value: unknown): Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value)
    ? (value as Record<string, unknown>)
    : {};
}

/** A stored `spec.delivery` with its defaults filled in, as responses show it. */
export function deliveryView(stored: unknown): Record<string, unknown> {
  const d = asRecord(stored);
  const expireAfter = typeof d.expireAfter === 'string' ? d.expireAfter : DEFAULT_EXPIRE_AFTER;
  return {
    ...d,
    type: typeof d.type === 'string' ? d.type : 'QUEUE',
    ...(d.type === undefined || d.type === 'QUEUE'
      ? { queue: typeof d.queue === 'string' ? d.queue : DEFAULT_QUEUE }
      : {}),
    expireAfter,
  };
}

/** A stored `spec.retryConfig` with its defaults filled in. */
export function retryConfigView(stored: unknown): Required<StoredRetryConfig> {
  return withRetryDefaults(stored);
}

/** A new run's state as SQL: the overlap decision's columns, or literals (START_PENDING). */
export interface InitialStateSql {
  /** 'PENDING' | 'BUFFERED' | 'SKIPPED' | 'CANCELLED' */
  state: string;
  skipReason: string;
}

/** A fixed initial state as SQL literals. */
export function literalState(initial: InitialState): InitialStateSql {
  // literals from a closed set, never user input
  return {
    state: `'${initial.state}'`,
    skipReason: initial.skipReason === null ? 'NULL' : `'${initial.skipReason}'`,
  };
}

/**
 * SQL for the lifecycle columns of a run created from trigger row `t` (its `spec` and
 * `project`) for the slot `at` (a timestamptz expression). Run creation statements add
 * RUN_LIFECYCLE_INSERT_COLUMNS and these values in the same order. The queue and expireAfter
 * come from the revision's spec.delivery (validated at deploy: expireAfter uses only h, m, s, ms,
 * which PostgreSQL's interval reads exactly as the API does); '0' means never. Expiry counts
 * from notBefore, or from creation for a run created after it (backfill, catch-up), so a
 * backfill of old slots is not expired at once. Only a PENDING run expires; a run created
 * final (SKIPPED, CANCELLED by CANCEL_OTHER) is finished at once. `notBefore` defaults to the
 * slot (jitter moves it: docs/policies.md).
 */
export const RUN_LIFECYCLE_INSERT_COLUMNS =
  'project, queue, state, skip_reason, not_before, expire_after, expires_at, retry_config, finished_at';

export function runLifecycleInsertValues(
  t: string,
  at: string,
  initial: InitialStateSql = literalState(START_PENDING),
  notBefore: string = at,
): string {
  // the decision point of a new run's state (docs/policies.md "Overlap")
  const { state, skipReason } = initial;
  const expireAfter = `NULLIF(coalesce(${t}.spec->'delivery'->>'expireAfter', '${DEFAULT_EXPIRE_AFTER}')::interval, interval '0')`;
  // WEBHOOK runs go to the dispatcher's internal queue (docs/webhooks.md)
  const queue = `CASE WHEN ${t}.spec->'delivery'->>'type' = 'WEBHOOK' THEN '${WEBHOOK_QUEUE}'
                 ELSE coalesce(${t}.spec->'delivery'->>'queue', '${DEFAULT_QUEUE}') END`;
  return `${t}.project, ${queue},
          ${state}, ${skipReason}, ${notBefore}, ${expireAfter},
          CASE WHEN ${state} = 'PENDING'
               THEN GREATEST(${notBefore}, clock_timestamp()) + ${expireAfter} END,
          coalesce(${t}.spec->'retryConfig', '{}'::jsonb),
          CASE WHEN ${state} IN ('SKIPPED', 'CANCELLED') THEN clock_timestamp() END`;
}
