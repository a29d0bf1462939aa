import fc from 'fast-check';
import type { InjectOptions } from 'fastify';
import { sql } from 'kysely';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Discrepancy } from '../../src/domain/audit-replay.js';
import { ConsistencyCheck } from '../../src/services/consistency-check.js';
import { ConsistencyReader } from '../../src/store/consistency-reader.js';
import { openDatabase } from '../../src/store/db.js';
import { SQLITE } from '../helpers/engines.js';
import { book, createEvent } from '../helpers/factories.js';
import { type RegisteredRoute, registeredRoutes } from '../helpers/route-table.js';
import { ADMIN_AUTH, type TestApp, createTestApp } from '../helpers/test-app.js';

// Hostile input against every route the app serves: no answer is a 5xx, every 4xx is problem+json,
// and nothing answered non-2xx (nor any read) changes what is stored.

const ROUTES: RegisteredRoute[] = await (async () => {
  const scratch = await createTestApp(SQLITE);
  try {
    return registeredRoutes(scratch.app);
  } finally {
    await scratch.close();
  }
})();

const OPEN_EVENT = 'fz-open';
const SOLD_OUT_EVENT = 'fz-sold-out';
const KNOWN_USERS = ['fz-holder', 'fz-waiter', 'fz-nobody', 'fz-user@example.com'];
const METHODS = ['GET', 'HEAD', 'POST', 'PUT', 'PATCH', 'DELETE', 'OPTIONS'] as const;
const BODY_LIMIT = 16 * 1024;
const RUNS_PER_ROUTE = 150;

const base64url = (value: unknown) => Buffer.from(JSON.stringify(value)).toString('base64url');
const FORGED_TOKENS = [
  `${base64url({ alg: 'none', typ: 'JWT' })}.${base64url({ sub: 'admin', role: 'admin' })}.`,
  `${base64url({ alg: 'HS256', typ: 'JWT' })}.${base64url({ sub: 'admin', role: 'admin', exp: 4102444800 })}.c2lnbmF0dXJl`,
  'a.b.c',
];

/** Text as an attacker would put it in a URL: well-formed or not, encoded or not. */
const segmentArb: fc.Arbitrary<string> = fc.oneof(
  { weight: 5, arbitrary: fc.constantFrom(OPEN_EVENT, SOLD_OUT_EVENT, ...KNOWN_USERS) },
  fc.stringMatching(/^[A-Za-z0-9_-]{1,64}$/),
  fc.string({ unit: 'grapheme', maxLength: 40 }).map(encodeURIComponent),
  fc.constantFrom('..', '.', '%2e%2e', '%00', 'a%00b', '%', '%zz', '%2F', '%C0%AE', '%ED%A0%80', '%20', '+'),
  fc.constantFrom('__proto__', 'constructor', 'null', '-1', '1e309'),
  fc.integer({ min: 60, max: 3000 }).map((length) => 'x'.repeat(length)),
  fc.stringMatching(/^[A-Za-z0-9._@+:|-]{1,140}$/),
);

const pathArb = (route: RegisteredRoute): fc.Arbitrary<string> => {
  const parts = route.url.split('/');
  return fc
    .tuple(...parts.map((part) => (part.startsWith(':') || part === '*' ? segmentArb : fc.constant(part))))
    .map((filled) => filled.join('/'));
};

const junkValueArb: fc.Arbitrary<string> = fc.oneof(
  fc.string({ maxLength: 30 }),
  fc.constantFrom('', '0', '-1', '201', '1.5', '1e3', 'NaN', 'true', 'null', '[]', '{}', 'confirmed', 'waitlisted', 'eyJ9', '%', '%zz'),
  fc.integer({ min: -10, max: 10 ** 12 }).map(String),
  fc.integer({ min: 300, max: 4000 }).map((length) => 'q'.repeat(length)),
);

const queryArb: fc.Arbitrary<string> = fc.oneof(
  { weight: 4, arbitrary: fc.constant('') },
  fc
    .array(fc.tuple(fc.oneof(fc.constantFrom('limit', 'cursor', 'after', 'status'), fc.string({ maxLength: 10 })), junkValueArb), {
      maxLength: 5,
    })
    .map((pairs) => `?${new URLSearchParams(pairs).toString()}`),
  fc.constantFrom('?', '?&&', '?limit', '?limit=1&limit=2', '?%', '?a=%zz', '?__proto__[x]=1', '?constructor=1', '?limit[]=1'),
);

/** Printable header text: what a socket can carry (Node refuses control characters before sending). */
const headerTextArb = fc.string({ unit: fc.integer({ min: 0x20, max: 0x7e }).map((code) => String.fromCharCode(code)), maxLength: 300 });

/** One request in ten carries it: each request is hostile in a few ways, not in all at once. */
const rarely = <T>(arb: fc.Arbitrary<T>): fc.Arbitrary<T | undefined> =>
  fc.oneof({ weight: 9, arbitrary: fc.constant(undefined) }, { weight: 1, arbitrary: arb });

/** Mostly the admin sending JSON, so requests get past authentication and parsing to the handlers. */
/** A signed-in user's bearer token, set once the test app has one. */
let userAuthorization = 'Bearer not-signed-in-yet';

const headersArb: fc.Arbitrary<Record<string, string>> = fc
  .record({
    authorization: fc.oneof(
      { weight: 12, arbitrary: fc.constant(ADMIN_AUTH) },
      // Read when the request is generated, after beforeAll signed the user in.
      { weight: 3, arbitrary: fc.constant(null).map(() => userAuthorization) },
      { weight: 1, arbitrary: fc.constant(undefined) },
      fc.constantFrom('', 'Basic', 'Basic !!!', 'Bearer', 'Digest x', `Basic ${Buffer.from('admin').toString('base64')}`),
      fc.constantFrom(...FORGED_TOKENS).map((token) => `Bearer ${token}`),
      headerTextArb.map((password) => `Basic ${Buffer.from(`admin:${password}`).toString('base64')}`),
      headerTextArb,
    ),
    'content-type': fc.oneof(
      { weight: 6, arbitrary: fc.constant('application/json') },
      { weight: 1, arbitrary: fc.constant(undefined) },
      fc.constantFrom(
        'application/json; charset=utf-8',
        'application/json; charset=utf-16',
        'application/json; charset=bogus',
        'application/problem+json',
        'APPLICATION/JSON',
        'text/plain',
        'text/html',
        'application/x-www-form-urlencoded',
        'multipart/form-data; boundary=x',
        'application/octet-stream',
        '',
        ';',
      ),
      headerTextArb,
    ),
    'idempotency-key': rarely(fc.oneof(headerTextArb, fc.constantFrom('', ' ', 'k'.repeat(256), 'k'.repeat(2000)))),
    'x-request-id': rarely(headerTextArb),
    accept: rarely(fc.constantFrom('*/*', 'text/event-stream', 'application/xml', '', 'text/html;q=0')),
    'accept-encoding': rarely(fc.constantFrom('gzip', 'br', 'identity;q=0', '*;q=0')),
    'content-encoding': rarely(fc.constantFrom('gzip', 'deflate', 'br', 'bogus')),
  })
  .map((headers) => Object.fromEntries(Object.entries(headers).filter(([, value]) => value !== undefined)) as Record<string, string>);

const FIELD_NAMES = [
  'id',
  'eventId',
  'name',
  'eventName',
  'title',
  'totalTickets',
  'tickets',
  'venue',
  'date',
  'startsAt',
  'salesOpen',
  'userId',
  'userEmail',
  'email',
  'password',
  '__proto__',
  'constructor',
  'prototype',
];

const fieldValueArb: fc.Arbitrary<unknown> = fc.oneof(
  fc.jsonValue({ maxDepth: 2 }),
  fc.constantFrom(OPEN_EVENT, SOLD_OUT_EVENT, ...KNOWN_USERS, 'fz-new-user', 'someone@example.com'),
  fc.constantFrom(0, -1, 1, 1_000_001, 2 ** 53, -0, 1.5, '5', true, null, [], {}),
  fc.string({ unit: 'grapheme', maxLength: 300 }),
  fc.integer({ min: 190, max: 260 }).map((length) => 'n'.repeat(length)),
);

/** Nearly valid bodies of each route family, so requests reach the booking rules (409s, 404s), not only validation. */
const plausibleBodyArb: fc.Arbitrary<string> = fc
  .oneof(
    fc.record({ userId: fc.constantFrom(...KNOWN_USERS, 'fz-late') }),
    fc.record(
      { eventId: fc.constantFrom(OPEN_EVENT, SOLD_OUT_EVENT, 'fz-missing'), userId: fc.constantFrom(...KNOWN_USERS, 'fz-late') },
      { requiredKeys: ['userId'] },
    ),
    fc.record(
      { id: fc.constantFrom(OPEN_EVENT, 'fz-new'), name: fc.constantFrom('Gig', ' ', ''), totalTickets: fc.integer({ min: 0, max: 4 }) },
      { requiredKeys: [] },
    ),
    fc.record({ totalTickets: fc.integer({ min: 0, max: 4 }), salesOpen: fc.boolean() }, { requiredKeys: [] }),
  )
  .map((value) => JSON.stringify(value));

/** A raw request body: JSON of any shape, JSON with the routes' own field names but wrong values, or junk. */
const bodyArb: fc.Arbitrary<string | undefined> = fc.oneof(
  { weight: 2, arbitrary: fc.constant(undefined) },
  { weight: 8, arbitrary: plausibleBodyArb },
  { weight: 3, arbitrary: fc.jsonValue({ maxDepth: 4 }).map((value) => JSON.stringify(value)) },
  {
    weight: 4,
    arbitrary: fc.dictionary(fc.constantFrom(...FIELD_NAMES), fieldValueArb, { maxKeys: 6 }).map((value) => JSON.stringify(value)),
  },
  fc.constantFrom(
    '{"__proto__":{"role":"admin"},"name":"x","totalTickets":1}',
    '{"constructor":{"prototype":{"role":"admin"}},"userId":"fz-new-user"}',
    '{"name":"x","totalTickets":1,"name":"y"}',
    '\uFEFF{"name":"x","totalTickets":1}',
    '{"totalTickets":1e309,"name":"x"}',
    '{"userId":"a\\u0000b"}',
    '{"userId":"\\ud800"}',
    '[]',
    'null',
    '""',
    '{',
    '',
    ' ',
  ),
  fc.integer({ min: 1, max: 3000 }).map((depth) => `${'['.repeat(depth)}${']'.repeat(depth)}`),
  fc.integer({ min: -64, max: 64 }).map((delta) => JSON.stringify({ name: 'v'.repeat(BODY_LIMIT - 12 + delta) })),
  fc.integer({ min: BODY_LIMIT, max: BODY_LIMIT * 4 }).map((length) => JSON.stringify({ venue: 'v'.repeat(length) })),
  fc.string({ unit: 'binary', maxLength: 200 }),
);

interface HostileRequest {
  method: string;
  url: string;
  headers: Record<string, string>;
  /** Raw text, sent as is: it need not be JSON. */
  body: string | undefined;
}

const requestArb = (route: RegisteredRoute): fc.Arbitrary<HostileRequest> =>
  fc.record({
    method: fc.oneof({ weight: 8, arbitrary: fc.constant(route.method) }, fc.constantFrom(...METHODS)),
    url: fc.tuple(pathArb(route), queryArb).map(([path, query]) => `${path}${query}`),
    headers: headersArb,
    body: bodyArb,
  });

interface Answer {
  status: number;
  contentType: string;
  body: string | null;
}

describe('hostile HTTP input', () => {
  let t: TestApp;
  const statuses = new Map<number, number>();
  let unsendable = 0;

  beforeAll(async () => {
    t = await createTestApp(SQLITE);
    await createEvent(t.app, { id: OPEN_EVENT, totalTickets: 3 });
    await book(t.app, OPEN_EVENT, 'fz-holder');
    await createEvent(t.app, { id: SOLD_OUT_EVENT, totalTickets: 1 });
    await book(t.app, SOLD_OUT_EVENT, 'fz-holder');
    await book(t.app, SOLD_OUT_EVENT, 'fz-waiter');
    const account = { email: 'fz-user@example.com', password: 'fuzzing-password-1' };
    const signUp = await t.app.inject({ method: 'POST', url: '/api/v1/users', payload: account });
    expect(signUp.statusCode).toBe(201);
    const signIn = await t.app.inject({ method: 'POST', url: '/api/v1/auth/token', payload: account });
    expect(signIn.statusCode).toBe(200);
    userAuthorization = `Bearer ${signIn.json<{ token: string }>().token}`;
  });
  afterAll(async () => {
    await t?.close();
  });

  /** Every stored row that a refused request or a read could have touched. */
  async function snapshot(): Promise<string> {
    const tables = await t.db.introspection.getTables();
    const counts: Record<string, number> = {};
    for (const table of tables) {
      const { rows } = await sql<{ count: number }>`select count(*) as count from ${sql.table(table.name)}`.execute(t.db);
      counts[table.name] = Number(rows[0]?.count);
    }
    const events = await t.db.selectFrom('events').selectAll().orderBy('id').execute();
    const bookings = await t.db.selectFrom('bookings').select(['id', 'status', 'updated_at']).orderBy('id').execute();
    return JSON.stringify({ counts, events, bookings });
  }

  /** Sends through Fastify's inject; an event stream is answered by its head, then dropped. */
  async function send(options: InjectOptions): Promise<Answer | null> {
    let response;
    try {
      response = await t.app.inject({ ...options, payloadAsStream: true });
    } catch (error) {
      // inject refuses what no HTTP client could send (an invalid URL or header); the server never sees it.
      if (error instanceof TypeError || (error as { code?: string }).code?.startsWith('ERR_INVALID')) {
        unsendable += 1;
        return null;
      }
      throw error;
    }
    statuses.set(response.statusCode, (statuses.get(response.statusCode) ?? 0) + 1);
    const contentType = String(response.headers['content-type'] ?? '');
    const stream = response.stream();
    if (contentType.startsWith('text/event-stream')) {
      stream.destroy();
      return { status: response.statusCode, contentType, body: null };
    }
    const chunks: Buffer[] = [];
    for await (const chunk of stream) chunks.push(chunk as Buffer);
    return { status: response.statusCode, contentType, body: Buffer.concat(chunks).toString('utf8') };
  }

  async function expectHarmless(request: HostileRequest): Promise<void> {
    const before = await snapshot();
    const answer = await send({
      method: request.method,
      url: request.url,
      headers: request.headers,
      ...(request.body === undefined ? {} : { payload: request.body }),
    });
    if (!answer) return;
    const what = `${request.method} ${request.url.slice(0, 200)} -> ${answer.status} ${answer.body?.slice(0, 300) ?? ''}`;
    expect(answer.status, what).toBeLessThan(500);
    if (answer.status >= 400 && request.method !== 'HEAD') {
      expect(answer.contentType, what).toMatch(/^application\/problem\+json/);
      const problem = JSON.parse(answer.body ?? '') as Record<string, unknown>;
      expect(problem, what).toMatchObject({ status: answer.status, code: expect.any(String), title: expect.any(String) });
    }
    const mayChange = answer.status >= 200 && answer.status < 300 && !['GET', 'HEAD', 'OPTIONS'].includes(request.method);
    if (!mayChange) expect(await snapshot(), `state changed by ${what}`).toBe(before);
  }

  it('finds the routes of the app, the resource API and the short API among them', () => {
    const names = ROUTES.map((route) => `${route.method} ${route.url}`);
    expect(names).toEqual(
      expect.arrayContaining([
        'POST /api/v1/events',
        'PATCH /api/v1/events/:eventId',
        'DELETE /api/v1/events/:eventId/bookings/:userId',
        'POST /book',
        'GET /status/:eventId/:userId',
      ]),
    );
  });

  it.each(ROUTES)('never answers 5xx nor changes state on hostile $method $url', async (route) => {
    await fc.assert(fc.asyncProperty(requestArb(route), expectHarmless), { numRuns: RUNS_PER_ROUTE });
  });

  it('never answers 5xx nor changes state on paths no route serves', async () => {
    const anyPath = fc.array(segmentArb, { minLength: 0, maxLength: 6 }).map((segments) => `/${segments.join('/')}`);
    const anyRequest: fc.Arbitrary<HostileRequest> = fc.record({
      method: fc.constantFrom(...METHODS),
      url: fc
        .tuple(
          fc.oneof(anyPath, fc.constantFrom('//', '/api', '/api/v1/', '/api/v2/events', '/./status/x', '/%2e%2e/etc/passwd')),
          queryArb,
        )
        .map(([path, query]) => `${path}${query}`),
      headers: headersArb,
      body: bodyArb,
    });
    await fc.assert(fc.asyncProperty(anyRequest, expectHarmless), { numRuns: 4 * RUNS_PER_ROUTE });
  });

  it('leaves every event consistent: verify replays each audit log to the stored state', async () => {
    // As an operator would: a connection of its own to the same SQLite file.
    const { rows } = await sql<{ file: string }>`select file from pragma_database_list where name = 'main'`.execute(t.db);
    const opened = openDatabase({ engine: 'sqlite', location: rows[0]?.file ?? '', poolSize: 1, statementTimeoutMs: 5_000 });
    try {
      const found: Discrepancy[] = [];
      let events = 0;
      for await (const verdict of new ConsistencyCheck(new ConsistencyReader(opened)).checkEveryEvent()) {
        events += 1;
        found.push(...verdict.discrepancies);
      }
      expect(events).toBeGreaterThanOrEqual(2);
      expect(found).toEqual([]);
    } finally {
      await opened.close();
    }
  });

  describe('errors Fastify raises before routing', () => {
    it.each([
      ['a malformed percent-encoding', '/api/v1/events/%zz'],
      ['a path segment over 512 characters', `/api/v1/events/${'x'.repeat(600)}`],
    ])('answers %s with a problem+json 4xx', async (_case, url) => {
      const answer = await send({ method: 'GET', url });
      expect(answer?.status).toBeGreaterThanOrEqual(400);
      expect(answer?.status).toBeLessThan(500);
      expect(answer?.contentType).toMatch(/^application\/problem\+json/);
      expect(JSON.parse(answer?.body ?? '')).toMatchObject({ status: answer?.status, code: expect.any(String) });
    });
  });

  afterAll(() => {
    // The figure docs/reliability.md quotes.
    const sent = [...statuses.values()].reduce((sum, count) => sum + count, 0);
    const byStatus = [...statuses]
      .sort(([a], [b]) => a - b)
      .map(([status, count]) => `${status}×${count}`)
      .join(' ');
    process.stdout.write(
      `fuzz: ${sent} hostile requests over ${ROUTES.length} routes (${unsendable} more no client could send); answers ${byStatus}\n`,
    );
  });
});
