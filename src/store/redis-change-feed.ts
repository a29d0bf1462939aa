import { createRequire } from 'node:module';
import type * as IORedis from 'ioredis';
import type { Redis } from 'ioredis';
import { type ChangeFeed, LocalChangeFeed } from '../services/change-feed.js';

const CHANNEL = 'boxoffice:event-changes';
// Loaded when the feed starts (REDIS_URL is set): a server without Redis never holds the client in memory.
const require = createRequire(import.meta.url);

/** Changes shared by every app process through Redis pub/sub (any database engine). */
export class RedisChangeFeed implements ChangeFeed {
  private readonly local = new LocalChangeFeed();
  private readonly publisher: Redis;
  private readonly subscriber: Redis;

  constructor(url: string) {
    const { Redis } = require('ioredis') as typeof IORedis;
    this.publisher = new Redis(url, { maxRetriesPerRequest: 1, enableOfflineQueue: false });
    this.subscriber = new Redis(url);
    for (const connection of [this.publisher, this.subscriber]) connection.on('error', () => {});
    this.subscriber.on('message', (channel: string, eventId: string) => {
      if (channel === CHANNEL) this.local.deliver(eventId);
    });
    void this.subscriber.subscribe(CHANNEL).catch(() => {});
  }

  publish(eventId: string): void {
    this.local.publish(eventId);
    this.publisher.publish(CHANNEL, eventId).catch(() => {});
  }

  subscribe(listener: (eventId: string) => void): () => void {
    return this.local.subscribe(listener);
  }

  async close(): Promise<void> {
    this.subscriber.disconnect();
    this.publisher.disconnect();
    await this.local.close();
  }
}
