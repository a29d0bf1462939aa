import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { BookingView } from '../../src/domain/booking.js';
import type { EventView } from '../../src/domain/event.js';
import { ENGINES } from '../helpers/engines.js';
import { asAdmin, auditOf, book, createEvent, expectCountsAgree, getEvent } from '../helpers/factories.js';
import { type TestApp, createTestApp } from '../helpers/test-app.js';

interface Answer<T> {
  status: number;
  text: string;
  body: T;
  replayed: string | null;
}

const pause = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

interface Release {
  booking: BookingView;
  promoted: BookingView | null;
  promotedAll: BookingView[];
  code?: string;
}

// Rule 10: commands that share one transaction each get the booking as their own command left it.
describe.each(ENGINES)('each answer describes what its own command did, on $name', (engine) => {
  let t: TestApp;
  let base: string;
  beforeAll(async () => {
    t = await createTestApp(engine);
    base = await t.app.listen({ port: 0, host: '127.0.0.1' });
  });
  afterAll(async () => t.close());

  async function call<T>(method: string, path: string, body?: unknown, key?: string, requestId?: string): Promise<Answer<T>> {
    const headers = asAdmin({
      ...(body === undefined ? {} : { 'content-type': 'application/json' }),
      ...(key === undefined ? {} : { 'idempotency-key': key }),
      ...(requestId === undefined ? {} : { 'x-request-id': requestId }),
    });
    const response = await fetch(`${base}${path}`, { method, headers, body: body === undefined ? undefined : JSON.stringify(body) });
    const text = await response.text();
    return { status: response.status, text, body: JSON.parse(text) as T, replayed: response.headers.get('idempotent-replayed') };
  }

  type Request = [method: string, path: string, body?: unknown];

  /** Waits until the service holds this many commands, so the next request cannot overtake one still on its way. */
  async function untilInFlight(count: number): Promise<void> {
    for (let waited = 0; t.service.commandsInFlight < count; waited += 5) {
      if (waited > 10_000) throw new Error(`${t.service.commandsInFlight} commands reached the service, not ${count}`);
      await pause(5);
    }
  }

  /**
   * Sends the requests one after another while a transaction holds the event's lock, as a slow batch would,
   * each once the one before reached the service, so all but the first queue and share the next transaction;
   * then lets go and collects the answers.
   */
  async function queuedBehindSlowTransaction(eventId: string, requests: readonly Request[], keyed: boolean) {
    let release = () => {};
    const gate = new Promise<void>((resolve) => {
      release = resolve;
    });
    const slow = t.store.transaction(async (tx) => {
      await tx.lockEvent(eventId);
      await gate;
    });
    const sent: Promise<Answer<Record<string, unknown>>>[] = [];
    const tags = requests.map((_, i) => `queued-${eventId}-${i}`);
    for (const [i, [method, path, body]] of requests.entries()) {
      sent.push(call(method, path, body, keyed ? tags[i] : undefined, tags[i]));
      await untilInFlight(i + 1);
    }
    release();
    await slow;
    const answers = await Promise.all(sent);
    const replay = () => Promise.all(requests.map(([method, path, body], i) => call(method, path, body, tags[i])));
    return { answers, tags, replay };
  }

  const queuedRequests = (eventId: string): Request[] => [
    ['POST', `/api/v1/events/${eventId}/bookings`, { userId: 'blocker' }],
    ['POST', `/api/v1/events/${eventId}/bookings`, { userId: 'u' }],
    ['POST', `/api/v1/events/${eventId}/bookings`, { userId: 'w' }],
    ['DELETE', `/api/v1/events/${eventId}/bookings/u`],
    ['DELETE', `/api/v1/events/${eventId}/bookings/w`],
    ['PATCH', `/api/v1/events/${eventId}`, { totalTickets: 5 }],
    ['PATCH', `/api/v1/events/${eventId}`, { name: 'Renamed' }],
  ];

  it('commands queued behind one transaction share the next one, and each answer shows its own step', async () => {
    const event = await createEvent(t.app, { totalTickets: 3, name: 'Queued' });
    await book(t.app, event.id, 'holder');
    const { answers } = await queuedBehindSlowTransaction(event.id, queuedRequests(event.id), false);
    const [blocker, bookU, bookW, cancelU, cancelW, raise, rename] = answers.map((answer) => answer.body);

    expect(blocker).toMatchObject({ booking: { userId: 'blocker', status: 'confirmed' } });
    expect(bookU).toMatchObject({ booking: { userId: 'u', status: 'confirmed', cancelledAt: null } });
    expect(bookW).toMatchObject({ booking: { userId: 'w', status: 'waitlisted', position: 1, confirmedAt: null } });
    expect(cancelU).toMatchObject({
      booking: { userId: 'u', status: 'cancelled' },
      promoted: { userId: 'w', status: 'confirmed', cancelledAt: null },
    });
    expect(cancelW).toMatchObject({ booking: { userId: 'w', status: 'cancelled', confirmedAt: expect.any(String) }, promoted: null });
    expect(raise).toMatchObject({ name: 'Queued', totalTickets: 5, bookedCount: 2, availableTickets: 3, waitlistCount: 0 });
    expect(rename).toMatchObject({ name: 'Renamed', totalTickets: 5 });

    // One transaction: every change after the blocker's carries the same instant.
    const log = (await auditOf(t.app, event.id)).slice(3);
    expect(log.map((entry) => [entry.action, entry.userId])).toEqual([
      ['booking.confirmed', 'u'],
      ['booking.waitlisted', 'w'],
      ['booking.cancelled', 'u'],
      ['booking.promoted', 'w'],
      ['booking.cancelled', 'w'],
      ['event.updated', null],
      ['event.updated', null],
    ]);
    expect(new Set(log.map((entry) => entry.at)).size).toBe(1);
    await expectCountsAgree(t.app, event.id);
  });

  // SQLite has one connection: claiming a key would wait for the held transaction too, so nothing would queue.
  it.skipIf(engine.name === 'sqlite')(
    'with Idempotency-Keys, commands sharing one transaction each keep and replay the answer their own audit entries describe',
    async () => {
      const event = await createEvent(t.app, { totalTickets: 3, name: 'Queued' });
      await book(t.app, event.id, 'holder');
      const { answers, tags, replay } = await queuedBehindSlowTransaction(event.id, queuedRequests(event.id), true);
      const log = await auditOf(t.app, event.id);
      const written = (i: number) => log.filter((entry) => entry.requestId === tags[i]);
      expect(new Set(log.slice(3).map((entry) => entry.at)).size).toBe(1);

      const bookedAs: Record<string, string> = { 'booking.confirmed': 'confirmed', 'booking.waitlisted': 'waitlisted' };
      for (const i of [1, 2]) {
        const [entry] = written(i);
        expect(answers[i]?.body).toMatchObject({ booking: { userId: entry?.userId, status: bookedAs[entry?.action ?? ''] } });
      }
      for (const i of [3, 4]) {
        const answer = answers[i]?.body as unknown as Release;
        const promotedHere = written(i)
          .filter((entry) => entry.action === 'booking.promoted')
          .map((entry) => entry.userId);
        expect(answer.booking.status).toBe('cancelled');
        expect(answer.promotedAll.map((booking) => [booking.userId, booking.status])).toEqual(
          promotedHere.map((userId) => [userId, 'confirmed']),
        );
      }
      expect(answers[5]?.body).toMatchObject({ totalTickets: 5 });
      expect(answers[6]?.body).toMatchObject({ name: 'Renamed' });

      const replays = await replay();
      replays.forEach((again, i) => {
        expect([again.status, again.replayed, again.text]).toEqual([answers[i]?.status, 'true', answers[i]?.text]);
      });
    },
  );

  it('a book and a cancel by the same user at once: the book answers confirmed, the cancel cancelled or 404, the store agrees', async () => {
    const event = await createEvent(t.app, { totalTickets: 50 });
    const users = Array.from({ length: 25 }, (_, i) => `racer-${i}`);
    const rounds = await Promise.all(
      users.map((userId) =>
        Promise.all([
          call<{ booking: BookingView }>('POST', `/api/v1/events/${event.id}/bookings`, { userId }),
          call<Release>('DELETE', `/api/v1/events/${event.id}/bookings/${userId}`),
        ]),
      ),
    );
    for (const [booked, cancelled] of rounds) {
      expect(booked.status).toBe(201);
      expect(booked.body.booking).toMatchObject({ status: 'confirmed', cancelledAt: null });
      if (cancelled.status === 200) {
        expect(cancelled.body.booking).toMatchObject({ id: booked.body.booking.id, status: 'cancelled' });
      } else {
        expect([cancelled.status, cancelled.body.code]).toEqual([404, 'BOOKING_NOT_FOUND']);
      }
    }
    const stillBooked = rounds.filter(([, cancelled]) => cancelled.status === 404).length;
    expect(await getEvent(t.app, event.id)).toMatchObject({ bookedCount: stillBooked, availableTickets: 50 - stillBooked });
    await expectCountsAgree(t.app, event.id);
  });

  it('a cancel and the cancel of the user it promotes, at once: each answer shows its own step', async () => {
    const events = await Promise.all(Array.from({ length: 12 }, () => createEvent(t.app, { totalTickets: 1 })));
    for (const event of events) {
      await book(t.app, event.id, 'holder');
      await book(t.app, event.id, 'heir');
    }
    const rounds = await Promise.all(
      events.map((event) =>
        Promise.all([
          call<Release>('DELETE', `/api/v1/events/${event.id}/bookings/holder`),
          call<Release>('DELETE', `/api/v1/events/${event.id}/bookings/heir`),
        ]),
      ),
    );
    for (const [holder, heir] of rounds) {
      expect([holder.status, heir.status]).toEqual([200, 200]);
      expect(holder.body.booking).toMatchObject({ userId: 'holder', status: 'cancelled' });
      expect(heir.body.booking).toMatchObject({ userId: 'heir', status: 'cancelled', position: null });
      if (holder.body.promoted) {
        expect(holder.body.promoted).toMatchObject({ userId: 'heir', status: 'confirmed', cancelledAt: null });
        expect(holder.body.promotedAll).toHaveLength(1);
        expect(heir.body.booking.confirmedAt).toEqual(expect.any(String));
      } else {
        expect(holder.body.promotedAll).toEqual([]);
        expect(heir.body.booking.confirmedAt).toBeNull();
      }
      expect(heir.body.promoted).toBeNull();
    }
    for (const event of events) {
      expect(await getEvent(t.app, event.id)).toMatchObject({ bookedCount: 0, availableTickets: 1, waitlistCount: 0 });
    }
  });

  it('concurrent PATCHes of one event: each answer shows the event as its own change left it', async () => {
    const event = await createEvent(t.app, { totalTickets: 1 });
    for (let i = 0; i < 12; i++) await book(t.app, event.id, `fan-${i}`);
    const capacities = [7, 3, 11, 5, 9, 2, 10, 4, 8, 6];
    const answers = await Promise.all(
      capacities.map((totalTickets) =>
        call<EventView & { code?: string }>('PATCH', `/api/v1/events/${event.id}`, { totalTickets, name: `Capacity ${totalTickets}` }),
      ),
    );
    const applied: number[] = [];
    answers.forEach((answer, i) => {
      const totalTickets = capacities[i] as number;
      if (answer.status === 409) {
        expect(answer.body.code).toBe('CAPACITY_BELOW_BOOKED');
        return;
      }
      expect(answer.status).toBe(200);
      // Capacity is only ever lowered to what is booked, so every change left exactly its own capacity booked.
      expect(answer.body).toMatchObject({
        name: `Capacity ${totalTickets}`,
        totalTickets,
        bookedCount: totalTickets,
        availableTickets: 0,
        waitlistCount: 12 - totalTickets,
      });
      applied.push(totalTickets);
    });
    expect(applied).toContain(11);
    expect(await getEvent(t.app, event.id)).toMatchObject({ totalTickets: 11, bookedCount: 11, waitlistCount: 1 });
    const updates = (await auditOf(t.app, event.id)).filter((entry) => entry.action === 'event.updated');
    expect(updates).toHaveLength(applied.length);
    await expectCountsAgree(t.app, event.id);
  });

  it('with an Idempotency-Key, a replay of each racing command returns its own first answer, byte for byte', async () => {
    const event = await createEvent(t.app, { totalTickets: 1 });
    await book(t.app, event.id, 'holder');
    const requests = [
      ['POST', `/api/v1/events/${event.id}/bookings`, { userId: 'late' }, 'key-book-late'],
      ['DELETE', `/api/v1/events/${event.id}/bookings/holder`, undefined, 'key-cancel-holder'],
      ['POST', `/api/v1/events/${event.id}/bookings`, { userId: 'later', quantity: 1 }, 'key-book-later'],
      ['PATCH', `/api/v1/events/${event.id}`, { totalTickets: 3 }, 'key-raise'],
    ] as const;
    const first = await Promise.all(requests.map(([method, path, body, key]) => call<unknown>(method, path, body, key)));
    expect(first.map((answer) => answer.status)).toEqual([201, 200, 201, 200]);
    const before = await getEvent(t.app, event.id);

    const replays = await Promise.all(requests.map(([method, path, body, key]) => call<unknown>(method, path, body, key)));
    replays.forEach((replay, i) => {
      const original = first[i] as Answer<unknown>;
      expect([replay.status, replay.replayed]).toEqual([original.status, 'true']);
      expect(replay.text).toBe(original.text);
    });
    expect(await getEvent(t.app, event.id)).toEqual(before);
    const booked = first[0] as Answer<{ booking: BookingView }>;
    expect(booked.body.booking.userId).toBe('late');
    expect(['confirmed', 'waitlisted']).toContain(booked.body.booking.status);
  });
});
