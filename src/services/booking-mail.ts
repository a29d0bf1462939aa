import { createHash } from 'node:crypto';
import type { AuditAction } from '../domain/audit.js';
import type { AnnouncedEntry } from '../domain/webhook.js';

/** The booking entries a booker hears about by e-mail (SPEC "E-mail"). */
export const MAIL_ACTIONS: readonly AuditAction[] = [
  'booking.confirmed',
  'booking.promoted',
  'booking.waitlisted',
  'booking.held',
  'booking.offered',
  'booking.expired',
  'booking.cancelled',
];

export interface BookingMail {
  subject: string;
  text: string;
  html: string;
  /** The ticket code to show as a QR code, when the message carries a ticket. */
  ticketCode: string | null;
}

function escapeHtml(text: string): string {
  return text.replace(/[&<>"']/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' })[c] ?? c);
}

function formatInstant(iso: string, timeZone: string): string {
  try {
    const shown = new Intl.DateTimeFormat('en-GB', { dateStyle: 'full', timeStyle: 'short', timeZone }).format(new Date(iso));
    return `${shown} (${timeZone})`;
  } catch {
    return iso;
  }
}

/**
 * The Message-ID of an entry's message to its booker. The same for every attempt, so a recipient's server
 * can drop a second copy when an attempt failed after the message had arrived; and bound to the entry's
 * time and recipient besides its seq, so another installation, or this one on a fresh database whose seqs
 * start again at 1, never reuses one (a server that dedupes would drop the new message).
 */
export function bookingMessageId(entry: AnnouncedEntry, recipient: string, domain: string): string {
  const digest = createHash('sha256').update(`${entry.seq}\n${entry.at}\n${recipient}`).digest('hex').slice(0, 16);
  return `<entry-${entry.seq}.${digest}@${domain}>`;
}

/** The message for one audit entry to its booker, or null when the entry is not one a booker hears about. */
export function bookingMail(entry: AnnouncedEntry, publicUrl: string): BookingMail | null {
  const { booking, event } = entry;
  if (!MAIL_ACTIONS.includes(entry.action) || !booking) return null;
  const eventName = event?.name ?? entry.eventId;
  const timeZone = event?.timeZone ?? 'UTC';
  const link = `${publicUrl.replace(/\/+$/, '')}/events/${encodeURIComponent(entry.eventId)}`;
  const quantity = booking.quantity;
  const tickets = quantity === 1 ? '1 ticket' : `${quantity} tickets`;
  const when = event?.startsAt ? formatInstant(event.startsAt, timeZone) : null;
  const deadline = booking.expiresAt ? formatInstant(booking.expiresAt, timeZone) : null;
  const ticketCode = booking.ticketCode;

  let subject: string;
  const lines: string[] = [];
  switch (entry.action) {
    case 'booking.confirmed':
    case 'booking.promoted':
      subject = entry.action === 'booking.promoted' ? `You're in: ${eventName}` : `Booking confirmed: ${eventName}`;
      lines.push(
        entry.action === 'booking.promoted'
          ? `Good news: a place opened up and your booking for ${tickets} to ${eventName} is now confirmed.`
          : `Your booking for ${tickets} to ${eventName} is confirmed.`,
      );
      if (ticketCode) lines.push(`Your ticket code: ${ticketCode}`, 'Show it (or the QR code in this message) at the door.');
      break;
    case 'booking.waitlisted':
      subject = `On the waiting list: ${eventName}`;
      lines.push(
        `${eventName} is sold out for now; you are number ${booking.position ?? '?'} on the waiting list for ${tickets}.`,
        'We will write again when tickets free up for you.',
      );
      break;
    case 'booking.held':
    case 'booking.offered':
      subject = entry.action === 'booking.offered' ? `Tickets offered to you: ${eventName}` : `Tickets held for you: ${eventName}`;
      lines.push(
        entry.action === 'booking.offered'
          ? `${tickets} to ${eventName} ${quantity === 1 ? 'is' : 'are'} offered to you.`
          : `${tickets} to ${eventName} ${quantity === 1 ? 'is' : 'are'} held for you.`,
        deadline ? `Confirm before ${deadline}, or ${quantity === 1 ? 'it goes' : 'they go'} to the next person.` : 'Confirm soon.',
        `Confirm here: ${link}`,
      );
      break;
    case 'booking.expired':
      subject = `Hold expired: ${eventName}`;
      lines.push(
        `The ${tickets} held for you to ${eventName} were not confirmed in time and have been released.`,
        `You can book again: ${link}`,
      );
      break;
    default:
      subject = `Booking cancelled: ${eventName}`;
      lines.push(`Your booking for ${tickets} to ${eventName} is cancelled.`);
  }
  if (when) lines.push(`The event starts ${when}${event?.venue ? ` at ${event.venue}` : ''}.`);
  lines.push(`Event page: ${link}`);

  const text = `${lines.join('\n\n')}\n`;
  const html = [
    '<!doctype html><html><body style="font-family:sans-serif">',
    ...lines.map((line) => `<p>${escapeHtml(line)}</p>`),
    ticketCode ? `<p><img src="cid:ticket-qr" alt="QR code of ticket ${escapeHtml(ticketCode)}" width="240" height="240"></p>` : '',
    '</body></html>',
  ].join('');
  return { subject, text, html, ticketCode };
}
