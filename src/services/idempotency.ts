import { randomBytes } from 'node:crypto';
import { setTimeout as sleep } from 'node:timers/promises';
import { DomainError } from '../domain/errors.js';

/** The first answer to a request, kept to be replayed byte for byte. */
export interface StoredAnswer {
  statusCode: number;
  body: string;
}

export interface KeyRecord {
  requestHash: string;
  state: 'pending' | 'done';
  answer: StoredAnswer | null;
  leaseUntil: string;
  expiresAt: string;
}

export interface KeyRef {
  scope: string;
  key: string;
  /** The claim this request holds; only its holder may renew, answer or release the key. */
  token?: string;
}

/** Where idempotency keys live: the same database as the changes they answer. */
export interface IdempotencyStore {
  /** Inserts a pending claim; false when the key is already there. */
  insertPending(ref: KeyRef & { token: string }, requestHash: string, now: string, leaseUntil: string, expiresAt: string): Promise<boolean>;
  find(ref: KeyRef): Promise<KeyRecord | null>;
  /** Takes over an abandoned or expired claim, if it is still the one seen; true when taken. */
  takeOver(
    ref: KeyRef & { token: string },
    seen: KeyRecord,
    requestHash: string,
    now: string,
    leaseUntil: string,
    expiresAt: string,
  ): Promise<boolean>;
  /** Extends the lease of the claim `ref.token` holds; false when it no longer holds it. */
  renew(ref: KeyRef, leaseUntil: string): Promise<boolean>;
  /** Stores the answer of a claim whose change did not go through a transaction of its own; false when the claim was lost. */
  complete(ref: KeyRef, answer: StoredAnswer): Promise<boolean>;
  /** Forgets a pending claim whose request was refused or failed, so the key can be used again. */
  release(ref: KeyRef): Promise<void>;
  purgeExpired(now: string): Promise<number>;
}

export type Claim = { kind: 'claimed'; token: string } | { kind: 'replay'; answer: StoredAnswer };

export interface IdempotencyOptions {
  /** How long keys are remembered (at least 24 h). */
  ttlMs: number;
  /** After this long a pending claim counts as abandoned. */
  leaseMs: number;
  /** How long a repeat waits for the first request's answer before 409 IDEMPOTENCY_KEY_IN_USE. */
  waitMs: number;
  pollMs: number;
}

export const DEFAULT_IDEMPOTENCY: IdempotencyOptions = {
  ttlMs: 24 * 3_600_000,
  leaseMs: 30_000,
  waitMs: 5_000,
  pollMs: 25,
};

/**
 * Idempotency-Key semantics (as pretix has them): a repeat with the same body gets the first
 * answer, another body is refused, a repeat during the first waits for it.
 */
export class IdempotencyService {
  constructor(
    private readonly store: IdempotencyStore,
    private readonly options: IdempotencyOptions = DEFAULT_IDEMPOTENCY,
    private readonly clock: () => number = Date.now,
  ) {}

  async claim(ref: KeyRef, requestHash: string): Promise<Claim> {
    // Waiting is measured in polls, not by the clock that dates the records.
    let pollsLeft = Math.ceil(this.options.waitMs / this.options.pollMs);
    const token = randomBytes(12).toString('base64url');
    const mine = { ...ref, token };
    for (;;) {
      const now = this.clock();
      const times = [new Date(now).toISOString(), this.at(now + this.options.leaseMs), this.at(now + this.options.ttlMs)] as const;
      if (await this.store.insertPending(mine, requestHash, ...times)) return { kind: 'claimed', token };
      const seen = await this.store.find(ref);
      if (!seen) continue; // released or purged in between: try again
      const expired = seen.expiresAt <= times[0];
      if (!expired && seen.requestHash !== requestHash) {
        throw new DomainError('IDEMPOTENCY_KEY_REUSED', 'This Idempotency-Key was used with a different request; use a new key.');
      }
      if (!expired && seen.state === 'done' && seen.answer) return { kind: 'replay', answer: seen.answer };
      const abandoned = seen.state === 'pending' && seen.leaseUntil <= times[0];
      if (expired || abandoned) {
        if (await this.store.takeOver(mine, seen, requestHash, ...times)) return { kind: 'claimed', token };
        continue;
      }
      if (pollsLeft-- <= 0) {
        throw new DomainError('IDEMPOTENCY_KEY_IN_USE', 'A request with this Idempotency-Key is still being processed; retry shortly.');
      }
      await sleep(this.options.pollMs);
    }
  }

  complete(ref: KeyRef, answer: StoredAnswer): Promise<boolean> {
    return this.store.complete(ref, answer);
  }

  /** Keeps a claim whose request is still running from looking abandoned; false once it is lost. */
  renew(ref: KeyRef): Promise<boolean> {
    return this.store.renew(ref, this.at(this.clock() + this.options.leaseMs));
  }

  /** How often a running request renews its claim: well within the lease. */
  get renewEveryMs(): number {
    return Math.max(1, Math.floor(this.options.leaseMs / 3));
  }

  release(ref: KeyRef): Promise<void> {
    return this.store.release(ref);
  }

  purgeExpired(): Promise<number> {
    return this.store.purgeExpired(new Date(this.clock()).toISOString());
  }

  private at(ms: number): string {
    return new Date(ms).toISOString();
  }
}

/** A request's answer, to be stored in the transaction that makes the change it answers. */
export interface KeptAnswer {
  ref: KeyRef;
  answer: StoredAnswer;
}

/**
 * What a keyed request hands its service: `keep` turns the result into the answer the service stores
 * with its change. A write route passes one down whenever the request carries an Idempotency-Key.
 */
export interface Receipt<T> {
  keep(result: T): KeptAnswer;
}
