import type { Redis } from 'ioredis';
import { type ChangeFeed, LocalChangeFeed } from '../services/change-feed.js';
import { redisClient } from './redis-client.js';

const CHANNEL = 'boxoffice:event-changes';

/** Changes shared by every app process through Redis pub/sub (any database engine). */
export class RedisChangeFeed implements ChangeFeed {
  private readonly local = new LocalChangeFeed();
  private readonly publisher: Redis;
  private readonly subscriber: Redis;

  constructor(url: string) {
    this.publisher = redisClient(url, { maxRetriesPerRequest: 1, enableOfflineQueue: false });
    this.subscriber = redisClient(url);
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
