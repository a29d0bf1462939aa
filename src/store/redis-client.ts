import { createRequire } from 'node:module';
import type * as IORedis from 'ioredis';
import type { Redis, RedisOptions } from 'ioredis';

// Loaded on the first client (REDIS_URL is set): a server without Redis never holds ioredis in memory.
const require = createRequire(import.meta.url);

/** A new ioredis client for `url`. */
export function redisClient(url: string, options: RedisOptions = {}): Redis {
  const { Redis: Client } = require('ioredis') as typeof IORedis;
  return new Client(url, options);
}
