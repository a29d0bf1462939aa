import { SignJWT } from 'jose';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ENGINES } from '../helpers/engines.js';
import { type SignedInUser, USER_PASSWORD, signUp } from '../helpers/accounts.js';
import { asAdmin, book, createEvent, getEvent, uniqueId } from '../helpers/factories.js';
import { AUTH_SECRET, type TestApp, createTestApp } from '../helpers/test-app.js';

describe.each(ENGINES)('accounts and tokens on $name', (engine) => {
  let t: TestApp;
  beforeAll(async () => {
    t = await createTestApp(engine);
  });
  afterAll(async () => t.close());

  describe('POST /api/v1/users', () => {
    it('registers a user whose id is the lower-cased e-mail, and never echoes the password', async () => {
      const email = `${uniqueId('Reg')}@Example.COM`;
      const response = await t.app.inject({
        method: 'POST',
        url: '/api/v1/users',
        payload: { email, password: USER_PASSWORD, name: 'Reg' },
      });
      expect(response.statusCode).toBe(201);
      expect(response.json()).toEqual({
        user: { id: email.toLowerCase(), email: email.toLowerCase(), name: 'Reg', role: 'user', createdAt: expect.any(String) },
      });
      expect(response.body).not.toContain(USER_PASSWORD);
      expect(response.body).not.toMatch(/hash|scrypt/i);
    });

    it('stores only a salted scrypt hash: the database never holds the password', async () => {
      const email = `${uniqueId('hash')}@example.com`;
      await t.app.inject({ method: 'POST', url: '/api/v1/users', payload: { email, password: USER_PASSWORD } });
      const rows = await t.db.selectFrom('users').selectAll().where('id', '=', email).execute();
      expect(rows).toHaveLength(1);
      expect(JSON.stringify(rows)).not.toContain(USER_PASSWORD);
      expect(rows[0]?.password_hash).toMatch(/^scrypt\$\d+\$\d+\$\d+\$[\w-]+\$[\w-]+$/);
    });

    it('refuses a second account for the same address, whatever its case, with 409 USER_EXISTS', async () => {
      const name = uniqueId('twice');
      await signUp(t.app, name);
      const response = await t.app.inject({
        method: 'POST',
        url: '/api/v1/users',
        payload: { email: `${name.toUpperCase()}@EXAMPLE.com`, password: 'another password 1' },
      });
      expect(response.statusCode).toBe(409);
      expect(response.json().code).toBe('USER_EXISTS');
    });

    it('keeps a password exactly as typed: surrounding spaces count', async () => {
      const email = `${uniqueId('spaces')}@example.com`;
      const password = '  padded password  ';
      await t.app.inject({ method: 'POST', url: '/api/v1/users', payload: { email, password } });
      const exact = await t.app.inject({ method: 'POST', url: '/api/v1/auth/token', payload: { email, password } });
      expect(exact.statusCode).toBe(200);
      const trimmed = await t.app.inject({ method: 'POST', url: '/api/v1/auth/token', payload: { email, password: password.trim() } });
      expect(trimmed.statusCode).toBe(401);
    });

    it.each([
      ['a 9-character password', { email: 'short@example.com', password: '123456789' }],
      ['an address without a domain', { email: 'nobody', password: USER_PASSWORD }],
      ['no password', { email: 'np@example.com' }],
      ['a role field', { email: 'role@example.com', password: USER_PASSWORD, role: 'admin' }],
    ])('rejects %s with 400', async (_case, payload) => {
      const response = await t.app.inject({ method: 'POST', url: '/api/v1/users', payload });
      expect(response.statusCode).toBe(400);
      expect(response.json().code).toBe('VALIDATION_FAILED');
    });
  });

  describe('POST /api/v1/auth/token', () => {
    it('grants a bearer token for e-mail and password as JSON or as HTTP Basic', async () => {
      const user = await signUp(t.app);
      const basic = await t.app.inject({
        method: 'POST',
        url: '/api/v1/auth/token',
        headers: { authorization: `Basic ${Buffer.from(`${user.userId}:${USER_PASSWORD}`).toString('base64')}` },
      });
      expect(basic.statusCode).toBe(200);
      expect(basic.json()).toEqual({ token: expect.any(String), tokenType: 'Bearer', expiresIn: 3600, userId: user.userId, role: 'user' });
    });

    it('grants the admin a token with role admin that can manage events', async () => {
      const granted = await t.app.inject({ method: 'POST', url: '/api/v1/auth/token', headers: asAdmin() });
      expect(granted.json()).toMatchObject({ role: 'admin', userId: 'admin' });
      const created = await t.app.inject({
        method: 'POST',
        url: '/api/v1/events',
        headers: { authorization: `Bearer ${granted.json().token}` },
        payload: { name: 'By admin token', totalTickets: 1 },
      });
      expect(created.statusCode).toBe(201);
    });

    it.each([
      ['a wrong password', (user: SignedInUser) => ({ email: user.userId, password: 'wrong password!' })],
      ['an unknown address', () => ({ email: 'ghost@example.com', password: USER_PASSWORD })],
      ['no credentials at all', () => ({})],
    ])('answers %s with 401 and WWW-Authenticate', async (_case, body) => {
      const user = await signUp(t.app);
      const response = await t.app.inject({ method: 'POST', url: '/api/v1/auth/token', payload: body(user) });
      expect(response.statusCode).toBe(401);
      expect(response.headers['www-authenticate']).toMatch(/Bearer/);
      expect(response.json().code).toBe('UNAUTHORIZED');
    });
  });

  type Attempt = [string, 'GET' | 'POST' | 'PATCH' | 'DELETE', () => string, () => Record<string, unknown> | undefined];

  describe('who may do what', () => {
    let alice: SignedInUser;
    let bob: SignedInUser;
    let eventId: string;
    beforeAll(async () => {
      alice = await signUp(t.app, uniqueId('alice'));
      bob = await signUp(t.app, uniqueId('bob'));
      eventId = (await createEvent(t.app, { totalTickets: 5 })).id;
    });

    it('a user books for themself, with or without naming their own id, recorded as the actor', async () => {
      const response = await t.app.inject({ method: 'POST', url: `/api/v1/events/${eventId}/bookings`, headers: alice.headers });
      expect(response.statusCode).toBe(201);
      expect(response.json().booking.userId).toBe(alice.userId);
      const audit = await t.app.inject({ method: 'GET', url: `/api/v1/events/${eventId}/audit`, headers: asAdmin() });
      expect(audit.json().entries.at(-1)).toMatchObject({ action: 'booking.confirmed', userId: alice.userId, actor: alice.userId });
      const named = await t.app.inject({
        method: 'POST',
        url: '/book',
        headers: bob.headers,
        payload: { eventId, userEmail: bob.userId.toUpperCase() },
      });
      expect(named.statusCode).toBe(201);
    });

    it('a user may read their own booking but not another user’s', async () => {
      const own = await t.app.inject({ method: 'GET', url: `/api/v1/events/${eventId}/bookings/${alice.userId}`, headers: alice.headers });
      expect(own.statusCode).toBe(200);
      const other = await t.app.inject({ method: 'GET', url: `/status/${eventId}/${alice.userId}`, headers: bob.headers });
      expect(other.statusCode).toBe(403);
      expect(other.json().code).toBe('FORBIDDEN');
    });

    it.each<Attempt>([
      ['book for another user', 'POST', () => `/api/v1/events/${eventId}/bookings`, () => ({ userId: 'someone-else' })],
      ['cancel another user’s booking', 'DELETE', () => `/api/v1/events/${eventId}/bookings/${alice.userId}`, () => undefined],
      ['cancel another user’s booking through /cancel', 'POST', () => '/cancel', () => ({ eventId, userId: alice.userId })],
      ['create an event', 'POST', () => '/api/v1/events', () => ({ name: 'Mine', totalTickets: 1 })],
      ['change an event', 'PATCH', () => `/api/v1/events/${eventId}`, () => ({ totalTickets: 100 })],
      ['read the audit log', 'GET', () => `/api/v1/events/${eventId}/audit`, () => undefined],
      ['read the waiting list', 'GET', () => `/api/v1/events/${eventId}/bookings`, () => undefined],
      ['initialize an event', 'POST', () => '/initialize', () => ({ name: 'Mine', tickets: 1 })],
    ])('a user may not %s: 403 FORBIDDEN, nothing changed', async (_case, method, url, payload) => {
      const before = await getEvent(t.app, eventId);
      const response = await t.app.inject({ method, url: url(), headers: bob.headers, payload: payload() });
      expect(response.statusCode).toBe(403);
      expect(response.json().code).toBe('FORBIDDEN');
      expect(await getEvent(t.app, eventId)).toEqual(before);
    });

    it.each<Attempt>([
      ['book', 'POST', () => `/api/v1/events/${eventId}/bookings`, () => ({ userId: 'anon' })],
      ['cancel', 'DELETE', () => `/api/v1/events/${eventId}/bookings/${alice.userId}`, () => undefined],
      ['book through /book', 'POST', () => '/book', () => ({ eventId, userId: 'anon' })],
    ])('an anonymous caller may not %s: 401 with WWW-Authenticate', async (_case, method, url, payload) => {
      const response = await t.app.inject({ method, url: url(), payload: payload() });
      expect(response.statusCode).toBe(401);
      expect(response.headers['www-authenticate']).toBeDefined();
    });

    it('anyone may read events and their status', async () => {
      expect((await t.app.inject({ method: 'GET', url: `/api/v1/events/${eventId}` })).statusCode).toBe(200);
      expect((await t.app.inject({ method: 'GET', url: `/status/${eventId}` })).statusCode).toBe(200);
      expect((await t.app.inject({ method: 'GET', url: '/api/v1/events' })).statusCode).toBe(200);
    });
  });

  describe('forged and stale tokens', () => {
    const encode = (value: object): string => Buffer.from(JSON.stringify(value)).toString('base64url');
    const claims = (role: string, userId: string): Record<string, string> => ({
      role,
      sub: userId,
      iss: 'boxoffice',
      aud: 'boxoffice-api',
    });
    const sign = (secret: string, payload: object, expires: string | number = '1h'): Promise<string> =>
      new SignJWT({ ...payload })
        .setProtectedHeader({ alg: 'HS256' })
        .setIssuedAt()
        .setExpirationTime(expires)
        .sign(new TextEncoder().encode(secret));

    const forgeries: Array<[string, (user: SignedInUser) => Promise<string>]> = [
      ['a tampered signature', async (user) => `${user.token.slice(0, -4)}${user.token.endsWith('AAAA') ? 'BBBB' : 'AAAA'}`],
      [
        'a payload changed to role admin',
        async (user) => {
          const [header, , signature] = user.token.split('.');
          return `${header}.${encode({ ...claims('admin', user.userId), exp: Math.floor(Date.now() / 1000) + 3600 })}.${signature}`;
        },
      ],
      [
        'alg none',
        async (user) =>
          `${encode({ alg: 'none', typ: 'JWT' })}.${encode({ ...claims('admin', user.userId), exp: Math.floor(Date.now() / 1000) + 3600 })}.`,
      ],
      ['an expired token', async (user) => sign(AUTH_SECRET, claims('user', user.userId), Math.floor(Date.now() / 1000) - 60)],
      [
        'a token signed with another secret',
        async (user) => sign('another-secret-of-enough-length-0123456789', claims('user', user.userId)),
      ],
      [
        'an admin role signed with another secret',
        async () => sign('another-secret-of-enough-length-0123456789', claims('admin', 'admin')),
      ],
      ['a token for another audience', async (user) => sign(AUTH_SECRET, { ...claims('user', user.userId), aud: 'elsewhere' })],
      ['garbage', async () => 'not.a.token'],
      [
        'a correctly signed token without exp',
        async (user) =>
          new SignJWT(claims('user', user.userId))
            .setProtectedHeader({ alg: 'HS256' })
            .setIssuedAt()
            .sign(new TextEncoder().encode(AUTH_SECRET)),
      ],
      [
        'a correctly signed admin token without exp',
        async () => new SignJWT(claims('admin', 'admin')).setProtectedHeader({ alg: 'HS256' }).sign(new TextEncoder().encode(AUTH_SECRET)),
      ],
      ['a sub that breaks the user-id pattern', async () => sign(AUTH_SECRET, claims('user', 'has space/and slash'))],
      ['a sub of 300 characters', async () => sign(AUTH_SECRET, claims('user', 'u'.repeat(300)))],
    ];

    it.each(forgeries)('refuses %s with 401 and changes nothing', async (_case, forge) => {
      const user = await signUp(t.app);
      const event = await createEvent(t.app, { totalTickets: 3 });
      await book(t.app, event.id, user.userId);
      const token = await forge(user);
      const headers = { authorization: `Bearer ${token}` };
      const attempts = await Promise.all([
        t.app.inject({ method: 'POST', url: `/api/v1/events/${event.id}/bookings`, headers, payload: { userId: 'intruder' } }),
        t.app.inject({ method: 'DELETE', url: `/api/v1/events/${event.id}/bookings/${user.userId}`, headers }),
        t.app.inject({ method: 'PATCH', url: `/api/v1/events/${event.id}`, headers, payload: { totalTickets: 1000 } }),
        t.app.inject({ method: 'GET', url: `/api/v1/events/${event.id}/audit`, headers }),
      ]);
      for (const attempt of attempts) {
        expect(attempt.statusCode).toBe(401);
        expect(attempt.headers['www-authenticate']).toMatch(/Bearer/);
      }
      expect(await getEvent(t.app, event.id)).toMatchObject({ totalTickets: 3, bookedCount: 1 });
    });
  });
});
