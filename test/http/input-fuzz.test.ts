import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ConsistencyCheck } from '../../src/services/consistency-check.js';
import { ConsistencyReader } from '../../src/store/consistency-reader.js';
import { ENGINES } from '../helpers/engines.js';
import { asAdmin, createEvent } from '../helpers/factories.js';
import { type RegisteredRoute, registeredRoutes } from '../helpers/route-table.js';
import { type TestApp, createTestApp } from '../helpers/test-app.js';

// Arbitrary strings, numbers and cursors in every field, parameter and query value of every route, as
// the admin (so they reach the handlers), on every engine: never a 5xx, and what is stored is what the
// audit log says (verify replays it).

const RUNS_PER_ROUTE = 30;
const EVENT = 'fuzz-event';

/** Any UTF-16 text, often with a NUL or a lone surrogate somewhere inside. */
const textArb = fc.oneof(
  fc.string({ unit: 'binary', maxLength: 40 }),
  fc.string({ unit: 'grapheme', maxLength: 40 }),
  fc
    .tuple(fc.string({ maxLength: 10 }), fc.constantFrom('\u0000', '\ud800', '\udbff', '\udc00', '\udfff'), fc.string({ maxLength: 10 }))
    .map((parts) => parts.join('')),
  fc.constantFrom(' ', '', 'x'.repeat(201), 'Gig', '\ud83d\ude00'),
);

/** Dates near and past what a column holds: impossible days, long fractions, odd offsets. */
const instantArb = fc
  .tuple(
    fc.integer({ min: 0, max: 9999 }),
    fc.integer({ min: 0, max: 13 }),
    fc.integer({ min: 0, max: 32 }),
    fc.option(
      fc.tuple(
        fc.integer({ min: 0, max: 25 }),
        fc.integer({ min: 0, max: 61 }),
        fc.string({ unit: fc.constantFrom(...'0123456789'), maxLength: 12 }),
      ),
    ),
    fc.constantFrom('', 'Z', '+05:30', '-0800', '+25:00', '+14:00'),
  )
  .map(([year, month, day, time, zone]) => {
    const pad = (value: number, width = 2) => String(value).padStart(width, '0');
    const date = `${pad(year, 4)}-${pad(month)}-${pad(day)}`;
    if (!time) return date;
    const [hour, minute, fraction] = time;
    return `${date}T${pad(hour)}:${pad(minute)}:${pad(minute % 60)}${fraction ? `.${fraction}` : ''}${zone}`;
  });

const numberArb = fc.oneof(
  fc.integer(),
  fc.double(),
  fc.constantFrom(0, -1, 1, 2 ** 31, 2 ** 53, 2 ** 63, Number.MAX_SAFE_INTEGER, Infinity),
);

const valueArb: fc.Arbitrary<unknown> = fc.oneof(textArb, instantArb, numberArb, fc.boolean(), fc.constant(null));

/** Every UTF-8 byte percent-encoded (a lone surrogate travels as U+FFFD; raw ones are in the constants). */
const percentEncoded = (text: string) => [...Buffer.from(text)].map((byte) => `%${byte.toString(16).padStart(2, '0')}`).join('');
const base64url = (value: unknown) => Buffer.from(JSON.stringify(value) ?? 'null').toString('base64url');
const cursorArb = fc.oneof(
  fc.tuple(textArb, textArb).map(base64url),
  fc.tuple(instantArb, fc.stringMatching(/^[A-Za-z0-9_-]{1,64}$/)).map(base64url),
  numberArb.map(base64url),
  fc.bigInt({ min: -(2n ** 70n), max: 2n ** 70n }).map((value) => Buffer.from(String(value)).toString('base64url')),
  textArb.map((text) => Buffer.from(text).toString('base64url')),
);
const queryValueArb = fc.oneof(
  numberArb.map(String),
  fc.bigInt({ min: -(2n ** 70n), max: 2n ** 70n }).map(String),
  fc.constantFrom('1e1', '0x10', ' 5', '5.0', '9223372036854775808', '%00', '%ED%A0%80'),
  textArb.map((text) => percentEncoded(text)),
);
const queryArb = fc
  .record(
    { limit: queryValueArb, cursor: cursorArb, after: queryValueArb, status: textArb.map((text) => percentEncoded(text)) },
    { requiredKeys: [] },
  )
  .map((query) =>
    Object.entries(query)
      .map(([name, value]) => `${name}=${value}`)
      .join('&'),
  );

const segmentArb = fc.oneof(
  { weight: 3, arbitrary: fc.constant(EVENT) },
  fc.stringMatching(/^[A-Za-z0-9._@+:|-]{1,128}$/),
  textArb.map((text) => percentEncoded(text) || 'x'),
  fc.constantFrom('%00', 'a%00b', '%ED%A0%80', '%F0%9F%98%80'),
);

/** A body the route would take, with one or two of its own fields replaced by arbitrary values. */
const BODIES: Record<string, { base: Record<string, unknown>; fields: string[] }> = {
  'POST /api/v1/events': { base: { name: 'Fuzzed', totalTickets: 2 }, fields: ['id', 'name', 'venue', 'startsAt', 'totalTickets'] },
  'PATCH /api/v1/events/:eventId': { base: { name: 'Fuzzed' }, fields: ['name', 'venue', 'startsAt', 'totalTickets', 'salesOpen'] },
  'POST /initialize': { base: { name: 'Fuzzed', totalTickets: 2 }, fields: ['id', 'name', 'venue', 'date', 'totalTickets'] },
  'POST /api/v1/events/:eventId/bookings': { base: { userId: 'fuzz-user' }, fields: ['userId', 'userEmail'] },
  'POST /book': { base: { eventId: EVENT, userId: 'fuzz-user' }, fields: ['eventId', 'userId', 'userEmail'] },
  'POST /cancel': { base: { eventId: EVENT, userId: 'fuzz-user' }, fields: ['eventId', 'userId'] },
  'POST /api/v1/users': { base: { email: 'fuzz@example.com', password: 'a long enough password' }, fields: ['email', 'password', 'name'] },
  'POST /api/v1/auth/token': { base: { email: 'fuzz@example.com', password: 'a long enough password' }, fields: ['email', 'password'] },
};

const fieldValueArb = (field: string) =>
  field === 'startsAt' || field === 'date'
    ? fc.oneof({ weight: 3, arbitrary: instantArb }, valueArb)
    : fc.oneof({ weight: 3, arbitrary: textArb }, valueArb);

const bodyArb = (route: RegisteredRoute) => {
  const shape = BODIES[`${route.method} ${route.url}`] ?? { base: {}, fields: ['name'] };
  return fc
    .uniqueArray(fc.constantFrom(...shape.fields), { minLength: 1, maxLength: 2 })
    .chain((fields) => fc.tuple(...fields.map((field) => fieldValueArb(field).map((value) => [field, value] as const))))
    .map((pairs) => ({ ...shape.base, ...Object.fromEntries(pairs) }));
};

const requestArb = (route: RegisteredRoute) =>
  fc.record({
    path: fc
      .tuple(...route.url.split('/').map((part) => (part.startsWith(':') ? segmentArb : fc.constant(part))))
      .map((parts) => parts.join('/')),
    query: fc.option(queryArb, { nil: '' }),
    body: bodyArb(route),
  });

describe.each(ENGINES)('arbitrary values against every route on $name', (engine) => {
  let t: TestApp;
  let routes: RegisteredRoute[];
  beforeAll(async () => {
    t = await createTestApp(engine);
    await createEvent(t.app, { id: EVENT, totalTickets: 2 });
    routes = registeredRoutes(t.app).filter((route) => !route.url.endsWith('/stream') && route.url !== '/*');
  });
  afterAll(async () => t?.close());

  it('never answers 5xx, and every event stored matches its audit log', async () => {
    for (const route of routes) {
      await fc.assert(
        fc.asyncProperty(requestArb(route), async ({ path, query, body }) => {
          const method = route.method as 'GET';
          const response = await t.app.inject({
            method,
            url: `${path}${query ? `?${query}` : ''}`,
            headers: asAdmin(),
            ...(['POST', 'PATCH', 'PUT', 'DELETE'].includes(route.method) ? { payload: body } : {}),
          });
          expect(response.statusCode, `${route.method} ${path}?${query} ${JSON.stringify(body)} -> ${response.body}`).toBeLessThan(500);
        }),
        { numRuns: RUNS_PER_ROUTE },
      );
    }
    const found = [];
    for await (const verdict of new ConsistencyCheck(new ConsistencyReader(t.database)).checkEveryEvent())
      found.push(...verdict.discrepancies);
    expect(found).toEqual([]);
  });
});
