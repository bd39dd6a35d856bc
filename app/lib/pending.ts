/**
 * What is not final yet, for the home screen's "Pending" section (pure): unconfirmed on-chain
 * transactions, channels opening (their funding waiting for confirmations, BOLT 2
 * `minimum_depth`), channels closing and their outputs maturing (BOLT 5: to_local waits for
 * `to_self_delay`, HTLC outputs for their CLTV), and Lightning payments in flight with the block
 * by which they must settle (BOLT 2 cltv_expiry). Each says what it waits for, in words.
 */
import type { ChannelDto, ClosingOutputDto, PaymentDto, WalletTxDto } from '../../workers/rpc/protocol.ts';
import { allSettled, closingKindLabel, closingOutputText } from './closing-output.ts';
import { stateLabel } from './channel-input.ts';
import { fundingDepthText } from './funding-depth.ts';
import { inFlightPayments } from './in-flight.ts';
import { paymentActivityId, txActivityId, txRoleTitle } from './activity.ts';

export type PendingKind = 'onchain' | 'channel-opening' | 'channel-closing' | 'payment';

export interface PendingOutput {
  readonly outpoint: string;
  readonly label: string;
  readonly amountMsat: bigint;
  /** `waiting for 143 blocks`, `claimable`… */
  readonly text: string;
  readonly blocksLeft: number | null;
}

export interface PendingItem {
  /** Unique in the list. */
  readonly id: string;
  readonly kind: PendingKind;
  readonly title: string;
  /** What it waits for, e.g. `waiting for the first confirmation`, `settles by block 812,400 (in 40 blocks)`. */
  readonly detail: string;
  /** Signed: negative when it leaves the wallet; null when there is no single amount. */
  readonly amountMsat: bigint | null;
  /** The Activity screen's id of the item, when it has one there. */
  readonly activityId: string | null;
  /** Closing channels: their outputs still maturing or to claim. */
  readonly outputs: readonly PendingOutput[];
}

const OPENING: ReadonlySet<string> = new Set(['idle', 'wait-for-open-channel', 'wait-for-accept-channel', 'wait-for-funding-internal', 'wait-for-funding-created', 'wait-for-funding-signed', 'wait-for-funding-confirmed', 'wait-for-channel-ready']);
const CLOSING: ReadonlySet<string> = new Set(['shutting-down', 'negotiating-closing', 'closing', 'force-closing', 'wait-for-remote-publish']);

const plural = (n: number, one: string, many: string): string => `${n.toLocaleString('en-US')} ${n === 1 ? one : many}`;

/** `in 40 blocks` from the tip when it is known. */
function blocksFrom(height: number, tip: number | null): string {
  if (tip === null) return '';
  const left = height - tip;
  return left > 0 ? ` (in ${plural(left, 'block', 'blocks')})` : ' (now)';
}

/** BOLT 2: what an opening channel waits for, with its funding's confirmations of the `minimum_depth` it needs. */
function fundingDetail(c: ChannelDto, txs: ReadonlyMap<string, WalletTxDto>): string {
  const label = stateLabel(c.state).label;
  if (c.state !== 'wait-for-funding-confirmed') return label;
  if (c.minimumDepth === 0) return 'Zero-conf channel: usable without waiting for confirmations';
  const tx = c.fundingTxid ? txs.get(c.fundingTxid) : undefined;
  const needs = c.minimumDepth !== undefined ? ` (needs ${plural(c.minimumDepth, 'confirmation', 'confirmations')})` : '';
  if (!tx || !tx.confirmed) return `Funding transaction waiting for its first confirmation${needs}`;
  if (tx.confirmations === undefined) return label;
  return `Funding transaction has ${fundingDepthText(tx.confirmations, c.minimumDepth) ?? label}; waiting for enough to use it`;
}

function pendingOutputs(outputs: readonly ClosingOutputDto[]): PendingOutput[] {
  return outputs
    .filter((o) => o.status === 'waiting' || o.status === 'claimable')
    .map((o) => ({ outpoint: o.outpoint, label: closingKindLabel(o.kind), amountMsat: BigInt(o.amountSat) * 1000n, text: closingOutputText(o).text, blocksLeft: o.blocksLeft }));
}

/**
 * Everything pending, most urgent kinds first: payments in flight (soonest deadline first),
 * closing channels, opening channels, then unconfirmed transactions. `tipHeight`: the chain tip
 * when known (for "in N blocks").
 */
export function pendingItems(input: { readonly txs: readonly WalletTxDto[]; readonly channels: readonly ChannelDto[]; readonly payments: readonly PaymentDto[]; readonly tipHeight: number | null }): PendingItem[] {
  const { txs, channels, payments, tipHeight } = input;
  const byTxid = new Map(txs.map((t) => [t.txid, t]));
  const items: PendingItem[] = [];

  for (const p of inFlightPayments(payments)) {
    const out = p.direction === 'outgoing';
    items.push({
      id: `payment-${p.direction}-${p.paymentHash}`,
      kind: 'payment',
      title: out ? 'Lightning payment being sent' : 'Lightning payment being received',
      detail: p.deadlineBlock !== null ? `Settles by block ${p.deadlineBlock.toLocaleString('en-US')}${blocksFrom(p.deadlineBlock, tipHeight)}; keep Glint open` : 'Being sent; keep Glint open',
      amountMsat: out ? -p.amountMsat : p.amountMsat,
      activityId: paymentActivityId(p),
      outputs: [],
    });
  }

  const fundingTxids = new Set<string>();
  for (const c of channels) {
    if (c.fundingTxid && OPENING.has(c.state)) fundingTxids.add(c.fundingTxid);
    if (CLOSING.has(c.state) || (c.outputs.length > 0 && !allSettled(c.outputs))) {
      const outputs = pendingOutputs(c.outputs);
      const waiting = outputs.filter((o) => o.blocksLeft !== null && o.blocksLeft > 0);
      const longest = waiting.length > 0 ? Math.max(...waiting.map((o) => o.blocksLeft ?? 0)) : null;
      items.push({
        id: `channel-${c.localId}`,
        kind: 'channel-closing',
        title: 'Channel closing',
        detail: longest !== null ? `Your funds are spendable in ${plural(longest, 'block', 'blocks')} at most` : CLOSING.has(c.state) ? stateLabel(c.state).label : 'Claiming its outputs',
        amountMsat: outputs.length > 0 ? outputs.reduce((s, o) => s + o.amountMsat, 0n) : BigInt(c.localMsat),
        activityId: null,
        outputs,
      });
    }
  }
  for (const c of channels) {
    if (!OPENING.has(c.state)) continue;
    items.push({ id: `channel-${c.localId}`, kind: 'channel-opening', title: 'Channel opening', detail: fundingDetail(c, byTxid), amountMsat: BigInt(c.localMsat), activityId: null, outputs: [] });
  }

  for (const t of txs) {
    if (t.confirmed || fundingTxids.has(t.txid)) continue;
    const delta = BigInt(t.deltaSat) * 1000n;
    items.push({
      id: `tx-${t.txid}`,
      kind: 'onchain',
      title: txRoleTitle(t) ?? (delta < 0n ? 'On-chain payment sent' : 'On-chain payment incoming'),
      detail: 'Waiting for its first confirmation (about 10 minutes)',
      amountMsat: delta,
      activityId: txActivityId(t.txid),
      outputs: [],
    });
  }
  return items;
}
