import { request } from 'node:http';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { SQLITE } from '../helpers/engines.js';
import { book, cancel, createEvent } from '../helpers/factories.js';
import { SseClient } from '../helpers/sse-client.js';
import { type TestApp, createTestApp } from '../helpers/test-app.js';

describe('GET /api/v1/events/:eventId/stream', () => {
  let t: TestApp;
  let base: string;
  beforeAll(async () => {
    t = await createTestApp(SQLITE, { stream: { heartbeatMs: 100, recheckMs: 60_000 } });
    base = await t.app.listen({ port: 0, host: '127.0.0.1' });
  });
  afterAll(async () => t.close());

  async function until(check: () => boolean): Promise<void> {
    for (let i = 0; i < 100 && !check(); i++) await new Promise((resolve) => setTimeout(resolve, 20));
    expect(check()).toBe(true);
  }

  it('sends the event with its counts at once, then after every booking and cancel', async () => {
    const event = await createEvent(t.app, { totalTickets: 1 });
    const stream = await SseClient.open(`${base}/api/v1/events/${event.id}/stream`);
    expect(stream.response.statusCode).toBe(200);
    expect(stream.response.headers['content-type']).toMatch(/^text\/event-stream/);
    expect(await stream.next(() => true)).toMatchObject({ id: event.id, availableTickets: 1, bookedCount: 0, waitlistCount: 0 });

    await book(t.app, event.id, 'first');
    expect(await stream.next((data) => data.bookedCount === 1)).toMatchObject({ availableTickets: 0 });
    await book(t.app, event.id, 'second');
    await stream.next((data) => data.waitlistCount === 1);
    await cancel(t.app, event.id, 'first');
    await stream.next((data) => data.waitlistCount === 0 && data.bookedCount === 1);
    expect(stream.messages.every((message) => message.event === 'event')).toBe(true);
    stream.close();
  });

  it('keeps a quiet stream alive with heartbeat comments', async () => {
    const event = await createEvent(t.app);
    const stream = await SseClient.open(`${base}/api/v1/events/${event.id}/stream`);
    await until(() => stream.comments.includes('heartbeat'));
    stream.close();
  });

  it('lets go of every subscription when clients go away', async () => {
    const event = await createEvent(t.app);
    const streams = await Promise.all(Array.from({ length: 5 }, () => SseClient.open(`${base}/api/v1/events/${event.id}/stream`)));
    await Promise.all(streams.map((stream) => stream.next(() => true)));
    expect(t.hub.connections).toBeGreaterThanOrEqual(5);
    for (const stream of streams) stream.close();
    await until(() => t.hub.connections === 0);
  });

  it("answers HEAD with the stream's status and type, no body, and keeps no subscriber", async () => {
    const event = await createEvent(t.app);
    const answer = await new Promise<{ status: number; type: string; body: string }>((resolve, reject) => {
      const req = request(`${base}/api/v1/events/${event.id}/stream`, { method: 'HEAD' }, (res) => {
        let body = '';
        res.on('data', (chunk: Buffer) => (body += chunk.toString()));
        res.on('end', () => resolve({ status: res.statusCode ?? 0, type: String(res.headers['content-type']), body }));
      });
      req.on('error', reject);
      req.setTimeout(2_000, () => req.destroy(new Error('HEAD was never answered')));
      req.end();
    });
    expect(answer).toEqual({ status: 200, type: 'text/event-stream; charset=utf-8', body: '' });
    expect(t.hub.connections).toBe(0);
  });

  it('answers an unknown event with a problem+json 404, not a stream', async () => {
    const response = await t.app.inject({ method: 'GET', url: '/api/v1/events/no-such-event/stream' });
    expect(response.statusCode).toBe(404);
    expect(response.json().code).toBe('EVENT_NOT_FOUND');
  });
});
