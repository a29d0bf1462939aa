import { randomFillSync } from 'node:crypto';
import { TICKET_ALPHABET, TICKET_CODE_SYMBOLS, formatTicketCode } from '../domain/ticket-code.js';

const CODES_PER_REFILL = 256;
const entropy = Buffer.alloc(TICKET_CODE_SYMBOLS * CODES_PER_REFILL);
let used = entropy.length;

/** A new ticket code: 20 Crockford symbols, each 5 bits from the CSPRNG (100 bits), never derived from an id. */
export function newTicketCode(): string {
  if (used === entropy.length) {
    randomFillSync(entropy);
    used = 0;
  }
  let symbols = '';
  for (let index = 0; index < TICKET_CODE_SYMBOLS; index++) {
    // 256 is a multiple of 32, so the low five bits of a random byte are uniform.
    symbols += TICKET_ALPHABET[(entropy[used + index] ?? 0) & 31];
  }
  used += TICKET_CODE_SYMBOLS;
  return formatTicketCode(symbols);
}
