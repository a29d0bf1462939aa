import type { BookingView } from './booking.js';
import type { EventView } from './event.js';

export const AUDIT_ACTIONS = [
  'event.created',
  'event.updated',
  'booking.confirmed',
  'booking.held',
  'booking.waitlisted',
  'booking.promoted',
  'booking.offered',
  'booking.reduced',
  'booking.cancelled',
  'booking.expired',
  'booking.checked_in',
] as const;
export type AuditAction = (typeof AUDIT_ACTIONS)[number];

/** The actor of changes nobody asked for (expiry, and the promotions it causes). */
export const SYSTEM: RequestedBy = { actor: 'system', requestId: null };

/** Who asked for a change: 'admin', a user id, 'staff:<id>', 'public' (open booking) or 'system'. */
export interface RequestedBy {
  actor: string;
  requestId: string | null;
}

export interface AuditDraft {
  eventId: string;
  action: AuditAction;
  userId: string | null;
  bookingId: string | null;
  /** The booking's quantity after this change (for booking.reduced, the new one); null for event entries. */
  quantity: number | null;
  actor: string;
  requestId: string | null;
  at: string;
  /** What the change set: event fields for event.*, null for booking.* (the booking id says it all). */
  data: Record<string, unknown> | null;
  /** The booking and the event as this entry left them: what webhooks and e-mails tell. */
  booking: BookingView | null;
  event: EventView | null;
}

export interface AuditEntry extends AuditDraft {
  seq: number;
}
