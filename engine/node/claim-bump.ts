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
import type { RequestClaimBumpAction, RequestHtlcTxCpfpAction } from '../channel/index.ts';
import { MAX_SIGNATURE_BYTES, feeForWeight, segwitTxWeight, witnessWeight } from '../channel/bolt5/weights.ts';
import { MIN_SWEEP_FEERATE_PER_KW } from '../channel/bolt5/urgency.ts';
import { equalBytes } from '../lib/bytes.ts';
import { ValidationError, errorMessage } from '../lib/errors.ts';
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
    const raw = await chain.transaction(first.txid);
    const tx = Transaction.fromBuffer(raw);
    return await cpfpPackage({ chain, spendOwnOutput: wallet.spendOwnOutput.bind(wallet) }, logger, a.kind, { raw, vout: 0, feeSat: a.inputValueSat - sumOut(tx) }, a.targetFeeratePerKw, a.maxFeeSat);
  } catch (err) {
    logger.log('warn', 'claim CPFP failed; the next bump tries again', { kind: a.kind, error: errorMessage(err) });
    return undefined;
  }
}

type SpendOwnOutput = NonNullable<ChannelWallet['spendOwnOutput']>;

/**
 * CPFP a package that starts at `start.raw` (paying `start.feeSat`): follow our children of it
 * (the first spends output `start.vout`, each later one output 0 of the one before; each has one
 * input and one output), then have the wallet spend the last one's output in a child whose fee
 * lifts the whole package to `targetFeeratePerKw` (with `double`: at least twice what the
 * package pays now; else nothing when it pays the target already), never past `maxFeeSat` for
 * all the package's fees. A package already in a block is left alone.
 */
async function cpfpPackage(
  deps: { readonly chain: ChannelChain; readonly spendOwnOutput: SpendOwnOutput },
  logger: Logger,
  kind: string,
  start: { readonly raw: Uint8Array; readonly vout: number; readonly feeSat: bigint },
  target: number,
  maxFeeSat: bigint,
  double = false,
): Promise<'cpfp' | undefined> {
  const { chain } = deps;
  if (!chain.outSpend) return undefined;
  let raw = start.raw;
  let tx = Transaction.fromBuffer(raw);
  let vout = start.vout;
  let feeSat = start.feeSat;
  let weight = tx.weight();
  for (let i = 0; i < MAX_CHILDREN; i++) {
    const next = await chain.outSpend(tx.getId(), vout);
    if (!next.spent) break;
    if (next.status.confirmed) return undefined;
    const childRaw = await chain.transaction(next.txid);
    const child = Transaction.fromBuffer(childRaw);
    if (child.ins.length !== 1 || child.outs.length !== 1) {
      logger.log('warn', 'the output is spent by something that is not our CPFP child; not bumped', { kind, txid: next.txid });
      return undefined;
    }
    feeSat += (tx.outs[vout] as { value: bigint }).value - sumOut(child);
    weight += child.weight();
    raw = childRaw;
    tx = child;
    vout = 0;
  }
  const targetFeeratePerKw = double ? Math.max(target, 2 * Number((feeSat * 1000n) / BigInt(weight))) : target;
  if (feeSat >= feeForWeight(weight, targetFeeratePerKw)) return undefined; // the package already pays the target
  let childFeeSat = feeForWeight(weight + CLAIM_CPFP_CHILD_WEIGHT, targetFeeratePerKw) - feeSat;
  const floor = feeForWeight(CLAIM_CPFP_CHILD_WEIGHT, MIN_SWEEP_FEERATE_PER_KW);
  if (childFeeSat < floor) childFeeSat = floor;
  if (feeSat + childFeeSat > maxFeeSat) childFeeSat = maxFeeSat - feeSat;
  if (childFeeSat < floor) {
    logger.log('warn', 'CPFP: the fee cap is reached', { kind, feeSat: String(feeSat), maxFeeSat: String(maxFeeSat) });
    return undefined;
  }
  const out = await deps.spendOwnOutput({ parentRaw: raw, vout, feeSat: childFeeSat });
  logger.log('info', 'CPFP broadcast', { kind, parent: tx.getId(), child: out.txid, childFeeSat: String(childFeeSat), targetFeeratePerKw });
  return 'cpfp';
}

/**
 * Running a `request-htlc-tx-cpfp` (BOLT 5 fees, anchors; the reducer side is
 * engine/channel/states/force-closing-local-bump.ts): our wallet-funded HTLC tx is still
 * unconfirmed near its deadline. Checked in the mempool (the spender of its HTLC input is this
 * very tx, not in a block), its fee read from its inputs (the HTLC output, and the wallet coins
 * looked up on chain), then a CPFP child from its change output (or our last child of it) lifts
 * the package to the larger of the target and double what it pays now (cpfpPackage). Logged,
 * never thrown.
 */
export async function runHtlcTxCpfp(deps: { readonly chain: ChannelChain; readonly wallet: ChannelWallet }, logger: Logger, a: RequestHtlcTxCpfpAction): Promise<'cpfp' | undefined> {
  const { chain, wallet } = deps;
  const kind = 'htlc-tx';
  if (!wallet.spendOwnOutput || !chain.outSpend) {
    logger.log('warn', 'no HTLC tx CPFP: the wallet or the chain source cannot do it', { outputIndex: a.outputIndex });
    return undefined;
  }
  try {
    const tx = Transaction.fromBuffer(a.htlcTx);
    const htlcIn = tx.ins[0];
    if (!htlcIn || !tx.outs[a.changeVout]) throw new ValidationError('htlcTx', `has no HTLC input or no output ${a.changeVout}`);
    const spender = await chain.outSpend(displayTxid(htlcIn.hash), htlcIn.index);
    if (!spender.spent || spender.txid !== tx.getId()) {
      logger.log('warn', 'our HTLC tx is not in the mempool; it is published again on the next tip', { outputIndex: a.outputIndex, ...(spender.spent ? { spentBy: spender.txid } : {}) });
      return undefined;
    }
    if (spender.status.confirmed) return undefined;
    let inSat = a.htlcValueSat;
    for (const i of tx.ins.slice(1)) {
      const prev = Transaction.fromBuffer(await chain.transaction(displayTxid(i.hash))).outs[i.index];
      if (!prev) throw new ValidationError('htlcTx', `spends a missing output ${displayTxid(i.hash)}:${i.index}`);
      inSat += prev.value;
    }
    const feeSat = inSat - sumOut(tx);
    return await cpfpPackage({ chain, spendOwnOutput: wallet.spendOwnOutput.bind(wallet) }, logger, kind, { raw: a.htlcTx, vout: a.changeVout, feeSat }, a.targetFeeratePerKw, a.maxFeeSat, true);
  } catch (err) {
    logger.log('warn', 'HTLC tx CPFP failed; the next bump tries again', { outputIndex: a.outputIndex, error: errorMessage(err) });
    return undefined;
  }
}
