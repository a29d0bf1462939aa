import { describe, expect, it } from 'vitest';
import { Type } from 'typebox';
import { serializerCompiler, withPlainUnions } from '../../src/http/response-serializer.js';
import { Booking } from '../../src/http/schemas.js';

const serializerFor = (schema: unknown) => serializerCompiler({ schema, method: 'GET', url: '/', httpStatus: '200' });

describe('response serialiser', () => {
  it('writes a nullable field as a type list and a union of string literals as a string', () => {
    const schema = Type.Object({
      at: Type.Union([Type.String({ format: 'date-time' }), Type.Null()]),
      status: Type.Union([Type.Literal('booked'), Type.Literal('held')]),
      count: Type.Union([Type.Integer(), Type.Null()], { description: 'kept' }),
    });
    expect(withPlainUnions(schema)).toMatchObject({
      properties: {
        at: { type: ['string', 'null'], format: 'date-time' },
        status: { type: 'string' },
        count: { type: ['integer', 'null'], description: 'kept' },
      },
    });
  });

  it('leaves unions it cannot tell apart by type alone as they are', () => {
    const schema = Type.Union([Type.String(), Type.Integer()]);
    expect(withPlainUnions(schema)).toEqual({ anyOf: [{ type: 'string' }, { type: 'integer' }] });
  });

  it('writes a booking exactly as JSON.stringify does, nulls and all', () => {
    const booking = {
      id: 'b1',
      eventId: 'gig',
      userId: 'ann',
      quantity: 2,
      hold: false,
      status: 'waitlisted',
      position: 3,
      expiresAt: null,
      ticketCode: null,
      checkedInAt: null,
      createdAt: '2027-01-01T10:00:00.000Z',
      updatedAt: '2027-01-01T10:00:00.000Z',
      confirmedAt: null,
      cancelledAt: null,
    };
    const serialize = serializerFor(Type.Object({ booking: Booking, promoted: Type.Union([Booking, Type.Null()]) }));
    expect(serialize({ booking, promoted: null })).toBe(JSON.stringify({ booking, promoted: null }));
    const promoted = { ...booking, status: 'confirmed', position: null, ticketCode: 'ABCDE-FGHJK-MNPQR-STVWX' };
    expect(serialize({ booking, promoted })).toBe(JSON.stringify({ booking, promoted }));
  });
});
