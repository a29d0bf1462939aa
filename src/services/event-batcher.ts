import { DomainError } from '../domain/errors.js';

export interface BatchLimits {
  /** Commands decided and written in one transaction at most; 1 gives one transaction per command. */
  maxSize: number;
  /** Commands accepted and not yet answered in this process at most; beyond it, UNAVAILABLE. */
  maxQueue: number;
}

/** BATCH_MAX_SIZE and BATCH_MAX_QUEUE when unset. */
export const DEFAULT_BATCH_LIMITS: BatchLimits = { maxSize: 256, maxQueue: 10_000 };

/** Decides and writes commands against one event in one transaction: one outcome per command, in order. */
export type RunEventBatch<Command, Outcome> = (eventId: string, commands: readonly Command[]) => Promise<Outcome[]>;

interface Waiter<Command, Outcome> {
  command: Command;
  resolve(outcome: Outcome): void;
  reject(error: unknown): void;
}

/** The commands of one event waiting for its next transaction; present while a batch of that event runs. */
interface EventLane<Command, Outcome> {
  waiting: Waiter<Command, Outcome>[];
}

/**
 * Group commit: commands for the same event that arrive while one of its transactions runs wait and go
 * together into the next one, up to `maxSize`. An idle event starts at the end of the current event-loop
 * turn, so simultaneous arrivals share the first transaction without any timer. Nobody is answered before
 * their batch's transaction has committed.
 */
export class EventBatcher<Command, Outcome> {
  private readonly lanes = new Map<string, EventLane<Command, Outcome>>();
  private unanswered = 0;

  constructor(
    private readonly runBatch: RunEventBatch<Command, Outcome>,
    private readonly limits: BatchLimits,
  ) {
    if (!(limits.maxSize >= 1 && limits.maxQueue >= 1)) throw new RangeError('batch limits must be at least 1');
  }

  /** Commands accepted and not yet answered. */
  get inFlight(): number {
    return this.unanswered;
  }

  /** Events with a transaction running or commands waiting. */
  get busyEvents(): number {
    return this.lanes.size;
  }

  submit(eventId: string, command: Command): Promise<Outcome> {
    if (this.unanswered >= this.limits.maxQueue) {
      return Promise.reject(new DomainError('UNAVAILABLE', 'Too many requests are waiting for the database right now; try again shortly.'));
    }
    this.unanswered += 1;
    return new Promise<Outcome>((resolve, reject) => {
      const waiter: Waiter<Command, Outcome> = {
        command,
        resolve: (outcome) => {
          this.unanswered -= 1;
          resolve(outcome);
        },
        reject: (error) => {
          this.unanswered -= 1;
          reject(error);
        },
      };
      const lane = this.lanes.get(eventId);
      if (lane) {
        lane.waiting.push(waiter);
        return;
      }
      const started: EventLane<Command, Outcome> = { waiting: [waiter] };
      this.lanes.set(eventId, started);
      setImmediate(() => void this.drain(eventId, started));
    });
  }

  /** Runs the event's batches one after another until nobody waits, then forgets the event. */
  private async drain(eventId: string, lane: EventLane<Command, Outcome>): Promise<void> {
    while (lane.waiting.length > 0) {
      const batch = lane.waiting.splice(0, this.limits.maxSize);
      await this.settle(eventId, batch);
    }
    this.lanes.delete(eventId);
  }

  private async settle(eventId: string, batch: Waiter<Command, Outcome>[]): Promise<void> {
    let outcomes: Outcome[];
    try {
      outcomes = await this.runBatch(
        eventId,
        batch.map((waiter) => waiter.command),
      );
    } catch (error) {
      // An expected failure (the database is out of reach) concerns everyone; anything else may be one
      // command's fault, so each runs alone and only the culprit fails.
      if (batch.length === 1 || error instanceof DomainError) {
        for (const waiter of batch) waiter.reject(error);
        return;
      }
      for (const waiter of batch) await this.settle(eventId, [waiter]);
      return;
    }
    if (outcomes.length !== batch.length) {
      const mismatch = new Error(`a batch of ${batch.length} commands got ${outcomes.length} outcomes`);
      for (const waiter of batch) waiter.reject(mismatch);
      return;
    }
    batch.forEach((waiter, index) => waiter.resolve(outcomes[index] as Outcome));
  }
}
