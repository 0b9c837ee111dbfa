import type { Clock } from '../../common/clock';
import { MicroBatcher } from '../../common/micro-batch';
import type { MetricsService } from '../../metrics/metrics.service';
import { checkRunId, hashLeaseToken } from './run-ids';
import type { RunRecord } from './run-record';
import type { RunQueriesRepository } from './run-queries.repository';
import type { RunStateRepository, Sql } from './run-state.repository';
import { LeaseLostError, RunNotFoundError } from './run.errors';

/** One completion as a worker sends it. */
export interface Completion {
  id: string;
  leaseToken: string;
  result: unknown;
}

interface Item {
  publicId: string;
  tokenHash: string;
  result: unknown;
}

/** At most this many completions per statement (the batch endpoint's limit too). */
export const MAX_COMPLETIONS = 500;
/** Statements in flight at once; completions arriving meanwhile join the next one. */
const MAX_IN_FLIGHT = 4;

/**
 * Completes leased attempts in batches (docs/delivery.md "Completing in batches"): concurrent
 * `complete` calls — HTTP requests, webhook deliveries — are coalesced into one statement and one
 * commit, and a worker may send up to MAX_COMPLETIONS at once. Each completion is fenced by its
 * own token exactly like a single one; one that does not hold changes nothing and answers
 * LEASE_LOST or RUN_NOT_FOUND for itself only.
 */
export class Completions {
  private readonly batcher: MicroBatcher<Item, RunRecord | null>;

  constructor(
    private readonly states: RunStateRepository,
    private readonly queries: RunQueriesRepository,
    private readonly clock: Clock,
    private readonly metrics: MetricsService,
    /** RunLifecycleService.settle: final-state hooks in the same transaction */
    private readonly settle: (
      change: (sql: Sql) => Promise<RunRecord[]>,
      /** the runs whose triggers are locked first (docs/policies.md "Two replicas") */
      runs: string[],
    ) => Promise<RunRecord[]>,
  ) {
    this.batcher = new MicroBatcher((items) => this.flush(items), MAX_COMPLETIONS, MAX_IN_FLIGHT);
  }

  /** Completes one attempt (coalesced with concurrent ones); throws its error. */
  async one(idText: string, token: string, result: unknown): Promise<RunRecord> {
    const publicId = checkRunId(idText);
    const run = await this.batcher.add({ publicId, tokenHash: hashLeaseToken(token), result });
    if (run) return run;
    throw (await this.errorsFor([publicId])).get(publicId) ?? new RunNotFoundError(publicId);
  }

  /** Completes up to MAX_COMPLETIONS attempts in one statement: per item, the run or its error. */
  async many(
    completions: Completion[],
  ): Promise<(RunRecord | RunNotFoundError | LeaseLostError)[]> {
    const answers: (RunRecord | RunNotFoundError | LeaseLostError | null)[] = [];
    const items: Item[] = [];
    const at: number[] = [];
    for (const c of completions) {
      try {
        items.push({
          publicId: checkRunId(c.id),
          tokenHash: hashLeaseToken(c.leaseToken),
          result: c.result,
        });
        at.push(answers.length);
        answers.push(null);
      } catch (e) {
        answers.push(e as RunNotFoundError);
      }
    }
    const runs = await this.flush(items);
    const missing = items.filter((_, i) => runs[i] === null).map((i) => i.publicId);
    const errors = await this.errorsFor(missing);
    items.forEach((item, i) => {
      answers[at[i]] = runs[i] ?? errors.get(item.publicId) ?? new RunNotFoundError(item.publicId);
    });
    return answers as (RunRecord | RunNotFoundError | LeaseLostError)[];
  }

  /** One statement for the items: each gets its run, or null when its lease did not hold. */
  private async flush(items: Item[]): Promise<(RunRecord | null)[]> {
    if (items.length === 0) return [];
    const now = new Date(this.clock.now());
    const done = await this.settle(
      (sql) => this.states.completeMany(sql, items, now),
      items.map((i) => i.publicId),
    );
    const byKey = new Map<string, RunRecord>();
    for (const row of done as (RunRecord & { doneToken?: string })[]) {
      const { doneToken, ...run } = row;
      byKey.set(`${run.publicId}|${doneToken}`, run);
    }
    return items.map((item) => {
      const key = `${item.publicId}|${item.tokenHash}`;
      const run = byKey.get(key) ?? null;
      if (run) {
        byKey.delete(key); // a duplicate (run, token) later in the batch lost the race
        this.metrics.attemptEnded('SUCCEEDED');
      }
      return run;
    });
  }

  /** Why completions of these runs changed nothing: LEASE_LOST (with the state) or not found. */
  private async errorsFor(publicIds: string[]): Promise<Map<string, LeaseLostError>> {
    const found = new Map<string, LeaseLostError>();
    for (const { publicId, state } of await this.queries.statesOf(publicIds)) {
      found.set(publicId, new LeaseLostError(publicId, state));
    }
    return found;
  }
}
