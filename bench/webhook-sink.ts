import { type Server, createServer } from 'node:http';
import type { AddressInfo } from 'node:net';

// The webhook receiver of the bench, in a process of its own so the load generator's work never
// delays an arrival: answers 204 at once and notes when each webhook-id first arrived. The bench
// drives it over IPC: { listen: port } (0 picks one), { close: true }, { awaited: seqs } then { count: true }
// (how many of those seqs arrived, under any webhook-id), { report: true }.

interface Arrival {
  seq: number;
  /** The audit entry's time (payload.at), Unix ms. */
  at: number;
  arrivedAt: number;
}

const arrivals = new Map<string, Arrival>();
const arrivedSeqs = new Set<number>();
let awaited = new Set<number>();
let requests = 0;
let server: Server | null = null;

function reply(message: object): void {
  process.send?.(message);
}

function listen(port: number): void {
  const next = createServer((req, res) => {
    requests += 1;
    const chunks: Buffer[] = [];
    req.on('data', (chunk: Buffer) => chunks.push(chunk));
    req.on('end', () => {
      const arrivedAt = Date.now();
      const id = String(req.headers['webhook-id']);
      if (!arrivals.has(id)) {
        const payload = JSON.parse(Buffer.concat(chunks).toString('utf8')) as { seq: number; at: string };
        arrivals.set(id, { seq: payload.seq, at: Date.parse(payload.at), arrivedAt });
        arrivedSeqs.add(payload.seq);
      }
      res.writeHead(204).end();
    });
  });
  next.keepAliveTimeout = 60_000;
  next.listen(port, '127.0.0.1', () => {
    server = next;
    reply({ listening: (next.address() as AddressInfo).port });
  });
}

process.on('message', (message: { listen?: number; close?: boolean; awaited?: number[]; count?: boolean; report?: boolean }) => {
  if (message.listen !== undefined) listen(message.listen);
  else if (message.close) {
    const closing = server;
    server = null;
    if (!closing) return reply({ closed: true });
    // Down means down: kept-alive connections go too, so every attempt meets a refused connection.
    closing.closeAllConnections();
    closing.close(() => reply({ closed: true }));
  } else if (message.awaited) {
    awaited = new Set(message.awaited);
    reply({ awaiting: awaited.size });
  } else if (message.count) {
    let count = 0;
    for (const seq of awaited) if (arrivedSeqs.has(seq)) count += 1;
    reply({ count });
  } else if (message.report) {
    reply({ requests, arrivals: [...arrivals.values()].map(({ seq, at, arrivedAt }) => [seq, at, arrivedAt]) });
  }
});
reply({ ready: true });
