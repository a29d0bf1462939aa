import type { FastifyServerOptions } from 'fastify';
import type { Config } from './config.js';

/** How long the real server waits for slow clients; the slow-client tests read their deadlines from here. */
export const SERVER_TIMEOUTS = {
  /** The whole header block must arrive within this: a client dribbling headers (slowloris) is cut off. */
  headersMs: 5_000,
  /** The whole request, body included, must arrive within this; bodies are at most 16 KiB. */
  requestMs: 10_000,
  /** A socket with no traffic either way is closed; event streams send a heartbeat well within it. */
  idleSocketMs: 60_000,
  /** An idle keep-alive connection between requests is closed after this. */
  keepAliveMs: 5_000,
  /** How often Node looks for connections past the header and request limits; the default 30 s would let them linger. */
  checkIntervalMs: 1_000,
} as const;

/** A header block larger than this is answered 431 and the connection closed. */
export const MAX_HEADER_BYTES = 16 * 1024;

/** Logger and socket limits of the real server: slow or oversized clients are cut off, secrets never logged. */
export function serverOptions(config: Pick<Config, 'logLevel'>): FastifyServerOptions {
  return {
    logger: {
      level: config.logLevel,
      redact: ['req.headers.authorization', 'req.headers.cookie'],
    },
    connectionTimeout: SERVER_TIMEOUTS.idleSocketMs,
    requestTimeout: SERVER_TIMEOUTS.requestMs,
    keepAliveTimeout: SERVER_TIMEOUTS.keepAliveMs,
    http: {
      headersTimeout: SERVER_TIMEOUTS.headersMs,
      connectionsCheckingInterval: SERVER_TIMEOUTS.checkIntervalMs,
      maxHeaderSize: MAX_HEADER_BYTES,
    },
  } as FastifyServerOptions;
}
