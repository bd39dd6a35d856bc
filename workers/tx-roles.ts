/**
 * The wallet transactions' roles for the RPC DTOs (WalletTxDto `role`), for wallet-host.ts's history.
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

/** Claims and their children: an output of one is never the wallet's to spend in a payment before it confirms (its inputs are not all ours). */
const CLAIMS: ReadonlySet<WalletTxRole> = new Set<WalletTxRole>(['sweep', 'penalty', 'fee-bump']);

/**
 * Every wallet transaction's role, by txid. A CPFP child's parent is found by what the parent
 * is (a claim, or a child of one, among `txs`), not by the claim txid a channel records: that
 * is the latest version, while the chain may hold an earlier one (a refused replacement).
 */
export function walletTxRoles(txs: readonly RoleTx[], channels: readonly RoleChannel[]): Map<string, TxRole> {
  const byTxid = new Map(txs.map((t) => [t.txid, t]));
  const roles = new Map<string, TxRole>();
  const of = (c: RoleChannel, role: WalletTxRole): TxRole => ({ role, channelId: c.channelId, ...(c.peer ? { peer: c.peer } : {}) });

  /** What the channels say of `tx` directly: its funding, its close, a claim of one of its closing outputs, an anchor child. */
  const direct = (tx: RoleTx): TxRole | undefined => {
    const spends = new Set(tx.spends);
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
    // An output of our commitment that is no listed claim: only its anchor (BOLT 3), before the commitment confirms.
    for (const c of channels) if (c.unilateral && c.closingTxid !== undefined && tx.spends.some((o) => o.startsWith(`${c.closingTxid}:`))) return of(c, 'fee-bump');
    return undefined;
  };

  const roleOf = (tx: RoleTx, depth: number): TxRole => {
    const known = roles.get(tx.txid);
    if (known) return known;
    let role = direct(tx);
    // A child of a claim (or of a child of one) while that parent is unconfirmed, or in the parent's block.
    for (const o of role || depth > 100 ? [] : tx.spends) {
      const parent = byTxid.get(o.slice(0, o.indexOf(':')));
      if (!parent || height(tx.status) > height(parent.status)) continue;
      const p = roleOf(parent, depth + 1);
      if (CLAIMS.has(p.role)) {
        role = { ...p, role: 'fee-bump' };
        break;
      }
    }
    const r = role ?? { role: 'payment' };
    roles.set(tx.txid, r);
    return r;
  };
  for (const t of txs) roleOf(t, 0);
  return roles;
}

/** Each history entry's role, or undefined while no node (so no channel) is known. */
export function txRolesOf(history: readonly WalletHistoryEntry[], channels: readonly EngineChannel[] | undefined): ReadonlyMap<string, WalletTxRoleInfo> | undefined {
  if (!channels) return undefined;
  return walletTxRoles(history.map((t) => ({ txid: t.txid, spends: t.spends ?? [], status: t.status })), channels);
}
