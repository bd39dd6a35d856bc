/** What main.ts hands a fuzz worker (worker.ts), and the layout of the memory they share. */
export interface WorkerJob {
  readonly target: string;
  readonly iterations: number;
  readonly seed: string;
  readonly budgetMs: number;
  /**
   * Int32 [0] = iteration started, [1] = input length in bytes, [2] = 0 raw bytes / 1 UTF-8 text
   * (a string, or a value rendered as JSON), [3] = 1 when main asks the worker to stop early
   * (SIGINT/SIGTERM); then the input.
   */
  readonly shared: SharedArrayBuffer;
}

/** Bytes before the input in the shared buffer. */
export const SHARED_HEADER = 16;
