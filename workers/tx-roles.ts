/**
 * The wallet transactions' roles for the RPC DTOs: engine/node/wallet-tx-role.ts over the running
 * node's channels (funding, closing and claim transactions are facts the channels hold).
 */
import { walletTxRoles } from '../engine/index.ts';
import type { EngineChannel } from './channel-host.ts';
import type { WalletHistoryEntry, WalletTxRoleInfo } from './wallet-host.ts';

/** Each entry's role, or undefined while no node (so no channel) is known. */
export function txRolesOf(history: readonly WalletHistoryEntry[], channels: readonly EngineChannel[] | undefined): ReadonlyMap<string, WalletTxRoleInfo> | undefined {
  if (!channels) return undefined;
  return walletTxRoles(
    history.map((t) => ({ txid: t.txid, spends: t.spends ?? [], status: t.status })),
    channels,
  );
}
