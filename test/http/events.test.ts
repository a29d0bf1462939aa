import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ENGINES } from '../helpers/engines.js';
import { asAdmin, book, cancel, createEvent, getEvent, soldOutEvent, uniqueId } from '../helpers/factories.js';
import { type TestApp, createTestApp } from '../helpers/test-app.js';

describe.each(ENGINES)('events on $name', (engine) => {
  let t: TestApp;
  beforeAll(async () => {
    t = await createTestApp(engine);
  });
  afterAll(async () => t.close());

  describe('POST /api/v1/events', () => {
    it('opens an event with every ticket available and answers 201 with the counts', async () => {
      const response = await t.app.inject({
        method: 'POST',
        url: '/api/v1/events',
        headers: asAdmin(),
        payload: { id: 'gala-2026', name: '  Gala  ', venue: 'Hall A', startsAt: '2026-12-31T20:00:00+01:00', totalTickets: 3 },
      });
      expect(response.statusCode).toBe(201);
      expect(response.json()).toMatchObject({
        id: 'gala-2026',
        name: 'Gala',
        venue: 'Hall A',
        startsAt: '2026-12-31T20:00:00+01:00',
        totalTickets: 3,
        salesOpen: true,
        bookedCount: 0,
        availableTickets: 3,
        waitlistCount: 0,
      });
    });

    it('generates an id when the client gives none, and sends absent optional fields as null', async () => {
      const response = await t.app.inject({
        method: 'POST',
        url: '/api/v1/events',
        headers: asAdmin(),
        payload: { name: 'No id', totalTickets: 1 },
      });
      expect(response.statusCode).toBe(201);
      const event = response.json();
      expect(event.id).toMatch(/^[A-Za-z0-9_-]{1,64}$/);
      expect(event.venue).toBeNull();
      expect(event.startsAt).toBeNull();
    });

    it('refuses a taken id with 409 EVENT_EXISTS and keeps the first event', async () => {
      const first = await createEvent(t.app, { name: 'First' });
      const response = await t.app.inject({
        method: 'POST',
        url: '/api/v1/events',
        headers: asAdmin(),
        payload: { id: first.id, name: 'Second', totalTickets: 9 },
      });
      expect(response.statusCode).toBe(409);
      expect(response.json().code).toBe('EVENT_EXISTS');
      expect((await getEvent(t.app, first.id)).name).toBe('First');
    });

    it.each([
      ['negative tickets', { name: 'x', totalTickets: -5 }, '/body/totalTickets'],
      ['zero tickets', { name: 'x', totalTickets: 0 }, '/body/totalTickets'],
      ['more than a million tickets', { name: 'x', totalTickets: 1_000_001 }, '/body/totalTickets'],
      ['fractional tickets', { name: 'x', totalTickets: 2.5 }, '/body/totalTickets'],
      ['tickets as a string', { name: 'x', totalTickets: '5' }, '/body/totalTickets'],
      ['a blank name', { name: '   ', totalTickets: 5 }, '/body/name'],
      ['a 201-char name', { name: 'n'.repeat(201), totalTickets: 5 }, '/body/name'],
      ['an id with a slash', { id: 'a/b', name: 'x', totalTickets: 5 }, '/body/id'],
      ['a 65-char id', { id: 'i'.repeat(65), name: 'x', totalTickets: 5 }, '/body/id'],
      ['a date that is not ISO 8601', { name: 'x', totalTickets: 5, startsAt: 'next friday' }, '/body/startsAt'],
      ['an unknown field', { name: 'x', totalTickets: 5, price: 10 }, '/body/price'],
      ['no name', { totalTickets: 5 }, '/body/name'],
    ])('rejects %s with 400 VALIDATION_FAILED naming the field', async (_case, payload, path) => {
      const response = await t.app.inject({ method: 'POST', url: '/api/v1/events', headers: asAdmin(), payload });
      expect(response.statusCode).toBe(400);
      expect(response.headers['content-type']).toMatch(/^application\/problem\+json/);
      const problem = response.json();
      expect(problem).toMatchObject({ status: 400, code: 'VALIDATION_FAILED', title: expect.any(String) });
      expect(problem.errors.map((error: { path: string }) => error.path)).toContain(path);
    });

    it('needs admin credentials: none is 401 with WWW-Authenticate, a wrong password is 401', async () => {
      const anonymous = await t.app.inject({ method: 'POST', url: '/api/v1/events', payload: { name: 'x', totalTickets: 1 } });
      expect(anonymous.statusCode).toBe(401);
      expect(anonymous.headers['www-authenticate']).toMatch(/Basic realm=/);
      expect(anonymous.json().code).toBe('UNAUTHORIZED');
      const wrong = await t.app.inject({
        method: 'POST',
        url: '/api/v1/events',
        headers: { authorization: `Basic ${Buffer.from('admin:nope').toString('base64')}` },
        payload: { name: 'x', totalTickets: 1 },
      });
      expect(wrong.statusCode).toBe(401);
    });
  });

  describe('GET /api/v1/events', () => {
    it('pages through every event exactly once with nextCursor, null on the last page', async () => {
      const ids = new Set<string>();
      for (let i = 0; i < 5; i++) ids.add((await createEvent(t.app)).id);
      const seen: string[] = [];
      let cursor: string | null = null;
      do {
        const query: string = cursor ? `?limit=2&cursor=${cursor}` : '?limit=2';
        const response = await t.app.inject({ method: 'GET', url: `/api/v1/events${query}` });
        expect(response.statusCode).toBe(200);
        const page = response.json();
        expect(page.events.length).toBeLessThanOrEqual(2);
        seen.push(...page.events.map((event: { id: string }) => event.id));
        cursor = page.nextCursor;
      } while (cursor);
      expect(new Set(seen).size).toBe(seen.length);
      for (const id of ids) expect(seen).toContain(id);
    });

    it.each(['limit=0', 'limit=201', 'limit=abc', 'cursor=not-a-cursor', 'sort=name'])('rejects ?%s with 400', async (query) => {
      const response = await t.app.inject({ method: 'GET', url: `/api/v1/events?${query}` });
      expect(response.statusCode).toBe(400);
      expect(response.json().code).toBe('VALIDATION_FAILED');
    });
  });

  describe('GET /api/v1/events/:eventId', () => {
    it('answers 404 EVENT_NOT_FOUND for an unknown event', async () => {
      const response = await t.app.inject({ method: 'GET', url: '/api/v1/events/nope' });
      expect(response.statusCode).toBe(404);
      expect(response.json().code).toBe('EVENT_NOT_FOUND');
    });

    it('rejects a malformed event id with 400 before any query', async () => {
      const response = await t.app.inject({ method: 'GET', url: `/api/v1/events/${'x'.repeat(65)}` });
      expect(response.statusCode).toBe(400);
    });
  });

  describe('PATCH /api/v1/events/:eventId', () => {
    it('renames, moves and reschedules an event', async () => {
      const event = await createEvent(t.app, { venue: 'Old hall' });
      const response = await t.app.inject({
        method: 'PATCH',
        url: `/api/v1/events/${event.id}`,
        headers: asAdmin(),
        payload: { name: 'Renamed', venue: null, startsAt: '2027-01-01' },
      });
      expect(response.statusCode).toBe(200);
      expect(response.json()).toMatchObject({ name: 'Renamed', venue: null, startsAt: '2027-01-01' });
    });

    it('treats an empty venue as no venue, when opening and when changing an event', async () => {
      const created = await t.app.inject({
        method: 'POST',
        url: '/api/v1/events',
        headers: asAdmin(),
        payload: { name: 'No venue', totalTickets: 1, venue: '  ' },
      });
      expect(created.json().venue).toBeNull();
      const moved = await createEvent(t.app, { venue: 'Somewhere' });
      const cleared = await t.app.inject({
        method: 'PATCH',
        url: `/api/v1/events/${moved.id}`,
        headers: asAdmin(),
        payload: { venue: '' },
      });
      expect(cleared.json().venue).toBeNull();
    });

    it('raising capacity promotes waiters from the head of the list, in order', async () => {
      const event = await soldOutEvent(t.app, ['h1'], ['w1', 'w2', 'w3']);
      const response = await t.app.inject({
        method: 'PATCH',
        url: `/api/v1/events/${event.id}`,
        headers: asAdmin(),
        payload: { totalTickets: 3 },
      });
      expect(response.statusCode).toBe(200);
      expect(response.json()).toMatchObject({ totalTickets: 3, bookedCount: 3, availableTickets: 0, waitlistCount: 1 });
      const statuses = await Promise.all(
        ['w1', 'w2', 'w3'].map(async (user) => {
          const booking = await t.app.inject({ method: 'GET', url: `/api/v1/events/${event.id}/bookings/${user}`, headers: asAdmin() });
          return booking.json().booking;
        }),
      );
      expect(statuses.map((booking) => booking.status)).toEqual(['confirmed', 'confirmed', 'waitlisted']);
      expect(statuses[2].position).toBe(1);
    });

    it('lowering capacity below the booked count is 409 CAPACITY_BELOW_BOOKED and changes nothing', async () => {
      const event = await soldOutEvent(t.app, ['a', 'b'], []);
      const response = await t.app.inject({
        method: 'PATCH',
        url: `/api/v1/events/${event.id}`,
        headers: asAdmin(),
        payload: { totalTickets: 1, name: 'Should not stick' },
      });
      expect(response.statusCode).toBe(409);
      expect(response.json().code).toBe('CAPACITY_BELOW_BOOKED');
      expect(await getEvent(t.app, event.id)).toMatchObject({ totalTickets: 2, name: event.name });
    });

    it('closing sales refuses new bookings with 409 SALES_CLOSED but still lets people cancel', async () => {
      const event = await soldOutEvent(t.app, ['holder'], ['waiter']);
      const closed = await t.app.inject({
        method: 'PATCH',
        url: `/api/v1/events/${event.id}`,
        headers: asAdmin(),
        payload: { salesOpen: false },
      });
      expect(closed.json().salesOpen).toBe(false);
      const late = await t.app.inject({
        method: 'POST',
        url: `/api/v1/events/${event.id}/bookings`,
        headers: asAdmin(),
        payload: { userId: 'late' },
      });
      expect(late.statusCode).toBe(409);
      expect(late.json().code).toBe('SALES_CLOSED');
      const { promoted } = await cancel(t.app, event.id, 'holder');
      expect(promoted?.userId).toBe('waiter');
    });

    it.each([
      ['an empty body', {}],
      ['a null name', { name: null }],
      ['salesOpen as a string', { salesOpen: 'false' }],
      ['an unknown field', { capacity: 3 }],
    ])('rejects %s with 400', async (_case, payload) => {
      const event = await createEvent(t.app);
      const response = await t.app.inject({ method: 'PATCH', url: `/api/v1/events/${event.id}`, headers: asAdmin(), payload });
      expect(response.statusCode).toBe(400);
      expect(response.json().code).toBe('VALIDATION_FAILED');
    });

    it('answers 404 for an unknown event', async () => {
      const response = await t.app.inject({
        method: 'PATCH',
        url: `/api/v1/events/${uniqueId('missing')}`,
        headers: asAdmin(),
        payload: { name: 'x' },
      });
      expect(response.statusCode).toBe(404);
      expect(response.json().code).toBe('EVENT_NOT_FOUND');
    });
  });

  describe('GET /api/v1/events/:eventId/audit', () => {
    it('records every change oldest first, with actor and request id, and pages with after/next', async () => {
      const event = await soldOutEvent(t.app, ['a'], ['b']);
      await cancel(t.app, event.id, 'a');
      const all = await t.app.inject({ method: 'GET', url: `/api/v1/events/${event.id}/audit`, headers: asAdmin() });
      expect(all.statusCode).toBe(200);
      const { entries, next } = all.json();
      expect(next).toBeNull();
      expect(entries.map((entry: { action: string }) => entry.action)).toEqual([
        'event.created',
        'booking.confirmed',
        'booking.waitlisted',
        'booking.cancelled',
        'booking.promoted',
      ]);
      expect(entries[4]).toMatchObject({ userId: 'b', actor: 'admin', eventId: event.id });
      expect(entries[3].requestId).toBe(entries[4].requestId);
      const seqs = entries.map((entry: { seq: number }) => entry.seq);
      expect([...seqs].sort((x, y) => x - y)).toEqual(seqs);

      const firstPage = await t.app.inject({ method: 'GET', url: `/api/v1/events/${event.id}/audit?limit=2`, headers: asAdmin() });
      expect(firstPage.json().entries).toHaveLength(2);
      const after = firstPage.json().next;
      expect(after).toBe(seqs[1]);
      const secondPage = await t.app.inject({
        method: 'GET',
        url: `/api/v1/events/${event.id}/audit?after=${after}&limit=200`,
        headers: asAdmin(),
      });
      expect(secondPage.json().entries.map((entry: { seq: number }) => entry.seq)).toEqual(seqs.slice(2));
    });

    it('is for the admin only', async () => {
      const event = await createEvent(t.app);
      const response = await t.app.inject({ method: 'GET', url: `/api/v1/events/${event.id}/audit` });
      expect(response.statusCode).toBe(401);
    });

    it('does not record a change that was refused', async () => {
      const event = await soldOutEvent(t.app, ['a', 'b'], []);
      const lowered = await t.app.inject({
        method: 'PATCH',
        url: `/api/v1/events/${event.id}`,
        headers: asAdmin(),
        payload: { totalTickets: 1, name: 'Refused' },
      });
      expect(lowered.statusCode).toBe(409);
      const twice = await t.app.inject({
        method: 'POST',
        url: `/api/v1/events/${event.id}/bookings`,
        headers: asAdmin(),
        payload: { userId: 'a' },
      });
      expect(twice.statusCode).toBe(409);
      await book(t.app, event.id, 'c');
      const audit = await t.app.inject({ method: 'GET', url: `/api/v1/events/${event.id}/audit`, headers: asAdmin() });
      expect(audit.json().entries.map((entry: { action: string }) => entry.action)).toEqual([
        'event.created',
        'booking.confirmed',
        'booking.confirmed',
        'booking.waitlisted',
      ]);
    });
  });
});
