import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { BookingView } from '../../src/domain/booking.js';
import { ExpirySweeper } from '../../src/services/expiry-sweeper.js';
import { signUp } from '../helpers/accounts.js';
import { ENGINES } from '../helpers/engines.js';
import { asAdmin, auditOf, book, cancel, createEvent, expectCountsAgree, getEvent } from '../helpers/factories.js';
import { FakeClock } from '../helpers/fake-clock.js';
import { type TestApp, createTestApp } from '../helpers/test-app.js';

const TICKET_CODE = /^[0-9A-HJKMNP-TV-Z]{5}(?:-[0-9A-HJKMNP-TV-Z]{5}){4}$/;

describe.each(ENGINES)('holds, offers and expiry on $name', (engine) => {
  const clock = new FakeClock();
  let t: TestApp;
  let sweeper: ExpirySweeper;
  beforeAll(async () => {
    t = await createTestApp(engine, { clock: clock.now });
    sweeper = new ExpirySweeper(t.service, {
      intervalMs: 1_000,
      eventsPerSweep: 100,
      onError: (error) => {
        throw error;
      },
    });
  });
  afterAll(async () => t.close());

  const inSeconds = (seconds: number) => new Date(clock.now() + seconds * 1000).toISOString();
  const send = (method: 'POST' | 'PATCH' | 'GET' | 'DELETE', url: string, payload?: unknown) =>
    t.app.inject({ method, url, headers: asAdmin(), ...(payload === undefined ? {} : { payload: payload as object }) });
  const confirm = (eventId: string, userId: string) => send('POST', `/api/v1/events/${eventId}/bookings/${userId}/confirm`);
  const bookingOf = async (eventId: string, userId: string): Promise<BookingView> =>
    (await send('GET', `/api/v1/events/${eventId}/bookings/${userId}`)).json<{ booking: BookingView }>().booking;
  const actions = async (eventId: string) =>
    (await auditOf(t.app, eventId))
      .filter((entry) => entry.action !== 'event.created')
      .map((entry) => [entry.action, entry.userId, entry.actor]);

  describe('holds', () => {
    it('holds the tickets as pending until now + holdTtlSeconds, counted in heldCount', async () => {
      const event = await createEvent(t.app, { totalTickets: 3, holdTtlSeconds: 600 });
      const expiresAt = inSeconds(600);
      const held = await book(t.app, event.id, 'checkout', { quantity: 2, hold: true });
      expect(held).toMatchObject({
        status: 'pending',
        hold: true,
        quantity: 2,
        expiresAt,
        ticketCode: null,
        position: null,
        confirmedAt: null,
      });
      expect(await getEvent(t.app, event.id)).toMatchObject({ bookedCount: 0, heldCount: 2, availableTickets: 1 });
      expect((await auditOf(t.app, event.id)).at(-1)).toMatchObject({ action: 'booking.held', userId: 'checkout', quantity: 2 });
      await expectCountsAgree(t.app, event.id);
    });

    it('answers "held" on the short API and shows heldCount in its status', async () => {
      const event = await createEvent(t.app, { totalTickets: 5 });
      const response = await send('POST', '/book', { eventId: event.id, userId: 'short', quantity: 3, hold: true });
      expect(response.statusCode).toBe(201);
      expect(response.json()).toMatchObject({ status: 'held', booking: { status: 'pending', quantity: 3 } });
      const status = await t.app.inject({ method: 'GET', url: `/status/${event.id}` });
      expect(status.json()).toMatchObject({ heldCount: 3, bookedCount: 0, availableTickets: 2 });
    });

    it('confirms a hold in time into a confirmed booking with a ticket code', async () => {
      const event = await createEvent(t.app, { totalTickets: 3, holdTtlSeconds: 60 });
      await book(t.app, event.id, 'buyer', { quantity: 2, hold: true });
      clock.advance(59_999);
      const response = await confirm(event.id, 'buyer');
      expect(response.statusCode).toBe(200);
      const { booking } = response.json<{ booking: BookingView }>();
      expect(booking).toMatchObject({ status: 'confirmed', quantity: 2, expiresAt: null, confirmedAt: expect.any(String) });
      expect(booking.ticketCode).toMatch(TICKET_CODE);
      expect(await getEvent(t.app, event.id)).toMatchObject({ bookedCount: 2, heldCount: 0, availableTickets: 1 });
      expect((await actions(event.id)).at(-1)).toEqual(['booking.confirmed', 'buyer', 'admin']);
    });

    it.each(['confirmed', 'waitlisted', 'cancelled'] as const)('refuses to confirm a %s booking with 409 NOT_PENDING', async (status) => {
      const event = await createEvent(t.app, { totalTickets: 1 });
      await book(t.app, event.id, 'first');
      const userId = status === 'confirmed' ? 'first' : 'second';
      if (status !== 'confirmed') await book(t.app, event.id, 'second');
      if (status === 'cancelled') await cancel(t.app, event.id, 'second');
      const before = await getEvent(t.app, event.id);
      const response = await confirm(event.id, userId);
      expect(response.statusCode).toBe(409);
      expect(response.json()).toMatchObject({ code: 'NOT_PENDING', booking: { userId, status } });
      expect(await getEvent(t.app, event.id)).toEqual(before);
    });

    it('answers 404 BOOKING_NOT_FOUND to confirming a user who never booked', async () => {
      const event = await createEvent(t.app, { totalTickets: 1 });
      const response = await confirm(event.id, 'stranger');
      expect(response.statusCode).toBe(404);
      expect(response.json().code).toBe('BOOKING_NOT_FOUND');
    });

    it('refuses a confirm at expiresAt with 409 EXPIRED, expires the booking and releases its tickets to the next in line', async () => {
      const event = await createEvent(t.app, { totalTickets: 2, holdTtlSeconds: 300 });
      const held = await book(t.app, event.id, 'slow', { quantity: 2, hold: true });
      await book(t.app, event.id, 'next');
      await book(t.app, event.id, 'after');
      clock.moveTo(held.expiresAt as string);

      const response = await confirm(event.id, 'slow');
      expect(response.statusCode).toBe(409);
      expect(response.json()).toMatchObject({ code: 'EXPIRED', booking: { userId: 'slow', status: 'expired', ticketCode: null } });
      expect(await bookingOf(event.id, 'slow')).toMatchObject({ status: 'expired', ticketCode: null });
      expect(await bookingOf(event.id, 'next')).toMatchObject({ status: 'confirmed' });
      expect(await bookingOf(event.id, 'after')).toMatchObject({ status: 'confirmed' });
      expect(await getEvent(t.app, event.id)).toMatchObject({ bookedCount: 2, heldCount: 0, waitlistCount: 0 });
      expect((await actions(event.id)).slice(3)).toEqual([
        ['booking.expired', 'slow', 'system'],
        ['booking.promoted', 'next', 'system'],
        ['booking.promoted', 'after', 'system'],
      ]);

      const again = await confirm(event.id, 'slow');
      expect(again.statusCode).toBe(409);
      expect(again.json().code).toBe('EXPIRED');
      await expectCountsAgree(t.app, event.id);
    });

    it('lets a user whose hold expired book again, as a new booking at the tail', async () => {
      const event = await createEvent(t.app, { totalTickets: 1, holdTtlSeconds: 10 });
      const first = await book(t.app, event.id, 'again', { hold: true });
      await book(t.app, event.id, 'waiter');
      clock.advance(10_000);
      await sweeper.sweep();
      const second = await book(t.app, event.id, 'again');
      expect(second.id).not.toBe(first.id);
      expect(second).toMatchObject({ status: 'waitlisted', position: 1 });
    });

    it('hands the tickets of a cancelled hold to the next in line', async () => {
      const event = await createEvent(t.app, { totalTickets: 2 });
      await book(t.app, event.id, 'undecided', { quantity: 2, hold: true });
      await book(t.app, event.id, 'next', { quantity: 2 });
      const { booking, promoted } = await cancel(t.app, event.id, 'undecided');
      expect(booking).toMatchObject({ status: 'cancelled', expiresAt: null, ticketCode: null });
      expect(promoted).toMatchObject({ userId: 'next', status: 'confirmed' });
      expect(await getEvent(t.app, event.id)).toMatchObject({ heldCount: 0, bookedCount: 2 });
    });

    it('lets the booker confirm their own hold, and no other user', async () => {
      const event = await createEvent(t.app, { totalTickets: 2 });
      const booker = await signUp(t.app);
      const stranger = await signUp(t.app);
      const held = await t.app.inject({
        method: 'POST',
        url: `/api/v1/events/${event.id}/bookings`,
        headers: booker.headers,
        payload: { hold: true },
      });
      expect(held.json().booking).toMatchObject({ userId: booker.userId, status: 'pending' });
      const url = `/api/v1/events/${event.id}/bookings/${booker.userId}/confirm`;
      expect((await t.app.inject({ method: 'POST', url, headers: stranger.headers })).statusCode).toBe(403);
      expect((await t.app.inject({ method: 'POST', url })).statusCode).toBe(401);
      const confirmed = await t.app.inject({ method: 'POST', url, headers: booker.headers });
      expect(confirmed.json().booking).toMatchObject({ status: 'confirmed' });
      expect((await actions(event.id)).at(-1)).toEqual(['booking.confirmed', booker.userId, booker.userId]);
    });

    it('reduces a hold, releasing held tickets', async () => {
      const event = await createEvent(t.app, { totalTickets: 4 });
      await book(t.app, event.id, 'holder', { quantity: 4, hold: true });
      await book(t.app, event.id, 'waiter', { quantity: 2 });
      const response = await send('PATCH', `/api/v1/events/${event.id}/bookings/holder`, { quantity: 2 });
      expect(response.json()).toMatchObject({
        booking: { status: 'pending', quantity: 2 },
        promoted: { userId: 'waiter', status: 'confirmed' },
      });
      expect(await getEvent(t.app, event.id)).toMatchObject({ heldCount: 2, bookedCount: 2, availableTickets: 0 });
    });
  });

  describe('offers (waitlistMode "offer")', () => {
    it('offers freed tickets for offerTtlSeconds; accepting is confirming', async () => {
      const event = await createEvent(t.app, { totalTickets: 2, waitlistMode: 'offer', offerTtlSeconds: 3_600 });
      await book(t.app, event.id, 'a', { quantity: 2 });
      await book(t.app, event.id, 'b', { quantity: 2 });
      const { promoted } = await cancel(t.app, event.id, 'a');
      expect(promoted).toMatchObject({ userId: 'b', status: 'pending', expiresAt: inSeconds(3_600), ticketCode: null, position: null });
      expect(await getEvent(t.app, event.id)).toMatchObject({ heldCount: 2, bookedCount: 0, availableTickets: 0, waitlistCount: 0 });
      expect((await actions(event.id)).at(-1)).toEqual(['booking.offered', 'b', 'admin']);

      const accepted = await confirm(event.id, 'b');
      expect(accepted.json().booking).toMatchObject({ status: 'confirmed', ticketCode: expect.stringMatching(TICKET_CODE) });
      expect(await getEvent(t.app, event.id)).toMatchObject({ heldCount: 0, bookedCount: 2 });
    });

    it('offers the next in line when an offer is declined (DELETE)', async () => {
      const event = await createEvent(t.app, { totalTickets: 2, waitlistMode: 'offer' });
      for (const userId of ['a', 'b', 'c']) await book(t.app, event.id, userId, { quantity: 2 });
      await cancel(t.app, event.id, 'a');
      const declined = await cancel(t.app, event.id, 'b');
      expect(declined.booking).toMatchObject({ userId: 'b', status: 'cancelled' });
      expect(declined.promoted).toMatchObject({ userId: 'c', status: 'pending' });
      expect(await getEvent(t.app, event.id)).toMatchObject({ heldCount: 2, waitlistCount: 0 });
    });

    it('expires an offer met with silence (actor system) and offers the next in line, with no request', async () => {
      const event = await createEvent(t.app, { totalTickets: 2, waitlistMode: 'offer', offerTtlSeconds: 120 });
      for (const userId of ['a', 'b', 'c']) await book(t.app, event.id, userId, { quantity: 2 });
      const offered = (await cancel(t.app, event.id, 'a')).promoted as BookingView;
      clock.moveTo(offered.expiresAt as string);
      const nextDeadline = inSeconds(120);

      await sweeper.sweep();
      expect(await bookingOf(event.id, 'b')).toMatchObject({ status: 'expired', expiresAt: null, ticketCode: null });
      expect(await bookingOf(event.id, 'c')).toMatchObject({ status: 'pending', expiresAt: nextDeadline });
      expect((await actions(event.id)).slice(-2)).toEqual([
        ['booking.expired', 'b', 'system'],
        ['booking.offered', 'c', 'system'],
      ]);
      await expectCountsAgree(t.app, event.id);
    });

    it('offers the tickets a capacity raise frees, in list order', async () => {
      const event = await createEvent(t.app, { totalTickets: 1, waitlistMode: 'offer', offerTtlSeconds: 600 });
      for (const userId of ['a', 'b', 'c']) await book(t.app, event.id, userId);
      const raised = await send('PATCH', `/api/v1/events/${event.id}`, { totalTickets: 3 });
      expect(raised.json()).toMatchObject({ bookedCount: 1, heldCount: 2, availableTickets: 0, waitlistCount: 0 });
      for (const userId of ['b', 'c'])
        expect(await bookingOf(event.id, userId)).toMatchObject({ status: 'pending', expiresAt: inSeconds(600) });
    });

    it('promotes a waiting booking that asked for a hold to pending in auto mode', async () => {
      const event = await createEvent(t.app, { totalTickets: 1, holdTtlSeconds: 300 });
      await book(t.app, event.id, 'a');
      await book(t.app, event.id, 'checkout', { hold: true });
      const { promoted } = await cancel(t.app, event.id, 'a');
      expect(promoted).toMatchObject({ userId: 'checkout', status: 'pending', expiresAt: inSeconds(300) });
      expect((await actions(event.id)).at(-1)).toEqual(['booking.offered', 'checkout', 'admin']);
    });

    it('applies a new waitlistMode and new TTLs to promotions and holds from then on', async () => {
      const event = await createEvent(t.app, { totalTickets: 2, holdTtlSeconds: 600 });
      await book(t.app, event.id, 'a');
      const oldHold = await book(t.app, event.id, 'old-hold', { hold: true });
      await book(t.app, event.id, 'waiter');
      const patched = await send('PATCH', `/api/v1/events/${event.id}`, { waitlistMode: 'offer', offerTtlSeconds: 45, holdTtlSeconds: 30 });
      expect(patched.json()).toMatchObject({ waitlistMode: 'offer', offerTtlSeconds: 45, holdTtlSeconds: 30 });
      expect(await bookingOf(event.id, 'waiter')).toMatchObject({ status: 'waitlisted', position: 1 });
      expect(await bookingOf(event.id, 'old-hold')).toMatchObject({ status: 'pending', expiresAt: oldHold.expiresAt });

      const { promoted } = await cancel(t.app, event.id, 'a');
      expect(promoted).toMatchObject({ userId: 'waiter', status: 'pending', expiresAt: inSeconds(45) });
      await send('PATCH', `/api/v1/events/${event.id}`, { totalTickets: 3 });
      expect(await book(t.app, event.id, 'new-hold', { hold: true })).toMatchObject({ status: 'pending', expiresAt: inSeconds(30) });
    });
  });

  describe('expiry without requests (the sweeper)', () => {
    it('leaves a hold pending until its deadline, then expires it exactly once however often and however many sweep', async () => {
      const event = await createEvent(t.app, { totalTickets: 1, holdTtlSeconds: 20 });
      const held = await book(t.app, event.id, 'lapsing', { hold: true });
      await book(t.app, event.id, 'heir');
      clock.moveTo(Date.parse(held.expiresAt as string) - 1);
      await sweeper.sweep();
      expect(await bookingOf(event.id, 'lapsing')).toMatchObject({ status: 'pending' });

      clock.advance(1);
      const other = new ExpirySweeper(t.service, {
        intervalMs: 1_000,
        eventsPerSweep: 100,
        onError: (error) => {
          throw error;
        },
      });
      await Promise.all([sweeper.sweep(), other.sweep(), t.service.expireDue(event.id)]);
      await sweeper.sweep();
      expect(await bookingOf(event.id, 'lapsing')).toMatchObject({ status: 'expired' });
      expect(await bookingOf(event.id, 'heir')).toMatchObject({ status: 'confirmed' });
      const entries = await actions(event.id);
      expect(entries.filter(([action]) => action === 'booking.expired')).toEqual([['booking.expired', 'lapsing', 'system']]);
      expect(entries.filter(([action]) => action === 'booking.promoted')).toEqual([['booking.promoted', 'heir', 'system']]);
      expect(await getEvent(t.app, event.id)).toMatchObject({ bookedCount: 1, heldCount: 0, availableTickets: 0, waitlistCount: 0 });
      await expectCountsAgree(t.app, event.id);
    });

    it('lapses what is due before any command decides, so a capacity cut counts a lapsed hold as free', async () => {
      const event = await createEvent(t.app, { totalTickets: 4, holdTtlSeconds: 30 });
      await book(t.app, event.id, 'kept', { quantity: 2 });
      const held = await book(t.app, event.id, 'lapsed', { quantity: 2, hold: true });
      clock.moveTo(held.expiresAt as string);
      const cut = await send('PATCH', `/api/v1/events/${event.id}`, { totalTickets: 2 });
      expect(cut.statusCode).toBe(200);
      expect(cut.json()).toMatchObject({ totalTickets: 2, bookedCount: 2, heldCount: 0, availableTickets: 0 });
      expect(await bookingOf(event.id, 'lapsed')).toMatchObject({ status: 'expired' });
    });

    it('expires the lapsed holds of many events in one sweep, releasing each event to its own waiting list', async () => {
      const events = await Promise.all([1, 2, 3].map(() => createEvent(t.app, { totalTickets: 2, holdTtlSeconds: 5 })));
      for (const event of events) {
        await book(t.app, event.id, 'h', { quantity: 2, hold: true });
        await book(t.app, event.id, 'w', { quantity: 2 });
      }
      clock.advance(5_000);
      await sweeper.sweep();
      for (const event of events) {
        expect(await getEvent(t.app, event.id)).toMatchObject({ bookedCount: 2, heldCount: 0, waitlistCount: 0 });
      }
    });
  });
});
