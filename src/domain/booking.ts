export const BOOKING_STATUSES = ['confirmed', 'pending', 'waitlisted', 'cancelled', 'expired'] as const;
export type BookingStatus = (typeof BOOKING_STATUSES)[number];

/** Statuses that hold the user's one booking for the event (I3). */
export const ACTIVE_STATUSES: readonly BookingStatus[] = ['confirmed', 'pending', 'waitlisted'];

export interface Booking {
  id: string;
  eventId: string;
  userId: string;
  /** Tickets this booking holds or wants; a group waits whole and is never split. */
  quantity: number;
  /** The booker asked to hold the tickets for a checkout before confirming. */
  hold: boolean;
  status: BookingStatus;
  /** The event's acceptance counter when this booking was accepted; FIFO order of the waiting list. */
  queueNo: number;
  /** While pending: the instant the held or offered tickets lapse. */
  expiresAt: string | null;
  /** Given when the booking is first confirmed, kept for good. */
  ticketCode: string | null;
  checkedInAt: string | null;
  createdAt: string;
  updatedAt: string;
  confirmedAt: string | null;
  cancelledAt: string | null;
}

export interface BookingView {
  id: string;
  eventId: string;
  userId: string;
  quantity: number;
  hold: boolean;
  status: BookingStatus;
  /** 1-based place in the waiting list while waitlisted, else null. */
  position: number | null;
  expiresAt: string | null;
  ticketCode: string | null;
  checkedInAt: string | null;
  createdAt: string;
  updatedAt: string;
  confirmedAt: string | null;
  cancelledAt: string | null;
}

export function isActive(booking: Pick<Booking, 'status'>): boolean {
  return ACTIVE_STATUSES.includes(booking.status);
}

export function toBookingView(booking: Booking, position: number | null): BookingView {
  return {
    id: booking.id,
    eventId: booking.eventId,
    userId: booking.userId,
    quantity: booking.quantity,
    hold: booking.hold,
    status: booking.status,
    position: booking.status === 'waitlisted' ? position : null,
    expiresAt: booking.status === 'pending' ? booking.expiresAt : null,
    ticketCode: booking.ticketCode,
    checkedInAt: booking.checkedInAt,
    createdAt: booking.createdAt,
    updatedAt: booking.updatedAt,
    confirmedAt: booking.confirmedAt,
    cancelledAt: booking.cancelledAt,
  };
}
