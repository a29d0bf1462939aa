/** Bounds of the domain's values; the HTTP schemas and the database constraints use the same numbers. */
export const EVENT_ID_PATTERN = '^[A-Za-z0-9_-]{1,64}$';
export const USER_ID_PATTERN = '^[A-Za-z0-9._@+:|-]{1,128}$';
/** An e-mail whose characters, lower-cased, all fit USER_ID_PATTERN, so the address can be the user id. */
export const EMAIL_PATTERN = '^[A-Za-z0-9._+-]+@[A-Za-z0-9](?:[A-Za-z0-9-]*[A-Za-z0-9])?(?:\\.[A-Za-z0-9](?:[A-Za-z0-9-]*[A-Za-z0-9])?)+$';
export const USER_ID_MAX = 128;
export const EVENT_NAME_MAX = 200;
export const VENUE_MAX = 200;
export const TOTAL_TICKETS_MIN = 1;
export const TOTAL_TICKETS_MAX = 1_000_000;
export const DESCRIPTION_MAX = 2_000;
export const QUANTITY_MAX = 100;
export const MAX_PER_BOOKING_DEFAULT = 10;
export const OFFER_TTL_MAX_SECONDS = 2_592_000;
export const OFFER_TTL_DEFAULT_SECONDS = 86_400;
export const HOLD_TTL_MAX_SECONDS = 86_400;
export const HOLD_TTL_DEFAULT_SECONDS = 900;
