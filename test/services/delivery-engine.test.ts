import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import type { RequestedBy } from '../../src/domain/audit.js';
import { LocalChangeFeed } from '../../src/services/change-feed.js';
import { DeliveryEngine } from '../../src/services/delivery-engine.js';
import { WebhookSender } from '../../src/services/webhook-sender.js';
import { WebhookService } from '../../src/services/webhook-service.js';
import { DeliveryRepository } from '../../src/store/delivery-repository.js';
import { ENGINES, SQLITE } from '../helpers/engines.js';
import { FakeClock } from '../helpers/fake-clock.js';
import { type TestStore, createTestStore } from '../helpers/test-store.js';
import { type ReceiverOptions, WebhookReceiver } from '../helpers/webhook-receiver.js';

const BY: RequestedBy = { actor: 'admin', requestId: null };
const TIMEOUT_MS = 1_000;

describe.each(ENGINES)('the delivery engine on $name', (engine) => {
  let t: TestStore;
  let repository: DeliveryRepository;
  const clock = new FakeClock();
  const receivers: WebhookReceiver[] = [];
  const sender = new WebhookSender(TIMEOUT_MS, 32);

  beforeAll(async () => {
    t = await createTestStore(engine);
    repository = new DeliveryRepository(t.database);
  });
  afterAll(async () => {
    sender.close();
    await t.close();
  });
  afterEach(async () => {
    await Promise.all(receivers.splice(0).map((receiver) => receiver.close()));
  });

  /** A receiver on 127.0.0.1 with a webhook for confirmed bookings pointing at it. */
  async function confirmedBookingsReceiver(options: ReceiverOptions) {
    const receiver = new WebhookReceiver(options);
    await receiver.listen();
    receivers.push(receiver);
    const webhooks = new WebhookService(repository, sender, clock.now);
    const webhook = await webhooks.create({ url: receiver.url, actions: ['booking.confirmed'] });
    receiver.secret = webhook.secret;
    return { receiver, webhooks, webhook };
  }

  it('gives back, without an attempt, the claims it could not start within their lease, and delivers them in a later round', async () => {
    let answer = () => {};
    const { receiver, webhooks, webhook } = await confirmedBookingsReceiver({
      answerAfter: new Promise<void>((resolve) => (answer = resolve)),
    });
    const event = await t.service.openEvent({ name: 'Queued', venue: null, startsAt: null, totalTickets: 5 }, BY);
    for (const userId of ['q1', 'q2', 'q3']) await t.service.book(event.id, userId, { quantity: 1, hold: false }, BY);

    // One attempt at a time: the first one hangs on the receiver while the other two wait for its slot.
    const deliveries = new DeliveryEngine(repository, sender, {
      timeoutMs: TIMEOUT_MS,
      retryForMs: 3_600_000,
      concurrency: 1,
      claimBatch: 3,
      clock: clock.now,
    });
    const round = deliveries.runOnce();
    await expect.poll(() => receiver.requests).toBe(1);
    // Long enough that the two waiting could no longer finish within their leases: they must not start.
    clock.advance(4_500);
    answer();
    await round;

    expect(receiver.overlapping).toEqual([]);
    expect(receiver.ids().size).toBe(3);
    expect(receiver.requests).toBe(3);
    const attempts = await webhooks.deliveries(webhook.id, { limit: 10 });
    // Each entry was attempted once, as attempt 1: the two given back kept their attempt number.
    expect(attempts.deliveries.map((attempt) => [attempt.attempt, attempt.statusCode])).toEqual([
      [1, 204],
      [1, 204],
      [1, 204],
    ]);
  });

  it('runs at most busyConcurrency attempts at once while bookings are being made, and all of them in the end', async () => {
    const { receiver } = await confirmedBookingsReceiver({ delayMs: 20 });
    const event = await t.service.openEvent({ name: 'Rush', venue: null, startsAt: null, totalTickets: 20 }, BY);
    for (let i = 0; i < 12; i++) await t.service.book(event.id, `rush${i}`, { quantity: 1, hold: false }, BY);

    const feed = new LocalChangeFeed();
    const deliveries = new DeliveryEngine(repository, sender, {
      timeoutMs: TIMEOUT_MS,
      retryForMs: 3_600_000,
      concurrency: 32,
      busyConcurrency: 4,
      clock: clock.now,
    });
    deliveries.start(feed);
    try {
      // A commit, as the booking service reports each one; the clock stands still, so the rush never ends.
      feed.publish(event.id);
      await expect.poll(() => receiver.ids().size).toBe(12);
    } finally {
      await deliveries.stop();
    }
    expect(receiver.mostAtOnce).toBeLessThanOrEqual(4);
    expect(receiver.overlapping).toEqual([]);
  });
});

describe('the delivery engine with nothing to deliver to', () => {
  it('looks for webhooks on every commit but runs no claiming transaction until one exists', async () => {
    const t = await createTestStore(SQLITE);
    const repository = new DeliveryRepository(t.database);
    const sender = new WebhookSender(TIMEOUT_MS, 4);
    const calls = { activeWebhooks: 0, settleAndClaim: 0 };
    const counted = new Proxy(repository, {
      get(target, property, receiver) {
        const value: unknown = Reflect.get(target, property, receiver);
        if (typeof value !== 'function') return value;
        return (...args: unknown[]) => {
          if (property === 'activeWebhooks' || property === 'settleAndClaim') calls[property] += 1;
          return (value as (...args: unknown[]) => unknown).apply(target, args);
        };
      },
    });
    const feed = new LocalChangeFeed();
    const deliveries = new DeliveryEngine(counted, sender, { timeoutMs: TIMEOUT_MS, retryForMs: 3_600_000, pollMs: 20 });
    deliveries.start(feed);
    try {
      const event = await t.service.openEvent({ name: 'Quiet', venue: null, startsAt: null, totalTickets: 5 }, BY);
      await t.service.book(event.id, 'quiet', { quantity: 1, hold: false }, BY);
      feed.publish(event.id);
      await expect.poll(() => calls.activeWebhooks).toBeGreaterThanOrEqual(3);
      expect(calls.settleAndClaim).toBe(0);

      // A webhook appears (here through the service, as another process would add it): the next pass claims.
      const receiver = new WebhookReceiver({});
      await receiver.listen();
      try {
        const webhook = await new WebhookService(repository, sender).create({ url: receiver.url });
        receiver.secret = webhook.secret;
        await t.service.book(event.id, 'heard', { quantity: 1, hold: false }, BY);
        feed.publish(event.id);
        await expect.poll(() => receiver.ids().size).toBe(1);
        expect(calls.settleAndClaim).toBeGreaterThan(0);
      } finally {
        await receiver.close();
      }
    } finally {
      await deliveries.stop();
      sender.close();
      await t.close();
    }
  });
});
