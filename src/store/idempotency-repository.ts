import { type Selectable, sql } from 'kysely';
import type { KeptAnswer, KeyRecord, KeyRef, StoredAnswer } from '../services/idempotency.js';
import type { Db, Dialect } from './dialect.js';
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

/** A claim's key with its token, the request's fingerprint, and its times: now, the lease's end, the key's expiry. */
export type PendingClaim = readonly [
  ref: KeyRef & { token: string },
  requestHash: string,
  now: string,
  leaseUntil: string,
  expiresAt: string,
];

/** Claims in one INSERT at most: ten parameters each, well inside every engine's limit. */
const CLAIMS_PER_STATEMENT = 500;

export class IdempotencyRepository {
  constructor(
    private readonly db: Db,
    private readonly dialect: Pick<Dialect, 'upsert' | 'readsJsonRows' | 'insertsFromJson' | 'joinsJsonTable'>,
  ) {}

  /**
   * New pending claims, in order; each is false where its key is taken already (answered, not thrown, so
   * the others still go in). Where the engine has DO NOTHING and RETURNING, one statement per
   * CLAIMS_PER_STATEMENT, each claim known by its token among those returned; MySQL, with neither, an
   * INSERT IGNORE each (it would turn other errors into warnings too, which validated values never raise).
   */
  async insertPending(claims: readonly PendingClaim[]): Promise<boolean[]> {
    const rows = claims.map(([ref, requestHash, now, leaseUntil, expiresAt]) => ({
      scope: ref.scope,
      idempotency_key: ref.key,
      ...pendingClaim(ref.token, requestHash, now, leaseUntil, expiresAt),
    }));
    if (this.dialect.upsert !== 'on-conflict') {
      const inserted: boolean[] = [];
      for (const row of rows) {
        const result = await this.db.insertInto('idempotency_keys').values(row).ignore().executeTakeFirst();
        inserted.push(Number(result.numInsertedOrUpdatedRows ?? 0) === 1);
      }
      return inserted;
    }
    const won = new Set<string>();
    for (let start = 0; start < rows.length; start += CLAIMS_PER_STATEMENT) {
      const returned = await this.db
        .insertInto('idempotency_keys')
        .values(rows.slice(start, start + CLAIMS_PER_STATEMENT))
        .onConflict((conflict) => conflict.columns(['scope', 'idempotency_key']).doNothing())
        .returning('claim_token')
        .execute();
      for (const { claim_token: token } of returned) if (token !== null) won.add(token);
    }
    return rows.map((row) => won.has(row.claim_token));
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

  /**
   * Completes every claim with its answer: true when each one was still pending under its token. A batch of
   * keyed bookings stores its answers in its own transaction, which holds the event's lock: one statement
   * for all of them where rows can come from one JSON parameter, rather than a round trip each.
   */
  async completeAll(kept: readonly KeptAnswer[]): Promise<boolean> {
    const rows = kept.map(({ ref, answer }) => ({
      scope: ref.scope,
      idempotency_key: ref.key,
      claim_token: ref.token,
      status_code: answer.statusCode,
      response_body: answer.body,
    }));
    const bulk = rows.length > 1 && rows.every((row) => row.claim_token !== undefined);
    if (bulk && this.dialect.joinsJsonTable) {
      const result = await sql`
        update idempotency_keys as k
        join json_table(${JSON.stringify(rows)}, '$[*]' columns (
          scope varchar(160) path '$.scope',
          idempotency_key varchar(255) path '$.idempotency_key',
          claim_token varchar(32) path '$.claim_token',
          status_code int path '$.status_code',
          response_body longtext path '$.response_body'
        )) as answered
          on k.scope = answered.scope and k.idempotency_key = answered.idempotency_key and k.claim_token = answered.claim_token
        set k.state = 'done', k.status_code = answered.status_code, k.response_body = answered.response_body
        where k.state = 'pending'`.execute(this.db);
      return Number(result.numAffectedRows ?? 0) === rows.length;
    }
    if (bulk && (this.dialect.readsJsonRows || this.dialect.insertsFromJson)) {
      const json = JSON.stringify(rows);
      const answered = this.dialect.readsJsonRows
        ? sql<{ scope: string }>`
            update idempotency_keys set state = 'done', status_code = answered.status_code, response_body = answered.response_body
            from (
              select value ->> 'scope' as scope, value ->> 'idempotency_key' as idempotency_key, value ->> 'claim_token' as claim_token,
                value ->> 'status_code' as status_code, value ->> 'response_body' as response_body
              from json_each(${json})
            ) as answered
            where idempotency_keys.scope = answered.scope and idempotency_keys.idempotency_key = answered.idempotency_key
              and idempotency_keys.state = 'pending' and idempotency_keys.claim_token = answered.claim_token
            returning idempotency_keys.scope`
        : sql<{ scope: string }>`
            update idempotency_keys as k set state = 'done', status_code = answered.status_code, response_body = answered.response_body
            from json_to_recordset(${json}::json)
              as answered(scope text, idempotency_key text, claim_token text, status_code integer, response_body text)
            where k.scope = answered.scope and k.idempotency_key = answered.idempotency_key
              and k.state = 'pending' and k.claim_token = answered.claim_token
            returning k.scope`;
      return (await answered.execute(this.db)).rows.length === rows.length;
    }
    for (const { ref, answer } of kept) if (!(await this.complete(ref, answer))) return false;
    return true;
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
