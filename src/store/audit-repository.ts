import type { Insertable, Selectable } from 'kysely';
import type { AuditAction, AuditDraft, AuditEntry } from '../domain/audit.js';
import type { BookingView } from '../domain/booking.js';
import type { EventView } from '../domain/event.js';
import type { Db, Dialect } from './dialect.js';
import { RowStatement } from './row-statement.js';
import type { AuditLogTable } from './schema.js';

interface Snapshot {
  booking: BookingView | null;
  event: EventView | null;
}

/** The entry a row of audit_log holds. */
export function toEntry(row: Selectable<AuditLogTable>): AuditEntry {
  const snapshot = JSON.parse(row.snapshot ?? 'null') as Snapshot | null;
  return {
    seq: Number(row.seq),
    eventId: row.event_id,
    action: row.action as AuditAction,
    userId: row.user_id,
    bookingId: row.booking_id,
    quantity: row.quantity === null ? null : Number(row.quantity),
    actor: row.actor,
    requestId: row.request_id,
    at: row.at,
    data: row.data === null ? null : (JSON.parse(row.data) as Record<string, unknown>),
    // Entries written before snapshots existed (0004) carry none.
    booking: snapshot?.booking ?? null,
    event: snapshot?.event ?? null,
  };
}

type AuditRow = Insertable<AuditLogTable>;

/** toRow's columns, in its order; the database numbers the entries. */
const AUDIT_COLUMNS = [
  'event_id',
  'action',
  'user_id',
  'booking_id',
  'quantity',
  'actor',
  'request_id',
  'at',
  'data',
  'snapshot',
] as const satisfies readonly (keyof AuditRow)[];

const appendEntries = new RowStatement<AuditRow>(AUDIT_COLUMNS, (db, rows) => db.insertInto('audit_log').values(rows));

function toRow(draft: AuditDraft): AuditRow {
  return {
    event_id: draft.eventId,
    action: draft.action,
    user_id: draft.userId,
    booking_id: draft.bookingId,
    quantity: draft.quantity,
    actor: draft.actor,
    request_id: draft.requestId,
    at: draft.at,
    data: draft.data === null ? null : JSON.stringify(draft.data),
    snapshot: JSON.stringify({ booking: draft.booking, event: draft.event } satisfies Snapshot),
  };
}

export class AuditRepository {
  constructor(
    private readonly db: Db,
    private readonly dialect: Pick<Dialect, 'keepsStatements' | 'insertsFromJson'>,
  ) {}

  /** Appends in the given order; the database's sequence numbers them. */
  async append(drafts: readonly AuditDraft[]): Promise<void> {
    await appendEntries.executeEach(this.db, this.dialect, drafts, toRow);
  }

  /** Entries of one event after `afterSeq`, oldest first. */
  async list(eventId: string, afterSeq: number, limit: number): Promise<AuditEntry[]> {
    const rows = await this.db
      .selectFrom('audit_log')
      .selectAll()
      .where('event_id', '=', eventId)
      .where('seq', '>', afterSeq)
      .orderBy('seq')
      .limit(limit)
      .execute();
    return rows.map(toEntry);
  }

  /** Entries by their seqs, on any event. */
  async bySeqs(seqs: readonly number[]): Promise<AuditEntry[]> {
    if (seqs.length === 0) return [];
    const rows = await this.db
      .selectFrom('audit_log')
      .selectAll()
      .where('seq', 'in', [...seqs])
      .execute();
    return rows.map(toEntry);
  }
}
