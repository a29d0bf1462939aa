import { randomFillSync } from 'node:crypto';
import { TICKET_ALPHABET, TICKET_ORDER_SYMBOLS, TICKET_RANDOM_SYMBOLS, formatTicketCode } from '../domain/ticket-code.js';

const CODES_PER_REFILL = 256;
const entropy = Buffer.alloc(TICKET_RANDOM_SYMBOLS * CODES_PER_REFILL);
let used = entropy.length;

/**
 * The ordered symbols count 16 ms steps and wrap after 32^5 of them (6.2 days): a step holds the codes of a
 * few transactions, and after a wrap new codes go in beside those of six days before, still in one place.
 */
const ORDER_STEP_MS = 16;
const ORDER_STEPS = TICKET_ALPHABET.length ** TICKET_ORDER_SYMBOLS;

/**
 * A new ticket code: 5 symbols from the time of issue, then 20 Crockford symbols, each 5 bits from the
 * CSPRNG (100 bits), never derived from an id. A flash sale's codes in random places of the unique index
 * dirtied a page of it per booking: on SQLite that was a third of the database's work per booking.
 */
export function newTicketCode(now: number): string {
  if (used === entropy.length) {
    randomFillSync(entropy);
    used = 0;
  }
  let step = Math.floor(now / ORDER_STEP_MS) % ORDER_STEPS;
  let symbols = '';
  for (let index = 0; index < TICKET_ORDER_SYMBOLS; index++) {
    symbols = `${TICKET_ALPHABET[step % TICKET_ALPHABET.length] ?? ''}${symbols}`;
    step = Math.floor(step / TICKET_ALPHABET.length);
  }
  for (let index = 0; index < TICKET_RANDOM_SYMBOLS; index++) {
    // 256 is a multiple of 32, so the low five bits of a random byte are uniform.
    symbols += TICKET_ALPHABET[(entropy[used + index] ?? 0) & 31];
  }
  used += TICKET_RANDOM_SYMBOLS;
  return formatTicketCode(symbols);
}
