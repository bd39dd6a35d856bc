/** The engine's Clock over the worker's Date.now and setTimeout. */
import type { Clock } from '../../engine/index.ts';

export const browserClock: Clock = {
  now: () => Date.now(),
  setTimer(ms: number, fn: () => void): () => void {
    const handle = setTimeout(fn, Math.max(0, ms));
    return () => clearTimeout(handle);
  },
};
