import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { BookingView } from '../../src/domain/booking.js';
import type { EventView } from '../../src/domain/event.js';
import { ENGINES } from '../helpers/engines.js';
import { asAdmin, auditOf, book, cancel, createEvent, expectCountsAgree, getEvent } from '../helpers/factories.js';
import { type TestApp, createTestApp } from '../helpers/test-app.js';

describe.each(ENGINES)('groups, reduce and capacity on $name', (engine) => {
  let t: TestApp;
  beforeAll(async () => {
    t = await createTestApp(engine);
  });
  afterAll(async () => t.close());

  const send = (method: 'POST' | 'PATCH' | 'GET' | 'DELETE', url: string, payload?: unknown) =>
    t.app.inject({ method, url, headers: asAdmin(), ...(payload === undefined ? {} : { payload: payload as object }) });
  const bookingOf = async (eventId: string, userId: string): Promise<BookingView> =>
    (await send('GET', `/api/v1/events/${eventId}/bookings/${userId}`)).json<{ booking: BookingView }>().booking;
  const reduce = (eventId: string, userId: string, quantity: unknown) =>
    send('PATCH', `/api/v1/events/${eventId}/bookings/${userId}`, { quantity });
  const counts = ({ bookedCount, heldCount, availableTickets, waitlistCount, waitlistTickets }: EventView) => ({
    bookedCount,
    heldCount,
    availableTickets,
    waitlistCount,
    waitlistTickets,
  });

  describe('quantity', () => {
    it('books one ticket when no quantity is given', async () => {
      const event = await createEvent(t.app, { totalTickets: 3 });
      expect(await book(t.app, event.id, 'solo')).toMatchObject({ quantity: 1, hold: false, status: 'confirmed' });
      expect(counts(await getEvent(t.app, event.id))).toEqual({
        bookedCount: 1,
        heldCount: 0,
        availableTickets: 2,
        waitlistCount: 0,
        waitlistTickets: 0,
      });
    });

    it('counts tickets, not bookings, on the event and the short API status', async () => {
      const event = await createEvent(t.app, { totalTickets: 10 });
      await book(t.app, event.id, 'a', { quantity: 3 });
      await book(t.app, event.id, 'b', { quantity: 4 });
      expect(await book(t.app, event.id, 'c', { quantity: 5 })).toMatchObject({ status: 'waitlisted', position: 1, quantity: 5 });
      expect(await book(t.app, event.id, 'd', { quantity: 2 })).toMatchObject({ status: 'waitlisted', position: 2 });
      expect(counts(await getEvent(t.app, event.id))).toEqual({
        bookedCount: 7,
        heldCount: 0,
        availableTickets: 3,
        waitlistCount: 2,
        waitlistTickets: 7,
      });
      const status = await t.app.inject({ method: 'GET', url: `/status/${event.id}` });
      expect(status.json()).toMatchObject({ bookedCount: 7, availableTickets: 3, waitingListCount: 2, waitlistTickets: 7 });
      await expectCountsAgree(t.app, event.id);
    });

    it('waitlists a group whole when it does not fit, never splitting it', async () => {
      const event = await createEvent(t.app, { totalTickets: 4 });
      await book(t.app, event.id, 'a', { quantity: 3 });
      expect(await book(t.app, event.id, 'group', { quantity: 2 })).toMatchObject({ status: 'waitlisted', quantity: 2, position: 1 });
      expect(counts(await getEvent(t.app, event.id))).toMatchObject({ bookedCount: 3, availableTickets: 1, waitlistTickets: 2 });

      const { promoted } = await cancel(t.app, event.id, 'a');
      expect(promoted).toMatchObject({ userId: 'group', quantity: 2, status: 'confirmed' });
      expect(counts(await getEvent(t.app, event.id))).toMatchObject({ bookedCount: 2, availableTickets: 2, waitlistCount: 0 });
    });

    it('lets no later booker take a free ticket while someone waits', async () => {
      const event = await createEvent(t.app, { totalTickets: 4 });
      await book(t.app, event.id, 'a', { quantity: 3 });
      await book(t.app, event.id, 'pair', { quantity: 2 });
      expect(await book(t.app, event.id, 'latecomer')).toMatchObject({ status: 'waitlisted', position: 2 });
      expect((await getEvent(t.app, event.id)).availableTickets).toBe(1);
      const status = await t.app.inject({
        method: 'POST',
        url: '/book',
        headers: asAdmin(),
        payload: { eventId: event.id, userId: 'short' },
      });
      expect(status.json()).toMatchObject({ status: 'waitlisted', booking: { position: 3 } });
    });

    it('lets a head that does not fit hold everyone behind it, then promotes strictly in list order', async () => {
      const event = await createEvent(t.app, { totalTickets: 6 });
      await book(t.app, event.id, 'a', { quantity: 3 });
      await book(t.app, event.id, 'b', { quantity: 2 });
      await book(t.app, event.id, 'four', { quantity: 4 });
      await book(t.app, event.id, 'one', { quantity: 1 });

      const blocked = (await send('DELETE', `/api/v1/events/${event.id}/bookings/b`)).json();
      expect(blocked).toMatchObject({ promoted: null, promotedAll: [] });
      expect(await bookingOf(event.id, 'one')).toMatchObject({ status: 'waitlisted', position: 2 });
      expect(counts(await getEvent(t.app, event.id))).toMatchObject({ availableTickets: 3, waitlistCount: 2, waitlistTickets: 5 });

      const released = (await send('DELETE', `/api/v1/events/${event.id}/bookings/a`)).json();
      expect(released.promoted).toMatchObject({ userId: 'four', status: 'confirmed' });
      expect(released.promotedAll.map((booking: BookingView) => [booking.userId, booking.status])).toEqual([
        ['four', 'confirmed'],
        ['one', 'confirmed'],
      ]);
      expect(counts(await getEvent(t.app, event.id))).toEqual({
        bookedCount: 5,
        heldCount: 0,
        availableTickets: 1,
        waitlistCount: 0,
        waitlistTickets: 0,
      });
      await expectCountsAgree(t.app, event.id);
    });

    it('promotes far down a long list of groups in one release, strictly in order', async () => {
      const event = await createEvent(t.app, { totalTickets: 59, maxPerBooking: 59 });
      await book(t.app, event.id, 'whale', { quantity: 59 });
      const sizes = Array.from({ length: 80 }, (_, i) => 1 + (i % 3));
      for (const [i, quantity] of sizes.entries()) await book(t.app, event.id, `g-${i}`, { quantity });
      const { promotedAll } = (await send('DELETE', `/api/v1/events/${event.id}/bookings/whale`)).json<{ promotedAll: BookingView[] }>();
      // 1+2+3 repeats: 29 groups take 57 tickets; the 30th (3) does not fit into the 2 left and holds back the 31st (1).
      expect(promotedAll.map((booking) => booking.userId)).toEqual(sizes.slice(0, 29).map((_, i) => `g-${i}`));
      expect(counts(await getEvent(t.app, event.id))).toMatchObject({ bookedCount: 57, availableTickets: 2, waitlistCount: 51 });
      expect(await bookingOf(event.id, 'g-29')).toMatchObject({ status: 'waitlisted', position: 1, quantity: 3 });
      expect(await bookingOf(event.id, 'g-30')).toMatchObject({ status: 'waitlisted', position: 2, quantity: 1 });
      await expectCountsAgree(t.app, event.id);
    });

    it.each([
      ['zero', 0],
      ['negative', -2],
      ['fractional', 1.5],
      ['above 100', 101],
      ['a string', '2'],
      ['null', null],
    ])('refuses a %s quantity with 400 VALIDATION_FAILED on both APIs and changes nothing', async (_case, quantity) => {
      const event = await createEvent(t.app, { totalTickets: 200, maxPerBooking: 100 });
      await book(t.app, event.id, 'first');
      const before = await getEvent(t.app, event.id);
      for (const response of [
        await send('POST', `/api/v1/events/${event.id}/bookings`, { userId: 'bad', quantity }),
        await send('POST', '/book', { eventId: event.id, userId: 'bad', quantity }),
      ]) {
        expect(response.statusCode).toBe(400);
        expect(response.json()).toMatchObject({ code: 'VALIDATION_FAILED', errors: [expect.objectContaining({ path: '/body/quantity' })] });
      }
      expect(await getEvent(t.app, event.id)).toEqual(before);
      expect((await send('GET', `/api/v1/events/${event.id}/bookings/bad`)).statusCode).toBe(404);
    });

    it.each([
      ['above maxPerBooking', { totalTickets: 20, maxPerBooking: 4 }, 5],
      ['above totalTickets', { totalTickets: 3, maxPerBooking: 10 }, 4],
      ['of 100 above the default limit of 10', { totalTickets: 500 }, 100],
    ])('refuses a quantity %s with 422 QUANTITY_NOT_ALLOWED and changes nothing', async (_case, settings, quantity) => {
      const event = await createEvent(t.app, settings);
      const response = await send('POST', `/api/v1/events/${event.id}/bookings`, { userId: 'greedy', quantity });
      expect(response.statusCode).toBe(422);
      expect(response.json().code).toBe('QUANTITY_NOT_ALLOWED');
      const short = await send('POST', '/book', { eventId: event.id, userId: 'greedy', quantity });
      expect(short.statusCode).toBe(422);
      expect(await getEvent(t.app, event.id)).toEqual(event);
      expect((await auditOf(t.app, event.id)).map((entry) => entry.action)).toEqual(['event.created']);
    });

    it('allows exactly maxPerBooking tickets in one booking', async () => {
      const event = await createEvent(t.app, { totalTickets: 20, maxPerBooking: 4 });
      expect(await book(t.app, event.id, 'four', { quantity: 4 })).toMatchObject({ status: 'confirmed', quantity: 4 });
    });
  });

  describe('reduce (PATCH …/bookings/:userId)', () => {
    it('lowers a confirmed booking and releases the freed tickets to the head of the list', async () => {
      const event = await createEvent(t.app, { totalTickets: 4 });
      await book(t.app, event.id, 'a', { quantity: 4 });
      await book(t.app, event.id, 'b', { quantity: 2 });
      const response = await reduce(event.id, 'a', 1);
      expect(response.statusCode).toBe(200);
      expect(response.json()).toMatchObject({
        booking: { userId: 'a', quantity: 1, status: 'confirmed' },
        promoted: { userId: 'b', quantity: 2, status: 'confirmed' },
        promotedAll: [{ userId: 'b' }],
      });
      expect(counts(await getEvent(t.app, event.id))).toMatchObject({ bookedCount: 3, availableTickets: 1, waitlistCount: 0 });
      const reduced = (await auditOf(t.app, event.id)).find((entry) => entry.action === 'booking.reduced');
      expect(reduced).toMatchObject({ userId: 'a', quantity: 1, actor: 'admin' });
      await expectCountsAgree(t.app, event.id);
    });

    it('lets a waitlisted booking that reduces keep its place in the list', async () => {
      const event = await createEvent(t.app, { totalTickets: 3 });
      await book(t.app, event.id, 'a', { quantity: 2 });
      await book(t.app, event.id, 'b', { quantity: 3 });
      await book(t.app, event.id, 'c', { quantity: 1 });
      const response = await reduce(event.id, 'b', 2);
      expect(response.json()).toMatchObject({ booking: { status: 'waitlisted', position: 1, quantity: 2 }, promoted: null });
      expect(await bookingOf(event.id, 'c')).toMatchObject({ status: 'waitlisted', position: 2 });
      expect(counts(await getEvent(t.app, event.id))).toMatchObject({ availableTickets: 1, waitlistCount: 2, waitlistTickets: 3 });

      const fits = await reduce(event.id, 'b', 1);
      expect(fits.json().booking).toMatchObject({ userId: 'b', status: 'confirmed', quantity: 1, position: null });
      expect(await bookingOf(event.id, 'c')).toMatchObject({ status: 'waitlisted', position: 1 });
      expect(counts(await getEvent(t.app, event.id))).toMatchObject({ bookedCount: 3, availableTickets: 0, waitlistTickets: 1 });
      await expectCountsAgree(t.app, event.id);
    });

    it.each([
      ['the same', 2, 422, 'QUANTITY_NOT_ALLOWED'],
      ['a larger', 3, 422, 'QUANTITY_NOT_ALLOWED'],
      ['a zero', 0, 400, 'VALIDATION_FAILED'],
      ['a string', '1', 400, 'VALIDATION_FAILED'],
    ])('refuses %s quantity and changes nothing', async (_case, quantity, status, code) => {
      const event = await createEvent(t.app, { totalTickets: 5 });
      await book(t.app, event.id, 'pair', { quantity: 2 });
      const before = await getEvent(t.app, event.id);
      const response = await reduce(event.id, 'pair', quantity);
      expect(response.statusCode).toBe(status);
      expect(response.json().code).toBe(code);
      expect(await getEvent(t.app, event.id)).toEqual(before);
      expect(await bookingOf(event.id, 'pair')).toMatchObject({ quantity: 2, status: 'confirmed' });
    });

    it('answers 404 BOOKING_NOT_FOUND for a user with no active booking', async () => {
      const event = await createEvent(t.app, { totalTickets: 5 });
      await book(t.app, event.id, 'gone', { quantity: 2 });
      await cancel(t.app, event.id, 'gone');
      for (const userId of ['gone', 'never']) {
        const response = await reduce(event.id, userId, 1);
        expect(response.statusCode).toBe(404);
        expect(response.json().code).toBe('BOOKING_NOT_FOUND');
      }
    });
  });

  describe('capacity', () => {
    it('refuses to lower totalTickets below booked plus held tickets with 409 CAPACITY_BELOW_BOOKED', async () => {
      const event = await createEvent(t.app, { totalTickets: 6 });
      await book(t.app, event.id, 'a', { quantity: 2 });
      await book(t.app, event.id, 'h', { quantity: 2, hold: true });
      const before = await getEvent(t.app, event.id);
      const refused = await send('PATCH', `/api/v1/events/${event.id}`, { totalTickets: 3 });
      expect(refused.statusCode).toBe(409);
      expect(refused.json().code).toBe('CAPACITY_BELOW_BOOKED');
      expect(await getEvent(t.app, event.id)).toEqual(before);

      const lowered = await send('PATCH', `/api/v1/events/${event.id}`, { totalTickets: 4 });
      expect(lowered.json()).toMatchObject({ totalTickets: 4, bookedCount: 2, heldCount: 2, availableTickets: 0 });
    });

    it('promotes from the head when capacity is raised, a group only once it fits', async () => {
      const event = await createEvent(t.app, { totalTickets: 2 });
      await book(t.app, event.id, 'a', { quantity: 2 });
      await book(t.app, event.id, 'pair', { quantity: 2 });
      await book(t.app, event.id, 'one');
      const raise = async (totalTickets: number) => (await send('PATCH', `/api/v1/events/${event.id}`, { totalTickets })).json<EventView>();

      expect(await raise(3)).toMatchObject({ availableTickets: 1, waitlistCount: 2 });
      expect(await bookingOf(event.id, 'one')).toMatchObject({ status: 'waitlisted', position: 2 });
      expect(await raise(4)).toMatchObject({ bookedCount: 4, availableTickets: 0, waitlistCount: 1 });
      expect(await bookingOf(event.id, 'pair')).toMatchObject({ status: 'confirmed' });
      expect(await raise(5)).toMatchObject({ bookedCount: 5, waitlistCount: 0 });
      const promotions = (await auditOf(t.app, event.id)).filter((entry) => entry.action === 'booking.promoted');
      expect(promotions.map((entry) => entry.userId)).toEqual(['pair', 'one']);
      await expectCountsAgree(t.app, event.id);
    });

    it.each([
      ['maxPerBooking 0', { maxPerBooking: 0 }],
      ['maxPerBooking 101', { maxPerBooking: 101 }],
      ['maxPerBooking 2.5', { maxPerBooking: 2.5 }],
      ['an unknown waitlistMode', { waitlistMode: 'lottery' }],
      ['offerTtlSeconds 0', { offerTtlSeconds: 0 }],
      ['offerTtlSeconds above 30 days', { offerTtlSeconds: 2_592_001 }],
      ['holdTtlSeconds 0', { holdTtlSeconds: 0 }],
      ['holdTtlSeconds above a day', { holdTtlSeconds: 86_401 }],
      ['holdTtlSeconds as a string', { holdTtlSeconds: '60' }],
    ])('refuses %s with 400 VALIDATION_FAILED, on create and on PATCH', async (_case, settings) => {
      const created = await send('POST', '/api/v1/events', { name: 'Bad settings', totalTickets: 5, ...settings });
      expect(created.statusCode).toBe(400);
      expect(created.json().code).toBe('VALIDATION_FAILED');
      const event = await createEvent(t.app, { totalTickets: 5 });
      const patched = await send('PATCH', `/api/v1/events/${event.id}`, settings);
      expect(patched.statusCode).toBe(400);
      expect(patched.json().code).toBe('VALIDATION_FAILED');
      expect(await getEvent(t.app, event.id)).toEqual(event);
    });

    it('applies a new maxPerBooking to bookings from then on, leaving existing ones as they are', async () => {
      const event = await createEvent(t.app, { totalTickets: 20 });
      await book(t.app, event.id, 'early', { quantity: 5 });
      const patched = await send('PATCH', `/api/v1/events/${event.id}`, { maxPerBooking: 2 });
      expect(patched.json()).toMatchObject({ maxPerBooking: 2 });
      expect((await send('POST', `/api/v1/events/${event.id}/bookings`, { userId: 'late', quantity: 3 })).statusCode).toBe(422);
      expect(await book(t.app, event.id, 'late', { quantity: 2 })).toMatchObject({ status: 'confirmed' });
      expect(await bookingOf(event.id, 'early')).toMatchObject({ quantity: 5, status: 'confirmed' });
    });
  });
});
