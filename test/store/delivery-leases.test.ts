import { CompiledQuery, type KyselyPlugin, type RootOperationNode, UpdateQueryNode } from 'kysely';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { RequestedBy } from '../../src/domain/audit.js';
import type { ClaimedDelivery, HandOutWindow } from '../../src/services/delivery-ports.js';
import { webhookChannel } from '../../src/services/delivery-engine.js';
import { WebhookSender } from '../../src/services/webhook-sender.js';
import { WebhookService } from '../../src/services/webhook-service.js';
import { Database } from '../../src/store/db.js';
import { DeliveryRepository } from '../../src/store/delivery-repository.js';
import { ENGINES } from '../helpers/engines.js';
import { type TestStore, createTestStore } from '../helpers/test-store.js';

const BY: RequestedBy = { actor: 'admin', requestId: null };
const OWNER = 'process-a';
const EVERY_ENTRY = () => ({ recipient: null });

describe.each(ENGINES)('delivery leases on $name', (engine) => {
  let t: TestStore;
  /** The UPDATE statements the repository sent, as Kysely built them. */
  const updates: RootOperationNode[] = [];
  let deliveries: DeliveryRepository;
  let webhooks: WebhookService;
  let eventId: string;
  const now = Date.parse('2030-01-01T00:00:00Z');
  const at = (ms: number) => new Date(now + ms).toISOString();

  beforeAll(async () => {
    t = await createTestStore(engine);
    const capture: KyselyPlugin = {
      transformQuery: ({ node }) => {
        if (UpdateQueryNode.is(node)) updates.push(node);
        return node;
      },
      transformResult: ({ result }) => Promise.resolve(result),
    };
    deliveries = new DeliveryRepository(new Database(t.db.withPlugin(capture), t.database.dialect));
    webhooks = new WebhookService(deliveries, new WebhookSender(1_000, 1));
    eventId = (await t.service.openEvent({ name: 'Leases', venue: null, startsAt: null, totalTickets: 50 }, BY)).id;
  });
  afterAll(async () => t.close());

  /** A webhook with `bookings` new entries, every one handed out and leased to OWNER for its first attempt. */
  async function leasedDeliveries(bookings: number): Promise<{ webhookId: string; claimed: ClaimedDelivery[] }> {
    const webhook = await webhooks.create({ url: 'http://127.0.0.1:9/hook' });
    for (let i = 0; i < bookings; i++) await t.service.book(eventId, `${webhook.id}-${i}`, { quantity: 1, hold: false }, BY);
    const window: HandOutWindow = {
      now: at(0),
      gapsSeenBefore: at(-600_000),
      limit: 500,
      claim: { owner: OWNER, leaseUntil: at(60_000), limit: 500 },
    };
    const { claimed } = await deliveries.handOut(webhookChannel(webhook.id), EVERY_ENTRY, window);
    expect(claimed).toHaveLength(bookings);
    return { webhookId: webhook.id, claimed: claimed.map(({ delivery }) => delivery) };
  }

  const delivered = (delivery: ClaimedDelivery) => ({
    delivery,
    outcome: { state: 'delivered' as const, statusCode: 204, error: null, durationMs: 3, at: at(1_000), nextAttemptAt: null },
  });

  async function states(webhookId: string): Promise<string[]> {
    const rows = await t.db
      .selectFrom('deliveries')
      .select('state')
      .where('channel_id', '=', webhookChannel(webhookId))
      .orderBy('seq')
      .execute();
    return rows.map((row) => row.state);
  }

  it('records an attempt that finished after its webhook was deleted without undoing the drop', async () => {
    const { webhookId, claimed } = await leasedDeliveries(3);
    await webhooks.delete(webhookId);
    await deliveries.settleAndClaim({ settled: claimed.map(delivered), released: [], recovered: [] }, OWNER, {
      now: at(1_000),
      leaseUntil: at(61_000),
      limit: 0,
    });
    expect(await states(webhookId)).toEqual(['dropped', 'dropped', 'dropped']);
  });

  it('settles the attempts it still holds, and only those', async () => {
    const { webhookId, claimed } = await leasedDeliveries(3);
    const [first, second, third] = claimed as [ClaimedDelivery, ClaimedDelivery, ClaimedDelivery];
    // Another process took over the third one's lease (this one was taken for dead).
    await t.db
      .updateTable('deliveries')
      .set({ lease_owner: 'process-b' })
      .where('channel_id', '=', third.channelId)
      .where('seq', '=', third.seq)
      .execute();
    await deliveries.settleAndClaim({ settled: [first, second, third].map(delivered), released: [], recovered: [] }, OWNER, {
      now: at(1_000),
      leaseUntil: at(61_000),
      limit: 0,
    });
    expect(await states(webhookId)).toEqual(['delivered', 'delivered', 'pending']);
    await webhooks.delete(webhookId);
  });

  if (engine.name === 'sqlite') {
    it('finds the attempts it settles by the primary key, however many deliveries are pending', async () => {
      const { webhookId, claimed } = await leasedDeliveries(40);
      updates.length = 0;
      await deliveries.settleAndClaim({ settled: claimed.map(delivered), released: [], recovered: [] }, OWNER, {
        now: at(1_000),
        leaseUntil: at(61_000),
        limit: 0,
      });
      const [settle] = updates;
      if (!settle) throw new Error('no UPDATE was sent');
      // SQLite has no statistics: a term on `state` made it walk every pending delivery through deliveries_due.
      const compiled = t.db.getExecutor().compileQuery(settle, { queryId: 'settle' });
      const plan = await t.db.executeQuery<{ detail: string }>(
        CompiledQuery.raw(`explain query plan ${compiled.sql}`, [...compiled.parameters]),
      );
      expect(plan.rows.map((row) => row.detail).join('; ')).toMatch(
        /USING (PRIMARY KEY|INDEX sqlite_autoindex_deliveries_\d+) \(channel_id=\? AND seq=\?\)/,
      );
      expect(await states(webhookId)).toEqual(Array(40).fill('delivered'));
    });
  }
});
