import type { PaperHit } from '#shared/schemas/papers.js';
import * as api from '#client/lib/api.js';
import { paperReference, type PaperReference } from '#client/features/library/paper-reference.js';

/** Results the dialog lists at most. */
const SHOWN_RESULTS = 8;
/** Typing pauses this long before the library is searched. */
const SEARCH_DELAY_MS = 200;

/** One choice of the dialog: a paper of the library, or importing what was pasted. */
export type AddPaperOption =
  { kind: 'paper'; id: string; paper: PaperHit } | { kind: 'import'; id: string; reference: PaperReference };

const IMPORT_NAMES = { arxiv: 'arXiv', doi: 'DOI' } as const;

/** What the import option says, e.g. "Import arXiv 2401.01234 and add it". */
export function importLabel(reference: PaperReference): string {
  return `Import ${IMPORT_NAMES[reference.format]} ${reference.text} and add it`;
}

/**
 * The "+ Add paper" dialog's work: searching the library as one types, the option picked with the
 * arrows, and adding the chosen paper to the board (importing it first when an arXiv id, DOI or link
 * was pasted).
 */
export class AddPaperSearch {
  query = $state('');
  results = $state.raw<PaperHit[]>([]);
  searching = $state(false);
  /** The query the results answer (they may trail the box while a search runs). */
  searched = $state('');
  /** Index of the highlighted option. */
  active = $state(0);
  /** A paper is being imported or added. */
  busy = $state(false);
  error = $state<string | null>(null);

  reference = $derived(paperReference(this.query));
  options: AddPaperOption[] = $derived([
    ...(this.reference ? [{ kind: 'import' as const, id: 'import', reference: this.reference }] : []),
    ...this.results.map((paper) => ({ kind: 'paper' as const, id: paper.id, paper })),
  ]);

  #timer: ReturnType<typeof setTimeout> | undefined;
  #abort: AbortController | null = null;

  constructor(readonly boardId: string) {}

  /** Starts over with an empty box (the dialog opens). */
  reset(): void {
    this.#cancel();
    this.query = '';
    this.results = [];
    this.searched = '';
    this.active = 0;
    this.error = null;
  }

  /** The box changed: search for it after a short pause. */
  setQuery(query: string): void {
    this.query = query;
    this.error = null;
    this.active = 0;
    this.#cancel();
    const q = query.trim();
    if (!q || this.reference) {
      this.results = [];
      this.searched = q;
      return;
    }
    this.#timer = setTimeout(() => void this.#search(q), SEARCH_DELAY_MS);
  }

  /** Moves the highlight by `step`, wrapping around. */
  move(step: number): void {
    const count = this.options.length;
    if (count > 0) this.active = (this.active + step + count) % count;
  }

  /**
   * Adds the option's paper to the board (importing it first if it was pasted) unless `onBoard` says
   * the board shows it; resolves with the paper's title and the new card, or null when it did not
   * happen (then `error` says why).
   */
  async choose(
    option: AddPaperOption,
    onBoard: (paperId: string) => boolean,
  ): Promise<{ title: string; cardId: string } | null> {
    if (this.busy) return null;
    this.busy = true;
    this.error = null;
    try {
      const paper = option.kind === 'paper' ? option.paper : await this.#import(option.reference);
      if (!paper) return null;
      // A pasted id may name a paper the board already shows: say so rather than ask the server.
      if (onBoard(paper.id)) {
        this.error = 'This paper is already on the board.';
        return null;
      }
      const added = await api.addPaperToBoard(this.boardId, paper.id);
      return { title: paper.title, cardId: added.cardId };
    } catch (err) {
      this.error =
        err instanceof api.ApiError && err.status === 409
          ? 'This paper is already on the board.'
          : api.errorMessage(err);
      return null;
    } finally {
      this.busy = false;
    }
  }

  /** Stops a search in flight or waiting. */
  dispose(): void {
    this.#cancel();
  }

  async #import(reference: PaperReference): Promise<{ id: string; title: string } | null> {
    const result = await api.importPapers(reference.text, reference.format, () => {});
    const paper = result.created[0] ?? result.duplicates.map((d) => ({ id: d.existingId, title: d.title }))[0];
    if (paper) return paper;
    const problem = result.errors[0]?.message ?? 'nothing was imported';
    this.error = `Could not import ${reference.text}: ${problem}.`;
    return null;
  }

  async #search(q: string): Promise<void> {
    const abort = new AbortController();
    this.#abort = abort;
    this.searching = true;
    try {
      const page = await api.searchPapers({ q, limit: SHOWN_RESULTS }, abort.signal);
      this.results = page.items;
      this.searched = q;
      this.active = 0;
    } catch (err) {
      if (!api.isAbort(err)) this.error = `The search failed: ${api.errorMessage(err)}`;
    } finally {
      if (this.#abort === abort) this.searching = false;
    }
  }

  #cancel(): void {
    clearTimeout(this.#timer);
    this.#abort?.abort();
    this.#abort = null;
    this.searching = false;
  }
}
