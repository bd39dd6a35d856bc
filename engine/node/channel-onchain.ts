/**
 * The ChannelManager's BOLT 5 chain work, kept out of channels.ts: watching each funded
 * channel's funding outpoint for a confirmed spend (fed to the reducer as `funding-spent`,
 * proven by a merkle branch against the block header), and running a `request-cpfp` through
 * the wallet (the anchor input signed with the channel's funding key, the wallet's coin by the
 * wallet).
 *
 * Cost: one `/tx/:txid/outspend/:vout` request per funded channel per new tip; the spending
 * transaction and its proof are fetched once per block it is in.
 */
import { Transaction } from 'bitcoinjs-lib';
import { merkleProblem, parseHeader } from '../chain/bitcoin.ts';
import type { ChainTip } from '../chain/source.ts';
import { SWEEP_CONFIRMATION_DEPTH, claimTxsOf } from '../channel/index.ts';
import type { ChannelState, FundingSpendReorgedEvent, FundingSpentEvent, RequestCpfpAction } from '../channel/index.ts';
import { buildAnchorCpfp, minCpfpCoinSat } from '../channel/bolt5/anchor-cpfp.ts';
import { hexToBytes } from '../lib/bytes.ts';
import { errorMessage } from '../lib/errors.ts';
import type { Logger } from '../ports.ts';
import type { ChannelChain, ChannelKeySource, ChannelWallet } from './channel-ports.ts';
import { displayTxid } from './channel-inspect.ts';

/** A transaction proven to be in a block. */
export interface ProvenTx {
  readonly txid: string;
  readonly blockHash: string;
  readonly blockHeight: number;
  /** Position in the block. */
  readonly pos: number;
  readonly rawTx: Uint8Array;
}

/** Fetch `txid` and prove it is in block `blockHash` (merkle branch against the header). */
export async function proveInBlock(chain: ChannelChain, txid: string, blockHash: string, blockHeight: number): Promise<ProvenTx> {
  const [proof, header, rawTx] = await Promise.all([chain.merkleProof(txid), chain.blockHeader(blockHash), chain.transaction(txid)]);
  if (proof.blockHeight !== blockHeight) throw new Error(`merkle proof is for height ${proof.blockHeight}, the status says ${blockHeight}`);
  const problem = merkleProblem(txid, proof.merkle, proof.pos, parseHeader(header).merkleRoot);
  if (problem) throw new Error(`${problem} of block ${blockHash}`);
  return { txid, blockHash, blockHeight, pos: proof.pos, rawTx };
}

/** The funding outpoint a state keeps watching for a spend (any state holding commitments, until closed). */
function watchedOutpoint(state: ChannelState): { txid: string; index: number } | undefined {
  if (!('commitments' in state)) return undefined;
  const o = state.commitments.fundingOutpoint;
  return { txid: displayTxid(o.txid), index: o.index };
}

/** Per-channel memory of the funding outpoint's spend. */
interface SpendMemory {
  checkedAt?: string;
  proven?: ProvenTx;
}

/**
 * What the funding watch found at a tip: a confirmed spend, or (BOLT 5 reorgs) that the spend
 * the state recorded is in no block any more — with the commitment's bytes when known (the peer's
 * commitment is published again by the node: it is fully signed, publishing it risks nothing).
 */
export type FundingSpendReport = { readonly event: FundingSpentEvent } | { readonly event: FundingSpendReorgedEvent; readonly rawTx?: Uint8Array };

export class FundingSpendWatcher {
  private readonly memory = new Map<string, SpendMemory>();
  private readonly chain: ChannelChain;
  private readonly logger: Logger;

  constructor(chain: ChannelChain, logger: Logger) {
    this.chain = chain;
    this.logger = logger;
  }

  /**
   * For channel `scope` in `state` at `tip`: `funding-spent` when a confirmed transaction spends
   * its funding outpoint, `funding-spend-reorged` when the state's recorded spend is not confirmed
   * any more (a reorg; also right after a restart), else undefined. At most once per tip; never throws.
   */
  async check(scope: string, state: ChannelState, tip: ChainTip): Promise<FundingSpendReport | undefined> {
    const outpoint = watchedOutpoint(state);
    if (!outpoint || !this.chain.outSpend) {
      this.memory.delete(scope);
      return undefined;
    }
    const mem = this.memory.get(scope) ?? {};
    this.memory.set(scope, mem);
    if (mem.checkedAt === tip.hash) return undefined;
    mem.checkedAt = tip.hash;
    try {
      const spend = await this.chain.outSpend(outpoint.txid, outpoint.index);
      if (!spend.spent || !spend.status.confirmed) {
        const lost = mem.proven;
        mem.proven = undefined;
        const recorded = state.type === 'force-closing' ? state.spend : undefined;
        if (!recorded || recorded.reorged) return undefined;
        const txid = displayTxid(recorded.txid);
        const rawTx = lost?.txid === txid ? lost.rawTx : await this.fetchTx(txid);
        this.logger.log('warn', 'a reorg took the confirmed commitment out of the chain', { scope, txid, blockHeight: recorded.blockHeight });
        return { event: { type: 'funding-spend-reorged', txid: recorded.txid }, ...(rawTx ? { rawTx } : {}) };
      }
      const { blockHash, blockHeight } = spend.status;
      if (!mem.proven || mem.proven.txid !== spend.txid || mem.proven.blockHash !== blockHash) mem.proven = await proveInBlock(this.chain, spend.txid, blockHash, blockHeight);
      const depth = tip.height - blockHeight + 1;
      if (depth < 1) return undefined;
      return { event: { type: 'funding-spent', rawTx: mem.proven.rawTx, blockHeight, depth } };
    } catch (err) {
      mem.checkedAt = undefined;
      this.logger.log('warn', 'funding spend check failed; retried on the next tip', { scope, error: errorMessage(err) });
      return undefined;
    }
  }

  /** `txid`'s bytes from the server (in its mempool), checked against the txid; undefined when it has none. */
  private async fetchTx(txid: string): Promise<Uint8Array | undefined> {
    try {
      const raw = await this.chain.transaction(txid);
      return displayTxid(Transaction.fromBuffer(raw).getHash()) === txid ? raw : undefined;
    } catch {
      return undefined;
    }
  }

  /** Ask again at the next call even on the same tip (a new watch was just added). */
  recheck(scope: string): void {
    const mem = this.memory.get(scope);
    if (mem) mem.checkedAt = undefined;
  }
}

/**
 * What a closing channel keeps publishing (display txid → raw) and watches to confirmation:
 * the reducer's `claimTxsOf` (every claim built and not final, our commitment until one
 * confirmed or while a reorg took it), plus, while a reorg took the peer's commitment, that
 * commitment itself (`reorgedSpend`: its txid, the bytes are the node's).
 */
export function closingTxs(s: ChannelState): { publish: Map<string, Uint8Array>; watch: Map<string, number>; reorgedSpend?: string } {
  const publish = new Map<string, Uint8Array>();
  const watch = new Map<string, number>();
  for (const c of claimTxsOf(s)) {
    const txid = displayTxid(c.txid);
    publish.set(txid, c.rawTx);
    if (c.kind !== 'commitment') watch.set(txid, c.heightOnly ? 1 : SWEEP_CONFIRMATION_DEPTH);
  }
  const spend = s.type === 'force-closing' ? s.spend : undefined;
  return { publish, watch, ...(spend?.reorged ? { reorgedSpend: displayTxid(spend.txid) } : {}) };
}

/** A P2WPKH change output: what the fee estimate assumes for the wallet's change script. */
const P2WPKH_LENGTH = 22;

/**
 * Run a `request-cpfp`: publish the parent first (an orphan child is refused), then have the
 * wallet spend a coin together with our anchor. Logged, never thrown; not retried (the
 * commitment still confirms at its own feerate, only later).
 */
export async function runAnchorCpfp(
  deps: { readonly chain: ChannelChain; readonly wallet: ChannelWallet; readonly keys: ChannelKeySource },
  logger: Logger,
  a: RequestCpfpAction,
  parentRaw: Uint8Array | undefined,
): Promise<string | undefined> {
  const { chain, wallet, keys } = deps;
  const parentTxid = displayTxid(a.parentTxid);
  if (!wallet.spendWithForeignInputs) {
    logger.log('warn', 'the wallet cannot CPFP (no spendWithForeignInputs); the commitment waits at its own feerate', { txid: parentTxid });
    return undefined;
  }
  if (parentRaw) await chain.broadcast(parentRaw).catch(() => undefined); // already in the mempool is fine
  const parent = { weight: a.parentWeight, feeSat: a.parentFeeSat };
  const placeholderChange = new Uint8Array(P2WPKH_LENGTH);
  placeholderChange[1] = 0x14;
  try {
    const fundingPrivkey = keys.channelKeys(a.channelIndex).fundingSecret;
    const child = await wallet.spendWithForeignInputs({
      minCoinSat: minCpfpCoinSat(parent, placeholderChange, a.targetFeeratePerKw),
      build: (coin, changeScriptPubKey) =>
        buildAnchorCpfp({
          anchor: { txid: a.parentTxid, index: a.anchorIndex, valueSat: 330n },
          fundingPrivkey,
          walletCoin: { txid: hexToBytes(coin.txid).reverse(), index: coin.vout, valueSat: coin.valueSat, scriptPubKey: coin.scriptPubKey },
          changeScriptPubKey,
          parent,
          targetFeeratePerKw: a.targetFeeratePerKw,
        }).tx.toBuffer(),
    });
    logger.log('info', 'anchor CPFP broadcast', { parent: parentTxid, child: child.txid, targetFeeratePerKw: a.targetFeeratePerKw });
    return child.txid;
  } catch (err) {
    logger.log('warn', 'anchor CPFP failed; the commitment waits at its own feerate', { parent: parentTxid, error: errorMessage(err) });
    return undefined;
  }
}
