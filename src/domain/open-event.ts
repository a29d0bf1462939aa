import type { AuditDraft, RequestedBy } from './audit.js';
import type { EventRecord, NewEvent } from './event.js';

export interface OpenedEvent {
  event: EventRecord;
  audit: AuditDraft;
}

/** A new event: every ticket free, sales open, nobody waiting. */
export function openEvent(input: NewEvent, by: RequestedBy, now: string): OpenedEvent {
  const event: EventRecord = {
    ...input,
    salesOpen: true,
    bookedCount: 0,
    waitlistCount: 0,
    lastQueueNo: 0,
    createdAt: now,
    updatedAt: now,
  };
  const audit: AuditDraft = {
    eventId: event.id,
    action: 'event.created',
    userId: null,
    bookingId: null,
    actor: by.actor,
    requestId: by.requestId,
    at: now,
    data: {
      name: event.name,
      venue: event.venue,
      startsAt: event.startsAt,
      totalTickets: event.totalTickets,
      salesOpen: event.salesOpen,
    },
  };
  return { event, audit };
}
