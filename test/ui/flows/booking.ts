import { expect, it } from 'vitest';
import { ADMIN_PASSWORD, ADMIN_USER } from '../../helpers/test-app.js';
import { USER_PASSWORD } from '../../helpers/accounts.js';
import {
  adminCall,
  bookingPanel,
  browse,
  checkScreen,
  createEvent,
  documentWasKept,
  expectNoPageProblems,
  harness,
  hasFocus,
  resultHasFocus,
  markDocument,
  registeredUser,
  shows,
  signUpThroughPage,
  signedIn,
  url,
  userCall,
} from '../harness.js';

export function bookingFlows(): void {
  it('books the last ticket, puts the next person at position 1 and confirms them live on a cancel; focus lands on each result', async () => {
    const eventId = await createEvent({
      name: 'Friday Jazz Night',
      venue: 'The Blue Room',
      startsAt: '2027-05-14T20:00:00+02:00',
      timeZone: 'Europe/Berlin',
      totalTickets: 40,
    });
    for (let guest = 1; guest < 40; guest += 1) {
      expect((await adminCall('POST', `/api/v1/events/${eventId}/bookings`, { userId: `guest${guest}@example.com` })).status).toBe(201);
    }

    const ann = await browse();
    await signUpThroughPage(ann, 'ann@example.com', 'Ann Lee');
    // The header names the person as they signed up, not by their e-mail address.
    await shows(ann.getByRole('banner'), 'Ann Lee');
    expect(await ann.getByRole('banner').getByText('ann@example.com').count()).toBe(0);
    // The session is an HttpOnly cookie: nothing a page script can read, and a new tab is signed in too.
    expect(await ann.evaluate('document.cookie')).toBe('');
    expect(await ann.evaluate('JSON.stringify({ ...sessionStorage, ...localStorage })')).toBe('{}');
    const annTab = await ann.context().newPage();
    await annTab.goto(url('/my-tickets'));
    await annTab.getByRole('heading', { name: 'My tickets', level: 1 }).waitFor();
    await annTab.close();

    await ann.getByRole('link', { name: /Friday Jazz Night/ }).click();
    // The start in the event's own zone, named, whatever the browser's zone.
    await shows(ann, /May 14, 2027.*8:00\s?PM.*\(Europe\/Berlin\)/);
    await shows(bookingPanel(ann), '1 ticket left');
    await ann.getByRole('button', { name: 'Book 1 ticket' }).click();
    await shows(bookingPanel(ann), 'Confirmed');
    expect(await resultHasFocus(ann)).toBe(true);

    const bob = await browse();
    await signUpThroughPage(bob, 'bob@example.com', 'Bob');
    await bob.goto(url(`/events/${eventId}`));
    await bob.getByRole('button', { name: 'Join the waiting list' }).click();
    await shows(bookingPanel(bob), 'Waiting list position 1');
    expect(await resultHasFocus(bob)).toBe(true);
    await shows(bob, /^Live$/);
    await expect.poll(() => bob.locator('[data-count="waiting"]').textContent()).toBe('1');
    await checkScreen(bob, 'event');

    await markDocument(bob);
    await ann.getByRole('button', { name: 'Cancel my booking' }).click();
    const dialog = ann.getByRole('dialog', { name: 'Cancel your booking?' });
    // The dialog sits in the middle of a desktop screen, not on its bottom edge.
    const box = await dialog.boundingBox();
    expect(box && box.y + box.height).toBeLessThan(800 - 100);
    await dialog.getByRole('button', { name: 'Yes, cancel it' }).click();
    await shows(bookingPanel(ann), 'Your booking is cancelled');
    expect(
      await bookingPanel(ann)
        .getByText(/cancelled/i)
        .count(),
    ).toBe(1);
    expect(await resultHasFocus(ann)).toBe(true);

    await shows(bookingPanel(bob), 'Confirmed');
    await shows(bookingPanel(bob), 'You have a ticket');
    expect(await documentWasKept(bob)).toBe(true);
    expect(await bob.locator('[data-count="waiting"]').textContent()).toBe('0');
    expectNoPageProblems();
  });

  it('explains a wrong password, a booking made twice, a lost request and a closed event once, and keeps working', async () => {
    const poetry = await createEvent({ name: 'Poetry evening', totalTickets: 5 });
    const chess = await createEvent({ name: 'Chess club night', totalTickets: 5 });
    const closed = await createEvent({ name: 'Closed recital', totalTickets: 5 });
    expect((await adminCall('PATCH', `/api/v1/events/${closed}`, { salesOpen: false })).status).toBe(200);
    const frankToken = await registeredUser('frank@example.com');
    const frank = await browse();

    await frank.goto(url('/sign-in'));
    await frank.getByLabel('E-mail address').fill('frank@example.com');
    await frank.getByLabel('Password').fill('not the password');
    await frank.getByRole('button', { name: 'Sign in' }).click();
    await shows(frank.getByRole('alert'), "That e-mail address and password don't match");
    await frank.getByLabel('Password').fill(USER_PASSWORD);
    await frank.getByRole('button', { name: 'Sign in' }).click();
    await frank.getByRole('button', { name: 'Sign out' }).waitFor();

    await frank.goto(url(`/events/${closed}`));
    await shows(bookingPanel(frank), 'Booking is closed for this event');
    expect(await frank.getByText(/Booking is closed/).count()).toBe(1);

    // The first read of the event is lost and the stream is down: the page says so, then recovers
    // by itself (polling, then the stream) and stops saying it.
    let lost = false;
    await frank.route(url(`/api/v1/events/${poetry}`), (route) => {
      if (lost) return route.continue();
      lost = true;
      return route.abort('internetdisconnected');
    });
    await frank.route('**/stream', (route) => route.abort());
    await frank.goto(url(`/events/${poetry}`));
    await shows(frank.getByRole('alert'), "We couldn't reach the server");
    await frank.unroute('**/stream');
    await frank.getByRole('heading', { name: 'Poetry evening', level: 1 }).waitFor();
    await shows(frank, /^Live$/);
    expect(await frank.getByRole('alert').count()).toBe(0);
    await frank.unrouteAll();
    await frank.route('**/api/v1/events/*/bookings', (route) =>
      route.request().method() === 'POST' ? route.abort('internetdisconnected') : route.continue(),
    );
    await frank.getByRole('button', { name: 'Book 1 ticket' }).click();
    await shows(frank.getByRole('alert'), "We couldn't reach the server, so that did not go through");
    await shows(bookingPanel(frank), '5 tickets left');
    await frank.unrouteAll();
    await frank.getByRole('button', { name: 'Book 1 ticket' }).click();
    await shows(bookingPanel(frank), 'Confirmed');

    // With the stream cut, the page polls instead and says so, rather than "Reconnecting…" for ever.
    await frank.route('**/stream', (route) => route.abort());
    await frank.goto(url(`/events/${chess}`));
    await frank.getByRole('button', { name: 'Book 1 ticket' }).waitFor();
    await shows(frank, 'Updates every few seconds');
    expect((await userCall('POST', `/api/v1/events/${chess}/bookings`, {}, frankToken)).status).toBe(201);
    await frank
      .getByRole('button', { name: 'Book 1 ticket' })
      .click({ timeout: 1_000 })
      .catch(() => undefined);
    await shows(bookingPanel(frank), 'You have a ticket');
    expect(await frank.getByRole('button', { name: 'Cancel my booking' }).isEnabled()).toBe(true);
    expectNoPageProblems();
  });

  it('works with the keyboard alone: skip link clear of the logo, Book by Enter, focus on the result, then on Cancel, Escape keeps the booking', async () => {
    const eventId = await createEvent({ name: 'Keyboard café', totalTickets: 3 });
    await registeredUser('kai@example.com', 'Kai');
    const signIn = await browse();
    await signedIn(signIn, 'kai@example.com');
    // A fresh tab of the same browser: signed in by the cookie, focus at the top of the document.
    const kai = await signIn.context().newPage();
    await kai.goto(url(`/events/${eventId}`));
    await kai.getByRole('button', { name: 'Book 1 ticket' }).waitFor();
    await kai.keyboard.press('Tab');
    const skip = kai.getByRole('link', { name: 'Skip to content' });
    expect(await hasFocus(skip)).toBe(true);
    const skipBox = await skip.boundingBox();
    const logoBox = await kai.getByRole('link', { name: 'Boxoffice' }).boundingBox();
    expect(skipBox && logoBox && skipBox.y + skipBox.height <= logoBox.y).toBe(true);
    await kai.keyboard.press('Enter');
    const book = kai.getByRole('button', { name: 'Book 1 ticket' });
    for (let presses = 0; presses < 20 && !(await hasFocus(book)); presses += 1) await kai.keyboard.press('Tab');
    expect(await hasFocus(book)).toBe(true);
    await kai.keyboard.press('Enter');
    await shows(bookingPanel(kai), 'You have a ticket.');
    expect(await resultHasFocus(kai)).toBe(true);
    await kai.keyboard.press('Tab');
    expect(await hasFocus(kai.getByRole('button', { name: 'Cancel my booking' }))).toBe(true);
    await kai.keyboard.press('Enter');
    await kai.getByRole('dialog', { name: 'Cancel your booking?' }).waitFor();
    expect(await hasFocus(kai.getByRole('button', { name: 'Keep my booking' }))).toBe(true);
    await kai.keyboard.press('Escape');
    await kai.getByRole('dialog').waitFor({ state: 'detached' });
    await shows(bookingPanel(kai), 'You have a ticket.');
    expectNoPageProblems();
  });

  it('signs the organizer in with the admin credentials, and signing out ends the cookie session', async () => {
    const admin = await browse();
    await signedIn(admin, ADMIN_USER, ADMIN_PASSWORD);
    await shows(admin.getByRole('banner'), 'Organizer');
    await admin.getByRole('button', { name: 'Sign out' }).click();
    await admin.getByRole('link', { name: 'Sign in' }).waitFor();
    const whoAmI = await admin.evaluate(async () => (await fetch('/api/v1/auth/session')).json());
    expect(whoAmI).toEqual({ session: null });
    expect(harness.pages.length).toBeGreaterThan(0);
  });
}
