import type { BookingView } from '../domain/booking.js';
import type { ReleaseResult } from '../services/booking-service.js';
import type { Caller } from './auth.js';

/** Whether this caller may see the ticket code of a booking: its booker, staff and the admin (SPEC §1). */
function seesCode(caller: Caller, booking: BookingView): boolean {
  if (caller.kind === 'admin') return true;
  return caller.kind === 'user' && (caller.staff || caller.userId === booking.userId);
}

/** A cancel or reduce answer for the caller of `request`: the people the tickets went to keep their codes to themselves. */
export function releaseFor(result: ReleaseResult, { caller }: { caller: Caller }): ReleaseResult {
  const shown = (booking: BookingView): BookingView => (seesCode(caller, booking) ? booking : { ...booking, ticketCode: null });
  const promotedAll = result.promotedAll.map(shown);
  return { booking: result.booking, promoted: promotedAll[0] ?? null, promotedAll };
}
