import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox';
import Fastify, { type FastifyInstance } from 'fastify';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { RequestedBy } from '../../src/domain/audit.js';
import type { Caller } from '../../src/http/auth.js';
import { registerErrorHandling } from '../../src/http/errors.js';
import { verifyRoutes } from '../../src/http/routes/verify.js';
import { validatorCompiler } from '../../src/http/validation.js';
import type { BookingService } from '../../src/services/booking-service.js';
import { ConsistencyCheck } from '../../src/services/consistency-check.js';
import { ConsistencyReader } from '../../src/store/consistency-reader.js';
import type { Db } from '../../src/store/dialect.js';
import { SQLITE } from '../helpers/engines.js';
import { type TestStore, createTestStore } from '../helpers/test-store.js';

const BY: RequestedBy = { actor: 'admin', requestId: 'verify-route-test' };

/** Who calls, named plainly in a test header; identifying real credentials is auth.ts's business. */
function callerFrom(header: string | string[] | undefined): Caller {
  if (header === 'admin') return { kind: 'admin' };
  if (typeof header === 'string' && header.startsWith('user:')) return { kind: 'user', userId: header.slice(5), staff: false };
  if (typeof header === 'string' && header.startsWith('staff:')) return { kind: 'user', userId: header.slice(6), staff: true };
  return { kind: 'anonymous' };
}

/** The route on a bare app with the real error handling and validation, as app.ts mounts it. */
async function verifyApp(check: ConsistencyCheck): Promise<FastifyInstance> {
  const app = Fastify().withTypeProvider<TypeBoxTypeProvider>();
  app.setValidatorCompiler(validatorCompiler);
  registerErrorHandling(app);
  app.decorateRequest('caller');
  app.addHook('onRequest', async (request) => {
    request.caller = callerFrom(request.headers['x-test-caller']);
  });
  await app.register(verifyRoutes, { prefix: '/api/v1', check });
  return app;
}

describe('GET /api/v1/events/:eventId/verify', () => {
  let t: TestStore;
  let db: Db;
  let service: BookingService;
  let app: FastifyInstance;

  beforeAll(async () => {
    t = await createTestStore(SQLITE);
    ({ db, service } = t);
    app = await verifyApp(new ConsistencyCheck(new ConsistencyReader(t.database)));
  });
  afterAll(async () => {
    await app.close();
    await t.close();
  });

  async function soldOut(): Promise<string> {
    const { id } = await service.openEvent({ name: 'Gig', venue: null, startsAt: null, totalTickets: 1 }, BY);
    for (const userId of ['ann', 'bob']) await service.book(id, userId, { quantity: 1, hold: false }, BY);
    return id;
  }

  const verify = (eventId: string, caller: string | null = 'admin') =>
    app.inject({ method: 'GET', url: `/api/v1/events/${eventId}/verify`, headers: caller ? { 'x-test-caller': caller } : {} });

  it('answers 200 ok with no discrepancies for an event the service wrote', async () => {
    const eventId = await soldOut();
    const response = await verify(eventId);
    expect(response.statusCode).toBe(200);
    expect(response.json()).toEqual({ eventId, ok: true, discrepancies: [] });
  });

  it('answers 200 not ok with each discrepancy, its invariant and its booking id', async () => {
    const eventId = await soldOut();
    const bob = (await service.getBooking(eventId, 'bob')).id;
    await db.updateTable('bookings').set({ status: 'cancelled', active: null }).where('id', '=', bob).execute();
    const response = await verify(eventId);
    expect(response.statusCode).toBe(200);
    const verdict = response.json();
    expect(verdict.ok).toBe(false);
    expect(verdict.discrepancies).toContainEqual({ eventId, bookingId: bob, invariant: 'I6', message: expect.stringContaining(bob) });
    expect(verdict.discrepancies).toContainEqual({ eventId, bookingId: null, invariant: 'I1', message: expect.any(String) });
  });

  it('reports the new invariants too: I8 for a ticket code on a booking that was never confirmed', async () => {
    const eventId = await soldOut();
    const bob = (await service.getBooking(eventId, 'bob')).id;
    await db
      .updateTable('bookings')
      .set({ ticket_code: 'AAAAA-BBBBB-CCCCC-DDDDD', confirmed_at: '2026-01-01T00:00:00.000Z' })
      .where('id', '=', bob)
      .execute();
    const response = await verify(eventId);
    expect(response.statusCode).toBe(200);
    expect(response.json()).toEqual({
      eventId,
      ok: false,
      discrepancies: [{ eventId, bookingId: bob, invariant: 'I8', message: expect.stringContaining('never confirmed') }],
    });
  });

  it('answers 404 EVENT_NOT_FOUND for an unknown event', async () => {
    const response = await verify('no-such-event');
    expect(response.statusCode).toBe(404);
    expect(response.headers['content-type']).toMatch(/^application\/problem\+json/);
    expect(response.json().code).toBe('EVENT_NOT_FOUND');
  });

  it('answers 400 VALIDATION_FAILED for an event id outside the pattern', async () => {
    const response = await verify('bad%20id');
    expect(response.statusCode).toBe(400);
    expect(response.json().code).toBe('VALIDATION_FAILED');
  });

  it('is for the admin only: 401 with WWW-Authenticate for an anonymous caller, 403 for a user or staff', async () => {
    const eventId = await soldOut();
    const anonymous = await verify(eventId, null);
    expect(anonymous.statusCode).toBe(401);
    expect(anonymous.headers['www-authenticate']).toBeDefined();
    expect(anonymous.json().code).toBe('UNAUTHORIZED');
    for (const caller of ['user:ann', 'staff:door']) {
      const refused = await verify(eventId, caller);
      expect(refused.statusCode).toBe(403);
      expect(refused.json().code).toBe('FORBIDDEN');
    }
  });
});
