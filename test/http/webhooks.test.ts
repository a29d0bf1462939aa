import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import type { DeliveryAttempt } from '../../src/domain/webhook.js';
import { ENGINES } from '../helpers/engines.js';
import { FakeClock } from '../helpers/fake-clock.js';
import { asAdmin, auditOf, book, cancel, createEvent } from '../helpers/factories.js';
import { type TestApp, createTestApp } from '../helpers/test-app.js';
import { WebhookReceiver } from '../helpers/webhook-receiver.js';

interface CreatedWebhook {
  webhook: { id: string; url: string; actions: string[] | null; createdAt: string };
  secret: string;
}

describe.each(ENGINES)('webhooks on $name', (engine) => {
  let t: TestApp;
  const clock = new FakeClock();
  const receivers: WebhookReceiver[] = [];

  beforeAll(async () => {
    t = await createTestApp(engine, { clock: clock.now, deliveries: { random: () => 0.5, timeoutMs: 1_000 } });
  });
  afterAll(async () => t.close());
  afterEach(async () => {
    // Webhooks of one test never see the next test's entries.
    const listed = await t.app.inject({ method: 'GET', url: '/api/v1/webhooks', headers: asAdmin() });
    for (const webhook of listed.json<{ webhooks: Array<{ id: string }> }>().webhooks) {
      await t.app.inject({ method: 'DELETE', url: `/api/v1/webhooks/${webhook.id}`, headers: asAdmin() });
    }
    await Promise.all(receivers.splice(0).map((receiver) => receiver.close()));
    clock.reset();
  });

  async function receiver(options: ConstructorParameters<typeof WebhookReceiver>[0] = {}): Promise<WebhookReceiver> {
    const started = new WebhookReceiver(options);
    await started.listen();
    receivers.push(started);
    return started;
  }

  async function register(url: string, actions?: string[]): Promise<CreatedWebhook> {
    const response = await t.app.inject({
      method: 'POST',
      url: '/api/v1/webhooks',
      headers: asAdmin(),
      payload: { url, ...(actions ? { actions } : {}) },
    });
    expect(response.statusCode, response.body).toBe(201);
    return response.json<CreatedWebhook>();
  }

  async function deliveries(id: string, query = ''): Promise<{ deliveries: DeliveryAttempt[]; nextCursor: string | null }> {
    const response = await t.app.inject({ method: 'GET', url: `/api/v1/webhooks/${id}/deliveries${query}`, headers: asAdmin() });
    expect(response.statusCode, response.body).toBe(200);
    return response.json();
  }

  it('registers a webhook, shows its whsec_ secret once, lists it without the secret and deletes it', async () => {
    const created = await register('http://127.0.0.1:9/hooks', ['booking.confirmed', 'booking.cancelled']);
    expect(created.secret).toMatch(/^whsec_[A-Za-z0-9+/]+=*$/);
    expect(Buffer.from(created.secret.slice(6), 'base64').length).toBeGreaterThanOrEqual(24);
    expect(created.webhook).toEqual({
      id: expect.any(String),
      url: 'http://127.0.0.1:9/hooks',
      actions: ['booking.confirmed', 'booking.cancelled'],
      createdAt: expect.any(String),
    });
    const listed = await t.app.inject({ method: 'GET', url: '/api/v1/webhooks', headers: asAdmin() });
    expect(listed.json()).toEqual({ webhooks: [created.webhook] });
    expect(listed.body).not.toContain(created.secret.slice(6));

    const deleted = await t.app.inject({ method: 'DELETE', url: `/api/v1/webhooks/${created.webhook.id}`, headers: asAdmin() });
    expect(deleted.statusCode).toBe(200);
    expect(deleted.json()).toEqual({ webhook: created.webhook });
    const again = await t.app.inject({ method: 'DELETE', url: `/api/v1/webhooks/${created.webhook.id}`, headers: asAdmin() });
    expect(again.statusCode).toBe(404);
    expect(again.json().code).toBe('WEBHOOK_NOT_FOUND');
  });

  it.each([
    [{ url: 'not a url' }, '/body/url'],
    [{ url: 'ftp://example.com/hooks' }, '/body/url'],
    [{ url: 'javascript:alert(1)' }, '/body/url'],
    [{ url: 'http://example.com/hooks', actions: ['booking.exploded'] }, '/body/actions/0'],
    [{ url: 'http://example.com/hooks', actions: [] }, '/body/actions'],
    [{ url: 'http://example.com/hooks', secret: 'mine' }, '/body/secret'],
  ])('refuses %j with 400 VALIDATION_FAILED naming %s', async (payload, path) => {
    const response = await t.app.inject({ method: 'POST', url: '/api/v1/webhooks', headers: asAdmin(), payload });
    expect(response.statusCode).toBe(400);
    expect(response.json().code).toBe('VALIDATION_FAILED');
    expect(response.json().errors.map((error: { path: string }) => error.path)).toContain(path);
  });

  it('is for the admin only, and answers 404 WEBHOOK_NOT_FOUND for an unknown id', async () => {
    expect((await t.app.inject({ method: 'GET', url: '/api/v1/webhooks' })).statusCode).toBe(401);
    const anonymous = await t.app.inject({ method: 'POST', url: '/api/v1/webhooks', payload: { url: 'http://127.0.0.1:9/' } });
    expect(anonymous.statusCode).toBe(401);
    const unknown = await t.app.inject({ method: 'GET', url: '/api/v1/webhooks/wh_nope/deliveries', headers: asAdmin() });
    expect(unknown.statusCode).toBe(404);
    expect(unknown.json().code).toBe('WEBHOOK_NOT_FOUND');
  });

  it('POSTs every matching entry, signed so that standardwebhooks verifies it, with the booking and the event', async () => {
    const all = await receiver();
    const some = await receiver();
    all.secret = (await register(all.url)).secret;
    const filtered = await register(some.url, ['booking.waitlisted']);
    some.secret = filtered.secret;

    const event = await createEvent(t.app, { totalTickets: 1 });
    await book(t.app, event.id, 'ada');
    await book(t.app, event.id, 'bob');
    await cancel(t.app, event.id, 'ada');
    await t.deliveries.engine.runOnce();

    expect(all.rejected).toEqual([]);
    expect(all.received.map((delivery) => delivery.payload.type)).toEqual(
      expect.arrayContaining(['event.created', 'booking.confirmed', 'booking.waitlisted', 'booking.cancelled', 'booking.promoted']),
    );
    const waitlisted = all.received.find((delivery) => delivery.payload.type === 'booking.waitlisted');
    expect(waitlisted?.payload).toMatchObject({
      eventId: event.id,
      seq: expect.any(Number),
      at: expect.any(String),
      data: { booking: { userId: 'bob', eventId: event.id }, event: { id: event.id, totalTickets: 1 } },
    });
    expect(all.ids().size).toBe(all.received.length);
    expect(some.received.map((delivery) => delivery.payload.type)).toEqual(['booking.waitlisted']);
    expect(some.received[0]?.payload.seq).toBe(waitlisted?.payload.seq);
    // One webhook-id per entry and webhook.
    expect(some.received[0]?.id).not.toBe(waitlisted?.id);
    const page = await deliveries(filtered.webhook.id);
    expect(page.deliveries).toEqual([
      {
        seq: waitlisted?.payload.seq,
        action: 'booking.waitlisted',
        attempt: 1,
        statusCode: 204,
        error: null,
        durationMs: expect.any(Number),
        at: expect.any(String),
        nextAttemptAt: null,
      },
    ]);
  });

  it('retries a failing receiver within 10 s, then with growing back-off, under the same webhook-id, until a 2xx', async () => {
    const flaky = await receiver({ status: (_request, count) => (count <= 3 ? 503 : 200) });
    const created = await register(flaky.url, ['event.created']);
    flaky.secret = created.secret;
    await createEvent(t.app);
    await t.deliveries.engine.runOnce();

    const delays: number[] = [];
    for (let attempt = 1; attempt <= 3; attempt++) {
      const [latest] = (await deliveries(created.webhook.id)).deliveries;
      expect(latest).toMatchObject({ attempt, statusCode: 503, nextAttemptAt: expect.any(String) });
      const delay = Date.parse(latest?.nextAttemptAt ?? '') - Date.parse(latest?.at ?? '');
      delays.push(delay);
      clock.advance(delay - 1);
      await t.deliveries.engine.runOnce();
      expect((await deliveries(created.webhook.id)).deliveries).toHaveLength(attempt);
      clock.advance(1);
      await t.deliveries.engine.runOnce();
    }
    expect(delays[0]).toBeLessThanOrEqual(10_000);
    expect(delays[1]).toBeGreaterThan(delays[0] ?? 0);
    expect(delays[2]).toBeGreaterThan(delays[1] ?? 0);
    const history = (await deliveries(created.webhook.id)).deliveries;
    expect(history.map((delivery) => [delivery.attempt, delivery.statusCode])).toEqual([
      [4, 200],
      [3, 503],
      [2, 503],
      [1, 503],
    ]);
    expect(flaky.requests).toBe(4);
    expect(flaky.received).toHaveLength(1);
  });

  it('marks a delivery failed once WEBHOOK_RETRY_FOR has passed', async () => {
    const down = await receiver({ status: 500 });
    const created = await register(down.url, ['event.created']);
    down.secret = created.secret;
    await createEvent(t.app);
    await t.deliveries.engine.runOnce();
    for (let round = 0; round < 60; round++) {
      clock.advance(3_600_000);
      await t.deliveries.engine.runOnce();
    }
    const history = (await deliveries(created.webhook.id)).deliveries;
    const [last] = history;
    expect(last?.nextAttemptAt).toBeNull();
    // 500, or 400 once the receiver finds the (faked) timestamp too old: a failure either way.
    expect(last?.statusCode).toBeGreaterThanOrEqual(400);
    expect(history.slice(1).every((delivery) => delivery.nextAttemptAt !== null)).toBe(true);
    expect(Date.parse(last?.at ?? '') - Date.parse(history.at(-1)?.at ?? '')).toBeLessThanOrEqual(24 * 3_600_000);
    const requests = down.requests;
    clock.advance(24 * 3_600_000);
    await t.deliveries.engine.runOnce();
    expect(down.requests).toBe(requests);
  });

  it('delivers everything to a receiver that was down once it is back', async () => {
    const later = await receiver();
    const created = await register(later.url);
    later.secret = created.secret;
    const port = Number(new URL(later.url).port);
    await later.close();

    const event = await createEvent(t.app, { totalTickets: 3 });
    for (const user of ['u1', 'u2', 'u3', 'u4']) await book(t.app, event.id, user);
    await t.deliveries.engine.runOnce();
    const failed = (await deliveries(created.webhook.id)).deliveries;
    expect(failed).toHaveLength(5);
    expect(failed.every((delivery) => delivery.statusCode === null && /ECONNREFUSED/.test(delivery.error ?? ''))).toBe(true);

    await later.listen(port);
    clock.advance(10_000);
    await t.deliveries.engine.runOnce();
    expect(later.received.map((delivery) => delivery.payload.type).sort()).toEqual([
      'booking.confirmed',
      'booking.confirmed',
      'booking.confirmed',
      'booking.waitlisted',
      'event.created',
    ]);
  });

  it('retries everything still waiting for a receiver that was away as soon as it answers again, not after the back-off', async () => {
    const later = await receiver();
    const created = await register(later.url, ['booking.confirmed']);
    later.secret = created.secret;
    const port = Number(new URL(later.url).port);
    await later.close();

    const event = await createEvent(t.app, { totalTickets: 5 });
    for (const user of ['w1', 'w2', 'w3']) await book(t.app, event.id, user);
    await t.deliveries.engine.runOnce();
    // Two more failures each, so the next retries are a long back-off away.
    for (let round = 0; round < 2; round++) {
      const due = Math.max(...(await deliveries(created.webhook.id)).deliveries.map((attempt) => Date.parse(attempt.nextAttemptAt ?? '')));
      clock.moveTo(due);
      await t.deliveries.engine.runOnce();
    }
    const waiting = (await deliveries(created.webhook.id)).deliveries;
    expect(waiting.map((attempt) => attempt.attempt).sort()).toEqual([1, 1, 1, 2, 2, 2, 3, 3, 3]);
    const nextDue = Math.min(
      ...waiting.filter((attempt) => attempt.attempt === 3).map((attempt) => Date.parse(attempt.nextAttemptAt ?? '')),
    );
    expect(nextDue - clock.now()).toBeGreaterThan(10_000);

    // Back, and a new booking's delivery is the first to reach it: the three waiting follow at once.
    await later.listen(port);
    await book(t.app, event.id, 'w4');
    await t.deliveries.engine.runOnce();
    expect(clock.now()).toBeLessThan(nextDue);
    expect(later.received.map((delivery) => delivery.payload.data.booking)).toHaveLength(4);
    expect(later.ids().size).toBe(4);
    const retried = (await deliveries(created.webhook.id)).deliveries.filter((attempt) => attempt.statusCode === 204);
    expect(retried.map((attempt) => attempt.attempt).sort()).toEqual([1, 4, 4, 4]);
  });

  it('keeps the back-off for a receiver that answers but refuses one message', async () => {
    let refusedSeq = -1;
    const picky = await receiver({ status: (request) => (String(request.headers['webhook-id']).endsWith(`_${refusedSeq}`) ? 400 : 204) });
    const created = await register(picky.url, ['booking.confirmed']);
    picky.secret = created.secret;
    const event = await createEvent(t.app, { totalTickets: 5 });
    await book(t.app, event.id, 'p1');
    refusedSeq = (await auditOf(t.app, event.id)).find((entry) => entry.action === 'booking.confirmed')?.seq ?? -1;
    await t.deliveries.engine.runOnce();
    await book(t.app, event.id, 'p2');
    await t.deliveries.engine.runOnce();
    const history = (await deliveries(created.webhook.id)).deliveries;
    expect(history.map((attempt) => [attempt.seq, attempt.attempt, attempt.statusCode])).toEqual([
      [expect.any(Number), 1, 204],
      [refusedSeq, 1, 400],
    ]);
  });

  it('never announces a change that was refused or rolled back', async () => {
    const watcher = await receiver();
    watcher.secret = (await register(watcher.url)).secret;
    const event = await createEvent(t.app, { totalTickets: 1 });
    await book(t.app, event.id, 'once');
    const refused = await t.app.inject({
      method: 'POST',
      url: `/api/v1/events/${event.id}/bookings`,
      headers: asAdmin(),
      payload: { userId: 'once' },
    });
    expect(refused.statusCode).toBe(409);
    await t.deliveries.engine.runOnce();
    expect(watcher.received.map((delivery) => delivery.payload.type).sort()).toEqual(['booking.confirmed', 'event.created']);
  });

  it('sends a signed test message on demand', async () => {
    const target = await receiver();
    const created = await register(target.url);
    target.secret = created.secret;
    const response = await t.app.inject({ method: 'POST', url: `/api/v1/webhooks/${created.webhook.id}/test`, headers: asAdmin() });
    expect(response.statusCode).toBe(200);
    expect(response.json()).toMatchObject({ delivered: true, statusCode: 204, error: null });
    expect(target.received.map((delivery) => delivery.payload.type)).toEqual(['webhook.test']);
  });

  it('keeps answering bookings at once while every attempt hangs on a receiver that never answers', async () => {
    const hanging = await receiver({ delayMs: 60_000 });
    hanging.secret = (await register(hanging.url)).secret;
    t.deliveries.start(null);
    try {
      const event = await createEvent(t.app, { totalTickets: 40 });
      const slowest = Math.max(
        ...(await Promise.all(
          Array.from({ length: 30 }, async (_, i) => {
            const started = performance.now();
            await book(t.app, event.id, `busy-${i}`);
            return performance.now() - started;
          }),
        )),
      );
      expect(slowest).toBeLessThan(2_000);
      await expect.poll(() => hanging.requests, { timeout: 5_000 }).toBeGreaterThan(0);
    } finally {
      await t.deliveries.engine.stop();
    }
  });

  it('is described in /openapi.json', async () => {
    const spec = (await t.app.inject({ method: 'GET', url: '/openapi.json' })).json<{ paths: Record<string, unknown> }>();
    expect(Object.keys(spec.paths)).toEqual(
      expect.arrayContaining([
        '/api/v1/webhooks',
        '/api/v1/webhooks/{id}',
        '/api/v1/webhooks/{id}/deliveries',
        '/api/v1/webhooks/{id}/test',
      ]),
    );
  });

  it('pages deliveries newest first with a cursor', async () => {
    const target = await receiver();
    const created = await register(target.url, ['booking.confirmed']);
    target.secret = created.secret;
    const event = await createEvent(t.app, { totalTickets: 3 });
    for (const user of ['p1', 'p2', 'p3']) await book(t.app, event.id, user);
    await t.deliveries.engine.runOnce();
    const first = await deliveries(created.webhook.id, '?limit=2');
    expect(first.deliveries).toHaveLength(2);
    expect(first.nextCursor).not.toBeNull();
    const second = await deliveries(created.webhook.id, `?limit=2&cursor=${first.nextCursor}`);
    expect(second.deliveries).toHaveLength(1);
    expect(second.nextCursor).toBeNull();
    const pages = [...first.deliveries, ...second.deliveries];
    expect(new Set(pages.map((delivery) => delivery.seq)).size).toBe(3);
    const times = pages.map((delivery) => delivery.at);
    expect(times).toEqual([...times].sort().reverse());
    expect(
      (await t.app.inject({ method: 'GET', url: `/api/v1/webhooks/${created.webhook.id}/deliveries?limit=0`, headers: asAdmin() }))
        .statusCode,
    ).toBe(400);
  });
});
