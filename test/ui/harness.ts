import { mkdirSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import jsQR from 'jsqr';
import type { Browser, Locator, Page } from 'playwright-core';
import { PNG } from 'pngjs';
import { expect } from 'vitest';
import { USER_PASSWORD } from '../helpers/accounts.js';
import { type ServerProcess, adminRequest, startServer } from '../helpers/server-process.js';
import { AUTH_SECRET } from '../helpers/test-app.js';
import { type WatchedPage, buildWebPage, launchChromium, openPage } from './browser.js';

export const DESKTOP = { width: 1280, height: 800 };
export const PHONE = { width: 375, height: 812 };

const SCREENSHOTS = fileURLToPath(new URL('../../docs/screenshots/', import.meta.url));
const AXE_SOURCE = readFileSync(createRequire(import.meta.url).resolve('axe-core/axe.min.js'), 'utf8');

/** One server, one browser and one build for every browser test: the machine is shared. */
export interface Harness {
  server: ServerProcess;
  browser: Browser;
  dataDir: string;
  pages: WatchedPage[];
}

export const harness = {} as Harness;

export async function setUp(): Promise<void> {
  harness.browser = await launchChromium();
  await buildWebPage();
  harness.dataDir = mkdtempSync(join(tmpdir(), 'boxoffice-ui-'));
  harness.pages = [];
  // The expiry sweep runs every second or so; a short hold in a test lapses without long sleeps.
  harness.server = await startServer({ DATABASE_URL: `sqlite:${join(harness.dataDir, 'ui.db')}`, RATE_LIMIT_MAX: '0', AUTH_SECRET });
}

export async function tearDown(): Promise<void> {
  await harness.browser?.close();
  await harness.server?.stop();
  if (harness.dataDir) rmSync(harness.dataDir, { recursive: true, force: true });
}

export function url(path: string): string {
  return `${harness.server.url}${path}`;
}

/** A fresh browser profile (its own cookies): one person. */
export async function browse(viewport = DESKTOP): Promise<Page> {
  const watched = await openPage(harness.browser, viewport);
  harness.pages.push(watched);
  return watched.page;
}

export function expectNoPageProblems(): void {
  expect(harness.pages.flatMap((watched) => watched.problems)).toEqual([]);
}

export async function createEvent(fields: Record<string, unknown>): Promise<string> {
  const created = await adminRequest<{ id: string }>(harness.server.url, 'POST', '/api/v1/events', fields);
  expect(created.status, JSON.stringify(created.body)).toBe(201);
  return created.body.id;
}

export async function adminCall<T = Record<string, unknown>>(
  method: string,
  path: string,
  body?: unknown,
): Promise<{ status: number; body: T }> {
  return adminRequest<T>(harness.server.url, method, path, body);
}

export async function userCall(
  method: string,
  path: string,
  body?: unknown,
  token?: string,
): Promise<{ status: number; body: Record<string, unknown> }> {
  const response = await fetch(url(path), {
    method,
    headers: {
      ...(body === undefined ? {} : { 'content-type': 'application/json' }),
      ...(token ? { authorization: `Bearer ${token}` } : {}),
    },
    body: body === undefined ? null : JSON.stringify(body),
  });
  const text = await response.text();
  return { status: response.status, body: (text ? JSON.parse(text) : {}) as Record<string, unknown> };
}

/** Registers through the API and returns a bearer token, for people whose sign-up is not what a test is about. */
export async function registeredUser(email: string, name?: string): Promise<string> {
  expect((await userCall('POST', '/api/v1/users', { email, password: USER_PASSWORD, ...(name ? { name } : {}) })).status).toBe(201);
  return token(email);
}

export async function token(email: string): Promise<string> {
  const grant = await userCall('POST', '/api/v1/auth/token', { email, password: USER_PASSWORD });
  return String(grant.body.token);
}

export async function signUpThroughPage(page: Page, email: string, name: string): Promise<void> {
  await page.goto(url('/'));
  await page.getByRole('link', { name: 'Create account' }).click();
  await page.getByLabel('Your name').fill(name);
  await page.getByLabel('E-mail address').fill(email);
  await page.getByLabel('Password').fill(USER_PASSWORD);
  await page.getByRole('button', { name: 'Create account' }).click();
  await page.getByRole('button', { name: 'Sign out' }).waitFor();
}

export async function signInThroughPage(page: Page, login: string, password = USER_PASSWORD, then?: string): Promise<void> {
  await page.goto(url(then ? `/sign-in?next=${encodeURIComponent(then)}` : '/sign-in'));
  await page.getByLabel('E-mail address').fill(login);
  await page.getByLabel('Password').fill(password);
  await page.getByRole('button', { name: 'Sign in' }).click();
}

export async function signedIn(page: Page, login: string, password = USER_PASSWORD, then?: string): Promise<void> {
  await signInThroughPage(page, login, password, then);
  await page.getByRole('button', { name: 'Sign out' }).waitFor();
}

export function bookingPanel(page: Page): Locator {
  return page.getByRole('region', { name: 'Your booking' });
}

export async function shows(scope: Page | Locator, text: string | RegExp): Promise<void> {
  await scope.getByText(text).first().waitFor();
}

/**
 * axe-core in the page (evaluated over the DevTools protocol, so the page's CSP stays as strict as ever): no violations.
 * It judges the screen as it settles: a verdict fading in is at a third of its opacity for a moment, and axe
 * measuring colour contrast in that moment reports the moment, not the page.
 */
export async function expectAccessible(page: Page, label: string): Promise<void> {
  await page.evaluate(`Promise.all(document.getAnimations()
    .filter((animation) => animation.effect?.getComputedTiming().endTime !== Infinity)
    .map((animation) => animation.finished))`);
  await page.evaluate(AXE_SOURCE);
  const violations = await page.evaluate<string[]>(`axe.run(document, { resultTypes: ['violations'] }).then((result) =>
    result.violations.map((violation) => violation.id + ': ' + violation.help + ' at ' + violation.nodes.map((node) => JSON.stringify(node.target)).join(', ')))`);
  expect(violations, `axe-core on ${label}`).toEqual([]);
}

/** Nothing sticks out sideways at this width: the page fits a phone without horizontal scrolling. */
export async function expectFitsWidth(page: Page): Promise<void> {
  const overflow = await page.evaluate<number>('document.documentElement.scrollWidth - document.documentElement.clientWidth');
  expect(overflow).toBeLessThanOrEqual(0);
}

/** Screenshots for the README, only when asked (npm run screenshots): a normal run writes nothing. */
export async function screenshot(page: Page, name: string): Promise<void> {
  if (!process.env.SCREENSHOTS) return;
  mkdirSync(SCREENSHOTS, { recursive: true });
  await page.screenshot({ path: join(SCREENSHOTS, `${name}.png`), fullPage: true });
}

/** The screen at desktop and phone width: accessible and fitting at both, pictured when asked. */
export async function checkScreen(page: Page, name: string): Promise<void> {
  const size = page.viewportSize() ?? DESKTOP;
  await page.setViewportSize(DESKTOP);
  await expectAccessible(page, `${name} at 1280 px`);
  await screenshot(page, `${name}-desktop`);
  await page.setViewportSize(PHONE);
  await expectFitsWidth(page);
  await expectAccessible(page, `${name} at 375 px`);
  await screenshot(page, `${name}-mobile`);
  await page.setViewportSize(size);
}

/** Reads a QR code back from pixels, as a phone camera at the door would. */
export async function decodeQr(scope: Locator): Promise<string | null> {
  const png = PNG.sync.read(await scope.screenshot());
  // jsqr is CommonJS: Node hands over its module object, whose default is the decoder.
  return jsQR.default(new Uint8ClampedArray(png.data), png.width, png.height)?.data ?? null;
}

/** A mark that only survives as long as the document does: proof that an update came without a reload. */
export async function markDocument(page: Page): Promise<void> {
  await page.evaluate('globalThis.notReloaded = true');
}

export async function documentWasKept(page: Page): Promise<boolean> {
  return page.evaluate<boolean>('globalThis.notReloaded === true');
}

/** Whether keyboard focus is on the booking panel's result (after Book, Join, Confirm, Reduce or Cancel). */
export async function resultHasFocus(page: Page): Promise<boolean> {
  return page.evaluate<boolean>("document.activeElement?.hasAttribute('data-booking-result') === true");
}

export async function hasFocus(scope: Locator): Promise<boolean> {
  return scope.evaluate((element) => element === element.ownerDocument.activeElement);
}
