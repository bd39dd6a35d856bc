/**
 * Channels between Glint and real LDK nodes on the bcoin regtest chain, for interop tests and
 * benchmarks (the pattern of test/interop/bolt02-open-ldk.test.ts, shared): a world (chain +
 * Esplora), Glint nodes (encrypted MemoryKVStore, on-chain wallet with faucet coins, PeerManager
 * over TCP, ChannelManager), and opening a channel either way up to `normal` / usable on LDK.
 * No mocks: every message crosses real TCP, every transaction is checked by bcoin.
 */
import { channelWallet } from './glint-ldk.ts';
import type { ChannelDetails, Event, Event_FundingGenerationReady, Event_OpenChannelRequest } from 'lightningdevkit';
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
import { ChannelManager, type ChannelInfo } from '../../engine/node/channels.ts';
import { DEFAULT_CHANNEL_CONFIG } from '../../engine/channel/types.ts';
import { nodeClock, nodeEntropy } from '../../cli/adapters/clock.ts';
import { nodeDialer } from '../../cli/adapters/tcp-socket.ts';
import { RegtestChain, RegtestWallet, createLdkNodeAtTip, startEsplora, type EsploraServer, type LdkFeed } from '../../playground/chain/index.ts';
import type { LdkNodeConfig } from '../../playground/ldk/config.ts';
import type { LdkNode } from '../../playground/ldk/node.ts';
import type { Ldk } from '../../playground/ldk/wasm.ts';

export const PASSPHRASE = 'interop passphrase';
const SCRYPT = { log2N: 10, r: 8, p: 1 };
const nodeFetch: FetchLike = (url, init) => fetch(url, init as RequestInit);
export const glintLogger: Logger = {
  log(level, message, fields) {
    if (process.env['GLINT_LOG'] === '1') console.error(`[glint ${level}] ${message} ${fields ? JSON.stringify(fields, (_k, v) => (typeof v === 'bigint' ? v.toString() : v)) : ''}`);
  },
};

export interface World {
  ldk: Ldk;
  chain: RegtestChain;
  esplora: EsploraServer;
  ldks: { node: LdkNode; feed: LdkFeed; port: number }[];
  glints: Glint[];
}

export interface LdkPeer {
  node: LdkNode;
  feed: LdkFeed;
  port: number;
}

export interface Glint {
  raw: MemoryKVStore;
  store: EncryptedStore;
  service: WalletService;
  keychain: Keychain;
  wallet: OnchainWallet;
  client: EsploraClient;
  peers: PeerManager;
  channels: ChannelManager;
  /** What the manager's fee estimate answers (ctx.feeratePerKw); change it freely. */
  feerate: { perKw: number };
}

export async function startWorld(): Promise<World> {
  const chain = await RegtestChain.create();
  const esplora = await startEsplora(chain, { port: 0 });
  const { loadLdk } = await import('../../playground/ldk/wasm.ts');
  return { ldk: await loadLdk(), chain, esplora, ldks: [], glints: [] };
}

export async function stopWorld(w: World | undefined): Promise<void> {
  if (!w) return;
  for (const g of w.glints) {
    g.channels.stop();
    g.peers.close();
  }
  for (const l of w.ldks) l.feed.detach();
  await Promise.all(w.ldks.map((l) => l.node.stop()));
  await w.esplora.close();
  await w.chain.close();
}

/**
 * An LDK node at the chain tip, listening, fed every block. With anchors it negotiates
 * `anchors_zero_fee_htlc_tx` and accepts every inbound request manually (ldk-counterparty.md).
 */
export async function ldkPeer(w: World, alias: string, opts: { anchors?: boolean; feerateSatPerKw?: number; config?: LdkNodeConfig } = {}): Promise<LdkPeer> {
  const config: LdkNodeConfig = { minimumDepth: 1, ...(opts.anchors ? { negotiateAnchorsZeroFeeHtlcTx: true, manuallyAcceptInboundChannels: true } : {}), ...opts.config };
  const made = await createLdkNodeAtTip(w.chain, { alias, config, ...(opts.feerateSatPerKw !== undefined ? { feerateSatPerKw: opts.feerateSatPerKw } : {}) });
  const peer = { ...made, port: await made.node.listen() };
  if (opts.anchors) {
    const ldk = w.ldk;
    peer.node.onEvent((e: Event) => {
      if (!(e instanceof ldk.Event_OpenChannelRequest)) return;
      const req = e as Event_OpenChannelRequest;
      setImmediate(() => peer.node.run(() => peer.node.channelManager.accept_inbound_channel(req.temporary_channel_id, req.counterparty_node_id, 42n)));
    });
  }
  w.ldks.push(peer);
  return peer;
}

export async function until(check: () => boolean, what: string, timeoutMs = 20_000, node?: LdkNode): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!check()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}${node ? `\nLDK log tail:\n${node.logs.slice(-15).join('\n')}` : ''}`);
    await new Promise((r) => setTimeout(r, 5));
  }
}

/** A Glint node with `fundSat` faucet coins; its fee estimate is `feerate.perKw` (default 253, LDK's). */
export async function glintNode(w: World, opts: { minimumDepth?: number; fundSat?: number; feeratePerKw?: number; raw?: MemoryKVStore; mnemonic?: string } = {}): Promise<Glint> {
  const raw = opts.raw ?? new MemoryKVStore();
  const mnemonic = opts.mnemonic ?? generateMnemonic(nodeEntropy, 24);
  const service = opts.raw
    ? await WalletService.open({ raw, passphrase: PASSPHRASE, entropy: nodeEntropy })
    : await WalletService.create({ raw, passphrase: PASSPHRASE, network: 'regtest', entropy: nodeEntropy, mnemonic, scrypt: SCRYPT });
  const keychain = Keychain.fromMnemonic(mnemonic, '', 'regtest');
  if (bytesToHex(keychain.nodeId()) !== service.nodeId) throw new Error('keychain and wallet service disagree');
  const store = await EncryptedStore.open(raw, PASSPHRASE, nodeEntropy);
  const client = new EsploraClient({ baseUrl: w.esplora.url, fetch: nodeFetch, clock: nodeClock, abort: () => new AbortController(), timeoutMs: 10_000 });
  const wallet = OnchainWallet.restore(keychain, 'regtest', client);
  if (opts.fundSat) await w.chain.faucet(wallet.nextReceiveAddress().address, opts.fundSat);
  await wallet.sync();
  const peers = new PeerManager({
    nodeSecret: service.nodeSecret,
    dialer: nodeDialer,
    clock: nodeClock,
    entropy: nodeEntropy,
    logger: glintLogger,
    session: { chainHashes: [chainHash('regtest')], pingIntervalMs: 0 },
  });
  const feerate = { perKw: opts.feeratePerKw ?? 253 };
  const channels = new ChannelManager({
    network: 'regtest',
    store,
    clock: nodeClock,
    entropy: nodeEntropy,
    logger: glintLogger,
    peers,
    keys: keychain,
    wallet: channelWallet(wallet),
    chain: client,
    feeratePerKw: () => feerate.perKw,
    fundingFee: { feeRate: 2 },
    config: { ...DEFAULT_CHANNEL_CONFIG, minimumDepth: opts.minimumDepth ?? 1 },
  });
  await channels.start();
  const g: Glint = { raw, store, service, keychain, wallet, client, peers, channels, feerate };
  w.glints.push(g);
  return g;
}

/** Mine `n` blocks and let `g`'s manager see them (the caller drives onTip, as a sync loop would). */
export async function mine(w: World, g: Glint, n = 1): Promise<void> {
  await w.chain.mine(n);
  await g.channels.onTip();
}

export function channelOf(g: Glint, localId: number): ChannelInfo {
  const c = g.channels.byLocalId(localId);
  if (!c) throw new Error(`no channel ${localId}`);
  return c;
}

/** LDK's view of the channel `channelId` (hex), if it lists it. */
export function ldkChannel(node: LdkNode, channelId: string): ChannelDetails | undefined {
  return node.channelManager.list_channels().find((d) => bytesToHex(d.get_channel_id().get_a()) === channelId);
}

/** LDK lists the channel as usable. */
export function ldkUsable(node: LdkNode, channelId: string): boolean {
  return node.channelManager.list_usable_channels().some((d) => bytesToHex(d.get_channel_id().get_a()) === channelId);
}

/** The commitment feerate LDK reports for the channel (ChannelDetails::feerate_sat_per_1000_weight). */
export function ldkFeerate(ldk: Ldk, node: LdkNode, channelId: string): number | undefined {
  const f = ldkChannel(node, channelId)?.get_feerate_sat_per_1000_weight();
  return f instanceof ldk.Option_u32Z_Some ? f.some : undefined;
}

/** Connect `g` to `peer` (both sides see the other). */
export async function connect(g: Glint, peer: LdkPeer): Promise<void> {
  const id = peer.node.nodeIdHex;
  if (!g.peers.peers().some((p) => p.nodeId === id)) await g.peers.connect(`${id}@127.0.0.1:${peer.port}`);
  await peer.node.waitForPeer(g.peers.nodeId);
}

/** Glint opens a channel to `peer` and mines it to `normal` on Glint and usable on LDK. */
export async function openGlintToLdk(w: World, g: Glint, peer: LdkPeer, channelType: 'static_remotekey' | 'anchors_zero_fee_htlc_tx', fundingSat = 100_000n): Promise<ChannelInfo> {
  await connect(g, peer);
  const opened = await g.channels.open(peer.node.nodeIdHex, { fundingSat, channelType });
  await until(() => channelOf(g, opened.localId).state === 'wait-for-funding-confirmed', 'wait-for-funding-confirmed', 20_000, peer.node);
  const txid = channelOf(g, opened.localId).fundingTxid!;
  await until(() => w.chain.mempoolTxids().includes(txid), 'the funding tx in the mempool');
  await mine(w, g, 1);
  await until(() => channelOf(g, opened.localId).state === 'normal', 'normal on Glint', 20_000, peer.node);
  const id = channelOf(g, opened.localId).channelId;
  await until(() => ldkUsable(peer.node, id), 'LDK usable channel', 20_000, peer.node);
  return channelOf(g, opened.localId);
}

/** LDK opens a channel to `g` (funded from regtest coins) and mines it to `normal` / usable. */
export async function openLdkToGlint(w: World, g: Glint, peer: LdkPeer, opts: { fundingSat?: bigint; pushMsat?: bigint; seed: string }): Promise<ChannelInfo> {
  const ldk = w.ldk;
  const node = peer.node;
  const fundingSat = opts.fundingSat ?? 120_000n;
  const funder = RegtestWallet.fromSeed(opts.seed);
  const coin = await w.chain.faucet(funder.script, 1_000_000);
  await connect(g, peer);
  const fundingReady = node.waitForEvent((e: Event): e is Event_FundingGenerationReady => e instanceof ldk.Event_FundingGenerationReady, 20_000);
  const created = node.run(() => node.channelManager.create_channel(Buffer.from(g.peers.nodeId, 'hex'), fundingSat, opts.pushMsat ?? 5_000_000n, 9n, null, null));
  if (!(created instanceof ldk.Result_ChannelIdAPIErrorZ_OK)) throw new Error('LDK create_channel failed');
  const ready = await fundingReady;
  const funding = funder.pay({ inputs: [{ txid: coin.txid, vout: coin.vout, value: 1_000_000 }], outputs: [{ script: ready.output_script, value: Number(ready.channel_value_satoshis) }] });
  const result = node.run(() => node.channelManager.funding_transaction_generated(ready.temporary_channel_id, ready.counterparty_node_id, funding.raw));
  if (!(result instanceof ldk.Result_NoneAPIErrorZ_OK)) throw new Error('LDK funding_transaction_generated failed');
  await until(() => w.chain.mempoolTxids().includes(funding.txid), 'LDK funding tx in the mempool', 20_000, node);
  const find = (): ChannelInfo | undefined => g.channels.list().find((c) => c.peer === node.nodeIdHex && c.fundingTxid === funding.txid);
  await until(() => find() !== undefined, 'the inbound channel on Glint', 20_000, node);
  await mine(w, g, 1);
  await until(() => find()?.state === 'normal', 'normal on Glint', 20_000, node);
  await until(() => ldkUsable(node, find()!.channelId), 'LDK usable channel', 20_000, node);
  return find()!;
}
