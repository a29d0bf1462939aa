import type { KeptAnswer } from '../services/idempotency.js';
import { type Database, keepAnswer } from './db.js';
import { IdempotencyRepository } from './idempotency-repository.js';
import { type Insertable, type Selectable, sql } from 'kysely';
import type { AuditAction } from '../domain/audit.js';
import type { AnnouncedEntry, DeliveryAttempt, Webhook, WebhookWithSecret } from '../domain/webhook.js';
import type {
  ClaimWindow,
  ClaimedDelivery,
  DeliveryStore,
  HandOutRule,
  HandOutWindow,
  HandedOut,
  LoggedEntry,
  RoundRecord,
  SettledAttempt,
  WebhookStore,
} from '../services/delivery-ports.js';
import { AuditRepository, toEntry } from './audit-repository.js';
import type { Db, Dialect } from './dialect.js';
import { RowStatement } from './row-statement.js';
import type { AuditLogTable, DeliveriesTable, DeliveryAttemptsTable, WebhooksTable } from './schema.js';

// Open gap ranges looked at per pass; there are few (concurrent commits, rolled-back transactions).
const GAPS_PER_PASS = 100;
const ERROR_MAX = 500;
/**
 * Hand-outs, claims and attempt records need not be flushed at commit: one lost to a power cut is redone
 * (entries handed out again, a lease expiring, an attempt repeated — at least once, receivers dedupe), and
 * the sync a booking's commit waits for then stays the bookings' own.
 */
const BOOKKEEPING = { durable: false };

type DeliveryRow = Insertable<DeliveriesTable>;
type AttemptRow = Insertable<DeliveryAttemptsTable>;

const DELIVERY_COLUMNS = [
  'channel_id',
  'seq',
  'action',
  'recipient',
  'state',
  'attempts',
  'created_at',
  'next_attempt_at',
  'lease_owner',
  'lease_until',
] as const satisfies readonly (keyof DeliveryRow)[];

const ATTEMPT_COLUMNS = [
  'channel_id',
  'seq',
  'action',
  'attempt',
  'status_code',
  'error',
  'duration_ms',
  'at',
  'next_attempt_at',
] as const satisfies readonly (keyof AttemptRow)[];

/** An entry handed out before (a gap looked at again) keeps its delivery as it is. */
const handOut = {
  'on-conflict': new RowStatement<DeliveryRow>(DELIVERY_COLUMNS, (db, rows) =>
    db
      .insertInto('deliveries')
      .values(rows)
      .onConflict((conflict) => conflict.columns(['channel_id', 'seq']).doNothing()),
  ),
  'on-duplicate-key': new RowStatement<DeliveryRow>(DELIVERY_COLUMNS, (db, rows) =>
    db
      .insertInto('deliveries')
      .values(rows)
      .onDuplicateKeyUpdate({ state: sql.ref('state') }),
  ),
};

const recordAttempts = new RowStatement<AttemptRow>(ATTEMPT_COLUMNS, (db, rows) => db.insertInto('delivery_attempts').values(rows));

interface Gap {
  from: number;
  to: number;
  seenAt: string;
}

function toWebhook(row: Selectable<WebhooksTable>): WebhookWithSecret & { deleted: boolean } {
  return {
    id: row.id,
    url: row.url,
    actions: row.actions === null ? null : (JSON.parse(row.actions) as AuditAction[]),
    createdAt: row.created_at,
    secret: row.secret,
    deleted: row.deleted_at !== null,
  };
}

function publicWebhook({ id, url, actions, createdAt }: Webhook): Webhook {
  return { id, url, actions, createdAt };
}

/**
 * The deliveries grouped by channel and attempt number, so each group is one `channel_id = ? and
 * attempts = ? and seq in (…)` statement along the primary key: a batch is a handful of statements,
 * where an OR of a term per delivery would cost more to compile than to run.
 */
function byChannelAndAttempt(deliveries: readonly ClaimedDelivery[]): Array<{ channelId: string; attempt: number; seqs: number[] }> {
  const groups = new Map<string, { channelId: string; attempt: number; seqs: number[] }>();
  for (const { channelId, attempt, seq } of deliveries) {
    const key = `${attempt}:${channelId}`;
    const group = groups.get(key) ?? { channelId, attempt, seqs: [] };
    group.seqs.push(seq);
    groups.set(key, group);
  }
  return [...groups.values()];
}

/**
 * An update of the deliveries of one group whose lease `owner` still holds (its attempt not yet taken over).
 * Only a pending delivery holds a lease (claims take pending ones; every change of state ends the lease),
 * so the lease says it still waits for this attempt. A `state` term here made SQLite, which has no
 * statistics, walk every pending delivery through `deliveries_due` instead of the primary key:
 * 2.5–4.8 ms a statement in the webhooks bench.
 */
function stillLeased(db: Db, owner: string, group: { channelId: string; attempt: number; seqs: number[] }) {
  return db
    .updateTable('deliveries')
    .where('lease_owner', '=', owner)
    .where('channel_id', '=', group.channelId)
    .where('attempts', '=', group.attempt)
    .where('seq', 'in', group.seqs);
}

/** Seq ranges in [from, to] that are not in `present` (sorted ascending). */
function missingRuns(from: number, to: number, present: readonly number[]): Array<[number, number]> {
  const runs: Array<[number, number]> = [];
  let next = from;
  for (const seq of present) {
    if (seq < next || seq > to) continue;
    if (seq > next) runs.push([next, seq - 1]);
    next = seq + 1;
  }
  if (next <= to) runs.push([next, to]);
  return runs;
}

/**
 * The outbox tables (webhooks, channels, gaps, deliveries, attempts) over Kysely, every engine. The admin's
 * calls (WebhookStore) go through Database.read, so an outage answers 503 there like everywhere else; the
 * delivery engine's calls keep the driver's errors, which it logs and retries on its own.
 */
export class DeliveryRepository implements DeliveryStore, WebhookStore {
  private readonly db: Db;
  private readonly dialect: Dialect;

  constructor(private readonly database: Database) {
    this.db = database.db;
    this.dialect = database.dialect;
  }

  async activeWebhooks(): Promise<WebhookWithSecret[]> {
    const rows = await this.db.selectFrom('webhooks').selectAll().where('deleted_at', 'is', null).orderBy('created_at').execute();
    return rows.map(toWebhook);
  }

  findWebhook(id: string): Promise<(WebhookWithSecret & { deleted: boolean }) | null> {
    return this.database.read(async () => {
      const row = await this.db.selectFrom('webhooks').selectAll().where('id', '=', id).executeTakeFirst();
      return row ? toWebhook(row) : null;
    });
  }

  list(): Promise<Webhook[]> {
    return this.database.read(async () => {
      const rows = await this.db
        .selectFrom('webhooks')
        .selectAll()
        .where('deleted_at', 'is', null)
        .orderBy('created_at')
        .orderBy('id')
        .execute();
      return rows.map((row) => publicWebhook(toWebhook(row)));
    });
  }

  create(webhook: WebhookWithSecret, channelId: string, kept?: KeptAnswer): Promise<void> {
    return this.database.read(() =>
      this.dialect.transaction(this.db, async (trx) => {
        if (kept) await keepAnswer(new IdempotencyRepository(trx, this.dialect), kept);
        await trx
          .insertInto('webhooks')
          .values({
            id: webhook.id,
            url: webhook.url,
            actions: webhook.actions === null ? null : JSON.stringify(webhook.actions),
            secret: webhook.secret,
            created_at: webhook.createdAt,
            deleted_at: null,
          })
          .execute();
        await this.insertChannelAtLogEnd(trx, channelId, webhook.createdAt);
      }),
    );
  }

  delete(id: string, channelId: string, now: string, keep?: (deleted: Webhook) => KeptAnswer): Promise<Webhook | null> {
    return this.database.read(() =>
      this.dialect.transaction(this.db, async (trx) => {
        const row = await trx.selectFrom('webhooks').selectAll().where('id', '=', id).where('deleted_at', 'is', null).executeTakeFirst();
        if (!row) return null;
        await trx.updateTable('webhooks').set({ deleted_at: now }).where('id', '=', id).execute();
        // The channel goes first: this waits for a hand-out under way (it holds the row), whose deliveries the
        // next statement then drops, and a hand-out that read the webhook as active before this commits finds
        // no channel, so nothing committed after the deletion is ever delivered to it.
        await trx.deleteFrom('delivery_channels').where('id', '=', channelId).execute();
        // Their leases end with them: an attempt under way then records nothing over `dropped`.
        await trx
          .updateTable('deliveries')
          .set({ state: 'dropped', lease_owner: null, lease_until: null })
          .where('channel_id', '=', channelId)
          .where('state', '=', 'pending')
          .execute();
        await trx.deleteFrom('delivery_gaps').where('channel_id', '=', channelId).execute();
        const deleted = publicWebhook(toWebhook(row));
        if (keep) await keepAnswer(new IdempotencyRepository(trx, this.dialect), keep(deleted));
        return deleted;
      }),
    );
  }

  keepAnswer(kept: KeptAnswer): Promise<void> {
    return this.database.read(({ keys }) => keepAnswer(keys, kept));
  }

  async attempts(channelId: string, beforeId: number | null, limit: number): Promise<Array<DeliveryAttempt & { id: number }>> {
    let query = this.db.selectFrom('delivery_attempts').selectAll().where('channel_id', '=', channelId);
    if (beforeId !== null) query = query.where('id', '<', beforeId);
    const rows = await this.database.read(() => query.orderBy('id', 'desc').limit(limit).execute());
    return rows.map((row) => ({
      id: Number(row.id),
      seq: Number(row.seq),
      action: row.action,
      attempt: Number(row.attempt),
      statusCode: row.status_code === null ? null : Number(row.status_code),
      error: row.error,
      durationMs: Number(row.duration_ms),
      at: row.at,
      nextAttemptAt: row.next_attempt_at,
    }));
  }

  async openChannel(channelId: string, now: string): Promise<void> {
    const exists = await this.db.selectFrom('delivery_channels').select('id').where('id', '=', channelId).executeTakeFirst();
    if (exists) return;
    try {
      await this.insertChannelAtLogEnd(this.db, channelId, now);
    } catch (error) {
      // Another process opened it first.
      if (!this.dialect.isUniqueViolation(error)) throw error;
    }
  }

  async handOut(channelId: string, rule: HandOutRule, window: HandOutWindow): Promise<HandedOut> {
    return this.bookkeeping(async (trx) => {
      let channelQuery = trx.selectFrom('delivery_channels').select('last_seq').where('id', '=', channelId);
      if (this.dialect.rowLocks) channelQuery = channelQuery.forUpdate();
      // Another process is handing this channel out right now: it will do the same work.
      if (this.dialect.skipLocked) channelQuery = channelQuery.skipLocked();
      const channel = await channelQuery.executeTakeFirst();
      if (!channel) return { read: 0, claimed: [] };
      const cursor = Number(channel.last_seq);

      // Whole rows: the deliveries claimed here need what their entries announce.
      const freshRows = await trx
        .selectFrom('audit_log')
        .selectAll()
        .where('seq', '>', cursor)
        .orderBy('seq')
        .limit(window.limit)
        .execute();
      const fresh = toLogged(freshRows);
      const gaps = (
        await trx
          .selectFrom('delivery_gaps')
          .selectAll()
          .where('channel_id', '=', channelId)
          .orderBy('from_seq')
          .limit(GAPS_PER_PASS)
          .execute()
      ).map((row): Gap => ({ from: Number(row.from_seq), to: Number(row.to_seq), seenAt: row.seen_at }));
      const late =
        gaps.length === 0
          ? []
          : toLogged(
              await selectLogged(trx)
                .where((eb) => eb.or(gaps.map((gap) => eb.between('seq', gap.from, gap.to))))
                .orderBy('seq')
                .execute(),
            );

      // Late entries go in unclaimed (a round claims them); only entries past the cursor, which this hand-out
      // alone can write while it holds the channel's row, are claimed as they are written.
      await this.insertDeliveries(trx, channelId, late, rule, window.now);
      const claimed = await this.insertDeliveries(trx, channelId, fresh, rule, window.now, window.claim);

      // Gaps that filled up or expired go; what is still missing of the others stays, with its first sighting.
      const lateSeqs = late.map((entry) => entry.seq);
      for (const gap of gaps) {
        const expired = gap.seenAt < window.gapsSeenBefore;
        const runs = expired ? [] : missingRuns(gap.from, gap.to, lateSeqs);
        const unchanged = runs.length === 1 && runs[0]?.[0] === gap.from && runs[0]?.[1] === gap.to;
        if (unchanged) continue;
        await trx.deleteFrom('delivery_gaps').where('channel_id', '=', channelId).where('from_seq', '=', gap.from).execute();
        await this.insertGaps(trx, channelId, runs, gap.seenAt);
      }
      const last = fresh.at(-1);
      if (last) {
        // Seqs the cursor passes without seeing them belong to transactions still open, or rolled back.
        await this.insertGaps(
          trx,
          channelId,
          missingRuns(
            cursor + 1,
            last.seq,
            fresh.map((entry) => entry.seq),
          ),
          window.now,
        );
        await trx.updateTable('delivery_channels').set({ last_seq: last.seq }).where('id', '=', channelId).execute();
      }
      const rowsBySeq = new Map(freshRows.map((row) => [Number(row.seq), row]));
      return {
        read: fresh.length + late.length,
        claimed: claimed.map((delivery) => ({ delivery, entry: toEntry(rowsBySeq.get(delivery.seq) as Selectable<AuditLogTable>) })),
      };
    });
  }

  async settleAndClaim({ settled, released, recovered }: RoundRecord, owner: string, claim: ClaimWindow): Promise<ClaimedDelivery[]> {
    return this.bookkeeping(async (trx) => {
      // Done deliveries (delivered, failed, dropped) change alike: one statement per state. A retry has its own due time.
      for (const state of ['delivered', 'failed', 'dropped'] as const) {
        const done = settled.filter(({ outcome }) => outcome.state === state);
        if (done.length > 0) await this.settle(trx, owner, done, { state, next_attempt_at: claim.now });
      }
      // Retries (a receiver away fails a whole batch) each have their due time: one CASE per group, not a statement each.
      const retries = settled.filter(({ outcome }) => outcome.state === 'pending');
      const dueAt = new Map(
        retries.map(({ delivery, outcome }) => [`${delivery.channelId} ${delivery.seq}`, outcome.nextAttemptAt ?? claim.now]),
      );
      for (const group of byChannelAndAttempt(retries.map(({ delivery }) => delivery))) {
        const cases = group.seqs.map((seq) => sql`when ${seq} then ${dueAt.get(`${group.channelId} ${seq}`) ?? claim.now}`);
        await stillLeased(trx, owner, group)
          .set({
            state: 'pending',
            next_attempt_at: sql<string>`case ${sql.ref('seq')} ${sql.join(cases, sql` `)} end`,
            lease_owner: null,
            lease_until: null,
          })
          .execute();
      }
      for (const group of byChannelAndAttempt(released)) {
        await stillLeased(trx, owner, group)
          .set((eb) => ({ attempts: eb('attempts', '-', 1), lease_owner: null, lease_until: null }))
          .execute();
      }
      if (recovered.length > 0) {
        await trx
          .updateTable('deliveries')
          .set({ next_attempt_at: claim.now })
          .where('state', '=', 'pending')
          .where('next_attempt_at', '>', claim.now)
          .where('channel_id', 'in', [...recovered])
          .where('lease_until', 'is', null)
          .execute();
      }
      const attempts = settled.filter(({ outcome }) => outcome.state !== 'dropped');
      if (attempts.length > 0) {
        await recordAttempts.execute(
          trx,
          this.dialect,
          attempts.map(({ delivery, outcome }) => ({
            channel_id: delivery.channelId,
            seq: delivery.seq,
            action: delivery.action,
            attempt: delivery.attempt,
            status_code: outcome.statusCode,
            error: outcome.error === null ? null : outcome.error.slice(0, ERROR_MAX),
            duration_ms: Math.round(outcome.durationMs),
            at: outcome.at,
            next_attempt_at: outcome.nextAttemptAt,
          })),
        );
      }
      if (claim.limit <= 0) return [];
      let query = trx
        .selectFrom('deliveries')
        .select(['channel_id', 'seq', 'action', 'recipient', 'attempts', 'created_at'])
        .where('state', '=', 'pending')
        .where('next_attempt_at', '<=', claim.now)
        .where((eb) => eb.or([eb('lease_until', 'is', null), eb('lease_until', '<=', claim.now)]))
        .orderBy('next_attempt_at')
        .limit(claim.limit);
      if (this.dialect.rowLocks) query = query.forUpdate();
      // Rows another process is claiming are passed over, not waited for: it takes those, this one the next.
      if (this.dialect.skipLocked) query = query.skipLocked();
      const rows = await query.execute();
      if (rows.length === 0) return [];
      const seqsByChannel = new Map<string, number[]>();
      for (const row of rows) {
        const seqs = seqsByChannel.get(row.channel_id);
        if (seqs) seqs.push(Number(row.seq));
        else seqsByChannel.set(row.channel_id, [Number(row.seq)]);
      }
      for (const [channelId, seqs] of seqsByChannel) {
        await trx
          .updateTable('deliveries')
          .set((eb) => ({ attempts: eb('attempts', '+', 1), lease_owner: owner, lease_until: claim.leaseUntil }))
          .where('channel_id', '=', channelId)
          .where('seq', 'in', seqs)
          .execute();
      }
      return rows.map((row) => ({
        channelId: row.channel_id,
        seq: Number(row.seq),
        action: row.action,
        recipient: row.recipient,
        attempt: Number(row.attempts) + 1,
        handedOutAt: row.created_at,
      }));
    });
  }

  async announced(seqs: readonly number[]): Promise<Map<number, AnnouncedEntry>> {
    // Each entry carries the booking and the event as it left them (its snapshot).
    const entries = await new AuditRepository(this.db, this.dialect).bySeqs([...new Set(seqs)]);
    return new Map(entries.map((entry) => [entry.seq, entry]));
  }

  /** Ends the attempts' leases with the new state; only where `owner` still holds the lease for that very attempt. */
  private async settle(
    db: Db,
    owner: string,
    attempts: readonly SettledAttempt[],
    change: { state: string; next_attempt_at: string },
  ): Promise<void> {
    for (const group of byChannelAndAttempt(attempts.map(({ delivery }) => delivery))) {
      await stillLeased(db, owner, group)
        .set({ ...change, lease_owner: null, lease_until: null })
        .execute();
    }
  }

  private async bookkeeping<T>(work: (trx: Db) => Promise<T>): Promise<T> {
    const result = await this.dialect.transaction(this.db, work, BOOKKEEPING);
    // The entries it read may be commits still on their way to disk (SQLite's log): none is announced before.
    await this.dialect.durable?.();
    return result;
  }

  private async insertChannelAtLogEnd(db: Db, channelId: string, now: string): Promise<void> {
    const end = await db
      .selectFrom('audit_log')
      .select((eb) => eb.fn.max('seq').as('seq'))
      .executeTakeFirst();
    await db
      .insertInto('delivery_channels')
      .values({ id: channelId, last_seq: Number(end?.seq ?? 0), created_at: now })
      .execute();
  }

  /** Writes the deliveries the rule picks; the first `claim.limit` of them leased to `claim.owner` for attempt 1, which it returns. */
  private async insertDeliveries(
    db: Db,
    channelId: string,
    entries: readonly LoggedEntry[],
    rule: HandOutRule,
    now: string,
    claim?: HandOutWindow['claim'],
  ): Promise<ClaimedDelivery[]> {
    const claimed: ClaimedDelivery[] = [];
    const rows = entries.flatMap((entry) => {
      const chosen = rule(entry);
      if (!chosen) return [];
      const leased = claim !== undefined && claimed.length < claim.limit;
      if (leased) {
        claimed.push({ channelId, seq: entry.seq, action: entry.action, recipient: chosen.recipient, attempt: 1, handedOutAt: now });
      }
      return [
        {
          channel_id: channelId,
          seq: entry.seq,
          action: entry.action,
          recipient: chosen.recipient,
          state: 'pending',
          attempts: leased ? 1 : 0,
          created_at: now,
          next_attempt_at: now,
          lease_owner: leased ? claim.owner : null,
          lease_until: leased ? claim.leaseUntil : null,
        },
      ];
    });
    await handOut[this.dialect.upsert].execute(db, this.dialect, rows);
    return claimed;
  }

  private async insertGaps(db: Db, channelId: string, runs: ReadonlyArray<[number, number]>, seenAt: string): Promise<void> {
    if (runs.length === 0) return;
    await db
      .insertInto('delivery_gaps')
      .values(runs.map(([from, to]) => ({ channel_id: channelId, from_seq: from, to_seq: to, seen_at: seenAt })))
      .execute();
  }
}

function selectLogged(db: Db) {
  return db.selectFrom('audit_log').select(['seq', 'action', 'user_id']);
}

function toLogged(rows: ReadonlyArray<{ seq: number | string; action: string; user_id: string | null }>): LoggedEntry[] {
  return rows.map((row) => ({ seq: Number(row.seq), action: row.action, userId: row.user_id }));
}
