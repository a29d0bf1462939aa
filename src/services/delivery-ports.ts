import type { KeptAnswer } from './idempotency.js';
import type { AnnouncedEntry, DeliveryAttempt, Webhook, WebhookWithSecret } from '../domain/webhook.js';

/** The columns of an audit entry that decide whether a channel gets it. */
export interface LoggedEntry {
  seq: number;
  action: string;
  userId: string | null;
}

/** Which entries a channel delivers, and to whom: null to pass an entry by. */
export type HandOutRule = (entry: LoggedEntry) => { recipient: string | null } | null;

export type DeliveryState = 'pending' | 'delivered' | 'failed' | 'dropped';

/** A delivery this process now holds the lease of, for one attempt. */
export interface ClaimedDelivery {
  channelId: string;
  seq: number;
  action: string;
  recipient: string | null;
  /** 1 for the first attempt. */
  attempt: number;
  /** When the entry was handed out: retries stop WEBHOOK_RETRY_FOR after it. */
  handedOutAt: string;
}

export interface AttemptOutcome {
  state: DeliveryState;
  statusCode: number | null;
  error: string | null;
  durationMs: number;
  at: string;
  /** Set while state is pending. */
  nextAttemptAt: string | null;
}

export interface HandOutWindow {
  now: string;
  /** Gaps first seen before this are taken for rolled-back transactions and forgotten. */
  gapsSeenBefore: string;
  limit: number;
  /**
   * The first `claim.limit` new deliveries are written already leased to `claim.owner` for their first
   * attempt, and come back with their entries: one row write and no claiming round for each.
   */
  claim?: { owner: string; leaseUntil: string; limit: number };
}

/** A delivery claimed as it was handed out, with what its entry announces. */
export interface ClaimedWithEntry {
  delivery: ClaimedDelivery;
  entry: AnnouncedEntry;
}

export interface HandedOut {
  /** Entries read: as many as the window's limit means more may be waiting. */
  read: number;
  claimed: ClaimedWithEntry[];
}

/** The outbox as the delivery engine sees it; every call is its own short transaction. */
export interface DeliveryStore {
  activeWebhooks(): Promise<WebhookWithSecret[]>;
  /** The webhook, also a deleted one (deletedAt set); null when it never existed. */
  findWebhook(id: string): Promise<(WebhookWithSecret & { deleted: boolean }) | null>;
  /** Starts a channel at the current end of the audit log, if it does not exist yet. */
  openChannel(channelId: string, now: string): Promise<void>;
  /**
   * Hands the entries after the channel's cursor (and late commits into earlier gaps) out as deliveries;
   * skips the channel while another process is at it.
   */
  handOut(channelId: string, rule: HandOutRule, window: HandOutWindow): Promise<HandedOut>;
  /**
   * In one transaction: records finished attempts and gives back claims never started (a delivery changes
   * only while `owner` still holds its lease for that attempt), makes the pending retries of recovered
   * channels due now, then takes the lease of up to `claim.limit` due deliveries nobody else holds.
   */
  settleAndClaim(round: RoundRecord, owner: string, claim: ClaimWindow): Promise<ClaimedDelivery[]>;
  /** What the entries announce, by seq; a seq with no entry is absent. */
  announced(seqs: readonly number[]): Promise<Map<number, AnnouncedEntry>>;
}

export interface SettledAttempt {
  delivery: ClaimedDelivery;
  outcome: AttemptOutcome;
}

/** What a process reports at the start of a round, before it claims more. */
export interface RoundRecord {
  settled: readonly SettledAttempt[];
  /** Claimed but never started (its lease would have run out first): the lease ends, the attempt number is given back. */
  released: readonly ClaimedDelivery[];
  /** Channels whose receiver answered again after being unreachable: every pending retry of theirs is due now. */
  recovered: readonly string[];
}

export interface ClaimWindow {
  now: string;
  leaseUntil: string;
  /** 0: only record. */
  limit: number;
}

/** The admin's webhook registry and the delivery log it reads. */
export interface WebhookStore {
  /** Stores the webhook and starts its channel at the current end of the audit log, in one transaction (with `kept`, its request's answer). */
  create(webhook: WebhookWithSecret, channelId: string, kept?: KeptAnswer): Promise<void>;
  list(): Promise<Webhook[]>;
  /** Marks it deleted and drops its pending deliveries; null when there is no such (undeleted) webhook. */
  delete(id: string, channelId: string, now: string, keep?: (deleted: Webhook) => KeptAnswer): Promise<Webhook | null>;
  /** Stores the answer of a request that changed nothing in the database (a test delivery). */
  keepAnswer(kept: KeptAnswer): Promise<void>;
  findWebhook(id: string): Promise<(WebhookWithSecret & { deleted: boolean }) | null>;
  /** Attempts on a channel, newest first, before the attempt with id `beforeId`. */
  attempts(channelId: string, beforeId: number | null, limit: number): Promise<Array<DeliveryAttempt & { id: number }>>;
}
