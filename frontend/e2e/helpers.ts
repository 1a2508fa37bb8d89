// What every end-to-end test uses: a fresh headless Chromium, the stack's control API, axe, screenshots, and a watch on
// the browser console.
import { mkdirSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { type BrowserContext, chromium, type Page } from 'playwright-core';
import { expect, inject } from 'vitest';

export const stack = () => inject('stack');

const CHROMIUM = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';
// Without the background-networking flags Chromium tries to reach Google and this closed network refuses it; as root
// (CI) it needs --no-sandbox.
const ARGS = [
  '--headless',
  '--no-sandbox',
  '--disable-gpu',
  '--disable-quic',
  '--no-first-run',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
];

export const DESKTOP = { width: 1280, height: 900 };
export const PHONE = { width: 375, height: 812 };

export interface Browser {
  context: BrowserContext;
  page: Page;
  consoleErrors: string[];
  close: () => Promise<void>;
}

/** A new Chromium with a fresh profile; `clockSkewMs` sets the page's clock that far behind (negative) or ahead. */
export async function openBrowser({ clockSkewMs = 0 } = {}): Promise<Browser> {
  const profile = mkdtempSync(join(tmpdir(), 'pickvs-chromium-'));
  const context = await chromium.launchPersistentContext(profile, {
    executablePath: CHROMIUM,
    args: ARGS,
    viewport: DESKTOP,
    baseURL: stack().app,
    locale: 'en-US',
    timezoneId: 'America/New_York',
  });
  context.setDefaultTimeout(20_000);
  if (clockSkewMs !== 0) await context.clock.install({ time: Date.now() + clockSkewMs });
  const page = context.pages()[0] ?? (await context.newPage());
  const consoleErrors: string[] = [];
  page.on('console', (message) => {
    if (message.type() === 'error' || message.type() === 'warning')
      consoleErrors.push(`${message.type()}: ${message.text()}`);
  });
  page.on('pageerror', (error) => consoleErrors.push(`pageerror: ${error.message}`));
  return {
    context,
    page,
    consoleErrors,
    close: async () => {
      await context.close();
      rmSync(profile, { recursive: true, force: true });
    },
  };
}

/**
 * Assert the console held no errors or warnings. Chromium logs every 4xx/5xx answer as "Failed to load resource";
 * a test that provokes one on purpose (a refused slip is a 409) names its status to let exactly that one through.
 */
export function expectCleanConsole(browser: Browser, { expectedStatuses = [] as number[] } = {}) {
  const allowed = expectedStatuses.map((s) => `the server responded with a status of ${s}`);
  expect(browser.consoleErrors.filter((e) => !allowed.some((a) => e.includes(a)))).toEqual([]);
}

/** POST to the stack's control API and return its JSON (throwing its error text on failure). */
export async function control<T>(path: string, body: unknown): Promise<T> {
  const response = await fetch(`${stack().control}${path}`, {
    method: 'POST',
    headers: { 'Content-Type': 'application/json' },
    body: JSON.stringify(body),
  });
  const json = (await response.json()) as T & { error?: string };
  if (!response.ok) throw new Error(`control ${path}: ${json.error ?? response.status}`);
  return json;
}

export interface StackGame {
  id: number;
  home_team: string;
  away_team: string;
  commence_time: string;
}

const AXE = readFileSync(createRequire(import.meta.url).resolve('axe-core/axe.min.js'), 'utf8');

/** Run axe-core on the page as it is now and assert no serious or critical violation. */
export async function expectAccessible(page: Page, what: string) {
  await page.addScriptTag({ content: AXE });
  const violations = await page.evaluate(async () => {
    const axe = (
      window as unknown as {
        axe: {
          run: (
            ctx: Document,
            opts: object,
          ) => Promise<{
            violations: { id: string; impact: string | null; help: string; nodes: { target: unknown[] }[] }[];
          }>;
        };
      }
    ).axe;
    const result = await axe.run(document, { resultTypes: ['violations'] });
    return result.violations
      .filter((v) => v.impact === 'serious' || v.impact === 'critical')
      .map((v) => `${v.impact} ${v.id}: ${v.help} (${v.nodes.map((n) => JSON.stringify(n.target)).join(', ')})`);
  });
  expect(violations, `axe on ${what}`).toEqual([]);
}

const SHOTS = fileURLToPath(new URL('../../docs/screenshots/', import.meta.url));

/**
 * Screenshot the page (or one element of it) at desktop and at phone width into docs/screenshots/NAME-*.png, and run
 * axe at phone width too (a table that scrolls sideways there must still be reachable by keyboard).
 */
export async function screenshots(page: Page, name: string, selector?: string) {
  mkdirSync(SHOTS, { recursive: true });
  for (const [size, viewport] of [
    ['desktop', DESKTOP],
    ['phone', PHONE],
  ] as const) {
    await page.setViewportSize(viewport);
    await page.evaluate(() => document.fonts.ready);
    const path = join(SHOTS, `${name}-${size}.png`);
    if (selector) await page.locator(selector).screenshot({ path });
    else await page.screenshot({ path });
    if (size === 'phone') await expectAccessible(page, `${name} at phone width`);
  }
  await page.setViewportSize(DESKTOP);
}

/** A username and a strong, uncommon passphrase nobody else in the run has. */
export function newPlayer(prefix: string) {
  const words = ['amber', 'quartz', 'lantern', 'meadow', 'cobalt', 'thistle', 'harbor', 'juniper', 'falcon', 'velvet'];
  const pick = () => words[Math.floor(Math.random() * words.length)];
  const suffix = Math.random().toString(36).slice(2, 8);
  return {
    username: `${prefix}_${suffix}`,
    email: `${prefix}.${suffix}@example.com`,
    password: `${pick()}-${pick()}-${pick()}-${pick()}-${suffix}`,
  };
}

let registered: ReturnType<typeof newPlayer> | null = null;

/**
 * Sign in through the app's form as this run's shared player, registered once through the API (for tests whose
 * subject is not sign-up; one account keeps the run clear of the API's per-client registration limit).
 */
export async function signInAsPlayer(page: Page) {
  if (registered === null) {
    const player = newPlayer('e2e');
    const response = await fetch(`${stack().app}/auth/register`, {
      method: 'POST',
      headers: { 'Content-Type': 'application/json' },
      body: JSON.stringify(player),
    });
    expect(response.status, await response.text()).toBe(201);
    registered = player;
  }
  await page.goto('/signin');
  await page.getByLabel('Username or email').fill(registered.username);
  await page.getByLabel('Password').fill(registered.password);
  await page.getByRole('button', { name: 'Sign in' }).click();
  await expect.poll(() => new URL(page.url()).pathname).toBe('/');
  return registered;
}
