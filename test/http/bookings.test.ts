import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ENGINES } from '../helpers/engines.js';
import { asAdmin, book, cancel, createEvent, getEvent, soldOutEvent, uniqueId } from '../helpers/factories.js';
import { type TestApp, createTestApp } from '../helpers/test-app.js';

describe.each(ENGINES)('bookings on $name', (engine) => {
  let t: TestApp;
  beforeAll(async () => {
    t = await createTestApp(engine);
  });
  afterAll(async () => t.close());

  const bookingOf = async (eventId: string, userId: string) =>
    t.app.inject({ method: 'GET', url: `/api/v1/events/${eventId}/bookings/${userId}`, headers: asAdmin() });

  describe('POST /api/v1/events/:eventId/bookings', () => {
    it('confirms while tickets are free, then waitlists at the tail with 1-based positions', async () => {
      const event = await createEvent(t.app, { totalTickets: 2 });
      const bookings = [];
      for (const user of ['u1', 'u2', 'u3', 'u4']) bookings.push(await book(t.app, event.id, user));
      expect(bookings.map((booking) => [booking.status, booking.position])).toEqual([
        ['confirmed', null],
        ['confirmed', null],
        ['waitlisted', 1],
        ['waitlisted', 2],
      ]);
      expect(bookings[0]).toMatchObject({ eventId: event.id, userId: 'u1', cancelledAt: null, confirmedAt: expect.any(String) });
      expect(await getEvent(t.app, event.id)).toMatchObject({ bookedCount: 2, availableTickets: 0, waitlistCount: 2 });
    });

    it('refuses a second active booking with 409 ALREADY_BOOKED carrying the existing booking', async () => {
      const event = await soldOutEvent(t.app, ['a'], ['b']);
      const response = await t.app.inject({
        method: 'POST',
        url: `/api/v1/events/${event.id}/bookings`,
        headers: asAdmin(),
        payload: { userId: 'b' },
      });
      expect(response.statusCode).toBe(409);
      expect(response.json()).toMatchObject({ code: 'ALREADY_BOOKED', booking: { userId: 'b', status: 'waitlisted', position: 1 } });
      expect((await getEvent(t.app, event.id)).waitlistCount).toBe(1);
    });

    it('turns userEmail into a lower-cased user id', async () => {
      const event = await createEvent(t.app);
      const response = await t.app.inject({
        method: 'POST',
        url: `/api/v1/events/${event.id}/bookings`,
        headers: asAdmin(),
        payload: { userEmail: '  Ann.Lee@Example.COM ' },
      });
      expect(response.statusCode).toBe(201);
      expect(response.json().booking.userId).toBe('ann.lee@example.com');
    });

    it.each([
      ['no user', {}],
      ['an empty user id', { userId: '' }],
      ['a user id with spaces', { userId: 'a b' }],
      ['a 129-char user id', { userId: 'u'.repeat(129) }],
      ['an invalid e-mail', { userEmail: 'not-an-email' }],
      ['a user id and an e-mail of different users', { userId: 'x', userEmail: 'y@example.com' }],
      ['a numeric user id', { userId: 42 }],
      ['an unknown field', { userId: 'x', seats: 5 }],
    ])('rejects %s with 400 VALIDATION_FAILED and books nothing', async (_case, payload) => {
      const event = await createEvent(t.app);
      const response = await t.app.inject({
        method: 'POST',
        url: `/api/v1/events/${event.id}/bookings`,
        headers: asAdmin(),
        payload,
      });
      expect(response.statusCode).toBe(400);
      expect(response.json().code).toBe('VALIDATION_FAILED');
      expect((await getEvent(t.app, event.id)).bookedCount).toBe(0);
    });

    it('answers 404 EVENT_NOT_FOUND for an unknown event', async () => {
      const response = await t.app.inject({
        method: 'POST',
        url: `/api/v1/events/${uniqueId('none')}/bookings`,
        headers: asAdmin(),
        payload: { userId: 'a' },
      });
      expect(response.statusCode).toBe(404);
      expect(response.json().code).toBe('EVENT_NOT_FOUND');
    });

    it('needs credentials unless open booking is on', async () => {
      const event = await createEvent(t.app);
      const response = await t.app.inject({
        method: 'POST',
        url: `/api/v1/events/${event.id}/bookings`,
        payload: { userId: 'a' },
      });
      expect(response.statusCode).toBe(401);
      expect(response.headers['www-authenticate']).toBeDefined();
      expect((await getEvent(t.app, event.id)).bookedCount).toBe(0);
    });
  });

  describe('DELETE /api/v1/events/:eventId/bookings/:userId', () => {
    it('promotes the earliest waitlisted booking on cancel, in the same answer', async () => {
      const event = await soldOutEvent(t.app, ['holder'], ['first', 'second']);
      const { booking, promoted } = await cancel(t.app, event.id, 'holder');
      expect(booking).toMatchObject({ userId: 'holder', status: 'cancelled', cancelledAt: expect.any(String), position: null });
      expect(promoted).toMatchObject({ userId: 'first', status: 'confirmed', position: null, confirmedAt: expect.any(String) });
      expect((await bookingOf(event.id, 'second')).json().booking.position).toBe(1);
      expect(await getEvent(t.app, event.id)).toMatchObject({ bookedCount: 1, waitlistCount: 1, availableTickets: 0 });
    });

    it('returns the ticket to availability when nobody waits, with promoted null', async () => {
      const event = await soldOutEvent(t.app, ['only'], []);
      const result = await cancel(t.app, event.id, 'only');
      expect(result.promoted).toBeNull();
      expect(await getEvent(t.app, event.id)).toMatchObject({ bookedCount: 0, availableTickets: 1 });
    });

    it('takes a waitlisted booking off the list and moves the people behind it up', async () => {
      const event = await soldOutEvent(t.app, ['h'], ['w1', 'w2', 'w3']);
      const { booking, promoted } = await cancel(t.app, event.id, 'w2');
      expect(booking.status).toBe('cancelled');
      expect(promoted).toBeNull();
      expect((await bookingOf(event.id, 'w3')).json().booking.position).toBe(2);
      expect(await getEvent(t.app, event.id)).toMatchObject({ bookedCount: 1, waitlistCount: 2 });
    });

    it('answers 404 BOOKING_NOT_FOUND without an active booking, also after a cancel', async () => {
      const event = await soldOutEvent(t.app, ['a'], []);
      await cancel(t.app, event.id, 'a');
      for (const user of ['a', 'never']) {
        const response = await t.app.inject({
          method: 'DELETE',
          url: `/api/v1/events/${event.id}/bookings/${user}`,
          headers: asAdmin(),
        });
        expect(response.statusCode).toBe(404);
        expect(response.json().code).toBe('BOOKING_NOT_FOUND');
      }
    });

    it('lets a user book again after cancelling: a new booking, at the tail when sold out', async () => {
      const event = await soldOutEvent(t.app, ['a'], ['b']);
      const first = await cancel(t.app, event.id, 'a');
      const again = await book(t.app, event.id, 'a');
      expect(again.id).not.toBe(first.booking.id);
      expect(again).toMatchObject({ status: 'waitlisted', position: 1 });
      const latest = (await bookingOf(event.id, 'a')).json().booking;
      expect(latest.id).toBe(again.id);
    });
  });

  describe('GET /api/v1/events/:eventId/bookings/:userId', () => {
    it('shows the latest booking, cancelled ones included', async () => {
      const event = await soldOutEvent(t.app, ['a'], []);
      await cancel(t.app, event.id, 'a');
      const response = await bookingOf(event.id, 'a');
      expect(response.statusCode).toBe(200);
      expect(response.json().booking.status).toBe('cancelled');
    });

    it('answers 404 BOOKING_NOT_FOUND for a user who never booked', async () => {
      const event = await createEvent(t.app);
      const response = await bookingOf(event.id, 'ghost');
      expect(response.statusCode).toBe(404);
      expect(response.json().code).toBe('BOOKING_NOT_FOUND');
    });

    it('is not readable anonymously', async () => {
      const event = await soldOutEvent(t.app, ['a'], []);
      const response = await t.app.inject({ method: 'GET', url: `/api/v1/events/${event.id}/bookings/a` });
      expect(response.statusCode).toBe(401);
    });
  });

  describe('GET /api/v1/events/:eventId/bookings', () => {
    it('lists the waitlist in FIFO order with positions, across pages', async () => {
      const waiters = ['w1', 'w2', 'w3', 'w4', 'w5'];
      const event = await soldOutEvent(t.app, ['h1', 'h2'], waiters);
      await cancel(t.app, event.id, 'w2');
      const seen: Array<{ userId: string; position: number }> = [];
      let cursor: string | null = null;
      do {
        const query: string = `?status=waitlisted&limit=2${cursor ? `&cursor=${cursor}` : ''}`;
        const response = await t.app.inject({ method: 'GET', url: `/api/v1/events/${event.id}/bookings${query}`, headers: asAdmin() });
        expect(response.statusCode).toBe(200);
        seen.push(...response.json().bookings);
        cursor = response.json().nextCursor;
      } while (cursor);
      expect(seen.map((booking) => [booking.userId, booking.position])).toEqual([
        ['w1', 1],
        ['w3', 2],
        ['w4', 3],
        ['w5', 4],
      ]);
    });

    it('lists every booking in acceptance order when no status is given', async () => {
      const event = await soldOutEvent(t.app, ['h'], ['w']);
      await cancel(t.app, event.id, 'h');
      const response = await t.app.inject({ method: 'GET', url: `/api/v1/events/${event.id}/bookings`, headers: asAdmin() });
      expect(response.json().bookings.map((booking: { userId: string; status: string }) => [booking.userId, booking.status])).toEqual([
        ['h', 'cancelled'],
        ['w', 'confirmed'],
      ]);
      expect(response.json().nextCursor).toBeNull();
    });

    it.each(['status=paid', 'limit=500', 'cursor=%%%'])('rejects ?%s with 400', async (query) => {
      const event = await createEvent(t.app);
      const response = await t.app.inject({ method: 'GET', url: `/api/v1/events/${event.id}/bookings?${query}`, headers: asAdmin() });
      expect(response.statusCode).toBe(400);
    });

    it('is for the admin only', async () => {
      const event = await createEvent(t.app);
      const response = await t.app.inject({ method: 'GET', url: `/api/v1/events/${event.id}/bookings` });
      expect(response.statusCode).toBe(401);
    });
  });
});

describe.each(ENGINES)('open booking on $name', (engine) => {
  let t: TestApp;
  beforeAll(async () => {
    t = await createTestApp(engine, { openBooking: true });
  });
  afterAll(async () => t.close());

  it('lets anonymous callers book, read and cancel for a named user, recorded as actor public', async () => {
    const event = await createEvent(t.app, { totalTickets: 1 });
    const booked = await t.app.inject({ method: 'POST', url: `/api/v1/events/${event.id}/bookings`, payload: { userId: 'guest' } });
    expect(booked.statusCode).toBe(201);
    const read = await t.app.inject({ method: 'GET', url: `/api/v1/events/${event.id}/bookings/guest` });
    expect(read.statusCode).toBe(200);
    const cancelled = await t.app.inject({ method: 'DELETE', url: `/api/v1/events/${event.id}/bookings/guest` });
    expect(cancelled.statusCode).toBe(200);
    const audit = await t.app.inject({ method: 'GET', url: `/api/v1/events/${event.id}/audit`, headers: asAdmin() });
    expect(
      audit
        .json()
        .entries.slice(1)
        .map((entry: { actor: string }) => entry.actor),
    ).toEqual(['public', 'public']);
  });

  it('still requires a user id from anonymous callers', async () => {
    const event = await createEvent(t.app);
    const response = await t.app.inject({ method: 'POST', url: `/api/v1/events/${event.id}/bookings`, payload: {} });
    expect(response.statusCode).toBe(400);
    expect(response.json().code).toBe('VALIDATION_FAILED');
  });

  it('still keeps event management for the admin', async () => {
    const response = await t.app.inject({ method: 'POST', url: '/api/v1/events', payload: { name: 'x', totalTickets: 1 } });
    expect(response.statusCode).toBe(401);
  });
});
