/** Crockford's base32: no I, L, O or U, so a code can be read aloud and typed without ambiguity. */
export const TICKET_ALPHABET = '0123456789ABCDEFGHJKMNPQRSTVWXYZ';
/**
 * A code's first symbols follow the time it was issued, so codes issued together sit side by side in the
 * unique index instead of one on each of its pages; they are not secret.
 */
export const TICKET_ORDER_SYMBOLS = 5;
/** What makes a code unguessable: 20 symbols of 5 bits, 100 random bits. */
export const TICKET_RANDOM_SYMBOLS = 20;
export const TICKET_CODE_SYMBOLS = TICKET_ORDER_SYMBOLS + TICKET_RANDOM_SYMBOLS;
/** Codes issued before the ordered symbols existed were the random ones alone; they still admit. */
const EARLIER_CODE_SYMBOLS = TICKET_RANDOM_SYMBOLS;
const GROUP = 5;

/** Groups of five joined by dashes, e.g. 0Q4ZM-7K3QD-M2X9P-R4T8V-WB6NC. */
export function formatTicketCode(symbols: string): string {
  const groups: string[] = [];
  for (let start = 0; start < symbols.length; start += GROUP) groups.push(symbols.slice(start, start + GROUP));
  return groups.join('-');
}

/**
 * What a person typed or a scanner sent, as the stored code, or null when it cannot be one: case, spaces
 * and dashes do not matter, and the letters people confuse with digits (I, L → 1; O → 0) are read as
 * Crockford says.
 */
export function normalizeTicketCode(input: string): string | null {
  const symbols = input.toUpperCase().replace(/[\s-]/g, '').replace(/[IL]/g, '1').replace(/O/g, '0');
  if (symbols.length !== TICKET_CODE_SYMBOLS && symbols.length !== EARLIER_CODE_SYMBOLS) return null;
  for (const symbol of symbols) if (!TICKET_ALPHABET.includes(symbol)) return null;
  return formatTicketCode(symbols);
}
