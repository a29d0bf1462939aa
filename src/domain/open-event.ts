import type { AuditDraft, RequestedBy } from './audit.js';
import { EVENT_SETTINGS, type EventRecord, type NewEvent, toEventView } from './event.js';
import { HOLD_TTL_DEFAULT_SECONDS, MAX_PER_BOOKING_DEFAULT, OFFER_TTL_DEFAULT_SECONDS } from './limits.js';

export interface OpenedEvent {
  event: EventRecord;
  audit: AuditDraft;
}

/** A new event: every ticket free, sales open, nobody waiting; unset settings take their defaults. */
export function openEvent(input: NewEvent, by: RequestedBy, now: string): OpenedEvent {
  const event: EventRecord = {
    id: input.id,
    name: input.name,
    venue: input.venue ?? null,
    description: input.description ?? null,
    startsAt: input.startsAt ?? null,
    timeZone: input.timeZone ?? 'UTC',
    totalTickets: input.totalTickets,
    salesOpen: true,
    maxPerBooking: input.maxPerBooking ?? MAX_PER_BOOKING_DEFAULT,
    waitlistMode: input.waitlistMode ?? 'auto',
    offerTtlSeconds: input.offerTtlSeconds ?? OFFER_TTL_DEFAULT_SECONDS,
    holdTtlSeconds: input.holdTtlSeconds ?? HOLD_TTL_DEFAULT_SECONDS,
    bookedCount: 0,
    heldCount: 0,
    waitlistCount: 0,
    waitlistTickets: 0,
    checkedInCount: 0,
    lastQueueNo: 0,
    createdAt: now,
    updatedAt: now,
  };
  const data: Record<string, unknown> = {};
  for (const field of EVENT_SETTINGS) data[field] = event[field];
  const audit: AuditDraft = {
    eventId: event.id,
    action: 'event.created',
    userId: null,
    bookingId: null,
    quantity: null,
    actor: by.actor,
    requestId: by.requestId,
    at: now,
    data,
    booking: null,
    event: toEventView(event),
  };
  return { event, audit };
}
