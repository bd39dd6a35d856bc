/**
 * BOLT 5 "Requirements: a node ... MUST monitor the blockchain for transactions that spend any
 * output ... it is interested in" — the node side of the issue 6 contract between the channel
 * reducer and the ChannelManager:
 *
 *   - `persist-revoked {channelId, commitmentNumber, record}`: a barrier `persist` under
 *     `channel-revoked/<channelIdHex>/<commitmentNumber>`, in the same batch as the channel's
 *     snapshot (one atomic write, durable before any send of the batch: executor.ts rule 1).
 *   - `watch-output-spend {txid, outputIndex}` and the reducer's `outputWatchesOf(state)`: every
 *     outpoint a closing channel cares about (HTLC outputs, second-stage outputs, ...) has its
 *     spend checked once per new tip through `/tx/:txid/outspend/:vout`, the spending tx proven
 *     by a merkle branch against its block header (channel-onchain.ts `proveInBlock`), and fed
 *     as `output-spent {txid, outputIndex, spendingTx, blockHeight, depth}` on every new tip
 *     while the channel is not closed. A reorg that removes the spend stops the reports; one that
 *     moves it to another block re-proves it there. The set is re-derived from the state after
 *     loading and after every step, so a restart resumes exactly (nothing about it is stored
 *     besides the channel state itself).
 *   - `funding-spent` gains `revokedRecord` when the spending commitment's number
 *     (`commitmentNumberOfSpend(state, rawTx)`) has a stored record (BOLT 5 "Revoked
 *     Transaction Close Handling": the HTLC outputs of a revoked commitment can only be
 *     found with what we knew of it when it was revoked).

 */
import { Transaction } from 'bitcoinjs-lib';
import { closingOutputsOf, commitmentNumberOfSpend, outputWatchesOf } from '../channel/index.ts';
import type { ChainTip } from '../chain/source.ts';
import type { ChannelAction, ChannelContext, ChannelState, FundingSpentEvent, OutputSpentEvent } from '../channel/index.ts';
import { bytesToHex } from '../lib/bytes.ts';
import { errorMessage } from '../lib/errors.ts';
import type { Logger } from '../ports.ts';
import type { BarrierAction } from './executor.ts';
import type { ChannelChain, ClosingOutputInfo } from './channel-ports.ts';
import { type ProvenTx, proveInBlock } from './channel-onchain.ts';
import { displayTxid, isTerminal } from './channel-inspect.ts';

/** Store key prefix of the revoked-commitment records (engine/store/schema.ts). */
export const CHANNEL_REVOKED_KEY_PREFIX = 'channel-revoked/';

/** `channel-revoked/<channelIdHex>/<commitmentNumber>`. */
export function revokedRecordKey(channelId: Uint8Array, commitmentNumber: number): string {
  return `${CHANNEL_REVOKED_KEY_PREFIX}${bytesToHex(channelId)}/${commitmentNumber}`;
}

/** An outpoint whose spend a channel waits for (txid in internal byte order). */
export interface WatchedOutput {
  readonly txid: Uint8Array;
  readonly outputIndex: number;
}

/** The contract's new actions, seen structurally (so this compiles before and after the reducer has them). */
export type PersistRevokedAction = { readonly type: 'persist-revoked'; readonly channelId: Uint8Array; readonly commitmentNumber: number; readonly record: Uint8Array };
export type WatchOutputSpendAction = { readonly type: 'watch-output-spend'; readonly txid: Uint8Array; readonly outputIndex: number };

function field(a: unknown, name: string): unknown {
  return typeof a === 'object' && a !== null ? (a as Record<string, unknown>)[name] : undefined;
}

export function isPersistRevoked(a: ChannelAction | { readonly type: string }): a is PersistRevokedAction {
  return (
    a.type === 'persist-revoked' &&
    field(a, 'channelId') instanceof Uint8Array &&
    Number.isSafeInteger(field(a, 'commitmentNumber')) &&
    (field(a, 'commitmentNumber') as number) >= 0 &&
    field(a, 'record') instanceof Uint8Array
  );
}

export function isWatchOutputSpend(a: ChannelAction | { readonly type: string }): a is WatchOutputSpendAction {
  const txid = field(a, 'txid');
  const index = field(a, 'outputIndex');
  return a.type === 'watch-output-spend' && txid instanceof Uint8Array && txid.length === 32 && Number.isInteger(index) && (index as number) >= 0;
}

/** The barrier write of a `persist-revoked` (same scope, same atomic batch as the snapshot). */
export function persistRevokedWrite(a: PersistRevokedAction): BarrierAction {
  return { kind: 'persist', key: revokedRecordKey(a.channelId, a.commitmentNumber), value: a.record };
}

/** What the state itself says must be watched (none once the channel ended). */
export function stateOutputWatches(state: ChannelState): readonly WatchedOutput[] {
  return isTerminal(state) ? [] : outputWatchesOf(state);
}

/** The closing outputs of `state` for ChannelInfo (undefined when the reducer lists none). */
export function closingOutputsInfo(state: ChannelState, keys?: Pick<ChannelContext, 'channelKeys'>): readonly ClosingOutputInfo[] | undefined {
  const rows = closingOutputsOf(state, keys);
  if (rows.length === 0) return undefined;
  return rows.map((r) => ({
    outpoint: `${displayTxid(r.txid)}:${r.outputIndex}`,
    kind: r.kind,
    amountSat: r.amountSat,
    status: r.status,
    ...(r.availableAtHeight !== undefined ? { availableAtHeight: r.availableAtHeight } : {}),
    ...(r.claimTxid ? { claimTxid: displayTxid(r.claimTxid) } : {}),
  }));
}

/** The channel id a state's records are stored under. */
function channelIdOf(state: ChannelState): Uint8Array | undefined {
  return 'commitments' in state ? state.commitments.channelId : undefined;
}

/**
 * `funding-spent` with the revoked record of the spending commitment attached, when one is
 * stored (a commitment the peer revoked while it had HTLC outputs). A load failure is logged and
 * the event goes without it (the reducer still claims what it can; the next tip tries again).
 */
export async function withRevokedRecord(
  event: FundingSpentEvent,
  state: ChannelState,
  load: ((key: string) => Promise<Uint8Array | undefined>) | undefined,
  logger: Logger,
): Promise<FundingSpentEvent> {
  const channelId = channelIdOf(state);
  if (!load || !channelId) return event;
  let n: number | undefined;
  try {
    n = commitmentNumberOfSpend(state, event.rawTx);
  } catch {
    return event;
  }
  if (n === undefined) return event;
  const key = revokedRecordKey(channelId, n);
  try {
    const record = await load(key);
    return record ? { ...event, revokedRecord: record } : event;
  } catch (err) {
    logger.log('error', 'could not load the revoked commitment record; retried on the next tip', { key, error: errorMessage(err) });
    return event;
  }
}

/** Per outpoint: the last tip checked and the spend proven there. */
interface OutputMemory {
  readonly txid: Uint8Array;
  readonly outputIndex: number;
  checkedAt?: string;
  proven?: ProvenTx;
}

const outpointKey = (txid: Uint8Array, index: number): string => `${displayTxid(txid)}:${index}`;

/**
 * The outpoints each channel watches for a spend, and their proven spends. Armed by
 * `watch-output-spend` and re-derived from the state (`sync`) after loading and after every
 * step; dropped when the channel ends.
 */
export class OutputSpendWatcher {
  private readonly byScope = new Map<string, Map<string, OutputMemory>>();
  private readonly chain: ChannelChain;
  private readonly logger: Logger;

  constructor(chain: ChannelChain, logger: Logger) {
    this.chain = chain;
    this.logger = logger;
  }

  /** Watch one more outpoint for `scope` (a `watch-output-spend` action). */
  arm(scope: string, txid: Uint8Array, outputIndex: number): void {
    let m = this.byScope.get(scope);
    if (!m) this.byScope.set(scope, (m = new Map()));
    const key = outpointKey(txid, outputIndex);
    const had = m.get(key);
    if (had) had.checkedAt = undefined;
    else m.set(key, { txid: txid.slice(), outputIndex });
  }

  /**
   * After a step or a load: the state's own list is the set (`outputWatchesOf`: an outpoint whose
   * claim confirmed is no longer asked about); what is still listed keeps its proven spend.
   */
  sync(scope: string, state: ChannelState): void {
    const wanted = stateOutputWatches(state);
    if (wanted.length === 0) {
      this.byScope.delete(scope);
      return;
    }
    const keep = new Set(wanted.map((w) => outpointKey(w.txid, w.outputIndex)));
    const m = this.byScope.get(scope);
    if (m) for (const k of [...m.keys()]) if (!keep.has(k)) m.delete(k);
    for (const w of wanted) if (!this.byScope.get(scope)?.has(outpointKey(w.txid, w.outputIndex))) this.arm(scope, w.txid, w.outputIndex);
  }

  /** The outpoints watched for `scope` (display `txid:vout`), for tests and the inspector. */
  watched(scope: string): string[] {
    return [...(this.byScope.get(scope)?.keys() ?? [])].sort();
  }

  /**
   * The `output-spent` events at `tip` for `scope`: one per watched outpoint whose spend is in a
   * block (proven), at most once per tip. Never throws (a failed check is retried next tip).
   */
  async check(scope: string, tip: ChainTip): Promise<OutputSpentEvent[]> {
    const m = this.byScope.get(scope);
    if (!m || m.size === 0 || !this.chain.outSpend) return [];
    const found = await Promise.all([...m.values()].map((w) => this.checkOne(scope, w, tip)));
    return found.filter((e): e is OutputSpentEvent => e !== undefined);
  }

  private async checkOne(scope: string, w: OutputMemory, tip: ChainTip): Promise<OutputSpentEvent | undefined> {
    if (w.checkedAt === tip.hash || !this.chain.outSpend) return undefined;
    w.checkedAt = tip.hash;
    const txid = displayTxid(w.txid);
    try {
      const spend = await this.chain.outSpend(txid, w.outputIndex);
      if (!spend.spent || !spend.status.confirmed) {
        w.proven = undefined; // unspent, or back in the mempool after a reorg
        return undefined;
      }
      const { blockHash, blockHeight } = spend.status;
      if (!w.proven || w.proven.txid !== spend.txid || w.proven.blockHash !== blockHash) {
        const proven = await proveInBlock(this.chain, spend.txid, blockHash, blockHeight);
        // A server naming a tx that does not spend this outpoint is not believed.
        const spends = Transaction.fromBuffer(proven.rawTx).ins.some((i) => displayTxid(i.hash) === txid && i.index === w.outputIndex);
        if (!spends) throw new Error(`${spend.txid} does not spend ${txid}:${w.outputIndex}`);
        w.proven = proven;
      }
      const depth = tip.height - blockHeight + 1;
      if (depth < 1) return undefined;
      return { type: 'output-spent', txid: w.txid, outputIndex: w.outputIndex, spendingTx: w.proven.rawTx, blockHeight, depth };
    } catch (err) {
      w.checkedAt = undefined;
      this.logger.log('warn', 'output spend check failed; retried on the next tip', { scope, outpoint: `${txid}:${w.outputIndex}`, error: errorMessage(err) });
      return undefined;
    }
  }
}
