import type { RowRange } from './board-updates.repository.js';
import type { SeqSpan } from './persistence.js';
import type { BoardRoom } from './board-room.js';

/**
 * What else happens to a board besides editing it, attached to the registry as named hooks (in the
 * manner of Hocuspocus extensions): the room knows nothing of projections, activity or other nodes,
 * and the feature that owns a table writes it. Hooks run in the order the extensions were given.
 */
export interface BoardExtension {
  /** For logs. */
  readonly name: string;
  /**
   * The documents it is told of: `board` (the default) the boards' own documents only, which is what
   * every extension that interprets the board document (projection, activity) needs; `notes` the cards'
   * notes only; `all` both (e.g. the bus relay, which only moves rows).
   */
  readonly documents?: 'board' | 'notes' | 'all';
  /**
   * A room was loaded: its document holds what was stored, and no listener has seen any of it. Attach
   * listeners to `room.doc` here; what they see from now on is new.
   */
  onLoad?(room: BoardRoom): void;
  /**
   * Rows of the room's log were written by the group commit: `appended` new updates, or (false) a
   * compaction that only rewrote what was there. The edits that made them are durable. `span`: the
   * room's local updates (stream numbers) the rows hold, when they are exactly those.
   */
  afterStore?(room: BoardRoom, rows: RowRange, appended: boolean, span?: SeqSpan): Promise<void>;
  /** The room is about to unload, or the node to stop: finish what is pending for it. Must not reject. */
  beforeUnload?(room: BoardRoom): Promise<void>;
  /** The room is gone: forget it. */
  onDestroy?(room: BoardRoom): void;
}

/** Whether an extension is told of a room holding the document `docName` ('' is the board document). */
export function appliesTo(extension: BoardExtension, docName: string): boolean {
  const documents = extension.documents ?? 'board';
  if (documents === 'all') return true;
  return documents === (docName === '' ? 'board' : 'notes');
}
