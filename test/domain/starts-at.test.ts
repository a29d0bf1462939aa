import { describe, expect, it } from 'vitest';
import { startInstant } from '../../src/domain/starts-at.js';

describe('startInstant', () => {
  it('takes a time with an offset as that instant, whatever the zone', () => {
    expect(startInstant('2027-05-01T09:00:00+05:30', 'Europe/Berlin')).toBe(Date.parse('2027-05-01T03:30:00Z'));
    expect(startInstant('2027-05-01T09:00:00Z', 'America/New_York')).toBe(Date.parse('2027-05-01T09:00:00Z'));
  });

  it("reads a time without an offset on the event's wall clock, summer and winter", () => {
    expect(startInstant('2027-07-01T20:00', 'Europe/Berlin')).toBe(Date.parse('2027-07-01T18:00:00Z'));
    expect(startInstant('2027-01-15T20:00:00', 'Europe/Berlin')).toBe(Date.parse('2027-01-15T19:00:00Z'));
    expect(startInstant('2027-01-15T20:00:00.5', 'UTC')).toBe(Date.parse('2027-01-15T20:00:00.500Z'));
  });

  it('starts a date alone at midnight in the event zone', () => {
    expect(startInstant('2027-05-01', 'Asia/Tokyo')).toBe(Date.parse('2027-04-30T15:00:00Z'));
    expect(startInstant('2027-05-01', 'UTC')).toBe(Date.parse('2027-05-01T00:00:00Z'));
  });

  it('finds the offset in force on the day daylight-saving time begins', () => {
    expect(startInstant('2027-03-28T12:00', 'Europe/Berlin')).toBe(Date.parse('2027-03-28T10:00:00Z'));
  });
});
