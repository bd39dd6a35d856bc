/**
 * The real engine behind WalletHost in the browser: the engine's WalletService over one IndexedDB
 * database per network (`glint-<network>`), and an EsploraClient over the worker's fetch and clock.
 */
import { EsploraClient, WalletService, type FetchLike } from '../engine/index.ts';
import { IdbKVStore, walletDbName } from './adapters/idb-store.ts';
import { browserClock } from './adapters/clock.ts';
import { browserEntropy } from './adapters/entropy.ts';
import type { WalletBackend } from './wallet-host.ts';

/** The worker's fetch as the engine's FetchLike; chain data is never served from a cache. */
const workerFetch: FetchLike = (url, init) => fetch(url, { ...(init as RequestInit), cache: 'no-store' });

export const browserWalletBackend: WalletBackend = {
  openStore: (network) => IdbKVStore.open(walletDbName(network)),
  exists: (raw) => WalletService.exists(raw),
  create: ({ raw, passphrase, network, mnemonic }) => WalletService.create({ raw, passphrase, network, entropy: browserEntropy, ...(mnemonic ? { mnemonic } : {}) }),
  open: ({ raw, passphrase }) => WalletService.open({ raw, passphrase, entropy: browserEntropy }),
  chain: (baseUrl, network) =>
    new EsploraClient({ baseUrl, network, fetch: workerFetch, clock: browserClock, entropy: browserEntropy, abort: () => new AbortController() }),
};
