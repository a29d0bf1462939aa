import { afterAll, describe, expect, it } from 'vitest';
import type { AuditEntry } from '../src/domain/audit.js';
import { ENGINES, type TestDatabase } from './helpers/engines.js';
import { type ServerProcess, adminRequest, startServer } from './helpers/server-process.js';
import { WebhookReceiver } from './helpers/webhook-receiver.js';

const SERVER_ENGINES = ENGINES.filter((engine) => engine.name !== 'sqlite');
const BOOKINGS = 240;

function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.floor(sorted.length / 2)] ?? Number.NaN;
}

describe.each(SERVER_ENGINES)('webhooks from several app processes on one $name database', (engine) => {
  let database: TestDatabase | undefined;
  const servers: ServerProcess[] = [];
  const receiver = new WebhookReceiver({ delayMs: 25 });

  afterAll(async () => {
    // SIGTERM: the cluster primary stops its workers (SIGKILL would orphan them).
    await Promise.all(servers.map((server) => server.stop('SIGTERM')));
    await receiver.close();
    await database?.drop();
  });

  it(
    'delivers every committed entry, never two attempts of one at once, also when a process is killed -9 mid-burst',
    { timeout: 300_000 },
    async () => {
      database = await engine.create();
      await receiver.listen();
      const env = { DATABASE_URL: database.config.location, WEBHOOK_TIMEOUT: '1s', LOG_LEVEL: 'warn' };
      // Migrate first, then a cluster of three workers beside a single process.
      const clustered = await startServer({ ...env, WORKERS: '3', LOG_LEVEL: 'info' }, { timeoutMs: 120_000 });
      servers.push(clustered);
      let single = await startServer({ ...env, LOG_LEVEL: 'info' }, { timeoutMs: 120_000 });
      servers.push(single);

      const created = await adminRequest<{ webhook: { id: string }; secret: string }>(clustered.url, 'POST', '/api/v1/webhooks', {
        url: receiver.url,
      });
      expect(created.status).toBe(201);
      receiver.secret = created.body.secret;
      const webhookId = created.body.webhook.id;
      const event = await adminRequest<{ id: string }>(clustered.url, 'POST', '/api/v1/events', { name: 'Burst', totalTickets: 60 });
      const path = `/api/v1/events/${event.body.id}/bookings`;

      let killed = false;
      const answers = await Promise.all(
        Array.from({ length: BOOKINGS }, async (_, i) => {
          if (i === BOOKINGS / 2 && !killed) {
            killed = true;
            await single.stop('SIGKILL');
          }
          const base = i % 2 === 0 && !killed ? single.url : clustered.url;
          try {
            return (await adminRequest(base, 'POST', path, { userId: `fan-${i}` })).status;
          } catch {
            return null;
          }
        }),
      );
      expect(answers.filter((status) => status === 201).length).toBeGreaterThan(BOOKINGS / 2);
      single = await startServer({ ...env, LOG_LEVEL: 'info' }, { timeoutMs: 120_000 });
      servers.push(single);

      const entries: AuditEntry[] = [];
      let after = 0;
      for (;;) {
        const page = await adminRequest<{ entries: AuditEntry[]; next: number | null }>(
          clustered.url,
          'GET',
          `/api/v1/events/${event.body.id}/audit?after=${after}&limit=200`,
        );
        entries.push(...page.body.entries);
        if (page.body.next === null) break;
        after = page.body.next;
      }
      const expected = new Set(entries.map((entry) => `msg_${webhookId}_${entry.seq}`));
      await expect.poll(() => [...expected].filter((id) => !receiver.ids().has(id)).length, { timeout: 30_000, interval: 250 }).toBe(0);

      expect(receiver.rejected).toEqual([]);
      expect(receiver.overlapping).toEqual([]);
      expect([...receiver.ids()].every((id) => expected.has(id))).toBe(true);
      const firstReceipt = new Map<string, number>();
      for (const delivery of receiver.received) {
        if (!firstReceipt.has(delivery.id)) firstReceipt.set(delivery.id, delivery.receivedAt - Date.parse(delivery.payload.at));
      }
      console.info(
        `${engine.name}: ${expected.size} entries, ${receiver.received.length} deliveries (${receiver.received.length - expected.size} repeated after kill -9), ` +
          `commit-to-receipt p50 ${median([...firstReceipt.values()])} ms`,
      );
    },
  );
});
