import { afterAll, beforeAll, describe } from 'vitest';
import { setUp, tearDown } from './harness.js';
import { bookingFlows } from './flows/booking.js';
import { doorFlows } from './flows/door.js';
import { organizerFlows } from './flows/organizer.js';
import { ticketFlows } from './flows/tickets.js';

// One server, one Chromium and one build for every flow: the flows live in ./flows, one file a screen group.
describe('the web page, in Chromium against a real server', () => {
  beforeAll(setUp, 90_000);
  afterAll(tearDown);

  describe('booking', bookingFlows);
  describe('organizer', organizerFlows);
  describe('groups, holds, offers and tickets', ticketFlows);
  describe('the door and administration', doorFlows);
});
