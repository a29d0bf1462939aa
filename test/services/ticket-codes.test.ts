import { describe, expect, it } from 'vitest';
import { normalizeTicketCode } from '../../src/domain/ticket-code.js';
import { newTicketCode } from '../../src/services/ticket-codes.js';

const START = Date.parse('2026-11-29T02:00:00.000Z');

describe('newTicketCode', () => {
  it('sorts codes issued later after codes issued earlier, so a flash sale adds to one end of the unique index', () => {
    const issued = Array.from({ length: 200 }, (_, index) => newTicketCode(START + index * 20));
    expect([...issued].sort()).toEqual(issued);
  });

  it('gives codes of the same instant the same first five symbols and 100 random bits after them', () => {
    const codes = Array.from({ length: 1_000 }, () => newTicketCode(START));
    expect(new Set(codes.map((code) => code.slice(0, 5))).size).toBe(1);
    expect(new Set(codes).size).toBe(codes.length);
    // Each of the 20 random symbols takes all 32 values across a thousand codes.
    const random = codes.map((code) => code.replaceAll('-', '').slice(5));
    for (let index = 0; index < 20; index++) expect(new Set(random.map((symbols) => symbols[index])).size).toBe(32);
  });

  it('issues codes the door reads back unchanged', () => {
    const code = newTicketCode(START);
    expect(code).toMatch(/^[0-9A-HJKMNP-TV-Z]{5}(?:-[0-9A-HJKMNP-TV-Z]{5}){4}$/);
    expect(normalizeTicketCode(code.toLowerCase().replaceAll('-', ' '))).toBe(code);
  });
});
