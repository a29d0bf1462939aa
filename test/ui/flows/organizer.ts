import { readFileSync } from 'node:fs';
import { expect, it } from 'vitest';
import { ADMIN_PASSWORD, ADMIN_USER } from '../../helpers/test-app.js';
import {
  bookingPanel,
  browse,
  checkScreen,
  documentWasKept,
  expectNoPageProblems,
  markDocument,
  registeredUser,
  shows,
  signedIn,
  userCall,
} from '../harness.js';

export function organizerFlows(): void {
  it('creates an event in its own zone, edits it, books for someone, promotes by raising capacity, closes sales; the audit log shows old → new and filters', async () => {
    const admin = await browse();
    await signedIn(admin, ADMIN_USER, ADMIN_PASSWORD);
    const create = admin.getByRole('region', { name: 'Create an event' });
    await create.getByLabel('Name').fill('Pottery workshop');
    await create.getByLabel('Time zone').selectOption('America/New_York');
    // The start is read as New York time, and the label says so.
    await create.getByLabel(/Starts at \(America\/New York time\)/).fill('2027-03-20T18:30');
    await create.getByLabel('Venue').fill('Studio 2');
    await create.getByLabel('Description').fill('Bring an apron.\nClay and tools provided.');
    await create.getByLabel('Tickets').fill('1');
    await create.getByRole('button', { name: 'Create event' }).click();
    await admin.getByRole('heading', { name: 'Pottery workshop', level: 1 }).waitFor();
    const eventId = decodeURIComponent(new URL(admin.url()).pathname.split('/').at(-1) ?? '');
    const created = await userCall('GET', `/api/v1/events/${eventId}`);
    expect(created.body).toMatchObject({
      timeZone: 'America/New_York',
      startsAt: '2027-03-20T18:30:00-04:00',
      description: 'Bring an apron.\nClay and tools provided.',
    });
    await shows(admin, /March 20, 2027.*6:30\s?PM.*\(America\/New York\)/);
    await shows(admin, 'Clay and tools provided.');
    expect(await admin.getByRole('link', { name: 'Add to calendar' }).getAttribute('href')).toBe(`/api/v1/events/${eventId}/calendar.ics`);

    const edit = admin.getByRole('region', { name: 'Edit event details and booking rules' });
    await edit.getByLabel('Name').fill('Pottery workshop for beginners');
    await edit.getByLabel('Venue').fill('Studio 3');
    await edit.getByLabel('Tickets per booking, at most').fill('2');
    await edit.getByLabel('Freed tickets').selectOption('offer');
    await edit.getByLabel('Time to accept an offer (hours)').fill('2');
    await edit.getByLabel('Time to confirm a hold (minutes)').fill('5');
    await edit.getByRole('button', { name: 'Save changes' }).click();
    await shows(edit, 'Saved');
    await admin.getByRole('heading', { name: 'Pottery workshop for beginners', level: 1 }).waitFor();
    expect((await userCall('GET', `/api/v1/events/${eventId}`)).body).toMatchObject({
      maxPerBooking: 2,
      waitlistMode: 'offer',
      offerTtlSeconds: 7_200,
      holdTtlSeconds: 300,
    });
    // Dan waits for an offer from here on; the rest of this flow wants tickets handed out at once.
    await edit.getByLabel('Freed tickets').selectOption('auto');
    await edit.getByRole('button', { name: 'Save changes' }).click();
    await expect.poll(async () => (await userCall('GET', `/api/v1/events/${eventId}`)).body.waitlistMode).toBe('auto');

    const carolToken = await registeredUser('carol@example.com');
    expect((await userCall('POST', `/api/v1/events/${eventId}/bookings`, {}, carolToken)).status).toBe(201);
    await registeredUser('dan@example.com', 'Dan');
    const dan = await browse();
    await signedIn(dan, 'dan@example.com', undefined, `/events/${eventId}`);
    await dan.getByRole('button', { name: 'Join the waiting list' }).click();
    await shows(bookingPanel(dan), 'Waiting list position 1');
    await markDocument(dan);

    // A phone booking: the organizer books for a named person, who joins the list behind Dan.
    const forSomeone = admin.getByRole('region', { name: 'Book or cancel for someone' });
    await forSomeone.getByLabel('E-mail address or user ID').fill('Eve@Example.com');
    await forSomeone.getByRole('button', { name: 'Book for them' }).click();
    await shows(forSomeone, 'Booked 1 ticket for eve@example.com: on the waiting list at position 2.');

    const waitingList = admin.getByRole('region', { name: 'Waiting list, in order' });
    await shows(waitingList, 'dan@example.com');
    await admin.getByLabel('Total tickets').fill('2');
    await admin.getByRole('button', { name: 'Save capacity' }).click();
    await shows(admin, '1 booking from the waiting list got tickets');
    await shows(bookingPanel(dan), 'Confirmed');
    expect(await documentWasKept(dan)).toBe(true);

    await forSomeone.getByLabel('E-mail address or user ID').fill('eve@example.com');
    await forSomeone.getByRole('button', { name: 'Cancel their booking' }).click();
    await shows(forSomeone, 'Cancelled the booking of eve@example.com.');

    const audit = admin.getByRole('region', { name: 'Audit log, oldest first' });
    await shows(audit, 'Got tickets from the waiting list');
    await shows(audit, 'name: "Pottery workshop" → "Pottery workshop for beginners"');
    await shows(audit, 'venue: "Studio 2" → "Studio 3"');
    await shows(audit, 'tickets: 1 → 2');
    await admin.getByLabel('What happened').selectOption('booking.cancelled');
    await expect.poll(() => audit.locator('tbody tr').count()).toBe(1);
    await admin.getByLabel('What happened').selectOption('');
    await admin.getByLabel('Person or actor').fill('dan@');
    await expect.poll(() => audit.locator('tbody tr').count()).toBe(2);
    expect(await audit.getByText('themself').count()).toBe(0);
    await admin.getByLabel('Person or actor').fill('');

    await admin.getByRole('button', { name: 'Close sales' }).click();
    await shows(admin, 'Sales are closed: nobody can book');
    const [download] = await Promise.all([
      admin.waitForEvent('download'),
      admin.getByRole('button', { name: 'Download attendee list (CSV)' }).click(),
    ]);
    expect(download.suggestedFilename()).toBe(`${eventId}-attendees.csv`);
    const csv = readFileSync(String(await download.path()), 'utf8');
    expect(csv.split(/\r?\n/)[0]).toContain('userId');
    expect(csv).toContain('dan@example.com');
    await checkScreen(admin, 'organizer');
    expectNoPageProblems();
  });
}
