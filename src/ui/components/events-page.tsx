import { useEffect } from 'preact/hooks';
import { type BoxEvent, api } from '../api.js';
import { formatStart, plural } from '../format.js';
import { describeError } from '../messages.js';
import { eventPath } from '../router.js';
import type { Session } from '../session.js';
import { usePagedList } from '../use-paged-list.js';
import { AvailabilityBar } from './availability-bar.js';
import { NewEventForm } from './new-event-form.js';
import { PageHeading } from './page-heading.js';

// The list polls instead of holding a stream per event: bounded, and a few seconds late is fine here.
const REFRESH_MS = 5_000;

function availabilityText(event: BoxEvent): string {
  if (event.availableTickets > 0) return `${plural(event.availableTickets, 'ticket')} left of ${event.totalTickets.toLocaleString()}`;
  return event.waitlistCount > 0 ? `Sold out · ${event.waitlistCount.toLocaleString()} waiting` : 'Sold out';
}

function EventCard({ event }: { event: BoxEvent }) {
  const soldOut = event.availableTickets === 0;
  return (
    <li>
      <a class="event-card" href={eventPath(event.id)}>
        <span class="event-card-name">{event.name}</span>
        <span class="event-card-meta">{[event.venue, event.startsAt ? formatStart(event.startsAt) : null].filter(Boolean).join(' · ') || 'Date and venue to be announced'}</span>
        <span class="event-card-availability">
          {!event.salesOpen ? <span class="badge badge-closed">Booking closed</span> : soldOut ? <span class="badge badge-waitlist">Waiting list</span> : <span class="badge badge-open">On sale</span>}
          <span>{availabilityText(event)}</span>
        </span>
        <AvailabilityBar event={event} />
      </a>
    </li>
  );
}

export function EventsPage({ session }: { session: Session | null }) {
  const list = usePagedList(async (cursor) => {
    const page = await api.listEvents(cursor);
    return { items: page.events, nextCursor: page.nextCursor };
  }, 'events');
  const { refresh } = list;

  useEffect(() => {
    const timer = setInterval(() => {
      if (document.visibilityState === 'visible') refresh();
    }, REFRESH_MS);
    return () => clearInterval(timer);
  }, [refresh]);

  const isAdmin = session?.role === 'admin';
  return (
    <>
      <div class="page-intro">
        <PageHeading title="Events" />
        <p class="lede">Pick an event to book a ticket. When one is sold out, join its waiting list: tickets that free up go to the people waiting, in the order they joined.</p>
      </div>
      {isAdmin && <NewEventForm />}
      <section aria-labelledby="event-list-title">
        <h2 id="event-list-title" class="visually-hidden">
          All events
        </h2>
        {list.error !== null && (
          <p class="notice notice-error" role="alert">
            {describeError(list.error, 'load')}
          </p>
        )}
        {!list.loaded && list.error === null && <p class="muted">Loading events…</p>}
        {list.loaded && list.items.length === 0 && (
          <p class="card empty">{isAdmin ? 'No events yet. Create the first one above.' : 'No events yet. Check back soon.'}</p>
        )}
        <ul class="event-list">
          {list.items.map((event) => (
            <EventCard key={event.id} event={event} />
          ))}
        </ul>
        {list.hasMore && (
          <button type="button" class="button button-secondary" onClick={list.more} disabled={list.loading}>
            Show more events
          </button>
        )}
      </section>
    </>
  );
}
