import { useCallback, useEffect, useId, useMemo, useRef, useState } from 'preact/hooks';
import { type AuditEntry, api } from '../api.js';
import { formatDuration, formatInstant, formatStart, plural, zoneName } from '../format.js';
import { describeError } from '../messages.js';
import { useThrottled } from '../use-throttled.js';

const PAGE_SIZE = 50;

const ACTIONS: Record<string, string> = {
  'event.created': 'Event created',
  'event.updated': 'Event changed',
  'booking.confirmed': 'Booking confirmed',
  'booking.held': 'Tickets held',
  'booking.waitlisted': 'Joined the waiting list',
  'booking.promoted': 'Got tickets from the waiting list',
  'booking.offered': 'Offered freed tickets',
  'booking.reduced': 'Booking reduced',
  'booking.cancelled': 'Cancelled',
  'booking.expired': 'Expired unconfirmed',
  'booking.checked_in': 'Checked in',
};

/** The event fields the log can show a before and after of, in the order people read them. */
const FIELDS: Record<string, string> = {
  name: 'name',
  venue: 'venue',
  description: 'description',
  startsAt: 'start',
  timeZone: 'time zone',
  totalTickets: 'tickets',
  salesOpen: 'sales',
  maxPerBooking: 'per booking',
  waitlistMode: 'freed tickets',
  offerTtlSeconds: 'offer time',
  holdTtlSeconds: 'hold time',
};

type EventFields = Record<string, unknown>;

/** A snapshot field as text: its scalars as written, anything else as JSON rather than "[object Object]". */
function plain(value: unknown): string {
  return typeof value === 'string' || typeof value === 'number' || typeof value === 'boolean' ? String(value) : JSON.stringify(value);
}

function show(field: string, value: unknown, fields: EventFields): string {
  if (value === null || value === undefined || value === '') return 'none';
  if (field === 'salesOpen') return value ? 'open' : 'closed';
  if (field === 'startsAt') return formatStart(plain(value), plain(fields.timeZone ?? 'UTC'));
  if (field === 'timeZone') return zoneName(plain(value));
  if (field === 'waitlistMode') return value === 'offer' ? 'offered' : 'automatic';
  if (field === 'offerTtlSeconds' || field === 'holdTtlSeconds') return formatDuration(Number(value));
  if (field === 'description') {
    const text = plain(value);
    return `"${text.length > 60 ? `${text.slice(0, 57)}…` : text}"`;
  }
  if (typeof value === 'string') return `"${value}"`;
  return plain(value);
}

/** What an entry set, as "old → new" for every event field it changed. */
function changesOf(entry: AuditEntry, before: EventFields): { field: string; from: string | null; to: string }[] {
  const set = (entry.data ?? {}) as EventFields;
  const after = { ...before, ...set };
  const created = entry.action === 'event.created';
  return Object.keys(FIELDS)
    .filter((field) => field in set && (created ? after[field] !== undefined && after[field] !== null : before[field] !== after[field]))
    .map((field) => ({
      field: FIELDS[field] ?? field,
      from: created ? null : show(field, before[field], before),
      to: show(field, after[field], after),
    }));
}

function actorText(entry: AuditEntry): string {
  if (entry.actor === 'admin') return 'organizer';
  if (entry.actor === 'public') return 'anonymous';
  if (entry.actor === 'system') return 'system (deadline passed)';
  if (entry.actor.startsWith('staff:')) return `door staff ${entry.actor.slice('staff:'.length)}`;
  return entry.actor === entry.userId ? 'the person themselves' : entry.actor;
}

interface Row {
  entry: AuditEntry;
  changes: { field: string; from: string | null; to: string }[];
}

/** Walks the log oldest first, carrying the event's fields along so each change shows what it replaced. */
function rowsOf(entries: readonly AuditEntry[]): Row[] {
  let fields: EventFields = {};
  return entries.map((entry) => {
    const changes = entry.action.startsWith('event.') ? changesOf(entry, fields) : [];
    if (entry.action.startsWith('event.')) fields = { ...fields, ...(entry.data ?? {}) };
    return { entry, changes };
  });
}

/**
 * The event's audit log, oldest first as the API keeps it, a page at a time, filtered by action
 * and person. Once the last page is shown, new entries are appended as the event changes.
 */
export function AuditLog({ eventId, changes }: { eventId: string; changes: number }) {
  const id = useId();
  const [state, setState] = useState({ entries: [] as AuditEntry[], next: null as number | null, loaded: false, error: null as unknown });
  const [action, setAction] = useState('');
  const [person, setPerson] = useState('');
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

  const rows = useMemo(() => rowsOf(state.entries), [state.entries]);
  const wanted = person.trim().toLowerCase();
  const shown = rows.filter(
    ({ entry }) =>
      (action === '' || entry.action === action) &&
      (wanted === '' || (entry.userId ?? '').toLowerCase().includes(wanted) || entry.actor.toLowerCase().includes(wanted)),
  );

  return (
    <section class="card" aria-labelledby={`${id}-title`}>
      <h2 id={`${id}-title`}>Audit log</h2>
      <form class="inline-form filters" onSubmit={(submitted) => submitted.preventDefault()} aria-label="Filter the audit log">
        <div class="field">
          <label for={`${id}-action`}>What happened</label>
          <select id={`${id}-action`} value={action} onChange={(change) => setAction(change.currentTarget.value)}>
            <option value="">Everything</option>
            {Object.entries(ACTIONS).map(([value, label]) => (
              <option key={value} value={value}>
                {label}
              </option>
            ))}
          </select>
        </div>
        <div class="field field-grow">
          <label for={`${id}-person`}>Person or actor</label>
          <input
            id={`${id}-person`}
            type="search"
            value={person}
            onInput={(input) => setPerson(input.currentTarget.value)}
            autoComplete="off"
            spellcheck={false}
          />
        </div>
      </form>
      {state.error !== null && (
        <p class="notice notice-error" role="alert">
          {describeError(state.error, 'load')}
        </p>
      )}
      <p class="muted" role="status">
        {state.loaded
          ? `${shown.length.toLocaleString()} of ${state.entries.length.toLocaleString()} entries shown${state.next !== null ? ' (more to load)' : ''}.`
          : 'Loading…'}
      </p>
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
            {shown.map(({ entry, changes: changed }) => (
              <tr key={entry.seq}>
                <td data-label="#">{entry.seq}</td>
                <td data-label="When" class="cell-nowrap">
                  {formatInstant(entry.at)}
                </td>
                <td data-label="What happened">
                  <span>
                    {ACTIONS[entry.action] ?? entry.action}
                    {typeof entry.quantity === 'number' && entry.action.startsWith('booking.') && (
                      <span class="muted"> · {plural(entry.quantity, 'ticket')}</span>
                    )}
                    {changed.length > 0 && (
                      <ul class="changes">
                        {changed.map((change) => (
                          <li key={change.field}>
                            {change.field}: {change.from !== null && <>{change.from} → </>}
                            {change.to}
                          </li>
                        ))}
                      </ul>
                    )}
                  </span>
                </td>
                <td data-label="Person" class="cell-user">
                  {entry.userId ?? '—'}
                </td>
                <td data-label="By" class="cell-user">
                  {actorText(entry)}
                </td>
              </tr>
            ))}
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
