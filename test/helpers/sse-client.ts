import { type ClientRequest, type IncomingMessage, get } from 'node:http';

/** A Server-Sent Events reader over a real socket, for tests. */
export class SseClient {
  readonly messages: Array<{ event: string; data: unknown }> = [];
  readonly comments: string[] = [];
  private buffer = '';
  private waiters: Array<() => void> = [];

  private constructor(
    private readonly request: ClientRequest,
    readonly response: IncomingMessage,
  ) {
    response.setEncoding('utf8');
    response.on('data', (chunk: string) => this.read(chunk));
  }

  static open(url: string): Promise<SseClient> {
    return new Promise((resolve, reject) => {
      const request = get(url, { headers: { accept: 'text/event-stream' } }, (response) => resolve(new SseClient(request, response)));
      request.on('error', reject);
    });
  }

  /** Resolves once a message satisfies the predicate (checking those already received first). */
  async next(predicate: (data: Record<string, unknown>) => boolean, timeoutMs = 10_000): Promise<Record<string, unknown>> {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      const found = this.messages.find((message) => predicate(message.data as Record<string, unknown>));
      if (found) return found.data as Record<string, unknown>;
      const left = deadline - Date.now();
      if (left <= 0) throw new Error(`no matching message in ${timeoutMs} ms; got ${JSON.stringify(this.messages)}`);
      await new Promise<void>((resolve) => {
        const timer = setTimeout(resolve, left);
        this.waiters.push(() => {
          clearTimeout(timer);
          resolve();
        });
      });
    }
  }

  close(): void {
    this.request.destroy();
  }

  private read(chunk: string): void {
    this.buffer += chunk;
    let end: number;
    while ((end = this.buffer.indexOf('\n\n')) >= 0) {
      const block = this.buffer.slice(0, end);
      this.buffer = this.buffer.slice(end + 2);
      let event = 'message';
      let data = '';
      for (const line of block.split('\n')) {
        if (line.startsWith(':')) this.comments.push(line.slice(1).trim());
        else if (line.startsWith('event: ')) event = line.slice(7);
        else if (line.startsWith('data: ')) data += line.slice(6);
      }
      if (data) this.messages.push({ event, data: JSON.parse(data) });
    }
    for (const wake of this.waiters.splice(0)) wake();
  }
}
