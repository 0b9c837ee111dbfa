import type { Page } from 'playwright-core';
import { aName, aTrigger, triggerPath } from '../support/builders';
import { bodyOf, useBrowser, listen, screenshot } from '../support/browser';
import { useTestApp } from '../support/test-app';

/** Run states, attempts, cancel and queues in the dashboard (docs/dashboard.md, docs/delivery.md). */
describe('dashboard: runs and queues (browser)', () => {
  const opened = useBrowser();
  const ctx = useTestApp();
  const http = () => ctx.app().http();
  const name = aName({ project: 'ops', domain: 'prod', name: 'reindex' });
  let base: string;
  let page: Page;
  let errors: string[];
  const fired: { id: string; name: string }[] = [];

  beforeAll(async () => {
    base = await listen(ctx.app());
    await http()
      .put(triggerPath(name))
      .send(aTrigger().withCron('0 3 * * *', 'UTC').build())
      .expect(201);
    for (let i = 0; i < 3; i++) {
      const run = await http()
        .post(`${triggerPath(name)}/fire`)
        .set('Idempotency-Key', `k${i}`)
        .expect(201);
      fired.push(bodyOf<{ id: string; name: string }>(run));
    }
    // one run leased by a worker: RUNNING, with an attempt
    const lease = await http()
      .post('/queues/default/lease')
      .send({ workerId: 'worker-7' })
      .expect(200);
    expect(bodyOf<{ leases: unknown[] }>(lease).leases).toHaveLength(1);
    ({ page, errors } = opened());
  });

  it('shows each queue with its pending depth and oldest pending age, and filters runs', async () => {
    await page.goto(`${base}/ui#/runs`);
    await page.waitForSelector('#queues table.queues tbody tr');
    const queue = page.locator('#queues tbody tr', { hasText: 'default' });
    await expect(queue.locator('td[data-label="Pending"]').innerText()).resolves.toBe('2');
    await expect(queue.locator('td[data-label="Running"]').innerText()).resolves.toBe('1');
    await expect(queue.locator('td[data-label="Waiting for"]').innerText()).resolves.toMatch(
      /\d+ s|min/,
    );
    await page.waitForSelector('#all-runs table.runs tbody tr[data-run]');
    expect(await page.locator('#all-runs tr[data-run]').count()).toBe(3);
    await screenshot(page, 'runs-queues');

    await page.locator('#r-state').selectOption('RUNNING');
    await page.waitForFunction(
      () => document.querySelectorAll('#all-runs tr[data-run]').length === 1,
    );
    await expect(page.locator('#all-runs tr[data-run]').getAttribute('data-state')).resolves.toBe(
      'RUNNING',
    );
  });

  it('pages through the runs of the filters shown, even with an edit not applied', async () => {
    const other = aName({ project: 'ops', domain: 'prod', name: 'many' });
    await http()
      .put(triggerPath(other))
      .send({
        ...aTrigger().build(),
        spec: { taskVersion: 'v1', delivery: { type: 'QUEUE', queue: 'bulk' } },
      })
      .expect(201);
    for (let i = 0; i < 51; i++)
      await http()
        .post(`${triggerPath(other)}/fire`)
        .expect(201);
    await page.goto(`${base}/ui#/runs?queue=bulk`);
    await page.waitForFunction(
      () => document.querySelectorAll('#all-runs tr[data-run]').length === 50,
    );
    await page.locator('#r-queue').fill('default'); // typed, not applied
    await page.getByRole('button', { name: 'Next →' }).click();
    await page.waitForFunction(
      () => document.querySelectorAll('#all-runs tr[data-run]').length === 1,
    );
    expect(new URL(page.url()).hash).toMatch(/^#\/runs\?queue=bulk&token=/);
    await expect(page.getByRole('button', { name: 'Next →' }).isDisabled()).resolves.toBe(true);
    await page.getByRole('link', { name: '⇤ Newest' }).click();
    await page.waitForFunction(
      () => document.querySelectorAll('#all-runs tr[data-run]').length === 50,
    );
  });

  it("shows a run's attempts and cancels a pending run; the API agrees", async () => {
    await page.goto(`${base}/ui#/trigger/ops/prod/${name.taskName}/reindex`);
    await page.waitForSelector('#runs table.runs tbody tr[data-run]');
    const running = page.locator('#runs tr[data-state="RUNNING"]');
    await running.getByRole('button', { name: 'Attempts' }).click();
    await page.waitForSelector('#runs table.attempts tbody tr');
    await expect(page.locator('#runs table.attempts').innerText()).resolves.toContain('worker-7');

    const pending = page.locator('#runs tr[data-state="PENDING"]').first();
    const runName = await pending.getAttribute('data-run');
    await pending.getByRole('button', { name: /Cancel run/ }).click();
    await page.waitForSelector(`#runs tr[data-run="${runName}"][data-state="CANCELLED"]`);
    const run = fired.find((r) => r.name === runName)!;
    const after = await http().get(`/runs/${run.id}`).expect(200);
    expect(bodyOf<{ state: string }>(after).state).toBe('CANCELLED');
    await screenshot(page, 'trigger-runs');
    expect(errors.filter((e) => !e.includes('Failed to load resource'))).toEqual([]);
  });
});
