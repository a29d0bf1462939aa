import { describe, expect, it } from 'vitest';
import { formatCountdown, formatStart, hasStarted, isoToZonedInput, zonedInputToIso } from '../../src/ui/format.js';

describe('the page reads and shows times in the event’s zone', () => {
  it('reads the organizer’s wall time in the event’s zone, with that date’s offset', () => {
    expect(zonedInputToIso('2027-03-20T18:30', 'America/New_York')).toBe('2027-03-20T18:30:00-04:00');
    expect(zonedInputToIso('2027-01-20T18:30', 'America/New_York')).toBe('2027-01-20T18:30:00-05:00');
    expect(zonedInputToIso('2027-07-01T09:00', 'Asia/Kolkata')).toBe('2027-07-01T09:00:00+05:30');
    expect(zonedInputToIso('', 'UTC')).toBeNull();
  });

  it('puts a start back into the form as wall time in the event’s zone, with or without an offset', () => {
    expect(isoToZonedInput('2027-03-20T22:30:00Z', 'America/New_York')).toBe('2027-03-20T18:30');
    expect(isoToZonedInput('2027-03-20T18:30:00', 'America/New_York')).toBe('2027-03-20T18:30');
  });

  it('shows a start in the event’s zone and names it; an offsetless time is on the event’s clock', () => {
    expect(formatStart('2027-05-14T18:00:00Z', 'Europe/Berlin')).toMatch(/May 14, 2027.*8:00\s?PM.*\(Europe\/Berlin\)$/);
    expect(formatStart('2027-05-14T20:00:00', 'Europe/Berlin')).toBe(formatStart('2027-05-14T18:00:00Z', 'Europe/Berlin'));
    expect(formatStart('2027-05-14T20:00:00Z', 'UTC')).toMatch(/8:00\s?PM UTC$/);
    expect(formatStart('2027-05-14', 'Pacific/Auckland')).toMatch(/May 14, 2027/);
  });

  it('knows when an event has started, and counts down in minutes and seconds', () => {
    expect(hasStarted({ startsAt: '2020-01-01T00:00:00Z', timeZone: 'UTC' })).toBe(true);
    expect(hasStarted({ startsAt: null, timeZone: 'UTC' })).toBe(false);
    expect(formatCountdown(299_001)).toBe('5:00');
    expect(formatCountdown(3_725_000)).toBe('1:02:05');
    expect(formatCountdown(-5)).toBe('0:00');
  });
});
