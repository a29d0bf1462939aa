const DATE_ONLY = /^\d{4}-\d{2}-\d{2}$/;

const dateTime = new Intl.DateTimeFormat(undefined, { dateStyle: 'full', timeStyle: 'short' });
const dateOnly = new Intl.DateTimeFormat(undefined, { dateStyle: 'full', timeZone: 'UTC' });
const stamp = new Intl.DateTimeFormat(undefined, { dateStyle: 'medium', timeStyle: 'medium' });

/** An event's start as people read it; a bare date stays that date in every time zone. */
export function formatStart(startsAt: string): string {
  const date = new Date(DATE_ONLY.test(startsAt) ? `${startsAt}T00:00:00Z` : startsAt);
  if (Number.isNaN(date.getTime())) return startsAt;
  return (DATE_ONLY.test(startsAt) ? dateOnly : dateTime).format(date);
}

export function formatInstant(at: string): string {
  const date = new Date(at);
  return Number.isNaN(date.getTime()) ? at : stamp.format(date);
}

export function plural(count: number, one: string, many = `${one}s`): string {
  return `${count.toLocaleString()} ${count === 1 ? one : many}`;
}

/** A datetime-local value as ISO 8601 with this browser's offset, so the organizer's local time is kept. */
export function localInputToIso(value: string): string | null {
  const date = new Date(value);
  if (value === '' || Number.isNaN(date.getTime())) return null;
  const offset = -date.getTimezoneOffset();
  const sign = offset >= 0 ? '+' : '-';
  const hours = String(Math.floor(Math.abs(offset) / 60)).padStart(2, '0');
  const minutes = String(Math.abs(offset) % 60).padStart(2, '0');
  const seconds = value.length === 16 ? ':00' : '';
  return `${value}${seconds}${sign}${hours}:${minutes}`;
}
