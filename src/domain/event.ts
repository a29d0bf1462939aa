export const WAITLIST_MODES = ['auto', 'offer'] as const;
/** auto: a freed ticket goes to the head of the list at once; offer: the head is offered it with a deadline. */
export type WaitlistMode = (typeof WAITLIST_MODES)[number];

/** What an organizer sets on an event. */
export interface EventSettings {
  name: string;
  venue: string | null;
  description: string | null;
  startsAt: string | null;
  /** IANA zone the event's times are shown in. */
  timeZone: string;
  totalTickets: number;
  salesOpen: boolean;
  maxPerBooking: number;
  waitlistMode: WaitlistMode;
  offerTtlSeconds: number;
  holdTtlSeconds: number;
}

export const EVENT_SETTINGS: readonly (keyof EventSettings)[] = [
  'name',
  'venue',
  'description',
  'startsAt',
  'timeZone',
  'totalTickets',
  'salesOpen',
  'maxPerBooking',
  'waitlistMode',
  'offerTtlSeconds',
  'holdTtlSeconds',
];

export interface EventRecord extends EventSettings {
  id: string;
  /** Tickets in confirmed bookings. */
  bookedCount: number;
  /** Tickets in pending bookings (holds and offers). */
  heldCount: number;
  /** Waitlisted bookings. */
  waitlistCount: number;
  /** Tickets the waitlisted bookings want. */
  waitlistTickets: number;
  /** Tickets of checked-in bookings. */
  checkedInCount: number;
  /** Acceptance counter: every booking takes the next number, which orders the waiting list. */
  lastQueueNo: number;
  createdAt: string;
  updatedAt: string;
}

export interface EventView extends EventSettings {
  id: string;
  bookedCount: number;
  heldCount: number;
  availableTickets: number;
  waitlistCount: number;
  waitlistTickets: number;
  checkedInCount: number;
  createdAt: string;
  updatedAt: string;
}

export type NewEvent = Pick<EventSettings, 'name' | 'totalTickets'> &
  Partial<Omit<EventSettings, 'name' | 'totalTickets' | 'salesOpen'>> & { id: string };

export type EventPatch = Partial<EventSettings>;

export function availableTickets(event: Pick<EventRecord, 'totalTickets' | 'bookedCount' | 'heldCount'>): number {
  return event.totalTickets - event.bookedCount - event.heldCount;
}

export function toEventView(event: EventRecord): EventView {
  return {
    id: event.id,
    name: event.name,
    venue: event.venue,
    description: event.description,
    startsAt: event.startsAt,
    timeZone: event.timeZone,
    totalTickets: event.totalTickets,
    salesOpen: event.salesOpen,
    maxPerBooking: event.maxPerBooking,
    waitlistMode: event.waitlistMode,
    offerTtlSeconds: event.offerTtlSeconds,
    holdTtlSeconds: event.holdTtlSeconds,
    bookedCount: event.bookedCount,
    heldCount: event.heldCount,
    availableTickets: availableTickets(event),
    waitlistCount: event.waitlistCount,
    waitlistTickets: event.waitlistTickets,
    checkedInCount: event.checkedInCount,
    createdAt: event.createdAt,
    updatedAt: event.updatedAt,
  };
}
