import { ApiError, type Booking, NETWORK_ERROR } from './api.js';

/** What the person was doing when the call failed; the same code reads differently in each. */
export type Situation = 'sign-in' | 'sign-up' | 'load' | 'book' | 'cancel' | 'create-event' | 'update-event';

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
};

function validationSentence(error: ApiError): string {
  const fields = new Set((error.problem.errors ?? []).map((issue) => issue.path.split('/').filter(Boolean).at(-1) ?? ''));
  const sentences = [...fields].map((field) => FIELD_SENTENCES[field]).filter((sentence) => sentence !== undefined);
  return sentences.length > 0 ? sentences.join(' ') : 'Some of the details are not valid. Check them and try again.';
}

function bookingSentence(booking: Booking): string {
  if (booking.status === 'confirmed') return 'your ticket is confirmed';
  if (booking.status === 'waitlisted') return `you're #${booking.position ?? '?'} on the waiting list`;
  return 'it was cancelled';
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
      return situation === 'cancel' ? 'There is no booking to cancel: it was already cancelled.' : "You don't have a booking for this event.";
    case 'ALREADY_BOOKED':
      return error.problem.booking
        ? `You already have a booking for this event: ${bookingSentence(error.problem.booking)}.`
        : 'You already have a booking for this event.';
    case 'SALES_CLOSED':
      return 'Booking is closed for this event: the organizer is not taking new bookings right now.';
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
      return situation === 'create-event' || situation === 'update-event'
        ? 'Only the organizer can manage events. Sign in with the admin account.'
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
