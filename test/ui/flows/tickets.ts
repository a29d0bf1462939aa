import { expect, it } from 'vitest';
import {
  bookingPanel,
  browse,
  checkScreen,
  createEvent,
  decodeQr,
  expectNoPageProblems,
  registeredUser,
  shows,
  signedIn,
  token,
  userCall,
} from '../harness.js';

export function ticketFlows(): void {
  it('books a group, holds tickets with a live countdown that expires on its own, and reduces a booking', async () => {
    const eventId = await createEvent({ name: 'Choir concert', totalTickets: 10, maxPerBooking: 4, holdTtlSeconds: 4 });
    await registeredUser('gina@example.com', 'Gina');
    const gina = await browse();
    await signedIn(gina, 'gina@example.com', undefined, `/events/${eventId}`);
    const panel = bookingPanel(gina);

    // Quantities go up to the event's limit and no further.
    await panel.getByRole('button', { name: 'Book 1 ticket' }).waitFor();
    const options = await panel.getByLabel('Tickets').locator('option').allTextContents();
    expect(options).toEqual(['1', '2', '3', '4']);
    await panel.getByLabel('Tickets').selectOption('3');
    await panel.getByLabel(/Hold them first/).check();
    await panel.getByRole('button', { name: 'Hold 3 tickets' }).click();
    await shows(panel, '3 tickets held for you: confirm to keep them.');
    const countdown = panel.locator('[data-countdown]');
    const first = await countdown.textContent();
    await expect.poll(() => countdown.textContent(), { timeout: 3_000 }).not.toBe(first);
    await expect.poll(() => gina.locator('[data-count="available"]').textContent()).toBe('7');
    // Nobody confirms: the page turns to expired by itself, and the server gives the tickets back.
    await shows(panel, 'The time to confirm ran out');
    await expect.poll(() => gina.locator('[data-count="available"]').textContent(), { timeout: 10_000 }).toBe('10');

    await panel.getByLabel('Tickets').selectOption('4');
    await panel.getByLabel(/Hold them first/).uncheck();
    await panel.getByRole('button', { name: 'Book 4 tickets' }).click();
    await shows(panel, 'You have 4 tickets.');
    await panel.getByLabel('Keep only').selectOption('2');
    await panel.getByRole('button', { name: 'Reduce' }).click();
    await shows(panel, 'Your booking now holds 2 tickets.');
    await shows(panel, 'You have 2 tickets.');
    await expect.poll(() => gina.locator('[data-count="available"]').textContent()).toBe('8');
    expectNoPageProblems();
  });

  it('offers freed tickets with a deadline: one person confirms and gets a QR ticket that scans, another declines', async () => {
    const eventId = await createEvent({
      name: 'Opera night',
      totalTickets: 2,
      maxPerBooking: 2,
      waitlistMode: 'offer',
      offerTtlSeconds: 600,
      startsAt: '2027-09-01T19:00:00Z',
    });
    const holderToken = await registeredUser('holder@example.com');
    expect((await userCall('POST', `/api/v1/events/${eventId}/bookings`, { quantity: 2 }, holderToken)).status).toBe(201);
    await registeredUser('hana@example.com', 'Hana');
    await registeredUser('ivan@example.com', 'Ivan');
    const hana = await browse();
    await signedIn(hana, 'hana@example.com', undefined, `/events/${eventId}`);
    await bookingPanel(hana).getByRole('button', { name: 'Join the waiting list' }).click();
    await shows(bookingPanel(hana), 'Waiting list position 1');
    const ivan = await browse();
    await signedIn(ivan, 'ivan@example.com', undefined, `/events/${eventId}`);
    await bookingPanel(ivan).getByRole('button', { name: 'Join the waiting list' }).click();
    await shows(bookingPanel(ivan), 'Waiting list position 2');

    // The holder gives one ticket back: Hana (one ticket wanted) is offered it, live.
    expect((await userCall('PATCH', `/api/v1/events/${eventId}/bookings/holder%40example.com`, { quantity: 1 }, holderToken)).status).toBe(
      200,
    );
    await shows(bookingPanel(hana), 'Offered to you');
    await shows(bookingPanel(hana), /Offer ends in/);
    await checkScreen(hana, 'offer');
    await bookingPanel(hana).getByRole('button', { name: 'Confirm ticket' }).click();
    await shows(bookingPanel(hana), 'You have a ticket.');

    const mine = await userCall('GET', `/api/v1/events/${eventId}/bookings/hana%40example.com`, undefined, await token('hana@example.com'));
    const code = String((mine.body.booking as { ticketCode: string }).ticketCode);
    expect(code).toMatch(/^[0-9A-Z]{5}(-[0-9A-Z]{5}){4}$/);
    await shows(bookingPanel(hana), code);
    const qr = hana.locator('[data-ticket-qr] svg');
    await qr.waitFor();
    expect(await decodeQr(hana.locator('[data-ticket-qr]'))).toBe(code);
    await checkScreen(hana, 'ticket');

    // The holder leaves: Ivan is offered the last ticket and declines it.
    expect((await userCall('DELETE', `/api/v1/events/${eventId}/bookings/holder%40example.com`, undefined, holderToken)).status).toBe(200);
    await shows(bookingPanel(ivan), 'Offered to you');
    await bookingPanel(ivan).getByRole('button', { name: 'Decline' }).click();
    await shows(bookingPanel(ivan), 'Your booking is cancelled.');

    // My tickets: every booking across events, with its ticket; the events list marks what I booked.
    await hana.getByRole('link', { name: 'My tickets' }).click();
    await hana.getByRole('heading', { name: 'My tickets', level: 1 }).waitFor();
    const card = hana.getByRole('listitem').filter({ hasText: 'Opera night' });
    await shows(card, 'Confirmed');
    await shows(card, /Wednesday, September 1, 2027.*7:00\s?PM UTC/);
    expect(await decodeQr(card.locator('[data-ticket-qr]'))).toBe(code);
    await checkScreen(hana, 'my-tickets');
    expectNoPageProblems();
  });

  it('lists upcoming events soonest first, past ones apart, searchable, with my bookings marked', async () => {
    const soon = await createEvent({
      name: 'Harbour lights walk',
      startsAt: '2027-01-10T18:00:00Z',
      totalTickets: 5,
      description: 'A lantern walk along the quay.',
    });
    await createEvent({ name: 'Harbour boat trip', startsAt: '2027-02-10T10:00:00Z', totalTickets: 5 });
    await createEvent({ name: 'Harbour festival of yesteryear', startsAt: '2020-07-01T12:00:00Z', totalTickets: 5 });
    const jo = await registeredUser('jo@example.com', 'Jo');
    expect((await userCall('POST', `/api/v1/events/${soon}/bookings`, {}, jo)).status).toBe(201);
    const page = await browse();
    await signedIn(page, 'jo@example.com');
    await page.getByLabel('Search events').fill('harbour');
    const upcoming = page.getByRole('region', { name: 'Upcoming' });
    await expect.poll(() => upcoming.locator('.event-card-name').allTextContents()).toEqual(['Harbour lights walk', 'Harbour boat trip']);
    const past = page.getByRole('region', { name: 'Past events' });
    expect(await past.locator('.event-card-name').allTextContents()).toEqual(['Harbour festival of yesteryear']);
    await shows(upcoming.getByRole('listitem').filter({ hasText: 'Harbour lights walk' }), "You're booked");
    await page.getByLabel('Search events').fill('lantern');
    await expect.poll(() => upcoming.locator('.event-card-name').allTextContents()).toEqual(['Harbour lights walk']);
    await page.getByLabel('Search events').fill('harbour');
    await checkScreen(page, 'events');
    expectNoPageProblems();
  });
}
