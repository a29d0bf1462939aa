import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { USER_PASSWORD } from '../helpers/accounts.js';
import { SQLITE } from '../helpers/engines.js';
import { createEvent, uniqueId } from '../helpers/factories.js';
import { ADMIN_PASSWORD, ADMIN_USER, type TestApp, createTestApp } from '../helpers/test-app.js';

// The cookie logic is the same on every engine; SQLite is enough.
describe('the web page session cookie', () => {
  let t: TestApp;
  const ORIGIN = 'http://localhost:80';
  beforeAll(async () => {
    t = await createTestApp(SQLITE);
  });
  afterAll(async () => t.close());

  async function signedIn(name: string): Promise<{ cookie: string; email: string }> {
    const email = `${uniqueId('cookie')}@example.com`;
    expect(
      (await t.app.inject({ method: 'POST', url: '/api/v1/users', payload: { email, password: USER_PASSWORD, name } })).statusCode,
    ).toBe(201);
    const response = await t.app.inject({ method: 'POST', url: '/api/v1/auth/session', payload: { email, password: USER_PASSWORD } });
    expect(response.statusCode).toBe(200);
    const setCookie = String(response.headers['set-cookie']);
    return { cookie: setCookie.split(';')[0] ?? '', email };
  }

  it('signs in to an HttpOnly, SameSite=Strict session cookie and never puts the token in the answer', async () => {
    const email = `${uniqueId('cookie')}@example.com`;
    await t.app.inject({ method: 'POST', url: '/api/v1/users', payload: { email, password: USER_PASSWORD, name: 'Grace Hopper' } });
    const response = await t.app.inject({ method: 'POST', url: '/api/v1/auth/session', payload: { email, password: USER_PASSWORD } });
    expect(response.statusCode).toBe(200);
    expect(response.json()).toEqual({ session: { userId: email, role: 'user', name: 'Grace Hopper' } });
    const setCookie = String(response.headers['set-cookie']);
    expect(setCookie).toMatch(/^boxoffice_session=[\w.-]+; Path=\/; HttpOnly; SameSite=Strict$/);
    expect(response.body).not.toContain(setCookie.split(';')[0]?.split('=')[1]);
  });

  it('says who the cookie belongs to, and nobody without one', async () => {
    const { cookie, email } = await signedIn('Ada');
    const who = await t.app.inject({ method: 'GET', url: '/api/v1/auth/session', headers: { cookie } });
    expect(who.json()).toEqual({ session: { userId: email, role: 'user', name: 'Ada' } });
    const nobody = await t.app.inject({ method: 'GET', url: '/api/v1/auth/session' });
    expect(nobody.json()).toEqual({ session: null });
    const forged = await t.app.inject({ method: 'GET', url: '/api/v1/auth/session', headers: { cookie: 'boxoffice_session=not.a.token' } });
    expect(forged.json()).toEqual({ session: null });
  });

  it('refuses a wrong password with 401 and sets no cookie', async () => {
    const response = await t.app.inject({
      method: 'POST',
      url: '/api/v1/auth/session',
      payload: { email: 'nobody@example.com', password: 'wrong password' },
    });
    expect(response.statusCode).toBe(401);
    expect(response.headers['set-cookie']).toBeUndefined();
  });

  it('books with the cookie when the Origin is this site, and answers 403 without or with a foreign Origin', async () => {
    const event = await createEvent(t.app, { totalTickets: 5 });
    const { cookie, email } = await signedIn('Bea');
    const url = `/api/v1/events/${event.id}/bookings`;
    const noOrigin = await t.app.inject({ method: 'POST', url, headers: { cookie }, payload: {} });
    expect(noOrigin.statusCode).toBe(403);
    expect(noOrigin.json()).toMatchObject({ code: 'FORBIDDEN' });
    const foreign = await t.app.inject({ method: 'POST', url, headers: { cookie, origin: 'https://evil.example' }, payload: {} });
    expect(foreign.statusCode).toBe(403);
    const sibling = await t.app.inject({ method: 'POST', url, headers: { cookie, origin: 'http://localhost.evil.example' }, payload: {} });
    expect(sibling.statusCode).toBe(403);
    const same = await t.app.inject({ method: 'POST', url, headers: { cookie, origin: ORIGIN }, payload: {} });
    expect(same.statusCode).toBe(201);
    expect(same.json()).toMatchObject({ booking: { userId: email, status: 'confirmed' } });
    // Reads need no Origin.
    const read = await t.app.inject({ method: 'GET', url: `${url}/${encodeURIComponent(email)}`, headers: { cookie } });
    expect(read.statusCode).toBe(200);
  });

  it('keeps bearer tokens working for API clients, without any Origin', async () => {
    const event = await createEvent(t.app, { totalTickets: 5 });
    const email = `${uniqueId('bearer')}@example.com`;
    await t.app.inject({ method: 'POST', url: '/api/v1/users', payload: { email, password: USER_PASSWORD } });
    const grant = await t.app.inject({ method: 'POST', url: '/api/v1/auth/token', payload: { email, password: USER_PASSWORD } });
    const token = grant.json<{ token: string }>().token;
    const booked = await t.app.inject({
      method: 'POST',
      url: `/api/v1/events/${event.id}/bookings`,
      headers: { authorization: `Bearer ${token}` },
      payload: {},
    });
    expect(booked.statusCode).toBe(201);
  });

  it('gives the organizer a session too, and signing out clears the cookie', async () => {
    const response = await t.app.inject({
      method: 'POST',
      url: '/api/v1/auth/session',
      payload: { email: ADMIN_USER, password: ADMIN_PASSWORD },
    });
    expect(response.json()).toEqual({ session: { userId: 'admin', role: 'admin', name: null } });
    const cookie = String(response.headers['set-cookie']).split(';')[0] ?? '';
    const created = await t.app.inject({
      method: 'POST',
      url: '/api/v1/events',
      headers: { cookie, origin: ORIGIN },
      payload: { name: 'By cookie', totalTickets: 3 },
    });
    expect(created.statusCode).toBe(201);
    const out = await t.app.inject({ method: 'DELETE', url: '/api/v1/auth/session', headers: { cookie } });
    expect(out.statusCode).toBe(200);
    expect(String(out.headers['set-cookie'])).toMatch(/^boxoffice_session=; .*Max-Age=0/);
  });
});
