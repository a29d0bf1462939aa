import { createHash } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ENGINES } from '../helpers/engines.js';
import { signUp } from '../helpers/accounts.js';
import { asAdmin, createEvent, getEvent, uniqueId } from '../helpers/factories.js';
import { type TestApp, createTestApp } from '../helpers/test-app.js';

describe.each(ENGINES)('Idempotency-Key on $name', (engine) => {
  let t: TestApp;
  beforeAll(async () => {
    t = await createTestApp(engine);
  });
  afterAll(async () => t.close());

  const withKey = (key: string, headers: Record<string, string> = asAdmin()) => ({ ...headers, 'idempotency-key': key });

  it.each([
    ['a booking', 'POST', (id: string) => `/api/v1/events/${id}/bookings`, { userId: 'retry' }, 201],
    ['a short-API booking', 'POST', () => '/book', (id: string) => ({ eventId: id, userId: 'retry' }), 201],
    ['a capacity change', 'PATCH', (id: string) => `/api/v1/events/${id}`, { totalTickets: 7 }, 200],
  ] as const)('replays the first answer to %s byte for byte and changes nothing more', async (_case, method, url, body, status) => {
    const event = await createEvent(t.app, { totalTickets: 3 });
    const key = uniqueId('key');
    const payload = typeof body === 'function' ? body(event.id) : body;
    const first = await t.app.inject({ method, url: url(event.id), headers: withKey(key), payload });
    const again = await t.app.inject({ method, url: url(event.id), headers: withKey(key), payload });
    expect(first.statusCode).toBe(status);
    expect(first.headers['idempotent-replayed']).toBeUndefined();
    expect(again.statusCode).toBe(status);
    expect(again.headers['idempotent-replayed']).toBe('true');
    expect(again.body).toBe(first.body);
    const audit = await t.app.inject({ method: 'GET', url: `/api/v1/events/${event.id}/audit`, headers: asAdmin() });
    expect(audit.json().entries).toHaveLength(2);
  });

  it('replays a cancellation and an event creation', async () => {
    const event = await createEvent(t.app, { totalTickets: 1 });
    await t.app.inject({ method: 'POST', url: `/api/v1/events/${event.id}/bookings`, headers: asAdmin(), payload: { userId: 'c' } });
    const key = uniqueId('cancel');
    const url = `/api/v1/events/${event.id}/bookings/c`;
    const first = await t.app.inject({ method: 'DELETE', url, headers: withKey(key) });
    const again = await t.app.inject({ method: 'DELETE', url, headers: withKey(key) });
    expect([first.statusCode, again.statusCode]).toEqual([200, 200]);
    expect(again.body).toBe(first.body);

    const createKey = uniqueId('create');
    const create = () =>
      t.app.inject({ method: 'POST', url: '/api/v1/events', headers: withKey(createKey), payload: { name: 'Once', totalTickets: 2 } });
    const [made, remade] = [await create(), await create()];
    expect([made.statusCode, remade.statusCode]).toEqual([201, 201]);
    expect(remade.body).toBe(made.body);
  });

  it('keeps the answers of the admin’s other writes with their change: a role, a webhook, its deletion and a test send', async () => {
    const user = await signUp(t.app, uniqueId('role'));
    const twice = async (method: 'POST' | 'PATCH' | 'DELETE', url: string, payload?: object) => {
      const key = uniqueId('admin-write');
      const first = await t.app.inject({ method, url, headers: withKey(key), ...(payload ? { payload } : {}) });
      const again = await t.app.inject({ method, url, headers: withKey(key), ...(payload ? { payload } : {}) });
      expect(first.statusCode).toBeLessThan(300);
      expect(again.headers['idempotent-replayed']).toBe('true');
      expect(again.body).toBe(first.body);
      return first.json();
    };
    expect((await twice('PATCH', `/api/v1/users/${user.userId}`, { role: 'staff' })).user.role).toBe('staff');

    const before = (await t.app.inject({ method: 'GET', url: '/api/v1/webhooks', headers: asAdmin() })).json().webhooks.length;
    const { webhook, secret } = await twice('POST', '/api/v1/webhooks', { url: 'http://127.0.0.1:9/hooks' });
    expect(secret).toMatch(/^whsec_/);
    const after = (await t.app.inject({ method: 'GET', url: '/api/v1/webhooks', headers: asAdmin() })).json().webhooks;
    expect(after).toHaveLength(before + 1);
    expect((await twice('POST', `/api/v1/webhooks/${webhook.id}/test`)).delivered).toBe(false);
    expect((await twice('DELETE', `/api/v1/webhooks/${webhook.id}`)).webhook.id).toBe(webhook.id);
  });

  it('refuses a keyed write whose route does not answer through replyOnce, rather than leave a repeat to run it again', async () => {
    const app = await createTestApp(engine);
    let runs = 0;
    app.app.post('/forgets-its-answer', async () => ({ runs: ++runs }));
    const keyed = await app.app.inject({ method: 'POST', url: '/forgets-its-answer', headers: withKey(uniqueId('forgets')), payload: {} });
    expect(keyed.statusCode).toBe(500);
    expect((await app.app.inject({ method: 'POST', url: '/forgets-its-answer', payload: {} })).statusCode).toBe(200);
    await app.close();
  });

  it('ten parallel retries with one key make exactly one booking, and all see the same answer', async () => {
    const event = await createEvent(t.app, { totalTickets: 5 });
    const key = uniqueId('parallel');
    const answers = await Promise.all(
      Array.from({ length: 10 }, () =>
        t.app.inject({ method: 'POST', url: `/api/v1/events/${event.id}/bookings`, headers: withKey(key), payload: { userId: 'once' } }),
      ),
    );
    expect(answers.map((answer) => answer.statusCode)).toEqual(Array(10).fill(201));
    expect(new Set(answers.map((answer) => answer.body)).size).toBe(1);
    expect(answers.filter((answer) => answer.headers['idempotent-replayed'] === 'true')).toHaveLength(9);
    expect((await getEvent(t.app, event.id)).bookedCount).toBe(1);
  });

  it('refuses the key with another body: 422 IDEMPOTENCY_KEY_REUSED, nothing booked', async () => {
    const event = await createEvent(t.app, { totalTickets: 5 });
    const key = uniqueId('reuse');
    const url = `/api/v1/events/${event.id}/bookings`;
    await t.app.inject({ method: 'POST', url, headers: withKey(key), payload: { userId: 'first' } });
    const other = await t.app.inject({ method: 'POST', url, headers: withKey(key), payload: { userId: 'second' } });
    expect(other.statusCode).toBe(422);
    expect(other.json().code).toBe('IDEMPOTENCY_KEY_REUSED');
    expect((await getEvent(t.app, event.id)).bookedCount).toBe(1);
  });

  it('releases the key of a refused request, so a corrected retry goes through', async () => {
    const event = await createEvent(t.app, { totalTickets: 5 });
    await t.app.inject({ method: 'PATCH', url: `/api/v1/events/${event.id}`, headers: asAdmin(), payload: { salesOpen: false } });
    const key = uniqueId('closed');
    const url = `/api/v1/events/${event.id}/bookings`;
    const refused = await t.app.inject({ method: 'POST', url, headers: withKey(key), payload: { userId: 'patient' } });
    expect(refused.json().code).toBe('SALES_CLOSED');
    await t.app.inject({ method: 'PATCH', url: `/api/v1/events/${event.id}`, headers: asAdmin(), payload: { salesOpen: true } });
    const retried = await t.app.inject({ method: 'POST', url, headers: withKey(key), payload: { userId: 'patient' } });
    expect(retried.statusCode).toBe(201);
    expect(retried.headers['idempotent-replayed']).toBeUndefined();
  });

  it('scopes keys per caller: two users may use the same key', async () => {
    const event = await createEvent(t.app, { totalTickets: 5 });
    const [ann, bob] = [await signUp(t.app), await signUp(t.app)];
    const url = `/api/v1/events/${event.id}/bookings`;
    const a = await t.app.inject({ method: 'POST', url, headers: withKey('shared-key', ann.headers) });
    const b = await t.app.inject({ method: 'POST', url, headers: withKey('shared-key', bob.headers) });
    expect([a.statusCode, b.statusCode]).toEqual([201, 201]);
    expect(b.json().booking.userId).toBe(bob.userId);
  });

  it('never stores a sign-up or a sign-in, in any form: a keyed repeat of a sign-up is 409 USER_EXISTS', async () => {
    const email = `${uniqueId('idem')}@example.com`;
    const password = 'a long password';
    const register = () =>
      t.app.inject({ method: 'POST', url: '/api/v1/users', headers: { 'idempotency-key': `reg-${email}` }, payload: { email, password } });
    const [first, again] = [await register(), await register()];
    expect([first.statusCode, again.statusCode]).toEqual([201, 409]);
    expect(again.json().code).toBe('USER_EXISTS');
    const signIn = () =>
      t.app.inject({
        method: 'POST',
        url: '/api/v1/auth/token',
        headers: { 'idempotency-key': `tok-${email}` },
        payload: { email, password },
      });
    const token = await signIn();
    expect(token.statusCode).toBe(200);
    expect((await signIn()).headers['idempotent-replayed']).toBeUndefined();
    const stored = await t.db
      .selectFrom('idempotency_keys')
      .selectAll()
      .where('idempotency_key', 'in', [`reg-${email}`, `tok-${email}`])
      .execute();
    expect(stored).toEqual([]);
  });

  it('stores a keyed HMAC of the request, not a bare hash anyone can recompute', async () => {
    const event = await createEvent(t.app, { totalTickets: 2 });
    const key = uniqueId('hmac');
    const url = `/api/v1/events/${event.id}/bookings`;
    await t.app.inject({ method: 'POST', url, headers: withKey(key), payload: { userId: 'hashed' } });
    const row = await t.db
      .selectFrom('idempotency_keys')
      .select('request_hash')
      .where('idempotency_key', '=', key)
      .executeTakeFirstOrThrow();
    const bare = createHash('sha256').update(`POST ${url}\n{"userId":"hashed"}`).digest('hex');
    expect(row.request_hash).toMatch(/^[0-9a-f]{64}$/);
    expect(row.request_hash).not.toBe(bare);
  });

  it.each(['', 'k'.repeat(256), 'has space'])('rejects the malformed key %j with 400', async (key) => {
    const event = await createEvent(t.app);
    const response = await t.app.inject({
      method: 'POST',
      url: `/api/v1/events/${event.id}/bookings`,
      headers: withKey(key),
      payload: { userId: 'x' },
    });
    expect(response.statusCode).toBe(400);
    expect((await getEvent(t.app, event.id)).bookedCount).toBe(0);
  });
});
