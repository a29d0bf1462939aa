import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ENGINES } from '../helpers/engines.js';
import { FakeClock } from '../helpers/fake-clock.js';
import { asAdmin, book, cancel, createEvent } from '../helpers/factories.js';
import { SmtpSink } from '../helpers/smtp-sink.js';
import { type TestApp, createTestApp } from '../helpers/test-app.js';

describe.each(ENGINES)('e-mail to bookers on $name', (engine) => {
  let t: TestApp;
  const smtp = new SmtpSink();
  const clock = new FakeClock();

  beforeAll(async () => {
    await smtp.listen();
    t = await createTestApp(engine, {
      deliveries: { clock: clock.now, mail: { smtpUrl: smtp.url, from: 'Boxoffice <tickets@boxoffice.test>' }, publicUrl: 'https://tickets.example.com' },
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

  it('sends one message per entry and recipient, also when it runs again', async () => {
    const before = smtp.messages.length;
    const event = await createEvent(t.app, { name: 'Once', totalTickets: 2 });
    await book(t.app, event.id, 'cy@example.com');
    await t.deliveries.engine.runOnce();
    await t.deliveries.engine.runOnce();
    expect(smtp.messages.length - before).toBe(1);
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
