/**
 * Bounds of availability polls (issue #18), shared by validation and the client's form: 2–12 slots, each
 * at most `daysAhead` days ahead; at most `openPerBoard` open polls on one board at a time.
 */
export const POLL_LIMITS = { minSlots: 2, maxSlots: 12, daysAhead: 366, openPerBoard: 20, cardId: 200 } as const;
