import jsQRModule from 'jsqr';
import { PNG } from 'pngjs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ENGINES } from '../helpers/engines.js';
import { FakeClock } from '../helpers/fake-clock.js';
import { asAdmin, auditOf, book, cancel, createEvent } from '../helpers/factories.js';
import { SmtpSink } from '../helpers/smtp-sink.js';
import { type TestApp, createTestApp } from '../helpers/test-app.js';

// jsqr is CommonJS: its module object is the function.
const jsQR = jsQRModule as unknown as typeof jsQRModule.default;

describe.each(ENGINES)('e-mail to bookers on $name', (engine) => {
  let t: TestApp;
  const smtp = new SmtpSink();
  const clock = new FakeClock();

  beforeAll(async () => {
    await smtp.listen();
    t = await createTestApp(engine, {
      clock: clock.now,
      deliveries: { mail: { smtpUrl: smtp.url, from: 'Boxoffice <tickets@boxoffice.test>' }, publicUrl: 'https://tickets.example.com' },
    });
    // The mail channel starts where the log is when e-mail is first switched on, as at a server's start.
    await t.deliveries.engine.runOnce();
  });
  afterAll(async () => {
    await t.close();
    await smtp.close();
  });

  it('writes each booker whose user id is an address: confirmed, waitlisted with the position, promoted, cancelled', async () => {
    const event = await createEvent(t.app, { name: 'Jazz night', totalTickets: 1 });
    await book(t.app, event.id, 'ada@example.com');
    await book(t.app, event.id, 'bob@example.com');
    await book(t.app, event.id, 'not-an-address');
    await t.deliveries.engine.runOnce();
    await cancel(t.app, event.id, 'ada@example.com');
    await t.deliveries.engine.runOnce();

    expect(smtp.to('ada@example.com').map((mail) => mail.subject)).toEqual(
      expect.arrayContaining(['Booking confirmed: Jazz night', 'Booking cancelled: Jazz night']),
    );
    const bob = smtp.to('bob@example.com');
    expect(bob.map((mail) => mail.subject).sort()).toEqual(['On the waiting list: Jazz night', "You're in: Jazz night"]);
    const waitlisted = bob.find((mail) => mail.subject.startsWith('On the waiting list'));
    expect(waitlisted?.decoded).toContain('you are number 1 on the waiting list');
    expect(waitlisted?.raw).toMatch(/Content-Type: text\/plain/);
    expect(waitlisted?.raw).toMatch(/Content-Type: text\/html/);
    expect(waitlisted?.decoded).toContain(`https://tickets.example.com/events/${event.id}`);
    expect(waitlisted?.raw).toMatch(/^From: Boxoffice <tickets@boxoffice\.test>/m);
    expect(smtp.messages.every((mail) => !mail.to.includes('not-an-address'))).toBe(true);
    expect(smtp.messages).toHaveLength(4);
  });

  /** The ticket's QR code, decoded from the message's inline PNG. */
  function qrCodeIn(raw: string): string | null {
    const part = raw.split(/\r?\n--/).find((section) => /Content-ID: <ticket-qr>/i.test(section));
    const base64 = part?.split(/\r?\n\r?\n/)[1]?.replace(/\s+/g, '');
    if (!base64) return null;
    const png = PNG.sync.read(Buffer.from(base64, 'base64'));
    return jsQR(new Uint8ClampedArray(png.data), png.width, png.height)?.data ?? null;
  }

  it('tells a hold its deadline with the link to confirm, the confirmation its ticket code and QR code, and a lapse that it expired', async () => {
    const event = await createEvent(t.app, { name: 'Holds', totalTickets: 4 });
    const held = await t.app.inject({
      method: 'POST',
      url: `/api/v1/events/${event.id}/bookings`,
      headers: asAdmin(),
      payload: { userId: 'hal@example.com', quantity: 2, hold: true },
    });
    expect(held.statusCode).toBe(201);
    const late = await t.app.inject({
      method: 'POST',
      url: `/api/v1/events/${event.id}/bookings`,
      headers: asAdmin(),
      payload: { userId: 'lou@example.com', hold: true },
    });
    expect(late.statusCode).toBe(201);
    await t.deliveries.engine.runOnce();
    const [holdMail] = smtp.to('hal@example.com');
    expect(holdMail?.subject).toBe('Tickets held for you: Holds');
    expect(holdMail?.decoded).toContain('2 tickets to Holds are held for you.');
    expect(holdMail?.decoded).toMatch(/Confirm before .*\(UTC\)/);
    expect(holdMail?.decoded).toContain(`Confirm here: https://tickets.example.com/events/${event.id}`);

    const confirmed = await t.app.inject({
      method: 'POST',
      url: `/api/v1/events/${event.id}/bookings/hal@example.com/confirm`,
      headers: asAdmin(),
    });
    expect(confirmed.statusCode).toBe(200);
    const ticketCode = confirmed.json().booking.ticketCode as string;
    clock.advance(3_600_000);
    await t.service.expireDue(event.id);
    await t.deliveries.engine.runOnce();

    const confirmation = smtp.to('hal@example.com').find((mail) => mail.subject === 'Booking confirmed: Holds');
    expect(confirmation?.decoded).toContain(`Your ticket code: ${ticketCode}`);
    expect(qrCodeIn(confirmation?.raw ?? '')).toBe(ticketCode);
    expect(smtp.to('lou@example.com').map((mail) => mail.subject)).toEqual(['Tickets held for you: Holds', 'Hold expired: Holds']);
  });

  it('offers freed tickets to the head of the list with the deadline', async () => {
    const response = await t.app.inject({
      method: 'POST',
      url: '/api/v1/events',
      headers: asAdmin(),
      payload: { name: 'Offers', totalTickets: 1, waitlistMode: 'offer', offerTtlSeconds: 3600 },
    });
    const event = response.json<{ id: string }>();
    await book(t.app, event.id, 'first@example.com');
    await book(t.app, event.id, 'next@example.com');
    await cancel(t.app, event.id, 'first@example.com');
    await t.deliveries.engine.runOnce();
    const offer = smtp.to('next@example.com').find((mail) => mail.subject === 'Tickets offered to you: Offers');
    expect(offer?.decoded).toContain('1 ticket to Offers is offered to you.');
    expect(offer?.decoded).toMatch(/Confirm before /);
  });

  it('sends one message per entry and recipient, also when it runs again', async () => {
    const before = smtp.messages.length;
    const event = await createEvent(t.app, { name: 'Once', totalTickets: 2 });
    await book(t.app, event.id, 'cy@example.com');
    await t.deliveries.engine.runOnce();
    await t.deliveries.engine.runOnce();
    expect(smtp.messages.length - before).toBe(1);
    // Stable for every attempt of the entry, and unlike any other installation's for its seq.
    const [entry] = (await auditOf(t.app, event.id)).filter((logged) => logged.action === 'booking.confirmed');
    expect(/^Message-ID: (.*)$/im.exec(smtp.to('cy@example.com')[0]?.raw ?? '')?.[1]?.trim()).toMatch(
      new RegExp(`^<entry-${entry?.seq}\\.[0-9a-f]{16}@boxoffice\\.test>$`),
    );
    const response = await t.app.inject({ method: 'GET', url: '/api/v1/webhooks', headers: asAdmin() });
    expect(response.json()).toEqual({ webhooks: [] });
  });

  it('retries while the SMTP server is away and delivers once it is back', async () => {
    await smtp.close();
    const event = await createEvent(t.app, { name: 'Retry', totalTickets: 2 });
    await book(t.app, event.id, 'dee@example.com');
    await t.deliveries.engine.runOnce();
    expect(smtp.to('dee@example.com')).toEqual([]);
    const port = Number(new URL(smtp.url).port);
    await smtp.listenOn(port);
    clock.advance(10_000);
    await t.deliveries.engine.runOnce();
    expect(smtp.to('dee@example.com').map((mail) => mail.subject)).toEqual(['Booking confirmed: Retry']);
  });
});
