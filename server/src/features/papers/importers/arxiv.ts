import type { FetchSettings, ImporterOutput, ProgressFn } from './types.js';

/** Placeholder: implemented in the arXiv importer task. */
export async function parseArxiv(
  text: string,
  settings: FetchSettings & { onProgress: ProgressFn },
): Promise<ImporterOutput> {
  void settings;
  return { lines: text.split('\n').map((_, i) => ({ line: i + 1, error: 'arXiv import is not available yet' })) };
}
