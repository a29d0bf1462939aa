import { DomainError } from '../domain/errors.js';

export interface BatchLimits {
  /** Commands decided and written in one transaction at most; 1 gives one transaction per command. */
  maxSize: number;
  /** Commands accepted and not yet answered in this process at most; beyond it, UNAVAILABLE. */
  maxQueue: number;
}

/** BATCH_MAX_SIZE and BATCH_MAX_QUEUE when unset. */
export const DEFAULT_BATCH_LIMITS: BatchLimits = { maxSize: 256, maxQueue: 10_000 };

/** The commands of one event that go into a transaction, in arrival order. */
export interface EventBatch<Command> {
  eventId: string;
  commands: readonly Command[];
}

/**
 * Decides and writes the batches of one or more events in one transaction: for each batch, one outcome
 * per command, in order.
 */
export type RunEventBatches<Command, Outcome> = (batches: readonly EventBatch<Command>[]) => Promise<Outcome[][]>;

interface Waiter<Command, Outcome> {
  command: Command;
  resolve(outcome: Outcome): void;
  reject(error: unknown): void;
}

interface Taken<Command, Outcome> {
  eventId: string;
  waiters: Waiter<Command, Outcome>[];
}

/**
 * Group commit: commands that arrive while transactions run wait and go together into the next one, up to
 * `maxSize`, and one transaction carries the commands of every waiting event (a bookings spread over a
 * hundred events costs one commit, not a hundred). An event is in at most one transaction at a time, so its
 * commands are decided in arrival order; at most `transactions` run at once. Idle, the first arrival starts
 * at the end of the current event-loop turn, so simultaneous arrivals share the first transaction without
 * any timer. Nobody is answered before their transaction has committed.
 */
export class EventBatcher<Command, Outcome> {
  /** Waiting commands by event; an event goes to the back once it had a turn, so a busy one starves none. */
  private readonly waiting = new Map<string, Waiter<Command, Outcome>[]>();
  /** Events whose commands are in a transaction now. */
  private readonly running = new Set<string>();
  private runningTransactions = 0;
  private startScheduled = false;
  private unanswered = 0;
  /** Callers of drain() waiting for every accepted command to be answered. */
  private drained: (() => void)[] = [];

  constructor(
    private readonly runBatches: RunEventBatches<Command, Outcome>,
    private readonly limits: BatchLimits,
    private readonly transactions = 1,
  ) {
    if (!(limits.maxSize >= 1 && limits.maxQueue >= 1 && transactions >= 1)) throw new RangeError('batch limits must be at least 1');
  }

  /** Commands accepted and not yet answered. */
  get inFlight(): number {
    return this.unanswered;
  }

  /** Events with a transaction running or commands waiting. */
  get busyEvents(): number {
    return new Set([...this.waiting.keys(), ...this.running]).size;
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
          this.answered();
          resolve(outcome);
        },
        reject: (error) => {
          this.answered();
          reject(error);
        },
      };
      const queue = this.waiting.get(eventId);
      if (queue) queue.push(waiter);
      else this.waiting.set(eventId, [waiter]);
      if (!this.startScheduled && this.runningTransactions < this.transactions) {
        this.startScheduled = true;
        setImmediate(() => {
          this.startScheduled = false;
          this.startTransactions();
        });
      }
    });
  }

  /**
   * Resolves as soon as no accepted command waits for its answer. A shutdown, which accepts nothing new,
   * waits for it before it closes the database: a batch whose callers hung up still commits or rolls back
   * whole, rather than failing command by command on a closed pool.
   */
  drain(): Promise<void> {
    if (this.unanswered === 0) return Promise.resolve();
    return new Promise<void>((resolve) => this.drained.push(resolve));
  }

  private answered(): void {
    this.unanswered -= 1;
    if (this.unanswered === 0) for (const resolve of this.drained.splice(0)) resolve();
  }

  /** Starts transactions while a slot is free and an event that is not in one has commands waiting. */
  private startTransactions(): void {
    while (this.runningTransactions < this.transactions) {
      const taken = this.take();
      if (taken.length === 0) return;
      this.runningTransactions += 1;
      for (const { eventId } of taken) this.running.add(eventId);
      void this.settle(taken).finally(() => {
        this.runningTransactions -= 1;
        for (const { eventId } of taken) this.running.delete(eventId);
        this.startTransactions();
      });
    }
  }

  /** The next transaction's batches: waiting events not in a transaction, longest waiting first, up to maxSize commands. */
  private take(): Taken<Command, Outcome>[] {
    const taken: Taken<Command, Outcome>[] = [];
    let room = this.limits.maxSize;
    for (const [eventId, queue] of [...this.waiting]) {
      if (room === 0) break;
      if (this.running.has(eventId)) continue;
      const waiters = queue.splice(0, room);
      room -= waiters.length;
      taken.push({ eventId, waiters });
      this.waiting.delete(eventId);
      if (queue.length > 0) this.waiting.set(eventId, queue);
    }
    return taken;
  }

  private async settle(taken: readonly Taken<Command, Outcome>[]): Promise<void> {
    let outcomes: Outcome[][];
    try {
      outcomes = await this.runBatches(
        taken.map(({ eventId, waiters }) => ({ eventId, commands: waiters.map((waiter) => waiter.command) })),
      );
    } catch (error) {
      const everyone = taken.flatMap(({ waiters }) => waiters);
      // An expected failure (the database is out of reach) concerns everyone; anything else may be one
      // command's fault, so each runs alone and only the culprit fails.
      if (everyone.length === 1 || error instanceof DomainError) {
        for (const waiter of everyone) waiter.reject(error);
        return;
      }
      for (const { eventId, waiters } of taken) {
        for (const waiter of waiters) await this.settle([{ eventId, waiters: [waiter] }]);
      }
      return;
    }
    taken.forEach(({ waiters }, index) => {
      const answers = outcomes[index];
      if (answers?.length !== waiters.length) {
        const mismatch = new Error(`a batch of ${waiters.length} commands got ${answers?.length ?? 0} outcomes`);
        for (const waiter of waiters) waiter.reject(mismatch);
        return;
      }
      waiters.forEach((waiter, position) => waiter.resolve(answers[position] as Outcome));
    });
  }
}
