import cluster from 'node:cluster';
import type { FastifyInstance } from 'fastify';
import { AggregatorRegistry, Counter, Gauge, Registry, collectDefaultMetrics } from 'prom-client';
import type { AuditAction } from '../domain/audit.js';
import type { EventChanges } from '../domain/decide.js';
import { DomainError } from '../domain/errors.js';
import type { CommitObserver } from '../services/booking-service.js';
import { RequestMetrics } from './request-metrics.js';

export interface PoolStats {
  total: number;
  idle: number;
  waiting: number;
}

export interface MetricsSources {
  /** Live SSE connections of this process. */
  streamConnections: () => number;
  /** Booking commands accepted and not yet answered: those in a transaction and those waiting for one. */
  commandsInFlight: () => number;
  /** The longest waiting lists of open events; bounded, so the label set is too. */
  waitlists: () => Promise<Array<{ eventId: string; waitlistCount: number }>>;
  /** Tickets held by pending bookings across events. */
  heldTickets: () => Promise<number>;
  /** Connection pool of the database, where the engine has one. */
  pool: () => PoolStats | null;
}

const BOOKING_OUTCOMES: Partial<Record<AuditAction, string>> = {
  'booking.confirmed': 'confirmed',
  'booking.held': 'held',
  'booking.waitlisted': 'waitlisted',
  'booking.promoted': 'promoted',
  'booking.offered': 'offered',
  'booking.reduced': 'reduced',
  'booking.cancelled': 'cancelled',
  'booking.expired': 'expired',
  'booking.checked_in': 'checked_in',
};

export const WAITLIST_GAUGE_EVENTS = 50;

/** The IPC messages by which a worker asks the primary for the whole cluster's metrics. */
export const CLUSTER_METRICS = { request: 'boxoffice:metrics-request', answer: 'boxoffice:metrics-answer' } as const;
const CLUSTER_METRICS_WAIT_MS = 6_000;

interface ClusterMetricsAnswer {
  type: typeof CLUSTER_METRICS.answer;
  id: number;
  text?: string;
  error?: string;
}

let clusterRequests = 0;

/** Asks the primary, which gathers every worker's registry (prom-client's AggregatorRegistry). */
function clusterMetrics(): Promise<string> {
  const id = ++clusterRequests;
  return new Promise((resolve, reject) => {
    const onMessage = (message: ClusterMetricsAnswer) => {
      if (message?.type !== CLUSTER_METRICS.answer || message.id !== id) return;
      settle();
      if (message.text === undefined)
        reject(new DomainError('UNAVAILABLE', `The cluster's metrics could not be gathered: ${message.error}.`));
      else resolve(message.text);
    };
    const timer = setTimeout(() => {
      settle();
      reject(new DomainError('UNAVAILABLE', "The cluster's metrics did not arrive in time."));
    }, CLUSTER_METRICS_WAIT_MS);
    const settle = () => {
      clearTimeout(timer);
      process.off('message', onMessage);
    };
    process.on('message', onMessage);
    process.send?.({ type: CLUSTER_METRICS.request, id });
  });
}

/** Prometheus metrics of one app process, on a registry of its own. */
export class Metrics implements CommitObserver {
  readonly registry = new Registry();
  private readonly requests = new RequestMetrics(
    { requests: 'boxoffice_http_requests_total', latency: 'boxoffice_http_request_duration_seconds' },
    {
      requests: 'HTTP requests answered, by route template and status.',
      latency: 'Time from request to response, by route template and status.',
    },
    [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5],
  );
  private readonly bookings: Counter<'outcome' | 'code'>;

  constructor(sources: MetricsSources) {
    const registers = [this.registry];
    collectDefaultMetrics({ register: this.registry, prefix: 'boxoffice_' });
    if (cluster.isWorker) {
      // Answer the primary's aggregator with this registry; constructing one installs that listener.
      AggregatorRegistry.setRegistries([this.registry]);
      new AggregatorRegistry();
    }
    this.requests.registerIn(this.registry);
    this.bookings = new Counter({
      name: 'boxoffice_bookings_total',
      help: 'Booking outcomes (confirmed, held, waitlisted, promoted, offered, reduced, cancelled, expired, checked_in), or rejected with its error code.',
      labelNames: ['outcome', 'code'],
      registers,
    });
    new Gauge({
      name: 'boxoffice_waitlist_size',
      help: `Waiting-list length of the ${WAITLIST_GAUGE_EVENTS} open events with the longest lists.`,
      labelNames: ['event_id'],
      registers,
      // Every process reads the same database: across workers the value is the same, not a sum.
      aggregator: 'max',
      async collect() {
        this.reset();
        for (const { eventId, waitlistCount } of await sources.waitlists().catch(() => [])) {
          this.set({ event_id: eventId }, waitlistCount);
        }
      },
    });
    new Gauge({
      name: 'boxoffice_held_tickets',
      help: 'Tickets held by pending bookings (checkout holds and waiting-list offers) across events.',
      registers,
      async collect() {
        this.set(await sources.heldTickets().catch(() => 0));
      },
    });
    new Gauge({
      name: 'boxoffice_stream_connections',
      help: 'Open live-stream (SSE) connections of this process.',
      registers,
      collect() {
        this.set(sources.streamConnections());
      },
    });
    new Gauge({
      name: 'boxoffice_booking_commands_in_flight',
      help: 'Booking commands of this process accepted and not yet answered (in a transaction or waiting for one).',
      registers,
      collect() {
        this.set(sources.commandsInFlight());
      },
    });
    new Gauge({
      name: 'boxoffice_db_pool_connections',
      help: 'Database pool connections of this process, by state.',
      labelNames: ['state'],
      registers,
      collect() {
        const stats = sources.pool();
        if (!stats) return;
        this.set({ state: 'total' }, stats.total);
        this.set({ state: 'idle' }, stats.idle);
        this.set({ state: 'waiting' }, stats.waiting);
      },
    });
  }

  committed(changes: EventChanges): void {
    for (const entry of changes.audit) {
      const outcome = BOOKING_OUTCOMES[entry.action];
      if (outcome) this.bookings.inc({ outcome, code: '' });
    }
  }

  /** Counts requests, latencies and refused booking commands, and serves GET /metrics. */
  register(app: FastifyInstance): void {
    app.addHook('onResponse', (request, reply, done) => {
      this.requests.observe(request.method, request.routeOptions.url ?? 'unmatched', reply.statusCode, reply.elapsedTime / 1000);
      done();
    });
    app.addHook('onError', async (request, _reply, error) => {
      if (request.routeOptions.config.bookingCommand && error instanceof DomainError) {
        this.bookings.inc({ outcome: 'rejected', code: error.code });
      }
    });
    // With WORKERS > 1 one scrape describes the whole server, not whichever worker took the connection.
    app.get('/metrics', { config: { rateLimit: false }, schema: { hide: true } }, async (_request, reply) =>
      reply.type(this.registry.contentType).send(cluster.isWorker ? await clusterMetrics() : await this.registry.metrics()),
    );
  }
}
