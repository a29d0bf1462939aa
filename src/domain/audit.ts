export const AUDIT_ACTIONS = [
  'event.created',
  'event.updated',
  'booking.confirmed',
  'booking.waitlisted',
  'booking.promoted',
  'booking.cancelled',
] as const;
export type AuditAction = (typeof AUDIT_ACTIONS)[number];

/** Who asked for a change: 'admin', a user id, or 'public' (anonymous under open booking). */
export interface RequestedBy {
  actor: string;
  requestId: string | null;
}

export interface AuditDraft {
  eventId: string;
  action: AuditAction;
  userId: string | null;
  bookingId: string | null;
  actor: string;
  requestId: string | null;
  at: string;
  /** What the change set: event fields for event.*, null for booking.* (the booking id says it all). */
  data: Record<string, unknown> | null;
}

export interface AuditEntry extends AuditDraft {
  seq: number;
}
