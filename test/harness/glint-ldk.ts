/**
 * Glint nodes against real LDK nodes on the bcoin regtest chain, for the interop tests
 * (test/interop/*-ldk.test.ts): a Glint node is a WalletService (encrypted store over a
 * MemoryKVStore), the same keychain, an OnchainWallet on Esplora, a PeerManager on real TCP and a
 * ChannelManager. `restartGlint` builds a new PeerManager + ChannelManager (and wallet, store
 * handle) over the same raw store, as a node restart would.
 *
 * Debug with `LDK_LOG=1` (LDK's log on stderr) and `GLINT_LOG=1` (Glint's log).
 */
import type { ChannelDetails } from 'lightningdevkit';
import {
  EncryptedStore,
  EsploraClient,
  Keychain,
  MemoryKVStore,
  OnchainWallet,
  PeerManager,
  WalletService,
  bytesToHex,
  chainHash,
  generateMnemonic,
  type FetchLike,
  type Logger,
} from '../../engine/index.ts';
import { ChannelManager, type ChannelInfo, type ChannelWallet } from '../../engine/node/channels.ts';
import { DEFAULT_CHANNEL_CONFIG } from '../../engine/channel/types.ts';
import { parseAddress } from '../../engine/wallet/addresses.ts';
import { nodeClock, nodeEntropy } from '../../cli/adapters/clock.ts';
import { nodeDialer } from '../../cli/adapters/tcp-socket.ts';
import type { EsploraServer, RegtestChain } from '../../playground/chain/index.ts';
import type { LdkNode } from '../../playground/ldk/node.ts';

export const PASSPHRASE = 'interop passphrase';
export const SCRYPT = { log2N: 10, r: 8, p: 1 };
export const nodeFetch: FetchLike = (url, init) => fetch(url, init as RequestInit);
export const logger: Logger = {
  log(level, message, fields) {
    if (process.env['GLINT_LOG'] === '1') console.error(`[glint ${level}] ${message} ${fields ? JSON.stringify(fields, (_k, v) => (typeof v === 'bigint' ? v.toString() : v)) : ''}`);
  },
};

export interface Env {
  readonly chain: RegtestChain;
  readonly esplora: EsploraServer;
}

export interface Glint {
  raw: MemoryKVStore;
  mnemonic: string;
  store: EncryptedStore;
  service: WalletService;
  keychain: Keychain;
  wallet: OnchainWallet;
  client: EsploraClient;
  peers: PeerManager;
  channels: ChannelManager;
  /** The options it was made with (restart keeps them). */
  opts: GlintOptions;
}

export interface GlintOptions {
  readonly minimumDepth?: number;
  readonly fundSat?: number;
}

/**
 * The OnchainWallet as the ChannelManager's wallet port: `shutdownScript` is the wallet's next
 * receive address, so a cooperative close pays into the wallet (which then finds it on sync).
 */
export function channelWallet(wallet: OnchainWallet): ChannelWallet {
  return {
    fundChannel: (req) => wallet.fundChannel(req),
    cancelReservation: (txid) => wallet.cancelReservation(txid),
    broadcast: (raw) => wallet.broadcast(raw),
    shutdownScript: () => parseAddress(wallet.nextReceiveAddress().address, 'regtest').scriptPubKey,
  };
}

function managerFor(g: Pick<Glint, 'store' | 'peers' | 'keychain' | 'wallet' | 'client'>, opts: GlintOptions): ChannelManager {
  return new ChannelManager({
    network: 'regtest',
    store: g.store,
    clock: nodeClock,
    entropy: nodeEntropy,
    logger,
    peers: g.peers,
    keys: g.keychain,
    wallet: channelWallet(g.wallet),
    chain: g.client,
    // LDK's fee estimator answers 253 sat/kw: offer and expect the same.
    feeratePerKw: 253,
    fundingFee: { feeRate: 2 },
    config: { ...DEFAULT_CHANNEL_CONFIG, minimumDepth: opts.minimumDepth ?? DEFAULT_CHANNEL_CONFIG.minimumDepth },
  });
}

function peersFor(service: WalletService): PeerManager {
  return new PeerManager({
    nodeSecret: service.nodeSecret,
    dialer: nodeDialer,
    clock: nodeClock,
    entropy: nodeEntropy,
    logger,
    session: { chainHashes: [chainHash('regtest')], pingIntervalMs: 0 },
  });
}

/** A Glint node with `fundSat` regtest coins in its wallet (confirmed once the caller mines). */
export async function glintNode(env: Env, opts: GlintOptions = {}, all?: Glint[]): Promise<Glint> {
  const raw = new MemoryKVStore();
  const mnemonic = generateMnemonic(nodeEntropy, 24);
  const service = await WalletService.create({ raw, passphrase: PASSPHRASE, network: 'regtest', entropy: nodeEntropy, mnemonic, scrypt: SCRYPT });
  const keychain = Keychain.fromMnemonic(mnemonic, '', 'regtest');
  if (bytesToHex(keychain.nodeId()) !== service.nodeId) throw new Error('keychain and wallet service disagree on the node id');
  const store = await EncryptedStore.open(raw, PASSPHRASE, nodeEntropy);
  const client = new EsploraClient({ baseUrl: env.esplora.url, fetch: nodeFetch, clock: nodeClock, abort: () => new AbortController(), timeoutMs: 10_000 });
  const wallet = OnchainWallet.restore(keychain, 'regtest', client);
  if (opts.fundSat) {
    await env.chain.faucet(wallet.nextReceiveAddress().address, opts.fundSat);
    await wallet.sync();
  }
  const peers = peersFor(service);
  const parts = { store, peers, keychain, wallet, client };
  const channels = managerFor(parts, opts);
  await channels.start();
  const g: Glint = { raw, mnemonic, service, ...parts, channels, opts };
  all?.push(g);
  return g;
}

/**
 * Stop `g` (its PeerManager closes every connection, its ChannelManager stops) and build the node
 * again over the same raw store: a new WalletService unlock, store handle, wallet (re-synced),
 * PeerManager and ChannelManager, which reloads the channels from the store.
 */
export async function restartGlint(env: Env, g: Glint, all?: Glint[]): Promise<Glint> {
  await g.channels.idle();
  g.channels.stop();
  g.peers.close();
  const service = await WalletService.open({ raw: g.raw, passphrase: PASSPHRASE, entropy: nodeEntropy });
  const keychain = Keychain.fromMnemonic(g.mnemonic, '', 'regtest');
  const store = await EncryptedStore.open(g.raw, PASSPHRASE, nodeEntropy);
  const client = new EsploraClient({ baseUrl: env.esplora.url, fetch: nodeFetch, clock: nodeClock, abort: () => new AbortController(), timeoutMs: 10_000 });
  const wallet = OnchainWallet.restore(keychain, 'regtest', client);
  await wallet.sync();
  const peers = peersFor(service);
  const parts = { store, peers, keychain, wallet, client };
  const channels = managerFor(parts, g.opts);
  await channels.start();
  const next: Glint = { raw: g.raw, mnemonic: g.mnemonic, service, ...parts, channels, opts: g.opts };
  all?.push(next);
  return next;
}

/** Poll `check` every 20 ms (real sockets, real LDK: no fake time); the LDK log tail on timeout. */
export async function until(check: () => boolean, what: string, timeoutMs = 20_000, node?: LdkNode): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!check()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}${node ? `\nLDK log tail:\n${node.logs.slice(-15).join('\n')}` : ''}`);
    await new Promise((r) => setTimeout(r, 20));
  }
}

/** Mine `n` blocks and let the manager see them (the caller drives onTip, as a sync loop would). */
export async function mine(env: Env, g: Glint, n = 1): Promise<void> {
  await env.chain.mine(n);
  await g.channels.onTip();
}

export function channelOf(g: Glint, localId: number): ChannelInfo {
  const c = g.channels.byLocalId(localId);
  if (!c) throw new Error(`no channel ${localId}`);
  return c;
}

export function usableWith(node: LdkNode, peer: string): ChannelDetails[] {
  return node.channelManager.list_usable_channels().filter((d) => bytesToHex(d.get_counterparty().get_node_id()) === peer);
}

export function channelsWith(node: LdkNode, peer: string): ChannelDetails[] {
  return node.channelManager.list_channels().filter((d) => bytesToHex(d.get_counterparty().get_node_id()) === peer);
}

/** Connect `g` to an LDK node and wait until both see the other. */
export async function connectTo(g: Glint, peer: { node: LdkNode; port: number }): Promise<void> {
  await g.peers.connect(`${peer.node.nodeIdHex}@127.0.0.1:${peer.port}`);
  await peer.node.waitForPeer(g.peers.nodeId);
}

/** Stop every Glint node made. */
export function stopAll(all: readonly Glint[]): void {
  for (const g of all) {
    g.channels.stop();
    g.peers.close();
  }
}
