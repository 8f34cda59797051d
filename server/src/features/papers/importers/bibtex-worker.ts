import { parentPort } from 'node:worker_threads';
import { parseBibtex } from './bibtex.js';
import type { ImporterOutput } from './types.js';

/** A request to the BibTeX thread: the text to read. */
export interface BibtexRequest {
  id: number;
  text: string;
}

/** The BibTeX thread's messages: loaded, or its answer (what `parseBibtex` returned, or why it threw). */
export type BibtexAnswer = { ready: true } | { id: number; output: ImporterOutput } | { id: number; error: string };

// Runs in its own thread (see BibtexThread): the parser reads ~250 kB of BibTeX a second, so a large
// file would otherwise stop the event loop that serves every other user for tens of seconds.
parentPort?.on('message', ({ id, text }: BibtexRequest) => {
  let answer: BibtexAnswer;
  try {
    answer = { id, output: parseBibtex(text) };
  } catch (error) {
    answer = { id, error: error instanceof Error ? error.message : String(error) };
  }
  parentPort!.postMessage(answer);
});
// Loaded: the reader's timeout counts from here, not from the thread's start-up.
parentPort?.postMessage({ ready: true } satisfies BibtexAnswer);
