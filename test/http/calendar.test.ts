import ICAL from 'ical.js';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { SQLITE } from '../helpers/engines.js';
import { createEvent } from '../helpers/factories.js';
import { type TestApp, createTestApp } from '../helpers/test-app.js';
import { escapeText, foldLine } from '../../src/http/icalendar.js';

function veventOf(text: string): ICAL.Event {
  const calendar = new ICAL.Component(ICAL.parse(text));
  const vevent = calendar.getFirstSubcomponent('vevent');
  if (!vevent) throw new Error('no VEVENT');
  return new ICAL.Event(vevent);
}

// Rendering does not depend on the engine; SQLite is enough.
describe('GET /api/v1/events/:eventId/calendar.ics', () => {
  let t: TestApp;
  beforeAll(async () => {
    t = await createTestApp(SQLITE);
  });
  afterAll(async () => t.close());

  it('answers an RFC 5545 VEVENT that a parser reads back: UID, DTSTAMP, start, two-hour end, summary and venue', async () => {
    const name = 'Jazz; Blues, and "Soul" \\ night — a very long title that certainly needs folding at seventy-five octets';
    const event = await createEvent(t.app, { name, venue: 'The Blue Room, Berlin', startsAt: '2027-05-14T20:00:00+02:00' });
    const response = await t.app.inject({ method: 'GET', url: `/api/v1/events/${event.id}/calendar.ics` });
    expect(response.statusCode).toBe(200);
    expect(response.headers['content-type']).toBe('text/calendar; charset=utf-8');
    const text = response.body;
    // CRLF everywhere, and no line over 75 octets.
    expect(text.endsWith('\r\n')).toBe(true);
    expect(text.replace(/\r\n/g, '')).not.toMatch(/[\r\n]/);
    for (const line of text.split('\r\n')) expect(Buffer.byteLength(line)).toBeLessThanOrEqual(75);
    expect(text).toContain('\r\n ');

    const vevent = veventOf(text);
    expect(vevent.uid).toBe(`${event.id}@localhost`);
    expect(vevent.summary).toBe(name);
    expect(vevent.location).toBe('The Blue Room, Berlin');
    expect(vevent.startDate.toJSDate().toISOString()).toBe('2027-05-14T18:00:00.000Z');
    expect(vevent.endDate.toJSDate().toISOString()).toBe('2027-05-14T20:00:00.000Z');
    expect(vevent.description).toContain(`/events/${event.id}`);
    expect(vevent.component.getFirstPropertyValue('dtstamp')).toBeTruthy();
  });

  it('makes a date-only event an all-day entry', async () => {
    const event = await createEvent(t.app, { startsAt: '2027-06-01' });
    const vevent = veventOf((await t.app.inject({ method: 'GET', url: `/api/v1/events/${event.id}/calendar.ics` })).body);
    expect(vevent.startDate.isDate).toBe(true);
    expect(vevent.startDate.toString()).toBe('2027-06-01');
  });

  it("reads a start without an offset on the event's own clock", async () => {
    const event = await createEvent(t.app, { startsAt: '2027-07-01T20:00', timeZone: 'Europe/Berlin' });
    const vevent = veventOf((await t.app.inject({ method: 'GET', url: `/api/v1/events/${event.id}/calendar.ics` })).body);
    expect(vevent.startDate.toJSDate().toISOString()).toBe('2027-07-01T18:00:00.000Z');
  });

  it('answers 404 for an unknown event, and an event without a start time as a VEVENT without DTSTART', async () => {
    expect((await t.app.inject({ method: 'GET', url: '/api/v1/events/nope/calendar.ics' })).json()).toMatchObject({
      code: 'EVENT_NOT_FOUND',
    });
    const undated = await createEvent(t.app);
    const response = await t.app.inject({ method: 'GET', url: `/api/v1/events/${undated.id}/calendar.ics` });
    expect(response.statusCode).toBe(200);
    const vevent = veventOf(response.body);
    expect(vevent.summary).toBe(undated.name);
    expect(vevent.component.getFirstPropertyValue('dtstart')).toBeNull();
  });

  it('escapes text and folds without splitting a UTF-8 character', () => {
    expect(escapeText('a\\b;c,d\ne')).toBe('a\\\\b\\;c\\,d\\ne');
    const folded = foldLine(`SUMMARY:${'ü'.repeat(80)}`);
    for (const line of folded.split('\r\n')) expect(Buffer.byteLength(line)).toBeLessThanOrEqual(75);
    expect(folded.split('\r\n ').join('')).toBe(`SUMMARY:${'ü'.repeat(80)}`);
  });
});
