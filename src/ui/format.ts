import { startInstant, wallTime } from '../domain/starts-at.js';

const DATE_ONLY = /^\d{4}-\d{2}-\d{2}$/;

const dateOnly = new Intl.DateTimeFormat(undefined, { dateStyle: 'full', timeZone: 'UTC' });
const stamp = new Intl.DateTimeFormat(undefined, { dateStyle: 'medium', timeStyle: 'medium' });
const clock = new Intl.DateTimeFormat(undefined, { hour: '2-digit', minute: '2-digit', hourCycle: 'h23' });

export function isDateOnly(startsAt: string): boolean {
  return DATE_ONLY.test(startsAt);
}

/** The event's zone, or UTC for an event from before zones were kept. */
export function zoneOf(event: { timeZone?: string | null }): string {
  return event.timeZone || 'UTC';
}

/** The zone's IANA name as people read it: "America/New York". */
export function zoneName(timeZone: string): string {
  return timeZone.replace(/_/g, ' ');
}

/**
 * An event's start as people read it, in the event's own zone and naming it, whoever looks:
 * "Friday, May 14, 2027 at 8:00 PM GMT+2 (Europe/Berlin)". A bare date stays that date everywhere.
 */
export function formatStart(startsAt: string, timeZone = 'UTC'): string {
  if (isDateOnly(startsAt)) return dateOnly.format(new Date(`${startsAt}T00:00:00Z`));
  // A time without an offset is on the event's clock, as the server reads it too.
  const date = new Date(startInstant(startsAt, timeZone));
  if (Number.isNaN(date.getTime())) return startsAt;
  try {
    const text = new Intl.DateTimeFormat(undefined, {
      weekday: 'long',
      year: 'numeric',
      month: 'long',
      day: 'numeric',
      hour: 'numeric',
      minute: '2-digit',
      timeZone,
      timeZoneName: 'short',
    }).format(date);
    // "UTC (UTC)" says nothing twice; every other zone is named after its short form.
    return text.endsWith(timeZone) ? text : `${text} (${zoneName(timeZone)})`;
  } catch {
    return formatStart(startsAt, 'UTC');
  }
}

export function formatInstant(at: string): string {
  const date = new Date(at);
  return Number.isNaN(date.getTime()) ? at : stamp.format(date);
}

/** "19:02": when something happened today, as the door staff read it. */
export function formatClock(at: string): string {
  const date = new Date(at);
  return Number.isNaN(date.getTime()) ? at : clock.format(date);
}

export function plural(count: number, one: string, many = `${one}s`): string {
  return `${count.toLocaleString()} ${count === 1 ? one : many}`;
}

/** "4:59" or "1:02:03": what is left of a deadline. */
export function formatCountdown(ms: number): string {
  const total = Math.max(0, Math.ceil(ms / 1000));
  const hours = Math.floor(total / 3600);
  const minutes = Math.floor((total % 3600) / 60);
  const seconds = String(total % 60).padStart(2, '0');
  if (hours >= 48) return `${Math.floor(hours / 24)} days ${hours % 24} h`;
  return hours > 0 ? `${hours}:${String(minutes).padStart(2, '0')}:${seconds}` : `${minutes}:${seconds}`;
}

/** "15 minutes", "1 day": a TTL as the organizer thinks of it. */
export function formatDuration(seconds: number): string {
  if (seconds % 86_400 === 0) return plural(seconds / 86_400, 'day');
  if (seconds % 3_600 === 0) return plural(seconds / 3_600, 'hour');
  if (seconds % 60 === 0) return plural(seconds / 60, 'minute');
  return plural(seconds, 'second');
}

function offsetText(minutes: number): string {
  const sign = minutes >= 0 ? '+' : '-';
  const hours = String(Math.floor(Math.abs(minutes) / 60)).padStart(2, '0');
  return `${sign}${hours}:${String(Math.abs(minutes) % 60).padStart(2, '0')}`;
}

/**
 * A datetime-local value read as wall-clock time in the event's zone (not the browser's), as ISO
 * 8601 with that zone's offset then: "2027-05-14T20:00" in Europe/Berlin is "2027-05-14T20:00:00+02:00".
 */
export function zonedInputToIso(value: string, timeZone: string): string | null {
  const match = /^(\d{4})-(\d{2})-(\d{2})T(\d{2}):(\d{2})(?::(\d{2}))?$/.exec(value);
  if (!match) return null;
  const [, year, month, day, hour, minute, second = '00'] = match;
  const wall = Date.UTC(Number(year), Number(month) - 1, Number(day), Number(hour), Number(minute), Number(second));
  // The offset in force at that wall time in that zone, daylight saving included.
  const offset = Math.round((wall - startInstant(`${year}-${month}-${day}T${hour}:${minute}:${second}`, timeZone)) / 60_000);
  return `${year}-${month}-${day}T${hour}:${minute}:${second}${offsetText(offset)}`;
}

/** An ISO start as the datetime-local value of the same instant in the event's zone. */
export function isoToZonedInput(startsAt: string | null, timeZone: string): string {
  if (!startsAt) return '';
  if (isDateOnly(startsAt)) return `${startsAt}T00:00`;
  const epoch = startInstant(startsAt, timeZone);
  if (Number.isNaN(epoch)) return '';
  const wall = wallTime(epoch, timeZone);
  const pad = (value: number) => String(value).padStart(2, '0');
  return `${wall.year}-${pad(wall.month)}-${pad(wall.day)}T${pad(wall.hour)}:${pad(wall.minute)}`;
}

/** The zone this browser is in: the sensible first choice for a new event. */
export function browserZone(): string {
  return Intl.DateTimeFormat().resolvedOptions().timeZone || 'UTC';
}

/** Every IANA zone this browser knows, for the organizer's zone picker. */
export function knownZones(): string[] {
  const supported = (Intl as { supportedValuesOf?: (key: string) => string[] }).supportedValuesOf?.('timeZone') ?? [];
  return supported.includes('UTC') ? supported : ['UTC', ...supported];
}

/** The instant an event starts, read as the server reads it; null without a start. */
export function startEpoch(event: { startsAt: string | null; timeZone?: string | null }): number | null {
  if (!event.startsAt) return null;
  const epoch = startInstant(event.startsAt, zoneOf(event));
  return Number.isNaN(epoch) ? null : epoch;
}

/** Whether the event's start has passed: SPEC rule 1 closes its sales then. */
export function hasStarted(event: { startsAt: string | null; timeZone?: string | null }, now = Date.now()): boolean {
  const epoch = startEpoch(event);
  return epoch !== null && epoch <= now;
}
