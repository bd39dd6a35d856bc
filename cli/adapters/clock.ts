/** Node clock, entropy and logger adapters for the engine's ports. */
import { randomBytes } from 'node:crypto';
import type { Clock, Entropy, Logger, LogLevel } from '../../engine/index.ts';

/** setTimeout-backed timer; unref'd so a pending timer never keeps a finished CLI alive. */
export function nodeTimer(ms: number, fn: () => void): () => void {
  const t = setTimeout(fn, ms);
  t.unref?.();
  return () => clearTimeout(t);
}

export const nodeClock: Clock = {
  now: () => Date.now(),
  setTimer: nodeTimer,
};

export const nodeEntropy: Entropy = {
  randomBytes: (n) => new Uint8Array(randomBytes(n)),
};

const ORDER: Record<LogLevel, number> = { debug: 0, info: 1, warn: 2, error: 3 };

/** JSON-lines logger to stderr at or above `min`. */
export function stderrLogger(min: LogLevel): Logger {
  return {
    log(level, message, fields) {
      if (ORDER[level] < ORDER[min]) return;
      process.stderr.write(`${JSON.stringify({ ts: new Date().toISOString(), level, message, ...fields })}\n`);
    },
  };
}
