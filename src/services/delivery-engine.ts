import { randomBytes } from 'node:crypto';
import { hostname } from 'node:os';
import { EMAIL_PATTERN } from '../domain/limits.js';
import { type AnnouncedEntry, type WebhookWithSecret, wantsAction, webhookMessageId, webhookPayload } from '../domain/webhook.js';
import { type BookingMail, MAIL_ACTIONS, bookingMail, bookingMessageId } from './booking-mail.js';
import type { ChangeFeed } from './change-feed.js';
import { type Clock, isoAt, systemClock } from './clock.js';
import type { AttemptOutcome, ClaimedDelivery, DeliveryStore, HandOutRule, HandOutWindow, SettledAttempt } from './delivery-ports.js';
import type { AttemptResult, SignedMessage } from './webhook-sender.js';

export const MAIL_CHANNEL = 'mail';
const WEBHOOK_CHANNEL_PREFIX = 'webhook:';

export function webhookChannel(webhookId: string): string {
  return `${WEBHOOK_CHANNEL_PREFIX}${webhookId}`;
}

/** The first retry comes within this; each later one waits twice as long, up to MAX_BACKOFF_MS, less up to half as jitter. */
const FIRST_RETRY_MS = 5_000;
const MAX_BACKOFF_MS = 3_600_000;
/** A lease outlives the attempt's timeout by this much: time to load the entry before sending. */
const LEASE_MARGIN_MS = 5_000;
/** An attempt that cannot finish this long before its lease runs out is not started (clocks of processes differ a little). */
const LEASE_SAFETY_MS = 1_000;
/**
 * A seq the cursor passed unseen is looked for this long before it is taken for a rolled-back
 * transaction; no Boxoffice transaction stays open anywhere near it (statements time out in seconds).
 */
const GAP_GRACE_MS = 10 * 60_000;
const HAND_OUT_BATCH = 500;
/**
 * Deliveries a process holds claimed at once, started or waiting for one of the `concurrency` slots: a
 * round records the finished ones and claims the next ones together, so the database sees one short
 * transaction per batch rather than one per delivery.
 */
const CLAIM_BATCH = 256;
/**
 * While bookings commit (the feed reported one within BUSY_WINDOW_MS), at most this many attempts run at
 * once, commits call for a round at most every BUSY_WINDOW_MS, and entries are handed out only as the
 * claimed ones run low. The HTTP exchange runs on a thread of its own at the lowest OS priority, but a
 * delivery still costs the machine about what its booking does (this thread's records, the database's
 * work, the receiver when it shares the machine): 32 let the deliveries follow about half a second behind
 * a rush on two shared cores; 64 cost more of the bookings, 4 left them seconds behind (measured:
 * docs/benchmarks.md, webhooks).
 */
const BUSY_CONCURRENCY = 32;
const BUSY_WINDOW_MS = 100;
const EMAIL = new RegExp(EMAIL_PATTERN);

/** A claimed delivery with its entry, and when its lease runs out. */
interface Claim {
  delivery: ClaimedDelivery;
  entry: AnnouncedEntry | null;
  leaseUntil: number;
}

export interface WebhookPoster {
  post(message: SignedMessage): Promise<AttemptResult>;
}

export interface Mailer {
  send(to: string, mail: BookingMail, messageId: string): Promise<AttemptResult>;
}

export interface DeliveryEngineOptions {
  /** WEBHOOK_TIMEOUT: an attempt that has no 2xx by then failed. */
  timeoutMs: number;
  /** WEBHOOK_RETRY_FOR: after this long since the entry was handed out, a failing delivery is marked failed. */
  retryForMs: number;
  /** Attempts running at once in this process. */
  concurrency?: number;
  /** Attempts running at once while bookings are being made; BUSY_CONCURRENCY unless set. */
  busyConcurrency?: number;
  /** Deliveries claimed at once (started or waiting for a slot); at least `concurrency`. */
  claimBatch?: number;
  /** How often to look for new entries and due retries when nothing wakes the engine. */
  pollMs?: number;
  /** E-mail to bookers; null when SMTP_URL / MAIL_FROM are not set. */
  mail?: { mailer: Mailer; publicUrl: string; domain: string } | null;
  clock?: Clock;
  /** In [0, 1): the jitter of the back-off. */
  random?: () => number;
  log?: { warn(object: object, message: string): void };
}

/** When the next attempt is due after `attempt` failed at `at`, or null once retrying is over. */
export function nextAttemptAt(attempt: number, at: number, handedOutAt: number, retryForMs: number, random: () => number): number | null {
  const backoff = Math.min(MAX_BACKOFF_MS, FIRST_RETRY_MS * 2 ** Math.min(attempt - 1, 30));
  const next = at + Math.round(backoff * (1 - random() / 2));
  return next <= handedOutAt + retryForMs ? next : null;
}

/**
 * Delivers the audit log (the outbox) to webhooks and bookers' mailboxes. Every app process runs one:
 * progress, claims and leases live in the database, so any number of them deliver each entry at least
 * once and never run the same attempt twice at once. It works on connections of its own and a bounded
 * number of attempts, fewer while bookings are being made, so a slow receiver or a backlog never takes
 * anything from bookings.
 */
export class DeliveryEngine {
  private readonly owner = `${hostname()}:${process.pid}:${randomBytes(4).toString('hex')}`;
  private readonly clock: Clock;
  private readonly random: () => number;
  private readonly concurrency: number;
  private readonly claimBatch: number;
  private readonly pollMs: number;
  private readonly inFlight = new Set<Promise<void>>();
  /** Claimed deliveries waiting for a free slot, their entries loaded. */
  private readonly queue: Claim[] = [];
  /** Finished attempts waiting to be recorded with the next round, with the end of their lease. */
  private readonly settled: Array<SettledAttempt & { leaseUntil: number }> = [];
  /** Claims that were never started, to give back with the next round. */
  private readonly released: ClaimedDelivery[] = [];
  /** Channels whose receiver was unreachable at their last failure here, since their last delivery. */
  private readonly unreachable = new Set<string>();
  /** Channels that delivered again since: their pending retries are made due with the next round. */
  private readonly recovered = new Set<string>();
  /** How many a round may hold: down to `concurrency` when queued claims could not start in time, back up when they do. */
  private holdLimit: number;
  private batchReleased = false;
  /** When the feed last reported a commit. */
  private lastCommitAt = Number.NEGATIVE_INFINITY;
  private webhooks = new Map<string, WebhookWithSecret>();
  private mailChannelOpen = false;
  private running = false;
  private stopping = false;
  private passing: Promise<void> | null = null;
  private handOutWanted = false;
  private again = false;
  private timer: NodeJS.Timeout | null = null;
  /** A round that commits asked for while bookings are being made, BUSY_WINDOW_MS later. */
  private deferred: NodeJS.Timeout | null = null;
  private unsubscribe: (() => void) | null = null;

  constructor(
    private readonly store: DeliveryStore,
    private readonly poster: WebhookPoster,
    private readonly options: DeliveryEngineOptions,
  ) {
    this.clock = options.clock ?? systemClock;
    this.random = options.random ?? Math.random;
    this.concurrency = options.concurrency ?? 16;
    this.claimBatch = Math.max(this.concurrency, options.claimBatch ?? CLAIM_BATCH);
    this.holdLimit = this.claimBatch;
    this.pollMs = options.pollMs ?? 500;
  }

  /** Delivers in the background: on every commit the feed reports, and every pollMs. */
  start(feed: ChangeFeed | null): void {
    if (this.running) return;
    this.running = true;
    this.stopping = false;
    this.unsubscribe =
      feed?.subscribe(() => {
        this.lastCommitAt = this.clock();
        this.wake(true);
      }) ?? null;
    this.timer = setInterval(() => this.wake(true), this.pollMs);
    this.timer.unref();
    this.wake(true);
  }

  /** Stops taking work; waits up to `graceMs` for attempts in flight (a lease left behind expires and another process retries). */
  async stop(graceMs = 5_000): Promise<void> {
    this.running = false;
    this.stopping = true;
    if (this.timer) clearInterval(this.timer);
    if (this.deferred) clearTimeout(this.deferred);
    this.deferred = null;
    this.unsubscribe?.();
    // Claims not started yet go back at once, for another process to take.
    this.released.push(...this.queue.splice(0).map((claim) => claim.delivery));
    const finished = Promise.all([this.passing, ...this.inFlight]).then(() => undefined);
    let timer: NodeJS.Timeout | undefined;
    await Promise.race([finished, new Promise<void>((resolve) => (timer = setTimeout(resolve, graceMs)))]);
    clearTimeout(timer);
    await this.round(0).catch((error: unknown) => this.options.log?.warn({ err: error }, 'could not record delivery attempts'));
    this.stopping = false;
  }

  /** One full round, waited for: hands out every new entry and makes every attempt due now (tests drive time with it). */
  async runOnce(): Promise<void> {
    for (;;) {
      const handedOut = await this.handOutAll();
      const claimed = await this.round(this.held() - this.inFlight.size - this.queue.length);
      while (this.inFlight.size > 0) await Promise.all([...this.inFlight]);
      if (claimed === 0 && !handedOut && !this.hasRecords()) return;
    }
  }

  /** Attempts that may run at once now: fewer while bookings are being made. */
  private slots(): number {
    return this.busy() ? Math.min(this.options.busyConcurrency ?? BUSY_CONCURRENCY, this.concurrency) : this.concurrency;
  }

  private busy(): boolean {
    return this.clock() - this.lastCommitAt < BUSY_WINDOW_MS;
  }

  /** Deliveries to hold claimed now: as many batches of `slots()` as `claimBatch` holds of `concurrency`. */
  private held(): number {
    return Math.min(this.holdLimit, Math.ceil((this.slots() * this.claimBatch) / this.concurrency));
  }

  /** Claimed deliveries left (waiting or running) at which the next batch is claimed. */
  private refillAt(): number {
    return Math.floor(this.held() / 2);
  }

  /**
   * Some webhook was active at the last hand-out, or e-mail is on: without either nothing can be due (a
   * webhook's deletion drops its deliveries), and the rounds a booking rush asks for are skipped.
   */
  private hasChannels(): boolean {
    return this.webhooks.size > 0 || this.options.mail != null;
  }

  private hasRecords(): boolean {
    return this.settled.length > 0 || this.released.length > 0 || this.recovered.size > 0;
  }

  /** Some finished attempt's lease ends within LEASE_MARGIN_MS: record it before anything long. */
  private leaseEndsSoon(): boolean {
    const soon = this.clock() + LEASE_MARGIN_MS;
    return this.settled.some((attempt) => attempt.leaseUntil <= soon);
  }

  private wake(handOut: boolean): void {
    if (!this.running) return;
    this.handOutWanted ||= handOut;
    // While bookings are being made, new entries are looked for at most every BUSY_WINDOW_MS, not per commit;
    // finished attempts (handOut false) still call for the next batch at once.
    if (handOut && this.busy()) {
      this.deferred ??= setTimeout(() => {
        this.deferred = null;
        this.pass();
      }, BUSY_WINDOW_MS);
      return;
    }
    this.pass();
  }

  private pass(): void {
    if (!this.running) return;
    if (this.passing) {
      this.again = true;
      return;
    }
    this.passing = (async () => {
      do {
        this.again = false;
        try {
          // The bookings may have stopped since the last attempt ended: use the slots that freed up.
          this.startQueued();
          // While bookings are made, only hand out what is about to be claimed.
          if (this.handOutWanted && (!this.busy() || this.queue.length + this.inFlight.size <= this.refillAt())) {
            if (this.leaseEndsSoon()) await this.round(0);
            this.handOutWanted = false;
            // A full batch means more is waiting: look again straight away, or once the claimed ones run low.
            if (await this.handOutAll()) {
              this.handOutWanted = true;
              this.again ||= !this.busy();
            }
          }
          // The next batch is claimed once half the last one is done; meanwhile only what cannot wait is recorded.
          if (this.queue.length + this.inFlight.size <= this.refillAt()) {
            const room = this.held() - this.inFlight.size - this.queue.length;
            if ((await this.round(room)) >= room && room > 0) this.again = true;
          } else if (this.leaseEndsSoon() || this.settled.length >= this.claimBatch) {
            await this.round(0);
          }
        } catch (error) {
          this.options.log?.warn({ err: error }, 'delivery round failed; trying again shortly');
        }
      } while (this.again && this.running);
    })().finally(() => {
      this.passing = null;
    });
  }

  /**
   * True when some channel had a full batch (more entries are waiting). New deliveries are claimed as they
   * are handed out, as many as this process may hold, and start at once.
   */
  private async handOutAll(): Promise<boolean> {
    const now = this.clock();
    const limit = this.busy() ? this.held() : HAND_OUT_BATCH;
    const leaseUntil = now + this.options.timeoutMs + LEASE_MARGIN_MS;
    let room = this.held() - this.inFlight.size - this.queue.length;
    const windowFor = (): HandOutWindow => ({
      now: isoAt(now),
      gapsSeenBefore: isoAt(now - GAP_GRACE_MS),
      limit,
      ...(room > 0 && !this.stopping ? { claim: { owner: this.owner, leaseUntil: isoAt(leaseUntil), limit: room } } : {}),
    });
    const handOut = async (channelId: string, rule: HandOutRule): Promise<boolean> => {
      const { read, claimed } = await this.store.handOut(channelId, rule, windowFor());
      room -= claimed.length;
      for (const { delivery, entry } of claimed) this.queue.push({ delivery, entry, leaseUntil });
      this.startQueued();
      return read >= limit;
    };
    const webhooks = await this.store.activeWebhooks();
    this.webhooks = new Map(webhooks.map((webhook) => [webhook.id, webhook]));
    let full = false;
    for (const webhook of webhooks) {
      full =
        (await handOut(webhookChannel(webhook.id), (entry) => (wantsAction(webhook, entry.action) ? { recipient: null } : null))) || full;
    }
    if (this.options.mail) {
      if (!this.mailChannelOpen) {
        await this.store.openChannel(MAIL_CHANNEL, isoAt(now));
        this.mailChannelOpen = true;
      }
      const rule: HandOutRule = (entry) =>
        (MAIL_ACTIONS as readonly string[]).includes(entry.action) && entry.userId !== null && EMAIL.test(entry.userId)
          ? { recipient: entry.userId }
          : null;
      full = (await handOut(MAIL_CHANNEL, rule)) || full;
    }
    return full;
  }

  /**
   * One short transaction: records the finished attempts, gives back claims never started, makes the
   * retries of recovered channels due, and claims up to `limit` due deliveries, which then start as
   * slots free up. Returns how many it claimed.
   */
  private async round(limit: number): Promise<number> {
    if (!this.hasRecords() && (limit <= 0 || !this.hasChannels())) return 0;
    const settled = this.settled.splice(0);
    const released = this.released.splice(0);
    const recovered = [...this.recovered];
    this.recovered.clear();
    const now = this.clock();
    const leaseUntil = now + this.options.timeoutMs + LEASE_MARGIN_MS;
    let claimed: ClaimedDelivery[];
    try {
      claimed = await this.store.settleAndClaim({ settled, released, recovered }, this.owner, {
        now: isoAt(now),
        leaseUntil: isoAt(leaseUntil),
        limit: Math.max(0, limit),
      });
    } catch (error) {
      // Lost a race (deadlock) or the database is away: record them with the next round. Should that come
      // after their leases ran out, the fenced update leaves them be and another process repeats them.
      this.settled.unshift(...settled);
      this.released.unshift(...released);
      for (const channelId of recovered) this.recovered.add(channelId);
      this.options.log?.warn({ err: error, attempts: settled.length }, 'could not record delivery attempts; trying again');
      return 0;
    }
    if (claimed.length === 0) return 0;
    const entries = await this.store.announced(claimed.map((delivery) => delivery.seq)).catch(() => null);
    // Every claim since the last round started in time: attempts are quick again, hold more.
    if (!this.batchReleased) this.holdLimit = Math.min(this.claimBatch, this.holdLimit * 2);
    this.batchReleased = false;
    for (const delivery of claimed) this.queue.push({ delivery, entry: entries?.get(delivery.seq) ?? null, leaseUntil });
    this.startQueued();
    return claimed.length;
  }

  /** Starts queued claims while slots are free; one that could no longer finish within its lease is given back. */
  private startQueued(): void {
    while (this.inFlight.size < this.slots() && this.queue.length > 0) {
      const claim = this.queue.shift() as Claim;
      if (this.stopping || this.clock() + this.options.timeoutMs > claim.leaseUntil - LEASE_SAFETY_MS) {
        this.release(claim.delivery);
        continue;
      }
      const attempt = this.attempt(claim).finally(() => this.finished(attempt));
      this.inFlight.add(attempt);
    }
  }

  private release(delivery: ClaimedDelivery): void {
    this.released.push(delivery);
    // Attempts are slow right now: claim no more than can start at once until they are fast again.
    this.batchReleased = true;
    this.holdLimit = this.concurrency;
  }

  private finished(attempt: Promise<void>): void {
    this.inFlight.delete(attempt);
    this.startQueued();
    // Half the batch is done (or all of it): record it and claim the next one. Once per batch, not per attempt.
    const left = this.queue.length + this.inFlight.size;
    if (left === 0 || left === this.refillAt()) {
      this.wake(false);
    }
  }

  private async attempt({ delivery, entry, leaseUntil }: Claim): Promise<void> {
    const started = this.clock();
    let result: AttemptResult | 'dropped' | 'abandoned';
    try {
      result = await this.send(delivery, entry, leaseUntil);
    } catch (error) {
      result = {
        delivered: false,
        statusCode: null,
        error: `could not send: ${error instanceof Error ? error.message : String(error)}`,
        unreachable: false,
      };
    }
    // The lease would run out mid-attempt: nothing was sent, so the claim goes back.
    if (result === 'abandoned') return this.release(delivery);
    const at = this.clock();
    if (result !== 'dropped') this.noteReachability(delivery.channelId, result);
    this.settled.push({
      delivery,
      leaseUntil,
      outcome:
        result === 'dropped'
          ? { state: 'dropped', statusCode: null, error: null, durationMs: 0, at: isoAt(at), nextAttemptAt: null }
          : this.outcomeOf(delivery, result, started, at),
    });
  }

  /** A receiver that answers again after being unreachable gets its pending retries at once, not after their back-off. */
  private noteReachability(channelId: string, result: AttemptResult): void {
    if (result.delivered) {
      if (this.unreachable.delete(channelId)) this.recovered.add(channelId);
    } else if (result.unreachable) {
      this.unreachable.add(channelId);
    }
  }

  private outcomeOf(delivery: ClaimedDelivery, result: AttemptResult, started: number, at: number): AttemptOutcome {
    const base = { statusCode: result.statusCode, error: result.error, durationMs: Math.max(0, at - started), at: isoAt(at) };
    if (result.delivered) return { ...base, state: 'delivered', nextAttemptAt: null };
    const next = nextAttemptAt(delivery.attempt, at, Date.parse(delivery.handedOutAt), this.options.retryForMs, this.random);
    return next === null ? { ...base, state: 'failed', nextAttemptAt: null } : { ...base, state: 'pending', nextAttemptAt: isoAt(next) };
  }

  private async send(
    delivery: ClaimedDelivery,
    entry: AnnouncedEntry | null,
    leaseUntil: number,
  ): Promise<AttemptResult | 'dropped' | 'abandoned'> {
    if (!entry) return { delivered: false, statusCode: null, error: `audit entry ${delivery.seq} could not be read`, unreachable: false };
    const now = this.clock();
    if (now + this.options.timeoutMs > leaseUntil - LEASE_SAFETY_MS) return 'abandoned';
    if (delivery.channelId === MAIL_CHANNEL) {
      const mail = this.options.mail;
      const message = mail ? bookingMail(entry, mail.publicUrl) : null;
      if (!mail || !message || !delivery.recipient) return 'dropped';
      return mail.mailer.send(delivery.recipient, message, bookingMessageId(entry, delivery.recipient, mail.domain));
    }
    const webhookId = delivery.channelId.slice(WEBHOOK_CHANNEL_PREFIX.length);
    const webhook = this.webhooks.get(webhookId) ?? (await this.store.findWebhook(webhookId));
    if (!webhook || ('deleted' in webhook && webhook.deleted)) return 'dropped';
    const slack = leaseUntil - LEASE_SAFETY_MS - this.options.timeoutMs - this.clock();
    if (slack < 0) return 'abandoned';
    const result = await this.poster.post({
      url: webhook.url,
      messageId: webhookMessageId(webhook.id, entry.seq),
      timestamp: Math.floor(now / 1000),
      body: JSON.stringify(webhookPayload(entry)),
      secret: webhook.secret,
      // The sender may queue it behind other attempts: it must not start once it could outlive the lease.
      startBy: Date.now() + slack,
    });
    return result.notStarted ? 'abandoned' : result;
  }
}
