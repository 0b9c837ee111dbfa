import type { Page } from 'playwright-core';
import { aName, aTrigger, triggerPath } from '../support/builders';
import { useBrowser, listen, screenshot } from '../support/browser';
import { useTestApp } from '../support/test-app';

/**
 * A trigger's policies, run limit, delivery and a one-time schedule on its dashboard page
 * (docs/dashboard.md, docs/policies.md), in a real headless Chromium.
 */
describe('dashboard: policies and one-time schedules (browser)', () => {
  const opened = useBrowser();
  const ctx = useTestApp();
  const http = () => ctx.app().http();
  const limited = aName({ project: 'ops', domain: 'prod', name: 'limited' });
  const once = aName({ project: 'ops', domain: 'prod', name: 'once' });
  const at = new Date(Date.now() + 3 * 86_400_000).toISOString().replace(/\.\d{3}Z$/, 'Z');
  let base: string;
  let page: Page;
  let errors: string[];

  beforeAll(async () => {
    base = await listen(ctx.app());
    const body = aTrigger().withCron('0 3 * * *', 'UTC').build();
    await http()
      .put(triggerPath(limited))
      .send({
        ...body,
        spec: { ...body.spec, delivery: { type: 'QUEUE', queue: 'reports' } },
        automationSpec: {
          ...body.automationSpec,
          policies: {
            overlapPolicy: 'SKIP',
            misfirePolicy: 'FIRE_LATEST',
            catchupWindow: '1h',
            jitter: '10s',
            maxRuns: 5,
            pauseOnFailure: true,
          },
        },
      })
      .expect(201);
    await http()
      .put(triggerPath(once))
      .send({ spec: { taskVersion: 'v1' }, automationSpec: { type: 'SCHEDULE', schedule: { at } } })
      .expect(201);
    ({ page, errors } = opened());
  });

  /** The text of the fact `term` on the trigger page (a dt and its dd). */
  const fact = (term: string) =>
    page
      .locator('dl.facts dt', { hasText: new RegExp(`^${term}$`) })
      .locator('+ dd')
      .innerText();

  it('shows the policies, the runs left and the delivery queue', async () => {
    await page.goto(`${base}/ui#/trigger/ops/prod/${limited.taskName}/limited`);
    await page.waitForSelector('dl.facts');
    await expect(fact('Policies')).resolves.toBe(
      'overlap SKIP · missed slots FIRE_LATEST within 1h · jitter up to 10s · at most 5 runs · pauses on failure',
    );
    await expect(fact('Runs left')).resolves.toBe('5');
    await expect(fact('Delivery')).resolves.toBe('queue reports');
    await screenshot(page, 'trigger-policies');
    expect(errors).toEqual([]);
  });

  it('shows a one-time schedule in words, with its one fire time', async () => {
    await page.goto(`${base}/ui#/trigger/ops/prod/${once.taskName}/once`);
    await page.waitForSelector('dl.facts');
    await expect(fact('In words')).resolves.toBe(`Once, at ${at}`);
    await expect(fact('Schedule')).resolves.toBe(`at ${at}`);
    await expect(fact('Delivery')).resolves.toBe('queue default');
    await expect(page.locator('dl.facts dt', { hasText: /^Policies$/ }).count()).resolves.toBe(0);
    expect(errors).toEqual([]);
  });
});
