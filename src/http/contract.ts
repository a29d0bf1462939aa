import type { Static } from 'typebox';
import type * as schemas from './schemas.js';

// The HTTP API's shapes as its schemas define them: what a client (the page among them) sends and reads.
// Types only: importing them bundles nothing of the server.

export type EventAnswer = Static<typeof schemas.Event>;
export type NewEventBody = Static<typeof schemas.CreateEventBody>;
export type EventPatchBody = Static<typeof schemas.PatchEventBody>;
export type WaitlistMode = EventAnswer['waitlistMode'];
export type BookingAnswer = Static<typeof schemas.Booking>;
export type BookingStatus = BookingAnswer['status'];
export type AuditEntryAnswer = Static<typeof schemas.AuditEntry>;
export type ProblemAnswer = Static<typeof schemas.Problem>;
export type SessionProfile = NonNullable<Static<typeof schemas.SessionAnswer>['session']>;
export type Role = SessionProfile['role'];
export type WebhookAnswer = Static<typeof schemas.Webhook>;
export type DeliveryAttemptAnswer = Static<typeof schemas.DeliveryAttempt>;
