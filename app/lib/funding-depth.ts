/**
 * How far an opening channel's funding is (pure): its confirmations against what the channel
 * waits for, BOLT 2 `minimum_depth` from accept_channel (ChannelDto `minimumDepth`; 0: a
 * zero-conf channel, usable before any). The confirmations come from the wallet's history (the
 * funding is ours when we opened the channel; a peer's funding is not in it: null).
 */
import type { ChannelDto, WalletTxDto } from '../../workers/rpc/protocol.ts';

const confs = (n: number): string => `${n.toLocaleString('en-US')} ${n === 1 ? 'confirmation' : 'confirmations'}`;

/**
 * `1 of 3 confirmations` (never past the depth: a deep enough funding waits for channel_ready,
 * not blocks), `2 confirmations` when the depth is not known, `needs 3 confirmations` when the
 * confirmations are not, `zero-conf` for depth 0; null when neither is known.
 */
export function fundingDepthText(confirmations: number | null, minimumDepth: number | undefined): string | null {
  if (minimumDepth === 0) return 'zero-conf: usable without waiting for confirmations';
  if (minimumDepth === undefined) return confirmations === null ? null : confs(confirmations);
  if (confirmations === null) return `needs ${confs(minimumDepth)}`;
  return `${Math.min(confirmations, minimumDepth).toLocaleString('en-US')} of ${confs(minimumDepth)}`;
}

/** The funding's confirmations as the wallet knows them: 0 unconfirmed, null when not a wallet transaction (or not known). */
export function fundingConfirmations(c: Pick<ChannelDto, 'fundingTxid'>, txs: ReadonlyMap<string, WalletTxDto>): number | null {
  const tx = c.fundingTxid ? txs.get(c.fundingTxid) : undefined;
  if (!tx) return null;
  return tx.confirmed ? (tx.confirmations ?? null) : 0;
}

/** Each opening channel's funding progress by channel key (`fundingDepthText`), for the Channels screen's cards. */
export function fundingProgress(channels: readonly (Pick<ChannelDto, 'state' | 'fundingTxid' | 'minimumDepth'> & { readonly key: string })[], txs: readonly WalletTxDto[]): Map<string, string> {
  const byTxid = new Map(txs.map((t) => [t.txid, t]));
  const out = new Map<string, string>();
  for (const c of channels) {
    if (c.state !== 'wait-for-funding-confirmed') continue;
    const text = fundingDepthText(fundingConfirmations(c, byTxid), c.minimumDepth);
    if (text !== null) out.set(c.key, text);
  }
  return out;
}
