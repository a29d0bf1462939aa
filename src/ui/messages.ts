import { ApiError, type Booking, NETWORK_ERROR } from './api.js';
import { formatClock } from './format.js';

/** What the person was doing when the call failed; the same code reads differently in each. */
export type Situation =
  'sign-in' | 'sign-up' | 'load' | 'book' | 'cancel' | 'confirm' | 'reduce' | 'create-event' | 'update-event' | 'check-in' | 'manage';

const FIELD_SENTENCES: Record<string, string> = {
  email: 'Enter a valid e-mail address, such as name@example.com.',
  password: 'Choose a password of at least 10 characters.',
  name: 'Give a name of 1 to 200 characters.',
  totalTickets: 'The number of tickets must be a whole number from 1 to 1,000,000.',
  id: 'The event ID may use letters, digits, "-" and "_" only, up to 64 characters.',
  eventId: 'This event link is not valid: event IDs use letters, digits, "-" and "_" only.',
  venue: 'The venue can be at most 200 characters.',
  startsAt: 'Enter the start as a date and time.',
  salesOpen: 'Sales can only be open or closed.',
  description: 'The description can be at most 2,000 characters.',
  timeZone: 'Choose a time zone from the list, such as Europe/Berlin.',
  quantity: 'Choose a whole number of tickets.',
  maxPerBooking: 'Tickets per booking must be a whole number from 1 to 100.',
  waitlistMode: 'Choose how freed tickets reach the waiting list.',
  offerTtlSeconds: 'An offer must last from 1 second to 30 days.',
  holdTtlSeconds: 'A hold must last from 1 second to 1 day.',
  userId: 'Name the person by their e-mail address or user ID.',
  userEmail: 'Enter a valid e-mail address, such as name@example.com.',
  ticketCode: 'That is not a ticket code: codes are 25 letters and digits.',
  url: 'Enter a full web address starting with http:// or https://.',
  role: 'Choose staff or user.',
};

function validationSentence(error: ApiError): string {
  const fields = new Set((error.problem.errors ?? []).map((issue) => issue.path.split('/').filter(Boolean).at(-1) ?? ''));
  const sentences = [...fields].map((field) => FIELD_SENTENCES[field]).filter((sentence) => sentence !== undefined);
  return sentences.length > 0 ? sentences.join(' ') : 'Some of the details are not valid. Check them and try again.';
}

function bookingSentence(booking: Booking): string {
  if (booking.status === 'confirmed')
    return booking.quantity > 1 ? `your ${booking.quantity} tickets are confirmed` : 'your ticket is confirmed';
  if (booking.status === 'waitlisted') return `you're #${booking.position ?? '?'} on the waiting list`;
  if (booking.status === 'pending') return 'tickets are held for you until you confirm';
  return 'it was cancelled';
}

function whose(situation: Situation): string {
  return situation === 'check-in' ? 'This ticket' : 'This booking';
}

function waitSentence(error: ApiError): string {
  return error.retryAfter ? `Please wait ${error.retryAfter} seconds and try again.` : 'Please wait a moment and try again.';
}

/** One clear sentence (or two) for any failed call: the person never sees a code or a stack. */
export function describeError(error: unknown, situation: Situation): string {
  if (!(error instanceof ApiError)) return 'Something unexpected went wrong in this page. Reload it and try again.';
  switch (error.code) {
    case NETWORK_ERROR:
      return situation === 'load'
        ? "We couldn't reach the server. Check your connection; the page will try again."
        : "We couldn't reach the server, so that did not go through. Check your connection and try again.";
    case 'VALIDATION_FAILED':
      return validationSentence(error);
    case 'EVENT_NOT_FOUND':
      return "This event doesn't exist. The link may be mistyped, or the event was never created.";
    case 'BOOKING_NOT_FOUND':
      return situation === 'cancel' || situation === 'reduce' || situation === 'confirm'
        ? 'There is no active booking to change: it was already cancelled or has expired.'
        : "You don't have a booking for this event.";
    case 'ALREADY_BOOKED':
      return error.problem.booking
        ? `You already have a booking for this event: ${bookingSentence(error.problem.booking)}.`
        : 'You already have a booking for this event.';
    case 'SALES_CLOSED':
      return 'Booking is closed for this event: the organizer is not taking new bookings, or the event has started.';
    case 'QUANTITY_NOT_ALLOWED':
      return situation === 'reduce'
        ? 'Choose fewer tickets than you have now: a booking can only be made smaller.'
        : 'That is more tickets than one booking may hold for this event. Choose fewer.';
    case 'NOT_PENDING':
      return 'There is nothing to confirm: this booking is not waiting for a confirmation.';
    case 'EXPIRED':
      return 'The time to confirm has run out, so the tickets went back. You can book again.';
    case 'ALREADY_CHECKED_IN': {
      const at = error.problem.booking?.checkedInAt;
      return situation === 'check-in'
        ? `Already in${at ? ` at ${formatClock(at)}` : ''}.`
        : `${whose(situation)} has already been used at the door, so it can no longer be changed.`;
    }
    case 'TICKET_NOT_VALID':
      return situation === 'check-in' ? 'Not valid: this booking was cancelled.' : 'This ticket is no longer valid.';
    case 'TICKET_NOT_FOUND':
      return 'Unknown ticket: no booking for this event has that code.';
    case 'WEBHOOK_NOT_FOUND':
      return 'That webhook no longer exists. Reload the list.';
    case 'CAPACITY_BELOW_BOOKED':
      return "The number of tickets can't go below the tickets already booked. Choose a larger number.";
    case 'EVENT_EXISTS':
      return 'An event with this ID already exists. Choose another ID, or leave it empty to get one made up.';
    case 'USER_EXISTS':
      return 'An account with this e-mail address already exists. Sign in instead.';
    case 'UNAUTHORIZED':
      return situation === 'sign-in'
        ? "That e-mail address and password don't match. Check them and try again."
        : 'You need to sign in again: your session has ended.';
    case 'FORBIDDEN':
      return situation === 'create-event' || situation === 'update-event' || situation === 'manage'
        ? 'Only the organizer can do that. Sign in with the admin account.'
        : situation === 'check-in'
          ? 'Only staff and the organizer can check tickets in.'
          : "Your account isn't allowed to do that.";
    case 'RATE_LIMITED':
      return `Too many attempts in a short time. ${waitSentence(error)}`;
    case 'PAYLOAD_TOO_LARGE':
      return 'That is more text than we accept. Shorten it and try again.';
    case 'IDEMPOTENCY_KEY_IN_USE':
      return `That request is still being processed. ${waitSentence(error)}`;
    case 'IDEMPOTENCY_KEY_REUSED':
      return 'That request clashed with an earlier one. Reload the page and try again.';
    case 'UNAVAILABLE':
      return `The service is busy or briefly unavailable, and nothing was changed. ${waitSentence(error)}`;
    case 'NOT_FOUND':
      return "The server doesn't know that address. Reload the page; if it keeps happening, the site may be updating.";
    default: {
      const reference = error.problem.requestId ? ` (reference ${error.problem.requestId})` : '';
      return `Something went wrong on our side${reference}. Please try again.`;
    }
  }
}
