import type { Worker } from 'node:worker_threads';
import { startHelperWorker } from '../../../ts-worker.js';
import type { BibtexAnswer, BibtexRequest } from './bibtex-worker.js';
import type { ImporterOutput } from './types.js';

/** Longest a single BibTeX text may take to read (5 MB, the largest body, takes ~25 s here). */
const PARSE_TIMEOUT_MS = 120_000;

interface Job {
  id: number;
  text: string;
  resolve: (output: ImporterOutput) => void;
  reject: (error: Error) => void;
}

/**
 * Reads BibTeX (`parseBibtex`) on a worker thread, one text at a time, so that a large import does not
 * stall the server for everyone else. The thread starts with the first text and stays up; a text that
 * takes longer than the timeout, or makes the thread fail, is answered with an error line of its own
 * and the thread is started again for the next one.
 */
export class BibtexThread {
  private worker: Worker | null = null;
  /** The thread has loaded its modules (jobs are sent once it has). */
  private ready = false;
  private readonly queue: Job[] = [];
  private timer: NodeJS.Timeout | null = null;
  private nextId = 0;
  private closed = false;

  constructor(private readonly timeoutMs = PARSE_TIMEOUT_MS) {}

  /** What `parseBibtex(text)` returns, computed on the thread. */
  parse(text: string): Promise<ImporterOutput> {
    if (this.closed) return Promise.reject(new Error('the BibTeX reader is shut down'));
    return new Promise((resolve, reject) => {
      this.queue.push({ id: this.nextId++, text, resolve, reject });
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

  /** Settles the head job and sends the next one. */
  private finish(job: Job, settle: () => void): void {
    if (this.queue[0] !== job) return;
    if (this.timer) clearTimeout(this.timer);
    this.timer = null;
    this.queue.shift();
    settle();
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
