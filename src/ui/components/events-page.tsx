import { useEffect, useId, useMemo, useState } from 'preact/hooks';
import { type BoxEvent, type BookingStatus, api } from '../api.js';
import { formatStart, hasStarted, plural, startEpoch, zoneOf } from '../format.js';
import { describeError } from '../messages.js';
import { eventPath } from '../router.js';
import type { Session } from '../session.js';
import { AvailabilityBar } from './availability-bar.js';
import { NewEventForm } from './new-event-form.js';
import { PageHeading } from './page-heading.js';

// The list polls instead of holding a stream per event: bounded, and a few seconds late is fine here.
const REFRESH_MS = 10_000;
const SHOWN_STEP = 12;
/** The whole list is read (200 a page, up to this many pages) so it can be ordered by date and searched here. */
const MAX_PAGES = 25;

async function allEvents(): Promise<BoxEvent[]> {
  const events: BoxEvent[] = [];
  let cursor: string | undefined;
  for (let page = 0; page < MAX_PAGES; page += 1) {
    const answer = await api.listEvents(cursor);
    events.push(...answer.events);
    if (answer.nextCursor === null) break;
    cursor = answer.nextCursor;
  }
  return events;
}

/** My active bookings by event, for the "You're booked" marks; nothing for people not signed in. */
async function myActiveBookings(): Promise<Map<string, BookingStatus>> {
  const mine = new Map<string, BookingStatus>();
  const { bookings } = await api.myBookings();
  for (const booking of bookings) {
    if (['confirmed', 'pending', 'waitlisted'].includes(booking.status) && !mine.has(booking.eventId))
      mine.set(booking.eventId, booking.status);
  }
  return mine;
}

function startOf(event: BoxEvent): number {
  return startEpoch(event) ?? Number.POSITIVE_INFINITY;
}

function availabilityText(event: BoxEvent): string {
  if (event.availableTickets > 0) return `${plural(event.availableTickets, 'ticket')} left of ${event.totalTickets.toLocaleString()}`;
  return event.waitlistCount > 0 ? `Sold out · ${event.waitlistCount.toLocaleString()} waiting` : 'Sold out';
}

const MINE_TEXT: Partial<Record<BookingStatus, string>> = {
  confirmed: "You're booked",
  pending: 'Waiting for your confirmation',
  waitlisted: "You're on the waiting list",
};

function SaleBadge({ event, past }: { event: BoxEvent; past: boolean }) {
  if (past) return <span class="badge badge-closed">Past</span>;
  if (!event.salesOpen) return <span class="badge badge-closed">Booking closed</span>;
  if (event.availableTickets === 0) return <span class="badge badge-waitlist">Waiting list</span>;
  return <span class="badge badge-open">On sale</span>;
}

function EventCard({ event, mine, past }: { event: BoxEvent; mine: BookingStatus | undefined; past: boolean }) {
  const when = event.startsAt ? formatStart(event.startsAt, zoneOf(event)) : null;
  return (
    <li>
      <a class={`event-card${past ? ' event-card-past' : ''}`} href={eventPath(event.id)}>
        <span class="event-card-name">{event.name}</span>
        <span class="event-card-meta">{[when, event.venue].filter(Boolean).join(' · ') || 'Date and venue to be announced'}</span>
        {mine && MINE_TEXT[mine] && <span class="badge badge-mine">{MINE_TEXT[mine]}</span>}
        <span class="event-card-availability">
          <SaleBadge event={event} past={past} />
          {!past && <span>{availabilityText(event)}</span>}
        </span>
        {!past && <AvailabilityBar event={event} />}
      </a>
    </li>
  );
}

function matches(event: BoxEvent, words: string[]): boolean {
  const text = `${event.name} ${event.venue ?? ''} ${event.description ?? ''}`.toLowerCase();
  return words.every((word) => text.includes(word));
}

/** Upcoming events soonest first (undated last), past ones apart and latest first; searchable; shown a dozen at a time. */
export function EventsPage({ session }: { session: Session | null }) {
  const id = useId();
  const [events, setEvents] = useState<BoxEvent[] | null>(null);
  const [error, setError] = useState<unknown>(null);
  const [mine, setMine] = useState(new Map<string, BookingStatus>());
  const [query, setQuery] = useState('');
  const [shown, setShown] = useState(SHOWN_STEP);
  const [pastShown, setPastShown] = useState(SHOWN_STEP);
  const booker = session?.role === 'user' || session?.role === 'staff';

  useEffect(() => {
    let current = true;
    const load = () =>
      allEvents().then(
        (all) => {
          if (!current) return;
          setEvents(all);
          setError(null);
        },
        (failure: unknown) => current && setError(failure),
      );
    void load();
    const timer = setInterval(() => {
      if (document.visibilityState === 'visible') void load();
    }, REFRESH_MS);
    return () => {
      current = false;
      clearInterval(timer);
    };
  }, []);

  useEffect(() => {
    if (!booker) return;
    let current = true;
    // Marks are a nicety: without them the list still works.
    myActiveBookings().then(
      (found) => current && setMine(found),
      () => undefined,
    );
    return () => {
      current = false;
    };
  }, [booker]);

  const { upcoming, past } = useMemo(() => {
    const words = query.toLowerCase().split(/\s+/).filter(Boolean);
    const found = (events ?? []).filter((event) => matches(event, words));
    const now = Date.now();
    return {
      upcoming: found.filter((event) => !hasStarted(event, now)).sort((a, b) => startOf(a) - startOf(b) || a.name.localeCompare(b.name)),
      past: found.filter((event) => hasStarted(event, now)).sort((a, b) => startOf(b) - startOf(a)),
    };
  }, [events, query]);

  const isAdmin = session?.role === 'admin';
  return (
    <>
      <div class="page-intro">
        <PageHeading title="Events" />
        <p class="lede">
          Pick an event to book tickets. When one is sold out, join its waiting list: tickets that free up go to the people waiting, in the
          order they joined.
        </p>
      </div>
      {isAdmin && <NewEventForm />}
      <div class="search" role="search">
        <label for={`${id}-search`}>Search events</label>
        <input
          id={`${id}-search`}
          type="search"
          value={query}
          placeholder="Name, venue or description"
          onInput={(input) => {
            setQuery(input.currentTarget.value);
            setShown(SHOWN_STEP);
            setPastShown(SHOWN_STEP);
          }}
          autoComplete="off"
        />
      </div>
      {error !== null && (
        <p class="notice notice-error" role="alert">
          {describeError(error, 'load')}
        </p>
      )}
      <p class="muted" role="status">
        {events === null
          ? error === null
            ? 'Loading events…'
            : ''
          : query
            ? `${plural(upcoming.length + past.length, 'event')} found.`
            : ''}
      </p>
      <section aria-labelledby="upcoming-title">
        <h2 id="upcoming-title">Upcoming</h2>
        {events !== null && upcoming.length === 0 && (
          <p class="card empty">
            {query
              ? 'No upcoming event matches.'
              : isAdmin
                ? 'No events yet. Create the first one above.'
                : 'No upcoming events. Check back soon.'}
          </p>
        )}
        <ul class="event-list">
          {upcoming.slice(0, shown).map((event) => (
            <EventCard key={event.id} event={event} mine={mine.get(event.id)} past={false} />
          ))}
        </ul>
        {upcoming.length > shown && (
          <button type="button" class="button button-secondary" onClick={() => setShown((count) => count + SHOWN_STEP)}>
            Show more events ({(upcoming.length - shown).toLocaleString()} more)
          </button>
        )}
      </section>
      {past.length > 0 && (
        <section aria-labelledby="past-title" class="past-events">
          <h2 id="past-title">Past events</h2>
          <ul class="event-list">
            {past.slice(0, pastShown).map((event) => (
              <EventCard key={event.id} event={event} mine={mine.get(event.id)} past />
            ))}
          </ul>
          {past.length > pastShown && (
            <button type="button" class="button button-secondary" onClick={() => setPastShown((count) => count + SHOWN_STEP)}>
              Show more past events ({(past.length - pastShown).toLocaleString()} more)
            </button>
          )}
        </section>
      )}
    </>
  );
}
