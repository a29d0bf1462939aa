import { fstatSync, mkdtempSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setImmediate as turn } from 'node:timers/promises';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { DomainError } from '../../src/domain/errors.js';
import { openEvent } from '../../src/domain/open-event.js';
import { Database } from '../../src/store/db.js';
import { openSqlite } from '../../src/store/dialects/sqlite.js';
import { AuditRepository } from '../../src/store/audit-repository.js';
import { DeliveryRepository } from '../../src/store/delivery-repository.js';
import { EventsRepository } from '../../src/store/events-repository.js';
import { migrateToLatest } from '../../src/store/migrate.js';
import { type SyncFile, WalSync, WalSyncFailed } from '../../src/store/dialects/sqlite-wal-sync.js';

/** A sync that waits until the test lets it finish (or fail), one at a time, recording each file it was given. */
class HeldSyncs {
  readonly files: number[] = [];
  private readonly held: Array<{ finish: () => void; fail: (error: Error) => void }> = [];

  readonly sync: SyncFile = (fd) =>
    new Promise<void>((finish, fail) => {
      this.files.push(fd);
      this.held.push({ finish, fail });
    });

  get waiting(): number {
    return this.held.length;
  }

  /** Resolves once `count` syncs are waiting (the first one opens the log on the thread pool first). */
  async arrived(count = 1): Promise<void> {
    for (let turns = 0; this.held.length < count; turns++) {
      if (turns > 10_000) throw new Error(`${this.held.length} syncs waiting, not ${count}`);
      await turn();
    }
  }

  finishNext(): void {
    const next = this.held.shift();
    if (!next) throw new Error('no sync is waiting');
    next.finish();
  }

  failNext(): void {
    this.held.shift()?.fail(Object.assign(new Error('EIO: i/o error, fdatasync'), { code: 'EIO' }));
  }
}

const NOW = '2026-11-28T00:00:00.000Z';

/** Whether `promise` has settled after the pending callbacks ran. */
async function settled(promise: Promise<unknown>): Promise<boolean> {
  let done = false;
  promise.then(
    () => (done = true),
    () => (done = true),
  );
  for (let i = 0; i < 5; i++) await turn();
  return done;
}

describe('the SQLite log synced in groups off the event loop', () => {
  let directory: string;
  let syncs: HeldSyncs;

  beforeEach(() => {
    directory = mkdtempSync(join(tmpdir(), 'boxoffice-wal-sync-'));
    syncs = new HeldSyncs();
  });

  afterEach(() => {
    rmSync(directory, { recursive: true, force: true });
  });

  describe('WalSync', () => {
    let wal: WalSync;

    beforeEach(() => {
      const location = join(directory, 'boxoffice.db');
      writeFileSync(`${location}-wal`, '');
      wal = new WalSync(location, syncs.sync);
    });

    afterEach(async () => {
      while (syncs.waiting > 0) syncs.finishNext();
      await wal.close();
    });

    it('has nothing to sync before anything was written', async () => {
      await wal.durable();
      expect(syncs.files).toEqual([]);
    });

    it('covers every commit made before a sync with that one sync', async () => {
      wal.wrote();
      wal.wrote();
      wal.wrote();
      const waits = [wal.durable(), wal.durable(), wal.durable()];
      await syncs.arrived();
      expect(syncs.waiting).toBe(1);
      syncs.finishNext();
      await Promise.all(waits);
      expect(syncs.files).toHaveLength(1);
      // All on disk: nothing more to wait for.
      await wal.durable();
      expect(syncs.files).toHaveLength(1);
    });

    it('makes a commit that returned during a sync wait for the next one', async () => {
      wal.wrote();
      const first = wal.durable();
      await syncs.arrived();
      wal.wrote();
      const second = wal.durable();
      expect(syncs.waiting).toBe(1);

      syncs.finishNext();
      await first;
      await syncs.arrived();
      expect(await settled(second)).toBe(false);
      syncs.finishNext();
      await second;
      expect(syncs.files).toHaveLength(2);
    });

    it('refuses for good once a sync has failed, even when the disk answers again', async () => {
      wal.wrote();
      const waits = [wal.durable(), wal.durable()];
      await syncs.arrived();
      syncs.failNext();
      for (const wait of waits) await expect(wait).rejects.toBeInstanceOf(WalSyncFailed);

      wal.wrote();
      await expect(wal.durable()).rejects.toBeInstanceOf(WalSyncFailed);
      expect(syncs.waiting).toBe(0);
    });
  });

  describe('on a real database file', () => {
    let database: Database;

    /** Lets held syncs through until `promise` settles. */
    async function syncUntil(promise: Promise<unknown>): Promise<void> {
      while (!(await settled(promise))) if (syncs.waiting > 0) syncs.finishNext();
      await promise;
    }

    beforeEach(async () => {
      const location = join(directory, 'boxoffice.db');
      const { db, dialect } = openSqlite({ engine: 'sqlite', location, poolSize: 1, statementTimeoutMs: 5_000 }, { syncFile: syncs.sync });
      database = new Database(db, dialect);
      await migrateToLatest(db);
      await syncUntil(database.ping());
      syncs.files.length = 0;
    });

    afterEach(async () => {
      while (syncs.waiting > 0) syncs.finishNext();
      await database.close();
    });

    const insert = (id: string) =>
      database.transaction(({ users }) => users.insert({ id, name: id, passwordHash: 'x', role: 'user', createdAt: NOW }));
    const found = (...ids: string[]) =>
      database.read(async ({ users }) => (await Promise.all(ids.map((id) => users.find(id)))).filter((user) => user !== null).length);

    it('hands the log file itself to the sync', async () => {
      await syncUntil(insert('u1'));
      const [fd] = syncs.files as [number];
      expect(fstatSync(fd).ino).toBe(statSync(join(directory, 'boxoffice.db-wal')).ino);
    });

    it('answers a transaction once its commit is synced, and shows what it wrote only then', async () => {
      const first = insert('u1');
      await syncs.arrived();
      expect(await settled(first)).toBe(false);

      // The connection is free while the sync runs: the next transaction commits, and waits for a sync of its own.
      const second = insert('u2');
      expect(await settled(second)).toBe(false);
      const read = found('u1', 'u2');

      syncs.finishNext();
      await first;
      await syncs.arrived();
      expect(await settled(second)).toBe(false);
      expect(await settled(read)).toBe(false);
      syncs.finishNext();
      await second;
      expect(await read).toBe(2);
      expect(syncs.files).toHaveLength(2);
    });

    it('hands an audit entry out for delivery only once its commit is on disk', async () => {
      const deliveries = new DeliveryRepository(database);
      await syncUntil(
        deliveries.create({ id: 'wh_1', url: 'http://127.0.0.1:9/hook', actions: null, secret: 'whsec_x', createdAt: NOW }, 'webhook:wh_1'),
      );
      // Committed by a transaction that, unlike Database.transaction, does not wait for the sync.
      const opened = openEvent({ id: 'ev_1', name: 'Launch', totalTickets: 10 }, { actor: 'admin', requestId: null }, NOW);
      await database.dialect.transaction(database.db, async (trx) => {
        await new EventsRepository(trx, database.dialect).insert(opened.event);
        await new AuditRepository(trx, database.dialect).append([opened.audit]);
      });
      const handedOut = deliveries.handOut('webhook:wh_1', () => ({ recipient: null }), {
        now: NOW,
        gapsSeenBefore: NOW,
        limit: 10,
        claim: { owner: 'test', leaseUntil: NOW, limit: 10 },
      });
      await syncs.arrived();
      expect(await settled(handedOut)).toBe(false);
      syncs.finishNext();
      expect((await handedOut).claimed.map(({ delivery }) => delivery.action)).toEqual(['event.created']);
    });

    it('answers UNAVAILABLE when the log cannot be synced, and keeps refusing', async () => {
      const write = insert('u1');
      await syncs.arrived();
      syncs.failNext();
      await expect(write).rejects.toBeInstanceOf(DomainError);
      await expect(write).rejects.toMatchObject({ code: 'UNAVAILABLE' });
      await expect(database.ping()).rejects.toMatchObject({ code: 'UNAVAILABLE' });
    });
  });
});
