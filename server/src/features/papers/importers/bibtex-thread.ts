import type { Tinypool } from 'tinypool';
import { helperPool } from '#server/helper-pool.js';
import type { ImporterOutput } from './types.js';

/**
 * Longest a single BibTeX text may take to read: the parser reads roughly 250 kB a second, so 5 MB,
 * the largest body, takes tens of seconds.
 */
const PARSE_TIMEOUT_MS = 120_000;
/** Texts up to this size are read on a thread of their own (about a second each at that rate). */
const SMALL_TEXT_CHARS = 256 * 1024;
/** Longest a small text may take: over ten times what one of its size needs. */
const SMALL_TIMEOUT_MS = 20_000;

interface Job {
  /** Whose text it is: the thread takes its owners in turn. */
  owner: string;
  text: string;
  resolve: (output: ImporterOutput) => void;
  reject: (error: Error) => void;
}

/**
 * Reads BibTeX (`parseBibtex`) on a helper thread (a one-thread Tinypool), one text at a time, so that
 * a large import does not stall the server for everyone else. Waiting texts are taken by owner in turn
 * (the owner served longest ago first), so one user's pile of texts does not queue ahead of another's
 * one. The thread starts with the first text and stays up; a text that takes longer than the timeout is
 * answered with an error line of its own, and the pool replaces the thread for the next one.
 */
export class BibtexThread {
  private pool: Tinypool | null = null;
  /**
   * The pool's thread has loaded the parser since it was last replaced: a text's time counts from
   * then, not from the thread's start-up.
   */
  private loaded = false;
  /** The text being read, then the waiting ones in arrival order. */
  private readonly queue: Job[] = [];
  /** When each owner was last served (a counter), for taking owners in turn. */
  private readonly served = new Map<string, number>();
  private turns = 0;
  private closed = false;

  constructor(private readonly timeoutMs = PARSE_TIMEOUT_MS) {}

  /** What `parseBibtex(text)` returns, computed on the thread; `owner` names whose text it is. */
  parse(text: string, owner = ''): Promise<ImporterOutput> {
    if (this.closed) return Promise.reject(shutDown());
    return new Promise((resolve, reject) => {
      this.queue.push({ owner, text, resolve, reject });
      if (this.queue.length === 1) void this.readHead();
    });
  }

  /** Whether the thread is up (for tests). */
  get running(): boolean {
    return (this.pool?.threads.length ?? 0) > 0;
  }

  /** Ends the thread; texts still waiting are refused. */
  async close(): Promise<void> {
    this.closed = true;
    for (const job of this.queue.splice(0)) job.reject(shutDown());
    const pool = this.pool;
    this.pool = null;
    await pool?.destroy();
  }

  /** Reads the head text, settles it, then moves the next owner's oldest text to the head and reads it. */
  private async readHead(): Promise<void> {
    const job = this.queue[0];
    if (!job) return;
    let output: ImporterOutput;
    try {
      output = await this.read(job.text);
    } catch (error) {
      if (this.closed) return;
      const reason = error instanceof Error ? error.message : String(error);
      output = { lines: [{ line: 1, error: `could not read the BibTeX: ${reason}` }] };
    }
    this.queue.shift();
    this.served.set(job.owner, this.turns++);
    job.resolve(output);
    let next = 0;
    for (let i = 1; i < this.queue.length; i++) {
      if ((this.served.get(this.queue[i].owner) ?? -1) < (this.served.get(this.queue[next].owner) ?? -1)) next = i;
    }
    if (next > 0) this.queue.unshift(...this.queue.splice(next, 1));
    // Turns matter only while texts wait: an idle thread forgets them.
    if (this.queue.length === 0) this.served.clear();
    void this.readHead();
  }

  private async read(text: string): Promise<ImporterOutput> {
    this.pool ??= helperPool(import.meta.url, 'bibtex-worker', { minThreads: 1, maxThreads: 1 });
    const pool = this.pool;
    if (!this.loaded) {
      // An empty text costs nothing to read and answers once the thread has loaded the parser.
      await pool.run('');
      this.loaded = true;
    }
    const signal = AbortSignal.timeout(this.timeoutMs);
    try {
      return (await pool.run(text, { signal })) as ImporterOutput;
    } catch (error) {
      // Aborting a task replaces its thread; so does a thread that failed.
      this.loaded = false;
      if (!signal.aborted) throw error;
      // A text the parser cannot get through (or a pathological one): stop the thread, not the import.
      const seconds = Math.round(this.timeoutMs / 1000);
      return {
        lines: [{ line: 1, error: `could not read the BibTeX within ${seconds} s; import it in smaller parts` }],
      };
    }
  }
}

function shutDown(): Error {
  return new Error('the BibTeX reader is shut down');
}

/**
 * Two reader threads: texts up to 256 kB on one, larger ones on the other, so that a small import
 * waits behind other small texts (a second or so each, owners in turn) and never behind somebody's
 * 5 MB file, which takes tens of seconds. Each thread starts with its first text.
 */
export class BibtexReaders {
  private readonly small = new BibtexThread(SMALL_TIMEOUT_MS);
  private readonly large: BibtexThread;

  constructor(largeTimeoutMs = PARSE_TIMEOUT_MS) {
    this.large = new BibtexThread(largeTimeoutMs);
  }

  /** What `parseBibtex(text)` returns, read on the thread for its size; `owner` names whose text it is. */
  parse(text: string, owner: string): Promise<ImporterOutput> {
    return (text.length <= SMALL_TEXT_CHARS ? this.small : this.large).parse(text, owner);
  }

  async close(): Promise<void> {
    await Promise.all([this.small.close(), this.large.close()]);
  }
}
