import { createHmac, randomBytes } from 'node:crypto';
import { Agent as HttpAgent, type IncomingMessage, type RequestOptions, request as httpRequest } from 'node:http';
import { Agent as HttpsAgent, request as httpsRequest } from 'node:https';
import { urlToHttpOptions } from 'node:url';

const SECRET_PREFIX = 'whsec_';
const SECRET_BYTES = 32;
/** What is read of a receiver's answer at most; the body itself is never used. */
export const RESPONSE_BYTES_READ = 4 * 1024;

/** The outcome of one attempt; `delivered` is a 2xx within the timeout. */
export interface AttemptResult {
  delivered: boolean;
  statusCode: number | null;
  error: string | null;
  /** The receiver could not be reached or said it is away (no answer, 502–504), rather than refusing this message. */
  unreachable: boolean;
  /** Not sent at all: it could no longer have started by the message's `startBy`. */
  notStarted?: true;
}

/** Answers that say the receiver is away (a proxy before it, or it says so), not that it refused the message. */
const AWAY_STATUS = new Set([502, 503, 504]);

/** `whsec_` + base64 of 32 random bytes; those bytes are the HMAC key (Standard Webhooks). */
export function newWebhookSecret(): string {
  return SECRET_PREFIX + randomBytes(SECRET_BYTES).toString('base64');
}

/** The HMAC key a secret stands for: the bytes after `whsec_`, base64-decoded. */
function signingKey(secret: string): Buffer {
  return Buffer.from(secret.startsWith(SECRET_PREFIX) ? secret.slice(SECRET_PREFIX.length) : secret, 'base64');
}

function sign(key: Buffer, messageId: string, timestampSeconds: number, body: string): string {
  return `v1,${createHmac('sha256', key).update(`${messageId}.${timestampSeconds}.${body}`).digest('base64')}`;
}

/** `v1,<base64 HMAC-SHA256 of "id.timestamp.body">` as Standard Webhooks defines it. */
export function webhookSignature(secret: string, messageId: string, timestampSeconds: number, body: string): string {
  return sign(signingKey(secret), messageId, timestampSeconds, body);
}

/** Where a webhook URL points, parsed once: a delivery reuses it rather than parsing the URL again. */
interface Target {
  https: boolean;
  options: RequestOptions;
}

/** Webhooks are few; these caches are dropped whole when they outgrow that (a URL or secret per webhook). */
const CACHED_MAX = 1_000;

export interface SignedMessage {
  url: string;
  messageId: string;
  /** Unix seconds, as sent in webhook-timestamp. */
  timestamp: number;
  body: string;
  secret: string;
  /** Unix ms: an attempt that cannot start by then is not made (it could no longer end within its lease). */
  startBy?: number;
}

export const NOT_STARTED: AttemptResult = {
  delivered: false,
  statusCode: null,
  error: 'not started in time',
  unreachable: false,
  notStarted: true,
};

/**
 * POSTs signed webhook messages. A receiver cannot hold more than one attempt's worth of the server:
 * the whole exchange is bounded by the timeout, redirects are not followed (a 3xx is a failed attempt),
 * and no more than a few KiB of an answer is read.
 */
export class WebhookSender {
  private readonly httpAgent: HttpAgent;
  private readonly httpsAgent: HttpsAgent;
  private readonly targets = new Map<string, Target>();
  private readonly keys = new Map<string, Buffer>();

  constructor(
    private readonly timeoutMs: number,
    maxSockets: number,
  ) {
    this.httpAgent = new HttpAgent({ keepAlive: true, maxSockets });
    this.httpsAgent = new HttpsAgent({ keepAlive: true, maxSockets });
  }

  post(message: SignedMessage): Promise<AttemptResult> {
    if (message.startBy !== undefined && Date.now() > message.startBy) return Promise.resolve(NOT_STARTED);
    const { https, options } = this.target(message.url);
    const send = https ? httpsRequest : httpRequest;
    const signature = sign(this.key(message.secret), message.messageId, message.timestamp, message.body);
    return new Promise<AttemptResult>((resolve) => {
      let settled = false;
      const finish = (result: AttemptResult) => {
        if (settled) return;
        settled = true;
        resolve(result);
      };
      const req = send({
        ...options,
        headers: {
          'content-type': 'application/json',
          'content-length': Buffer.byteLength(message.body),
          'user-agent': 'Boxoffice-Webhooks/1',
          'webhook-id': message.messageId,
          'webhook-timestamp': String(message.timestamp),
          'webhook-signature': signature,
        },
      });
      const timer = setTimeout(() => {
        finish({ delivered: false, statusCode: null, error: `no answer within ${this.timeoutMs} ms`, unreachable: true });
        req.destroy();
      }, this.timeoutMs);
      req.on('response', (res: IncomingMessage) => {
        const statusCode = res.statusCode ?? 0;
        const delivered = statusCode >= 200 && statusCode < 300;
        finish({ delivered, statusCode, error: null, unreachable: AWAY_STATUS.has(statusCode) });
        let read = 0;
        res.on('data', (chunk: Buffer) => {
          read += chunk.length;
          if (read > RESPONSE_BYTES_READ) res.destroy();
        });
        res.on('end', () => clearTimeout(timer));
        res.on('close', () => clearTimeout(timer));
        res.on('error', () => {});
      });
      req.on('error', (error: Error) => {
        clearTimeout(timer);
        finish({ delivered: false, statusCode: null, error: describe(error), unreachable: true });
      });
      req.end(message.body);
    });
  }

  private target(url: string): Target {
    let target = this.targets.get(url);
    if (!target) {
      const parsed = new URL(url);
      const https = parsed.protocol === 'https:';
      target = { https, options: { ...urlToHttpOptions(parsed), method: 'POST', agent: https ? this.httpsAgent : this.httpAgent } };
      if (this.targets.size >= CACHED_MAX) this.targets.clear();
      this.targets.set(url, target);
    }
    return target;
  }

  private key(secret: string): Buffer {
    let key = this.keys.get(secret);
    if (!key) {
      key = signingKey(secret);
      if (this.keys.size >= CACHED_MAX) this.keys.clear();
      this.keys.set(secret, key);
    }
    return key;
  }

  close(): void {
    this.httpAgent.destroy();
    this.httpsAgent.destroy();
  }
}

/** The network failure in a few words; never the URL (it may carry credentials). */
function describe(error: Error): string {
  const code = (error as NodeJS.ErrnoException).code;
  return code ? `${code}: ${error.message}`.slice(0, 200) : error.message.slice(0, 200);
}
