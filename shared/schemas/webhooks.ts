import { Type, type Static } from '@sinclair/typebox';
import { Uuid } from './common.js';
import {
  WEBHOOK_EVENTS,
  WEBHOOK_KINDS,
  WEBHOOK_LIMITS,
  type WebhookEvent,
  type WebhookKind,
} from '#shared/protocol/webhooks.js';

export { WEBHOOK_EVENTS, WEBHOOK_KINDS, WEBHOOK_LIMITS, type WebhookEvent, type WebhookKind };

/** Path parameters of one webhook. */
export const WebhookParams = Type.Object({ boardId: Uuid, webhookId: Uuid });

/** Body of `POST /api/boards/:boardId/webhooks` (owners). */
export const NewWebhook = Type.Object(
  {
    kind: Type.Union(WEBHOOK_KINDS.map((k) => Type.Literal(k))),
    url: Type.String({ minLength: 10, maxLength: WEBHOOK_LIMITS.url }),
    events: Type.Array(Type.Union(WEBHOOK_EVENTS.map((e) => Type.Literal(e))), {
      minItems: 1,
      maxItems: WEBHOOK_EVENTS.length,
      uniqueItems: true,
    }),
  },
  { additionalProperties: false },
);
export type NewWebhook = Static<typeof NewWebhook>;

/** Body of `PATCH /api/boards/:boardId/webhooks/:webhookId`: re-enable a disabled hook (or pause one). */
export const WebhookChange = Type.Object(
  {
    enabled: Type.Optional(Type.Boolean()),
    events: Type.Optional(NewWebhook.properties.events),
  },
  { additionalProperties: false, minProperties: 1 },
);
export type WebhookChange = Static<typeof WebhookChange>;

/**
 * A webhook as owners see it. The URL is a secret: only `maskedUrl` is ever answered (scheme, host and its
 * last four characters). `status`: active, failing (its latest attempts failed: `lastError` says why) or
 * disabled (after repeated failures, or by an owner; re-enabled with PATCH).
 */
export const Webhook = Type.Object({
  id: Uuid,
  kind: NewWebhook.properties.kind,
  maskedUrl: Type.String(),
  events: NewWebhook.properties.events,
  status: Type.Union([Type.Literal('active'), Type.Literal('failing'), Type.Literal('disabled')]),
  failures: Type.Integer(),
  lastError: Type.Union([Type.String(), Type.Null()]),
  lastDeliveredAt: Type.Union([Type.String(), Type.Null()]),
  disabledAt: Type.Union([Type.String(), Type.Null()]),
  createdAt: Type.String(),
});
export type Webhook = Static<typeof Webhook>;

/** `GET /api/boards/:boardId/webhooks`. */
export const WebhookList = Type.Object({ items: Type.Array(Webhook) });
export type WebhookList = Static<typeof WebhookList>;
