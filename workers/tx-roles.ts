/**
 * The wallet transactions' roles for the RPC DTOs (WalletTxDto `role`); node.worker.ts loads this
 * apart from the startup bundle once a node runs.
 *
 * What a transaction of the on-chain wallet did, from facts the channels know (pure): it funded a
 * channel (its txid is the funding txid, or BOLT 2 `channel_id` = funding_txid XOR
 * funding_output_index names it), closed one (it spends a funding output, or is the recorded
 * closing transaction), claimed an output of a closing commitment (BOLT 5: the claim the channel
 * records for that output, or a spend of it — a sweep, a justice claim, an anchor), or bumped the
 * fee of one of those (a CPFP child: it spends an output of our commitment that is no claim —
 * only an anchor can be, before the commitment confirms — or an output of a claim while that
 * claim is unconfirmed, or in the claim's own block). Anything else is a payment. Amounts are
 * never looked at.
 *
 * https://github.com/lightning/bolts/blob/master/02-peer-protocol.md#the-funding_created-message
 * https://github.com/lightning/bolts/blob/master/05-onchain.md
 */
import type { WalletTxRoleDto } from './rpc/protocol.ts';
import type { EngineChannel } from './channel-host.ts';
import type { WalletHistoryEntry, WalletTxRoleInfo } from './wallet-host.ts';

type WalletTxRole = WalletTxRoleDto;

/** A wallet transaction as the role needs it (engine/wallet/utxos.ts HistoryEntry). */
export interface RoleTx {
  /** Display order. */
  readonly txid: string;
  /** `<display txid>:<vout>` of its inputs. */
  readonly spends: readonly string[];
  readonly status: { readonly confirmed: false } | { readonly confirmed: true; readonly blockHeight: number };
}

/** A channel as the role needs it (the engine's ChannelInfo, as channel-host.ts EngineChannel, satisfies it). */
export type RoleChannel = Pick<EngineChannel, 'channelId' | 'peer' | 'fundingTxid' | 'fundingOutputIndex' | 'closingTxid' | 'unilateral'> & {
  readonly outputs?: readonly { readonly outpoint: string; readonly kind: string; readonly claimTxid?: string }[];
};

/** A transaction's role and the channel it concerns (none for a payment). */
export type TxRole = WalletTxRoleInfo;

/** The display txid's bytes in internal order, as hex (what BOLT 2's channel_id XORs). */
function internalHex(displayTxid: string): string {
  let out = '';
  for (let i = displayTxid.length - 2; i >= 0; i -= 2) out += displayTxid.slice(i, i + 2);
  return out;
}

/** BOLT 2: `channelId` is `txid` XOR an output index (the index fits the last 2 bytes; the first 30 are the txid's). */
function namesFunding(channelId: string, txid: string): boolean {
  return channelId.length === 64 && txid.length === 64 && channelId.slice(0, 60) === internalHex(txid).slice(0, 60);
}

const outputRole = (o: { readonly kind: string }): WalletTxRole => (o.kind === 'anchor' ? 'fee-bump' : o.kind.startsWith('revoked-') ? 'penalty' : 'sweep');
/** When one transaction takes several outputs, the strongest claim names it. */
const RANK: Readonly<Record<WalletTxRole, number>> = { penalty: 3, sweep: 2, 'fee-bump': 1, payment: 0, 'channel-open': 0, 'channel-close': 0 };

const height = (s: RoleTx['status']): number => (s.confirmed ? s.blockHeight : Infinity);

/** The role of `tx` among the wallet's `txs` (its claims' statuses are read from there), given every channel the node knows. */
export function walletTxRole(tx: RoleTx, channels: readonly RoleChannel[], txs: ReadonlyMap<string, RoleTx>): TxRole {
  const spends = new Set(tx.spends);
  const spendsOutputOf = (txid: string): boolean => tx.spends.some((o) => o.startsWith(`${txid}:`));
  const of = (c: RoleChannel, role: WalletTxRole): TxRole => ({ role, channelId: c.channelId, ...(c.peer ? { peer: c.peer } : {}) });
  for (const c of channels) {
    if (tx.txid === c.fundingTxid || (c.fundingTxid === undefined && namesFunding(c.channelId, tx.txid))) return of(c, 'channel-open');
    if (tx.txid === c.closingTxid) return of(c, 'channel-close');
    if (c.fundingTxid !== undefined && c.fundingOutputIndex !== undefined && spends.has(`${c.fundingTxid}:${c.fundingOutputIndex}`)) return of(c, 'channel-close');
  }
  let best: TxRole | undefined;
  for (const c of channels) {
    for (const o of c.outputs ?? []) {
      if (tx.txid !== o.claimTxid && !spends.has(o.outpoint)) continue;
      const role = outputRole(o);
      if (!best || RANK[role] > RANK[best.role]) best = of(c, role);
    }
  }
  if (best) return best;
  for (const c of channels) {
    if (c.unilateral && c.closingTxid !== undefined && spendsOutputOf(c.closingTxid)) return of(c, 'fee-bump');
    for (const o of c.outputs ?? []) {
      const claim = o.claimTxid === undefined ? undefined : txs.get(o.claimTxid);
      // A child of our unconfirmed claim: the wallet cannot spend that untrusted output in a payment before it confirms.
      if (claim && spendsOutputOf(claim.txid) && height(tx.status) <= height(claim.status)) return of(c, 'fee-bump');
    }
  }
  return { role: 'payment' };
}

/** Every wallet transaction's role, by txid. */
export function walletTxRoles(txs: readonly RoleTx[], channels: readonly RoleChannel[]): Map<string, TxRole> {
  const byTxid = new Map(txs.map((t) => [t.txid, t]));
  return new Map(txs.map((t) => [t.txid, walletTxRole(t, channels, byTxid)]));
}

/** Each history entry's role, or undefined while no node (so no channel) is known. */
export function txRolesOf(history: readonly WalletHistoryEntry[], channels: readonly EngineChannel[] | undefined): ReadonlyMap<string, WalletTxRoleInfo> | undefined {
  if (!channels) return undefined;
  return walletTxRoles(history.map((t) => ({ txid: t.txid, spends: t.spends ?? [], status: t.status })), channels);
}
