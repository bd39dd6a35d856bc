/**
 * The Channels screen's funding progress per opening channel (pure): its funding's confirmations
 * from the wallet's history (ours when we opened the channel; a peer's funding is not in it) of
 * the BOLT 2 `minimum_depth` it waits for, in words (funding-depth.ts).
 */
import type { ChannelDto, WalletTxDto } from '../../workers/rpc/protocol.ts';
import { fundingDepthText } from './funding-depth.ts';

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
