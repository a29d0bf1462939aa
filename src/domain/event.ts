export interface EventRecord {
  id: string;
  name: string;
  venue: string | null;
  startsAt: string | null;
  totalTickets: number;
  salesOpen: boolean;
  bookedCount: number;
  waitlistCount: number;
  /** Acceptance counter: every booking takes the next number, which orders the waiting list. */
  lastQueueNo: number;
  createdAt: string;
  updatedAt: string;
}

export interface EventView {
  id: string;
  name: string;
  venue: string | null;
  startsAt: string | null;
  totalTickets: number;
  salesOpen: boolean;
  bookedCount: number;
  availableTickets: number;
  waitlistCount: number;
  createdAt: string;
  updatedAt: string;
}

export interface NewEvent {
  id: string;
  name: string;
  venue: string | null;
  startsAt: string | null;
  totalTickets: number;
}

export interface EventPatch {
  name?: string;
  venue?: string | null;
  startsAt?: string | null;
  totalTickets?: number;
  salesOpen?: boolean;
}

export function toEventView(event: EventRecord): EventView {
  return {
    id: event.id,
    name: event.name,
    venue: event.venue,
    startsAt: event.startsAt,
    totalTickets: event.totalTickets,
    salesOpen: event.salesOpen,
    bookedCount: event.bookedCount,
    availableTickets: event.totalTickets - event.bookedCount,
    waitlistCount: event.waitlistCount,
    createdAt: event.createdAt,
    updatedAt: event.updatedAt,
  };
}
