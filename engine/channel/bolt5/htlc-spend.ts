/**
 * BOLT 5: when a transaction spends an HTLC output of a confirmed commitment (ours or the
 * peer's), tell how, and learn the preimage if it shows one. "Remote Commitment Transaction —
 * HTLC Output Handling: Local Offers" and the local-commitment equivalent: if the peer claims an
 * HTLC we offered with its preimage, we MUST extract the preimage from the transaction input
 * witness and fulfil the corresponding incoming HTLC (the upstream payment).
 *
 * The witness shapes (BOLT 3 "Offered HTLC Outputs", "Received HTLC Outputs", "HTLC-Timeout and
 * HTLC-Success Transactions"), last item always the HTLC witness script:
 *
 * - `<sig> <payment_preimage>` — the preimage path of an offered HTLC, spent directly;
 * - `0 <sig> <sig> <payment_preimage>` — an HTLC-success transaction (received HTLC);
 * - `0 <sig> <sig> <>` — an HTLC-timeout transaction (offered HTLC);
 * - `<sig> <>` — the CLTV path of a received HTLC, spent directly;
 * - `<revocation_sig> <revocationpubkey>` — the revocation path (a justice transaction).
 *
 * https://github.com/lightning/bolts/blob/master/05-onchain.md#unilateral-close-handling-remote-commitment-transaction
 * https://github.com/lightning/bolts/blob/master/05-onchain.md#unilateral-close-handling-local-commitment-transaction
 */
import type { Transaction } from 'bitcoinjs-lib';
import { sha256 } from '../../crypto/hash.ts';
import { equalBytes } from '../../lib/bytes.ts';
import { ValidationError } from '../../lib/errors.ts';
import { checkBytes, checkInt } from '../bolt3/check.ts';
import type { HtlcOutput } from '../bolt3/commitment.ts';

/** How an HTLC output was spent. */
export type HtlcSpendPath = 'preimage' | 'timeout' | 'revocation';

export interface HtlcSpend {
  /** The spending input. */
  readonly inputIndex: number;
  readonly path: HtlcSpendPath;
  /** Through a second-stage HTLC transaction (2-of-2 path), rather than directly. */
  readonly secondStage: boolean;
  /** `path: 'preimage'`: the 32-byte preimage, checked against the HTLC's payment hash. */
  readonly paymentPreimage?: Uint8Array;
}

/**
 * If `tx` spends `output` of commitment `commitmentTxid` (internal byte order), how. Undefined
 * when it does not spend that output. Throws a ValidationError naming `tx` when the input's
 * witness is not one of the HTLC script's spending paths (a transaction that cannot be valid).
 */
export function htlcSpendOf(tx: Transaction, commitmentTxid: Uint8Array, output: Pick<HtlcOutput, 'index' | 'witnessScript' | 'htlc'>): HtlcSpend | undefined {
  checkBytes(commitmentTxid, 32, 'commitmentTxid');
  checkInt(output?.index, 0, 0xffffffff, 'output.index');
  const inputIndex = tx.ins.findIndex((i) => i.index === output.index && equalBytes(i.hash, commitmentTxid));
  if (inputIndex < 0) return undefined;
  const w = tx.ins[inputIndex]?.witness ?? [];
  const script = w[w.length - 1];
  if (script === undefined || !equalBytes(script, output.witnessScript)) throw new ValidationError('tx', `input ${inputIndex} does not reveal the HTLC witness script`);
  const secondStage = w.length === 5 && w[0]?.length === 0;
  if (!secondStage && w.length !== 3) throw new ValidationError('tx', `input ${inputIndex} has a ${w.length}-item witness, not an HTLC spending path`);
  const item = w[w.length - 2] as Uint8Array;
  if (item.length === 0) return Object.freeze({ inputIndex, path: 'timeout', secondStage });
  if (item.length === 33 && !secondStage) return Object.freeze({ inputIndex, path: 'revocation', secondStage });
  if (item.length === 32 && equalBytes(sha256(item), output.htlc.paymentHash)) {
    return Object.freeze({ inputIndex, path: 'preimage', secondStage, paymentPreimage: item.slice() });
  }
  throw new ValidationError('tx', `input ${inputIndex} carries a ${item.length}-byte item that is neither the preimage nor a revocation key`);
}

/**
 * Every preimage `tx` reveals for the given HTLC outputs of one commitment: what the node needs
 * to fulfil upstream when the peer claims our outgoing HTLCs on chain. Inputs that are not
 * preimage spends of these outputs are skipped (a malformed one as well: it reveals nothing).
 */
export function preimagesRevealedBy<H extends HtlcOutput>(tx: Transaction, commitmentTxid: Uint8Array, outputs: readonly H[]): { readonly output: H; readonly paymentPreimage: Uint8Array }[] {
  const found: { output: H; paymentPreimage: Uint8Array }[] = [];
  for (const o of outputs) {
    let spend: HtlcSpend | undefined;
    try {
      spend = htlcSpendOf(tx, commitmentTxid, o);
    } catch (err) {
      if (err instanceof ValidationError) continue;
      throw err;
    }
    if (spend?.paymentPreimage) found.push({ output: o, paymentPreimage: spend.paymentPreimage });
  }
  return found;
}
