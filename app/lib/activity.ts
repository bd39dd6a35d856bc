/**
 * The wallet's activity (pure): on-chain transactions (`wallet.history`) and Lightning payments
 * (`payment.list`) merged into one list, newest first, with the filters of the Activity screen
 * and the ids its detail view is addressed by (`#/wallet/activity/<id>`).
 */
import type { PaymentDto, WalletTxDto, WalletTxRoleDto } from '../../workers/rpc/protocol.ts';

export type ActivityFilter = 'all' | 'lightning' | 'onchain' | 'channels' | 'pending' | 'failed';
export const ACTIVITY_FILTERS: readonly { readonly id: ActivityFilter; readonly label: string }[] = [
  { id: 'all', label: 'All' },
  { id: 'lightning', label: 'Lightning' },
  { id: 'onchain', label: 'On-chain' },
  { id: 'channels', label: 'Channels' },
  { id: 'pending', label: 'Pending' },
  { id: 'failed', label: 'Failed' },
];

/** What a channel's on-chain transaction is called (WalletTxDto `role`, from the worker); a payment has no special name. */
const ROLE_TITLES: Readonly<Record<WalletTxRoleDto, string | null>> = {
  payment: null,
  'channel-open': 'Channel open',
  'channel-close': 'Channel closed',
  sweep: 'Swept from closed channel',
  penalty: 'Penalty claimed',
  'fee-bump': 'Fee bump',
};

/** The title of a transaction's role, or null for a payment (or a role not known). */
export function txRoleTitle(tx: WalletTxDto): string | null {
  return tx.role ? ROLE_TITLES[tx.role] : null;
}

export type ActivityStatus = 'pending' | 'settled' | 'failed';

interface ItemBase {
  /** `tx-<txid>`, `ln-in-<payment hash>` or `ln-out-<payment hash>`: unique in the list, safe in a URL. */
  readonly id: string;
  readonly direction: 'in' | 'out';
  readonly status: ActivityStatus;
  /** What moved, without sign: on-chain the wallet's net change (fee included when sent), Lightning what the payee got. */
  readonly amountMsat: bigint;
  /** Miner fee (on-chain, when the wallet paid it) or routing fee (Lightning, outgoing); null when none or not known. */
  readonly feeMsat: bigint | null;
  /** When it happened (seconds): the block's time on-chain, the payment's creation; null while unconfirmed on-chain. */
  readonly timeSec: number | null;
}

export interface OnchainActivity extends ItemBase {
  readonly kind: 'onchain';
  readonly tx: WalletTxDto;
}

export interface LightningActivity extends ItemBase {
  readonly kind: 'lightning';
  readonly payment: PaymentDto;
}

export type ActivityItem = OnchainActivity | LightningActivity;

export function txActivityId(txid: string): string {
  return `tx-${txid}`;
}

export function paymentActivityId(p: Pick<PaymentDto, 'direction' | 'paymentHash'>): string {
  return `ln-${p.direction === 'incoming' ? 'in' : 'out'}-${p.paymentHash}`;
}

/** An id as it may come from a URL: one of the three shapes above (lowercase hex), else null. */
export function parseActivityId(text: string): string | null {
  return /^(tx|ln-in|ln-out)-[0-9a-f]{64}$/.test(text) ? text : null;
}

export function txActivity(tx: WalletTxDto): OnchainActivity {
  const delta = BigInt(tx.deltaSat);
  const out = delta < 0n;
  return {
    id: txActivityId(tx.txid),
    kind: 'onchain',
    direction: out ? 'out' : 'in',
    status: tx.confirmed ? 'settled' : 'pending',
    amountMsat: (out ? -delta : delta) * 1000n,
    feeMsat: tx.feeSat !== null && out ? BigInt(tx.feeSat) * 1000n : null,
    timeSec: tx.confirmed ? (tx.blockTime ?? null) : null,
    tx,
  };
}

export function paymentActivity(p: PaymentDto): LightningActivity {
  const fee = BigInt(p.feeMsat);
  return {
    id: paymentActivityId(p),
    kind: 'lightning',
    direction: p.direction === 'incoming' ? 'in' : 'out',
    status: p.status === 'succeeded' ? 'settled' : p.status,
    amountMsat: BigInt(p.amountMsat),
    feeMsat: p.direction === 'outgoing' && fee > 0n ? fee : null,
    timeSec: p.createdAtSec,
    payment: p,
  };
}

/**
 * An invoice of ours that nobody paid and that can no longer be paid is not activity (nothing
 * moved): one still open is listed as pending ("waiting for payment"), an expired one is not.
 */
function listed(p: PaymentDto, nowSec: number): boolean {
  if (p.direction !== 'incoming') return true;
  if (p.status === 'pending') return p.expiresAtSec === undefined || p.expiresAtSec > nowSec;
  return !(p.status === 'failed' && p.failureCode === 'invoice_expired');
}

/**
 * Where an item sorts: unconfirmed transactions first (they are the newest thing there is), then
 * by time; a confirmed transaction whose block time is not known goes last, by block height.
 */
function sortKey(i: ActivityItem): [number, number] {
  if (i.kind === 'onchain' && !i.tx.confirmed) return [2, 0];
  if (i.timeSec !== null) return [1, i.timeSec];
  return [0, i.kind === 'onchain' ? (i.tx.blockHeight ?? 0) : 0];
}

/** Times are whole seconds: within one, a payment that completed is the newer event than one still pending (created then). */
const completed = (i: ActivityItem): number => (i.kind === 'lightning' && i.status !== 'pending' ? 1 : 0);

/** Both histories as one list, newest first (ties: completed first, then by id, so the order never flickers). */
export function mergeActivity(txs: readonly WalletTxDto[], payments: readonly PaymentDto[], nowSec: number): ActivityItem[] {
  const items: ActivityItem[] = [...txs.map(txActivity), ...payments.filter((p) => listed(p, nowSec)).map(paymentActivity)];
  return items.sort((a, b) => {
    const [ga, ta] = sortKey(a);
    const [gb, tb] = sortKey(b);
    if (ga !== gb) return gb - ga;
    if (ta !== tb) return tb - ta;
    if (completed(a) !== completed(b)) return completed(b) - completed(a);
    return a.id < b.id ? -1 : a.id > b.id ? 1 : 0;
  });
}

export function matchesFilter(i: ActivityItem, filter: ActivityFilter): boolean {
  switch (filter) {
    case 'all':
      return true;
    case 'lightning':
    case 'onchain':
      return i.kind === filter;
    case 'channels':
      return i.kind === 'onchain' && txRoleTitle(i.tx) !== null;
    case 'pending':
    case 'failed':
      return i.status === filter;
  }
}

export function filterActivity(items: readonly ActivityItem[], filter: ActivityFilter): ActivityItem[] {
  return items.filter((i) => matchesFilter(i, filter));
}

/**
 * The chain tip as far as the wallet's history tells (a confirmed transaction with its
 * confirmations: tip = height + confirmations − 1), or null when none says.
 */
export function tipFromHistory(txs: readonly WalletTxDto[]): number | null {
  let tip: number | null = null;
  for (const t of txs) {
    if (t.blockHeight === null || t.confirmations === undefined) continue;
    const h = t.blockHeight + t.confirmations - 1;
    if (tip === null || h > tip) tip = h;
  }
  return tip;
}

/** A transaction's confirmations in words: `Unconfirmed`, `1 confirmation`, `6 confirmations`, `In block 812,345`. */
export function confirmationsText(tx: WalletTxDto): string {
  if (!tx.confirmed) return 'Unconfirmed (0 confirmations)';
  if (tx.confirmations !== undefined) return `${tx.confirmations.toLocaleString('en-US')} ${tx.confirmations === 1 ? 'confirmation' : 'confirmations'}`;
  return tx.blockHeight !== null ? `In block ${tx.blockHeight.toLocaleString('en-US')}` : 'Confirmed';
}

/** The row's headline: `Received`, `Sent`, `Sending`, `Invoice`, `Not sent`, with ` (keysend)`; a channel's transaction by its role (`Channel open`…). */
export function activityTitle(i: ActivityItem): string {
  if (i.kind === 'onchain') return txRoleTitle(i.tx) ?? (i.direction === 'in' ? 'Received' : 'Sent');
  const p = i.payment;
  const base = p.direction === 'incoming' ? (p.status === 'succeeded' ? 'Received' : 'Invoice') : p.status === 'failed' ? 'Not sent' : p.status === 'pending' ? 'Sending' : 'Sent';
  return p.kind === 'keysend' ? `${base} (keysend)` : base;
}

/** The row's second line: the description, else who / what it was (a channel's transaction: its peer, else its channel; the txid is in its detail). */
export function activitySubtitle(i: ActivityItem, short: (id: string) => string): string {
  if (i.kind === 'onchain') {
    const t = i.tx;
    if (t.role !== undefined && t.role !== 'payment' && (t.peer || t.channelId)) return t.peer ? `with ${short(t.peer)}` : `Channel ${short(t.channelId ?? '')}`;
    return `On-chain · ${short(t.txid)}`;
  }
  const p = i.payment;
  if (p.description) return p.description;
  if (p.direction === 'incoming') return p.kind === 'keysend' ? 'Spontaneous payment' : 'No description';
  return p.payee ? `to ${short(p.payee)}` : short(p.paymentHash);
}
