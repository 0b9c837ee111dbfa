import type { SchedulerCore } from './scheduler-core';
import type { ScheduleSource, ScheduleTriggerRow } from './scheduler.types';

/** Triggers read per page in a reconciliation pass (no cap on the total). */
const PAGE_SIZE = 10_000;
/** Changed triggers whose details are read per query. */
const DETAIL_BATCH = 2_000;

export interface PassStats {
  /** the reconciliation itself (reading and applying), without the catch-up after it */
  durationMs: number;
  jobs: number;
  groups: number;
  changed: number;
  catchUpCreated: number;
  /** time spent reading ids and revisions, reading changed triggers, and in the core */
  listMs: number;
  detailMs: number;
  applyMs: number;
}

export type ReconcileTimes = Pick<PassStats, 'changed' | 'listMs' | 'detailMs' | 'applyMs'>;

/**
 * The reading half of a reconciliation pass: the ids and revisions of the active schedule
 * triggers of each scope (null: all triggers; a number: one scheduler partition), page by page;
 * the details only of those new or changed, applied to the core under `pass`. `mine` drops rows
 * of partitions this instance stopped owning while the pass ran.
 */
export async function readForPass(
  core: SchedulerCore,
  source: ScheduleSource,
  pass: number,
  scopes: (number | null)[],
  mine: (triggerId: string) => boolean,
): Promise<ReconcileTimes> {
  const changed: string[] = [];
  let changedCount = 0;
  let listMs = 0;
  let detailMs = 0;
  let applyMs = 0;
  let mark = performance.now();
  const lap = (): number => {
    const now = performance.now();
    const ms = now - mark;
    mark = now;
    return ms;
  };
  const apply = (rows: ScheduleTriggerRow[], onlyChanged: boolean): void => {
    for (const row of rows) {
      if (!mine(row.id)) continue;
      if (!onlyChanged || !core.seen(row.id, row.revision, pass)) core.upsert(row, pass);
    }
  };
  for (const scope of scopes) {
    let after: string | null = null;
    for (;;) {
      const page = await source.listActiveScheduleRevisions(after, PAGE_SIZE, scope);
      listMs += lap();
      const changedHere: string[] = [];
      for (let i = 0; i < page.ids.length; i++) {
        if (!core.seen(page.ids[i], page.revisions[i], pass)) changedHere.push(page.ids[i]);
      }
      applyMs += lap();
      if (changedHere.length > page.ids.length / 2) {
        // mostly new (start-up, a partition taken over): read the page's details by range
        const rows = await source.findActiveSchedulesInRange(
          after,
          page.ids[page.ids.length - 1],
          scope,
        );
        detailMs += lap();
        apply(rows, true);
        applyMs += lap();
      } else {
        changed.push(...changedHere);
      }
      changedCount += changedHere.length;
      if (page.ids.length < PAGE_SIZE) break;
      after = page.ids[page.ids.length - 1];
    }
  }
  for (let i = 0; i < changed.length; i += DETAIL_BATCH) {
    const rows = await source.findActiveSchedules(changed.slice(i, i + DETAIL_BATCH));
    detailMs += lap();
    apply(rows, false);
    applyMs += lap();
  }
  return { changed: changedCount, listMs, detailMs, applyMs };
}
