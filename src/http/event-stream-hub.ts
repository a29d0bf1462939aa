import type { EventView } from '../domain/event.js';
import type { ChangeFeed } from '../services/change-feed.js';

export interface StreamOptions {
  /** A comment line this often keeps proxies from closing a quiet stream. */
  heartbeatMs: number;
  /** Re-reads watched events this often, for changes the feed did not carry (e.g. MySQL without Redis). */
  recheckMs: number;
}

export const DEFAULT_STREAM_OPTIONS: StreamOptions = { heartbeatMs: 15_000, recheckMs: 5_000 };

interface Subscriber {
  write(chunk: string): void;
  /** The last event JSON this subscriber was sent. */
  last: string;
}

function message(event: EventView): string {
  return `event: event\ndata: ${JSON.stringify(event)}\n\n`;
}

/**
 * The live streams of this process: one read of an event per change, fanned out to all its
 * subscribers, each sent only what differs from what it saw last.
 */
export class EventStreamHub {
  private readonly watchers = new Map<string, Set<Subscriber>>();
  private readonly refreshing = new Map<string, Promise<void>>();
  private readonly stale = new Set<string>();
  private readonly unsubscribeFeed: () => void;
  private timers: NodeJS.Timeout[] = [];

  constructor(
    feed: ChangeFeed,
    private readonly load: (eventId: string) => Promise<EventView | null>,
    private readonly options: StreamOptions = DEFAULT_STREAM_OPTIONS,
  ) {
    this.unsubscribeFeed = feed.subscribe((eventId) => {
      if (this.watchers.has(eventId)) void this.refresh(eventId);
    });
  }

  get connections(): number {
    let count = 0;
    for (const subscribers of this.watchers.values()) count += subscribers.size;
    return count;
  }

  /** Sends the event now, then on every change; the returned function ends the subscription. */
  watch(event: EventView, write: (chunk: string) => void): () => void {
    const subscriber: Subscriber = { write, last: JSON.stringify(event) };
    write(message(event));
    let subscribers = this.watchers.get(event.id);
    if (!subscribers) {
      subscribers = new Set();
      this.watchers.set(event.id, subscribers);
    }
    subscribers.add(subscriber);
    this.startTimers();
    // A change may have committed between the read above and this subscription.
    void this.refresh(event.id);
    return () => {
      if (!subscribers.delete(subscriber)) return;
      if (subscribers.size === 0 && this.watchers.get(event.id) === subscribers) this.watchers.delete(event.id);
      if (this.watchers.size === 0) this.stopTimers();
    };
  }

  close(): void {
    this.unsubscribeFeed();
    this.stopTimers();
    this.watchers.clear();
  }

  /** One read at a time per event; a change arriving meanwhile triggers one more. */
  private refresh(eventId: string): Promise<void> {
    const running = this.refreshing.get(eventId);
    if (running) {
      this.stale.add(eventId);
      return running;
    }
    const reading = this.send(eventId).finally(() => {
      this.refreshing.delete(eventId);
      if (this.stale.delete(eventId)) void this.refresh(eventId);
    });
    this.refreshing.set(eventId, reading);
    return reading;
  }

  private async send(eventId: string): Promise<void> {
    let event: EventView | null;
    try {
      event = await this.load(eventId);
    } catch {
      return; // The database is away; the next change or re-check tries again.
    }
    if (!event) return;
    const json = JSON.stringify(event);
    for (const subscriber of this.watchers.get(eventId) ?? []) {
      if (subscriber.last === json) continue;
      subscriber.last = json;
      subscriber.write(message(event));
    }
  }

  private startTimers(): void {
    if (this.timers.length > 0) return;
    const heartbeat = setInterval(() => {
      for (const subscribers of this.watchers.values()) for (const subscriber of subscribers) subscriber.write(': heartbeat\n\n');
    }, this.options.heartbeatMs);
    const recheck = setInterval(() => {
      for (const eventId of this.watchers.keys()) void this.refresh(eventId);
    }, this.options.recheckMs);
    this.timers = [heartbeat, recheck];
    for (const timer of this.timers) timer.unref();
  }

  private stopTimers(): void {
    for (const timer of this.timers) clearInterval(timer);
    this.timers = [];
  }
}
