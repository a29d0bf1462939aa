import fc from 'fast-check';
import { sql } from 'kysely';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { RequestedBy } from '../../src/domain/audit.js';
import type { BookingService } from '../../src/services/booking-service.js';
import { ConsistencyCheck } from '../../src/services/consistency-check.js';
import { ConsistencyReader } from '../../src/store/consistency-reader.js';
import type { Db } from '../../src/store/dialect.js';
import { SQLITE } from '../helpers/engines.js';
import { type TestStore, createTestStore } from '../helpers/test-store.js';
import { uniqueId } from '../helpers/factories.js';

const BY: RequestedBy = { actor: 'admin', requestId: 'consistency-property' };

type Step =
  | { kind: 'book'; user: number }
  | { kind: 'cancel'; user: number }
  | { kind: 'capacity'; totalTickets: number }
  | { kind: 'sales'; open: boolean };

const stepArb: fc.Arbitrary<Step> = fc.oneof(
  { weight: 6, arbitrary: fc.record({ kind: fc.constant('book' as const), user: fc.integer({ min: 1, max: 8 }) }) },
  { weight: 4, arbitrary: fc.record({ kind: fc.constant('cancel' as const), user: fc.integer({ min: 1, max: 8 }) }) },
  { weight: 1, arbitrary: fc.record({ kind: fc.constant('capacity' as const), totalTickets: fc.integer({ min: 1, max: 6 }) }) },
  { weight: 1, arbitrary: fc.record({ kind: fc.constant('sales' as const), open: fc.boolean() }) },
);

/** One change an intruder or a bug could make to one row; `pick` chooses which row. */
type Tamper =
  | { kind: 'delete-audit-entry'; pick: number }
  | { kind: 'change-booking-status'; pick: number; to: 'confirmed' | 'waitlisted' | 'cancelled' }
  | { kind: 'change-booking-user'; pick: number }
  | { kind: 'change-event-total'; delta: number };

const tamperArb: fc.Arbitrary<Tamper> = fc.oneof(
  fc.record({ kind: fc.constant('delete-audit-entry' as const), pick: fc.nat() }),
  fc.record({
    kind: fc.constant('change-booking-status' as const),
    pick: fc.nat(),
    to: fc.constantFrom('confirmed' as const, 'waitlisted' as const, 'cancelled' as const),
  }),
  fc.record({ kind: fc.constant('change-booking-user' as const), pick: fc.nat() }),
  fc.record({ kind: fc.constant('change-event-total' as const), delta: fc.integer({ min: 1, max: 3 }) }),
);

describe('consistency check — any single tampered row is found', () => {
  let t: TestStore;
  let db: Db;
  let service: BookingService;
  let check: ConsistencyCheck;

  beforeAll(async () => {
    t = await createTestStore(SQLITE);
    ({ db, service } = t);
    check = new ConsistencyCheck(new ConsistencyReader(t.opened, 4));
  });
  afterAll(async () => {
    await t.close();
  });

  async function play(capacity: number, batches: Step[][]): Promise<string> {
    const { id } = await service.openEvent({ name: 'Random', venue: null, startsAt: null, totalTickets: capacity }, BY);
    for (const steps of batches) {
      await service.runBatch(
        id,
        steps.map((step) => {
          switch (step.kind) {
            case 'book':
              return { kind: 'book', userId: `u${step.user}`, bookingId: uniqueId('bk'), by: BY };
            case 'cancel':
              return { kind: 'cancel', userId: `u${step.user}`, by: BY };
            case 'capacity':
              return { kind: 'update', patch: { totalTickets: step.totalTickets }, by: BY };
            case 'sales':
              return { kind: 'update', patch: { salesOpen: step.open }, by: BY };
          }
        }),
      );
    }
    return id;
  }

  /** Applies the tamper; false when the event has no row it could apply to (or the schema refused it). */
  async function tamper(eventId: string, change: Tamper): Promise<boolean> {
    try {
      switch (change.kind) {
        case 'delete-audit-entry': {
          // An event.updated whose fields later entries overwrite leaves no trace when deleted (the log is not
          // hash-chained); the state it replays to is unchanged, which is all I6 promises.
          const entries = await db
            .selectFrom('audit_log')
            .select('seq')
            .where('event_id', '=', eventId)
            .where('action', '!=', 'event.updated')
            .orderBy('seq')
            .execute();
          const victim = entries[change.pick % entries.length];
          if (!victim) return false;
          await db.deleteFrom('audit_log').where('seq', '=', victim.seq).execute();
          return true;
        }
        case 'change-booking-status': {
          const bookings = await db.selectFrom('bookings').selectAll().where('event_id', '=', eventId).orderBy('queue_no').execute();
          const victim = bookings[change.pick % Math.max(bookings.length, 1)];
          if (!victim || victim.status === change.to) return false;
          await db
            .updateTable('bookings')
            .set({ status: change.to, active: change.to === 'cancelled' ? null : 1 })
            .where('id', '=', victim.id)
            .execute();
          return true;
        }
        case 'change-booking-user': {
          const bookings = await db.selectFrom('bookings').select('id').where('event_id', '=', eventId).orderBy('queue_no').execute();
          const victim = bookings[change.pick % Math.max(bookings.length, 1)];
          if (!victim) return false;
          await db.updateTable('bookings').set({ user_id: 'intruder' }).where('id', '=', victim.id).execute();
          return true;
        }
        case 'change-event-total':
          await db.updateTable('events').set({ total_tickets: sql`total_tickets + ${change.delta}` }).where('id', '=', eventId).execute();
          return true;
      }
    } catch {
      // A constraint (unique active booking, waitlist only when sold out) refused it: the schema held.
      return false;
    }
  }

  it('reports nothing before the tamper and at least one discrepancy after it', async () => {
    let tampered = 0;
    await fc.assert(
      fc.asyncProperty(
        fc.integer({ min: 1, max: 4 }),
        fc.array(fc.array(stepArb, { minLength: 1, maxLength: 4 }), { minLength: 1, maxLength: 10 }),
        tamperArb,
        async (capacity, batches, change) => {
          const eventId = await play(capacity, batches);
          expect(await check.checkEvent(eventId)).toEqual([]);
          if (!(await tamper(eventId, change))) return;
          tampered += 1;
          const found = await check.checkEvent(eventId);
          expect(found?.length, `no discrepancy after ${JSON.stringify(change)}`).toBeGreaterThan(0);
          expect(found?.every((d) => d.eventId === eventId)).toBe(true);
        },
      ),
      { numRuns: 200 },
    );
    expect(tampered).toBeGreaterThan(20);
  });
});
