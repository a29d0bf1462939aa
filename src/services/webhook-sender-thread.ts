import { Worker } from 'node:worker_threads';
import { helperThreadLimits } from '../thread-heap.js';
import type { WebhookPoster } from './delivery-engine.js';
import type { AttemptResult, SignedMessage } from './webhook-sender.js';

/** What the thread is sent: messages to post, each with the id its result comes back under. */
export type PostBatch = Array<[id: number, message: SignedMessage]>;
export type ResultBatch = Array<[id: number, result: AttemptResult]>;

export interface SenderThreadData {
  timeoutMs: number;
  maxSockets: number;
}

/** The sending thread's niceness (19: the lowest priority); deliveries never take a core from bookings. */
export const SENDING_THREAD_NICENESS = 19;

/**
 * The sending thread's young generation (MB; see helperThreadLimits). It had npm start's 16 MB: the
 * webhooks server's peak RSS fell from 175–177 to 163–166 MB with 4 (2 saved nothing more), deliveries
 * still all made, p50 0.48 → 0.59 s (it ranged 0.46–0.64 s before; docs/benchmarks.md).
 */
const SENDING_THREAD_YOUNG_MB = 4;

const STOPPED: AttemptResult = { delivered: false, statusCode: null, error: 'the sending thread stopped', unreachable: false };

/**
 * The worker's entry: webhook-sender-worker.js beside this module once compiled; from the TypeScript
 * sources (tests, tsx) the thread loads tsx first, as the main thread did.
 */
function startWorker(data: SenderThreadData): Worker {
  const compiled = import.meta.url.endsWith('.js');
  const entry = new URL(`./webhook-sender-worker.${compiled ? 'js' : 'ts'}`, import.meta.url);
  const resourceLimits = helperThreadLimits(SENDING_THREAD_YOUNG_MB);
  if (compiled) return new Worker(entry, { workerData: data, resourceLimits });
  const load = `import('tsx/esm/api').then(({ register }) => { register(); return import(${JSON.stringify(entry.href)}); })`;
  return new Worker(load, { eval: true, workerData: data, resourceLimits });
}

/**
 * Posts webhook messages from a thread of its own: the HTTP exchange and the signature are most of what a
 * delivery costs (measured: docs/benchmarks.md, webhooks), and on this thread they would take that time
 * from bookings. The thread runs at the lowest priority, so under load the OS gives bookings the cores first.
 * Messages go over in batches, one per turn of the event loop, and results come back alike.
 */
export class ThreadedWebhookSender implements WebhookPoster {
  private worker: Worker | null = null;
  private nextId = 1;
  private readonly waiting = new Map<number, (result: AttemptResult) => void>();
  private batch: PostBatch = [];
  private flushing = false;

  constructor(private readonly data: SenderThreadData) {}

  post(message: SignedMessage): Promise<AttemptResult> {
    const id = this.nextId++;
    this.batch.push([id, message]);
    if (!this.flushing) {
      this.flushing = true;
      setImmediate(() => this.flush());
    }
    return new Promise<AttemptResult>((resolve) => this.waiting.set(id, resolve));
  }

  /** Ends the thread; attempts still out there count as failed (their deliveries are retried). */
  async close(): Promise<void> {
    const worker = this.worker;
    this.worker = null;
    this.settleAll();
    await worker?.terminate();
  }

  private flush(): void {
    this.flushing = false;
    const batch = this.batch;
    this.batch = [];
    if (batch.length > 0) this.thread().postMessage(batch);
  }

  private thread(): Worker {
    if (this.worker) return this.worker;
    const worker = startWorker(this.data);
    worker.unref();
    worker.on('message', (results: ResultBatch) => {
      for (const [id, result] of results) {
        this.waiting.get(id)?.(result);
        this.waiting.delete(id);
      }
    });
    // A thread that dies takes its attempts with it: they failed, and the next post starts a new thread.
    const gone = () => {
      if (this.worker !== worker) return;
      this.worker = null;
      this.settleAll();
    };
    worker.on('error', gone);
    worker.on('exit', gone);
    this.worker = worker;
    return worker;
  }

  private settleAll(): void {
    for (const resolve of this.waiting.values()) resolve(STOPPED);
    this.waiting.clear();
    this.batch = [];
  }
}
