import { useEffect } from 'preact/hooks';
import { type MyBooking, api } from '../api.js';
import { formatCountdown, formatStart, plural } from '../format.js';
import { describeError } from '../messages.js';
import { eventPath } from '../router.js';
import { useNow } from '../use-now.js';
import { usePagedList } from '../use-paged-list.js';
import { PageHeading } from './page-heading.js';
import { Ticket } from './ticket.js';

const REFRESH_MS = 15_000;

const STATUS_LABEL = {
  confirmed: 'Confirmed',
  pending: 'Waiting for your confirmation',
  waitlisted: 'On the waiting list',
  cancelled: 'Cancelled',
  expired: 'Expired',
} as const;

function Standing({ booking, now }: { booking: MyBooking; now: number }) {
  if (booking.status === 'waitlisted') return <p>Position {booking.position} on the waiting list.</p>;
  if (booking.status === 'pending' && booking.expiresAt) {
    const left = Date.parse(booking.expiresAt) - now;
    return left > 0 ? (
      <p>
        Confirm within <span class="countdown-value">{formatCountdown(left)}</span> on the event page.
      </p>
    ) : (
      <p>The time to confirm has run out.</p>
    );
  }
  return null;
}

function BookingCard({ booking, now }: { booking: MyBooking; now: number }) {
  const status = booking.status === 'pending' && Date.parse(booking.expiresAt ?? '') <= now ? 'expired' : booking.status;
  return (
    <li class="card my-ticket" aria-labelledby={`ticket-${booking.id}`}>
      <h2 id={`ticket-${booking.id}`}>
        <a href={eventPath(booking.eventId)}>{booking.event.name}</a>
      </h2>
      <p class="muted">
        {booking.event.startsAt ? formatStart(booking.event.startsAt, booking.event.timeZone || 'UTC') : 'Date to be announced'}
      </p>
      <p>
        <span class={`status-badge status-${status}`}>{STATUS_LABEL[status]}</span> <span>{plural(booking.quantity ?? 1, 'ticket')}</span>
      </p>
      <Standing booking={booking} now={now} />
      {status === 'confirmed' && <Ticket booking={booking} eventName={booking.event.name} />}
    </li>
  );
}

/** Every booking of mine across events, newest first, with where each stands and its ticket. */
export function MyTicketsPage() {
  const list = usePagedList(async (cursor) => {
    const page = await api.myBookings(cursor);
    return { items: page.bookings, nextCursor: page.nextCursor };
  }, 'mine');
  const now = useNow(list.items.some((booking) => booking.status === 'pending'));
  // Offers and promotions happen while nobody asks; a slow re-read shows them here too.
  const { refresh } = list;
  useEffect(() => {
    const timer = setInterval(() => {
      if (document.visibilityState === 'visible') refresh();
    }, REFRESH_MS);
    return () => clearInterval(timer);
  }, [refresh]);
  return (
    <>
      <div class="page-intro">
        <PageHeading title="My tickets" />
        <p class="lede">Your bookings, newest first. Show a ticket's code at the door.</p>
      </div>
      {list.error !== null && (
        <p class="notice notice-error" role="alert">
          {describeError(list.error, 'load')}
        </p>
      )}
      {!list.loaded && list.error === null && <p class="muted">Loading your bookings…</p>}
      {list.loaded && list.items.length === 0 && (
        <p class="card empty">
          You have no bookings yet. <a href="/">Find an event</a>.
        </p>
      )}
      <ul class="my-tickets">
        {list.items.map((booking) => (
          <BookingCard key={booking.id} booking={booking} now={now} />
        ))}
      </ul>
      {list.hasMore && (
        <button type="button" class="button button-secondary" onClick={list.more} disabled={list.loading}>
          Show older bookings
        </button>
      )}
    </>
  );
}
