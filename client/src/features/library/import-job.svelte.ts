import type { ImportFormat, ImportProgress, ImportResult } from '#shared/schemas/papers.js';
import { ApiError, errorMessage, importPapers } from '#client/lib/api.js';

/** A file chosen or dropped for import, read into memory. */
export interface ImportFile {
  name: string;
  size: number;
  text: string;
}

/** A byte count as people read it (bytes, KB, MB). */
export function formatBytes(bytes: number): string {
  if (bytes < 1024) return `${bytes} bytes`;
  if (bytes < 1024 * 1024) return `${(bytes / 1024).toFixed(1)} KB`;
  return `${(bytes / 1024 / 1024).toFixed(1)} MB`;
}

/** Why an import failed, in words that say what to do next. */
function describe(err: unknown): string {
  if (err instanceof ApiError && err.status === 401) return 'Sign in to import papers.';
  if (err instanceof ApiError && err.status === 413) {
    const limit = /(\d+) bytes/.exec(err.message);
    const max = limit ? ` (the most the server accepts is ${formatBytes(Number(limit[1]))})` : '';
    return `This is too large to import at once${max}. Split it into smaller parts and import them one by one.`;
  }
  return errorMessage(err);
}

/**
 * One import dialog's work: the pasted text or chosen file, the format, and the import in flight with
 * its progress, result or error. A chosen file takes the place of the pasted text until removed.
 */
export class ImportJob {
  text = $state('');
  file = $state<ImportFile | null>(null);
  format = $state<ImportFormat>('auto');
  running = $state(false);
  progress = $state<ImportProgress | null>(null);
  result = $state<ImportResult | null>(null);
  error = $state<string | null>(null);
  /** The import was refused for want of a session: `error` then links to the login page. */
  signInNeeded = $state(false);

  /** What would be sent: the file's text if one is chosen, else the pasted text. */
  source = $derived(this.file ? this.file.text : this.text);

  /** Reads a chosen or dropped file into memory (replacing an earlier one); `undefined` does nothing. */
  async readFile(chosen: File | undefined): Promise<void> {
    if (!chosen) return;
    this.error = null;
    this.result = null;
    try {
      this.file = { name: chosen.name, size: chosen.size, text: await chosen.text() };
    } catch {
      this.file = null;
      this.error = `Could not read ${chosen.name}.`;
    }
  }

  /** Sends the source for import (unless one runs); `onimported` is called when papers were created. */
  async run(onimported: () => void): Promise<void> {
    if (this.running) return;
    if (!this.source.trim()) {
      this.error = 'Paste some text or choose a file first.';
      return;
    }
    this.running = true;
    this.progress = null;
    this.result = null;
    this.error = null;
    try {
      this.result = await importPapers(this.source, this.format, (p) => (this.progress = p));
      if (this.result.created.length > 0) onimported();
    } catch (err) {
      this.error = describe(err);
      this.signInNeeded = err instanceof ApiError && err.status === 401;
    } finally {
      this.running = false;
    }
  }
}
