import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { SQLITE } from '../helpers/engines.js';
import { asAdmin, book, cancel, createEvent } from '../helpers/factories.js';
import { registeredRoutes } from '../helpers/route-table.js';
import { type TestApp, createTestApp } from '../helpers/test-app.js';

function sample(metrics: string, name: string, labels: Record<string, string>): number {
  const wanted = Object.entries(labels).map(([key, value]) => `${key}="${value}"`);
  for (const line of metrics.split('\n')) {
    if (!line.startsWith(`${name}{`) && !line.startsWith(`${name} `)) continue;
    if (wanted.every((label) => line.includes(label))) return Number(line.slice(line.lastIndexOf(' ') + 1));
  }
  return 0;
}

describe('GET /metrics', () => {
  let t: TestApp;
  beforeAll(async () => {
    t = await createTestApp(SQLITE);
  });
  afterAll(async () => t.close());

  const scrape = async () => (await t.app.inject({ method: 'GET', url: '/metrics' })).body;

  it('counts booking outcomes, refusals by code, requests by route, and open waiting lists', async () => {
    const event = await createEvent(t.app, { totalTickets: 1 });
    await book(t.app, event.id, 'a');
    await book(t.app, event.id, 'b');
    await book(t.app, event.id, 'c');
    await cancel(t.app, event.id, 'a');
    const twice = await t.app.inject({ method: 'POST', url: '/book', headers: asAdmin(), payload: { eventId: event.id, userId: 'b' } });
    expect(twice.statusCode).toBe(409);
    const metrics = await scrape();

    expect(sample(metrics, 'boxoffice_bookings_total', { outcome: 'confirmed' })).toBe(1);
    expect(sample(metrics, 'boxoffice_bookings_total', { outcome: 'waitlisted' })).toBe(2);
    expect(sample(metrics, 'boxoffice_bookings_total', { outcome: 'cancelled' })).toBe(1);
    expect(sample(metrics, 'boxoffice_bookings_total', { outcome: 'promoted' })).toBe(1);
    expect(sample(metrics, 'boxoffice_bookings_total', { outcome: 'rejected', code: 'ALREADY_BOOKED' })).toBe(1);
    expect(
      sample(metrics, 'boxoffice_http_requests_total', { method: 'POST', route: '/api/v1/events/:eventId/bookings', status: '201' }),
    ).toBe(3);
    expect(sample(metrics, 'boxoffice_http_request_duration_seconds_count', { route: '/api/v1/events/:eventId/bookings' })).toBe(3);
    expect(sample(metrics, 'boxoffice_waitlist_size', { event_id: event.id })).toBe(1);
    expect(metrics).toMatch(/^boxoffice_process_resident_memory_bytes \d+/m);
    expect(metrics).toMatch(/^boxoffice_stream_connections 0$/m);
  });
});

describe('GET /openapi.json and /docs', () => {
  let t: TestApp;
  beforeAll(async () => {
    t = await createTestApp(SQLITE);
  });
  afterAll(async () => t.close());

  it('documents every registered API route with its schemas, in OpenAPI 3 form', async () => {
    const response = await t.app.inject({ method: 'GET', url: '/openapi.json' });
    expect(response.statusCode).toBe(200);
    const document = response.json();
    expect(document.openapi).toMatch(/^3\./);
    const documented = new Set(
      Object.entries(document.paths as Record<string, Record<string, unknown>>).flatMap(([path, operations]) =>
        Object.keys(operations).map((method) => `${method.toUpperCase()} ${path.replace(/\{(\w+)\}/g, ':$1')}`),
      ),
    );
    // Documentation, the document itself, the metrics page and the web UI's files are not API routes.
    const undocumented = /^GET (\/docs|\/openapi\.json$|\/metrics$|\/$|\/\*$|\/assets\/|\/[^/]+\.\w+$)/;
    const routes = registeredRoutes(t.app)
      .map(({ method, url }) => `${method} ${url}`)
      .filter((route) => !undocumented.test(route));
    expect(routes.length).toBeGreaterThan(15);
    for (const route of routes) expect(documented, route).toContain(route);

    const booking = document.paths['/api/v1/events/{eventId}/bookings'].post;
    expect(booking.requestBody.content['application/json'].schema.properties).toHaveProperty('userId');
    expect(booking.responses).toHaveProperty('201');
    expect(booking.responses).toHaveProperty('4XX');
  });

  it('serves Swagger UI at /docs', async () => {
    const response = await t.app.inject({ method: 'GET', url: '/docs/' });
    expect(response.statusCode).toBe(200);
    expect(response.body).toContain('swagger');
  });
});
