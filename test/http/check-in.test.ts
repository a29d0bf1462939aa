import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { BookingView } from '../../src/domain/booking.js';
import { ENGINES } from '../helpers/engines.js';
import { asAdmin, auditOf, book, bookingsOf, cancel, createEvent, expectCountsAgree, getEvent } from '../helpers/factories.js';
import { type TestApp, createTestApp } from '../helpers/test-app.js';

const TICKET_CODE = /^[0-9A-HJKMNP-TV-Z]{5}(?:-[0-9A-HJKMNP-TV-Z]{5}){4}$/;

describe.each(ENGINES)('ticket codes and check-in on $name', (engine) => {
  let t: TestApp;
  beforeAll(async () => {
    t = await createTestApp(engine);
  });
  afterAll(async () => t.close());

  const send = (method: 'POST' | 'PATCH' | 'GET' | 'DELETE', url: string, payload?: unknown) =>
    t.app.inject({ method, url, headers: asAdmin(), ...(payload === undefined ? {} : { payload: payload as object }) });
  const checkIn = (eventId: string, ticketCode: unknown) => send('POST', `/api/v1/events/${eventId}/check-ins`, { ticketCode });
  const bookingOf = async (eventId: string, userId: string): Promise<BookingView> =>
    (await send('GET', `/api/v1/events/${eventId}/bookings/${userId}`)).json<{ booking: BookingView }>().booking;

  it('gives every confirmed booking a unique code of 25 Crockford symbols in groups of five, and none to pending or waitlisted ones', async () => {
    const event = await createEvent(t.app, { totalTickets: 12 });
    for (let i = 0; i < 10; i++) await book(t.app, event.id, `c-${i}`);
    await book(t.app, event.id, 'held', { quantity: 2, hold: true });
    await book(t.app, event.id, 'waiting');
    const bookings = await bookingsOf(t.app, event.id);
    const confirmed = bookings.filter((booking) => booking.status === 'confirmed');
    expect(confirmed).toHaveLength(10);
    for (const booking of confirmed) expect(booking.ticketCode).toMatch(TICKET_CODE);
    expect(new Set(confirmed.map((booking) => booking.ticketCode)).size).toBe(10);
    expect(bookings.filter((booking) => booking.status !== 'confirmed').map((booking) => [booking.userId, booking.ticketCode])).toEqual(
      expect.arrayContaining([
        ['held', null],
        ['waiting', null],
      ]),
    );

    const { promoted } = await cancel(t.app, event.id, 'c-0');
    expect(promoted).toMatchObject({ userId: 'waiting', status: 'confirmed', ticketCode: expect.stringMatching(TICKET_CODE) });
    await expectCountsAgree(t.app, event.id);
  });

  it('admits a confirmed group once: 200 with checkedInAt, checkedInCount counts its tickets, audit names the admin', async () => {
    const event = await createEvent(t.app, { totalTickets: 5 });
    const group = await book(t.app, event.id, 'group', { quantity: 3 });
    const response = await checkIn(event.id, group.ticketCode);
    expect(response.statusCode).toBe(200);
    const admitted = response.json<{ booking: BookingView }>().booking;
    expect(admitted).toMatchObject({ id: group.id, status: 'confirmed', quantity: 3, checkedInAt: expect.any(String) });
    expect(await getEvent(t.app, event.id)).toMatchObject({ checkedInCount: 3, bookedCount: 3 });
    expect((await auditOf(t.app, event.id)).at(-1)).toMatchObject({
      action: 'booking.checked_in',
      userId: 'group',
      quantity: 3,
      actor: 'admin',
    });

    const again = await checkIn(event.id, group.ticketCode);
    expect(again.statusCode).toBe(409);
    expect(again.json()).toMatchObject({ code: 'ALREADY_CHECKED_IN', booking: { id: group.id, checkedInAt: admitted.checkedInAt } });
    expect((await getEvent(t.app, event.id)).checkedInCount).toBe(3);
    await expectCountsAgree(t.app, event.id);
  });

  it.each([
    ['lower case', (code: string) => code.toLowerCase()],
    ['spaces instead of dashes', (code: string) => code.replaceAll('-', ' ')],
    ['no dashes', (code: string) => code.replaceAll('-', '')],
    ['surrounding spaces', (code: string) => `  ${code}  `],
    ['I, L and O for 1, 1 and 0', (code: string) => code.replace(/1/g, (_, at: number) => (at % 2 ? 'I' : 'l')).replaceAll('0', 'O')],
  ])('reads a code typed in %s', async (_case, typed) => {
    const event = await createEvent(t.app, { totalTickets: 1 });
    const booking = await book(t.app, event.id, 'typist');
    const response = await checkIn(event.id, typed(booking.ticketCode as string));
    expect(response.statusCode).toBe(200);
    expect(response.json().booking).toMatchObject({ id: booking.id, ticketCode: booking.ticketCode });
  });

  it('keeps the code of a cancelled booking and refuses it with 409 TICKET_NOT_VALID', async () => {
    const event = await createEvent(t.app, { totalTickets: 2 });
    const booking = await book(t.app, event.id, 'left');
    await cancel(t.app, event.id, 'left');
    expect(await bookingOf(event.id, 'left')).toMatchObject({ status: 'cancelled', ticketCode: booking.ticketCode });
    const response = await checkIn(event.id, booking.ticketCode);
    expect(response.statusCode).toBe(409);
    expect(response.json()).toMatchObject({
      code: 'TICKET_NOT_VALID',
      booking: { id: booking.id, status: 'cancelled', checkedInAt: null },
    });
    expect((await getEvent(t.app, event.id)).checkedInCount).toBe(0);
  });

  it("answers 404 TICKET_NOT_FOUND for an unknown code, another event's code and a malformed one, changing nothing", async () => {
    const event = await createEvent(t.app, { totalTickets: 2 });
    const other = await createEvent(t.app, { totalTickets: 2 });
    const foreign = await book(t.app, other.id, 'elsewhere');
    await book(t.app, event.id, 'here');
    const before = await getEvent(t.app, event.id);
    for (const code of [foreign.ticketCode, '00000-00000-00000-00000', 'ABCDE-FGHJK', 'UUUUU-UUUUU-UUUUU-UUUUU', 'not a ticket']) {
      const response = await checkIn(event.id, code);
      expect(response.statusCode).toBe(404);
      expect(response.json().code).toBe('TICKET_NOT_FOUND');
    }
    expect(await getEvent(t.app, event.id)).toEqual(before);
    expect(await bookingOf(other.id, 'elsewhere')).toMatchObject({ checkedInAt: null });
  });

  it('still admits a code of 20 symbols, issued before the first five followed the time of issue', async () => {
    const event = await createEvent(t.app, { totalTickets: 1 });
    const booking = await book(t.app, event.id, 'early-bird');
    await t.db.updateTable('bookings').set({ ticket_code: '7K3QD-M2X9P-R4T8V-WB6NC' }).where('id', '=', booking.id).execute();
    const admitted = await checkIn(event.id, '7k3qd m2x9p r4t8v wb6nc');
    expect(admitted.statusCode).toBe(200);
    expect(admitted.json().booking).toMatchObject({ ticketCode: '7K3QD-M2X9P-R4T8V-WB6NC', checkedInAt: expect.any(String) });
  });

  it.each([
    ['an empty code', ''],
    ['a number', 12345],
  ])('refuses %s with 400 VALIDATION_FAILED', async (_case, code) => {
    const event = await createEvent(t.app, { totalTickets: 1 });
    const response = await checkIn(event.id, code);
    expect(response.statusCode).toBe(400);
    expect(response.json().code).toBe('VALIDATION_FAILED');
  });

  it('refuses to cancel a booking that has checked in with 409 ALREADY_CHECKED_IN', async () => {
    const event = await createEvent(t.app, { totalTickets: 1 });
    const booking = await book(t.app, event.id, 'inside');
    await book(t.app, event.id, 'outside');
    await checkIn(event.id, booking.ticketCode);
    const response = await send('DELETE', `/api/v1/events/${event.id}/bookings/inside`);
    expect(response.statusCode).toBe(409);
    expect(response.json()).toMatchObject({ code: 'ALREADY_CHECKED_IN', booking: { userId: 'inside', status: 'confirmed' } });
    expect(await bookingOf(event.id, 'outside')).toMatchObject({ status: 'waitlisted', position: 1 });
  });

  it('answers a repeated scan with the same Idempotency-Key with the first 200, not a 409', async () => {
    const event = await createEvent(t.app, { totalTickets: 1 });
    const booking = await book(t.app, event.id, 'retry');
    const scan = () =>
      t.app.inject({
        method: 'POST',
        url: `/api/v1/events/${event.id}/check-ins`,
        headers: asAdmin({ 'idempotency-key': `scan-${booking.id}` }),
        payload: { ticketCode: booking.ticketCode },
      });
    const first = await scan();
    const again = await scan();
    expect(first.statusCode).toBe(200);
    expect([again.statusCode, again.headers['idempotent-replayed'], again.body]).toEqual([200, 'true', first.body]);
    expect((await getEvent(t.app, event.id)).checkedInCount).toBe(1);
  });

  it('a check-in and a cancel of the same booking at once: exactly one wins, and each answer says which', async () => {
    const event = await createEvent(t.app, { totalTickets: 10 });
    const bookings = await Promise.all(Array.from({ length: 10 }, (_, i) => book(t.app, event.id, `door-${i}`)));
    const rounds = await Promise.all(
      bookings.map((booking) =>
        Promise.all([checkIn(event.id, booking.ticketCode), send('DELETE', `/api/v1/events/${event.id}/bookings/${booking.userId}`)]),
      ),
    );
    for (const [scanned, cancelled] of rounds) {
      if (scanned.statusCode === 200) {
        expect([cancelled.statusCode, cancelled.json().code]).toEqual([409, 'ALREADY_CHECKED_IN']);
      } else {
        expect([scanned.statusCode, scanned.json().code, cancelled.statusCode]).toEqual([409, 'TICKET_NOT_VALID', 200]);
      }
    }
    const admitted = rounds.filter(([scanned]) => scanned.statusCode === 200).length;
    expect(await getEvent(t.app, event.id)).toMatchObject({ checkedInCount: admitted, bookedCount: admitted });
    await expectCountsAgree(t.app, event.id);
  });

  it('admits the booker a hold confirmed, not before', async () => {
    const event = await createEvent(t.app, { totalTickets: 2 });
    await book(t.app, event.id, 'buyer', { quantity: 2, hold: true });
    const confirmed = await send('POST', `/api/v1/events/${event.id}/bookings/buyer/confirm`);
    const { ticketCode } = confirmed.json<{ booking: BookingView }>().booking;
    expect((await checkIn(event.id, ticketCode)).statusCode).toBe(200);
    expect((await getEvent(t.app, event.id)).checkedInCount).toBe(2);
  });

  it('needs staff or admin credentials: anonymous 401', async () => {
    const event = await createEvent(t.app, { totalTickets: 1 });
    const booking = await book(t.app, event.id, 'quiet');
    const response = await t.app.inject({
      method: 'POST',
      url: `/api/v1/events/${event.id}/check-ins`,
      payload: { ticketCode: booking.ticketCode },
    });
    expect(response.statusCode).toBe(401);
    expect(await bookingOf(event.id, 'quiet')).toMatchObject({ checkedInAt: null });
  });
});
