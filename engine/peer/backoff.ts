/** Reconnect delays: exponential from `baseMs` to `maxMs`, with ±20 % jitter from injected randomness. */
export interface BackoffPolicy {
  readonly baseMs: number;
  readonly maxMs: number;
}

export const DEFAULT_BACKOFF: BackoffPolicy = Object.freeze({ baseMs: 1_000, maxMs: 60_000 });

/** Delay before reconnect attempt `attempt` (0-based). `unit` is a random number in [0, 1). */
export function backoffDelay(policy: BackoffPolicy, attempt: number, unit: number): number {
  const raw = Math.min(policy.maxMs, policy.baseMs * 2 ** Math.min(attempt, 30));
  const jitter = 0.8 + 0.4 * unit;
  return Math.round(raw * jitter);
}

/** A uniform number in [0, 1) from 4 random bytes. */
export function unitFromBytes(bytes: Uint8Array): number {
  const v = (((bytes[0] ?? 0) << 24) | ((bytes[1] ?? 0) << 16) | ((bytes[2] ?? 0) << 8) | (bytes[3] ?? 0)) >>> 0;
  return v / 2 ** 32;
}
