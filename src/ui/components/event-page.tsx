import { ApiError, type BoxEvent, calendarUrl } from '../api.js';
import { formatStart, hasStarted, plural, zoneOf } from '../format.js';
import { describeError } from '../messages.js';
import { checkInPath } from '../router.js';
import type { Session } from '../session.js';
import { type Connection, useLiveEvent } from '../use-live-event.js';
import { AuditLog } from './audit-log.js';
import { AvailabilityBar } from './availability-bar.js';
import { BookForSomeone } from './book-for-someone.js';
import { EditEvent } from './edit-event.js';
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
  if (event.availableTickets > 0)
    return `${Math.round((event.bookedCount / event.totalTickets) * 100)}% booked. Tickets go first come, first served.`;
  return 'Sold out. When someone cancels, their tickets go to the people on the waiting list, in order.';
}

function Counts({ event, organizer }: { event: BoxEvent; organizer: boolean }) {
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
      <p class="counts-note">
        {countsNote(event)}
        {(event.heldCount ?? 0) > 0 && ` ${plural(event.heldCount, 'ticket')} held for people confirming.`}
        {organizer && event.checkedInCount !== undefined && ` ${plural(event.checkedInCount, 'ticket')} checked in.`}
      </p>
    </section>
  );
}

function EventDetails({ event }: { event: BoxEvent }) {
  return (
    <section class="card details-card" aria-labelledby="details-title">
      <h2 id="details-title">About this event</h2>
      <dl class="details">
        <div>
          <dt>When</dt>
          <dd>{event.startsAt ? formatStart(event.startsAt, zoneOf(event)) : 'To be announced'}</dd>
        </div>
        <div>
          <dt>Where</dt>
          <dd>{event.venue ?? 'To be announced'}</dd>
        </div>
      </dl>
      {event.description && <p class="description">{event.description}</p>}
      {event.startsAt && (
        <p>
          <a class="button button-secondary" href={calendarUrl(event.id)} download={`${event.id}.ics`}>
            Add to calendar
          </a>
        </p>
      )}
    </section>
  );
}

function SignInToBook({ event }: { event: BoxEvent }) {
  const next = encodeURIComponent(location.pathname);
  const closed = !event.salesOpen || hasStarted(event);
  return (
    <section class="card booking-card" aria-labelledby="my-booking-title">
      <h2 id="my-booking-title">Your booking</h2>
      <p>
        {closed
          ? 'Booking is closed for this event.'
          : event.availableTickets > 0
            ? `${plural(event.availableTickets, 'ticket')} left. Sign in to book.`
            : 'Sold out. Sign in to join the waiting list: freed tickets go to the people waiting, in order.'}
      </p>
      {!closed && (
        <p class="actions">
          <a class="button button-primary" href={`/sign-in?next=${next}`}>
            Sign in
          </a>
          <a class="button button-secondary" href={`/sign-up?next=${next}`}>
            Create account
          </a>
        </p>
      )}
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
          <PageHeading title={missing ? 'Event not found' : 'Loading event…'} pending={!missing} />
          {live.error !== null && (
            <p class={missing ? '' : 'notice notice-error'} role="alert">
              {describeError(live.error, 'load')}
            </p>
          )}
        </section>
      </>
    );
  }

  const organizer = session?.role === 'admin';
  const booker = session?.role === 'user' || session?.role === 'staff';
  return (
    <>
      <p class="back-link">
        <a href="/">← All events</a>
      </p>
      <div class="event-header">
        <PageHeading title={event.name} />
        <p class={`connection connection-${live.connection}`}>
          <span class="connection-dot" aria-hidden="true" />
          {CONNECTION_TEXT[live.connection]}
        </p>
      </div>
      {live.error !== null && (
        <p class="notice notice-error" role="alert">
          {describeError(live.error, 'load')}
        </p>
      )}
      <div class="event-layout">
        <div class="event-column">
          <EventDetails event={event} />
          <Counts event={event} organizer={organizer || session?.role === 'staff'} />
        </div>
        <div class="event-column">
          {booker && session && <MyBookingPanel event={event} userId={session.userId} changes={live.changes} onChanged={live.refresh} />}
          {!session && <SignInToBook event={event} />}
          {organizer && <ManageEvent event={event} onUpdated={live.accept} />}
          {session?.role === 'staff' && (
            <p>
              <a class="button button-secondary" href={checkInPath(event.id)}>
                Open the check-in screen
              </a>
            </p>
          )}
        </div>
      </div>
      {organizer && (
        <>
          <EditEvent event={event} onUpdated={live.accept} />
          <BookForSomeone event={event} onChanged={live.refresh} />
          <WaitingList event={event} changes={live.changes} />
          <AuditLog eventId={event.id} changes={live.changes} />
        </>
      )}
    </>
  );
}
