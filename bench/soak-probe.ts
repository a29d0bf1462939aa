import { randomBytes } from 'node:crypto';
import { readdirSync } from 'node:fs';
import { Server } from 'node:http';
import { setImmediate as nextTurn } from 'node:timers/promises';

// Preloaded into the server process by bench/soak.ts (node --expose-gc --import): answers memory and
// handle samples over the IPC channel, so the soak measures the server from inside without changing it.

export interface SoakSampleRequest {
  type: 'soak:sample';
  id: number;
  /** Collect garbage first, so two quiet samples compare what is live, not what is not yet collected. */
  gc: boolean;
}

export interface SoakSample {
  type: 'soak:sample';
  id: number;
  rss: number;
  heapUsed: number;
  heapTotal: number;
  external: number;
  /** Open file descriptors: sockets, database files, pipes. */
  fds: number;
  /** Resources keeping the event loop alive, by kind (TCPSocketWrap, Timeout, …). */
  handles: Record<string, number>;
}

function isSampleRequest(message: unknown): message is SoakSampleRequest {
  return typeof message === 'object' && message !== null && (message as { type?: unknown }).type === 'soak:sample';
}

function openDescriptors(): number {
  try {
    return readdirSync('/proc/self/fd').length;
  } catch {
    return -1;
  }
}

function handlesByKind(): Record<string, number> {
  const counts: Record<string, number> = {};
  for (const kind of process.getActiveResourcesInfo()) counts[kind] = (counts[kind] ?? 0) + 1;
  return counts;
}

const collect = (globalThis as { gc?: () => void }).gc;

// `npm run soak -- --inject-leak-bytes N` proves the soak can fail: every request then leaks N bytes.
const leakBytes = Number(process.env.SOAK_LEAK_BYTES ?? 0);
if (leakBytes > 0) {
  const leaked: string[] = [];
  // eslint-disable-next-line @typescript-eslint/unbound-method -- kept to be called with Reflect.apply and the server as `this`.
  const emit = Server.prototype.emit;
  Server.prototype.emit = function emitAndLeak(this: Server, event: string | symbol, ...rest: unknown[]): boolean {
    if (event === 'request') leaked.push(randomBytes(Math.ceil(leakBytes / 2)).toString('hex'));
    return Reflect.apply(emit, this, [event, ...rest]) as boolean;
  } as typeof emit;
}

process.on('message', (message: unknown) => {
  if (!isSampleRequest(message) || !process.send) return;
  const reply = process.send.bind(process);
  void (async () => {
    if (message.gc && collect) {
      collect();
      // Finalizers and weak callbacks run after the first collection; the second frees what they released.
      await nextTurn();
      collect();
    }
    const memory = process.memoryUsage();
    const sample: SoakSample = {
      type: 'soak:sample',
      id: message.id,
      rss: memory.rss,
      heapUsed: memory.heapUsed,
      heapTotal: memory.heapTotal,
      external: memory.external,
      fds: openDescriptors(),
      handles: handlesByKind(),
    };
    reply(sample);
  })();
});
