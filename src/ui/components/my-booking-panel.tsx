import { useEffect, useId, useRef, useState } from 'preact/hooks';
import { ApiError, type BoxEvent, type Booking, NETWORK_ERROR, api, newIdempotencyKey } from '../api.js';
import { formatCountdown, formatDuration, formatInstant, hasStarted, plural } from '../format.js';
import { type Situation, describeError } from '../messages.js';
import { useMyBooking } from '../use-my-booking.js';
import { useNow } from '../use-now.js';
import { CancelDialog } from './cancel-dialog.js';
import { Notice, type NoticeMessage } from './notice.js';
import { QuantityPicker } from './quantity-picker.js';
import { Ticket } from './ticket.js';

interface Props {
  event: BoxEvent;
  userId: string;
  changes: number;
  /** Tells the page the counts changed, for when no stream is there to say so. */
  onChanged: () => void;
}

function tickets(count: number): string {
  return plural(count, 'ticket');
}

/** Whether a booking of this size would be confirmed now rather than wait (SPEC rule 1). */
function fitsNow(event: BoxEvent, quantity: number): boolean {
  return event.waitlistCount === 0 && event.availableTickets >= quantity;
}

function Countdown({ booking, now }: { booking: Booking; now: number }) {
  const left = Date.parse(booking.expiresAt ?? '') - now;
  return (
    <p class="countdown" role="timer" aria-live="off">
      <span class="countdown-label">{booking.hold ? 'Held for you for' : 'Offer ends in'}</span>
      <span class="countdown-value" data-countdown>
        {formatCountdown(left)}
      </span>
    </p>
  );
}

function StatusLine({
  booking,
  event,
  lapsed,
  justCancelled,
}: {
  booking: Booking | null;
  event: BoxEvent;
  lapsed: boolean;
  justCancelled: boolean;
}) {
  const count = booking?.quantity ?? 1;
  if (booking?.status === 'confirmed') {
    return (
      <>
        <p class="status-badge status-confirmed">Confirmed</p>
        <p class="status-headline">{count > 1 ? `You have ${tickets(count)}.` : 'You have a ticket.'}</p>
        <p class="muted">
          {booking.checkedInAt
            ? `Checked in at the door ${formatInstant(booking.checkedInAt)}. Enjoy the event.`
            : "Show the code below at the door. If you can't make it, cancel so the next person waiting gets your tickets."}
        </p>
      </>
    );
  }
  if (booking?.status === 'pending' && !lapsed) {
    return (
      <>
        <p class="status-badge status-pending">{booking.hold ? 'Held' : 'Offered to you'}</p>
        <p class="status-headline">
          {booking.hold
            ? `${tickets(count)} held for you: confirm to keep them.`
            : `${tickets(count)} freed up and ${count > 1 ? 'are' : 'is'} offered to you.`}
        </p>
        <p class="muted">
          Confirm before the time runs out, or decline to pass them to the next person. Until then nobody else can take them.
        </p>
      </>
    );
  }
  if (booking?.status === 'waitlisted') {
    return (
      <>
        <p class="status-badge status-waitlisted">Waiting list position {booking.position}</p>
        <p class="status-headline">
          You're #{booking.position} on the waiting list{count > 1 ? ` for ${tickets(count)}` : ''}.
        </p>
        <p class="muted">
          {booking.position === 1 ? "You're next. " : `${plural((booking.position ?? 1) - 1, 'booking')} ahead of you. `}
          {event.waitlistMode === 'offer'
            ? 'When tickets free up for you, they are offered to you for a limited time and this page shows it straight away.'
            : 'When tickets free up for you they are yours automatically, and this page shows it straight away.'}
        </p>
      </>
    );
  }
  const earlier =
    booking?.status === 'expired' || lapsed
      ? 'The time to confirm ran out, so the tickets went to the next person. '
      : booking?.status === 'cancelled'
        ? justCancelled
          ? 'Your booking is cancelled. '
          : 'Your earlier booking was cancelled. '
        : '';
  if (!event.salesOpen || hasStarted(event)) return <p class="status-headline">{earlier}Booking is closed for this event.</p>;
  return (
    <p class="status-headline">
      {earlier}
      {event.availableTickets > 0 ? `${tickets(event.availableTickets)} left.` : 'Sold out. You can join the waiting list.'}
    </p>
  );
}

/** The signed-in person's own booking: book, hold, confirm, reduce, see where they stand as it changes, cancel. */
export function MyBookingPanel({ event, userId, changes, onChanged }: Props) {
  const id = useId();
  const mine = useMyBooking(event.id, userId, changes);
  const [message, setMessage] = useState<NoticeMessage | null>(null);
  const [pending, setPending] = useState(false);
  const [confirming, setConfirming] = useState(false);
  const [quantity, setQuantity] = useState(1);
  const [hold, setHold] = useState(false);
  const [fewer, setFewer] = useState<number | null>(null);
  const [justCancelled, setJustCancelled] = useState(false);
  // Focus moves to the outcome of every action, so the next Tab continues from there.
  const result = useRef<HTMLDivElement>(null);
  const [focusResult, setFocusResult] = useState(0);
  useEffect(() => {
    if (focusResult > 0) result.current?.focus();
  }, [focusResult]);
  // Kept across a request that never got an answer, so trying again cannot act twice.
  const keys = useRef<Partial<Record<Situation, string>>>({});

  const booking = mine.booking;
  const isPending = booking?.status === 'pending';
  const now = useNow(isPending);
  const lapsed = isPending && Date.parse(booking.expiresAt ?? '') <= now;
  // The server expires a lapsed booking within seconds; read it again then to show what it did.
  useEffect(() => {
    if (!lapsed) return;
    const timer = setTimeout(mine.refresh, 1_500);
    return () => clearTimeout(timer);
  }, [lapsed, mine.refresh]);

  const act = async (
    situation: Situation,
    request: (key: string) => Promise<Booking>,
    success: (booking: Booking) => NoticeMessage | null,
  ) => {
    setPending(true);
    setMessage(null);
    setJustCancelled(false);
    const key = (keys.current[situation] ??= newIdempotencyKey());
    try {
      const after = await request(key);
      delete keys.current[situation];
      mine.show(after);
      setMessage(success(after));
      setFewer(null);
      if (situation === 'cancel') setJustCancelled(true);
    } catch (error) {
      if (!(error instanceof ApiError && error.code === NETWORK_ERROR)) delete keys.current[situation];
      if (error instanceof ApiError && error.problem.booking) mine.show(error.problem.booking);
      else mine.refresh();
      setMessage({ tone: 'error', text: describeError(error, situation) });
    } finally {
      onChanged();
      setPending(false);
      setFocusResult((count) => count + 1);
    }
  };

  const book = () =>
    act(
      'book',
      async (key) => (await api.book(event.id, hold ? { quantity, hold } : { quantity }, key)).booking,
      // The status line says where the booking stands; a second message would only repeat it.
      () => null,
    );
  const cancel = () => {
    setConfirming(false);
    void act(
      'cancel',
      async (key) => (await api.cancel(event.id, userId, key)).booking,
      () => null,
    );
  };
  const confirm = () =>
    act(
      'confirm',
      async (key) => (await api.confirm(event.id, userId, key)).booking,
      () => null,
    );
  const reduce = (submitted: SubmitEvent) => {
    submitted.preventDefault();
    const to = fewer ?? Math.max(1, (booking?.quantity ?? 1) - 1);
    void act(
      'reduce',
      async (key) => (await api.reduce(event.id, userId, to, key)).booking,
      (after) => ({
        tone: 'success',
        text: `Your booking now holds ${tickets(after.quantity)}. The others went back.`,
      }),
    );
  };

  const active = booking !== null && ['confirmed', 'waitlisted'].includes(booking.status);
  const closed = !event.salesOpen || hasStarted(event);
  const max = Math.max(1, event.maxPerBooking ?? 1);
  const count = booking?.quantity ?? 1;
  const canReduce =
    count > 1 && (booking?.status === 'confirmed' || booking?.status === 'waitlisted' || (isPending && !lapsed)) && !booking?.checkedInAt;
  return (
    <section class="card booking-card" aria-labelledby="my-booking-title">
      <h2 id="my-booking-title">Your booking</h2>
      {!mine.loaded ? (
        <p class="muted">{mine.error !== null ? describeError(mine.error, 'load') : 'Checking your booking…'}</p>
      ) : (
        <div class="status" aria-live="polite" tabIndex={-1} ref={result} data-booking-result>
          <StatusLine booking={booking} event={event} lapsed={lapsed} justCancelled={justCancelled} />
          {isPending && !lapsed && <Countdown booking={booking} now={now} />}
        </div>
      )}
      <Notice message={message} />
      {mine.loaded && booking?.status === 'confirmed' && <Ticket booking={booking} eventName={event.name} />}
      {mine.loaded && isPending && !lapsed && (
        <p class="actions">
          <button type="button" class="button button-primary" onClick={() => void confirm()} disabled={pending}>
            Confirm {count > 1 ? tickets(count) : 'ticket'}
          </button>
          <button type="button" class="button button-secondary" onClick={cancel} disabled={pending}>
            Decline
          </button>
        </p>
      )}
      {mine.loaded && canReduce && (
        <form class="inline-form" onSubmit={reduce}>
          <QuantityPicker id={`${id}-fewer`} label="Keep only" max={count - 1} value={fewer ?? count - 1} onChange={setFewer} />
          <button type="submit" class="button button-secondary" disabled={pending}>
            Reduce
          </button>
        </form>
      )}
      {mine.loaded && active && !booking.checkedInAt && (
        <p class="actions">
          <button type="button" class="button button-danger" onClick={() => setConfirming(true)} disabled={pending}>
            {booking.status === 'waitlisted' ? 'Leave the waiting list' : 'Cancel my booking'}
          </button>
        </p>
      )}
      {mine.loaded && !active && !isPending && !closed && (
        <form
          class="book-form"
          onSubmit={(submitted) => {
            submitted.preventDefault();
            void book();
          }}
        >
          {max > 1 && (
            <QuantityPicker id={`${id}-quantity`} label="Tickets" max={max} value={Math.min(quantity, max)} onChange={setQuantity} />
          )}
          <label class="check">
            <input type="checkbox" checked={hold} onChange={(change) => setHold(change.currentTarget.checked)} />
            Hold them first and confirm within {formatDuration(event.holdTtlSeconds ?? 900)}
          </label>
          <p class="actions">
            <button type="submit" class="button button-primary" disabled={pending}>
              {pending
                ? 'Booking…'
                : fitsNow(event, quantity)
                  ? hold
                    ? `Hold ${tickets(quantity)}`
                    : `Book ${tickets(quantity)}`
                  : 'Join the waiting list'}
            </button>
          </p>
          {!fitsNow(event, quantity) && event.availableTickets > 0 && (
            <p class="hint">
              {event.waitlistCount > 0
                ? 'People are already waiting, so new bookings join the list behind them.'
                : `Only ${tickets(event.availableTickets)} left: a booking of ${quantity} waits for more to free up.`}
            </p>
          )}
        </form>
      )}
      {confirming && booking && <CancelDialog booking={booking} onConfirm={cancel} onClose={() => setConfirming(false)} />}
    </section>
  );
}
