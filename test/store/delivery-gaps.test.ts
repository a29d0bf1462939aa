import { sql } from 'kysely';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { RequestedBy } from '../../src/domain/audit.js';
import type { HandOutWindow } from '../../src/services/delivery-ports.js';
import { webhookChannel } from '../../src/services/delivery-engine.js';
import { WebhookSender } from '../../src/services/webhook-sender.js';
import { WebhookService } from '../../src/services/webhook-service.js';
import { DeliveryRepository } from '../../src/store/delivery-repository.js';
import { ENGINES } from '../helpers/engines.js';
import { type TestStore, createTestStore } from '../helpers/test-store.js';

const BY: RequestedBy = { actor: 'admin', requestId: null };
const EVERY_ENTRY = () => ({ recipient: null });
const GRACE_MS = 600_000;

describe.each(ENGINES)('handing the audit log out on $name', (engine) => {
  let t: TestStore;
  let deliveries: DeliveryRepository;
  let eventId: string;
  let now = Date.parse('2030-01-01T00:00:00Z');

  beforeAll(async () => {
    t = await createTestStore(engine);
    deliveries = new DeliveryRepository(t.database);
    eventId = (await t.service.openEvent({ name: 'Gaps', venue: null, startsAt: null, totalTickets: 5 }, BY)).id;
  });
  afterAll(async () => t.close());

  const window = (): HandOutWindow => ({
    now: new Date(now).toISOString(),
    gapsSeenBefore: new Date(now - GRACE_MS).toISOString(),
    limit: 500,
  });

  async function logEnd(): Promise<number> {
    const row = await t.db
      .selectFrom('audit_log')
      .select((eb) => eb.fn.max('seq').as('seq'))
      .executeTakeFirst();
    return Number(row?.seq ?? 0);
  }

  /** An audit entry with the seq a transaction drew earlier and commits only now. */
  async function commitLate(seq: number): Promise<void> {
    await t.db
      .insertInto('audit_log')
      .values({
        seq,
        event_id: eventId,
        action: 'event.updated',
        user_id: null,
        booking_id: null,
        actor: 'admin',
        request_id: null,
        at: new Date(now).toISOString(),
        data: null,
      })
      .execute();
  }

  async function handedOut(channel: string): Promise<number[]> {
    const rows = await t.db.selectFrom('deliveries').select('seq').where('channel_id', '=', channel).orderBy('seq').execute();
    return rows.map((row) => Number(row.seq));
  }

  // SQLite has one writer, so no transaction is ever open beside another. First: the tests after it write
  // seqs by hand, which PostgreSQL's sequence does not know about.
  if (engine.name !== 'sqlite')
    it('hands out an entry whose transaction was still open when later ones committed', async () => {
      await deliveries.openChannel('test:open', window().now);
      // Another event, so the later commit does not queue behind the open transaction's lock on the first.
      const elsewhere = await t.service.openEvent({ name: 'Elsewhere', venue: null, startsAt: null, totalTickets: 1 }, BY);
      await deliveries.handOut('test:open', EVERY_ENTRY, window());
      const earlier = await handedOut('test:open');
      // A connection of its own holds a transaction that drew a seq and has not committed yet.
      const slow = t.db.connection();
      let release: () => void = () => {};
      const released = new Promise<void>((resolve) => (release = resolve));
      let drawn = 0;
      const open = slow.execute(async (conn) => {
        await sql`begin`.execute(conn);
        await conn
          .insertInto('audit_log')
          .values({
            event_id: eventId,
            action: 'event.updated',
            user_id: null,
            booking_id: null,
            actor: 'slow',
            request_id: null,
            at: new Date(now).toISOString(),
            data: null,
          })
          .execute();
        drawn = await (async () => {
          const row = await conn
            .selectFrom('audit_log')
            .select((eb) => eb.fn.max('seq').as('seq'))
            .where('actor', '=', 'slow')
            .executeTakeFirst();
          return Number(row?.seq);
        })();
        await released;
        await sql`commit`.execute(conn);
      });
      await expect.poll(() => drawn).toBeGreaterThan(0);
      await t.service.updateEvent(elsewhere.id, { name: 'Elsewhere, later' }, BY);
      await deliveries.handOut('test:open', EVERY_ENTRY, window());
      const before = await handedOut('test:open');
      expect(before).not.toContain(drawn);
      expect(before.length).toBe(earlier.length + 1);

      release();
      await open;
      await deliveries.handOut('test:open', EVERY_ENTRY, window());
      expect(await handedOut('test:open')).toEqual([drawn, ...before].sort((a, b) => a - b));
    });

  it('hands out an entry that commits after a later one, once it is there', async () => {
    await deliveries.openChannel('test:late', window().now);
    const end = await logEnd();
    await commitLate(end + 2);
    await deliveries.handOut('test:late', EVERY_ENTRY, window());
    expect(await handedOut('test:late')).toEqual([end + 2]);

    now += 1_000;
    await commitLate(end + 1);
    await deliveries.handOut('test:late', EVERY_ENTRY, window());
    expect(await handedOut('test:late')).toEqual([end + 1, end + 2]);
    expect(await t.db.selectFrom('delivery_gaps').selectAll().where('channel_id', '=', 'test:late').execute()).toEqual([]);
  });

  it('forgets a gap no transaction filled within the grace period (a rollback), and hands nothing out twice', async () => {
    await deliveries.openChannel('test:rollback', window().now);
    const end = await logEnd();
    await commitLate(end + 3);
    await deliveries.handOut('test:rollback', EVERY_ENTRY, window());
    await deliveries.handOut('test:rollback', EVERY_ENTRY, window());
    const gaps = await t.db.selectFrom('delivery_gaps').select(['from_seq', 'to_seq']).where('channel_id', '=', 'test:rollback').execute();
    expect(gaps.map((gap) => [Number(gap.from_seq), Number(gap.to_seq)])).toEqual([[end + 1, end + 2]]);

    now += GRACE_MS + 1;
    await deliveries.handOut('test:rollback', EVERY_ENTRY, window());
    expect(await t.db.selectFrom('delivery_gaps').selectAll().where('channel_id', '=', 'test:rollback').execute()).toEqual([]);
    expect(await handedOut('test:rollback')).toEqual([end + 3]);
  });

  it('hands nothing out to a webhook deleted after the engine read it as active', async () => {
    const webhooks = new WebhookService(deliveries, new WebhookSender(1_000, 1));
    const webhook = await webhooks.create({ url: 'http://127.0.0.1:9/hook' });
    // The engine read the webhook as active; the admin deletes it before the hand-out; then bookings go on.
    await webhooks.delete(webhook.id);
    await commitLate((await logEnd()) + 1);
    const handed = await deliveries.handOut(webhookChannel(webhook.id), EVERY_ENTRY, window());
    expect(handed).toEqual({ read: 0, claimed: [] });
    expect(await handedOut(webhookChannel(webhook.id))).toEqual([]);
  });
});
