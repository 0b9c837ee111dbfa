export type RunSource = 'SCHEDULE' | 'MANUAL' | 'BACKFILL';

/** At most this many slots per backfill request (api.md). */
export const MAX_BACKFILL_SLOTS = 1000;
