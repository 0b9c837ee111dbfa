import { createHash } from 'node:crypto';
import type { Page } from 'playwright-core';
import { aName, aTrigger, triggerPath } from '../support/builders';
import {
  bodyOf,
  useBrowser,
  listen,
  screenshot,
  type RunsBody,
  type TriggerBody,
} from '../support/browser';
import { useTestApp } from '../support/test-app';

const sha = (key: string): string => createHash('sha256').update(key).digest('hex');
const READER = 'sdl_ui-reader-key';
const WRITER = 'sdl_ui-writer-key';

/** The dashboard with API keys on (docs/dashboard.md "Signing in"). */
describe('dashboard at /ui with API keys (browser)', () => {
  const opened = useBrowser(800);
  const ctx = useTestApp({
    API_KEYS: [`ops-reader:reader:${sha(READER)}`, `ops-ci:writer:${sha(WRITER)}:billing`].join(
      ',',
    ),
  });
  const http = () => ctx.app().http();
  const name = aName({ project: 'billing', domain: 'prod', name: 'invoices' });
  let base: string;
  let page: Page;
  let errors: string[];

  beforeAll(async () => {
    base = await listen(ctx.app());
    await http()
      .put(triggerPath(name))
      .set('Authorization', `Bearer ${WRITER}`)
      .send(aTrigger().withCron('0 6 * * *', 'Europe/Paris').build())
      .expect(201);
    ({ page, errors } = opened());
  });

  it('tells who a key is: GET /auth/me', async () => {
    await http().get('/auth/me').expect(401);
    const me = await http().get('/auth/me').set('Authorization', `Bearer ${WRITER}`).expect(200);
    expect(me.body).toEqual({
      authEnabled: true,
      name: 'ops-ci',
      role: 'writer',
      projects: ['billing'],
    });
  });

  it('asks for a key, refuses a wrong one with the API message, keeps it in session storage', async () => {
    await page.goto(`${base}/ui`);
    await page.waitForSelector('#key-prompt');
    await screenshot(page, 'sign-in');
    await page.getByLabel('API key').fill('sdl_not-a-key');
    await page.getByRole('button', { name: 'Sign in' }).click();
    await page.waitForSelector('#key-prompt .error, #key-prompt .notice');
    await expect(page.locator('#key-prompt').innerText()).resolves.toContain(
      'the API key is not valid',
    );

    await page.getByLabel('API key').fill(READER);
    await page.getByRole('button', { name: 'Sign in' }).click();
    await page.waitForSelector('table.triggers tbody tr');
    await expect(page.locator('#who').innerText()).resolves.toMatch(/ops-reader\s+reader/i);
    const stored = await page.evaluate(() => ({
      session: sessionStorage.getItem('sundial.apiKey'),
      local: JSON.stringify(localStorage),
      cookie: document.cookie,
    }));
    expect(stored.session).toBe(READER);
    expect(stored.local).not.toContain(READER);
    expect(stored.cookie).toBe('');
  });

  it('lets a reader look but not change anything', async () => {
    const row = page.locator('table.triggers tbody tr', { hasText: 'invoices' });
    expect(await row.getByRole('switch').isDisabled()).toBe(true);
    await row.getByRole('link', { name: 'invoices' }).click();
    await page.waitForSelector('#preview table tbody tr');
    await page.waitForSelector('#read-only');
    expect(await page.locator('#actions').count()).toBe(0);
    expect(
      await page.getByRole('button', { name: /fire|activate|deactivate|backfill|cancel/i }).count(),
    ).toBe(0);
    await screenshot(page, 'trigger-reader');
    const details = await http()
      .get(triggerPath(name))
      .set('Authorization', `Bearer ${READER}`)
      .expect(200);
    expect(bodyOf<TriggerBody>(details).spec.active).toBe(true);
    expect(bodyOf<TriggerBody>(details).id.revision).toBe(1);
  });

  it('a writer gets the actions; a key that stops working leads back to the prompt', async () => {
    await page.locator('#sign-out').click();
    await page.waitForSelector('#key-prompt');
    await page.getByLabel('API key').fill(WRITER);
    await page.getByRole('button', { name: 'Sign in' }).click();
    await page.waitForSelector('#actions #fire-now');
    await page.locator('#fire-now').click();
    await page.waitForSelector('#runs table.runs tbody tr[data-run]');
    const runs = await http()
      .get(`${triggerPath(name)}/runs`)
      .set('Authorization', `Bearer ${WRITER}`)
      .expect(200);
    expect(bodyOf<RunsBody>(runs).runs).toHaveLength(1);

    // The key is revoked (here: replaced by one the server does not know): the next call is a 401.
    await page.evaluate(() => sessionStorage.setItem('sundial.apiKey', 'sdl_revoked'));
    await page.locator('a[data-nav="triggers"]').click();
    await page.waitForSelector('#key-prompt');
    await expect(page.locator('#key-prompt').innerText()).resolves.toContain('The key was refused');
    expect(await page.evaluate(() => sessionStorage.getItem('sundial.apiKey'))).toBeNull();
    expect(errors.filter((e) => !e.includes('Failed to load resource'))).toEqual([]);
  });
});
