import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ENGINES } from '../helpers/engines.js';
import { asAdmin, book, createEvent, uniqueId } from '../helpers/factories.js';
import { type TestApp, createTestApp } from '../helpers/test-app.js';

// Input that passes a loose reading of the schemas but that a database refuses or stores differently:
// each is a 400 VALIDATION_FAILED (or a normalised value stored and audited alike), never a 5xx.

const cursorOf = (value: unknown) => Buffer.from(JSON.stringify(value)).toString('base64url');

describe.each(ENGINES)('input at the edge of what $name stores', (engine) => {
  let t: TestApp;
  let eventId: string;
  beforeAll(async () => {
    t = await createTestApp(engine);
    eventId = (await createEvent(t.app, { totalTickets: 3 })).id;
    await book(t.app, eventId, 'edge-holder');
  });
  afterAll(async () => t.close());

  const expectRefused = (response: { statusCode: number; json(): { code: string } }, what: string) => {
    expect(response.statusCode, what).toBe(400);
    expect(response.json().code, what).toBe('VALIDATION_FAILED');
  };

  it.each([
    ['a NUL in the name', { name: 'a\u0000b', totalTickets: 1 }],
    ['a NUL in the venue', { name: 'x', venue: 'Hall\u0000A', totalTickets: 1 }],
    ['a lone high surrogate in the name', { name: 'a\ud800b', totalTickets: 1 }],
    ['a lone low surrogate in the venue', { name: 'x', venue: '\udc00', totalTickets: 1 }],
    ['the 30th of February', { name: 'x', startsAt: '2027-02-30', totalTickets: 1 }],
    ['hour 24', { name: 'x', startsAt: '2027-05-01T24:00:00Z', totalTickets: 1 }],
    ['an offset of 25 hours', { name: 'x', startsAt: '2027-05-01T09:00:00+25:00', totalTickets: 1 }],
  ])('refuses an event with %s', async (_case, payload) => {
    const response = await t.app.inject({ method: 'POST', url: '/api/v1/events', headers: asAdmin(), payload });
    expectRefused(response, JSON.stringify(payload));
  });

  it('refuses a NUL or a lone surrogate in a patch, in a user name, and in a JSON sign-in', async () => {
    const patch = await t.app.inject({
      method: 'PATCH',
      url: `/api/v1/events/${eventId}`,
      headers: asAdmin(),
      payload: { name: 'x\u0000' },
    });
    expectRefused(patch, 'patch');
    const user = { email: `${uniqueId('nul')}@example.com`, password: 'long enough password', name: 'Ann\ud800' };
    expectRefused(await t.app.inject({ method: 'POST', url: '/api/v1/users', payload: user }), 'sign-up');
    const signIn = await t.app.inject({
      method: 'POST',
      url: '/api/v1/auth/token',
      payload: { email: 'a\u0000@example.com', password: 'x' },
    });
    expectRefused(signIn, 'sign-in');
  });

  it('answers a Basic sign-in whose login holds a NUL 401, without asking the database', async () => {
    const authorization = `Basic ${Buffer.from('ann\u0000@example.com:whatever-password').toString('base64')}`;
    const response = await t.app.inject({ method: 'POST', url: '/api/v1/auth/token', headers: { authorization } });
    expect(response.statusCode).toBe(401);
  });

  it('refuses a NUL in a path parameter and in a query string', async () => {
    expectRefused(await t.app.inject({ method: 'GET', url: `/api/v1/events/${eventId}/bookings/a%00b`, headers: asAdmin() }), 'path');
    expectRefused(await t.app.inject({ method: 'GET', url: `/api/v1/events?cursor=a%00b`, headers: asAdmin() }), 'query');
  });

  it('stores a start time with nanoseconds and a compact offset in its normalised form, audited alike', async () => {
    const response = await t.app.inject({
      method: 'POST',
      url: '/api/v1/events',
      headers: asAdmin(),
      payload: { name: 'Precise', startsAt: '2027-05-01T09:00:00.123456789+0530', totalTickets: 1 },
    });
    expect(response.statusCode).toBe(201);
    const event = response.json<{ id: string; startsAt: string }>();
    expect(event.startsAt).toBe('2027-05-01T09:00:00.123+05:30');
    const stored = await t.db.selectFrom('events').select('starts_at').where('id', '=', event.id).executeTakeFirstOrThrow();
    expect(stored.starts_at).toBe(event.startsAt);
    const audit = await t.app.inject({ method: 'GET', url: `/api/v1/events/${event.id}/audit`, headers: asAdmin() });
    expect(audit.json().entries[0].data.startsAt).toBe(event.startsAt);
    const leap = await t.app.inject({
      method: 'PATCH',
      url: `/api/v1/events/${event.id}`,
      headers: asAdmin(),
      payload: { startsAt: '2028-02-29' },
    });
    expect(leap.json().startsAt).toBe('2028-02-29');
  });

  it.each([
    ['an events cursor holding a NUL', '/api/v1/events', cursorOf(['\u0000', 'x'])],
    [
      'an events cursor with a 10,000-character id',
      '/api/v1/events',
      cursorOf(['2026-01-01T00:00:00.000Z', 'x'.repeat(10_000)]).slice(0, 512),
    ],
    ['an events cursor holding numbers', '/api/v1/events', cursorOf([1, 2])],
    ['a bookings cursor beyond a 32-bit integer', 'bookings', cursorOf(2147483648)],
    ['a negative bookings cursor', 'bookings', cursorOf(-1)],
  ])('refuses %s', async (_case, path, cursor) => {
    const url = path === 'bookings' ? `/api/v1/events/${eventId}/bookings` : path;
    expectRefused(await t.app.inject({ method: 'GET', url: `${url}?cursor=${cursor}`, headers: asAdmin() }), String(cursor));
  });

  it.each(['9223372036854775808', '9007199254740992', '-1', '1e3', '0x10', '1.0', ' 1'])('refuses audit?after=%s', async (after) => {
    const response = await t.app.inject({
      method: 'GET',
      url: `/api/v1/events/${eventId}/audit?after=${encodeURIComponent(after)}`,
      headers: asAdmin(),
    });
    expectRefused(response, after);
  });

  it('takes the largest exact after, 2^53-1, and answers an empty page', async () => {
    const response = await t.app.inject({
      method: 'GET',
      url: `/api/v1/events/${eventId}/audit?after=9007199254740991`,
      headers: asAdmin(),
    });
    expect(response.statusCode).toBe(200);
    expect(response.json()).toEqual({ entries: [], next: null });
  });

  it.each(['1e1', '0x10', ' 5', '5.0', '+5', '0', '201', '', '5&limit=6'])('refuses limit=%j', async (limit) => {
    const query = limit.includes('&') ? limit : encodeURIComponent(limit);
    for (const url of ['/api/v1/events', `/api/v1/events/${eventId}/bookings`, `/api/v1/events/${eventId}/audit`]) {
      expectRefused(await t.app.inject({ method: 'GET', url: `${url}?limit=${query}`, headers: asAdmin() }), `${url} ${limit}`);
    }
  });

  it('takes limit as plain decimal digits', async () => {
    const response = await t.app.inject({ method: 'GET', url: `/api/v1/events/${eventId}/bookings?limit=007`, headers: asAdmin() });
    expect(response.statusCode).toBe(200);
  });
});
