import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { csvField } from '../../src/http/csv.js';
import { ENGINES } from '../helpers/engines.js';
import { asAdmin, book, cancel, createEvent } from '../helpers/factories.js';
import { type TestApp, createTestApp } from '../helpers/test-app.js';

/** Splits RFC 4180 text into records of fields, honouring quotes. */
function parseCsv(text: string): string[][] {
  const records: string[][] = [];
  let field = '';
  let record: string[] = [];
  let quoted = false;
  for (let index = 0; index < text.length; index++) {
    const char = text[index];
    if (quoted) {
      if (char === '"' && text[index + 1] === '"') {
        field += '"';
        index++;
      } else if (char === '"') quoted = false;
      else field += char;
    } else if (char === '"') quoted = true;
    else if (char === ',') {
      record.push(field);
      field = '';
    } else if (char === '\r' && text[index + 1] === '\n') {
      record.push(field);
      records.push(record);
      record = [];
      field = '';
      index++;
    } else field += char;
  }
  return records;
}

describe('csvField', () => {
  it('quotes commas, quotes and line breaks, and neutralises formulas', () => {
    expect(csvField('plain')).toBe('plain');
    expect(csvField('a,b')).toBe('"a,b"');
    expect(csvField('say "hi"')).toBe('"say ""hi"""');
    expect(csvField('two\nlines')).toBe('"two\nlines"');
    for (const formula of ['=1+1', '+cmd', '-2', '@SUM(A1)']) expect(csvField(formula)).toBe(`'${formula}`);
    expect(csvField(-2)).toBe('-2');
    expect(csvField(null)).toBe('');
  });
});

describe.each(ENGINES)('the attendee list as CSV on $name', (engine) => {
  let t: TestApp;
  beforeAll(async () => {
    t = await createTestApp(engine);
  });
  afterAll(async () => t.close());

  it('streams every booking in list order with a header row, whatever the page limit', async () => {
    const event = await createEvent(t.app, { totalTickets: 2 });
    for (const userId of ['ann', '-dash', '@at', 'bob', 'cat']) await book(t.app, event.id, userId);
    await cancel(t.app, event.id, 'ann');
    const response = await t.app.inject({
      method: 'GET',
      url: `/api/v1/events/${event.id}/bookings?limit=1`,
      headers: asAdmin({ accept: 'text/csv' }),
    });
    expect(response.statusCode).toBe(200);
    expect(response.headers['content-type']).toMatch(/^text\/csv/);
    expect(response.headers['content-disposition']).toContain(`attendees-${event.id}.csv`);
    const [header, ...rows] = parseCsv(response.body);
    expect(header).toEqual(['userId', 'quantity', 'status', 'position', 'ticketCode', 'checkedInAt', 'createdAt']);
    expect(rows.map((row) => [row[0], row[2], row[3]])).toEqual([
      ['ann', 'cancelled', ''],
      ["'-dash", 'confirmed', ''],
      ["'@at", 'confirmed', ''],
      ['bob', 'waitlisted', '1'],
      ['cat', 'waitlisted', '2'],
    ]);
    expect(rows[1]?.[4]).toMatch(/^[0-9A-HJKMNP-TV-Z]{5}(-[0-9A-HJKMNP-TV-Z]{5}){4}$/);
  });

  it('answers 404 for an unknown event and 401 without credentials, as JSON problems', async () => {
    const missing = await t.app.inject({ method: 'GET', url: '/api/v1/events/nope/bookings', headers: asAdmin({ accept: 'text/csv' }) });
    expect(missing.statusCode).toBe(404);
    expect(missing.headers['content-type']).toMatch(/problem\+json/);
    const event = await createEvent(t.app);
    const anonymous = await t.app.inject({ method: 'GET', url: `/api/v1/events/${event.id}/bookings`, headers: { accept: 'text/csv' } });
    expect(anonymous.statusCode).toBe(401);
  });
});
