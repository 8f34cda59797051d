import type { RowRange } from './board-updates.repository.js';
import type { WrittenRows } from './bus.js';

interface Received {
  update: Uint8Array;
  at: number;
}

/** What this node knows of one stream (one room as loaded on another node). */
interface StreamState {
  /** Updates received whole whose rows have not been announced yet, by stream number. */
  pending: Map<number, Received>;
  /** The last stream number an announcement covered (0 before the first), and the last row id it named. */
  coveredThrough: number;
  lastRow: bigint;
}

/** What to do with an announcement of written rows. */
export interface RowsDecision {
  /** Read the announced rows: some of their updates did not arrive whole. */
  read: boolean;
  /** Rows of the same stream written between the last announcement seen and this one: read them too. */
  missed: RowRange | null;
}

/**
 * The bookkeeping of a node about updates other nodes sent at once (`update` messages) and the rows they
 * announce once stored (`updates` messages), per room and stream. It decides which rows must still be
 * read (an update that did not arrive whole, or an announcement that did not arrive at all) and holds the
 * updates received but not yet known to be stored, so that the node can store them itself should the
 * sender die before its commit: what this node passed on to its clients survives the sender's `kill -9`.
 */
export class RemoteStreams {
  private readonly rooms = new Map<string, Map<string, StreamState>>();

  private state(key: string, stream: string): StreamState | undefined {
    return this.rooms.get(key)?.get(stream);
  }

  private create(key: string, stream: string): StreamState {
    let streams = this.rooms.get(key);
    if (!streams) this.rooms.set(key, (streams = new Map()));
    const state: StreamState = { pending: new Map(), coveredThrough: 0, lastRow: 0n };
    streams.set(stream, state);
    return state;
  }

  /** Records an update received whole; applied already by the caller (updates are idempotent). */
  received(key: string, stream: string, seq: number, update: Uint8Array, now: number): void {
    const state = this.state(key, stream) ?? this.create(key, stream);
    // An update whose rows were announced already is stored: nothing to hold.
    if (seq > state.coveredThrough) state.pending.set(seq, { update, at: now });
  }

  /** Decides what to read for an announcement of rows, and forgets the updates it covers. */
  announced(key: string, rows: WrittenRows): RowsDecision {
    const span = rows.span;
    if (!span) return { read: true, missed: null };
    const state = this.state(key, span.stream) ?? this.create(key, span.stream);
    let read = !span.whole;
    for (let seq = span.first; seq <= span.last && !read; seq++) {
      if (!state.pending.has(seq)) read = true;
    }
    // The writer's rows follow each other in id order: a stream that skips numbers had rows announced in
    // a message that never came (a stream first seen now may have begun before this node loaded the room).
    let missed: RowRange | null = null;
    const from = BigInt(rows.from);
    if (state.coveredThrough > 0 && span.first > state.coveredThrough + 1 && from - 1n > state.lastRow) {
      missed = { from: String(state.lastRow + 1n), to: String(from - 1n) };
    }
    for (const seq of state.pending.keys()) if (seq <= span.last) state.pending.delete(seq);
    if (span.last > state.coveredThrough) {
      state.coveredThrough = span.last;
      state.lastRow = BigInt(rows.to);
    }
    return { read, missed };
  }

  /** Takes the updates received before `before` that no announcement covered yet, by room key. */
  overdue(before: number): Map<string, Uint8Array[]> {
    const found = new Map<string, Uint8Array[]>();
    for (const [key, streams] of this.rooms) {
      for (const state of streams.values()) {
        for (const [seq, item] of state.pending) {
          if (item.at >= before) continue;
          state.pending.delete(seq);
          const list = found.get(key);
          if (list) list.push(item.update);
          else found.set(key, [item.update]);
        }
      }
    }
    return found;
  }

  /** Forgets a room (it unloads), answering the updates still held for it, in stream order. */
  forget(key: string): Uint8Array[] {
    const streams = this.rooms.get(key);
    this.rooms.delete(key);
    if (!streams) return [];
    return [...streams.values()].flatMap((state) =>
      [...state.pending.entries()].sort(([a], [b]) => a - b).map(([, item]) => item.update),
    );
  }

  /** Updates held across all rooms (metrics, tests). */
  get held(): number {
    let count = 0;
    for (const streams of this.rooms.values()) for (const state of streams.values()) count += state.pending.size;
    return count;
  }
}
