import { startInstant } from '../domain/starts-at.js';

/** An RFC 5545 calendar with one VEVENT: what an "Add to calendar" link hands to a calendar app. */
export interface CalendarEvent {
  uid: string;
  name: string;
  /** ISO 8601: a bare date (all-day) or a date-time; null when the organizer has not set one. */
  startsAt: string | null;
  /** The event's zone: a date-time without an offset is on its clock. */
  timeZone: string;
  venue: string | null;
  description: string | null;
  url: string;
  /** When this copy was made: DTSTAMP. */
  stamp: Date;
}

/**
 * Without an end time of its own, an event is put in the calendar for this long (a date-only
 * event spans its day, as RFC 5545 says for a VALUE=DATE start without DTEND).
 */
export const DEFAULT_DURATION_MS = 2 * 60 * 60 * 1000;

const DATE_ONLY = /^(\d{4})-(\d{2})-(\d{2})$/;

/** TEXT values escape backslash, semicolon, comma and line breaks (RFC 5545 §3.3.11). */
export function escapeText(text: string): string {
  return text
    .replace(/\\/g, '\\\\')
    .replace(/;/g, '\\;')
    .replace(/,/g, '\\,')
    .replace(/\r\n|\r|\n/g, '\\n');
}

/** UTC date-time form, 20270514T180000Z. */
function utcStamp(date: Date): string {
  return date
    .toISOString()
    .replace(/[-:]/g, '')
    .replace(/\.\d{3}/, '');
}

/**
 * Lines longer than 75 octets are folded: CRLF then one space (§3.1), never inside a UTF-8
 * sequence, so a name in any script survives.
 */
export function foldLine(line: string): string {
  const parts: string[] = [];
  let current = '';
  let octets = 0;
  for (const char of line) {
    const size = Buffer.byteLength(char);
    // The first line holds 75 octets; continuation lines 74 after their leading space.
    const limit = parts.length === 0 ? 75 : 74;
    if (octets + size > limit) {
      parts.push(current);
      current = '';
      octets = 0;
    }
    current += char;
    octets += size;
  }
  parts.push(current);
  return parts.join('\r\n ');
}

/** No start yet: no DTSTART, which METHOD:PUBLISH allows (RFC 5545 §3.6.1). */
function startLines(startsAt: string | null, timeZone: string): string[] {
  if (startsAt === null) return [];
  const date = DATE_ONLY.exec(startsAt);
  if (date) return [`DTSTART;VALUE=DATE:${date[1]}${date[2]}${date[3]}`];
  const start = new Date(startInstant(startsAt, timeZone));
  return [`DTSTART:${utcStamp(start)}`, `DTEND:${utcStamp(new Date(start.getTime() + DEFAULT_DURATION_MS))}`];
}

export function calendarFor(event: CalendarEvent): string {
  const description = [event.description, event.url].filter(Boolean).join('\n\n');
  const lines = [
    'BEGIN:VCALENDAR',
    'VERSION:2.0',
    'PRODID:-//Boxoffice//Event tickets//EN',
    'CALSCALE:GREGORIAN',
    'METHOD:PUBLISH',
    'BEGIN:VEVENT',
    `UID:${escapeText(event.uid)}`,
    `DTSTAMP:${utcStamp(event.stamp)}`,
    ...startLines(event.startsAt, event.timeZone),
    `SUMMARY:${escapeText(event.name)}`,
    ...(event.venue ? [`LOCATION:${escapeText(event.venue)}`] : []),
    `DESCRIPTION:${escapeText(description)}`,
    `URL:${event.url}`,
    'END:VEVENT',
    'END:VCALENDAR',
  ];
  return `${lines.map(foldLine).join('\r\n')}\r\n`;
}
