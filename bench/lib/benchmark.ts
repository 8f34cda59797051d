import { parseArgs } from 'node:util';

/** What every `bench/<name>.ts` exports; `bench/run.ts` lists them by name. */
export interface Benchmark {
  /** Runs the benchmark with the command-line options after the benchmark names; prints its tables. */
  run(args: string[]): Promise<void>;
}

/** Raised for bad command-line options: the runner prints the message and the usage, and exits with 2. */
export class UsageError extends Error {}

/** A whole-number option (`--name N`), at least `min`; `fallback` when absent. */
export function wholeNumberOption(name: string, raw: string | undefined, fallback: number, min: number, usage: string) {
  if (raw === undefined) return fallback;
  if (!/^\d+$/.test(raw) || Number(raw) < min) {
    throw new UsageError(`--${name} must be a whole number${min > 0 ? ` ≥ ${min}` : ''}\n${usage}`);
  }
  return Number(raw);
}

/** The `--mode embedded|postgres|both` option: the database modes to run. */
export function modesOption<M extends string>(raw: string | undefined, modes: readonly M[], usage: string): M[] {
  const mode = raw ?? 'both';
  if (mode === 'both') return [...modes];
  if (!modes.includes(mode as M)) throw new UsageError(`--mode must be ${modes.join(', ')} or both\n${usage}`);
  return [mode as M];
}

/** Reads `--name value` options (all strings), refusing unknown ones and positionals with the usage. */
export function stringOptions<K extends string>(
  args: string[],
  names: readonly K[],
  usage: string,
): Partial<Record<K, string>> {
  try {
    const { values } = parseArgs({
      args,
      options: Object.fromEntries(names.map((name) => [name, { type: 'string' as const }])),
      strict: true,
      allowPositionals: false,
    });
    return values as Partial<Record<K, string>>;
  } catch (error) {
    throw new UsageError(`${error instanceof Error ? error.message : String(error)}\n${usage}`);
  }
}
