import { useEffect, useRef, useState } from 'preact/hooks';
import { ApiError, type BoxEvent, type Booking, NETWORK_ERROR, api, newIdempotencyKey } from '../api.js';
import { plural } from '../format.js';
import { describeError } from '../messages.js';
import { useMyBooking } from '../use-my-booking.js';
import { CancelDialog } from './cancel-dialog.js';
import { Notice, type NoticeMessage } from './notice.js';

interface Props {
  event: BoxEvent;
  userId: string;
  changes: number;
  /** Tells the page the counts changed, for when no stream is there to say so. */
  onChanged(): void;
}

function StatusLine({ booking, event }: { booking: Booking | null; event: BoxEvent }) {
  if (booking?.status === 'confirmed') {
    return (
      <>
        <p class="status-badge status-confirmed">Confirmed</p>
        <p class="status-headline">You have a ticket.</p>
        <p class="muted">See you there. If you can't make it, cancel so the next person waiting gets your ticket.</p>
      </>
    );
  }
  if (booking?.status === 'waitlisted') {
    return (
      <>
        <p class="status-badge status-waitlisted">Waiting list position {booking.position}</p>
        <p class="status-headline">You're #{booking.position} on the waiting list.</p>
        <p class="muted">
          {booking.position === 1 ? "You're next. " : `${plural((booking.position ?? 1) - 1, 'person', 'people')} ahead of you. `}
          When a ticket frees up for you it is yours automatically, and this page shows it straight away.
        </p>
      </>
    );
  }
  const earlier = booking?.status === 'cancelled' ? 'Your earlier booking was cancelled. ' : '';
  if (!event.salesOpen) return <p class="status-headline">{earlier}Booking is closed for this event.</p>;
  return (
    <p class="status-headline">
      {earlier}
      {event.availableTickets > 0
        ? `${plural(event.availableTickets, 'ticket')} left.`
        : "Sold out. Join the waiting list: you'll get a ticket automatically if one frees up."}
    </p>
  );
}

/** The signed-in person's own booking: book, see where they stand as it changes, cancel. */
export function MyBookingPanel({ event, userId, changes, onChanged }: Props) {
  const mine = useMyBooking(event.id, userId, changes);
  const [message, setMessage] = useState<NoticeMessage | null>(null);
  const [pending, setPending] = useState(false);
  const [confirming, setConfirming] = useState(false);
  const heading = useRef<HTMLHeadingElement>(null);
  // Kept across a request that never got an answer, so trying again cannot book twice.
  const bookKey = useRef<string | null>(null);
  const cancelKey = useRef<string | null>(null);

  // A promotion while the person watches is news worth saying out loud.
  const previous = useRef(mine.booking?.status);
  useEffect(() => {
    if (previous.current === 'waitlisted' && mine.booking?.status === 'confirmed') {
      setMessage({ tone: 'success', text: 'Good news: a ticket freed up and it is yours. Your booking is confirmed.' });
    }
    previous.current = mine.booking?.status;
  }, [mine.booking?.status]);

  const failed = (error: unknown, situation: 'book' | 'cancel', key: { current: string | null }) => {
    if (!(error instanceof ApiError && error.code === NETWORK_ERROR)) key.current = null;
    if (error instanceof ApiError && error.code === 'ALREADY_BOOKED' && error.problem.booking) mine.show(error.problem.booking);
    else mine.refresh();
    onChanged();
    setMessage({ tone: 'error', text: describeError(error, situation) });
  };

  const book = async () => {
    setPending(true);
    setMessage(null);
    bookKey.current ??= newIdempotencyKey();
    try {
      const { booking } = await api.book(event.id, bookKey.current);
      bookKey.current = null;
      mine.show(booking);
      onChanged();
      setMessage(
        booking.status === 'confirmed'
          ? { tone: 'success', text: 'Booked. Your ticket is confirmed.' }
          : { tone: 'info', text: `The event is sold out, so you're on the waiting list at #${booking.position}.` },
      );
    } catch (error) {
      failed(error, 'book', bookKey);
    } finally {
      setPending(false);
    }
  };

  const cancel = async () => {
    setConfirming(false);
    setPending(true);
    setMessage(null);
    cancelKey.current ??= newIdempotencyKey();
    try {
      const { booking } = await api.cancel(event.id, userId, cancelKey.current);
      cancelKey.current = null;
      mine.show(booking);
      onChanged();
      setMessage({ tone: 'success', text: 'Your booking is cancelled.' });
    } catch (error) {
      failed(error, 'cancel', cancelKey);
    } finally {
      setPending(false);
      heading.current?.focus();
    }
  };

  const active = mine.booking?.status === 'confirmed' || mine.booking?.status === 'waitlisted';
  return (
    <section class="card booking-card" aria-labelledby="my-booking-title">
      <h2 id="my-booking-title" ref={heading} tabIndex={-1}>
        Your booking
      </h2>
      {!mine.loaded ? (
        <p class="muted">{mine.error !== null ? describeError(mine.error, 'load') : 'Checking your booking…'}</p>
      ) : (
        <div class="status" aria-live="polite">
          <StatusLine booking={mine.booking} event={event} />
        </div>
      )}
      <Notice message={message} />
      {mine.loaded && (
        <p class="actions">
          {active ? (
            <button type="button" class="button button-danger" onClick={() => setConfirming(true)} disabled={pending}>
              {mine.booking?.status === 'waitlisted' ? 'Leave the waiting list' : 'Cancel my booking'}
            </button>
          ) : (
            event.salesOpen && (
              <button type="button" class="button button-primary" onClick={book} disabled={pending}>
                {pending ? 'Booking…' : event.availableTickets > 0 ? 'Book a ticket' : 'Join the waiting list'}
              </button>
            )
          )}
        </p>
      )}
      {confirming && mine.booking && <CancelDialog booking={mine.booking} onConfirm={cancel} onClose={() => setConfirming(false)} />}
    </section>
  );
}
