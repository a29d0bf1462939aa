import { mkdtempSync, rmSync } from 'node:fs';
import { connect } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { MAX_HEADER_BYTES, SERVER_TIMEOUTS } from '../src/server-options.js';
import { ConsistencyCheck } from '../src/services/consistency-check.js';
import { ConsistencyReader } from '../src/store/consistency-reader.js';
import { openDatabase } from '../src/store/db.js';
import { type ServerProcess, adminRequest, startServer } from './helpers/server-process.js';

// Slow and oversized clients against the real server process, with the limits main.ts gives it.

const DRIP_MS = 250;
/** Long enough for any limit to bite, so a test fails rather than hangs if one never does. */
const GIVE_UP_MS = SERVER_TIMEOUTS.requestMs + SERVER_TIMEOUTS.headersMs + 10 * SERVER_TIMEOUTS.checkIntervalMs;

interface Ending {
  /** What the server sent before it closed the socket. */
  received: string;
  /** False when the client gave up waiting: the server never cut it off. */
  closedByServer: boolean;
}

/**
 * A raw TCP client: sends `opening`, then one byte of `drip` every DRIP_MS for as long as the socket
 * stays open, and reports what came back once the server closes it.
 */
function rawClient(url: string, opening: string, drip: string | null): Promise<Ending> {
  const { hostname, port } = new URL(url);
  return new Promise((resolve) => {
    const socket = connect(Number(port), hostname, () => socket.write(opening));
    let received = '';
    const dripper = drip === null ? null : setInterval(() => socket.writable && socket.write(drip), DRIP_MS);
    const giveUp = setTimeout(() => {
      settle(false);
      socket.destroy();
    }, GIVE_UP_MS);
    let settled = false;
    const settle = (closedByServer: boolean) => {
      if (settled) return;
      settled = true;
      if (dripper) clearInterval(dripper);
      clearTimeout(giveUp);
      resolve({ received, closedByServer });
    };
    socket.on('data', (chunk: Buffer) => {
      received += chunk.toString('latin1');
    });
    socket.on('error', () => settle(true));
    socket.on('close', () => settle(true));
  });
}

const statusLine = (ending: Ending) => ending.received.split('\r\n')[0] ?? '';

const HEAD = 'Host: boxoffice\r\n';
/** Every misbehaving client at once, so the file waits for the longest limit only, not their sum. */
const CLIENTS = {
  slowBody: [`POST /api/v1/events HTTP/1.1\r\n${HEAD}Content-Type: application/json\r\nContent-Length: 16000\r\n\r\n{"name":`, ' '],
  slowHeaders: [`GET /healthz HTTP/1.1\r\n${HEAD}X-Slow: `, 'z'],
  silent: ['', null],
  oneHugeHeader: [`GET /healthz HTTP/1.1\r\n${HEAD}X-Big: ${'a'.repeat(MAX_HEADER_BYTES + 1024)}\r\n\r\n`, null],
  manyHeaders: [
    `GET /healthz HTTP/1.1\r\n${HEAD}${Array.from({ length: 40 }, (_, i) => `X-H${i}: ${'b'.repeat(500)}\r\n`).join('')}\r\n`,
    null,
  ],
  underTheLimit: [`GET /healthz HTTP/1.1\r\n${HEAD}Connection: close\r\nX-Big: ${'c'.repeat(MAX_HEADER_BYTES - 2048)}\r\n\r\n`, null],
} satisfies Record<string, [string, string | null]>;

describe('server timeouts and header limits of the real server process', () => {
  let dataDir: string;
  let server: ServerProcess;
  let endings: Record<keyof typeof CLIENTS, Promise<Ending>>;
  const databaseFile = () => join(dataDir, 'timeouts.db');

  beforeAll(async () => {
    dataDir = mkdtempSync(join(tmpdir(), 'boxoffice-timeouts-'));
    server = await startServer({ DATABASE_URL: `sqlite:${databaseFile()}` });
    const started = Object.entries(CLIENTS).map(([name, [opening, drip]]) => [name, rawClient(server.url, opening, drip)]);
    endings = Object.fromEntries(started) as typeof endings;
  });
  afterAll(async () => {
    await server?.stop();
    rmSync(dataDir, { recursive: true, force: true });
  });

  it('cuts off a client that sends its headers but dribbles the body (request timeout), with a problem+json 408', async () => {
    const ending = await endings.slowBody;
    expect(ending.closedByServer).toBe(true);
    expect(statusLine(ending)).toBe('HTTP/1.1 408 Request Timeout');
    expect(ending.received).toMatch(/\r\nContent-Type: application\/problem\+json/i);
    expect(JSON.parse(ending.received.split('\r\n\r\n')[1] ?? '')).toMatchObject({ status: 408, code: 'REQUEST_TIMEOUT' });
  });

  it('cuts off a client that never finishes its headers (headers timeout)', async () => {
    const ending = await endings.slowHeaders;
    expect(ending.closedByServer).toBe(true);
    expect(statusLine(ending)).toMatch(/^(HTTP\/1\.1 408 .*)?$/);
  });

  it('cuts off a client that connects and says nothing', async () => {
    const ending = await endings.silent;
    expect(ending.closedByServer).toBe(true);
    expect(statusLine(ending)).toMatch(/^(HTTP\/1\.1 408 .*)?$/);
  });

  it('refuses a header block over 16 KiB, in one header or in many, with a problem+json 431', async () => {
    for (const ending of [await endings.oneHugeHeader, await endings.manyHeaders]) {
      expect(ending.closedByServer).toBe(true);
      expect(statusLine(ending)).toBe('HTTP/1.1 431 Request Header Fields Too Large');
      expect(JSON.parse(ending.received.split('\r\n\r\n')[1] ?? '')).toMatchObject({ status: 431, code: 'HEADERS_TOO_LARGE' });
    }
  });

  it('answers a header block just under the limit as an ordinary request', async () => {
    expect(statusLine(await endings.underTheLimit)).toBe('HTTP/1.1 200 OK');
  });

  it('stays healthy afterwards: reads and bookings are served, the process is up, verify finds nothing', async () => {
    await Promise.all(Object.values(endings));
    expect((await adminRequest(server.url, 'GET', '/healthz')).status).toBe(200);
    const created = await adminRequest(server.url, 'POST', '/api/v1/events', { name: 'After the slow clients', totalTickets: 1 });
    expect(created.status).toBe(201);
    expect(server.child.exitCode).toBeNull();
    const opened = openDatabase({ engine: 'sqlite', location: databaseFile(), poolSize: 1, statementTimeoutMs: 5_000 });
    try {
      for await (const verdict of new ConsistencyCheck(new ConsistencyReader(opened)).checkEveryEvent()) {
        expect(verdict.discrepancies).toEqual([]);
      }
    } finally {
      await opened.close();
    }
  });
});
