import { Type, type Static } from '@sinclair/typebox';
import { Uuid } from './common.js';

/** Path parameters of `…/cards/:cardId/note`. */
export const NoteParams = Type.Object({
  boardId: Uuid,
  cardId: Type.String({ minLength: 1, maxLength: 200 }),
});
export type NoteParams = Static<typeof NoteParams>;

/**
 * What members know of a card's note besides its text (which travels over `/yjs/<boardId>/notes/<cardId>`):
 * whether the owner published it on the board's public page, when and by whom.
 */
export const NoteSettings = Type.Object({
  cardId: Type.String(),
  public: Type.Boolean(),
  publishedAt: Type.Union([Type.String({ format: 'date-time' }), Type.Null()]),
  /** Display name of the member who published it; null when unpublished or their account is gone. */
  publishedBy: Type.Union([Type.String(), Type.Null()]),
});
export type NoteSettings = Static<typeof NoteSettings>;

/**
 * Body of `PUT …/cards/:cardId/note` (owners): `public: true` shows the note under the card's past session
 * on the public page (when the board's page is on and the card's column is shown), `false` hides it again.
 */
export const NoteSettingsRequest = Type.Object({ public: Type.Boolean() }, { additionalProperties: false });
export type NoteSettingsRequest = Static<typeof NoteSettingsRequest>;
