import { createHmac } from 'node:crypto';
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { DomainError } from '../domain/errors.js';
import type { IdempotencyService, KeyRef, Receipt, StoredAnswer } from '../services/idempotency.js';
import type { Caller } from './auth.js';

declare module 'fastify' {
  interface FastifyRequest {
    /** The Idempotency-Key this request claimed; `kept` once its answer is stored with the change. */
    idempotency: { ref: KeyRef; kept: boolean; renewal: NodeJS.Timeout } | null;
  }
  interface FastifyContextConfig {
    /** false: the route ignores Idempotency-Key (sign-in: a token must never be stored; sign-up: nor a password, in any form).
     * Every other write route answers through replyOnce. */
    idempotent?: boolean;
  }
}

const MUTATING = new Set(['POST', 'PATCH', 'DELETE']);
const KEY = /^[\x21-\x7e]{1,255}$/;
const JSON_TYPE = 'application/json; charset=utf-8';

function scopeOf(caller: Caller): string {
  if (caller.kind === 'admin') return 'admin';
  if (caller.kind === 'user') return `user:${caller.userId}`;
  return 'public';
}

/** JSON with object keys sorted, so the same request always hashes the same. */
function canonical(value: unknown): string {
  if (Array.isArray(value)) return `[${value.map(canonical).join(',')}]`;
  if (value && typeof value === 'object') {
    const entries = Object.keys(value)
      .sort()
      .map((key) => `${JSON.stringify(key)}:${canonical((value as Record<string, unknown>)[key])}`);
    return `{${entries.join(',')}}`;
  }
  return JSON.stringify(value) ?? 'null';
}

/**
 * What a repeat must match: an HMAC of method, URL and body under a key derived from AUTH_SECRET, so
 * the stored fingerprint tells nothing about the body to someone who reads the table.
 */
function requestFingerprint(key: Buffer, request: FastifyRequest): string {
  return createHmac('sha256', key)
    .update(`${request.method} ${request.url}\n${canonical(request.body)}`)
    .digest('hex');
}

function sendStored(reply: FastifyReply, answer: StoredAnswer): FastifyReply {
  return reply.code(answer.statusCode).type(JSON_TYPE).send(answer.body);
}

/**
 * Idempotency-Key on POST, PATCH and DELETE: claimed before the handler runs, its answer stored with
 * the change (see replyOnce), replayed to repeats, released when the request is refused or fails.
 */
export function registerIdempotency(app: FastifyInstance, idempotency: IdempotencyService, authSecret: string): void {
  const fingerprintKey = createHmac('sha256', authSecret).update('boxoffice idempotency fingerprint v1').digest();
  app.decorateRequest('idempotency', null);

  const claimKey = async (request: FastifyRequest, reply: FastifyReply, header: string | string[]) => {
    if (typeof header !== 'string' || !KEY.test(header)) {
      throw new DomainError('VALIDATION_FAILED', 'Idempotency-Key must be 1–255 visible ASCII characters.', {
        errors: [{ path: '/headers/idempotency-key', message: 'must be 1–255 visible ASCII characters' }],
      });
    }
    const ref = { scope: scopeOf(request.caller), key: header };
    const claim = await idempotency.claim(ref, requestFingerprint(fingerprintKey, request));
    if (claim.kind === 'replay') {
      sendStored(reply.header('idempotent-replayed', 'true'), claim.answer);
      return;
    }
    const claimed = { ...ref, token: claim.token };
    // A slow request must not look abandoned: its lease is renewed until it is answered.
    const renewal = setInterval(() => void idempotency.renew(claimed).catch(() => {}), idempotency.renewEveryMs).unref();
    request.idempotency = { ref: claimed, kept: false, renewal };
  };

  // These hooks run for every request and concern only those with a key: callback-style, so the rest pass
  // through without a promise each.
  app.addHook('preHandler', (request, reply, done) => {
    const header = request.headers['idempotency-key'];
    if (header === undefined || !MUTATING.has(request.method) || request.routeOptions.config.idempotent === false) {
      done();
      return;
    }
    claimKey(request, reply, header).then(() => done(), done);
  });

  // A write route must answer through replyOnce: one that did not has changed something a repeat would change again.
  app.addHook('onSend', (request, reply, payload, done) => {
    const claimed = request.idempotency;
    if (claimed && !claimed.kept && reply.statusCode < 300) {
      done(new Error(`${request.method} ${request.routeOptions.url} answered without keeping its Idempotency-Key answer`));
      return;
    }
    done(null, payload);
  });

  // Refused or failed: nothing changed, so the key is free for a corrected retry.
  app.addHook('onResponse', (request, _reply, done) => {
    const claimed = request.idempotency;
    if (claimed) clearInterval(claimed.renewal);
    if (!claimed || claimed.kept) {
      done();
      return;
    }
    idempotency
      .release(claimed.ref)
      .catch((error: unknown) => request.log.warn({ err: error }, 'could not release an idempotency key'))
      .finally(() => done());
  });
}

/** The shape of an answer that is the result itself. */
export const asIs = <T>(result: T): T => result;

/**
 * How every write route answers: `run` makes the change, handing its service the receipt to store the
 * answer with it (undefined without a key); the answer is then sent as exactly the bytes kept. A service
 * that ignores its receipt is a bug, refused with a 500 rather than answered as if a repeat were safe.
 */
export async function replyOnce<T>(
  request: FastifyRequest,
  reply: FastifyReply,
  statusCode: number,
  shape: (result: T, request: FastifyRequest) => unknown,
  run: (receipt: Receipt<T> | undefined) => Promise<T>,
): Promise<FastifyReply> {
  const claimed = request.idempotency;
  if (!claimed) return reply.code(statusCode).send(shape(await run(undefined), request));
  let kept: StoredAnswer | null = null;
  await run({
    keep: (result) => {
      kept = { statusCode, body: JSON.stringify(shape(result, request)) };
      return { ref: claimed.ref, answer: kept };
    },
  });
  if (!kept) throw new Error(`${request.method} ${request.routeOptions.url} did not keep its Idempotency-Key answer`);
  claimed.kept = true;
  return sendStored(reply, kept);
}
