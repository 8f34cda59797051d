import * as Y from 'yjs';

/** Who sends an update, as decided when the connection was authenticated. */
export interface Sender {
  userId: string;
  /** Owners may soft-delete anyone's comment (`deleted: true`, empty body). */
  canModerate: boolean;
}

/** Outcome of {@link checkUpdate}. */
export type Verdict =
  | { kind: 'ok' }
  /** The update depends on state the server lacks; applying it would park it as pending. */
  | { kind: 'incomplete' }
  | { kind: 'refused'; reason: string };

const COMMENT_FIELDS_KEPT_BY_MODERATION = ['authorId', 'cardId', 'createdAt', 'editedAt', 'replyTo'] as const;

function fieldOf(map: Y.Map<unknown>, key: string, field: string): unknown {
  const entry = map.get(key);
  return entry instanceof Y.Map ? (entry as Y.Map<unknown>).get(field) : undefined;
}

/** Top-level keys of `map` that a transaction touched, directly or inside their entry. */
function watchKeys(map: Y.Map<unknown>): { keys: Set<string>; stop(): void } {
  const keys = new Set<string>();
  const observer = (events: Y.YEvent<Y.AbstractType<unknown>>[]) => {
    for (const event of events) {
      if (event.path.length > 0) keys.add(String(event.path[0]));
      else if (event instanceof Y.YMapEvent) for (const key of event.keysChanged) keys.add(key);
    }
  };
  map.observeDeep(observer);
  return { keys, stop: () => map.unobserveDeep(observer) };
}

/**
 * Checks an incoming update against ARCHITECTURE.md §3 before it touches the live document.
 *
 * `shadow` is a replica of `live` (same updates, same order). The update is applied to the shadow only,
 * the card and comment keys it touched are collected, and each entry's fields before (live) and after
 * (shadow) are compared. Whatever the verdict, the shadow then holds the update: the caller applies it
 * to `live` on `ok` and rebuilds the shadow otherwise. Throws when the update cannot be decoded.
 *
 * Rules: `addedBy` of a card and `authorId` of a comment may only be set once, to the sender; a comment
 * whose author is someone else may not change at all, except that a moderator may soft-delete it
 * (`deleted: true`, empty body, other fields unchanged) or remove it.
 */
export function checkUpdate(live: Y.Doc, shadow: Y.Doc, update: Uint8Array, sender: Sender): Verdict {
  const liveCards = live.getMap<unknown>('cards');
  const liveComments = live.getMap<unknown>('comments');
  const cards = watchKeys(shadow.getMap<unknown>('cards'));
  const comments = watchKeys(shadow.getMap<unknown>('comments'));
  try {
    Y.applyUpdate(shadow, update);
  } finally {
    cards.stop();
    comments.stop();
  }
  if (shadow.store.pendingStructs !== null || shadow.store.pendingDs !== null) return { kind: 'incomplete' };

  const shadowCards = shadow.getMap<unknown>('cards');
  for (const key of cards.keys) {
    const before = fieldOf(liveCards, key, 'addedBy');
    const after = fieldOf(shadowCards, key, 'addedBy');
    if (after !== undefined && after !== before && (before !== undefined || after !== sender.userId)) {
      return { kind: 'refused', reason: `card ${key}: addedBy is not the sender` };
    }
  }

  const shadowComments = shadow.getMap<unknown>('comments');
  for (const key of comments.keys) {
    const before = fieldOf(liveComments, key, 'authorId');
    const after = fieldOf(shadowComments, key, 'authorId');
    if (after !== undefined && after !== before && (before !== undefined || after !== sender.userId)) {
      return { kind: 'refused', reason: `comment ${key}: authorId is not the sender` };
    }
    const author = before ?? after;
    if (author === undefined || author === sender.userId) continue;
    if (sender.canModerate && isModeration(liveComments, shadowComments, key)) continue;
    return { kind: 'refused', reason: `comment ${key}: belongs to another member` };
  }
  return { kind: 'ok' };
}

function isModeration(before: Y.Map<unknown>, after: Y.Map<unknown>, key: string): boolean {
  if (!after.has(key)) return true;
  if (fieldOf(after, key, 'deleted') !== true || fieldOf(after, key, 'body') !== '') return false;
  return COMMENT_FIELDS_KEPT_BY_MODERATION.every((field) => fieldOf(before, key, field) === fieldOf(after, key, field));
}

/** A fresh replica of `doc` for {@link checkUpdate}. */
export function replicaOf(doc: Y.Doc): Y.Doc {
  const replica = new Y.Doc();
  Y.applyUpdate(replica, Y.encodeStateAsUpdate(doc));
  return replica;
}
