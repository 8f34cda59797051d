import { SvelteSet } from 'svelte/reactivity';
import type { BoardDocument } from './board-document.svelte.js';

/** How long a card stays highlighted after somebody else changed it. */
const FLASH_MS = 1600;

type DeepEvents = { path: (string | number)[]; keysChanged?: Set<string>; target: unknown }[];

/**
 * The cards that somebody else changed a moment ago, for a brief highlight. My own edits and the
 * first sync of the board do not count: only a change that arrives while I look at the board does.
 */
export class RemoteFlash {
  /** Ids of the cards to highlight now (each card reacts to its own id only). */
  readonly flashing = new SvelteSet<string>();

  /** Follows the board's cards; returns the function that stops following. */
  follow(board: BoardDocument): () => void {
    const cardsMap = board.doc.getMap('cards');
    const onRemoteChange = (events: DeepEvents, transaction: { local: boolean }) => {
      if (transaction.local || !board.synced) return;
      // eslint-disable-next-line svelte/prefer-svelte-reactivity -- a working value, not state
      const ids = new Set<string>();
      for (const event of events) {
        // A card added or removed changes the map's keys; an edit inside a card has its id first in the path.
        if (event.target === cardsMap) event.keysChanged?.forEach((key) => ids.add(key));
        else if (typeof event.path[0] === 'string') ids.add(event.path[0]);
      }
      if (ids.size === 0) return;
      for (const id of ids) this.flashing.add(id);
      setTimeout(() => {
        for (const id of ids) this.flashing.delete(id);
      }, FLASH_MS);
    };
    cardsMap.observeDeep(onRemoteChange as never);
    return () => cardsMap.unobserveDeep(onRemoteChange as never);
  }
}
