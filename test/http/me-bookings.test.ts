import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { signUp } from '../helpers/accounts.js';
import { ENGINES } from '../helpers/engines.js';
import { asAdmin, createEvent } from '../helpers/factories.js';
import { type TestApp, createTestApp } from '../helpers/test-app.js';

describe.each(ENGINES)('GET /api/v1/me/bookings on $name', (engine) => {
  let t: TestApp;
  beforeAll(async () => {
    t = await createTestApp(engine);
  });
  afterAll(async () => t.close());

  it('lists the caller’s bookings across events, newest first, with each event’s name, start and zone, and pages', async () => {
    const me = await signUp(t.app);
    const other = await signUp(t.app);
    const first = await createEvent(t.app, { name: 'First', startsAt: '2027-01-01T19:00:00Z', totalTickets: 1 });
    const second = await createEvent(t.app, { name: 'Second', totalTickets: 1 });
    const third = await createEvent(t.app, { name: 'Third', totalTickets: 1 });
    const book = (eventId: string, headers: Record<string, string>) =>
      t.app.inject({ method: 'POST', url: `/api/v1/events/${eventId}/bookings`, headers, payload: {} });
    expect((await book(first.id, me.headers)).statusCode).toBe(201);
    expect((await book(second.id, other.headers)).statusCode).toBe(201);
    expect((await book(second.id, me.headers)).statusCode).toBe(201);
    expect((await book(third.id, me.headers)).statusCode).toBe(201);
    await t.app.inject({
      method: 'DELETE',
      url: `/api/v1/events/${third.id}/bookings/${encodeURIComponent(me.userId)}`,
      headers: me.headers,
    });

    const page1 = await t.app.inject({ method: 'GET', url: '/api/v1/me/bookings?limit=2', headers: me.headers });
    expect(page1.statusCode).toBe(200);
    const body1 = page1.json<{
      bookings: { eventId: string; status: string; position: number | null; event: unknown }[];
      nextCursor: string;
    }>();
    expect(body1.bookings.map((booking) => [booking.eventId, booking.status])).toEqual([
      [third.id, 'cancelled'],
      [second.id, 'waitlisted'],
    ]);
    expect(body1.bookings[1]).toMatchObject({
      position: 1,
      event: { id: second.id, name: 'Second', startsAt: null, timeZone: expect.any(String) },
    });
    expect(body1.nextCursor).toEqual(expect.any(String));

    const page2 = await t.app.inject({ method: 'GET', url: `/api/v1/me/bookings?limit=2&cursor=${body1.nextCursor}`, headers: me.headers });
    const body2 = page2.json<{ bookings: { eventId: string; event: unknown }[]; nextCursor: string | null }>();
    expect(body2.bookings).toHaveLength(1);
    expect(body2.bookings[0]).toMatchObject({ eventId: first.id, event: { name: 'First', startsAt: '2027-01-01T19:00:00Z' } });
    expect(body2.nextCursor).toBeNull();
  });

  it('answers 401 with WWW-Authenticate without credentials, 400 for a bad limit or cursor, and nothing for the admin', async () => {
    const anonymous = await t.app.inject({ method: 'GET', url: '/api/v1/me/bookings' });
    expect(anonymous.statusCode).toBe(401);
    expect(anonymous.headers['www-authenticate']).toBeDefined();
    const me = await signUp(t.app);
    expect((await t.app.inject({ method: 'GET', url: '/api/v1/me/bookings?limit=0', headers: me.headers })).statusCode).toBe(400);
    expect((await t.app.inject({ method: 'GET', url: '/api/v1/me/bookings?cursor=junk', headers: me.headers })).statusCode).toBe(400);
    const admin = await t.app.inject({ method: 'GET', url: '/api/v1/me/bookings', headers: asAdmin() });
    expect(admin.json()).toEqual({ bookings: [], nextCursor: null });
  });
});
