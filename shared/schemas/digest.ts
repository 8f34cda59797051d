import { Type, type Static } from '@sinclair/typebox';
import { TimeZoneName, Uuid } from './common.js';

/** Body of `PUT /api/me/digest`. `reminders` (presenter reminders) stays as it is when left out. */
export const DigestSettingsRequest = Type.Object(
  {
    enabled: Type.Boolean(),
    hour: Type.Integer({ minimum: 0, maximum: 23, description: 'local hour at which the digest is sent' }),
    timeZone: TimeZoneName,
    reminders: Type.Optional(Type.Boolean({ description: 'remind me before a session I present' })),
  },
  { additionalProperties: false },
);
export type DigestSettingsRequest = Static<typeof DigestSettingsRequest>;

/** `GET/PUT /api/me/digest`: the settings; `saved` is false while they are the defaults, never saved. */
export const DigestSettings = Type.Object({
  enabled: Type.Boolean(),
  hour: Type.Integer({ minimum: 0, maximum: 23 }),
  timeZone: Type.String(),
  reminders: Type.Boolean(),
  saved: Type.Boolean(),
});
export type DigestSettings = Static<typeof DigestSettings>;

/** The lists a mail can unsubscribe from. */
const MAIL_LISTS = ['digest', 'reminders'] as const;
export type MailList = (typeof MAIL_LISTS)[number];

/** Query of `GET/POST /api/unsubscribe`: a link signed by the server, valid without a session. */
export const UnsubscribeQuery = Type.Object(
  {
    user: Uuid,
    list: Type.Union(MAIL_LISTS.map((l) => Type.Literal(l))),
    sig: Type.String({ minLength: 1, maxLength: 128 }),
  },
  { additionalProperties: false },
);
export type UnsubscribeQuery = Static<typeof UnsubscribeQuery>;

/** JSON answer of the unsubscribe routes. */
export const UnsubscribeResult = Type.Object({
  list: Type.Union(MAIL_LISTS.map((l) => Type.Literal(l))),
  subscribed: Type.Boolean(),
});
export type UnsubscribeResult = Static<typeof UnsubscribeResult>;

/** What one run of the mail job did (`POST /api/admin/digest/run`, `npm run digest`). */
export const DigestRunResult = Type.Object({
  digests: Type.Integer({ description: 'digests sent' }),
  reminders: Type.Integer({ description: 'presenter reminders sent' }),
  skipped: Type.Integer({ description: 'digests not sent because nothing was new' }),
  failed: Type.Integer({ description: 'mails the transport refused (retried on later runs)' }),
});
export type DigestRunResult = Static<typeof DigestRunResult>;
