import type { Db } from './dialect.js';

export interface WaitlistSize {
  eventId: string;
  waitlistCount: number;
}

/** The longest waiting lists of events still on sale, and what is held, for the metrics page. */
export class WaitlistReader {
  constructor(private readonly db: Db) {}

  async longest(limit: number): Promise<WaitlistSize[]> {
    const rows = await this.db
      .selectFrom('events')
      .select(['id', 'waitlist_count'])
      .where('sales_open', '=', 1)
      .where('waitlist_count', '>', 0)
      .orderBy('waitlist_count', 'desc')
      .orderBy('id')
      .limit(limit)
      .execute();
    return rows.map((row) => ({ eventId: row.id, waitlistCount: Number(row.waitlist_count) }));
  }

  /** Tickets held by pending bookings (holds and offers) across every event. */
  async heldTickets(): Promise<number> {
    const row = await this.db
      .selectFrom('events')
      .select((eb) => eb.fn.coalesce(eb.fn.sum<number>('held_count'), eb.lit(0)).as('held'))
      .executeTakeFirstOrThrow();
    return Number(row.held);
  }
}
