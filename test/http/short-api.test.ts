import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ENGINES } from '../helpers/engines.js';
import { asAdmin, uniqueId } from '../helpers/factories.js';
import { type TestApp, createTestApp } from '../helpers/test-app.js';

describe.each(ENGINES)('the short API on $name', (engine) => {
  let t: TestApp;
  beforeAll(async () => {
    t = await createTestApp(engine);
  });
  afterAll(async () => t.close());

  const post = (url: string, payload: unknown) => t.app.inject({ method: 'POST', url, headers: asAdmin(), payload: payload as object });

  it.each([
    ['name and totalTickets', { name: 'A', totalTickets: 2 }],
    ['eventName and tickets', { eventName: 'A', tickets: 2 }],
    ['title, eventId, venue and date', { title: 'A', tickets: 2, eventId: 'short-title', venue: 'Club', date: '2027-03-01' }],
  ])('POST /initialize accepts %s and answers 201 with the event', async (_case, payload) => {
    const response = await post('/initialize', payload);
    expect(response.statusCode).toBe(201);
    expect(response.json()).toMatchObject({ name: 'A', totalTickets: 2, availableTickets: 2, bookedCount: 0, waitlistCount: 0 });
  });

  it.each([
    ['no name', { totalTickets: 2 }],
    ['two names', { name: 'A', title: 'B', totalTickets: 2 }],
    ['no ticket count', { name: 'A' }],
    ['-5 tickets', { name: 'A', tickets: -5 }],
    ['an empty body', {}],
  ])('POST /initialize rejects %s with 400', async (_case, payload) => {
    const response = await post('/initialize', payload);
    expect(response.statusCode).toBe(400);
    expect(response.json().code).toBe('VALIDATION_FAILED');
  });

  it('books, waitlists, cancels with promotion and reports status through the four calls', async () => {
    const eventId = uniqueId('short');
    expect((await post('/initialize', { eventId, name: 'Short', totalTickets: 1 })).statusCode).toBe(201);

    const first = await post('/book', { eventId, userId: 'alice' });
    expect(first.statusCode).toBe(201);
    expect(first.json()).toMatchObject({ status: 'booked', booking: { userId: 'alice', status: 'confirmed' } });

    const second = await post('/book', { eventId, userEmail: 'Bob@Example.com' });
    expect(second.json()).toMatchObject({ status: 'waitlisted', booking: { userId: 'bob@example.com', position: 1 } });

    const again = await post('/book', { eventId, userId: 'alice' });
    expect(again.statusCode).toBe(409);
    expect(again.json().code).toBe('ALREADY_BOOKED');

    const status = await t.app.inject({ method: 'GET', url: `/status/${eventId}` });
    expect(status.json()).toEqual({
      eventId,
      name: 'Short',
      totalTickets: 1,
      availableTickets: 0,
      bookedCount: 1,
      heldCount: 0,
      waitingListCount: 1,
      waitlistTickets: 1,
    });

    const cancelled = await post('/cancel', { eventId, userId: 'alice' });
    expect(cancelled.statusCode).toBe(200);
    expect(cancelled.json()).toMatchObject({
      booking: { userId: 'alice', status: 'cancelled' },
      promoted: { userId: 'bob@example.com', status: 'confirmed' },
    });

    const bob = await t.app.inject({ method: 'GET', url: `/status/${eventId}/bob@example.com`, headers: asAdmin() });
    expect(bob.json().booking).toMatchObject({ status: 'confirmed', position: null });

    const none = await post('/cancel', { eventId, userId: 'alice' });
    expect(none.statusCode).toBe(404);
    expect(none.json().code).toBe('BOOKING_NOT_FOUND');
  });

  it('answers 404 EVENT_NOT_FOUND for the status of an unknown event', async () => {
    const response = await t.app.inject({ method: 'GET', url: `/status/${uniqueId('none')}` });
    expect(response.statusCode).toBe(404);
    expect(response.json().code).toBe('EVENT_NOT_FOUND');
  });

  it.each([
    ['/book', { userId: 'a' }],
    ['/book', { eventId: 'bad id!', userId: 'a' }],
    ['/cancel', { eventId: 'x' }],
  ])('%s rejects %j with 400', async (url, payload) => {
    const response = await post(url, payload);
    expect(response.statusCode).toBe(400);
    expect(response.json().code).toBe('VALIDATION_FAILED');
  });
});
