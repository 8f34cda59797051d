import type { Worker } from 'node:worker_threads';
import { startHelperWorker } from '#server/ts-worker.js';
import type { BibtexAnswer, BibtexRequest } from './bibtex-worker.js';
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
  id: number;
  /** Whose text it is: the thread takes its owners in turn. */
  owner: string;
  text: string;
  resolve: (output: ImporterOutput) => void;
  reject: (error: Error) => void;
}

/**
 * Reads BibTeX (`parseBibtex`) on a worker thread, one text at a time, so that a large import does not
 * stall the server for everyone else. Waiting texts are taken by owner in turn (the owner served
 * longest ago first), so one user's pile of texts does not queue ahead of another's one. The thread
 * starts with the first text and stays up; a text that takes longer than the timeout, or makes the
 * thread fail, is answered with an error line of its own and the thread is started again for the
 * next one.
 */
export class BibtexThread {
  private worker: Worker | null = null;
  /** The thread has loaded its modules (jobs are sent once it has). */
  private ready = false;
  /** The text being read, then the waiting ones in arrival order. */
  private readonly queue: Job[] = [];
  /** When each owner was last served (a counter), for taking owners in turn. */
  private readonly served = new Map<string, number>();
  private turns = 0;
  private timer: NodeJS.Timeout | null = null;
  private nextId = 0;
  private closed = false;

  constructor(private readonly timeoutMs = PARSE_TIMEOUT_MS) {}

  /** What `parseBibtex(text)` returns, computed on the thread; `owner` names whose text it is. */
  parse(text: string, owner = ''): Promise<ImporterOutput> {
    if (this.closed) return Promise.reject(new Error('the BibTeX reader is shut down'));
    return new Promise((resolve, reject) => {
      this.queue.push({ id: this.nextId++, owner, text, resolve, reject });
      if (this.queue.length === 1) this.sendHead();
    });
  }

  /** Whether the thread is up (for tests). */
  get running(): boolean {
    return this.worker !== null;
  }

  /** Ends the thread; texts still waiting are refused. */
  async close(): Promise<void> {
    this.closed = true;
    if (this.timer) clearTimeout(this.timer);
    for (const job of this.queue.splice(0)) job.reject(new Error('the BibTeX reader is shut down'));
    const worker = this.worker;
    this.worker = null;
    await worker?.terminate();
  }

  private sendHead(): void {
    const job = this.queue[0];
    if (!job || this.closed) return;
    let worker: Worker;
    try {
      worker = this.worker ?? this.start();
    } catch (error) {
      this.finish(job, () => job.reject(error instanceof Error ? error : new Error(String(error))));
      return;
    }
    // Sent again once the thread says it is ready.
    if (!this.ready) return;
    worker.postMessage({ id: job.id, text: job.text } satisfies BibtexRequest);
    this.timer = setTimeout(() => {
      // A text the parser cannot get through (or a pathological one): stop the thread, not the import.
      this.stopWorker();
      const seconds = Math.round(this.timeoutMs / 1000);
      this.finish(job, () =>
        job.resolve({
          lines: [{ line: 1, error: `could not read the BibTeX within ${seconds} s; import it in smaller parts` }],
        }),
      );
    }, this.timeoutMs);
  }

  /** Settles the head job, moves the next owner's oldest text to the head and sends it. */
  private finish(job: Job, settle: () => void): void {
    if (this.queue[0] !== job) return;
    if (this.timer) clearTimeout(this.timer);
    this.timer = null;
    this.queue.shift();
    this.served.set(job.owner, this.turns++);
    settle();
    let next = 0;
    for (let i = 1; i < this.queue.length; i++) {
      if ((this.served.get(this.queue[i].owner) ?? -1) < (this.served.get(this.queue[next].owner) ?? -1)) next = i;
    }
    if (next > 0) this.queue.unshift(...this.queue.splice(next, 1));
    // Turns matter only while texts wait: an idle thread forgets them.
    if (this.queue.length === 0) this.served.clear();
    this.sendHead();
  }

  private stopWorker(): void {
    const worker = this.worker;
    this.worker = null;
    void worker?.terminate();
  }

  private start(): Worker {
    const worker = startHelperWorker<BibtexAnswer>(
      import.meta.url,
      'bibtex-worker',
      (answer) => {
        if ('ready' in answer) {
          if (this.worker !== worker) return;
          this.ready = true;
          this.sendHead();
          return;
        }
        const job = this.queue[0];
        if (!job || job.id !== answer.id) return;
        const output: ImporterOutput =
          'output' in answer
            ? answer.output
            : { lines: [{ line: 1, error: `could not read the BibTeX: ${answer.error}` }] };
        this.finish(job, () => job.resolve(output));
      },
      (reason) => {
        if (this.worker !== worker) return;
        this.worker = null;
        const job = this.queue[0];
        if (job) this.finish(job, () => job.reject(reason));
      },
    );
    this.worker = worker;
    this.ready = false;
    return worker;
  }
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
