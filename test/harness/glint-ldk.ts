/**
 * Glint nodes against real LDK nodes on the bcoin regtest chain, for the interop tests
 * (test/interop/*-ldk.test.ts) and the benchmarks: a world (chain + Esplora + LDK peers), Glint
 * nodes, and opening a channel either way up to `normal` / usable on LDK. No mocks: every message
 * crosses real TCP, every transaction is checked by bcoin.
 *
 * A Glint node is what engine/node/glint-node.ts wires, minus the chain follower: a WalletService
 * (encrypted store over a MemoryKVStore, on Esplora) that is also the ChannelManager's wallet and
 * key source and gives it its store (`channelStore`), a PeerManager on real TCP, and a
 * ChannelManager whose fee estimate is `feerate.perKw`. The caller drives `onTip` (`mine`).
 * `restartGlint` unlocks the wallet again over the same raw store and builds a new PeerManager +
 * ChannelManager, as a node restart would; `restartChannels` rebuilds only the ChannelManager.
 *
 * Debug with `LDK_LOG=1` (LDK's log on stderr) and `GLINT_LOG=1` (Glint's log).
 */
import { Transaction } from 'bitcoinjs-lib';
import type { ChannelDetails, Event, Event_FundingGenerationReady, Event_OpenChannelRequest } from 'lightningdevkit';
import {
  EsploraClient,
  Keychain,
  MemoryKVStore,
  OnchainWallet,
  PeerManager,
  WalletService,
  bytesToHex,
  chainHash,
  hexToBytes,
  generateMnemonic,
  type FetchLike,
  type KVStore,
  type Logger,
} from '../../engine/index.ts';
import { ChannelManager, type ChannelInfo, type ChannelManagerEvent } from '../../engine/node/channels.ts';
import { PaymentManager } from '../../engine/node/payments/manager.ts';
import type { PaymentChannels } from '../../engine/node/payments/ports.ts';
import { DEFAULT_CHANNEL_CONFIG } from '../../engine/channel/types.ts';
import { nodeClock, nodeEntropy } from '../../cli/adapters/clock.ts';
import { nodeDialer } from '../../cli/adapters/tcp-socket.ts';
import { RegtestChain, RegtestWallet, createLdkNodeAtTip, startEsplora, type EsploraServer, type LdkFeed, type MineOptions } from '../../playground/chain/index.ts';
import type { LdkNodeConfig } from '../../playground/ldk/config.ts';
import type { LdkNode } from '../../playground/ldk/node.ts';
import type { Ldk } from '../../playground/ldk/wasm.ts';
import { type LdkForceClose, forceCloseLdk, submitAll } from '../../playground/ldk/force-close.ts';

export const PASSPHRASE = 'interop passphrase';
export const SCRYPT = { log2N: 10, r: 8, p: 1 };
export const nodeFetch: FetchLike = (url, init) => fetch(url, init as RequestInit);
export const logger: Logger = {
  log(level, message, fields) {
    if (process.env['GLINT_LOG'] === '1') console.error(`[glint ${level}] ${message} ${fields ? JSON.stringify(fields, (_k, v) => (typeof v === 'bigint' ? v.toString() : v)) : ''}`);
  },
};

/** The chain a test runs on. */
export interface Env {
  readonly chain: RegtestChain;
  readonly esplora: EsploraServer;
}

export interface LdkPeer {
  node: LdkNode;
  feed: LdkFeed;
  port: number;
}

/** A chain with its Esplora, the LDK WASM module, and every LDK peer and Glint node made on it (`stopWorld`). */
export interface World extends Env {
  ldk: Ldk;
  ldks: LdkPeer[];
  glints: Glint[];
}

export interface GlintOptions {
  /** Our `minimum_depth` as fundee (default DEFAULT_CHANNEL_CONFIG's). */
  readonly minimumDepth?: number;
  /** Faucet coins paid to the wallet (confirmed once the caller mines). */
  readonly fundSat?: number;
  /** The initial fee estimate, `feerate.perKw` (default 253 sat/kw, LDK's). */
  readonly feeratePerKw?: number;
  /** BOLT 5 sweeps pay one fixed wallet script (`Glint.sweepTo`) instead of the manager's default. */
  readonly sweepToWallet?: boolean;
  /** Node ids (hex) trusted for zero-conf channels (ChannelManagerOptions.trustedPeers); none by default. */
  readonly trusted?: readonly string[];
}

export interface Glint {
  raw: MemoryKVStore;
  /** The node's wallet, channel wallet and channel key source. */
  service: WalletService;
  /** The channel records (`service.channelStore()`), to read what the manager persisted. */
  store: KVStore;
  /**
   * A second, read-only view of the same keys on the same Esplora, for assertions the service
   * does not answer (`utxos()`): sync it before reading. Never handed to the ChannelManager.
   */
  watch: OnchainWallet;
  client: EsploraClient;
  peers: PeerManager;
  channels: ChannelManager;
  /** What the manager's fee estimate answers (ctx.feeratePerKw); change it freely. */
  feerate: { perKw: number };
  /** Every ChannelManager event since the node was made (across restarts). */
  events: ChannelManagerEvent[];
  /** The script sweeps pay, with `sweepToWallet`. */
  sweepTo: Uint8Array | undefined;
  /** The options it was made with (a restart keeps them). */
  opts: GlintOptions;
}

export async function startWorld(): Promise<World> {
  const chain = await RegtestChain.create();
  const esplora = await startEsplora(chain, { port: 0 });
  const { loadLdk } = await import('../../playground/ldk/wasm.ts');
  return { ldk: await loadLdk(), chain, esplora, ldks: [], glints: [] };
}

export async function stopWorld(w: World | undefined): Promise<void> {
  if (!w) return;
  stopAll(w.glints);
  for (const l of w.ldks) l.feed.detach();
  await Promise.all(w.ldks.map((l) => l.node.stop()));
  await w.esplora.close();
  await w.chain.close();
}

/**
 * An LDK node at the chain tip, listening, fed every block. With anchors it negotiates
 * `anchors_zero_fee_htlc_tx` and accepts every inbound request manually (ldk-counterparty.md).
 * `relay: false`: its broadcasts stay in `node.broadcasts` (a force close of ours is not raced
 * by LDK's own commitment: bcoin has no RBF).
 */
export async function ldkPeer(w: World, alias: string, opts: { anchors?: boolean; feerateSatPerKw?: number; config?: LdkNodeConfig; relay?: boolean } = {}): Promise<LdkPeer> {
  const config: LdkNodeConfig = { minimumDepth: 1, ...(opts.anchors ? { negotiateAnchorsZeroFeeHtlcTx: true, manuallyAcceptInboundChannels: true } : {}), ...opts.config };
  const made = await createLdkNodeAtTip(w.chain, { alias, config, ...(opts.feerateSatPerKw !== undefined ? { feerateSatPerKw: opts.feerateSatPerKw } : {}) }, { submitBroadcasts: opts.relay ?? true });
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

const esploraOf = (env: Env): EsploraClient =>
  new EsploraClient({ baseUrl: env.esplora.url, fetch: nodeFetch, clock: nodeClock, abort: () => new AbortController(), timeoutMs: 10_000 });

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

/** A new ChannelManager for `g` over its store (it reloads the channels), started; its events go to `g.events`. */
async function startChannels(g: Omit<Glint, 'channels'>): Promise<ChannelManager> {
  const { feerate, sweepTo } = g;
  const channels = new ChannelManager({
    network: 'regtest',
    store: g.store,
    clock: nodeClock,
    entropy: nodeEntropy,
    logger,
    peers: g.peers,
    keys: g.service,
    wallet: g.service,
    chain: g.client,
    feeratePerKw: () => feerate.perKw,
    fundingFee: { feeRate: 2 },
    ...(sweepTo ? { sweepScriptPubKey: () => sweepTo } : {}),
    ...(g.opts.trusted ? { trustedPeers: () => new Set(g.opts.trusted) } : {}),
    config: { ...DEFAULT_CHANNEL_CONFIG, minimumDepth: g.opts.minimumDepth ?? DEFAULT_CHANNEL_CONFIG.minimumDepth },
  });
  channels.subscribe((e) => void g.events.push(e));
  await channels.start();
  return channels;
}

/** `service` on `env`'s Esplora, synced, and the rest of a node around it. */
async function assemble(env: Env, raw: MemoryKVStore, service: WalletService, opts: GlintOptions, carried?: Pick<Glint, 'feerate' | 'events' | 'sweepTo'>): Promise<Glint> {
  const client = esploraOf(env);
  service.attachChain(client);
  if (opts.fundSat) await env.chain.faucet(await service.receiveAddress(), opts.fundSat);
  await service.sync();
  const watch = OnchainWallet.restore(await Keychain.fromMnemonic((await service.mnemonic(PASSPHRASE)).join(' '), '', 'regtest'), 'regtest', client);
  const sweepTo = carried ? carried.sweepTo : opts.sweepToWallet ? await service.shutdownScript() : undefined;
  const parts = {
    raw,
    service,
    store: service.channelStore(),
    watch,
    client,
    peers: peersFor(service),
    feerate: carried?.feerate ?? { perKw: opts.feeratePerKw ?? 253 },
    events: carried?.events ?? [],
    sweepTo,
    opts,
  };
  return { ...parts, channels: await startChannels(parts) };
}

/**
 * A new Glint node (a fresh wallet, 24 new words) with `fundSat` faucet coins. It is added to
 * `all`, else to `env`'s `glints` when `env` is a World.
 */
export async function glintNode(env: Env, opts: GlintOptions = {}, all?: Glint[]): Promise<Glint> {
  const raw = new MemoryKVStore();
  const mnemonic = generateMnemonic(nodeEntropy, 24);
  const service = await WalletService.create({ raw, passphrase: PASSPHRASE, network: 'regtest', entropy: nodeEntropy, mnemonic, scrypt: SCRYPT });
  const g = await assemble(env, raw, service, opts);
  (all ?? (env as Partial<World>).glints)?.push(g);
  return g;
}

/**
 * A Glint node on a fresh store restored from `mnemonic` (as `glint init --mnemonic-file`): its
 * wallet finds the seed's coins when it syncs. `beforeStart` runs on the new wallet before the
 * ChannelManager loads the store (e.g. importing a channel backup). Added like `glintNode`'s.
 */
export async function glintFromMnemonic(env: Env, mnemonic: string, opts: GlintOptions = {}, all?: Glint[], beforeStart?: (service: WalletService) => Promise<void>): Promise<Glint> {
  const raw = new MemoryKVStore();
  const service = await WalletService.create({ raw, passphrase: PASSPHRASE, network: 'regtest', entropy: nodeEntropy, mnemonic, scrypt: SCRYPT });
  await beforeStart?.(service);
  const g = await assemble(env, raw, service, { ...opts, fundSat: 0 });
  (all ?? (env as Partial<World>).glints)?.push(g);
  return g;
}

/**
 * Stop `g` (its PeerManager closes every connection, its ChannelManager stops)
 * and build the node again over the same raw store: the wallet unlocked again (its saved state,
 * re-synced), a new PeerManager and a ChannelManager that reloads the channels from the store.
 * Keeps `g`'s options, fee estimate, event log and sweep script; the new node is added like `glintNode`'s.
 */
export async function restartGlint(env: Env, g: Glint, all?: Glint[]): Promise<Glint> {
  await g.channels.idle();
  dropPayments(g);
  g.channels.stop();
  g.peers.close();
  // The old WalletService is dropped, not closed: closing it would close the MemoryKVStore, the "disk".
  const service = await WalletService.open({ raw: g.raw, passphrase: PASSPHRASE, entropy: nodeEntropy });
  const next = await assemble(env, g.raw, service, { ...g.opts, fundSat: 0 }, g);
  (all ?? (env as Partial<World>).glints)?.push(next);
  return next;
}

/** Rebuild only `g`'s ChannelManager from the store (a restart of the channel side, peers stay connected). */
export async function restartChannels(g: Glint): Promise<void> {
  await g.channels.idle();
  dropPayments(g);
  g.channels.stop();
  g.channels = await startChannels(g);
}

/** Stop every Glint node made. */
export function stopAll(all: readonly Glint[]): void {
  for (const g of all) {
    paymentManagers.get(g)?.stop();
    g.channels.stop();
    g.peers.close();
  }
}

/** Poll `check` every 10 ms (real sockets, real LDK: no fake time); the LDK log tail on timeout. */
export async function until(check: () => boolean, what: string, timeoutMs = 20_000, node?: LdkNode): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!check()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}${node ? `\nLDK log tail:\n${node.logs.slice(-15).join('\n')}` : ''}`);
    await new Promise((r) => setTimeout(r, 10));
  }
}

/**
 * Mine `n` blocks (RegtestChain `mine` options, e.g. `minFeeRate`) and let `g` see them as
 * GlintNode's chain poll does: channels, then payments, then a quick wallet sync (so the
 * wallet's coins confirm, e.g. for anchors HTLC fees).
 */
export async function mine(env: Env, g: Glint, n = 1, options: MineOptions = {}): Promise<void> {
  await env.chain.mine(n, options);
  await g.channels.onTip();
  paymentManagers.get(g)?.onTip(env.chain.height);
  await g.service.sync({ quick: true });
}

export function channelOf(g: Glint, localId: number): ChannelInfo {
  const c = g.channels.byLocalId(localId);
  if (!c) throw new Error(`no channel ${localId}`);
  return c;
}

/** LDK's usable channels with `peer` (node id hex). */
export function usableWith(node: LdkNode, peer: string): ChannelDetails[] {
  return node.channelManager.list_usable_channels().filter((d) => bytesToHex(d.get_counterparty().get_node_id()) === peer);
}

/** LDK's channels with `peer` (node id hex). */
export function channelsWith(node: LdkNode, peer: string): ChannelDetails[] {
  return node.channelManager.list_channels().filter((d) => bytesToHex(d.get_counterparty().get_node_id()) === peer);
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

/** The short_channel_id LDK reports in `d`, if any. */
export function ldkScid(ldk: Ldk, d: ChannelDetails): bigint | undefined {
  const s = d.get_short_channel_id();
  return s instanceof ldk.Option_u64Z_Some ? s.some : undefined;
}

/** A short_channel_id as BOLT 7 writes it: `block x tx x output`. */
export function formatScid(scid: bigint): string {
  return `${scid >> 40n}x${(scid >> 16n) & 0xffffffn}x${scid & 0xffffn}`;
}

/** Connect `g` to `peer` unless connected already, and wait until both see the other. */
export async function connect(g: Glint, peer: { node: LdkNode; port: number }): Promise<void> {
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

/**
 * LDK opens a channel to `g` (funded from regtest coins) and mines it to `normal` / usable
 * (`g` needs `minimumDepth: 1`).
 */
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

/** An LDK⇄LDK channel made by `openLdkToLdk`. */
export interface LdkChannel {
  readonly channelId: string;
  readonly shortChannelId: bigint;
  readonly fundingTxid: string;
}

/**
 * LDK `from` opens a channel to LDK `to` (connecting them first), funded from regtest coins of a
 * wallet made from `seed`, mined (1 block: `ldkPeer` peers ask minimum_depth 1) until usable on
 * both. The funder sees ChannelReady; the peers exchange channel_update, so `to` can hint the
 * channel in its invoices.
 */
export async function openLdkToLdk(w: World, from: LdkPeer, to: LdkPeer, opts: { fundingSat?: bigint; pushMsat?: bigint; seed: string }): Promise<LdkChannel> {
  const fundingSat = opts.fundingSat ?? 500_000n;
  const funder = RegtestWallet.fromSeed(opts.seed);
  const coinValue = Number(fundingSat) + 100_000;
  const coin = await w.chain.faucet(funder.script, coinValue);
  await from.node.connect(to.node.nodeId, '127.0.0.1', to.port);
  await to.node.waitForPeer(from.node.nodeIdHex);
  let txid = '';
  const opened = await from.node.openChannelTo(
    to.node.nodeId,
    fundingSat,
    (script, valueSat) => {
      const tx = funder.pay({ inputs: [{ txid: coin.txid, vout: coin.vout, value: coinValue }], outputs: [{ script, value: Number(valueSat) }] });
      txid = tx.txid;
      return tx.raw;
    },
    opts.pushMsat !== undefined ? { pushMsat: opts.pushMsat } : {},
  );
  await until(() => w.chain.mempoolTxids().includes(txid), 'the LDK⇄LDK funding tx in the mempool', 20_000, from.node);
  await w.chain.mine(1);
  await until(() => ldkUsable(from.node, opened.channelId) && ldkUsable(to.node, opened.channelId), 'LDK⇄LDK channel usable on both', 20_000, from.node);
  const scid = ldkScid(w.ldk, ldkChannel(from.node, opened.channelId)!);
  if (scid === undefined) throw new Error('LDK⇄LDK channel without a short_channel_id');
  return { channelId: opened.channelId, shortChannelId: scid, fundingTxid: txid };
}

/** Resolve once none of the LDK nodes has an HTLC pending (every commitment dance is over). */
export async function ldkSettled(nodes: readonly LdkNode[], timeoutMs = 20_000): Promise<void> {
  for (const node of nodes) await node.waitForNoPendingHtlcs(timeoutMs);
}

/**
 * The payment API of a Glint node as the interop tests and benches drive it: GlintNode's payment
 * methods (common.md "Payments in the node"), i.e. engine/node/payments' PaymentManager.
 */
export type GlintPayments = Pick<PaymentManager, 'createInvoice' | 'pay' | 'keysend' | 'payments' | 'payment' | 'estimatePayFee' | 'subscribe' | 'idle'>;
export type { PayResult as GlintPayResult, PaymentRecord as GlintPaymentRecord } from '../../engine/node/payments/types.ts';

const paymentManagers = new WeakMap<Glint, PaymentManager>();

/** `g`'s ChannelManager as the PaymentManager's channel side (PaymentChannels, engine/node/channel-htlcs.ts). */
function paymentChannelsOf(g: Glint): PaymentChannels {
  return g.channels.payments;
}

/**
 * `g`'s PaymentManager, made and started on first use (over the node's store, with its node key,
 * keysend accepted), as GlintNode wires it. `mine` tells it about new tips.
 */
export async function glintPayments(g: Glint): Promise<GlintPayments> {
  const known = paymentManagers.get(g);
  if (known) return known;
  const payments = new PaymentManager({
    channels: paymentChannelsOf(g),
    store: g.store,
    clock: nodeClock,
    entropy: nodeEntropy,
    logger,
    network: 'regtest',
    nodeSecret: g.service.nodeSecret,
    nodeId: g.peers.nodeId,
    acceptKeysend: true,
  });
  await payments.start();
  paymentManagers.set(g, payments);
  return payments;
}

/** Stop `g`'s PaymentManager (a restart): the next `glintPayments` makes a new one over the new channels. */
function dropPayments(g: Glint): void {
  paymentManagers.get(g)?.stop();
  paymentManagers.delete(g);
}

/**
 * HTLCs not yet fully removed on `g`'s channel `channelId` (the manager's `htlcs(channelId)`,
 * PaymentChannels in engine/node/payments/ports.ts).
 */
export function glintHtlcCount(g: Glint, channelId: string): number {
  return g.channels.payments.htlcs(channelId).length;
}

/** Resolve once neither `g` nor any of the LDK nodes has an HTLC on any channel. */
export async function paymentsSettled(g: Glint, nodes: readonly LdkNode[], timeoutMs = 20_000): Promise<void> {
  await until(() => g.channels.list().every((c) => glintHtlcCount(g, c.channelId) === 0), 'no HTLC left on Glint', timeoutMs);
  await ldkSettled(nodes, timeoutMs);
  await g.channels.idle();
}

/** Both sides' settled balances of one Glint ⇄ LDK channel, msat: Glint's ChannelInfo and LDK's ChannelDetails. */
export function channelBalances(g: Glint, node: LdkNode, channelId: string): { glint: { local: bigint; remote: bigint }; ldk: { local: bigint; remote: bigint } } {
  const ours = g.channels.list().find((c) => c.channelId === channelId);
  const theirs = node.channelBalances().find((b) => b.channelId === channelId);
  if (!ours || !theirs) throw new Error(`channel ${channelId} missing on ${ours ? 'LDK' : 'Glint'}`);
  return {
    glint: { local: ours.localMsat, remote: ours.remoteMsat },
    ldk: { local: theirs.balanceMsat, remote: theirs.valueSat * 1000n - theirs.balanceMsat },
  };
}

/** What `ldkPaysAndForceCloses` leaves: LDK's commitment (in the mempool) with Glint's incoming HTLC at `htlcVout`. */
export interface HtlcForceClose {
  readonly close: LdkForceClose;
  readonly commitment: Transaction;
  readonly htlcVout: number;
  readonly paymentHash: string;
}

/**
 * LDK (`payer`, the channel `channelId`'s peer) pays a Glint invoice of `amountMsat` and
 * force-closes the moment Glint holds the HTLC irrevocably (Glint settles it with the preimage,
 * LDK's commitment still has it); the commitment is in the mempool, not mined.
 */
export async function ldkPaysAndForceCloses(w: World, g: Glint, payer: LdkPeer, channelId: string, amountMsat: bigint): Promise<HtlcForceClose> {
  const pay = await glintPayments(g);
  const inv = await pay.createInvoice({ amountMsat, description: 'claimed on chain' });
  let closing: Promise<LdkForceClose> | undefined;
  const unsubscribe = g.channels.subscribe((e) => {
    if (!closing && e.type === 'channel' && e.event.type === 'htlc-received') closing = forceCloseLdk(payer.node, channelId, hexToBytes(g.peers.nodeId));
  });
  void payer.node.payInvoice(inv.bolt11).catch((err: unknown) => err); // LDK never sees it succeed off chain
  await until(() => closing !== undefined, 'the HTLC at Glint', 20_000, payer.node);
  unsubscribe();
  const close = await closing!;
  await payer.feed.flush();
  if (!w.chain.mempoolTxids().includes(close.commitmentTxid)) await submitAll(w.chain, [close.commitmentTx]);
  const commitment = Transaction.fromBuffer(Buffer.from(close.commitmentTx));
  const htlcVout = commitment.outs.findIndex((o) => o.value * 1000n === amountMsat && o.script.length === 34);
  if (htlcVout < 0) throw new Error(`no ${amountMsat} msat HTLC output on LDK's commitment ${close.commitmentTxid}`);
  return { close, commitment, htlcVout, paymentHash: inv.paymentHash };
}
