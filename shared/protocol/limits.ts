/**
 * Bounds on what the board document may hold. The helpers refuse to write beyond them and the readers
 * treat entries beyond them as malformed. Lengths count Unicode code points, as PostgreSQL and Ajv do.
 */
export const BOARD_DOC_LIMITS = {
  /** Column title. */
  title: 100,
  /** Comment body. */
  commentBody: 10_000,
  /** Fractional-index `order` string of a column or card. */
  order: 128,
  /** Any id stored in the document: entry keys, `paperId`, `columnId`, `addedBy`, `authorId`, `replyTo`. */
  id: 128,
} as const;
