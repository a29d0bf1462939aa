import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { RequestedBy } from '../../src/domain/audit.js';
import type { EventChanges } from '../../src/domain/decide.js';
import { DomainError } from '../../src/domain/errors.js';
import { newBookingId } from '../../src/services/booking-id.js';
import { BookingService } from '../../src/services/booking-service.js';
import { type BatchLimits, type EventBatch, EventBatcher } from '../../src/services/event-batcher.js';
import type { BoxofficeStore, EventTransaction } from '../../src/services/ports.js';
import { Database, openDatabase } from '../../src/store/db.js';
import { migrateToLatest } from '../../src/store/migrate.js';
import { SqlStore } from '../../src/store/sql-store.js';
import { ENGINES, type TestDatabase } from '../helpers/engines.js';
import { ONE_TICKET } from '../helpers/factories.js';

const BY: RequestedBy = { actor: 'admin', requestId: 'batcher-test' };
const LIMITS: BatchLimits = { maxSize: 256, maxQueue: 10_000 };

function deferred<T>(): { promise: Promise<T>; resolve(value: T): void; reject(error: unknown): void } {
  let resolve!: (value: T) => void;
  let reject!: (error: unknown) => void;
  const promise = new Promise<T>((res, rej) => {
    resolve = res;
    reject = rej;
  });
  return { promise, resolve, reject };
}

/** A transaction runner that records each transaction's batches and answers `<command>@<transaction number>` once released. */
function recordingRunner(options: { hold?: boolean } = {}) {
  const transactions: EventBatch<string>[][] = [];
  const releases: (() => void)[] = [];
  const run = async (batches: readonly EventBatch<string>[]): Promise<string[][]> => {
    transactions.push(batches.map(({ eventId, commands }) => ({ eventId, commands: [...commands] })));
    const number = transactions.length;
    if (options.hold) {
      const gate = deferred<void>();
      releases.push(() => gate.resolve());
      await gate.promise;
    }
    return batches.map(({ commands }) => commands.map((command) => `${command}@${number}`));
  };
  const releaseNext = async () => {
    // Let the batcher reach its next transaction before releasing it.
    for (let i = 0; i < 20 && releases.length === 0; i++) await new Promise((resolve) => setImmediate(resolve));
    releases.shift()?.();
  };
  return { run, transactions, releaseNext };
}

const turn = () => new Promise((resolve) => setImmediate(resolve));

describe('EventBatcher', () => {
  it('puts commands for one event that arrive together into one transaction, each caller getting its own outcome', async () => {
    const runner = recordingRunner();
    const batcher = new EventBatcher(runner.run, LIMITS);
    const outcomes = await Promise.all(['a', 'b', 'c'].map((command) => batcher.submit('ev', command)));
    expect(outcomes).toEqual(['a@1', 'b@1', 'c@1']);
    expect(runner.transactions).toEqual([[{ eventId: 'ev', commands: ['a', 'b', 'c'] }]]);
  });

  it('starts an idle event at once with a batch of one', async () => {
    const runner = recordingRunner();
    const batcher = new EventBatcher(runner.run, LIMITS);
    expect(await batcher.submit('ev', 'alone')).toBe('alone@1');
    expect(runner.transactions).toEqual([[{ eventId: 'ev', commands: ['alone'] }]]);
  });

  it('puts the commands of every waiting event into one transaction, each event with its own batch in arrival order', async () => {
    const runner = recordingRunner();
    const batcher = new EventBatcher(runner.run, LIMITS);
    const outcomes = await Promise.all([
      batcher.submit('one', 'a'),
      batcher.submit('two', 'b'),
      batcher.submit('one', 'c'),
      batcher.submit('three', 'd'),
    ]);
    expect(outcomes).toEqual(['a@1', 'b@1', 'c@1', 'd@1']);
    expect(runner.transactions).toEqual([
      [
        { eventId: 'one', commands: ['a', 'c'] },
        { eventId: 'two', commands: ['b'] },
        { eventId: 'three', commands: ['d'] },
      ],
    ]);
  });

  it('gathers the commands that arrive while a transaction runs into the next one, in arrival order', async () => {
    const runner = recordingRunner({ hold: true });
    const batcher = new EventBatcher(runner.run, LIMITS);
    const first = batcher.submit('ev', 'a');
    await turn();
    const later = ['b', 'c', 'd'].map((command) => batcher.submit('ev', command));
    await runner.releaseNext();
    expect(await first).toBe('a@1');
    await runner.releaseNext();
    expect(await Promise.all(later)).toEqual(['b@2', 'c@2', 'd@2']);
    expect(runner.transactions.map(([batch]) => batch?.commands)).toEqual([['a'], ['b', 'c', 'd']]);
  });

  it('answers nobody before their transaction has finished', async () => {
    const runner = recordingRunner({ hold: true });
    const batcher = new EventBatcher(runner.run, LIMITS);
    let answered = false;
    const outcome = batcher.submit('ev', 'a').then((value) => {
      answered = true;
      return value;
    });
    for (let i = 0; i < 10; i++) await turn();
    expect(runner.transactions).toHaveLength(1);
    expect(answered).toBe(false);
    await runner.releaseNext();
    expect(await outcome).toBe('a@1');
  });

  it('drains: at once when idle, otherwise once no accepted command waits for its answer, failed ones included', async () => {
    const runner = recordingRunner({ hold: true });
    const batcher = new EventBatcher(async (batches: readonly EventBatch<string>[]) => {
      if (batches.some(({ commands }) => commands.includes('fails'))) throw new DomainError('UNAVAILABLE', 'the database is away');
      return runner.run(batches);
    }, LIMITS);
    await batcher.drain();
    let drained = false;
    const first = batcher.submit('ev', 'a');
    await turn();
    // Queued behind the first transaction; theirs fails.
    const queued = [batcher.submit('ev', 'b'), batcher.submit('other', 'fails')].map((outcome) => outcome.catch((error: unknown) => error));
    void batcher.drain().then(() => (drained = true));
    for (let i = 0; i < 10; i++) await turn();
    expect(drained).toBe(false);
    await runner.releaseNext();
    expect(await first).toBe('a@1');
    for (const outcome of await Promise.all(queued)) expect(outcome).toBeInstanceOf(DomainError);
    await expect.poll(() => drained).toBe(true);
    expect(batcher.inFlight).toBe(0);
  });

  it('never puts more than maxSize commands into one transaction, whatever their events', async () => {
    const runner = recordingRunner();
    const batcher = new EventBatcher(runner.run, { maxSize: 2, maxQueue: 100 });
    await Promise.all([...['a', 'b', 'c', 'd', 'e'].map((command) => batcher.submit('ev', command)), batcher.submit('other', 'f')]);
    expect(runner.transactions.map((batches) => batches.flatMap((batch) => batch.commands))).toEqual([
      ['a', 'b'],
      ['f', 'c'],
      ['d', 'e'],
    ]);
  });

  it('runs one transaction per command with maxSize 1', async () => {
    const runner = recordingRunner();
    const batcher = new EventBatcher(runner.run, { maxSize: 1, maxQueue: 100 });
    expect(await Promise.all(['a', 'b', 'c'].map((command) => batcher.submit('ev', command)))).toEqual(['a@1', 'b@2', 'c@3']);
  });

  it('runs one transaction at a time by default, and gathers every event that waited meanwhile into the next', async () => {
    const runner = recordingRunner({ hold: true });
    const batcher = new EventBatcher(runner.run, LIMITS);
    const first = batcher.submit('one', 'a');
    await turn();
    const waiting = [batcher.submit('two', 'b'), batcher.submit('one', 'c')];
    for (let i = 0; i < 10; i++) await turn();
    expect(runner.transactions).toHaveLength(1);
    await runner.releaseNext();
    await runner.releaseNext();
    expect([await first, ...(await Promise.all(waiting))]).toEqual(['a@1', 'b@2', 'c@2']);
    expect(runner.transactions[1]).toEqual([
      { eventId: 'two', commands: ['b'] },
      { eventId: 'one', commands: ['c'] },
    ]);
  });

  it('keeps events apart with room for two transactions: a slow one holds up no other event, and is never in two at once', async () => {
    const held = recordingRunner({ hold: true });
    const quick = recordingRunner();
    const batcher = new EventBatcher<string, string>(
      (batches) => (batches.some((batch) => batch.eventId === 'slow') ? held.run(batches) : quick.run(batches)),
      LIMITS,
      2,
    );
    const slow = batcher.submit('slow', 'a');
    await turn();
    const slowAgain = batcher.submit('slow', 'd');
    expect(await Promise.all([batcher.submit('other', 'b'), batcher.submit('other', 'c')])).toEqual(['b@1', 'c@1']);
    expect(quick.transactions).toEqual([[{ eventId: 'other', commands: ['b', 'c'] }]]);
    await held.releaseNext();
    expect(await slow).toBe('a@1');
    await held.releaseNext();
    expect(await slowAgain).toBe('d@2');
  });

  it('lets no busy event starve another: an event that had its turn goes behind those waiting', async () => {
    const runner = recordingRunner({ hold: true });
    const batcher = new EventBatcher(runner.run, { maxSize: 2, maxQueue: 100 });
    const first = batcher.submit('busy', 'a');
    await turn();
    const rest = [...['b', 'c', 'd', 'e'].map((command) => batcher.submit('busy', command)), batcher.submit('quiet', 'q')];
    for (let i = 0; i < 4; i++) await runner.releaseNext();
    await Promise.all([first, ...rest]);
    expect(runner.transactions.map((batches) => batches.flatMap((batch) => batch.commands))).toEqual([
      ['a'],
      ['b', 'c'],
      ['q', 'd'],
      ['e'],
    ]);
  });

  it('forgets an event once nothing waits for it', async () => {
    const batcher = new EventBatcher(recordingRunner().run, LIMITS);
    await Promise.all([batcher.submit('one', 'a'), batcher.submit('two', 'b')]);
    expect(batcher.busyEvents).toBe(0);
    expect(batcher.inFlight).toBe(0);
  });

  it('refuses with UNAVAILABLE beyond maxQueue unanswered commands, and accepts again once they are answered', async () => {
    const runner = recordingRunner({ hold: true });
    const batcher = new EventBatcher(runner.run, { maxSize: 10, maxQueue: 3 });
    const accepted = ['a', 'b', 'c'].map((command) => batcher.submit('ev', command));
    await expect(batcher.submit('other', 'd')).rejects.toMatchObject({ code: 'UNAVAILABLE' });
    await runner.releaseNext();
    expect(await Promise.all(accepted)).toEqual(['a@1', 'b@1', 'c@1']);
    const again = batcher.submit('ev', 'e');
    await runner.releaseNext();
    expect(await again).toBe('e@2');
  });

  it('gives an UNAVAILABLE failure of the transaction to every caller in it', async () => {
    let runs = 0;
    const batcher = new EventBatcher<string, string>(async () => {
      runs += 1;
      throw new DomainError('UNAVAILABLE', 'database unreachable');
    }, LIMITS);
    const results = await Promise.allSettled([...['a', 'b'].map((command) => batcher.submit('ev', command)), batcher.submit('other', 'c')]);
    expect(results.map((result) => result.status === 'rejected' && (result.reason as DomainError).code)).toEqual([
      'UNAVAILABLE',
      'UNAVAILABLE',
      'UNAVAILABLE',
    ]);
    expect(runs).toBe(1);
  });

  it('reruns a transaction that failed unexpectedly one command at a time, across its events, so only the culprit fails', async () => {
    const transactions: string[][] = [];
    const batcher = new EventBatcher<string, string>(async (batches) => {
      const commands = batches.flatMap((batch) => batch.commands);
      transactions.push(commands);
      if (commands.includes('culprit')) throw new Error('constraint failed');
      return batches.map((batch) => batch.commands.map((command) => `${command}:ok`));
    }, LIMITS);
    const results = await Promise.allSettled([batcher.submit('ev', 'a'), batcher.submit('ev', 'culprit'), batcher.submit('other', 'b')]);
    expect(results.map((result) => (result.status === 'fulfilled' ? result.value : (result.reason as Error).message))).toEqual([
      'a:ok',
      'constraint failed',
      'b:ok',
    ]);
    expect(transactions).toEqual([['a', 'culprit', 'b'], ['a'], ['culprit'], ['b']]);
  });
});

describe('booking ids written by a batch', () => {
  it('are version 7 UUIDs that sort by the millisecond they were made in, so a batch appends to the id index', () => {
    const earlier = Array.from({ length: 300 }, () => newBookingId(1_800_000_000_000));
    const later = newBookingId(1_800_000_000_001);
    for (const id of earlier) {
      expect(id).toMatch(/^[0-9a-f]{8}-[0-9a-f]{4}-7[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/);
      expect(id < later).toBe(true);
    }
    expect(new Set(earlier).size).toBe(earlier.length);
  });
});

function crashingBeforeCommit(store: BoxofficeStore, crash: { culprit: string | null; on: boolean }): BoxofficeStore {
  const names = (changes: readonly EventChanges[]) =>
    changes.some((change) =>
      [...change.created, ...change.updated].some((booking) => crash.culprit === null || booking.userId === crash.culprit),
    );
  return Object.assign(Object.create(store) as BoxofficeStore, {
    transaction: <T>(work: (tx: EventTransaction) => Promise<T>) =>
      store.transaction((tx) =>
        work({
          createEvent: (opened) => tx.createEvent(opened),
          lockEvent: (eventId) => tx.lockEvent(eventId),
          lockEvents: (eventIds) => tx.lockEvents(eventIds),
          loadEventStates: (wanted) => tx.loadEventStates(wanted),
          waitlistHead: (eventId, depth) => tx.waitlistHead(eventId, depth),
          keepAnswers: (kept) => tx.keepAnswers(kept),
          applyChanges: async (changes) => {
            await tx.applyChanges(changes);
            if (crash.on && names(changes)) throw new Error('power cut between the writes and the commit');
          },
        }),
      ),
  });
}

/** The store, counting the transactions that reach the database. */
function counting(store: BoxofficeStore): { store: BoxofficeStore; transactions: () => number } {
  let transactions = 0;
  const wrapped = Object.assign(Object.create(store) as BoxofficeStore, {
    transaction: <T>(work: (tx: EventTransaction) => Promise<T>) => {
      transactions += 1;
      return store.transaction(work);
    },
  });
  return { store: wrapped, transactions: () => transactions };
}

describe.each(ENGINES)('group commit through BookingService on $name', (engine) => {
  let database: TestDatabase;
  let opened: Database;
  let store: SqlStore;

  beforeAll(async () => {
    database = await engine.create();
    opened = openDatabase(database.config);
    await migrateToLatest(opened.db);
    store = new SqlStore(opened);
  });
  afterAll(async () => {
    await store.close();
    await database.drop();
  });

  const openEvent = (service: BookingService, totalTickets: number) =>
    service.openEvent({ name: 'Group commit', venue: null, startsAt: null, totalTickets }, BY);

  async function stateOf(service: BookingService, eventId: string) {
    const event = await service.getEvent(eventId);
    const { bookings } = await service.listBookings(eventId, null, { limit: 200 });
    const { entries } = await service.listAudit(eventId, 0, 200);
    return {
      counts: { bookedCount: event.bookedCount, availableTickets: event.availableTickets, waitlistCount: event.waitlistCount },
      bookings: bookings.map((booking) => `${booking.userId}:${booking.status}:${booking.position ?? '-'}`),
      audit: entries.map((entry) => `${entry.action}:${entry.userId ?? ''}`),
    };
  }

  it('decides simultaneous bookings, cancels and a capacity change in one transaction, each caller with its own answer', async () => {
    const setup = new BookingService(store);
    const event = await openEvent(setup, 2);
    await setup.book(event.id, 'holder', ONE_TICKET, BY);
    const { store: countingStore, transactions } = counting(store);
    const service = new BookingService(countingStore);

    const [ann, bob, cancel, carl, raise] = await Promise.all([
      service.book(event.id, 'ann', ONE_TICKET, BY),
      service.book(event.id, 'bob', ONE_TICKET, BY),
      service.cancel(event.id, 'holder', BY),
      service.book(event.id, 'carl', ONE_TICKET, BY),
      service.updateEvent(event.id, { totalTickets: 3 }, BY),
    ]);

    expect(transactions()).toBe(1);
    // Each answer shows the booking as its own command left it (rule 10): bob queued; holder's cancel then gave him the ticket.
    expect(ann).toMatchObject({ userId: 'ann', status: 'confirmed' });
    expect(bob).toMatchObject({ userId: 'bob', status: 'waitlisted', position: 1 });
    expect(cancel).toMatchObject({ booking: { userId: 'holder', status: 'cancelled' }, promoted: { userId: 'bob', status: 'confirmed' } });
    expect(carl).toMatchObject({ userId: 'carl', status: 'waitlisted', position: 1 });
    expect(raise).toMatchObject({ totalTickets: 3, bookedCount: 3, waitlistCount: 0 });
    expect(await stateOf(service, event.id)).toMatchObject({
      counts: { bookedCount: 3, availableTickets: 0, waitlistCount: 0 },
      bookings: ['holder:cancelled:-', 'ann:confirmed:-', 'bob:confirmed:-', 'carl:confirmed:-'],
    });
  });

  it('puts the bookings of many events that arrive together into one transaction, each answered as if its event ran alone', async () => {
    const setup = new BookingService(store);
    const events = await Promise.all(Array.from({ length: 12 }, () => openEvent(setup, 1)));
    await setup.book(events[0]?.id ?? '', 'early', ONE_TICKET, BY);
    const { store: countingStore, transactions } = counting(store);
    const service = new BookingService(countingStore);

    const answers = await Promise.all(
      events.flatMap((event) => [service.book(event.id, 'first', ONE_TICKET, BY), service.book(event.id, 'second', ONE_TICKET, BY)]),
    );

    expect(transactions()).toBe(1);
    expect(answers.slice(0, 2)).toMatchObject([
      { userId: 'first', status: 'waitlisted', position: 1 },
      { userId: 'second', status: 'waitlisted', position: 2 },
    ]);
    for (const [index, event] of events.slice(1).entries()) {
      expect(answers.slice(2 * (index + 1), 2 * (index + 2))).toMatchObject([
        { eventId: event.id, userId: 'first', status: 'confirmed' },
        { eventId: event.id, userId: 'second', status: 'waitlisted', position: 1 },
      ]);
      expect(await stateOf(service, event.id)).toMatchObject({
        counts: { bookedCount: 1, availableTickets: 0, waitlistCount: 1 },
        bookings: ['first:confirmed:-', 'second:waitlisted:1'],
      });
    }
  });

  it('commits everything when two processes book overlapping events in opposite orders at once (events are locked in one order)', async () => {
    // Each process's store counts the races it lost: a deadlock would be one, retried and so otherwise unseen.
    let lostRaces = 0;
    const racing = ({ db, dialect }: Database) =>
      new SqlStore(new Database(db, { ...dialect, isTransient: (error) => dialect.isTransient(error) && ++lostRaces > 0 }));
    const [one, other] = [racing(openDatabase(database.config)), racing(openDatabase(database.config))];
    try {
      const setup = new BookingService(store);
      const events = await Promise.all(Array.from({ length: 6 }, () => openEvent(setup, 100)));
      const [east, west] = [new BookingService(one), new BookingService(other)];
      const rounds = Array.from({ length: 5 }, (_, round) =>
        Promise.all([
          ...events.map((event) => east.book(event.id, `east-${round}`, ONE_TICKET, BY)),
          ...[...events].reverse().map((event) => west.book(event.id, `west-${round}`, ONE_TICKET, BY)),
        ]),
      );
      const answers = (await Promise.all(rounds)).flat();
      expect(answers.every((booking) => booking.status === 'confirmed')).toBe(true);
      for (const event of events) expect((await setup.getEvent(event.id)).bookedCount).toBe(10);
      // SQLite has no row locks: its one writer makes the other connection wait, and a busy wait may time out and retry.
      if (opened.dialect.rowLocks) expect(lostRaces).toBe(0);
    } finally {
      await one.close();
      await other.close();
    }
  });

  it('fails an already-booked command alone while the rest of its batch commits', async () => {
    const { store: countingStore, transactions } = counting(store);
    const service = new BookingService(countingStore);
    const event = await openEvent(service, 5);
    await service.book(event.id, 'dana', ONE_TICKET, BY);
    const before = transactions();

    const results = await Promise.allSettled([
      service.book(event.id, 'eve', ONE_TICKET, BY),
      service.book(event.id, 'dana', ONE_TICKET, BY),
      service.cancel(event.id, 'nobody', BY),
      service.book(event.id, 'finn', ONE_TICKET, BY),
    ]);

    expect(transactions() - before).toBe(1);
    expect(results.map((result) => (result.status === 'fulfilled' ? 'ok' : (result.reason as DomainError).code))).toEqual([
      'ok',
      'ALREADY_BOOKED',
      'BOOKING_NOT_FOUND',
      'ok',
    ]);
    const refused = results[1];
    expect(refused?.status === 'rejected' && (refused.reason as DomainError).details.extensions?.booking).toMatchObject({
      userId: 'dana',
      status: 'confirmed',
    });
    expect((await stateOf(service, event.id)).bookings).toEqual(['dana:confirmed:-', 'eve:confirmed:-', 'finn:confirmed:-']);
  });

  it('shows each waiting user who books again in a batch their own place in the list', async () => {
    const service = new BookingService(store);
    const event = await openEvent(service, 1);
    for (const userId of ['owner', 'w1', 'w2', 'w3', 'w4']) await service.book(event.id, userId, ONE_TICKET, BY);

    const results = await Promise.allSettled(['w4', 'w2', 'w3'].map((userId) => service.book(event.id, userId, ONE_TICKET, BY)));

    expect(
      results.map((result) => result.status === 'rejected' && (result.reason as DomainError).details.extensions?.booking),
    ).toMatchObject([
      { userId: 'w4', position: 4 },
      { userId: 'w2', position: 2 },
      { userId: 'w3', position: 3 },
    ]);
  });

  it('stores nothing and answers every caller of the batch with an error when it crashes between its writes and the commit', async () => {
    const crash = { culprit: null, on: false };
    const service = new BookingService(crashingBeforeCommit(store, crash));
    const event = await openEvent(service, 1);
    await service.book(event.id, 'gus', ONE_TICKET, BY);
    const before = await stateOf(service, event.id);
    crash.on = true;

    const results = await Promise.allSettled([
      service.book(event.id, 'hana', ONE_TICKET, BY),
      service.cancel(event.id, 'gus', BY),
      service.book(event.id, 'ivan', ONE_TICKET, BY),
    ]);

    expect(results.map((result) => result.status)).toEqual(['rejected', 'rejected', 'rejected']);
    expect(await stateOf(service, event.id)).toEqual(before);
    crash.on = false;
    expect(await service.book(event.id, 'hana', ONE_TICKET, BY)).toMatchObject({ status: 'waitlisted', position: 1 });
  });

  it('commits the rest of a crashed batch when each command is retried alone, and fails only the culprit', async () => {
    const service = new BookingService(crashingBeforeCommit(store, { culprit: 'jo', on: true }));
    const event = await openEvent(service, 10);

    const results = await Promise.allSettled(['kim', 'jo', 'lee'].map((userId) => service.book(event.id, userId, ONE_TICKET, BY)));

    expect(results.map((result) => result.status)).toEqual(['fulfilled', 'rejected', 'fulfilled']);
    const state = await stateOf(service, event.id);
    expect(state.bookings).toEqual(['kim:confirmed:-', 'lee:confirmed:-']);
    expect(state.audit).toEqual(['event.created:', 'booking.confirmed:kim', 'booking.confirmed:lee']);
  });

  it('reaches the same state with BATCH_MAX_SIZE=1 as with group commit for the same calls', async () => {
    const calls = (service: BookingService, eventId: string) => [
      ...['a', 'b', 'c', 'd'].map((userId) => service.book(eventId, userId, ONE_TICKET, BY)),
      service.cancel(eventId, 'a', BY),
      service.book(eventId, 'b', ONE_TICKET, BY),
      service.book(eventId, 'e', ONE_TICKET, BY),
      service.cancel(eventId, 'c', BY),
      service.updateEvent(eventId, { totalTickets: 3 }, BY),
      service.cancel(eventId, 'zed', BY),
      service.book(eventId, 'a', ONE_TICKET, BY),
    ];
    const run = async (batch: BatchLimits) => {
      const { store: countingStore, transactions } = counting(store);
      const service = new BookingService(countingStore, { batch });
      const event = await openEvent(service, 2);
      const answers = await Promise.allSettled(calls(service, event.id));
      return {
        transactions: transactions() - 1,
        outcomes: answers.map((answer) => (answer.status === 'fulfilled' ? 'ok' : (answer.reason as DomainError).code)),
        answers: answers.map((answer) =>
          answer.status === 'rejected'
            ? (answer.reason as DomainError).code
            : 'userId' in answer.value
              ? `${answer.value.status}:${answer.value.position ?? '-'}`
              : 'booking' in answer.value
                ? `cancelled, promoted ${answer.value.promoted?.userId ?? 'nobody'}`
                : `total ${answer.value.totalTickets}`,
        ),
        state: await stateOf(service, event.id),
      };
    };

    const single = await run({ maxSize: 1, maxQueue: 100 });
    const grouped = await run({ maxSize: 256, maxQueue: 100 });

    expect(single.transactions).toBe(11);
    expect(grouped.transactions).toBe(1);
    expect(grouped.outcomes).toEqual(single.outcomes);
    expect(grouped.state).toEqual(single.state);
    expect(single.answers).toEqual([
      'confirmed:-',
      'confirmed:-',
      'waitlisted:1',
      'waitlisted:2',
      'cancelled, promoted c',
      'ALREADY_BOOKED',
      'waitlisted:2',
      'cancelled, promoted d',
      'total 3',
      'BOOKING_NOT_FOUND',
      'waitlisted:1',
    ]);
  });

  it('refuses with UNAVAILABLE beyond the queue bound and stores none of the refused commands', async () => {
    const service = new BookingService(store, { batch: { maxSize: 256, maxQueue: 3 } });
    const event = await openEvent(service, 10);

    const results = await Promise.allSettled(
      ['m1', 'm2', 'm3', 'm4', 'm5'].map((userId) => service.book(event.id, userId, ONE_TICKET, BY)),
    );

    expect(results.map((result) => (result.status === 'fulfilled' ? 'ok' : (result.reason as DomainError).code))).toEqual([
      'ok',
      'ok',
      'ok',
      'UNAVAILABLE',
      'UNAVAILABLE',
    ]);
    expect((await stateOf(service, event.id)).bookings).toEqual(['m1:confirmed:-', 'm2:confirmed:-', 'm3:confirmed:-']);
  });
});
