import { SchedulerService } from '../../src/scheduler/scheduler.service';
import { scheduledRunName } from '../../src/runs/run-name';
import { startApp, type TestApp } from '../support/test-app';
import { TestDatabase } from '../support/test-database';
import { insertTrigger, runsOf, setActive, triggerStatus } from '../support/trigger-rows';

const SCHEDULER_ON = {
  TRIGGER_SCHEDULER_ENABLED: 'true',
  TRIGGER_SCHEDULER_RESYNC_INTERVAL: '1s',
  TRIGGER_SCHEDULER_EXECUTION_QPS: '1000',
  TRIGGER_SCHEDULER_EXECUTION_BURST: '1000',
};

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

function secondsOf(runs: { scheduledAt: Date }[]): number[] {
  return runs.map((r) => r.scheduledAt.getTime() / 1000);
}

/** True when the list is consecutive whole seconds without a gap or a repeat. */
function contiguous(s: number[]): boolean {
  return s.every((v, i) => Number.isInteger(v) && (i === 0 || v === s[i - 1] + 1));
}

describe('scheduler with real time (e2e)', () => {
  let db: TestDatabase;
  let app: TestApp;

  beforeAll(async () => {
    db = await TestDatabase.create();
  });
  afterAll(async () => {
    await app?.close();
    await db?.drop();
  });

  it('fires every-second triggers with Flyte names and the kickoff input', async () => {
    app = await startApp(db, SCHEDULER_ON);
    const t = await insertTrigger(app.app, 'every-second', {
      cron: '* * * * * *',
      kickoffTimeInputArg: 'kickoff',
      inputs: { a: 1 },
    });
    await sleep(3200);
    const runs = await runsOf(app.app, t);
    expect(runs.length).toBeGreaterThanOrEqual(2);
    expect(contiguous(secondsOf(runs))).toBe(true);
    const status = await triggerStatus(app.app, t);
    for (const run of runs) {
      expect(run.source).toBe('SCHEDULE');
      expect(run.name).toBe(scheduledRunName(t, run.scheduledAt));
      expect(run.inputs).toEqual({ a: 1, kickoff: run.scheduledAt.toISOString() });
      expect(run.scheduledAt.getTime()).toBeGreaterThan(status.effectiveAt.getTime());
      expect(run.createdAt.getTime() - run.scheduledAt.getTime()).toBeLessThan(500);
    }
    expect(status.lastScheduledAt?.getTime()).toBe(runs[runs.length - 1].scheduledAt.getTime());
    const registry = app.app.get(SchedulerService).state!;
    expect(registry.revisionOf(t.id)).toBe(1);
  });
});
