import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { DomainError } from '../../src/domain/errors.js';
import { DEFAULT_IDEMPOTENCY, IdempotencyService } from '../../src/services/idempotency.js';
import { type Database, openDatabase } from '../../src/store/db.js';
import { migrateToLatest } from '../../src/store/migrate.js';
import { SqlIdempotencyStore } from '../../src/store/sql-idempotency-store.js';
import { ENGINES, type TestDatabase } from '../helpers/engines.js';
import { uniqueId } from '../helpers/factories.js';

const ANSWER = { statusCode: 201, body: '{"booking":{"id":"b1"}}' };

describe.each(ENGINES)('idempotency keys on $name', (engine) => {
  let database: TestDatabase;
  let opened: Database;
  let store: SqlIdempotencyStore;
  let now = Date.parse('2026-11-23T12:00:00.000Z');
  const clock = () => now;
  const service = (waitMs = 200) => new IdempotencyService(store, { ...DEFAULT_IDEMPOTENCY, waitMs, pollMs: 10 }, clock);
  const ref = () => ({ scope: 'user:ann@example.com', key: uniqueId('key') });

  beforeAll(async () => {
    database = await engine.create();
    opened = openDatabase(database.config);
    await migrateToLatest(opened.db);
    store = new SqlIdempotencyStore(opened);
  });
  afterAll(async () => {
    await opened.close();
    await database.drop();
  });

  it('claims a new key, then replays its stored answer to a repeat of the same request', async () => {
    const key = ref();
    expect(await service().claim(key, 'hash-a')).toMatchObject({ kind: 'claimed' });
    await service().complete(key, ANSWER);
    expect(await service().claim(key, 'hash-a')).toEqual({ kind: 'replay', answer: ANSWER });
  });

  it('refuses the same key with another request: IDEMPOTENCY_KEY_REUSED', async () => {
    const key = ref();
    await service().claim(key, 'hash-a');
    await service().complete(key, ANSWER);
    await expect(service().claim(key, 'hash-b')).rejects.toMatchObject({ code: 'IDEMPOTENCY_KEY_REUSED' });
  });

  it('keeps keys of different callers apart', async () => {
    const key = ref();
    await service().claim(key, 'hash-a');
    expect(await service().claim({ ...key, scope: 'admin' }, 'hash-b')).toMatchObject({ kind: 'claimed' });
  });

  it('makes a repeat wait while the first is in flight, and answers IDEMPOTENCY_KEY_IN_USE if it takes too long', async () => {
    const key = ref();
    await service().claim(key, 'hash-a');
    const error = await service(100)
      .claim(key, 'hash-a')
      .catch((caught: unknown) => caught);
    expect(error).toBeInstanceOf(DomainError);
    expect(error).toMatchObject({ code: 'IDEMPOTENCY_KEY_IN_USE' });
  });

  it('hands a waiting repeat the first answer as soon as it is stored', async () => {
    const key = ref();
    await service().claim(key, 'hash-a');
    const waiting = service(5_000).claim(key, 'hash-a');
    setTimeout(() => void service().complete(key, ANSWER), 50);
    expect(await waiting).toEqual({ kind: 'replay', answer: ANSWER });
  });

  it('frees a released key for a corrected retry', async () => {
    const key = ref();
    await service().claim(key, 'hash-a');
    await service().release(key);
    expect(await service().claim(key, 'hash-b')).toMatchObject({ kind: 'claimed' });
  });

  it('lets a retry take over a claim whose process died (its lease ran out)', async () => {
    const key = ref();
    await service().claim(key, 'hash-a');
    now += DEFAULT_IDEMPOTENCY.leaseMs + 1;
    expect(await service().claim(key, 'hash-a')).toMatchObject({ kind: 'claimed' });
  });

  it('of ten simultaneous claims of one key, exactly one wins; the rest get its answer', async () => {
    const key = ref();
    const claims = Array.from({ length: 10 }, () => service(5_000).claim(key, 'hash-a'));
    const first = await Promise.race(claims.map((claim) => claim.then((result) => result)));
    expect(first.kind).toBe('claimed');
    await service().complete(key, ANSWER);
    const results = await Promise.all(claims);
    expect(results.filter((result) => result.kind === 'claimed')).toHaveLength(1);
    expect(results.filter((result) => result.kind === 'replay')).toHaveLength(9);
  });

  it('claims many keys at once, each for its caller, in one transaction', async () => {
    const keys = Array.from({ length: 20 }, ref);
    const transaction = vi.spyOn(opened, 'transaction');
    try {
      const results = await Promise.all(keys.map((key) => service().claim(key, 'hash-a')));
      expect(results.map((result) => result.kind)).toEqual(keys.map(() => 'claimed'));
      // One commit for the twenty.
      expect(transaction).toHaveBeenCalledTimes(1);
      for (const key of keys)
        expect(
          await service()
            .claim(key, 'hash-b')
            .catch((error: unknown) => error),
        ).toBeInstanceOf(DomainError);
    } finally {
      transaction.mockRestore();
    }
  });

  it('stores the answers of many claims in one go, and refuses the lot when one claim was taken over meanwhile', async () => {
    const keys = Array.from({ length: 3 }, ref);
    const claimed = await Promise.all(keys.map((key) => service().claim(key, 'hash-a')));
    const held = keys.map((key, index) => {
      const claim = claimed[index];
      if (claim?.kind !== 'claimed') throw new Error('not claimed');
      return { ...key, token: claim.token };
    });
    const answers = held.map((key, index) => ({ ref: key, answer: { statusCode: 201, body: `{"n":${index}}` } }));
    // The last one's lease ran out and a retry took its key over.
    const [first, second, lost] = held as [(typeof held)[number], (typeof held)[number], (typeof held)[number]];
    now += DEFAULT_IDEMPOTENCY.leaseMs + 1;
    expect(await service().claim({ scope: lost.scope, key: lost.key }, 'hash-a')).toMatchObject({ kind: 'claimed' });
    // As a batch's transaction does: one lost claim, and none of the answers stays.
    const refused = opened.transaction(async ({ keys: inTransaction }) => {
      if (!(await inTransaction.completeAll(answers))) throw new Error('a claim was lost');
    });
    await expect(refused).rejects.toThrow('a claim was lost');
    expect(await opened.repositories.keys.completeAll(answers.slice(0, 2))).toBe(true);
    for (const [index, key] of [first, second].entries()) {
      expect(await service().claim({ scope: key.scope, key: key.key }, 'hash-a')).toEqual({
        kind: 'replay',
        answer: { statusCode: 201, body: `{"n":${index}}` },
      });
    }
  });

  it('remembers keys for 24 hours, then forgets and purges them', async () => {
    const key = ref();
    await service().claim(key, 'hash-a');
    await service().complete(key, ANSWER);
    now += 23 * 3_600_000;
    expect(await service().claim(key, 'hash-a')).toMatchObject({ kind: 'replay' });
    now += 2 * 3_600_000;
    expect(await service().purgeExpired()).toBeGreaterThanOrEqual(1);
    expect(await service().claim(key, 'hash-b')).toMatchObject({ kind: 'claimed' });
  });

  it('lets a running request renew its claim, so a repeat past the first lease waits instead of taking over', async () => {
    const key = ref();
    const claim = await service().claim(key, 'hash-a');
    const token = claim.kind === 'claimed' ? claim.token : '';
    now += DEFAULT_IDEMPOTENCY.leaseMs - 5_000;
    expect(await service().renew({ ...key, token })).toBe(true);
    now += 10_000; // past the first lease, within the renewed one
    await expect(service(50).claim(key, 'hash-a')).rejects.toMatchObject({ code: 'IDEMPOTENCY_KEY_IN_USE' });
    expect(await service().renew({ ...key, token: 'someone-else' })).toBe(false);
  });
});
