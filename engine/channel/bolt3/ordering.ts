/**
 * BOLT 3 "Transaction Output Ordering": BIP 69 (value, then scriptPubKey) with the CLTV
 * tie-break for HTLC outputs that are otherwise identical.
 *
 * https://github.com/lightning/bolts/blob/master/03-transactions.md#transaction-output-ordering
 */
import { compareBytes } from '../../lib/bytes.ts';

/** What ordering looks at in an output. `cltvExpiry` is set for HTLC outputs only. */
export interface OrderableOutput {
  readonly valueSat: bigint;
  readonly scriptPubKey: Uint8Array;
  readonly cltvExpiry?: number | undefined;
}

/**
 * Compare two outputs: smaller value first (whole satoshis), then the scriptPubKey bytes as by
 * `memcmp` over the common prefix with the shorter script first, then increasing `cltv_expiry`.
 */
export function compareOutputs(a: OrderableOutput, b: OrderableOutput): number {
  if (a.valueSat !== b.valueSat) return a.valueSat < b.valueSat ? -1 : 1;
  const c = compareBytes(a.scriptPubKey, b.scriptPubKey);
  if (c !== 0) return c;
  return (a.cltvExpiry ?? 0) - (b.cltvExpiry ?? 0);
}

/** A sorted copy (the sort is stable, so fully identical outputs keep their input order). */
export function sortOutputs<T extends OrderableOutput>(outputs: readonly T[]): T[] {
  return [...outputs].sort(compareOutputs);
}
