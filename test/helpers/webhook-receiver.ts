import { type IncomingMessage, type Server, type ServerResponse, createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { Webhook } from 'standardwebhooks';

/** One delivery as the receiver got it, checked as a receiver in production checks it. */
export interface ReceivedDelivery {
  id: string;
  payload: { type: string; seq: number; eventId: string; at: string; data: Record<string, unknown> };
  receivedAt: number;
}

export interface ReceiverOptions {
  /** The answer's status for each request (default 204); a function to vary it. */
  status?: number | ((request: IncomingMessage, count: number) => number);
  /** Holds each answer this long, so concurrent attempts of one message would overlap. */
  delayMs?: number;
  /** Holds each answer until this settles: the test decides when the receiver answers. */
  answerAfter?: Promise<unknown>;
}

/** A webhook receiver on 127.0.0.1 that verifies every request with the `standardwebhooks` package. */
export class WebhookReceiver {
  readonly received: ReceivedDelivery[] = [];
  readonly rejected: string[] = [];
  /** webhook-ids that arrived while an earlier attempt of the same id was still being answered. */
  readonly overlapping: string[] = [];
  requests = 0;
  /** The most requests it was answering at one time. */
  mostAtOnce = 0;
  secret = '';
  private answering = 0;
  private readonly inFlight = new Map<string, number>();
  private server: Server | null = null;
  private port = 0;

  constructor(private readonly options: ReceiverOptions = {}) {}

  get url(): string {
    return `http://127.0.0.1:${this.port}/hooks`;
  }

  /** Every distinct webhook-id verified so far. */
  ids(): Set<string> {
    return new Set(this.received.map((delivery) => delivery.id));
  }

  async listen(port = 0): Promise<void> {
    const server = createServer((req, res) => void this.handle(req, res));
    await new Promise<void>((resolve) => server.listen(port, '127.0.0.1', resolve));
    this.port = (server.address() as AddressInfo).port;
    this.server = server;
  }

  async close(): Promise<void> {
    const server = this.server;
    this.server = null;
    if (!server) return;
    server.closeAllConnections();
    await new Promise<void>((resolve) => server.close(() => resolve()));
  }

  private async handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    this.requests += 1;
    const count = this.requests;
    const chunks: Buffer[] = [];
    for await (const chunk of req) chunks.push(chunk as Buffer);
    const body = Buffer.concat(chunks).toString('utf8');
    const id = String(req.headers['webhook-id']);
    const running = this.inFlight.get(id) ?? 0;
    if (running > 0) this.overlapping.push(id);
    this.inFlight.set(id, running + 1);
    this.answering += 1;
    this.mostAtOnce = Math.max(this.mostAtOnce, this.answering);
    const done = () => {
      this.answering -= 1;
      this.inFlight.set(id, (this.inFlight.get(id) ?? 1) - 1);
    };
    res.once('close', done);
    try {
      const payload = new Webhook(this.secret).verify(body, req.headers as Record<string, string>) as ReceivedDelivery['payload'];
      const status = typeof this.options.status === 'function' ? this.options.status(req, count) : (this.options.status ?? 204);
      if (this.options.delayMs) await new Promise((resolve) => setTimeout(resolve, this.options.delayMs));
      await this.options.answerAfter;
      if (status >= 200 && status < 300) this.received.push({ id, payload, receivedAt: Date.now() });
      res.writeHead(status).end();
    } catch (error) {
      this.rejected.push(`${id}: ${(error as Error).message}`);
      res.writeHead(400).end();
    }
  }
}
