import type { FastifyServerOptions } from 'fastify';
import type { Config } from './config.js';

/** Logger and socket limits of the real server: slow or oversized clients are cut off, secrets never logged. */
export function serverOptions(config: Pick<Config, 'logLevel'>): FastifyServerOptions {
  return {
    logger: {
      level: config.logLevel,
      redact: ['req.headers.authorization', 'req.headers.cookie'],
    },
    connectionTimeout: 60_000,
    requestTimeout: 30_000,
    keepAliveTimeout: 5_000,
    http: { headersTimeout: 10_000, maxHeaderSize: 16 * 1024 },
  } as FastifyServerOptions;
}
