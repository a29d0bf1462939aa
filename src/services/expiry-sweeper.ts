import type { BookingService } from './booking-service.js';

export interface SweeperOptions {
  /** How often to look for lapsed holds and offers; well under the 5 s the spec allows. */
  intervalMs: number;
  /** Events handled per look; the rest wait for the next one. */
  eventsPerSweep: number;
  onError(error: unknown): void;
}

const MAX_ROUNDS = 100;

export const DEFAULT_SWEEPER: Omit<SweeperOptions, 'onError'> = { intervalMs: 1_000, eventsPerSweep: 100 };

/**
 * Lapses pending bookings whose deadline passed, with no request needed. It only finds events with
 * something due and sends each an `expire` command through the same batcher as every other command;
 * the decision re-checks every deadline under the event's lock, so any number of processes sweeping
 * at once expire each booking exactly once.
 */
export class ExpirySweeper {
  private timer: NodeJS.Timeout | null = null;
  private running: Promise<number> | null = null;

  constructor(
    private readonly service: BookingService,
    private readonly options: SweeperOptions,
  ) {}

  /** Sweeps at once (what lapsed while the server was down) and then every interval. */
  start(): void {
    if (this.timer) return;
    void this.sweep();
    this.timer = setInterval(() => void this.sweep(), this.options.intervalMs);
    this.timer.unref();
  }

  /** Waits for a sweep under way to end. */
  async stop(): Promise<void> {
    if (this.timer) clearInterval(this.timer);
    this.timer = null;
    await this.running;
  }

  /** One look: how many events had something due. A sweep still running is joined, not doubled. */
  sweep(): Promise<number> {
    this.running ??= this.sweepOnce().finally(() => {
      this.running = null;
    });
    return this.running;
  }

  private async sweepOnce(): Promise<number> {
    const swept = new Set<string>();
    try {
      // A storm lapses a chunk a transaction: look again until nothing is due, within this sweep's rounds.
      for (let round = 0; round < MAX_ROUNDS; round++) {
        const eventIds = await this.service.eventsWithLapsed(this.options.eventsPerSweep);
        if (eventIds.length === 0) break;
        const results = await Promise.allSettled(eventIds.map((eventId) => this.service.expireDue(eventId)));
        const failures = results.flatMap((result) => (result.status === 'rejected' ? [result.reason as unknown] : []));
        for (const failure of failures) this.options.onError(failure);
        for (const eventId of eventIds) swept.add(eventId);
        if (failures.length > 0) break;
      }
    } catch (error) {
      this.options.onError(error);
    }
    return swept.size;
  }
}
