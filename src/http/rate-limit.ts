import rateLimit from '@fastify/rate-limit';
import type { FastifyInstance, FastifyRequest } from 'fastify';
import type { Redis } from 'ioredis';
import { HttpRefusal } from './errors.js';

export interface RateLimitOptions {
  max: number;
  windowMs: number;
  /** Shared counters for every app process; without it each process counts on its own. */
  redis?: Redis | null;
}

/** One budget per client: the signed-in user, the admin, or else the IP address. */
function clientKey(request: FastifyRequest): string {
  const caller = request.caller;
  if (caller?.kind === 'user') return `user:${caller.userId}`;
  if (caller?.kind === 'admin') return 'admin';
  return `ip:${request.ip}`;
}

export async function registerRateLimit(app: FastifyInstance, options: RateLimitOptions): Promise<void> {
  await app.register(rateLimit, {
    global: true,
    max: options.max,
    timeWindow: options.windowMs,
    keyGenerator: clientKey,
    enableDraftSpec: true,
    nameSpace: 'boxoffice-rate:',
    ...(options.redis ? { redis: options.redis, skipOnError: true } : {}),
    errorResponseBuilder: (_request, context) => new HttpRefusal('RATE_LIMITED', `Too many requests; try again in ${context.after}.`),
  });
}
