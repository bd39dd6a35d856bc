/**
 * The real engine behind WalletHost in the browser: the engine's WalletService over one IndexedDB
 * database per network (`glint-<network>`), an EsploraClient over the worker's fetch and clock, a
 * plain JSON POST for the regtest faucet, and the Lightning node (GlintNode) on an open wallet.
 */
import { EsploraClient, GlintNode, WalletService, storeBackupSink, type FetchLike, type GlintChain, type Logger } from '../engine/index.ts';
import { webSocketDialer } from './adapters/ws-socket.ts';
import { IdbKVStore, deleteIdbDatabase, walletDbName } from './adapters/idb-store.ts';
import { browserClock } from './adapters/clock.ts';
import { browserEntropy } from './adapters/entropy.ts';
import { webCryptoPbkdf2 } from './adapters/pbkdf2.ts';
import type { HttpReply, WalletBackend, WalletEngine } from './wallet-host.ts';

/** The worker's fetch as the engine's FetchLike; chain data is never served from a cache. */
const workerFetch: FetchLike = (url, init) => fetch(url, { ...(init as RequestInit), cache: 'no-store' });

/** The faucet sends and mines a block before it answers; a minute is plenty on regtest. */
const POST_TIMEOUT_MS = 60_000;

async function postJson(url: string, body: unknown): Promise<HttpReply> {
  const ctl = new AbortController();
  const timer = setTimeout(() => ctl.abort(new Error(`no answer within ${POST_TIMEOUT_MS / 1000} s`)), POST_TIMEOUT_MS);
  try {
    const res = await fetch(url, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body), cache: 'no-store', signal: ctl.signal });
    return { status: res.status, contentType: res.headers.get('content-type') ?? '', body: await res.text() };
  } finally {
    clearTimeout(timer);
  }
}

export const browserWalletBackend: WalletBackend = {
  openStore: (network) => IdbKVStore.open(walletDbName(network)),
  exists: (raw) => WalletService.exists(raw),
  create: ({ raw, passphrase, network, mnemonic }) => WalletService.create({ raw, passphrase, network, entropy: browserEntropy, pbkdf2: webCryptoPbkdf2, ...(mnemonic ? { mnemonic } : {}) }),
  open: ({ raw, passphrase }) => WalletService.open({ raw, passphrase, entropy: browserEntropy, pbkdf2: webCryptoPbkdf2 }),
  chain: (baseUrl, network) =>
    new EsploraClient({ baseUrl, network, fetch: workerFetch, clock: browserClock, entropy: browserEntropy, abort: () => new AbortController() }),
  postJson,
  deleteStore: (network) => deleteIdbDatabase(walletDbName(network)),
};

/**
 * The Lightning node on `wallet` (a WalletService from this backend) reading `chain` (the
 * EsploraClient this backend made for it), dialling peers over WebSocket (through the proxy the
 * UI gives per peer; the address book remembers it for redials after a restart). `pollIntervalMs`
 * (glint.config.json) overrides GlintNode's chain poll cadence.
 */
export function browserGlintNode(wallet: WalletEngine, chain: unknown, logger: Logger, pollIntervalMs?: number): GlintNode {
  if (!(wallet instanceof WalletService)) throw new Error('the Lightning node needs the engine’s WalletService');
  if (!(chain instanceof EsploraClient)) throw new Error('the Lightning node needs an Esplora chain source');
  return new GlintNode({
    wallet,
    chain: chain as GlintChain,
    // The DOM WebSocket's handler properties take concrete Event types, which TS will not accept
    // for WebSocketLike's `(ev: unknown) => void` handlers, though it is the API ws-socket.ts uses.
    dialer: webSocketDialer(WebSocket, browserClock.setTimer),
    clock: browserClock,
    entropy: browserEntropy,
    logger,
    ...(pollIntervalMs !== undefined ? { pollIntervalMs } : {}),
    // The newest channel backup is kept in the store, marked for Settings to offer a download.
    backupSink: storeBackupSink(wallet.channelStore(), browserClock),
  });
}
