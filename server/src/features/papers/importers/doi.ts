import type { FetchSettings, ImporterOutput, ProgressFn } from './types.js';

/** Placeholder: implemented in the DOI importer task. */
export async function parseDois(
  text: string,
  settings: FetchSettings & { onProgress: ProgressFn },
): Promise<ImporterOutput> {
  void settings;
  return { lines: text.split('\n').map((_, i) => ({ line: i + 1, error: 'DOI import is not available yet' })) };
}
