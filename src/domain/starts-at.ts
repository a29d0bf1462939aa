const HAS_OFFSET = /(?:Z|[+-]\d{2}:?\d{2})$/i;
const WALL_TIME = /^(\d{4})-(\d{2})-(\d{2})(?:T(\d{2}):(\d{2})(?::(\d{2})(?:\.(\d{1,9}))?)?)?$/;

/** A zone's wall clock at an instant, to the second. */
export interface WallTime {
  year: number;
  month: number;
  day: number;
  hour: number;
  minute: number;
  second: number;
}

export function wallTime(instant: number, timeZone: string): WallTime {
  const parts = new Intl.DateTimeFormat('en-US', {
    timeZone,
    hourCycle: 'h23',
    year: 'numeric',
    month: '2-digit',
    day: '2-digit',
    hour: '2-digit',
    minute: '2-digit',
    second: '2-digit',
  }).formatToParts(instant);
  const part = (type: Intl.DateTimeFormatPartTypes) => Number(parts.find((candidate) => candidate.type === type)?.value ?? 0);
  return {
    year: part('year'),
    month: part('month'),
    day: part('day'),
    hour: part('hour') % 24,
    minute: part('minute'),
    second: part('second'),
  };
}

/** How far the zone's wall clock is ahead of UTC at this instant, in milliseconds. */
function zoneOffset(instant: number, timeZone: string): number {
  const wall = wallTime(instant, timeZone);
  const asUtc = Date.UTC(wall.year, wall.month - 1, wall.day, wall.hour, wall.minute, wall.second);
  return asUtc - Math.floor(instant / 1000) * 1000;
}

/**
 * The instant an event starts. A time with an offset is that instant; a date or a time without one is
 * the event's wall clock in its own zone (a date alone: the start of that day there).
 */
export function startInstant(startsAt: string, timeZone: string): number {
  if (HAS_OFFSET.test(startsAt)) return Date.parse(startsAt);
  const match = WALL_TIME.exec(startsAt);
  if (!match) return Date.parse(startsAt);
  const [, year, month, day, hour = '0', minute = '0', second = '0', fraction = '0'] = match;
  const wall = Date.UTC(+year!, +month! - 1, +day!, +hour, +minute, +second, Math.floor(Number(`0.${fraction}`) * 1000));
  // Two steps find the offset in force at the wall time itself, across a daylight-saving change too.
  const first = wall - zoneOffset(wall, timeZone);
  return wall - zoneOffset(first, timeZone);
}
