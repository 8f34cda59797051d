/** Bounds shared by validation, the client's inputs and the database constraints (migration 0020). */
export const FEEDBACK_LIMITS = { takeaway: 280, score: { min: 1, max: 5 } } as const;
