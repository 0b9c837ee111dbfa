import { mkdirSync } from 'node:fs';
import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import { chromium, type Browser, type Page } from 'playwright-core';
import type { TestApp } from './test-app';

/** Debian's Chromium (`.ci/run` installs it); never a downloaded browser build. */
export const CHROMIUM = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';

/** Where browser tests leave their screenshots (git-ignored). */
export const SCREENSHOTS = join(__dirname, '..', '..', 'screenshots');

/** Headless Chromium with a fresh profile, no network of its own (updates, sync, QUIC). */
export function launchChromium(): Promise<Browser> {
  return chromium.launch({
    executablePath: CHROMIUM,
    headless: true,
    chromiumSandbox: false,
    args: [
      '--no-sandbox',
      '--disable-gpu',
      '--disable-quic',
      '--no-first-run',
      '--disable-background-networking',
      '--disable-component-update',
      '--disable-sync',
    ],
  });
}

/** Makes the test app listen on a free loopback port; returns its base URL. */
export async function listen(testApp: TestApp): Promise<string> {
  await testApp.app.listen(0, '127.0.0.1');
  const server = testApp.app.getHttpServer() as Server;
  const { port } = server.address() as AddressInfo;
  return `http://127.0.0.1:${port}`;
}

/** Saves a full-page screenshot as screenshots/<name>.png. */
export async function screenshot(page: Page, name: string): Promise<void> {
  mkdirSync(SCREENSHOTS, { recursive: true });
  await page.screenshot({ path: join(SCREENSHOTS, `${name}.png`), fullPage: true });
}

/** Collects what the page reports as errors (uncaught exceptions, CSP violations, console errors). */
export function pageErrors(page: Page): string[] {
  const errors: string[] = [];
  page.on('pageerror', (err) => errors.push(`pageerror: ${err.message}`));
  page.on('console', (msg) => {
    if (msg.type() === 'error') errors.push(`console: ${msg.text()}`);
  });
  return errors;
}

export interface OpenBrowser {
  browser: Browser;
  page: Page;
  /** what the page reported as errors (pageErrors) */
  errors: string[];
}

/**
 * A headless Chromium with one page, 1280 px wide and `height` high, in UTC, opened before a
 * file's tests and closed after them. Call it before useTestApp: Jest runs afterAll hooks in the
 * order they were declared, so the browser closes before the app, and the app's server has no
 * browser connection left that its close waits for.
 */
export function useBrowser(height = 900): () => OpenBrowser {
  let opened: OpenBrowser | undefined;
  beforeAll(async () => {
    const browser = await launchChromium();
    const page = await browser.newPage({ viewport: { width: 1280, height }, timezoneId: 'UTC' });
    opened = { browser, page, errors: pageErrors(page) };
  });
  afterAll(async () => {
    await opened?.browser.close();
  });
  return () => {
    if (!opened) throw new Error('the browser is not open');
    return opened;
  };
}

/** The parts of API bodies the browser tests check. */
export interface TriggerBody {
  id: { revision: number };
  spec: { active: boolean };
  status: { nextFireAt: string | null };
}
export interface RunsBody {
  runs: { id?: string; name: string; source: string; state?: string }[];
}
export interface RevisionsBody {
  revisions: { action: string; note?: string }[];
}

/** A response body as the shape a test expects of it. */
export function bodyOf<T>(res: { body: unknown }): T {
  return res.body as T;
}
