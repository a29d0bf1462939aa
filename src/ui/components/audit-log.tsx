import { useCallback, useEffect, useId, useRef, useState } from 'preact/hooks';
import { type AuditEntry, api } from '../api.js';
import { formatInstant, formatStart, plural } from '../format.js';
import { describeError } from '../messages.js';
import { useThrottled } from '../use-throttled.js';

const PAGE_SIZE = 25;

const ACTIONS: Record<string, string> = {
  'event.created': 'Event created',
  'event.updated': 'Event changed',
  'booking.confirmed': 'Booked a ticket',
  'booking.waitlisted': 'Joined the waiting list',
  'booking.promoted': 'Got a ticket from the waiting list',
  'booking.cancelled': 'Cancelled',
};

/** What an event entry set, in words: "12 tickets, sales closed". */
function changeSummary(data: Record<string, unknown> | null): string {
  if (!data) return '';
  const parts: string[] = [];
  if (typeof data.name === 'string') parts.push(`name "${data.name}"`);
  if (typeof data.totalTickets === 'number') parts.push(plural(data.totalTickets, 'ticket'));
  if (typeof data.salesOpen === 'boolean') parts.push(data.salesOpen ? 'sales open' : 'sales closed');
  if ('venue' in data) parts.push(typeof data.venue === 'string' ? `venue ${data.venue}` : 'no venue');
  if ('startsAt' in data) parts.push(typeof data.startsAt === 'string' ? `starts ${formatStart(data.startsAt)}` : 'no start time');
  return parts.join(', ');
}

function actorText(entry: AuditEntry): string {
  if (entry.actor === 'admin') return 'organizer';
  if (entry.actor === 'public') return 'anonymous';
  return entry.actor === entry.userId ? 'themself' : entry.actor;
}

/**
 * The event's audit log, oldest first as the API keeps it, a page at a time. Once the last page
 * is shown, new entries are appended as the event changes.
 */
export function AuditLog({ eventId, changes }: { eventId: string; changes: number }) {
  const id = useId();
  const [state, setState] = useState({ entries: [] as AuditEntry[], next: null as number | null, loaded: false, error: null as unknown });
  const latest = useRef(state);
  latest.current = state;
  const busy = useRef(false);
  // A change that came in while a page was being read: read the tail once more afterwards.
  const missed = useRef(false);
  const followTail = useRef(() => {});

  const read = useCallback(
    async (after: number, limit: number) => {
      if (busy.current) {
        missed.current = true;
        return;
      }
      busy.current = true;
      try {
        const page = await api.audit(eventId, after, limit);
        setState((previous) => ({
          entries: [...previous.entries, ...page.entries.filter((entry) => entry.seq > (previous.entries.at(-1)?.seq ?? 0))],
          next: page.next,
          loaded: true,
          error: null,
        }));
      } catch (error) {
        setState((previous) => ({ ...previous, error }));
      } finally {
        busy.current = false;
        if (missed.current) {
          missed.current = false;
          followTail.current();
        }
      }
    },
    [eventId],
  );

  useEffect(() => {
    void read(0, PAGE_SIZE);
  }, [read]);

  followTail.current = () => {
    const { entries, next, loaded } = latest.current;
    if (loaded && next === null) void read(entries.at(-1)?.seq ?? 0, 200);
  };
  const follow = useThrottled(() => followTail.current(), 1_000);
  useEffect(() => {
    if (changes > 1) follow();
  }, [changes, follow]);

  const more = () => {
    if (state.next !== null) void read(state.next, PAGE_SIZE);
  };

  return (
    <section class="card" aria-labelledby={`${id}-title`}>
      <h2 id={`${id}-title`}>Audit log</h2>
      {state.error !== null && (
        <p class="notice notice-error" role="alert">
          {describeError(state.error, 'load')}
        </p>
      )}
      <div class="table-scroll" tabIndex={0} role="region" aria-label="Audit log, oldest first">
        <table class="table-stack">
          <thead>
            <tr>
              <th scope="col">#</th>
              <th scope="col">When</th>
              <th scope="col">What happened</th>
              <th scope="col">Person</th>
              <th scope="col">By</th>
            </tr>
          </thead>
          <tbody>
            {state.entries.map((entry) => {
              const summary = changeSummary(entry.data);
              return (
                <tr key={entry.seq}>
                  <td data-label="#">{entry.seq}</td>
                  <td data-label="When" class="cell-nowrap">
                    {formatInstant(entry.at)}
                  </td>
                  <td data-label="What happened">
                    <span>
                      {ACTIONS[entry.action] ?? entry.action}
                      {summary && <span class="muted">: {summary}</span>}
                    </span>
                  </td>
                  <td data-label="Person" class="cell-user">
                    {entry.userId ?? '—'}
                  </td>
                  <td data-label="By" class="cell-user">
                    {actorText(entry)}
                  </td>
                </tr>
              );
            })}
          </tbody>
        </table>
      </div>
      {state.next !== null && (
        <button type="button" class="button button-secondary" onClick={more}>
          Show more
        </button>
      )}
    </section>
  );
}
