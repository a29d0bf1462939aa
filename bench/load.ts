import autocannon from 'autocannon';
import { type ProcessHandle, cpuMs, peakRssWhile } from './processes.js';

/** One request of a scenario; `key` names what it acts on (a user of an event), null when it does not count. */
export interface PlannedRequest {
  method: 'POST' | 'DELETE' | 'GET';
  path: string;
  body?: string;
  key: string | null;
  /** Sent as Idempotency-Key, as the page sends one with every change. */
  idempotencyKey?: string;
}

export interface LoadPlan {
  url: string;
  headers: Record<string, string>;
  connections: number;
  /** Run for this long (seconds), or until `amount` answers. */
  durationSeconds?: number;
  amount?: number;
  /** Requests per second over all connections; unset: as fast as the server answers. */
  rate?: number;
  /** The n-th request of the run (n from 0, shared by every connection). */
  request(n: number): PlannedRequest;
}

export interface LoadResult {
  requests: number;
  requestsPerSecond: number;
  p50Ms: number;
  p99Ms: number;
  /** Connection errors and timeouts: no answer at all. */
  errors: number;
  non2xx: number;
  peakRssMb: number;
  /**
   * The server's CPU time (every thread, user and system) per answered request, in µs: what a request costs,
   * far steadier than req/s on a machine whose cores the load generator and other work share.
   */
  serverCpuUsPerRequest: number;
  /** The status each key was answered with; keys sent but absent here got no answer. */
  answered: Map<string, number>;
  sent: Set<string>;
}

const TIMEOUT_SECONDS = 10;

/** Runs autocannon in this process against a server in another, sampling that server's RSS meanwhile. */
export async function runLoad(plan: LoadPlan, server: ProcessHandle): Promise<LoadResult> {
  const answered = new Map<string, number>();
  const sent = new Set<string>();
  let next = 0;
  // autocannon ends a run on its next one-second tick; the last answer says when the work really ended.
  const startedAt = performance.now();
  let lastAnswerAt = startedAt;
  const cpuBefore = cpuMs(server.child.pid);
  const { result, peakRssMb } = await peakRssWhile(server, () =>
    autocannon({
      url: plan.url,
      connections: plan.connections,
      ...(plan.amount === undefined ? { duration: plan.durationSeconds ?? 10 } : { amount: plan.amount }),
      ...(plan.rate === undefined ? {} : { overallRate: plan.rate }),
      timeout: TIMEOUT_SECONDS,
      requests: [
        {
          setupRequest: (request, context) => {
            const planned = plan.request(next++);
            // One request in flight per connection, so the connection's context names the answer's key.
            context.key = planned.key;
            if (planned.key !== null) sent.add(planned.key);
            // A fresh headers object each time: autocannon writes Content-Length into it.
            const { 'content-type': contentType, ...headers } = plan.headers;
            if (planned.body !== undefined && contentType !== undefined) headers['content-type'] = contentType;
            if (planned.idempotencyKey !== undefined) headers['idempotency-key'] = planned.idempotencyKey;
            return { ...request, method: planned.method, path: planned.path, headers, body: planned.body ?? '' };
          },
          onResponse: (status, _body, context) => {
            lastAnswerAt = performance.now();
            if (typeof context.key === 'string') answered.set(context.key, status);
          },
        },
      ],
    }),
  );
  return {
    requests: result.requests.total,
    requestsPerSecond: result.requests.total / Math.max(0.001, (lastAnswerAt - startedAt) / 1000),
    p50Ms: result.latency.p50,
    p99Ms: result.latency.p99,
    errors: result.errors,
    non2xx: result.non2xx,
    peakRssMb,
    serverCpuUsPerRequest: (1000 * (cpuMs(server.child.pid) - cpuBefore)) / Math.max(1, result.requests.total),
    answered,
    sent,
  };
}
