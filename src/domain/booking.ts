export const BOOKING_STATUSES = ['confirmed', 'waitlisted', 'cancelled'] as const;
export type BookingStatus = (typeof BOOKING_STATUSES)[number];

export interface Booking {
  id: string;
  eventId: string;
  userId: string;
  status: BookingStatus;
  /** The event's acceptance counter when this booking was accepted; FIFO order of the waiting list. */
  queueNo: number;
  createdAt: string;
  updatedAt: string;
  confirmedAt: string | null;
  cancelledAt: string | null;
}

export interface BookingView {
  id: string;
  eventId: string;
  userId: string;
  status: BookingStatus;
  /** 1-based place in the waiting list while waitlisted, else null. */
  position: number | null;
  createdAt: string;
  updatedAt: string;
  confirmedAt: string | null;
  cancelledAt: string | null;
}

export function isActive(booking: Booking): boolean {
  return booking.status !== 'cancelled';
}

export function toBookingView(booking: Booking, position: number | null): BookingView {
  return {
    id: booking.id,
    eventId: booking.eventId,
    userId: booking.userId,
    status: booking.status,
    position: booking.status === 'waitlisted' ? position : null,
    createdAt: booking.createdAt,
    updatedAt: booking.updatedAt,
    confirmedAt: booking.confirmedAt,
    cancelledAt: booking.cancelledAt,
  };
}
