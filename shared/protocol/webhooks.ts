/** The chat platforms a board can post to, each in its own message format. */
export const WEBHOOK_KINDS = ['slack', 'discord', 'mattermost', 'teams'] as const;
export type WebhookKind = (typeof WEBHOOK_KINDS)[number];

/**
 * What a webhook can be told: a paper nominated, a ballot round opened / closing within a day / closed
 * with its winners, a session scheduled or moved, a session tomorrow.
 */
export const WEBHOOK_EVENTS = [
  'nomination',
  'round.opened',
  'round.closing',
  'round.closed',
  'session.scheduled',
  'session.tomorrow',
] as const;
export type WebhookEvent = (typeof WEBHOOK_EVENTS)[number];

/** Bounds of webhooks: per board, and the URL's length. */
export const WEBHOOK_LIMITS = { perBoard: 10, url: 2000 } as const;
