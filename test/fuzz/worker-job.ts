/** What main.ts hands a fuzz worker (worker.ts), and the layout of the memory they share. */
export interface WorkerJob {
  readonly target: string;
  readonly iterations: number;
  readonly seed: string;
  readonly budgetMs: number;
  /** Int32 [0] = iteration started, [1] = input length in bytes, then the rendered input (UTF-8). */
  readonly shared: SharedArrayBuffer;
}

/** Bytes before the input in the shared buffer. */
export const SHARED_HEADER = 8;
