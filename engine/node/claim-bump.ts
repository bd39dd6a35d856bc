/**
 * Running a `request-claim-bump` (BOLT 5 fees; the reducer side is
 * engine/channel/states/force-closing-rebump.ts): the higher-fee version of one of our claims is
 * already persisted. Publish it (a BIP 125 replacement); where the chain refuses it (bcoin has
 * no RBF: `txn-mempool-conflict`), CPFP instead: find the version the mempool holds (the spender
 * of an outpoint every version spends) and our children of it (each spends the previous one's
 * output 0, which pays the wallet), and have the wallet spend the last one's output 0 in a child
 * whose fee lifts the whole package to the target feerate — never past the cap on the claim's
 * fees, and only from the claim's own output (the cap keeps it well above the child's fee).
 *
 * Logged, never thrown: the next bump (a later block) tries again.
 */
import { Transaction } from 'bitcoinjs-lib';
import type { RequestClaimBumpAction } from '../channel/index.ts';
import { MAX_SIGNATURE_BYTES, feeForWeight, segwitTxWeight, witnessWeight } from '../channel/bolt5/weights.ts';
import { MIN_SWEEP_FEERATE_PER_KW } from '../channel/bolt5/urgency.ts';
import { equalBytes } from '../lib/bytes.ts';
import { errorMessage } from '../lib/errors.ts';
import type { Logger } from '../ports.ts';
import type { ChannelChain, ChannelWallet } from './channel-ports.ts';
import { displayTxid } from './channel-inspect.ts';

/** A CPFP child: one P2WPKH input (signature, 33-byte key), one P2WPKH output. */
export const CLAIM_CPFP_CHILD_WEIGHT = segwitTxWeight([witnessWeight([MAX_SIGNATURE_BYTES, 33])], [22]);
/** How many of our children of one claim are followed (each bump adds at most one). */
const MAX_CHILDREN = 25;

type Broadcasts = Map<string, { readonly raw: Uint8Array; readonly wallet: boolean }>;

const sumOut = (tx: Transaction): bigint => tx.outs.reduce((s, o) => s + o.value, 0n);

function spendsOutpoint(raw: Uint8Array, o: RequestClaimBumpAction['spentOutpoint']): boolean {
  try {
    return Transaction.fromBuffer(raw).ins.some((i) => i.index === o.index && equalBytes(i.hash, o.txid));
  } catch {
    return false;
  }
}

/**
 * Publish the replacement, else CPFP the version in the mempool. `broadcasts` (the channel's
 * re-publish list) keeps the replacement instead of the version it replaced once it is accepted.
 * Resolves with what was done.
 */
export async function runClaimBump(
  deps: { readonly chain: ChannelChain; readonly wallet: ChannelWallet },
  logger: Logger,
  a: RequestClaimBumpAction,
  broadcasts: Broadcasts,
): Promise<'replaced' | 'cpfp' | undefined> {
  const { chain, wallet } = deps;
  const replacement = displayTxid(a.replacementTxid);
  try {
    // A version already in a block (not yet as deep as the channel waits for): nothing to bump.
    const spent = chain.outSpend ? await chain.outSpend(displayTxid(a.spentOutpoint.txid), a.spentOutpoint.index) : undefined;
    if (spent?.spent && spent.status.confirmed) {
      logger.log('debug', 'claim already confirmed; not bumped', { kind: a.kind, txid: spent.txid });
      return undefined;
    }
  } catch (err) {
    logger.log('debug', 'claim spend check failed; bumping anyway', { kind: a.kind, error: errorMessage(err) });
  }
  try {
    await chain.broadcast(a.replacement);
    for (const [txid, b] of broadcasts) if (spendsOutpoint(b.raw, a.spentOutpoint)) broadcasts.delete(txid);
    broadcasts.set(replacement, { raw: a.replacement.slice(), wallet: false });
    logger.log('info', 'claim fee bumped by replacement', { kind: a.kind, txid: replacement, feeratePerKw: a.targetFeeratePerKw });
    return 'replaced';
  } catch (err) {
    logger.log('info', 'claim replacement refused; CPFP instead', { kind: a.kind, txid: replacement, error: errorMessage(err) });
  }
  if (!wallet.spendOwnOutput || !chain.outSpend) {
    logger.log('warn', 'no claim CPFP: the wallet or the chain source cannot do it', { kind: a.kind });
    return undefined;
  }
  try {
    const first = await chain.outSpend(displayTxid(a.spentOutpoint.txid), a.spentOutpoint.index);
    if (!first.spent) {
      logger.log('warn', 'no version of the claim is in the mempool to CPFP; it is published again on the next tip', { kind: a.kind });
      return undefined;
    }
    if (first.status.confirmed) return undefined;
    let raw = await chain.transaction(first.txid);
    let tx = Transaction.fromBuffer(raw);
    let feeSat = a.inputValueSat - sumOut(tx);
    let weight = tx.weight();
    for (let i = 0; i < MAX_CHILDREN; i++) {
      const next = await chain.outSpend(tx.getId(), 0);
      if (!next.spent) break;
      if (next.status.confirmed) return undefined;
      const childRaw = await chain.transaction(next.txid);
      const child = Transaction.fromBuffer(childRaw);
      if (child.ins.length !== 1 || child.outs.length !== 1) {
        logger.log('warn', 'the claim output is spent by something that is not our CPFP child; not bumped', { kind: a.kind, txid: next.txid });
        return undefined;
      }
      feeSat += (tx.outs[0] as { value: bigint }).value - sumOut(child);
      weight += child.weight();
      raw = childRaw;
      tx = child;
    }
    if (feeSat >= feeForWeight(weight, a.targetFeeratePerKw)) return undefined; // the package already pays the target
    let childFeeSat = feeForWeight(weight + CLAIM_CPFP_CHILD_WEIGHT, a.targetFeeratePerKw) - feeSat;
    const floor = feeForWeight(CLAIM_CPFP_CHILD_WEIGHT, MIN_SWEEP_FEERATE_PER_KW);
    if (childFeeSat < floor) childFeeSat = floor;
    if (feeSat + childFeeSat > a.maxFeeSat) childFeeSat = a.maxFeeSat - feeSat;
    if (childFeeSat < floor) {
      logger.log('warn', 'claim CPFP: the fee cap is reached', { kind: a.kind, feeSat: String(feeSat), maxFeeSat: String(a.maxFeeSat) });
      return undefined;
    }
    const out = await wallet.spendOwnOutput({ parentRaw: raw, vout: 0, feeSat: childFeeSat });
    logger.log('info', 'claim CPFP broadcast', { kind: a.kind, parent: tx.getId(), child: out.txid, childFeeSat: String(childFeeSat), targetFeeratePerKw: a.targetFeeratePerKw });
    return 'cpfp';
  } catch (err) {
    logger.log('warn', 'claim CPFP failed; the next bump tries again', { kind: a.kind, error: errorMessage(err) });
    return undefined;
  }
}
