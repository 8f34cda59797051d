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
 * Checks that an incoming update only writes what its sender may (the rules below) before it touches
 * the live document.
 *
 * `shadow` is a replica of `live` (same updates, same order). The update is applied to the shadow only,
 * the card and comment keys it touched are collected, and each entry's fields before (live) and after
 * (shadow) are compared. Whatever the verdict, the shadow then holds the update: the caller applies it
 * to `live` on `ok` and rebuilds the shadow otherwise. Throws when the update cannot be decoded.
 *
 * Rules: `addedBy` of a card is written with the card, as the sender (or left out), and never changes or
 * goes while the card stays — so nobody can clear a card's `addedBy` and then claim the card; `authorId`
 * of a comment may only be set once, to the sender; a comment whose author is someone else may not
 * change at all, except that a moderator may soft-delete it (`deleted: true`, empty body, other fields
 * unchanged) or remove it.
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
    // A removed card takes its attribution with it.
    if (!shadowCards.has(key)) continue;
    const before = fieldOf(liveCards, key, 'addedBy');
    const after = fieldOf(shadowCards, key, 'addedBy');
    if (liveCards.has(key) ? after !== before : after !== undefined && after !== sender.userId) {
      return { kind: 'refused', reason: `card ${key}: addedBy is not the sender's to write` };
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

/** Where a struct lands: under which root map, how deep (1 = an entry of the root) and under which key. */
interface Place {
  root: string;
  depth: number;
  key: string | null;
}

/** Roots whose entries {@link checkUpdate} compares; everything under them needs the full check. */
const GUARDED_ROOTS = new Set(['cards', 'comments']);
/** The one card field the full check compares. */
const GUARDED_CARD_FIELD = 'addedBy';
/** Beyond this many hops between structs an update is left to the full check (no deep recursion). */
const MAX_HOPS = 64;

/**
 * Whether an update provably changes nothing {@link checkUpdate} compares, so that it may be applied
 * without the shadow replica: every struct it inserts is placed (through its parent, or through its
 * origin when the encoding leaves the parent out) outside `comments`, and in `cards` only on a field of
 * an existing card entry other than `addedBy`; every deletion falls on items outside `comments`; and no
 * struct would wait as pending. A card move, a column edit or another map's key pass; anything this
 * cannot place with certainty (GC or skipped structs, unknown origins, gaps, deep chains) answers
 * false, and the full check decides. Never throws: an update that cannot be decoded answers false.
 */
export function isUnguarded(doc: Y.Doc, update: Uint8Array): boolean {
  try {
    return placesUnguarded(doc, Y.decodeUpdate(update));
  } catch {
    return false;
  }
}

function placesUnguarded(doc: Y.Doc, { structs, ds }: ReturnType<typeof Y.decodeUpdate>): boolean {
  const store = doc.store;
  const byClient = new Map<number, Y.Item[]>();
  for (const struct of structs) {
    if (!(struct instanceof Y.Item)) return false;
    const list = byClient.get(struct.id.client);
    if (list) list.push(struct);
    // A client's first struct must continue what the document has, or Yjs would park it as pending.
    else if (struct.id.clock > Y.getState(store, struct.id.client)) return false;
    else byClient.set(struct.id.client, [struct]);
  }

  const placer = new Placer(store, byClient);
  for (const list of byClient.values()) {
    for (const item of list) {
      const place = placer.placeOf(item, 0);
      if (!place || !unguardedPlace(place)) return false;
    }
  }

  // Deletions: only of items the document has, none of them under `comments` or of a card's `addedBy`.
  for (const [client, deletions] of ds.clients) {
    const state = Y.getState(store, client);
    const structsOfClient = store.clients.get(client);
    for (const { clock, len } of deletions) {
      if (clock + len > state || !structsOfClient) return false;
      for (let i = Y.findIndexSS(structsOfClient, clock); i < structsOfClient.length; i++) {
        const struct = structsOfClient[i];
        if (struct.id.clock >= clock + len) break;
        if (!(struct instanceof Y.Item)) continue;
        const place = placeInStore(struct.parent, struct.parentSub);
        if (!place || place.root === 'comments') return false;
        // A card's addedBy may go only with its card (removing a card deletes its fields too).
        if (place.root === 'cards' && place.depth === 2 && place.key === GUARDED_CARD_FIELD) {
          const card = (struct.parent as Y.AbstractType<unknown>)._item;
          if (!card || !deletes(ds, card.id)) return false;
        }
      }
    }
  }
  return true;
}

/** Whether the delete set of an update covers the struct `id`. */
function deletes(ds: ReturnType<typeof Y.decodeUpdate>['ds'], id: Y.ID): boolean {
  return (ds.clients.get(id.client) ?? []).some(({ clock, len }) => id.clock >= clock && id.clock < clock + len);
}

/**
 * Places the structs of one update (a class rather than closures: this runs for every update, and
 * per-call closures cost more than the lookups themselves).
 */
class Placer {
  private readonly placed = new Map<Y.Item, Place | null>();

  constructor(
    private readonly store: Y.Doc['store'],
    private readonly byClient: Map<number, Y.Item[]>,
  ) {}

  /** Place of a struct of the update, or null when it cannot be told. */
  placeOf(item: Y.Item, hops: number): Place | null {
    const known = this.placed.get(item);
    if (known !== undefined) return known;
    if (hops > MAX_HOPS) return null;
    let place: Place | null = null;
    const parent = item.parent as unknown;
    if (typeof parent === 'string') place = { root: parent, depth: 1, key: item.parentSub };
    else if (parent !== null) {
      const holder = this.holderOf(parent as Y.ID, hops);
      place = holder && { root: holder.root, depth: holder.depth + 1, key: item.parentSub };
    } else {
      // Same parent and key as its neighbour: that is how Yjs places it.
      const neighbour = item.origin ?? item.rightOrigin;
      if (neighbour) {
        const local = this.inUpdate(neighbour);
        if (local) place = this.placeOf(local, hops + 1);
        else {
          const stored = this.inStore(neighbour);
          place = stored && placeInStore(stored.parent, stored.parentSub);
        }
      }
    }
    this.placed.set(item, place);
    return place;
  }

  /** Place of the type held by the item `id` (a struct of the update, or of the document). */
  private holderOf(id: Y.ID, hops: number): Place | null {
    const local = this.inUpdate(id);
    if (local) return local.content instanceof Y.ContentType ? this.placeOf(local, hops + 1) : null;
    const stored = this.inStore(id);
    if (!stored || !(stored.content instanceof Y.ContentType)) return null;
    return placeInStore(stored.parent, stored.parentSub);
  }

  private inUpdate(id: Y.ID): Y.Item | null {
    const list = this.byClient.get(id.client);
    if (!list) return null;
    let low = 0;
    let high = list.length - 1;
    while (low <= high) {
      const mid = (low + high) >> 1;
      const { clock } = list[mid].id;
      if (id.clock < clock) high = mid - 1;
      else if (id.clock >= clock + list[mid].length) low = mid + 1;
      else return list[mid];
    }
    return null;
  }

  private inStore(id: Y.ID): Y.Item | null {
    if (id.clock >= Y.getState(this.store, id.client)) return null;
    const found = Y.getItem(this.store, id);
    return found instanceof Y.Item ? found : null;
  }
}

/** Place of an item of the document, from its parent type. */
function placeInStore(parent: unknown, key: string | null): Place | null {
  if (!(parent instanceof Y.AbstractType)) return null;
  let depth = 1;
  let type: Y.AbstractType<unknown> = parent;
  while (type._item !== null) {
    const up: unknown = type._item.parent;
    if (!(up instanceof Y.AbstractType)) return null;
    type = up;
    depth++;
  }
  const root = Y.findRootTypeKey(type);
  return { root, depth, key };
}

function unguardedPlace(place: Place): boolean {
  if (!GUARDED_ROOTS.has(place.root)) return true;
  return place.root === 'cards' && place.depth === 2 && place.key !== null && place.key !== GUARDED_CARD_FIELD;
}
