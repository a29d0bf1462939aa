import { type ChildProcess, spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { Agent, request } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { freePort } from './processes.js';
import type { SoakSample, SoakSampleRequest } from './soak-probe.js';

// `npm run soak [-- --seconds 60]`: the real server on a temporary SQLite file under a bounded mixed
// load (book, cancel, reads, status, waiting lists, audit pages, live streams) for a fixed time. It
// compares the server's memory and open handles after a warm-up with the same figures after the load,
// both measured quiet and after a full garbage collection, runs verify on the database, and exits 1
// when the heap or the descriptors grew beyond noise, a request got a 5xx, or verify found anything.

const ROOT = fileURLToPath(new URL('..', import.meta.url));
const MAIN = join(ROOT, 'src/main.ts');
const VERIFY = join(ROOT, 'src/verify.ts');
const PROBE = join(ROOT, 'bench/soak-probe.ts');
const MIB = 1024 * 1024;

/** Live memory (JS heap and buffers) after a full collection may grow this much from warm-up to the end. */
const LIVE_GROWTH_LIMIT = 8 * MIB;
/** RSS may grow more: the allocator keeps freed pages, SQLite's page cache fills up to its bound. */
const RSS_GROWTH_LIMIT = 48 * MIB;
/** Descriptors after the load, every client gone, against before it. */
const FD_GROWTH_LIMIT = 2;
const QUIET_MS = 1_500;
const SAMPLE_EVERY_MS = 2_000;

const { values: args } = parseArgs({
  options: {
    seconds: { type: 'string', default: '60' },
    'warmup-seconds': { type: 'string' },
    concurrency: { type: 'string', default: '8' },
    events: { type: 'string', default: '4' },
    'users-per-event': { type: 'string', default: '60' },
    tickets: { type: 'string', default: '20' },
    // Bounded so a soak in CI leaves the machine's other work room; 0 means as fast as the server answers.
    rate: { type: 'string', default: '400' },
    'inject-leak-bytes': { type: 'string', default: '0' },
  },
});

function positive(name: string, text: string | undefined): number {
  const value = Number(text);
  if (!Number.isInteger(value) || value < 1) throw new Error(`--${name} must be a whole number ≥ 1 (got ${text})`);
  return value;
}

const SECONDS = positive('seconds', args.seconds);
const WARMUP_SECONDS =
  args['warmup-seconds'] === undefined
    ? Math.max(2, Math.min(10, Math.round(SECONDS / 6)))
    : positive('warmup-seconds', args['warmup-seconds']);
const CONCURRENCY = positive('concurrency', args.concurrency);
const EVENTS = positive('events', args.events);
const USERS = positive('users-per-event', args['users-per-event']);
const TICKETS = positive('tickets', args.tickets);
const RATE = args.rate === '0' ? 0 : positive('rate', args.rate);

const ADMIN_PASSWORD = `soak-${randomBytes(9).toString('base64url')}`;
const ADMIN_AUTH = `Basic ${Buffer.from(`admin:${ADMIN_PASSWORD}`).toString('base64')}`;

/** The server as `npm start` runs it, plus the probe and --expose-gc; its logs (info) go to /dev/null. */
class SoakServer {
  private nextSample = 0;
  private readonly waiting = new Map<number, (sample: SoakSample) => void>();
  private stderr = '';
  readonly exited: Promise<number | null>;

  private constructor(
    readonly child: ChildProcess,
    readonly url: string,
  ) {
    child.stderr?.on('data', (chunk: Buffer) => {
      this.stderr = (this.stderr + chunk.toString()).slice(-10_000);
    });
    child.on('message', (message: SoakSample) => {
      this.waiting.get(message.id)?.(message);
      this.waiting.delete(message.id);
    });
    this.exited = new Promise((resolve) => child.once('exit', (code) => resolve(code)));
  }

  static async start(databaseUrl: string): Promise<SoakServer> {
    const port = await freePort();
    const child = spawn(process.execPath, ['--expose-gc', '--import', 'tsx', '--import', PROBE, MAIN], {
      cwd: ROOT,
      env: {
        ...process.env,
        DATABASE_URL: databaseUrl,
        HOST: '127.0.0.1',
        PORT: String(port),
        LOG_LEVEL: 'info',
        ADMIN_PASSWORD,
        AUTH_SECRET: randomBytes(32).toString('base64url'),
        // One client hammering as the admin is the point here, not the limiter.
        RATE_LIMIT_MAX: '0',
        WORKERS: '1',
        SOAK_LEAK_BYTES: args['inject-leak-bytes'],
      },
      stdio: ['ignore', 'ignore', 'pipe', 'ipc'],
    });
    const server = new SoakServer(child, `http://127.0.0.1:${port}`);
    const deadline = Date.now() + 30_000;
    for (;;) {
      if (child.exitCode !== null) throw new Error(`server exited with ${child.exitCode}:\n${server.stderr}`);
      if (Date.now() > deadline) throw new Error(`server did not answer /healthz within 30 s:\n${server.stderr}`);
      const health = await call('GET', `${server.url}/healthz`).catch(() => null);
      if (health?.status === 200) return server;
      await sleep(100);
    }
  }

  sample(gc: boolean): Promise<SoakSample> {
    const id = ++this.nextSample;
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error('the server did not answer a memory sample')), 10_000);
      this.waiting.set(id, (sample) => {
        clearTimeout(timer);
        resolve(sample);
      });
      this.child.send({ type: 'soak:sample', id, gc } satisfies SoakSampleRequest);
    });
  }

  async stop(): Promise<number | null> {
    this.child.kill('SIGTERM');
    return this.exited;
  }

  output(): string {
    return this.stderr;
  }
}

let agent = new Agent({ keepAlive: true, maxSockets: CONCURRENCY });

interface Answer {
  status: number;
}

/** One request as the admin; an event stream is read up to its first message, then hung up. */
function call(method: string, url: string, body?: unknown, stream = false): Promise<Answer> {
  const payload = body === undefined ? undefined : JSON.stringify(body);
  return new Promise((resolve, reject) => {
    const req = request(
      url,
      {
        method,
        agent,
        headers: {
          authorization: ADMIN_AUTH,
          ...(payload === undefined ? {} : { 'content-type': 'application/json', 'content-length': Buffer.byteLength(payload) }),
        },
        timeout: 30_000,
      },
      (res) => {
        const status = res.statusCode ?? 0;
        if (stream && status === 200) {
          res.once('data', () => {
            req.destroy();
            resolve({ status });
          });
          return;
        }
        res.resume();
        res.once('end', () => resolve({ status }));
        res.once('error', reject);
      },
    );
    req.once('timeout', () => req.destroy(new Error(`${method} ${url} timed out`)));
    req.once('error', reject);
    req.end(payload);
  });
}

const pick = <T>(items: readonly T[]): T => items[Math.floor(Math.random() * items.length)] as T;

interface Operation {
  name: string;
  weight: number;
  run(base: string, eventId: string, userId: string): Promise<Answer>;
}

const api = (base: string, eventId: string) => `${base}/api/v1/events/${eventId}`;

/** The mix: mostly bookings and cancellations against a few sold-out events, with the reads a page makes. */
const OPERATIONS: readonly Operation[] = [
  { name: 'book', weight: 25, run: (b, e, u) => call('POST', `${api(b, e)}/bookings`, { userId: u }) },
  { name: 'book (short API)', weight: 10, run: (b, e, u) => call('POST', `${b}/book`, { eventId: e, userId: u }) },
  { name: 'cancel', weight: 15, run: (b, e, u) => call('DELETE', `${api(b, e)}/bookings/${u}`) },
  { name: 'cancel (short API)', weight: 5, run: (b, e, u) => call('POST', `${b}/cancel`, { eventId: e, userId: u }) },
  { name: 'read event', weight: 10, run: (b, e) => call('GET', api(b, e)) },
  { name: 'status', weight: 10, run: (b, e) => call('GET', `${b}/status/${e}`) },
  { name: 'user status', weight: 5, run: (b, e, u) => call('GET', `${b}/status/${e}/${u}`) },
  { name: 'list events', weight: 4, run: (b) => call('GET', `${b}/api/v1/events?limit=20`) },
  { name: 'waiting list', weight: 4, run: (b, e) => call('GET', `${api(b, e)}/bookings?status=waitlisted&limit=50`) },
  { name: 'audit page', weight: 3, run: (b, e) => call('GET', `${api(b, e)}/audit?limit=50&after=${Math.floor(Math.random() * 1000)}`) },
  {
    name: 'change capacity',
    weight: 2,
    run: (b, e) => call('PATCH', api(b, e), { totalTickets: TICKETS - 2 + Math.floor(Math.random() * 5) }),
  },
  { name: 'live stream', weight: 5, run: (b, e) => call('GET', `${api(b, e)}/stream`, undefined, true) },
  { name: 'metrics', weight: 1, run: (b) => call('GET', `${b}/metrics`) },
  { name: 'health', weight: 1, run: (b) => call('GET', `${b}/healthz`) },
];
const TOTAL_WEIGHT = OPERATIONS.reduce((sum, operation) => sum + operation.weight, 0);

function pickOperation(): Operation {
  let roll = Math.random() * TOTAL_WEIGHT;
  for (const operation of OPERATIONS) {
    roll -= operation.weight;
    if (roll < 0) return operation;
  }
  return OPERATIONS[0] as Operation;
}

class Tally {
  readonly byStatus = new Map<number, number>();
  readonly failures: string[] = [];
  requests = 0;

  record(operation: string, status: number): void {
    this.requests += 1;
    this.byStatus.set(status, (this.byStatus.get(status) ?? 0) + 1);
    if (status >= 500 && this.failures.length < 20) this.failures.push(`${operation} answered ${status}`);
  }

  fail(operation: string, error: unknown): void {
    this.requests += 1;
    if (this.failures.length < 20) this.failures.push(`${operation}: ${error instanceof Error ? error.message : String(error)}`);
  }
}

/** CONCURRENCY loops, each with one request in flight, until `seconds` have passed. */
async function load(
  server: SoakServer,
  events: readonly string[],
  seconds: number,
  tally: Tally,
  onTick?: () => Promise<void>,
): Promise<void> {
  const until = Date.now() + seconds * 1000;
  const users = Array.from({ length: USERS }, (_, index) => `soak-user-${index}`);
  let nextStart = Date.now();
  const worker = async () => {
    while (Date.now() < until) {
      if (RATE > 0) {
        const wait = nextStart - Date.now();
        nextStart = Math.max(nextStart, Date.now() - 1000) + 1000 / RATE;
        if (wait > 0) await sleep(wait);
      }
      const operation = pickOperation();
      try {
        const { status } = await operation.run(server.url, pick(events), pick(users));
        tally.record(operation.name, status);
      } catch (error) {
        tally.fail(operation.name, error);
      }
    }
  };
  const ticker = (async () => {
    while (onTick && Date.now() < until) {
      await sleep(SAMPLE_EVERY_MS);
      if (Date.now() < until) await onTick();
    }
  })();
  await Promise.all([...Array.from({ length: CONCURRENCY }, worker), ticker]);
}

/** Every client connection closed and the server left alone for a moment, then measured after a full GC. */
async function quietSample(server: SoakServer): Promise<SoakSample> {
  agent.destroy();
  agent = new Agent({ keepAlive: true, maxSockets: CONCURRENCY });
  await sleep(QUIET_MS);
  await server.sample(true);
  return server.sample(true);
}

function runVerify(databaseUrl: string): Promise<{ code: number | null; output: string }> {
  const child = spawn(process.execPath, ['--import', 'tsx', VERIFY], {
    cwd: ROOT,
    env: { ...process.env, DATABASE_URL: databaseUrl },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let output = '';
  child.stdout.on('data', (chunk: Buffer) => (output += chunk.toString()));
  child.stderr.on('data', (chunk: Buffer) => (output += chunk.toString()));
  return new Promise((resolve) => child.once('close', (code) => resolve({ code, output })));
}

const mib = (bytes: number) => `${(bytes / MIB).toFixed(1)} MiB`;
const signedMib = (bytes: number) => `${bytes >= 0 ? '+' : ''}${(bytes / MIB).toFixed(1)} MiB`;
const handles = (sample: SoakSample) =>
  Object.entries(sample.handles)
    .sort(([a], [b]) => a.localeCompare(b))
    .map(([kind, count]) => `${kind}×${count}`)
    .join(' ');

async function main(): Promise<number> {
  const dataDir = mkdtempSync(join(tmpdir(), 'boxoffice-soak-'));
  const databaseUrl = `sqlite:${join(dataDir, 'soak.db')}`;
  const server = await SoakServer.start(databaseUrl);
  try {
    const events: string[] = [];
    for (let index = 0; index < EVENTS; index++) {
      const id = `soak-${index}`;
      const created = await call('POST', `${server.url}/api/v1/events`, { id, name: `Soak ${index}`, totalTickets: TICKETS });
      if (created.status !== 201) throw new Error(`could not create event ${id}: ${created.status}`);
      events.push(id);
    }
    const started = await server.sample(true);
    process.stdout.write(
      `soak: ${SECONDS} s of mixed load after a ${WARMUP_SECONDS} s warm-up; up to ${CONCURRENCY} requests in flight` +
        `${RATE > 0 ? ` at ${RATE}/s` : ''}, ` +
        `${EVENTS} events of ${TICKETS} tickets, ${USERS} users each\n`,
    );

    const warmup = new Tally();
    await load(server, events, WARMUP_SECONDS, warmup);
    const before = await quietSample(server);

    const tally = new Tally();
    const during: SoakSample[] = [];
    const loadStarted = Date.now();
    await load(server, events, SECONDS, tally, async () => {
      during.push(await server.sample(false));
    });
    const elapsed = (Date.now() - loadStarted) / 1000;
    const after = await quietSample(server);
    const exitCode = await server.stop();
    const verify = await runVerify(databaseUrl);

    const live = (sample: SoakSample) => sample.heapUsed + sample.external;
    const liveGrowth = live(after) - live(before);
    const rssGrowth = after.rss - before.rss;
    const fdGrowth = after.fds - before.fds;
    const peakRss = Math.max(...during.map((sample) => sample.rss), after.rss);
    const peakHeap = Math.max(...during.map((sample) => sample.heapUsed), after.heapUsed);
    const statuses = [...tally.byStatus]
      .sort(([a], [b]) => a - b)
      .map(([status, count]) => `${status}×${count}`)
      .join(' ');
    const problems = [
      ...(liveGrowth > LIVE_GROWTH_LIMIT ? [`live memory grew ${signedMib(liveGrowth)} (limit ${mib(LIVE_GROWTH_LIMIT)})`] : []),
      ...(rssGrowth > RSS_GROWTH_LIMIT ? [`RSS grew ${signedMib(rssGrowth)} (limit ${mib(RSS_GROWTH_LIMIT)})`] : []),
      ...(fdGrowth > FD_GROWTH_LIMIT ? [`open descriptors grew by ${fdGrowth} (limit ${FD_GROWTH_LIMIT})`] : []),
      ...tally.failures,
      ...warmup.failures.map((failure) => `warm-up: ${failure}`),
      ...(exitCode === 0 ? [] : [`the server exited with ${exitCode} on SIGTERM`]),
      ...(verify.code === 0 ? [] : [`verify exited with ${verify.code}:\n${verify.output.trim()}`]),
    ];

    process.stdout.write(
      [
        `requests: ${tally.requests} in ${elapsed.toFixed(1)} s (${Math.round(tally.requests / elapsed)}/s); answers ${statuses}`,
        `memory, quiet after full GC   at start ${mib(started.rss)} RSS / ${mib(live(started))} live (heap + buffers)`,
        `                        after warm-up ${mib(before.rss)} RSS / ${mib(live(before))} live`,
        `                        after load    ${mib(after.rss)} RSS / ${mib(live(after))} live` +
          `  (${signedMib(rssGrowth)} RSS, ${signedMib(liveGrowth)} live)`,
        `memory under load, ${during.length} samples: peak ${mib(peakRss)} RSS / ${mib(peakHeap)} heap`,
        `open descriptors: ${before.fds} after warm-up, ${after.fds} after load`,
        `active handles after warm-up: ${handles(before)}`,
        `active handles after load:    ${handles(after)}`,
        `server exit on SIGTERM: ${exitCode}; ${verify.output.trim().split('\n').at(-1) ?? ''}`,
        problems.length === 0 ? 'soak: PASS' : `soak: FAIL\n  ${problems.join('\n  ')}`,
      ].join('\n') + '\n',
    );
    return problems.length === 0 ? 0 : 1;
  } catch (error) {
    process.stderr.write(`soak: ${error instanceof Error ? error.message : String(error)}\n${server.output()}\n`);
    return 1;
  } finally {
    if (server.child.exitCode === null) await server.stop();
    agent.destroy();
    rmSync(dataDir, { recursive: true, force: true });
  }
}

process.exitCode = await main();
