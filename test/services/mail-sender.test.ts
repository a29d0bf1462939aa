import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { BookingMail } from '../../src/services/booking-mail.js';
import { MailSender } from '../../src/services/mail-sender.js';
import { SmtpSink } from '../helpers/smtp-sink.js';

// Long enough that a loaded machine (three test files at once) still answers the third message in time.
const TIMEOUT_MS = 1_500;

function mail(subject: string): BookingMail {
  return { subject, text: `${subject}\n`, html: `<p>${subject}</p>`, ticketCode: null };
}

describe('MailSender against an SMTP server that is slow to answer', () => {
  const smtp = new SmtpSink();
  let mailer: MailSender;

  beforeAll(async () => {
    await smtp.listen();
    // One pooled connection: a second message waits for the first one's.
    mailer = new MailSender({ smtpUrl: smtp.url, from: 'Boxoffice <tickets@boxoffice.test>', timeoutMs: TIMEOUT_MS, maxConnections: 1 });
  });
  afterAll(async () => {
    mailer.close();
    await smtp.close();
  });

  it('never sends a message whose attempt timed out while it waited for a connection', async () => {
    const answer = smtp.holdAnswers();
    const [sent, waited] = await Promise.all([
      mailer.send('first@example.com', mail('First'), '<entry-1.a@boxoffice.test>'),
      mailer.send('second@example.com', mail('Second'), '<entry-2.b@boxoffice.test>'),
    ]);
    expect(sent).toMatchObject({ delivered: false, unreachable: true });
    expect(waited).toMatchObject({ delivered: false, unreachable: true });
    answer();

    // The pool sends in order: once a later message is through, an earlier one still queued would be too.
    expect(await mailer.send('third@example.com', mail('Third'), '<entry-3.c@boxoffice.test>')).toMatchObject({ delivered: true });
    expect(smtp.to('third@example.com')).toHaveLength(1);
    expect(smtp.to('second@example.com')).toEqual([]);
    // The first had reached the server before its answer was late: its retry carries the same Message-ID,
    // by which the recipient's server can tell the two apart from two messages.
    expect(smtp.to('first@example.com').map((message) => /^Message-ID: (.*)$/im.exec(message.raw)?.[1]?.trim())).toEqual([
      '<entry-1.a@boxoffice.test>',
    ]);
  });
});
