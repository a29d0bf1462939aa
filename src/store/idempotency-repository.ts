import type { Selectable } from 'kysely';
import type { KeyRecord, KeyRef, StoredAnswer } from '../services/idempotency.js';
import type { Db } from './dialect.js';
import type { IdempotencyKeysTable } from './schema.js';

function toRecord(row: Selectable<IdempotencyKeysTable>): KeyRecord {
  return {
    requestHash: row.request_hash,
    state: row.state === 'done' ? 'done' : 'pending',
    answer:
      row.status_code === null || row.response_body === null ? null : { statusCode: Number(row.status_code), body: row.response_body },
    leaseUntil: row.lease_until,
    expiresAt: row.expires_at,
  };
}

/** The columns of a fresh pending claim, whether inserted or taken over. */
function pendingClaim(token: string, requestHash: string, now: string, leaseUntil: string, expiresAt: string) {
  return {
    claim_token: token,
    request_hash: requestHash,
    state: 'pending',
    status_code: null,
    response_body: null,
    created_at: now,
    lease_until: leaseUntil,
    expires_at: expiresAt,
  };
}

export class IdempotencyRepository {
  constructor(private readonly db: Db) {}

  async insertPending(
    ref: KeyRef & { token: string },
    requestHash: string,
    now: string,
    leaseUntil: string,
    expiresAt: string,
  ): Promise<void> {
    await this.db
      .insertInto('idempotency_keys')
      .values({ scope: ref.scope, idempotency_key: ref.key, ...pendingClaim(ref.token, requestHash, now, leaseUntil, expiresAt) })
      .execute();
  }

  async find(ref: KeyRef): Promise<KeyRecord | null> {
    const row = await this.db
      .selectFrom('idempotency_keys')
      .selectAll()
      .where('scope', '=', ref.scope)
      .where('idempotency_key', '=', ref.key)
      .executeTakeFirst();
    return row ? toRecord(row) : null;
  }

  /** Compare-and-set on the lease the caller saw, so two takers cannot both win. */
  async takeOver(
    ref: KeyRef & { token: string },
    seen: KeyRecord,
    requestHash: string,
    now: string,
    leaseUntil: string,
    expiresAt: string,
  ): Promise<boolean> {
    const result = await this.db
      .updateTable('idempotency_keys')
      .set(pendingClaim(ref.token, requestHash, now, leaseUntil, expiresAt))
      .where('scope', '=', ref.scope)
      .where('idempotency_key', '=', ref.key)
      .where('state', '=', seen.state)
      .where('lease_until', '=', seen.leaseUntil)
      .where('expires_at', '=', seen.expiresAt)
      .executeTakeFirst();
    return Number(result.numUpdatedRows) === 1;
  }

  /** Only the pending claim `ref.token` holds (any pending one without a token); true when it was answered. */
  async complete(ref: KeyRef, answer: StoredAnswer): Promise<boolean> {
    const result = await this.db
      .updateTable('idempotency_keys')
      .set({ state: 'done', status_code: answer.statusCode, response_body: answer.body })
      .where('scope', '=', ref.scope)
      .where('idempotency_key', '=', ref.key)
      .where('state', '=', 'pending')
      .$if(ref.token !== undefined, (query) => query.where('claim_token', '=', ref.token ?? ''))
      .executeTakeFirst();
    return Number(result.numUpdatedRows) === 1;
  }

  async renew(ref: KeyRef, leaseUntil: string): Promise<boolean> {
    const result = await this.db
      .updateTable('idempotency_keys')
      .set({ lease_until: leaseUntil })
      .where('scope', '=', ref.scope)
      .where('idempotency_key', '=', ref.key)
      .where('state', '=', 'pending')
      .where('claim_token', '=', ref.token ?? '')
      .executeTakeFirst();
    return Number(result.numUpdatedRows) === 1;
  }

  async release(ref: KeyRef): Promise<void> {
    await this.db
      .deleteFrom('idempotency_keys')
      .where('scope', '=', ref.scope)
      .where('idempotency_key', '=', ref.key)
      .where('state', '=', 'pending')
      .$if(ref.token !== undefined, (query) => query.where('claim_token', '=', ref.token ?? ''))
      .execute();
  }

  async purgeExpired(now: string): Promise<number> {
    const result = await this.db.deleteFrom('idempotency_keys').where('expires_at', '<=', now).executeTakeFirst();
    return Number(result.numDeletedRows);
  }
}
