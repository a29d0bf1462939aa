import nodemailer, { type Transporter } from 'nodemailer';
import type SMTPTransport from 'nodemailer/lib/smtp-transport/index.js';
import QRCode from 'qrcode';
import type { BookingMail } from './booking-mail.js';
import type { AttemptResult } from './webhook-sender.js';

export interface MailSettings {
  smtpUrl: string;
  from: string;
  timeoutMs: number;
  maxConnections: number;
}

/** SMTP 421: the server is closing the channel (shutting down, overloaded), not refusing the message. */
const SERVICE_NOT_AVAILABLE = 421;

/** Sends booking messages through the configured SMTP server (nodemailer, pooled connections). */
export class MailSender {
  private readonly transport: Transporter<SMTPTransport.SentMessageInfo>;

  constructor(private readonly settings: MailSettings) {
    this.transport = nodemailer.createTransport({
      url: settings.smtpUrl,
      pool: true,
      maxConnections: settings.maxConnections,
      connectionTimeout: settings.timeoutMs,
      greetingTimeout: settings.timeoutMs,
      socketTimeout: settings.timeoutMs,
    });
  }

  async send(to: string, mail: BookingMail, messageId: string): Promise<AttemptResult> {
    try {
      const attachments = mail.ticketCode
        ? [{ filename: 'ticket.png', cid: 'ticket-qr', content: await QRCode.toBuffer(mail.ticketCode, { margin: 1, width: 240 }) }]
        : [];
      const sent = await this.withTimeout(
        this.transport.sendMail({
          from: this.settings.from,
          to,
          subject: mail.subject,
          text: mail.text,
          html: mail.html,
          attachments,
          messageId,
        }),
      );
      const accepted = sent.accepted.length > 0;
      return {
        delivered: accepted,
        statusCode: null,
        error: accepted ? null : 'the SMTP server accepted no recipient',
        unreachable: false,
      };
    } catch (error) {
      const responseCode = (error as { responseCode?: unknown }).responseCode;
      return {
        delivered: false,
        statusCode: null,
        error: error instanceof Error ? error.message.slice(0, 200) : String(error),
        // No SMTP answer at all (refused, dropped, timed out), or 421: the server is away, not refusing this message.
        unreachable: typeof responseCode !== 'number' || responseCode === SERVICE_NOT_AVAILABLE,
      };
    }
  }

  close(): void {
    this.transport.close();
  }

  /** nodemailer times out each phase; this bounds the whole exchange, so an attempt never outlives its lease. */
  private withTimeout<T>(work: Promise<T>): Promise<T> {
    let timer: NodeJS.Timeout | undefined;
    const timeout = new Promise<never>((_, reject) => {
      timer = setTimeout(
        () => reject(new Error(`no answer from the SMTP server within ${this.settings.timeoutMs} ms`)),
        this.settings.timeoutMs,
      );
    });
    return Promise.race([work, timeout]).finally(() => clearTimeout(timer));
  }
}
