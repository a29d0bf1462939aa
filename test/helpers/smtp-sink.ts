import type { AddressInfo } from 'node:net';
import { SMTPServer } from 'smtp-server';

/** A message as the SMTP server received it, with its text parts decoded enough to read. */
export interface ReceivedMail {
  to: string[];
  raw: string;
  subject: string;
  /** Quoted-printable soft breaks and escapes undone. */
  decoded: string;
}

function decodeQuotedPrintable(text: string): string {
  return text.replace(/=\r?\n/g, '').replace(/=([0-9A-F]{2})/g, (_, hex: string) => String.fromCharCode(Number.parseInt(hex, 16)));
}

/** A real SMTP server on 127.0.0.1 (the `smtp-server` package) that keeps every message. */
export class SmtpSink {
  readonly messages: ReceivedMail[] = [];
  /** While set, every message is kept but not yet answered: the client waits for the server's 250. */
  private answering: Promise<void> | null = null;
  private server = this.create();

  private create(): SMTPServer {
    return new SMTPServer({
      authOptional: true,
      disableReverseLookup: true,
      disabledCommands: ['STARTTLS', 'AUTH'],
      logger: false,
      onData: (stream, session, callback) => {
        const chunks: Buffer[] = [];
        stream.on('data', (chunk: Buffer) => chunks.push(chunk));
        stream.on('end', () => {
          const raw = Buffer.concat(chunks).toString('utf8');
          const subject = /^Subject: (.*)$/m.exec(raw)?.[1]?.trim() ?? '';
          this.messages.push({
            to: session.envelope.rcptTo.map((rcpt) => rcpt.address),
            raw,
            subject,
            decoded: decodeQuotedPrintable(raw),
          });
          void (this.answering ?? Promise.resolve()).then(() => callback());
        });
      },
    });
  }

  url = '';

  async listen(): Promise<void> {
    await this.listenOn(0);
  }

  /** Listens (again, after close) on the given port; 0 picks one. */
  async listenOn(port: number): Promise<void> {
    if (!this.server.server.listening && this.url !== '') this.server = this.create();
    await new Promise<void>((resolve) => this.server.listen(port, '127.0.0.1', () => resolve()));
    this.url = `smtp://127.0.0.1:${(this.server.server.address() as AddressInfo).port}`;
  }

  close(): Promise<void> {
    return new Promise((resolve) => this.server.close(() => resolve()));
  }

  /** Keeps every message from now on unanswered until the returned function is called. */
  holdAnswers(): () => void {
    let release = () => {};
    this.answering = new Promise<void>((resolve) => (release = resolve));
    return () => {
      this.answering = null;
      release();
    };
  }

  to(address: string): ReceivedMail[] {
    return this.messages.filter((message) => message.to.includes(address));
  }
}
