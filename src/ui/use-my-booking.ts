import { useCallback, useEffect, useRef, useState } from 'preact/hooks';
import { ApiError, type Booking, api } from './api.js';
import { useThrottled } from './use-throttled.js';

export interface MyBooking {
  /** The latest booking, cancelled ones included; null when the user never booked. */
  booking: Booking | null;
  loaded: boolean;
  error: unknown;
  /** Shows a booking the page just got from the server (book, cancel, ALREADY_BOOKED). */
  show: (booking: Booking | null) => void;
  refresh: () => void;
}

const WAITING_RECHECK_MS = 30_000;

/**
 * The signed-in user's booking for an event, read again whenever the event changes: the stream
 * carries counts only, and a change of counts is what moves a waiting person up or in.
 */
export function useMyBooking(eventId: string, userId: string, changes: number): MyBooking {
  const [state, setState] = useState({ booking: null as Booking | null, loaded: false, error: null as unknown });
  // Only the newest answer counts: a read sent before a booking must not undo it.
  const version = useRef(0);

  const show = useCallback((booking: Booking | null) => {
    version.current += 1;
    setState({ booking, loaded: true, error: null });
  }, []);

  const read = useCallback(() => {
    const mine = ++version.current;
    api.getBooking(eventId, userId).then(
      ({ booking }) => {
        if (mine === version.current) setState({ booking, loaded: true, error: null });
      },
      (error: unknown) => {
        if (mine !== version.current) return;
        if (error instanceof ApiError && error.code === 'BOOKING_NOT_FOUND') setState({ booking: null, loaded: true, error: null });
        else setState((previous) => ({ ...previous, error }));
      },
    );
  }, [eventId, userId]);

  const refresh = useThrottled(read, 1_000);

  useEffect(() => {
    setState({ booking: null, loaded: false, error: null });
    read();
  }, [read]);

  useEffect(() => {
    if (changes > 1) refresh();
  }, [changes, refresh]);

  // Two changes that leave the counts as they were send no stream message; a slow recheck covers that.
  const waiting = state.booking?.status === 'waitlisted';
  useEffect(() => {
    if (!waiting) return;
    const timer = setInterval(refresh, WAITING_RECHECK_MS);
    return () => clearInterval(timer);
  }, [waiting, refresh]);

  return { ...state, show, refresh };
}
