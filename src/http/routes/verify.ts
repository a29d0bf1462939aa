import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { Type } from 'typebox';
import { CHECKED_INVARIANTS, type Invariant } from '../../domain/audit-replay.js';
import { DomainError } from '../../domain/errors.js';
import type { ConsistencyCheck } from '../../services/consistency-check.js';
import { requireAdmin } from '../auth.js';
import { EventId, EventParams } from '../schemas.js';

export interface VerifyRoutesOptions {
  check: Pick<ConsistencyCheck, 'checkEvent'>;
}

const Discrepancy = Type.Object({
  eventId: EventId,
  bookingId: Type.Union([Type.String(), Type.Null()]),
  invariant: Type.Unsafe<Invariant>({ type: 'string', enum: [...CHECKED_INVARIANTS] }),
  message: Type.String(),
});

const Verdict = Type.Object({
  eventId: EventId,
  ok: Type.Boolean(),
  discrepancies: Type.Array(Discrepancy),
});

/** The admin's after-incident check of one event: its audit log replayed against what is stored. */
export const verifyRoutes: FastifyPluginAsyncTypebox<VerifyRoutesOptions> = async (app, { check }) => {
  app.get(
    '/events/:eventId/verify',
    {
      schema: {
        params: EventParams,
        response: { 200: Verdict },
        description: "Admin: replays the event's audit log from empty and compares it with the stored event and bookings (I1–I4, I6–I8).",
      },
    },
    async (request) => {
      requireAdmin(request.caller);
      const { eventId } = request.params;
      const discrepancies = await check.checkEvent(eventId);
      if (!discrepancies) throw new DomainError('EVENT_NOT_FOUND', `No event with id "${eventId}".`);
      return { eventId, ok: discrepancies.length === 0, discrepancies };
    },
  );
};
