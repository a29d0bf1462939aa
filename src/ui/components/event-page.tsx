import { ApiError, type BoxEvent } from '../api.js';
import { formatStart, plural } from '../format.js';
import { describeError } from '../messages.js';
import type { Session } from '../session.js';
import { type Connection, useLiveEvent } from '../use-live-event.js';
import { AuditLog } from './audit-log.js';
import { AvailabilityBar } from './availability-bar.js';
import { ManageEvent } from './manage-event.js';
import { MyBookingPanel } from './my-booking-panel.js';
import { PageHeading } from './page-heading.js';
import { WaitingList } from './waiting-list.js';

const CONNECTION_TEXT: Record<Connection, string> = {
  live: 'Live',
  connecting: 'Reconnecting…',
  polling: 'Updates every few seconds',
};

function countsNote(event: BoxEvent): string {
  if (event.availableTickets > 0) return `${Math.round((event.bookedCount / event.totalTickets) * 100)}% booked. Tickets go first come, first served.`;
  return 'Sold out. When someone cancels, their ticket goes to the first person on the waiting list.';
}

function Counts({ event }: { event: BoxEvent }) {
  return (
    <section class="card counts-card" aria-labelledby="counts-title">
      <h2 id="counts-title" class="visually-hidden">
        Tickets
      </h2>
      <dl class="counts">
        <div class="count">
          <dt>Tickets left</dt>
          <dd data-count="available">{event.availableTickets.toLocaleString()}</dd>
        </div>
        <div class="count">
          <dt>Booked</dt>
          <dd data-count="booked">
            {event.bookedCount.toLocaleString()}
            <span class="count-of"> of {event.totalTickets.toLocaleString()}</span>
          </dd>
        </div>
        <div class="count">
          <dt>Waiting</dt>
          <dd data-count="waiting">{event.waitlistCount.toLocaleString()}</dd>
        </div>
      </dl>
      <AvailabilityBar event={event} />
      <p class="counts-note">{countsNote(event)}</p>
    </section>
  );
}

function SignInToBook({ event }: { event: BoxEvent }) {
  const next = encodeURIComponent(location.pathname);
  return (
    <section class="card booking-card" aria-labelledby="my-booking-title">
      <h2 id="my-booking-title">Your booking</h2>
      <p>
        {!event.salesOpen
          ? 'Booking is closed for this event.'
          : event.availableTickets > 0
            ? `${plural(event.availableTickets, 'ticket')} left. Sign in to book one.`
            : 'Sold out. Sign in to join the waiting list: freed tickets go to the people waiting, in order.'}
      </p>
      <p class="actions">
        <a class="button button-primary" href={`/sign-in?next=${next}`}>
          Sign in
        </a>
        <a class="button button-secondary" href={`/sign-up?next=${next}`}>
          Create account
        </a>
      </p>
    </section>
  );
}

export function EventPage({ eventId, session }: { eventId: string; session: Session | null }) {
  const live = useLiveEvent(eventId);
  const { event } = live;

  if (!event) {
    const missing = live.error instanceof ApiError && ['EVENT_NOT_FOUND', 'VALIDATION_FAILED'].includes(live.error.code);
    return (
      <>
        <p class="back-link">
          <a href="/">← All events</a>
        </p>
        <section class="card">
          <PageHeading title={missing ? 'Event not found' : 'Loading event…'} />
          {live.error !== null && (
            <p class={missing ? '' : 'notice notice-error'} role="alert">
              {describeError(live.error, 'load')}
            </p>
          )}
        </section>
      </>
    );
  }

  return (
    <>
      <p class="back-link">
        <a href="/">← All events</a>
      </p>
      <div class="event-header">
        <PageHeading title={event.name} />
        <p class="event-meta">
          {event.startsAt && <span>{formatStart(event.startsAt)}</span>}
          {event.venue && <span>{event.venue}</span>}
        </p>
        <p class={`connection connection-${live.connection}`}>
          <span class="connection-dot" aria-hidden="true" />
          {CONNECTION_TEXT[live.connection]}
        </p>
      </div>
      {!event.salesOpen && (
        <p class="notice notice-info" role="status">
          Booking is closed for this event. People already on the waiting list keep their place.
        </p>
      )}
      {live.error !== null && (
        <p class="notice notice-error" role="alert">
          {describeError(live.error, 'load')}
        </p>
      )}
      <div class="event-layout">
        <Counts event={event} />
        {session?.role === 'user' && <MyBookingPanel event={event} userId={session.userId} changes={live.changes} onChanged={live.refresh} />}
        {!session && <SignInToBook event={event} />}
        {session?.role === 'admin' && <ManageEvent event={event} onUpdated={live.accept} />}
      </div>
      {session?.role === 'admin' && (
        <>
          <WaitingList event={event} changes={live.changes} />
          <AuditLog eventId={event.id} changes={live.changes} />
        </>
      )}
    </>
  );
}
