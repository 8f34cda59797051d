/** A paper as an importer read it, before identifiers are normalised and it is deduplicated. */
export interface PaperDraft {
  title: string;
  abstract?: string;
  authors?: string[];
  arxivId?: string | null;
  doi?: string | null;
  url?: string | null;
  codeUrls?: string[];
  tags?: string[];
  /** ISO 8601 date or date-time; "2019" or "2019-03" when only the year or month is known. */
  publishedAt?: string | null;
}

/** One input line's outcome: a draft to store, or a reason it could not be read. */
export type ParsedLine = { line: number; draft: PaperDraft } | { line: number; error: string };

/** Reports progress of the slow part of an import (network fetches) as done/total. */
export type ProgressFn = (done: number, total: number) => void;

/** Settings the network importers need. */
export interface FetchSettings {
  arxivApiUrl: string;
  arxivMinIntervalMs: number;
  crossrefApiUrl: string;
  /** Asked before fetching: ids already in the library need no request. Returns id → paper id. */
  knownArxivIds(ids: string[]): Promise<Map<string, string>>;
  knownDois(dois: string[]): Promise<Map<string, string>>;
}

/** An input line that names a paper already in the library, found before any fetch. */
export interface KnownLine {
  line: number;
  existingId: string;
  title: string;
  reason: 'arxivId' | 'doi';
}

/** What an importer returns: drafts and errors by line, and lines resolved to stored papers. */
export interface ImporterOutput {
  lines: ParsedLine[];
  known?: KnownLine[];
}
