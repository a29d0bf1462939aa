import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { expect, it } from 'vitest';
import { ADMIN_PASSWORD, ADMIN_USER } from '../../helpers/test-app.js';
import {
  PHONE,
  adminCall,
  browse,
  checkScreen,
  createEvent,
  expectNoPageProblems,
  hasFocus,
  registeredUser,
  shows,
  signedIn,
  userCall,
} from '../harness.js';

export function doorFlows(): void {
  it('lets the admin make a user staff, and staff admit a code once, refuse it again, a cancelled one and an unknown one', async () => {
    const eventId = await createEvent({ name: 'Club night', totalTickets: 10, maxPerBooking: 4 });
    const guest = await registeredUser('guest.door@example.com');
    const booked = await userCall('POST', `/api/v1/events/${eventId}/bookings`, { quantity: 3 }, guest);
    const code = String((booked.body.booking as { ticketCode: string }).ticketCode);
    const leaver = await registeredUser('leaver@example.com');
    const left = await userCall('POST', `/api/v1/events/${eventId}/bookings`, {}, leaver);
    const cancelledCode = String((left.body.booking as { ticketCode: string }).ticketCode);
    expect((await userCall('DELETE', `/api/v1/events/${eventId}/bookings/leaver%40example.com`, undefined, leaver)).status).toBe(200);
    await registeredUser('kim@example.com', 'Kim');

    const admin = await browse();
    await signedIn(admin, ADMIN_USER, ADMIN_PASSWORD);
    await admin.getByRole('link', { name: 'Admin' }).click();
    const staff = admin.getByRole('region', { name: 'Door staff' });
    await staff.getByLabel('Their e-mail address').fill('kim@example.com');
    await staff.getByRole('button', { name: 'Set role' }).click();
    await shows(staff, 'kim@example.com is now door staff');

    // Kim at the door, on a phone.
    const kim = await browse(PHONE);
    await signedIn(kim, 'kim@example.com', undefined, `/check-in?event=${eventId}`);
    await kim.getByRole('heading', { name: 'Check-in: Club night' }).waitFor();
    const field = kim.getByLabel('Ticket code');
    await expect.poll(() => hasFocus(field)).toBe(true);
    const result = kim.locator('[data-door-result]');

    // A scanner types the code and Enter; a person may type it in lower case without dashes.
    await kim.keyboard.type(`${code}\n`);
    await shows(result, 'ADMIT 3');
    await shows(kim, '3 people admitted of 3 tickets booked.');
    expect(await field.inputValue()).toBe('');
    expect(await hasFocus(field)).toBe(true);
    await checkScreen(kim, 'check-in');

    await kim.keyboard.type(`${code.replace(/-/g, '').toLowerCase()}\n`);
    await shows(result, /Already in at \d\d:\d\d/);
    await kim.keyboard.type(`${cancelledCode}\n`);
    await shows(result, 'Not valid: this booking was cancelled.');
    await kim.keyboard.type('ZZZZZ-ZZZZZ-ZZZZZ-ZZZZZ\n');
    await shows(result, 'Unknown ticket');
    expect((await adminCall<{ checkedInCount: number }>('GET', `/api/v1/events/${eventId}`)).body.checkedInCount).toBe(3);
    expectNoPageProblems();
  });

  it('manages webhooks: adds one with its secret shown once, sends a test, lists deliveries, deletes it', async () => {
    // A receiver that takes everything, as a partner system would.
    const received: string[] = [];
    const receiver = createServer((request, response) => {
      let body = '';
      request.on('data', (chunk: Buffer) => (body += chunk.toString()));
      request.on('end', () => {
        received.push(body);
        response.writeHead(204).end();
      });
    });
    await new Promise<void>((resolve) => receiver.listen(0, '127.0.0.1', resolve));
    const hookUrl = `http://127.0.0.1:${(receiver.address() as AddressInfo).port}/hook`;
    try {
      const admin = await browse();
      await signedIn(admin, ADMIN_USER, ADMIN_PASSWORD, '/admin');
      const hooks = admin.getByRole('region', { name: 'Webhooks' });
      await hooks.getByLabel('Address (URL)').fill(hookUrl);
      await hooks.getByLabel('event.created').check();
      await hooks.getByRole('button', { name: 'Add webhook' }).click();
      await shows(hooks, 'only this once');
      expect(await hooks.locator('[data-webhook-secret]').textContent()).toMatch(/^whsec_/);
      await shows(hooks.getByRole('listitem'), hookUrl);

      await hooks.getByRole('button', { name: 'Send test' }).click();
      await shows(hooks, /Test delivered: the receiver answered HTTP 204/);
      await createEvent({ name: 'Webhook watched', totalTickets: 1 });
      await expect.poll(() => received.some((body) => body.includes('Webhook watched')), { timeout: 10_000 }).toBe(true);
      await hooks.getByRole('button', { name: 'Recent deliveries' }).click();
      const deliveries = hooks.getByRole('region', { name: `Recent deliveries to ${hookUrl}` });
      await expect
        .poll(
          async () => {
            await hooks.getByRole('button', { name: 'Refresh deliveries' }).click();
            return deliveries.getByText('event.created').count();
          },
          { timeout: 10_000 },
        )
        .toBeGreaterThan(0);
      await shows(deliveries, 'Delivered (204)');
      await checkScreen(admin, 'admin');

      await hooks.getByRole('button', { name: 'Delete' }).click();
      await hooks.getByRole('button', { name: 'Yes, delete it' }).click();
      await shows(hooks, 'No webhooks yet.');
      expectNoPageProblems();
    } finally {
      receiver.close();
    }
  });
}
