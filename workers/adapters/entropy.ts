/** The engine's Entropy over crypto.getRandomValues (the platform CSPRNG). */
import type { Entropy } from '../../engine/index.ts';

/** getRandomValues fills at most 65,536 bytes per call. */
const MAX_CHUNK = 65_536;

export const browserEntropy: Entropy = {
  randomBytes(n: number): Uint8Array {
    if (!Number.isInteger(n) || n < 0) throw new RangeError(`randomBytes: n must be a non-negative integer, got ${n}`);
    const out = new Uint8Array(n);
    for (let i = 0; i < n; i += MAX_CHUNK) crypto.getRandomValues(out.subarray(i, Math.min(n, i + MAX_CHUNK)));
    return out;
  },
};
