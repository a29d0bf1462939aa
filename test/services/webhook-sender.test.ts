import { readFileSync, readdirSync } from 'node:fs';
import { type Server, createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { Webhook } from 'standardwebhooks';
import { afterEach, describe, expect, it } from 'vitest';
import { SENDING_THREAD_NICENESS, ThreadedWebhookSender } from '../../src/services/webhook-sender-thread.js';
import { RESPONSE_BYTES_READ, WebhookSender, newWebhookSecret, webhookSignature } from '../../src/services/webhook-sender.js';

const TIMEOUT_MS = 300;

describe('WebhookSender against hostile receivers', () => {
  const servers: Server[] = [];
  const sender = new WebhookSender(TIMEOUT_MS, 4);
  afterEach(async () => {
    for (const server of servers.splice(0)) {
      server.closeAllConnections();
      await new Promise((resolve) => server.close(resolve));
    }
  });

  async function serve(handler: Parameters<typeof createServer>[1]): Promise<string> {
    const server = createServer(handler);
    servers.push(server);
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    return `http://127.0.0.1:${(server.address() as AddressInfo).port}/hook`;
  }

  const message = (url: string) => ({
    url,
    messageId: 'msg_1',
    timestamp: Math.floor(Date.now() / 1000),
    body: '{"a":1}',
    secret: newWebhookSecret(),
  });

  it('signs as Standard Webhooks says: standardwebhooks verifies the headers it sends', async () => {
    let verified: unknown = null;
    const secret = newWebhookSecret();
    const url = await serve((req, res) => {
      let body = '';
      req.on('data', (chunk: Buffer) => (body += chunk.toString()));
      req.on('end', () => {
        verified = new Webhook(secret).verify(body, req.headers as Record<string, string>);
        res.writeHead(200).end('ok');
      });
    });
    const result = await sender.post({ ...message(url), secret });
    expect(result).toEqual({ delivered: true, statusCode: 200, error: null, unreachable: false });
    expect(verified).toEqual({ a: 1 });
    expect(webhookSignature(secret, 'msg_1', 1, 'x')).toBe(new Webhook(secret).sign('msg_1', new Date(1000), 'x'));
  });

  it('gives up on a receiver that never answers after the timeout', async () => {
    const url = await serve(() => {});
    const started = Date.now();
    const result = await sender.post(message(url));
    expect(Date.now() - started).toBeLessThan(TIMEOUT_MS + 250);
    expect(result).toMatchObject({
      delivered: false,
      statusCode: null,
      error: expect.stringMatching(/no answer within/),
      unreachable: true,
    });
  });

  it('gives up on a receiver that answers too slowly', async () => {
    const url = await serve((_req, res) => setTimeout(() => res.writeHead(200).end(), TIMEOUT_MS * 3));
    expect(await sender.post(message(url))).toMatchObject({ delivered: false, statusCode: null });
  });

  it('does not follow a redirect: a 3xx is a failed attempt, and the target hears nothing', async () => {
    let followed = false;
    const target = await serve((_req, res) => {
      followed = true;
      res.writeHead(200).end();
    });
    const url = await serve((_req, res) => res.writeHead(307, { location: target }).end());
    expect(await sender.post(message(url))).toEqual({ delivered: false, statusCode: 307, error: null, unreachable: false });
    expect(followed).toBe(false);
  });

  it('reads only a few KiB of an endless answer and drops the connection', async () => {
    let written = 0;
    let closed = false;
    const url = await serve((_req, res) => {
      res.writeHead(200, { 'content-type': 'text/plain' });
      const chunk = Buffer.alloc(64 * 1024, 'x');
      const pump = () => {
        while (!closed && res.write(chunk)) written += chunk.length;
        if (!closed) res.once('drain', pump);
      };
      res.once('close', () => (closed = true));
      pump();
    });
    expect(await sender.post(message(url))).toEqual({ delivered: true, statusCode: 200, error: null, unreachable: false });
    await expect.poll(() => closed, { timeout: TIMEOUT_MS * 2 }).toBe(true);
    expect(written).toBeLessThan(64 * 1024 * 1024);
    expect(RESPONSE_BYTES_READ).toBeLessThanOrEqual(8 * 1024);
  });

  it('reports a refused connection as an error without the URL', async () => {
    const url = 'http://user:hunter2@127.0.0.1:9/hook';
    const result = await sender.post(message(url));
    expect(result).toMatchObject({ delivered: false, statusCode: null, error: expect.stringMatching(/ECONNREFUSED/), unreachable: true });
    expect(result.error).not.toContain('hunter2');
  });

  it.each([
    [503, true],
    [502, true],
    [504, true],
    [500, false],
    [400, false],
    [410, false],
  ])('tells a receiver that is away (%i: %s) from one refusing the message', async (status, unreachable) => {
    const url = await serve((_req, res) => res.writeHead(status).end());
    expect(await sender.post(message(url))).toEqual({ delivered: false, statusCode: status, error: null, unreachable });
  });

  it('posts from a thread of its own: signed alike, each result to its own message, none started late, and a closed sender fails what is left', async () => {
    const secret = newWebhookSecret();
    const verified: unknown[] = [];
    const url = await serve((req, res) => {
      let body = '';
      req.on('data', (chunk: Buffer) => (body += chunk.toString()));
      req.on('end', () => {
        verified.push(new Webhook(secret).verify(body, req.headers as Record<string, string>));
        const { n } = JSON.parse(body) as { n: number };
        if (n === -1) return; // never answers
        res.writeHead(n % 2 === 0 ? 204 : 500).end();
      });
    });
    const threaded = new ThreadedWebhookSender({ timeoutMs: 5_000, maxSockets: 4 });
    try {
      const post = (n: number) => threaded.post({ ...message(url), messageId: `msg_${n}`, body: JSON.stringify({ n }), secret });
      const results = await Promise.all(Array.from({ length: 40 }, (_, n) => post(n)));
      expect(results.map((result) => result.statusCode)).toEqual(Array.from({ length: 40 }, (_, n) => (n % 2 === 0 ? 204 : 500)));
      expect(verified).toHaveLength(40);
      // Queued past the time it had to start by (it could no longer end within its lease): never sent.
      const late = await threaded.post({ ...message(url), body: JSON.stringify({ n: 0 }), secret, startBy: Date.now() - 1 });
      expect(late).toMatchObject({ delivered: false, notStarted: true });
      expect(verified).toHaveLength(40);

      const hanging = post(-1);
      await expect.poll(() => verified.length).toBe(41);
      await threaded.close();
      expect(await hanging).toMatchObject({ delivered: false, statusCode: null, error: expect.stringMatching(/stopped/) });
    } finally {
      await threaded.close();
    }
  });

  it('sends from a thread at the lowest priority, while the threads that answer bookings keep theirs', async () => {
    // Linux keeps a niceness per thread: field 19 of /proc/self/task/<tid>/stat.
    const niceness = () =>
      readdirSync('/proc/self/task').map((tid) => {
        const stat = readFileSync(`/proc/self/task/${tid}/stat`, 'utf8');
        return Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[16]);
      });
    expect(niceness().filter((nice) => nice === SENDING_THREAD_NICENESS)).toHaveLength(0);
    const url = await serve((req, res) => req.resume().on('end', () => res.writeHead(204).end()));
    const threaded = new ThreadedWebhookSender({ timeoutMs: 5_000, maxSockets: 4 });
    try {
      expect(await threaded.post(message(url))).toMatchObject({ delivered: true, statusCode: 204 });
      expect(niceness().filter((nice) => nice === SENDING_THREAD_NICENESS)).toHaveLength(1);
      expect(niceness().filter((nice) => nice === 0).length).toBeGreaterThan(1);
    } finally {
      await threaded.close();
    }
  });
});
