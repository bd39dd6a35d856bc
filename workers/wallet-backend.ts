/**
 * The real engine behind WalletHost in the browser: the engine's WalletService over an IndexedDB
 * store per network, and an EsploraClient over the worker's fetch and clock.
 */
import { EsploraClient, WalletService, type FetchLike } from '../engine/index.ts';
import { IdbKVStore } from './adapters/idb-store.ts';
import { browserClock } from './adapters/clock.ts';
import { browserEntropy } from './adapters/entropy.ts';
import type { WalletBackend } from './wallet-host.ts';
import type { NetworkName } from './rpc/protocol.ts';

/** The IndexedDB database holding `network`'s wallet. */
export const walletStoreName = (network: NetworkName): string => `glint-wallet-${network}`;

/** The worker's fetch as the engine's FetchLike (chain data is never cached). */
const workerFetch: FetchLike = (url, init) => fetch(url, { ...(init as RequestInit), cache: 'no-store' });

export const browserWalletBackend: WalletBackend = {
  openStore: (network) => IdbKVStore.open(walletStoreName(network)),
  exists: (raw) => WalletService.exists(raw),
  create: ({ raw, passphrase, network, mnemonic }) => WalletService.create({ raw, passphrase, network, entropy: browserEntropy, ...(mnemonic ? { mnemonic } : {}) }),
  open: ({ raw, passphrase }) => WalletService.open({ raw, passphrase }),
  chain: (baseUrl) => new EsploraClient({ baseUrl, fetch: workerFetch, clock: browserClock }),
};
