import { randomBytes } from 'node:crypto';
import { Agent, request } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { FastifyServerOptions } from 'fastify';
import type { Logger } from 'pino';
import { compose } from './compose.js';
import type { Config } from './config.js';
import { serverOptions } from './server-options.js';
import { LocalChangeFeed } from './services/change-feed.js';
import { migrateToLatest } from './store/migrate.js';

/** Keep-alive connections the rehearsal books over: enough for batches the size a rush brings. */
const WARM_UP_CONNECTIONS = 50;

/**
 * Before the server listens, a private Boxoffice, the same code on an in-memory SQLite database of its
 * own, takes `config.warmUpBookings` bookings over real sockets on 127.0.0.1, then closes. The first
 * buyers after a start then meet code V8 has already compiled: Node accepts one connection per turn of
 * its event loop, and while the turns are slow with cold code, the last of a hundred connections that
 * arrive together waited 100–200 ms for their first answer (docs/benchmarks.md, cold start). Nothing of
 * it reaches the real database, its change feed, metrics or log. SQLite only: on PostgreSQL and MySQL the
 * first answers wait for the database's own round trips, and there the warm-up measured no gain and cost
 * 5–8 MB of peak RSS. It only makes the first answers faster: should it fail, the server starts all the same.
 */
export async function warmUp(config: Readonly<Config>, log: Logger, rehearsal = rehearse): Promise<void> {
  if (config.warmUpBookings <= 0 || config.database.engine !== 'sqlite') return;
  const started = performance.now();
  try {
    await rehearsal(config, serverOptions(log.child({}, { level: 'silent' })));
    log.info({ bookings: config.warmUpBookings, ms: Math.round(performance.now() - started) }, 'warmed up');
  } catch (error) {
    log.warn({ err: error }, 'warm-up failed; starting without it');
  }
}

async function rehearse(config: Readonly<Config>, server: FastifyServerOptions): Promise<void> {
  const privateApp: Config = {
    ...config,
    // In memory: no file, no log to sync, no checkpoint thread, nothing left behind.
    database: { ...config.database, location: ':memory:' },
    adminPassword: randomBytes(18).toString('base64url'),
    rateLimit: { ...config.rateLimit, max: 0 },
    redisUrl: null,
    deliveries: { ...config.deliveries, mail: null },
  };
  const boxoffice = await compose(privateApp, { feed: new LocalChangeFeed(), redis: null, server });
  try {
    await migrateToLatest(boxoffice.database.db);
    await boxoffice.app.listen({ host: '127.0.0.1', port: 0 });
    const { port } = boxoffice.app.server.address() as AddressInfo;
    await book(port, privateApp, privateApp.warmUpBookings);
  } finally {
    await boxoffice.close();
  }
}

/** `count` bookings by as many people on one event, over WARM_UP_CONNECTIONS connections at once. */
async function book(port: number, config: Readonly<Config>, count: number): Promise<void> {
  const agent = new Agent({ keepAlive: true, maxSockets: WARM_UP_CONNECTIONS });
  const authorization = `Basic ${Buffer.from(`${config.adminUser}:${config.adminPassword}`).toString('base64')}`;
  const post = (path: string, body: object) => postJson(agent, port, authorization, path, body);
  try {
    const event = JSON.parse(await post('/api/v1/events', { name: 'Warm-up', totalTickets: count })) as { id: string };
    const lanes = Array.from({ length: Math.min(WARM_UP_CONNECTIONS, count) }, async (_, lane) => {
      for (let n = lane; n < count; n += WARM_UP_CONNECTIONS) await post(`/api/v1/events/${event.id}/bookings`, { userId: `warm-up-${n}` });
    });
    await Promise.all(lanes);
  } finally {
    agent.destroy();
  }
}

function postJson(agent: Agent, port: number, authorization: string, path: string, body: object): Promise<string> {
  const payload = JSON.stringify(body);
  return new Promise((resolve, reject) => {
    const outgoing = request(
      { agent, host: '127.0.0.1', port, path, method: 'POST', headers: { authorization, 'content-type': 'application/json' } },
      (response) => {
        let text = '';
        response.setEncoding('utf8');
        response.on('data', (chunk: string) => (text += chunk));
        response.on('end', () => {
          const status = response.statusCode ?? 0;
          if (status >= 200 && status < 300) resolve(text);
          else reject(new Error(`warm-up: POST ${path} answered ${status}: ${text.slice(0, 200)}`));
        });
      },
    );
    outgoing.on('error', reject);
    outgoing.end(payload);
  });
}
