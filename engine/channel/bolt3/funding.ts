/**
 * BOLT 3 "Funding Transaction Output": the P2WSH 2-of-2 both commitment transactions and the
 * closing transaction spend. The wallet builds and signs the funding transaction itself.
 *
 * https://github.com/lightning/bolts/blob/master/03-transactions.md#funding-transaction-output
 */
import { fundingWitnessScript, p2wsh } from './scripts.ts';

/** The funding output's witness script and the scriptPubKey the funding transaction pays. */
export interface FundingScript {
  /** `2 <pubkey1> <pubkey2> 2 OP_CHECKMULTISIG`, keys in lexicographic order. */
  readonly witnessScript: Uint8Array;
  /** `OP_0 <SHA256(witnessScript)>`. */
  readonly scriptPubKey: Uint8Array;
}

/** The funding output script for two `funding_pubkey`s, in either order. */
export function fundingScript(pubkeyA: Uint8Array, pubkeyB: Uint8Array): FundingScript {
  const witnessScript = fundingWitnessScript(pubkeyA, pubkeyB);
  return Object.freeze({ witnessScript, scriptPubKey: p2wsh(witnessScript) });
}
