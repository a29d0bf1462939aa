import { useEffect, useId, useRef, useState } from 'preact/hooks';
import { normalizeTicketCode } from '../../domain/ticket-code.js';
import { ApiError, type BoxEvent, type Booking, NETWORK_ERROR, api, newIdempotencyKey } from '../api.js';
import { formText } from '../form-text.js';
import { formatStart, plural, startEpoch, zoneOf } from '../format.js';
import { useLiveEvent } from '../use-live-event.js';
import { describeError } from '../messages.js';
import { checkInPath, navigate } from '../router.js';
import { PageHeading } from './page-heading.js';

type Verdict = ({ admit: true; booking: Booking } | { admit: false; reason: string; retry: boolean }) & { code: string; scan: number };

/** What a person types or a scanner sends, in the grouped form printed on tickets, as the server reads it. */
function normalizedCode(typed: string): string {
  // Not a code at all: sent as typed (tidied), so the server's answer names the problem.
  return normalizeTicketCode(typed) ?? typed.replace(/[\s-]+/g, '').toUpperCase();
}

function EventChooser({ events }: { events: BoxEvent[] | null }) {
  const id = useId();
  if (events === null) return <p class="muted">Loading events…</p>;
  if (events.length === 0) return <p>No events yet.</p>;
  return (
    <form
      class="inline-form"
      onSubmit={(submitted) => {
        submitted.preventDefault();
        const chosen = formText(new FormData(submitted.currentTarget), 'event');
        if (chosen) navigate(checkInPath(chosen));
      }}
    >
      <div class="field field-grow">
        <label for={`${id}-event`}>Event at this door</label>
        <select id={`${id}-event`} name="event">
          {events.map((event) => (
            <option key={event.id} value={event.id}>
              {event.name}
              {event.startsAt ? ` — ${formatStart(event.startsAt, zoneOf(event))}` : ''}
            </option>
          ))}
        </select>
      </div>
      <button type="submit" class="button button-primary">
        Start checking in
      </button>
    </form>
  );
}

/**
 * The door: one autofocused field that takes a typed code or a keyboard-wedge scanner's code +
 * Enter, answers with a big ADMIT n or the reason not, and is empty and focused for the next one at once.
 */
function Door({ event, onChecked }: { event: BoxEvent; onChecked: () => void }) {
  const id = useId();
  const input = useRef<HTMLInputElement>(null);
  const [verdict, setVerdict] = useState<Verdict | null>(null);
  const [busy, setBusy] = useState(false);
  const key = useRef<{ code: string; value: string } | null>(null);
  // Each answer re-mounts the verdict, so the same answer twice still visibly arrives.
  const scans = useRef(0);

  useEffect(() => input.current?.focus(), []);

  const check = async (submitted: SubmitEvent) => {
    submitted.preventDefault();
    const field = input.current;
    if (!field) return;
    const code = normalizedCode(field.value);
    field.value = '';
    field.focus();
    if (!code) return;
    // A retried code after a lost answer reuses its key, so it cannot admit twice.
    if (key.current?.code !== code) key.current = { code, value: newIdempotencyKey() };
    setBusy(true);
    try {
      const { booking } = await api.checkIn(event.id, code, key.current.value);
      key.current = null;
      setVerdict({ admit: true, booking, code, scan: ++scans.current });
      onChecked();
    } catch (error) {
      const retry = error instanceof ApiError && error.code === NETWORK_ERROR;
      if (!retry) key.current = null;
      setVerdict({ admit: false, reason: describeError(error, 'check-in'), code, retry, scan: ++scans.current });
    } finally {
      setBusy(false);
      field.focus();
    }
  };

  return (
    <>
      <form class="door-form" onSubmit={(submitted) => void check(submitted)}>
        <label for={`${id}-code`}>Ticket code</label>
        <input
          id={`${id}-code`}
          ref={input}
          class="door-input"
          autoComplete="off"
          autoCapitalize="characters"
          spellcheck={false}
          enterKeyHint="go"
          aria-describedby={`${id}-hint`}
        />
        <button type="submit" class="button button-primary door-button" aria-busy={busy}>
          Check in
        </button>
        <p id={`${id}-hint`} class="hint">
          Type or paste the code and press Enter, or scan it: a scanner types the code and Enter for you.
        </p>
      </form>
      <div class="door-result" aria-live="assertive" aria-atomic="true" data-door-result>
        {verdict &&
          (verdict.admit ? (
            <div class="verdict verdict-admit" key={verdict.scan}>
              <p class="verdict-word">ADMIT {verdict.booking.quantity ?? 1}</p>
              <p class="verdict-detail">{verdict.booking.userId}</p>
              <p class="verdict-code">{verdict.booking.ticketCode ?? verdict.code}</p>
            </div>
          ) : (
            <div class="verdict verdict-refuse" key={verdict.scan}>
              <p class="verdict-word">{verdict.retry ? 'Try again' : 'Do not admit'}</p>
              <p class="verdict-detail">{verdict.reason}</p>
              <p class="verdict-code">{verdict.code}</p>
            </div>
          ))}
      </div>
      <p class="muted">
        {plural(event.checkedInCount, 'person', 'people')} admitted of {plural(event.bookedCount, 'ticket')} booked.
      </p>
    </>
  );
}

/** The events a door would pick from: today's and coming ones first, soonest first, then past ones. */
function doorOrder(events: BoxEvent[]): BoxEvent[] {
  const now = Date.now();
  const start = (event: BoxEvent) => startEpoch(event) ?? Number.POSITIVE_INFINITY;
  // An event that started in the last 12 hours is still at the door.
  const current = (event: BoxEvent) => start(event) > now - 12 * 3_600_000;
  return [
    ...events.filter(current).sort((a, b) => start(a) - start(b)),
    ...events.filter((event) => !current(event)).sort((a, b) => start(b) - start(a)),
  ];
}

function Chooser() {
  const [events, setEvents] = useState<BoxEvent[] | null>(null);
  const [error, setError] = useState<unknown>(null);
  useEffect(() => {
    let current = true;
    api.listEvents().then(
      (page) => current && setEvents(doorOrder(page.events)),
      (failure: unknown) => current && setError(failure),
    );
    return () => {
      current = false;
    };
  }, []);
  return (
    <section class="card door">
      <PageHeading title="Check-in" />
      {error !== null && (
        <p class="notice notice-error" role="alert">
          {describeError(error, 'load')}
        </p>
      )}
      <EventChooser events={events} />
    </section>
  );
}

/** One event's door, its admitted count live from the event stream, so every door sees the same number. */
function DoorPage({ eventId }: { eventId: string }) {
  const live = useLiveEvent(eventId);
  return (
    <section class="card door">
      <PageHeading title={live.event ? `Check-in: ${live.event.name}` : 'Check-in'} />
      {live.error !== null && (
        <p class="notice notice-error" role="alert">
          {describeError(live.error, 'load')}
        </p>
      )}
      {live.event && <Door event={live.event} onChecked={live.refresh} />}
      <p>
        <a href="/check-in">Choose another event</a>
      </p>
    </section>
  );
}

export function CheckInPage({ eventId }: { eventId: string | null }) {
  return eventId ? <DoorPage key={eventId} eventId={eventId} /> : <Chooser />;
}
