/** What every `bench/<name>.ts` exports; `bench/run.ts` lists them by name. */
export interface Benchmark {
  /** Runs the benchmark with the command-line options after the benchmark names; prints its tables. */
  run(args: string[]): Promise<void>;
}

/** Raised for bad command-line options: the runner prints the message and the usage, and exits with 2. */
export class UsageError extends Error {}
