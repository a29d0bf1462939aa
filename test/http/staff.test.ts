import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type SignedInUser, USER_PASSWORD, signUp } from '../helpers/accounts.js';
import { ENGINES } from '../helpers/engines.js';
import { asAdmin, auditOf, book, createEvent, getEvent } from '../helpers/factories.js';
import { type TestApp, createTestApp } from '../helpers/test-app.js';

describe.each(ENGINES)('the staff role on $name', (engine) => {
  let t: TestApp;
  beforeAll(async () => {
    t = await createTestApp(engine);
  });
  afterAll(async () => t.close());

  const setRole = (userId: string, role: unknown, headers: Record<string, string>) =>
    t.app.inject({ method: 'PATCH', url: `/api/v1/users/${userId}`, headers, payload: { role } });
  const signIn = async (userId: string): Promise<Record<string, string>> => {
    const granted = await t.app.inject({ method: 'POST', url: '/api/v1/auth/token', payload: { email: userId, password: USER_PASSWORD } });
    return { authorization: `Bearer ${granted.json().token}` };
  };

  /** A user the admin made staff, signed in again after the change. */
  async function staffMember(): Promise<SignedInUser & { staffHeaders: Record<string, string> }> {
    const user = await signUp(t.app);
    const response = await setRole(user.userId, 'staff', asAdmin());
    expect(response.statusCode).toBe(200);
    expect(response.json().user).toMatchObject({ id: user.userId, role: 'staff' });
    return { ...user, staffHeaders: await signIn(user.userId) };
  }

  it('lets only the admin make a user staff', async () => {
    const user = await signUp(t.app);
    const other = await signUp(t.app);
    const byUser = await setRole(other.userId, 'staff', user.headers);
    expect(byUser.statusCode).toBe(403);
    expect(byUser.json().code).toBe('FORBIDDEN');
    expect((await setRole(other.userId, 'staff', {})).statusCode).toBe(401);
    expect((await setRole(other.userId, 'admin', asAdmin())).statusCode).toBe(400);
    expect((await setRole('nobody@example.com', 'staff', asAdmin())).statusCode).toBe(404);
    const granted = await t.app.inject({
      method: 'POST',
      url: '/api/v1/auth/token',
      payload: { email: other.userId, password: USER_PASSWORD },
    });
    expect(granted.json().role).toBe('user');
  });

  it('lets staff check in at any event, audited as staff:<id>', async () => {
    const staff = await staffMember();
    const event = await createEvent(t.app, { totalTickets: 2 });
    const booking = await book(t.app, event.id, 'guest', { quantity: 2 });
    const response = await t.app.inject({
      method: 'POST',
      url: `/api/v1/events/${event.id}/check-ins`,
      headers: staff.staffHeaders,
      payload: { ticketCode: booking.ticketCode },
    });
    expect(response.statusCode).toBe(200);
    expect(response.json().booking.checkedInAt).toEqual(expect.any(String));
    expect((await getEvent(t.app, event.id)).checkedInCount).toBe(2);
    expect((await auditOf(t.app, event.id)).at(-1)).toMatchObject({ action: 'booking.checked_in', actor: `staff:${staff.userId}` });
  });

  it("lets staff list any event's bookings", async () => {
    const staff = await staffMember();
    const event = await createEvent(t.app, { totalTickets: 1 });
    await book(t.app, event.id, 'a');
    await book(t.app, event.id, 'b');
    const response = await t.app.inject({ method: 'GET', url: `/api/v1/events/${event.id}/bookings`, headers: staff.staffHeaders });
    expect(response.statusCode).toBe(200);
    expect(response.json().bookings.map((booking: { userId: string }) => booking.userId)).toEqual(['a', 'b']);
  });

  it('gives staff nothing else the admin may do', async () => {
    const staff = await staffMember();
    const event = await createEvent(t.app, { totalTickets: 1 });
    const bystander = await signUp(t.app);
    const refused = [
      { method: 'POST', url: '/api/v1/events', payload: { name: 'Staff party', totalTickets: 5 } },
      { method: 'PATCH', url: `/api/v1/events/${event.id}`, payload: { totalTickets: 50 } },
      { method: 'GET', url: `/api/v1/events/${event.id}/audit` },
      { method: 'GET', url: `/api/v1/events/${event.id}/verify` },
      { method: 'PATCH', url: `/api/v1/users/${bystander.userId}`, payload: { role: 'staff' } },
      { method: 'POST', url: `/api/v1/events/${event.id}/bookings`, payload: { userId: bystander.userId } },
      { method: 'POST', url: '/initialize', payload: { name: 'Staff party', totalTickets: 5 } },
    ] as const;
    for (const call of refused) {
      const response = await t.app.inject({ ...call, headers: staff.staffHeaders });
      expect([call.method, call.url, response.statusCode]).toEqual([call.method, call.url, 403]);
    }
    expect(await getEvent(t.app, event.id)).toMatchObject({ totalTickets: 1, bookedCount: 0 });
  });

  it('applies the role to tokens issued after the change only', async () => {
    const user = await signUp(t.app);
    await setRole(user.userId, 'staff', asAdmin());
    const event = await createEvent(t.app, { totalTickets: 1 });
    const booking = await book(t.app, event.id, 'guest');
    const checkIn = (headers: Record<string, string>) =>
      t.app.inject({ method: 'POST', url: `/api/v1/events/${event.id}/check-ins`, headers, payload: { ticketCode: booking.ticketCode } });
    expect((await checkIn(user.headers)).statusCode).toBe(403);
    expect((await checkIn(await signIn(user.userId))).statusCode).toBe(200);

    await setRole(user.userId, 'user', asAdmin());
    const demoted = await signIn(user.userId);
    expect((await t.app.inject({ method: 'GET', url: `/api/v1/events/${event.id}/bookings`, headers: demoted })).statusCode).toBe(403);
  });

  it('refuses door work to a plain user with 403', async () => {
    const user = await signUp(t.app);
    const event = await createEvent(t.app, { totalTickets: 1 });
    const booking = await book(t.app, event.id, user.userId);
    const checkIn = await t.app.inject({
      method: 'POST',
      url: `/api/v1/events/${event.id}/check-ins`,
      headers: user.headers,
      payload: { ticketCode: booking.ticketCode },
    });
    expect(checkIn.statusCode).toBe(403);
    const list = await t.app.inject({ method: 'GET', url: `/api/v1/events/${event.id}/bookings`, headers: user.headers });
    expect(list.statusCode).toBe(403);
    expect((await getEvent(t.app, event.id)).checkedInCount).toBe(0);
  });
});
