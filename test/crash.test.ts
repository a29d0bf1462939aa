import { randomUUID } from 'node:crypto';
import { afterAll, describe, expect, it } from 'vitest';
import type { AuditEntry } from '../src/domain/audit.js';
import type { BookingView } from '../src/domain/booking.js';
import { ConsistencyCheck } from '../src/services/consistency-check.js';
import { DEFAULT_IDEMPOTENCY } from '../src/services/idempotency.js';
import { ConsistencyReader } from '../src/store/consistency-reader.js';
import { openDatabase } from '../src/store/db.js';
import { ENGINES, type TestDatabase } from './helpers/engines.js';
import { AUTH_SECRET } from './helpers/test-app.js';
import { type ServerProcess, adminRequest, adminRequestRaw, startServer } from './helpers/server-process.js';

const ROUNDS = 3;
const USERS = 40;
const CLIENTS = 12;
/** A round is killed only once this many of its requests were answered 2xx: on a busy machine that takes longer. */
const SUCCESSES_PER_ROUND = 8;
const ROUND_LOAD_MAX_MS = 30_000;

interface Attempt {
  key: string;
  method: 'POST' | 'DELETE';
  path: string;
  body: unknown;
  requestId: string;
  /** null: the server died before answering. */
  status: number | null;
  answer: string;
}

/** One attempt; a connection the server dropped (it was killed) is an answer of null. */
async function send(
  base: string,
  attempt: Omit<Attempt, 'status' | 'answer'>,
): Promise<{ status: number | null; answer: string; replayed: boolean }> {
  const headers = { 'idempotency-key': attempt.key, 'x-request-id': attempt.requestId };
  try {
    const answer = await adminRequestRaw(base, attempt.method, attempt.path, { body: attempt.body, headers });
    return { status: answer.status, answer: answer.text, replayed: answer.headers['idempotent-replayed'] === 'true' };
  } catch {
    return { status: null, answer: '', replayed: false };
  }
}

describe.each(ENGINES)('kill -9 under booking and cancel load on $name', (engine) => {
  let database: TestDatabase | undefined;
  let server: ServerProcess | undefined;
  // A failed assertion must not leave the last server running.
  afterAll(async () => {
    await server?.stop('SIGKILL');
    await database?.drop();
  });

  // Three restarts, then a wait for the dead processes' Idempotency-Key leases (30 s) to run out.
  it(
    'loses nothing answered, leaves no trace of anything refused, and replays what committed before the crash',
    { timeout: 150_000 },
    async () => {
      database = await engine.create();
      // Restarts keep AUTH_SECRET, as a deployment does: it keys the Idempotency-Key fingerprints a retry must match.
      const env = { DATABASE_URL: engine.name === 'sqlite' ? `sqlite:${database.config.location}` : database.config.location, AUTH_SECRET };
      server = await startServer(env);
      const event = await adminRequest<{ id: string }>(server.url, 'POST', '/api/v1/events', { name: 'Crash', totalTickets: 15 });
      const eventId = event.body.id;
      const attempts: Attempt[] = [];

      for (let round = 0; round < ROUNDS; round++) {
        let running = true;
        const base = server.url;
        const clients = Array.from({ length: CLIENTS }, async () => {
          while (running) {
            const user = `u${Math.floor(Math.random() * USERS)}`;
            const book = Math.random() < 0.6;
            const attempt = {
              key: randomUUID(),
              method: book ? ('POST' as const) : ('DELETE' as const),
              path: book ? `/api/v1/events/${eventId}/bookings` : `/api/v1/events/${eventId}/bookings/${user}`,
              body: book ? { userId: user } : undefined,
              requestId: randomUUID(),
            };
            const { status, answer } = await send(base, attempt);
            attempts.push({ ...attempt, status, answer });
            if (status === null) return;
          }
        });
        const succeeded = () => attempts.filter((attempt) => attempt.status !== null && attempt.status < 300).length;
        const enough = succeeded() + SUCCESSES_PER_ROUND;
        await new Promise((resolve) => setTimeout(resolve, 300 + Math.random() * 900));
        for (const deadline = Date.now() + ROUND_LOAD_MAX_MS; succeeded() < enough && Date.now() < deadline;) {
          await new Promise((resolve) => setTimeout(resolve, 20));
        }
        await server.stop('SIGKILL');
        running = false;
        await Promise.all(clients);
        server = await startServer(env);
      }

      const answered = attempts.filter((attempt) => attempt.status !== null);
      const crashed = attempts.filter((attempt) => attempt.status === null);
      expect(answered.filter((attempt) => (attempt.status ?? 0) < 300).length).toBeGreaterThan(20);
      expect(crashed.length).toBeGreaterThan(0);

      const audit: AuditEntry[] = [];
      for (let after = 0; ;) {
        const page = await adminRequest<{ entries: AuditEntry[]; next: number | null }>(
          server.url,
          'GET',
          `/api/v1/events/${eventId}/audit?after=${after}&limit=200`,
        );
        audit.push(...page.body.entries);
        if (page.body.next === null) break;
        after = page.body.next;
      }
      const bookings = new Map<string, BookingView>();
      for (let cursor: string | null = null; ;) {
        const query: string = cursor ? `&cursor=${cursor}` : '';
        const page = await adminRequest<{ bookings: BookingView[]; nextCursor: string | null }>(
          server.url,
          'GET',
          `/api/v1/events/${eventId}/bookings?limit=200${query}`,
        );
        for (const booking of page.body.bookings) bookings.set(booking.id, booking);
        if (!page.body.nextCursor) break;
        cursor = page.body.nextCursor;
      }

      // I5: every booking answered 2xx is there, in its answered status or one it could have moved to since.
      for (const attempt of answered.filter((a) => (a.status ?? 0) < 300)) {
        const { booking, promoted } = JSON.parse(attempt.answer) as { booking: BookingView; promoted?: BookingView | null };
        const stored = bookings.get(booking.id);
        expect(stored, `booking ${booking.id} answered ${attempt.status}`).toBeDefined();
        if (booking.status === 'cancelled') expect(stored?.status).toBe('cancelled');
        if (booking.status === 'confirmed') expect(stored?.status).not.toBe('waitlisted');
        if (promoted) expect(bookings.get(promoted.id)?.status).not.toBe('waitlisted');
      }

      // Nothing answered non-2xx left a trace.
      const refusedIds = new Set(answered.filter((a) => (a.status ?? 0) >= 300).map((a) => a.requestId));
      expect(audit.filter((entry) => entry.requestId !== null && refusedIds.has(entry.requestId))).toEqual([]);

      // A crashed request whose change committed gets that change's answer when retried with its key.
      await new Promise((resolve) => setTimeout(resolve, DEFAULT_IDEMPOTENCY.leaseMs + 500));
      const committedIds = new Set(audit.map((entry) => entry.requestId));
      const committedCrashes = crashed.filter((attempt) => committedIds.has(attempt.requestId)).length;
      process.stdout.write(
        `crash (${engine.name}): ${ROUNDS} kills, ${answered.length} answered, ${crashed.length} cut off (${committedCrashes} of them committed), ${audit.length} audit entries\n`,
      );
      for (const attempt of crashed) {
        const retry = await send(server.url, { ...attempt, requestId: randomUUID() });
        expect(retry.status, `retry of ${attempt.method} ${attempt.path}`).not.toBeNull();
        expect(retry.status).toBeLessThan(500);
        if (committedIds.has(attempt.requestId)) {
          expect(retry.replayed, `retry of committed ${attempt.requestId}`).toBe(true);
          expect(retry.status).toBeLessThan(300);
        }
      }

      await server.stop();
      const opened = openDatabase(database.config);
      try {
        const discrepancies = [];
        for await (const verdict of new ConsistencyCheck(new ConsistencyReader(opened)).checkEveryEvent())
          discrepancies.push(...verdict.discrepancies);
        expect(discrepancies).toEqual([]);
      } finally {
        await opened.close();
      }
    },
  );
});
