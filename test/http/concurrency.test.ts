import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { BookingView } from '../../src/domain/booking.js';
import { ENGINES } from '../helpers/engines.js';
import { asAdmin, createEvent, getEvent } from '../helpers/factories.js';
import { type TestApp, createTestApp } from '../helpers/test-app.js';

interface Answer {
  status: number;
  body: { booking?: BookingView; promoted?: BookingView | null; code?: string };
}

describe.each(ENGINES)('concurrent requests over real sockets on $name', (engine) => {
  let t: TestApp;
  let base: string;

  beforeAll(async () => {
    t = await createTestApp(engine);
    base = await t.app.listen({ port: 0, host: '127.0.0.1' });
  });
  afterAll(async () => t.close());

  async function call(method: string, path: string, body?: unknown): Promise<Answer> {
    const response = await fetch(`${base}${path}`, {
      method,
      headers: asAdmin(body === undefined ? {} : { 'content-type': 'application/json' }),
      body: body === undefined ? undefined : JSON.stringify(body),
    });
    return { status: response.status, body: (await response.json()) as Answer['body'] };
  }

  async function waitlistInOrder(eventId: string): Promise<BookingView[]> {
    const response = await t.app.inject({
      method: 'GET',
      url: `/api/v1/events/${eventId}/bookings?status=waitlisted&limit=200`,
      headers: asAdmin(),
    });
    const first: { bookings: BookingView[]; nextCursor: string | null } = response.json();
    const all = [...first.bookings];
    let cursor = first.nextCursor;
    while (cursor) {
      const page = await t.app.inject({
        method: 'GET',
        url: `/api/v1/events/${eventId}/bookings?status=waitlisted&limit=200&cursor=${cursor}`,
        headers: asAdmin(),
      });
      all.push(...page.json().bookings);
      cursor = page.json().nextCursor;
    }
    return all;
  }

  it('500 simultaneous bookings into 60 tickets confirm exactly 60 and queue the rest at 1..440', async () => {
    const event = await createEvent(t.app, { totalTickets: 60 });
    const users = Array.from({ length: 500 }, (_, i) => `fan-${i}`);
    const answers = await Promise.all(users.map((userId) => call('POST', `/api/v1/events/${event.id}/bookings`, { userId })));

    expect(answers.every((answer) => answer.status === 201)).toBe(true);
    const bookings = answers.map((answer) => answer.body.booking as BookingView);
    expect(bookings.filter((booking) => booking.status === 'confirmed')).toHaveLength(60);
    const positions = bookings.flatMap((booking) => (booking.status === 'waitlisted' ? [booking.position] : []));
    expect([...positions].sort((a, b) => (a ?? 0) - (b ?? 0))).toEqual(Array.from({ length: 440 }, (_, i) => i + 1));
    expect(await getEvent(t.app, event.id)).toMatchObject({ bookedCount: 60, availableTickets: 0, waitlistCount: 440 });

    const waitlist = await waitlistInOrder(event.id);
    expect(waitlist.map((booking) => booking.position)).toEqual(Array.from({ length: 440 }, (_, i) => i + 1));
  });

  it('30 simultaneous cancels promote exactly the 30 earliest waiters', async () => {
    const event = await createEvent(t.app, { totalTickets: 40 });
    for (let i = 0; i < 100; i++) {
      expect((await call('POST', `/api/v1/events/${event.id}/bookings`, { userId: `p-${i}` })).status).toBe(201);
    }
    const earliestWaiters = (await waitlistInOrder(event.id)).slice(0, 30).map((booking) => booking.userId);
    expect(earliestWaiters).toEqual(Array.from({ length: 30 }, (_, i) => `p-${40 + i}`));

    const answers = await Promise.all(Array.from({ length: 30 }, (_, i) => call('DELETE', `/api/v1/events/${event.id}/bookings/p-${i}`)));
    expect(answers.every((answer) => answer.status === 200)).toBe(true);
    const promoted = answers.map((answer) => answer.body.promoted?.userId);
    expect(new Set(promoted)).toEqual(new Set(earliestWaiters));
    expect(await getEvent(t.app, event.id)).toMatchObject({ bookedCount: 40, waitlistCount: 30 });
    const rest = await waitlistInOrder(event.id);
    expect(rest.map((booking) => booking.userId)).toEqual(Array.from({ length: 30 }, (_, i) => `p-${70 + i}`));
    expect(rest.map((booking) => booking.position)).toEqual(Array.from({ length: 30 }, (_, i) => i + 1));
  });

  it('the same user booking 20 times at once gets one booking and 19 ALREADY_BOOKED', async () => {
    const event = await createEvent(t.app, { totalTickets: 5 });
    const answers = await Promise.all(
      Array.from({ length: 20 }, () => call('POST', `/api/v1/events/${event.id}/bookings`, { userId: 'eager' })),
    );
    expect(answers.filter((answer) => answer.status === 201)).toHaveLength(1);
    const refused = answers.filter((answer) => answer.status === 409);
    expect(refused).toHaveLength(19);
    expect(refused.every((answer) => answer.body.code === 'ALREADY_BOOKED')).toBe(true);
    expect(await getEvent(t.app, event.id)).toMatchObject({ bookedCount: 1, availableTickets: 4 });
  });

  it('cancels and re-bookings racing on one event never oversell and keep the counts whole', async () => {
    const event = await createEvent(t.app, { totalTickets: 10 });
    for (let i = 0; i < 30; i++) await call('POST', `/api/v1/events/${event.id}/bookings`, { userId: `r-${i}` });
    const answers = await Promise.all(
      Array.from({ length: 30 }, (_, i) =>
        i % 2 === 0
          ? call('DELETE', `/api/v1/events/${event.id}/bookings/r-${i}`)
          : call('POST', `/api/v1/events/${event.id}/bookings`, { userId: `new-${i}` }),
      ),
    );
    expect(answers.every((answer) => answer.status < 300)).toBe(true);
    const after = await getEvent(t.app, event.id);
    expect(after.bookedCount).toBe(10);
    expect(after.waitlistCount).toBe(30 - 15 + 15 - 10);
    const waitlist = await waitlistInOrder(event.id);
    expect(waitlist).toHaveLength(after.waitlistCount);
  });
});
