/**
 * The real engine behind WalletHost in the browser: the engine's WalletService over one IndexedDB
 * database per network (`glint-<network>`), and an EsploraClient over the worker's fetch and clock.
 *
 * WalletService (engine/node/wallet-service.ts) is being written alongside this; until
 * engine/index.ts exports it, it is looked up at run time so the PWA still builds and the wallet
 * says plainly that it is missing. Once it is exported, `walletService()` becomes a plain import.
 */
import * as engine from '../engine/index.ts';
import { EsploraClient, type Entropy, type FetchLike, type KVStore, type NetworkName } from '../engine/index.ts';
import { IdbKVStore, walletDbName } from './adapters/idb-store.ts';
import { browserClock } from './adapters/clock.ts';
import { browserEntropy } from './adapters/entropy.ts';
import type { WalletBackend, WalletEngine } from './wallet-host.ts';

/** The static side of the engine's WalletService, as agreed. */
interface WalletServiceStatic {
  exists(raw: KVStore): Promise<boolean>;
  create(opts: { raw: KVStore; passphrase: string; network: NetworkName; entropy: Entropy; mnemonic?: string }): Promise<WalletEngine>;
  open(opts: { raw: KVStore; passphrase: string; entropy: Entropy }): Promise<WalletEngine>;
}

function walletService(): WalletServiceStatic {
  const ws = (engine as unknown as { WalletService?: WalletServiceStatic }).WalletService;
  if (!ws) throw new Error('this build has no on-chain wallet engine yet (engine/index.ts does not export WalletService)');
  return ws;
}

/** The worker's fetch as the engine's FetchLike; chain data is never served from a cache. */
const workerFetch: FetchLike = (url, init) => fetch(url, { ...(init as RequestInit), cache: 'no-store' });

export const browserWalletBackend: WalletBackend = {
  openStore: (network) => IdbKVStore.open(walletDbName(network)),
  exists: (raw) => walletService().exists(raw),
  create: ({ raw, passphrase, network, mnemonic }) => walletService().create({ raw, passphrase, network, entropy: browserEntropy, ...(mnemonic ? { mnemonic } : {}) }),
  open: ({ raw, passphrase }) => walletService().open({ raw, passphrase, entropy: browserEntropy }),
  chain: (baseUrl, network) =>
    new EsploraClient({ baseUrl, network, fetch: workerFetch, clock: browserClock, entropy: browserEntropy, abort: () => new AbortController() }),
};
