import { mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { Browser, Locator, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { USER_PASSWORD } from '../helpers/accounts.js';
import { type ServerProcess, adminRequest, startServer } from '../helpers/server-process.js';
import { ADMIN_PASSWORD, ADMIN_USER, AUTH_SECRET } from '../helpers/test-app.js';
import { type WatchedPage, buildWebPage, launchChromium, openPage } from './browser.js';

const SCREENSHOTS = fileURLToPath(new URL('../../docs/screenshots/', import.meta.url));
const DESKTOP = { width: 1280, height: 800 };
const PHONE = { width: 375, height: 812 };

let server: ServerProcess;
let browser: Browser;
let dataDir: string;
const pages: WatchedPage[] = [];

beforeAll(async () => {
  browser = await launchChromium();
  await buildWebPage();
  dataDir = mkdtempSync(join(tmpdir(), 'boxoffice-ui-'));
  server = await startServer({ DATABASE_URL: `sqlite:${join(dataDir, 'ui.db')}`, RATE_LIMIT_MAX: '0', AUTH_SECRET });
}, 60_000);

afterAll(async () => {
  await browser?.close();
  await server?.stop();
  if (dataDir) rmSync(dataDir, { recursive: true, force: true });
});

async function browse(viewport = DESKTOP): Promise<Page> {
  const watched = await openPage(browser, viewport);
  pages.push(watched);
  return watched.page;
}

function expectNoPageProblems(): void {
  expect(pages.flatMap((watched) => watched.problems)).toEqual([]);
}

async function createEvent(fields: { name: string; totalTickets: number; venue?: string; startsAt?: string }): Promise<string> {
  const created = await adminRequest<{ id: string }>(server.url, 'POST', '/api/v1/events', fields);
  expect(created.status).toBe(201);
  return created.body.id;
}

async function userCall(method: string, path: string, body?: unknown, token?: string): Promise<{ status: number; body: Record<string, unknown> }> {
  const response = await fetch(`${server.url}${path}`, {
    method,
    headers: { 'content-type': 'application/json', ...(token ? { authorization: `Bearer ${token}` } : {}) },
    body: body === undefined ? null : JSON.stringify(body),
  });
  return { status: response.status, body: (await response.json()) as Record<string, unknown> };
}

/** Registers through the API and returns a token, for people whose sign-up is not what a test is about. */
async function registeredUser(email: string): Promise<string> {
  expect((await userCall('POST', '/api/v1/users', { email, password: USER_PASSWORD })).status).toBe(201);
  const grant = await userCall('POST', '/api/v1/auth/token', { email, password: USER_PASSWORD });
  return String(grant.body.token);
}

async function signUpThroughPage(page: Page, email: string, name: string): Promise<void> {
  await page.goto(`${server.url}/`);
  await page.getByRole('link', { name: 'Create account' }).click();
  await page.getByLabel('Your name').fill(name);
  await page.getByLabel('E-mail address').fill(email);
  await page.getByLabel('Password').fill(USER_PASSWORD);
  await page.getByRole('button', { name: 'Create account' }).click();
  await page.getByRole('button', { name: 'Sign out' }).waitFor();
}

async function signInThroughPage(page: Page, login: string, password: string): Promise<void> {
  await page.goto(`${server.url}/sign-in`);
  await page.getByLabel('E-mail address').fill(login);
  await page.getByLabel('Password').fill(password);
  await page.getByRole('button', { name: 'Sign in' }).click();
}

function bookingPanel(page: Page): Locator {
  return page.getByRole('region', { name: 'Your booking' });
}

async function shows(scope: Page | Locator, text: string | RegExp): Promise<void> {
  await scope.getByText(text).first().waitFor();
}

/** A mark that only survives as long as the document does: proof that an update came without a reload. */
async function markDocument(page: Page): Promise<void> {
  await page.evaluate(() => {
    (globalThis as Record<string, unknown>).notReloaded = true;
  });
}

async function documentWasKept(page: Page): Promise<boolean> {
  return page.evaluate(() => (globalThis as Record<string, unknown>).notReloaded === true);
}

describe('the web page, in Chromium against a real server', () => {
  it('lets a user book the last ticket, puts the next at waiting list position 1, and confirms them live when the first cancels', async () => {
    const eventId = await createEvent({ name: 'Friday Jazz Night', venue: 'The Blue Room', startsAt: '2027-05-14T20:00:00+01:00', totalTickets: 40 });
    for (let guest = 1; guest < 40; guest += 1) {
      expect((await adminRequest(server.url, 'POST', `/api/v1/events/${eventId}/bookings`, { userId: `guest${guest}@example.com` })).status).toBe(201);
    }

    const ann = await browse();
    await signUpThroughPage(ann, 'ann@example.com', 'Ann');
    await ann.getByRole('link', { name: /Friday Jazz Night/ }).click();
    await shows(bookingPanel(ann), '1 ticket left');
    await ann.getByRole('button', { name: 'Book a ticket' }).click();
    await shows(bookingPanel(ann), 'Confirmed');

    const bob = await browse();
    await signUpThroughPage(bob, 'bob@example.com', 'Bob');
    await bob.goto(`${server.url}/events/${eventId}`);
    await bob.getByRole('button', { name: 'Join the waiting list' }).click();
    await shows(bookingPanel(bob), 'Waiting list position 1');
    await shows(bob, /^Live$/);
    // The panel answers from the booking itself; the counts follow a moment later. Picture them agreeing.
    await expect.poll(() => bob.locator('[data-count="waiting"]').textContent()).toBe('1');

    mkdirSync(SCREENSHOTS, { recursive: true });
    await bob.screenshot({ path: join(SCREENSHOTS, 'event-desktop.png'), fullPage: true });
    await bob.setViewportSize(PHONE);
    await bob.screenshot({ path: join(SCREENSHOTS, 'event-mobile.png'), fullPage: true });
    await bob.setViewportSize(DESKTOP);

    await markDocument(bob);
    await ann.getByRole('button', { name: 'Cancel my booking' }).click();
    const dialog = ann.getByRole('dialog', { name: 'Cancel your booking?' });
    await dialog.getByRole('button', { name: 'Yes, cancel it' }).click();
    await shows(bookingPanel(ann), 'Your booking is cancelled');

    await shows(bookingPanel(bob), 'Confirmed');
    await shows(bookingPanel(bob), 'You have a ticket');
    expect(await documentWasKept(bob)).toBe(true);
    expect(await bob.locator('[data-count="waiting"]').textContent()).toBe('0');
    expectNoPageProblems();
  });

  it('lets the organizer create an event, promote the waiting person live by raising capacity, and close sales', async () => {
    const admin = await browse();
    await signInThroughPage(admin, ADMIN_USER, ADMIN_PASSWORD);
    await admin.getByRole('heading', { name: 'Create an event' }).waitFor();
    await admin.getByLabel('Name').fill('Pottery workshop');
    await admin.getByLabel('Tickets').fill('1');
    await admin.getByLabel('Venue').fill('Studio 2');
    await admin.getByRole('button', { name: 'Create event' }).click();
    await admin.getByRole('heading', { name: 'Pottery workshop', level: 1 }).waitFor();
    const eventId = decodeURIComponent(new URL(admin.url()).pathname.split('/').at(-1) ?? '');

    const carolToken = await registeredUser('carol@example.com');
    expect((await userCall('POST', `/api/v1/events/${eventId}/bookings`, {}, carolToken)).status).toBe(201);
    await registeredUser('dan@example.com');
    const dan = await browse();
    await signInThroughPage(dan, 'dan@example.com', USER_PASSWORD);
    await dan.getByRole('button', { name: 'Sign out' }).waitFor();
    await dan.goto(`${server.url}/events/${eventId}`);
    await dan.getByRole('button', { name: 'Join the waiting list' }).click();
    await shows(bookingPanel(dan), 'Waiting list position 1');
    await markDocument(dan);

    const waitingList = admin.getByRole('region', { name: 'Waiting list, in order' });
    await shows(waitingList, 'dan@example.com');
    await admin.getByLabel('Total tickets').fill('2');
    await admin.getByRole('button', { name: 'Save capacity' }).click();
    await shows(admin, '1 person from the waiting list got a ticket');
    await shows(bookingPanel(dan), 'Confirmed');
    expect(await documentWasKept(dan)).toBe(true);
    await shows(admin, 'Nobody is waiting');
    await shows(admin.getByRole('region', { name: 'Audit log, oldest first' }), 'Got a ticket from the waiting list');

    await admin.getByRole('button', { name: 'Close sales' }).click();
    await shows(admin, 'Sales are closed: nobody can book');
    await registeredUser('erin@example.com');
    const erin = await browse();
    await signInThroughPage(erin, 'erin@example.com', USER_PASSWORD);
    await erin.getByRole('button', { name: 'Sign out' }).waitFor();
    await erin.goto(`${server.url}/events/${eventId}`);
    await shows(bookingPanel(erin), 'Booking is closed for this event');
    expect(await erin.getByRole('button', { name: /Book a ticket|Join the waiting list/ }).count()).toBe(0);
    expectNoPageProblems();
  });

  it('explains a wrong password, a booking made twice and a request lost on the way, and keeps working', async () => {
    const poetry = await createEvent({ name: 'Poetry evening', totalTickets: 5 });
    const chess = await createEvent({ name: 'Chess club night', totalTickets: 5 });
    const frankToken = await registeredUser('frank@example.com');
    const frank = await browse();

    await signInThroughPage(frank, 'frank@example.com', 'not the password');
    await shows(frank.getByRole('alert'), "That e-mail address and password don't match");
    expect(new URL(frank.url()).pathname).toBe('/sign-in');
    await frank.getByLabel('Password').fill(USER_PASSWORD);
    await frank.getByRole('button', { name: 'Sign in' }).click();
    await frank.getByRole('button', { name: 'Sign out' }).waitFor();

    await frank.goto(`${server.url}/events/${poetry}`);
    await frank.route('**/api/v1/events/*/bookings', (route) =>
      route.request().method() === 'POST' ? route.abort('internetdisconnected') : route.continue(),
    );
    await frank.getByRole('button', { name: 'Book a ticket' }).click();
    await shows(frank.getByRole('alert'), "We couldn't reach the server, so that did not go through");
    await shows(bookingPanel(frank), '5 tickets left');
    await frank.unrouteAll();
    await frank.getByRole('button', { name: 'Book a ticket' }).click();
    await shows(bookingPanel(frank), 'Confirmed');

    // With the stream cut, the page cannot learn of the booking made elsewhere before the click.
    await frank.route('**/stream', (route) => route.abort());
    await frank.goto(`${server.url}/events/${chess}`);
    await frank.getByRole('button', { name: 'Book a ticket' }).waitFor();
    expect((await userCall('POST', `/api/v1/events/${chess}/bookings`, {}, frankToken)).status).toBe(201);
    await frank.getByRole('button', { name: 'Book a ticket' }).click();
    await shows(frank.getByRole('alert'), 'You already have a booking for this event: your ticket is confirmed');
    await shows(bookingPanel(frank), 'You have a ticket');
    expect(await frank.getByRole('button', { name: 'Cancel my booking' }).isEnabled()).toBe(true);
    expectNoPageProblems();
  });
});
