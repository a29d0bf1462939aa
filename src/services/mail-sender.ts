import { createRequire } from 'node:module';
import type * as Nodemailer from 'nodemailer';
import type { Transporter } from 'nodemailer';
import type SMTPTransport from 'nodemailer/lib/smtp-transport/index.js';
import type * as QRCode from 'qrcode';
import type { BookingMail } from './booking-mail.js';
import type { AttemptResult } from './webhook-sender.js';

export interface MailSettings {
  smtpUrl: string;
  from: string;
  timeoutMs: number;
  maxConnections: number;
}

// Loaded when a sender is made (SMTP_URL is set): a server that sends no e-mail never holds nodemailer or
// qrcode in memory (with ioredis, ~12 MB of RSS in a server using none of them).
const require = createRequire(import.meta.url);

/** SMTP 421: the server is closing the channel (shutting down, overloaded), not refusing the message. */
const SERVICE_NOT_AVAILABLE = 421;

/** Sends booking messages through the configured SMTP server (nodemailer, pooled connections). */
export class MailSender {
  private readonly transport: Transporter<SMTPTransport.SentMessageInfo>;
  private readonly qrCode = require('qrcode') as typeof QRCode;

  constructor(private readonly settings: MailSettings) {
    const nodemailer = require('nodemailer') as typeof Nodemailer;
    this.transport = nodemailer.createTransport({
      url: settings.smtpUrl,
      pool: true,
      maxConnections: settings.maxConnections,
      connectionTimeout: settings.timeoutMs,
      greetingTimeout: settings.timeoutMs,
      socketTimeout: settings.timeoutMs,
    });
  }

  /**
   * One attempt, over within the timeout. When it times out, the send is aborted: a message still waiting
   * for a pooled connection is taken out of the pool's queue, and one being sent has its connection
   * closed, so nothing goes out after the attempt was recorded as failed and its retry scheduled.
   */
  async send(to: string, mail: BookingMail, messageId: string): Promise<AttemptResult> {
    const abort = new AbortController();
    const timer = setTimeout(
      () => abort.abort(new Error(`no answer from the SMTP server within ${this.settings.timeoutMs} ms`)),
      this.settings.timeoutMs,
    );
    try {
      const attachments = mail.ticketCode
        ? [{ filename: 'ticket.png', cid: 'ticket-qr', content: await this.qrCode.toBuffer(mail.ticketCode, { margin: 1, width: 240 }) }]
        : [];
      const sent = await this.transport.sendMail({
        from: this.settings.from,
        to,
        subject: mail.subject,
        text: mail.text,
        html: mail.html,
        attachments,
        messageId,
        signal: abort.signal,
      });
      const accepted = sent.accepted.length > 0;
      return {
        delivered: accepted,
        statusCode: null,
        error: accepted ? null : 'the SMTP server accepted no recipient',
        unreachable: false,
      };
    } catch (error) {
      const responseCode = (error as { responseCode?: unknown }).responseCode;
      const reason: unknown = abort.signal.aborted ? abort.signal.reason : error;
      return {
        delivered: false,
        statusCode: null,
        error: reason instanceof Error ? reason.message.slice(0, 200) : String(reason),
        // No SMTP answer at all (refused, dropped, timed out), or 421: the server is away, not refusing this message.
        unreachable: typeof responseCode !== 'number' || responseCode === SERVICE_NOT_AVAILABLE,
      };
    } finally {
      clearTimeout(timer);
    }
  }

  close(): void {
    this.transport.close();
  }
}
