import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { UserStore } from '../../src/services/account-service.js';
import type { IdempotencyStore } from '../../src/services/idempotency.js';
import type { BoxofficeStore } from '../../src/services/ports.js';
import { SQLITE } from '../helpers/engines.js';
import { signUp } from '../helpers/accounts.js';
import { asAdmin, book, createEvent, getEvent } from '../helpers/factories.js';
import { ADMIN_USER, type TestApp, buildAppOver, createTestApp } from '../helpers/test-app.js';

describe('HTTP protocol', () => {
  let t: TestApp;
  beforeAll(async () => {
    t = await createTestApp(SQLITE);
  });
  afterAll(async () => t.close());

  it('refuses a body over 16 KiB with 413 PAYLOAD_TOO_LARGE as problem+json', async () => {
    const response = await t.app.inject({
      method: 'POST',
      url: '/api/v1/events',
      headers: asAdmin({ 'content-type': 'application/json' }),
      payload: JSON.stringify({ name: 'x', totalTickets: 1, venue: 'v'.repeat(17 * 1024) }),
    });
    expect(response.statusCode).toBe(413);
    expect(response.headers['content-type']).toMatch(/^application\/problem\+json/);
    expect(response.json().code).toBe('PAYLOAD_TOO_LARGE');
  });

  it("takes Content-Type: application/json with no body as no fields, on a cancel and on a user's booking", async () => {
    const event = await createEvent(t.app, { totalTickets: 2 });
    await book(t.app, event.id, 'no-body');
    const json = { 'content-type': 'application/json' };
    const cancelled = await t.app.inject({ method: 'DELETE', url: `/api/v1/events/${event.id}/bookings/no-body`, headers: asAdmin(json) });
    expect(cancelled.statusCode).toBe(200);
    const user = await signUp(t.app);
    const booked = await t.app.inject({
      method: 'POST',
      url: `/api/v1/events/${event.id}/bookings`,
      headers: { ...user.headers, ...json },
    });
    expect(booked.statusCode).toBe(201);
    expect(booked.json().booking.userId).toBe(user.userId);
    const blank = await t.app.inject({ method: 'POST', url: '/api/v1/events', headers: asAdmin(json), payload: ' ' });
    expect(blank.statusCode).toBe(400);
  });

  it('refuses a body that is not JSON with 415', async () => {
    const response = await t.app.inject({
      method: 'POST',
      url: '/api/v1/events',
      headers: asAdmin({ 'content-type': 'text/plain' }),
      payload: 'name=x',
    });
    expect(response.statusCode).toBe(415);
    expect(response.json().code).toBe('UNSUPPORTED_MEDIA_TYPE');
  });

  it.each([
    ['malformed JSON', '{"name":'],
    ['a JSON array', '[1,2]'],
    ['a JSON string', '"hello"'],
    ['a prototype-poisoning key', '{"name":"x","totalTickets":1,"__proto__":{"admin":true}}'],
  ])('answers %s with 400, not 500', async (_case, payload) => {
    const response = await t.app.inject({
      method: 'POST',
      url: '/api/v1/events',
      headers: asAdmin({ 'content-type': 'application/json' }),
      payload,
    });
    expect(response.statusCode).toBe(400);
    expect(response.json().code).toBe('VALIDATION_FAILED');
  });

  it('answers an unknown route with a problem+json 404', async () => {
    const response = await t.app.inject({ method: 'GET', url: '/api/v1/nothing-here' });
    expect(response.statusCode).toBe(404);
    expect(response.headers['content-type']).toMatch(/^application\/problem\+json/);
    expect(response.json()).toMatchObject({ status: 404, code: 'NOT_FOUND' });
  });

  it('echoes a well-formed X-Request-Id and replaces a malformed one', async () => {
    const kept = await t.app.inject({ method: 'GET', url: '/healthz', headers: { 'x-request-id': 'trace-123' } });
    expect(kept.headers['x-request-id']).toBe('trace-123');
    const replaced = await t.app.inject({ method: 'GET', url: '/healthz', headers: { 'x-request-id': 'bad id\twith junk' } });
    expect(replaced.headers['x-request-id']).toMatch(/^[0-9a-f-]{36}$/);
  });

  it('puts the request id into problem bodies', async () => {
    const response = await t.app.inject({ method: 'GET', url: '/api/v1/events/missing', headers: { 'x-request-id': 'req-42' } });
    expect(response.json().requestId).toBe('req-42');
  });

  it('rejects a non-Basic or malformed Authorization header with 401', async () => {
    for (const authorization of ['Bearer abc', 'Basic !!!', `Basic ${Buffer.from(ADMIN_USER).toString('base64')}`]) {
      const response = await t.app.inject({
        method: 'POST',
        url: '/api/v1/events',
        headers: { authorization },
        payload: { name: 'x', totalTickets: 1 },
      });
      expect(response.statusCode).toBe(401);
    }
  });

  it('answers /healthz and /readyz with 200 while the database is reachable', async () => {
    expect((await t.app.inject({ method: 'GET', url: '/healthz' })).statusCode).toBe(200);
    expect((await t.app.inject({ method: 'GET', url: '/readyz' })).json()).toEqual({ status: 'ready' });
  });

  it('reads events without credentials', async () => {
    const event = await createEvent(t.app);
    expect((await getEvent(t.app, event.id)).id).toBe(event.id);
  });
});

describe('4xx refusals raised by Fastify or a plugin', () => {
  it.each([
    [412, 400, 'VALIDATION_FAILED'],
    [404, 404, 'NOT_FOUND'],
    [405, 400, 'VALIDATION_FAILED'],
    [429, 429, 'RATE_LIMITED'],
  ])('turns a %i into a problem+json %i %s, never a 500', async (raised, status, code) => {
    const t = await createTestApp(SQLITE);
    t.app.get('/refuses', async () => {
      throw Object.assign(new Error('refused by a plugin'), { statusCode: raised });
    });
    const response = await t.app.inject({ method: 'GET', url: '/refuses' });
    expect(response.statusCode).toBe(status);
    expect(response.headers['content-type']).toMatch(/^application\/problem\+json/);
    expect(response.json().code).toBe(code);
    await t.close();
  });
});

describe('HTTP failures inside the server', () => {
  // Every method fails; a store still says how many transactions it runs at once.
  const failing = <T extends object>(error: Error): T =>
    new Proxy({} as T, {
      get: (_target, name) =>
        name === 'concurrentTransactions'
          ? 1
          : async () => {
              throw error;
            },
    });

  async function appOver(store: BoxofficeStore) {
    const unavailable = new Error('not here');
    return (await buildAppOver(store, failing<UserStore>(unavailable), failing<IdempotencyStore>(unavailable))).app;
  }

  it('answers an unexpected error with 500 INTERNAL and no stack, SQL or message from inside', async () => {
    const app = await appOver(failing<BoxofficeStore>(new Error('SELECT * FROM secret_table; at Object.<anonymous> (/src/x.ts:1:1)')));
    const response = await app.inject({ method: 'GET', url: '/api/v1/events/any', headers: { 'x-request-id': 'boom-1' } });
    expect(response.statusCode).toBe(500);
    expect(response.headers['content-type']).toMatch(/^application\/problem\+json/);
    expect(response.json()).toMatchObject({ code: 'INTERNAL', requestId: 'boom-1' });
    expect(response.body).not.toMatch(/secret_table|SELECT|\.ts:|at Object/);
    await app.close();
  });

  it('turns /readyz into 503 UNAVAILABLE with Retry-After when the database is unreachable', async () => {
    const app = await appOver(failing<BoxofficeStore>(Object.assign(new Error('connect ECONNREFUSED'), { code: 'ECONNREFUSED' })));
    const response = await app.inject({ method: 'GET', url: '/readyz' });
    expect(response.statusCode).toBe(503);
    expect(response.headers['retry-after']).toBeDefined();
    expect(response.json().code).toBe('UNAVAILABLE');
    await app.close();
  });
});
