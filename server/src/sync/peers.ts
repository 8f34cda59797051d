import type { Bus } from './bus.js';

/** How often a node says it is up. */
export const HEARTBEAT_MS = 5000;
/** A node not heard of for this long is taken to be gone (killed, say, without a word). */
const EXPIRY_MS = 3 * HEARTBEAT_MS;

/**
 * Which other nodes share this node's bus: each says it is up at start, every HEARTBEAT_MS and in answer
 * to a newcomer, and that it is going down when it stops. A node alone (the embedded database, or one
 * process on a server) then sends no update at once, which nobody would hear: it only announces its
 * rows, as before, and a newcomer reads those until the two have heard of each other (a few ms).
 */
export class NodePeers {
  private readonly lastSeen = new Map<string, number>();
  private timer: NodeJS.Timeout | null = null;

  constructor(
    private readonly bus: Bus,
    private readonly onError: (error: unknown) => void,
  ) {
    bus.subscribe((message) => {
      if (message.kind !== 'node' || message.node === bus.nodeId) return;
      if (message.state === 'down') {
        this.lastSeen.delete(message.node);
        return;
      }
      const known = this.lastSeen.has(message.node);
      this.lastSeen.set(message.node, performance.now());
      // A newcomer learns of this node at once, not at its next heartbeat.
      if (!known) this.say('up');
    });
  }

  /** Says this node is up, and keeps saying it. */
  start(): void {
    this.say('up');
    this.timer = setInterval(() => this.say('up'), HEARTBEAT_MS);
    this.timer.unref();
  }

  /** Says this node is going down. */
  async stop(): Promise<void> {
    if (this.timer) clearInterval(this.timer);
    this.timer = null;
    await this.bus.publish({ kind: 'node', node: this.bus.nodeId, state: 'down' }).catch(this.onError);
  }

  /** Whether another node has been heard of lately. */
  get any(): boolean {
    const now = performance.now();
    for (const [node, seen] of this.lastSeen) {
      if (now - seen <= EXPIRY_MS) return true;
      this.lastSeen.delete(node);
    }
    return false;
  }

  private say(state: 'up' | 'down'): void {
    this.bus.publish({ kind: 'node', node: this.bus.nodeId, state }).catch(this.onError);
  }
}
