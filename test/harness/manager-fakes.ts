/**
 * Two (or more) ChannelManagers in memory, for unit tests of engine/node/channels.ts: a message bus
 * standing in for PeerManager (every message goes through the real wire codec), a chain that
 * mines real merkle trees (so the manager's merkle proofs are checked for real), and a wallet that
 * builds the channel-pair harness's fake segwit funding transaction.
 */
import { Transaction } from 'bitcoinjs-lib';
import { merkleRootFromBranch, parseHeader } from '../../engine/chain/bitcoin.ts';
import type { ChainTip, TxStatus } from '../../engine/chain/source.ts';
import { DEFAULT_CHANNEL_CONFIG } from '../../engine/channel/types.ts';
import { sha256 } from '../../engine/crypto/hash.ts';
import { Keychain } from '../../engine/keys/keychain.ts';
import { bytesToHex } from '../../engine/lib/bytes.ts';
import { PersistenceBarrier, type BarrierAction } from '../../engine/node/executor.ts';
import { ChannelManager, type ChannelChain, type ChannelInfo, type ChannelManagerEvent, type ChannelPeers, type ChannelWallet } from '../../engine/node/channels.ts';
import type { PeerEvent } from '../../engine/node/peer-manager.ts';
import { PaymentManager } from '../../engine/node/payments/manager.ts';
import type { PaymentRecord } from '../../engine/node/payments/types.ts';
import type { Clock, Entropy } from '../../engine/ports.ts';
import { MemoryKVStore } from '../../engine/store/memory.ts';
import { decodeMessage, encodeMessage, type Message } from '../../engine/wire/message.ts';
import { merkleBranch } from '../../playground/chain/esplora.ts';
import { fakeFundingTx } from './channel-pair.ts';

export const clock: Clock = { now: () => 1_800_000_000_000, setTimer: (ms, fn) => {
  const t = setTimeout(fn, ms);
  return () => clearTimeout(t);
} };

export function entropyOf(label: string): Entropy {
  let counter = 0;
  return {
    randomBytes(n) {
      const out = new Uint8Array(n);
      for (let i = 0; i < n; i += 32) out.set(sha256(new TextEncoder().encode(`${label}/${counter++}`)).subarray(0, Math.min(32, n - i)), i);
      return out;
    },
  };
}

export const txidOf = (raw: Uint8Array): string => Transaction.fromBuffer(raw).getId();

/** Blocks with real merkle roots; every tx confirms at position 1 (a filler sits at 0). */
export class FakeChain implements ChannelChain {
  height = 500;
  hash = bytesToHex(sha256(Uint8Array.of(5)));
  readonly mempool = new Map<string, Uint8Array>();
  readonly confirmed = new Map<string, { raw: Uint8Array; height: number; hash: string; pos: number; txids: string[] }>();
  readonly headers = new Map<string, Uint8Array>();
  readonly broadcasts: Uint8Array[] = [];
  calls: Record<string, number> = {};
  private count(m: string): void {
    this.calls[m] = (this.calls[m] ?? 0) + 1;
  }
  async tip(): Promise<ChainTip> {
    this.count('tip');
    return { height: this.height, hash: this.hash };
  }
  async txStatus(txid: string): Promise<TxStatus> {
    this.count('txStatus');
    const c = this.confirmed.get(txid);
    return c ? { confirmed: true, blockHeight: c.height, blockHash: c.hash, blockTime: 0 } : { confirmed: false };
  }
  async merkleProof(txid: string) {
    this.count('merkleProof');
    const c = this.confirmed.get(txid)!;
    return { blockHeight: c.height, merkle: merkleBranch(c.txids, c.pos), pos: c.pos };
  }
  async blockHeader(hash: string): Promise<Uint8Array> {
    this.count('blockHeader');
    return this.headers.get(hash)!;
  }
  async transaction(txid: string): Promise<Uint8Array> {
    this.count('transaction');
    return (this.confirmed.get(txid)?.raw ?? this.mempool.get(txid))!;
  }
  async broadcast(raw: Uint8Array): Promise<string> {
    this.count('broadcast');
    this.broadcasts.push(raw.slice());
    const txid = txidOf(raw);
    if (!this.confirmed.has(txid)) this.mempool.set(txid, raw.slice());
    return txid;
  }
  /** Mine one block holding the mempool, then `n - 1` empty ones. */
  mine(n = 1): void {
    for (let i = 0; i < n; i++) {
      const filler = bytesToHex(sha256(Uint8Array.of(1, this.height & 0xff, this.height >> 8)));
      const txids = [filler, ...this.mempool.keys()];
      const root = merkleRootFromBranch(txids[0]!, merkleBranch(txids, 0), 0);
      const header = new Uint8Array(80);
      header.set(Uint8Array.from(Buffer.from(this.hash, 'hex').reverse()), 4);
      header.set(root, 36);
      const hash = parseHeader(header).hash;
      this.height++;
      this.hash = hash;
      this.headers.set(hash, header);
      txids.forEach((txid, pos) => {
        if (pos === 0) return;
        this.confirmed.set(txid, { raw: this.mempool.get(txid)!, height: this.height, hash, pos, txids });
      });
      this.mempool.clear();
    }
  }
}

export class FakeWallet implements ChannelWallet {
  readonly cancelled: string[] = [];
  fail: string | undefined;
  private readonly chain: FakeChain;
  constructor(chain: FakeChain) {
    this.chain = chain;
  }
  async fundChannel(req: { scriptPubKey: Uint8Array; valueSat: bigint }) {
    if (this.fail) throw new Error(this.fail);
    const { rawTx, outputIndex } = fakeFundingTx({ type: 'request-funding', scriptPubKey: req.scriptPubKey, valueSat: req.valueSat });
    return { rawTx, txid: txidOf(rawTx), fundingOutputIndex: outputIndex };
  }
  cancelReservation(txid: string): boolean {
    this.cancelled.push(txid);
    return true;
  }
  broadcast(raw: Uint8Array): Promise<string> {
    return this.chain.broadcast(raw);
  }
  /** Fresh P2WPKH scripts (a counter in the key hash), every one recorded. */
  readonly shutdownScripts: Uint8Array[] = [];
  /** When set, `shutdownScript` throws it. */
  shutdownScriptError: Error | undefined;
  shutdownScript(): Uint8Array {
    if (this.shutdownScriptError) throw this.shutdownScriptError;
    const script = Uint8Array.of(0x00, 0x14, ...sha256(Uint8Array.of(0x5c, this.shutdownScripts.length)).subarray(0, 20));
    this.shutdownScripts.push(script);
    return script;
  }
}

/** Messages between nodes, delivered when the test says so, through the real codec. */
export class Bus {
  readonly queue: { from: string; to: string; message: Message }[] = [];
  readonly nodes = new Map<string, BusPeers>();
  /** Called per message; return null to drop it. */
  intercept: ((from: string, m: Message) => Message | null) | undefined;
  async deliverAll(max = 100): Promise<void> {
    for (let i = 0; i < max; i++) {
      await settle();
      const next = this.queue.shift();
      if (!next) return;
      const m = this.intercept ? this.intercept(next.from, next.message) : next.message;
      if (m) this.nodes.get(next.to)?.emit({ type: 'message', nodeId: next.from, message: m });
    }
    throw new Error('bus did not settle');
  }
}

export class BusPeers implements ChannelPeers {
  readonly listeners = new Set<(e: PeerEvent) => void>();
  readonly connected = new Set<string>();
  /** Init features per peer, by name (as PeerInfo has them). */
  readonly features = new Map<string, Record<string, string>>();
  readonly sent: Message[] = [];
  readonly bus: Bus;
  readonly nodeId: string;
  constructor(bus: Bus, nodeId: string) {
    this.bus = bus;
    this.nodeId = nodeId;
    bus.nodes.set(nodeId, this);
  }
  send(to: string, message: Message): void {
    if (!this.connected.has(to)) throw new Error(`not connected to ${to}`);
    const decoded = decodeMessage(encodeMessage(message));
    if (decoded.kind !== 'known') throw new Error('unknown message');
    this.sent.push(decoded.message);
    if (decoded.message.type === 'error' || decoded.message.type === 'warning') return; // the session turns these into remote-error
    this.bus.queue.push({ from: this.nodeId, to, message: decoded.message });
  }
  subscribe(fn: (e: PeerEvent) => void): () => void {
    this.listeners.add(fn);
    return () => this.listeners.delete(fn);
  }
  peers() {
    return [...this.connected].map((nodeId) => ({ nodeId, features: this.features.get(nodeId) ?? {} }));
  }
  disconnect(nodeId: string): void {
    this.connected.delete(nodeId);
    this.emit({ type: 'disconnected', nodeId, reason: 'by us', willReconnect: false });
  }
  emit(e: PeerEvent): void {
    for (const fn of this.listeners) fn(e);
  }
}

/** Let barrier batches and their effects run. */
export async function settle(): Promise<void> {
  for (let i = 0; i < 20; i++) await new Promise((r) => setImmediate(r));
}

export interface TestNode {
  name: string;
  keychain: Keychain;
  nodeId: string;
  store: MemoryKVStore;
  peers: BusPeers;
  wallet: FakeWallet;
  manager: ChannelManager;
  events: ChannelManagerEvent[];
}


export async function makeNode(net: { bus: Bus; chain: FakeChain }, name: string, opts: { store?: MemoryKVStore; barrierRetry?: boolean; minimumDepth?: number; trusted?: Set<string> } = {}): Promise<TestNode> {
  const { bus, chain } = net;
  const keychain = Keychain.fromSeed(sha256(new TextEncoder().encode(name)), 'regtest');
  const nodeId = bytesToHex(keychain.nodeId());
  const store = opts.store ?? new MemoryKVStore();
  const peers = bus.nodes.get(nodeId) ?? new BusPeers(bus, nodeId);
  const wallet = new FakeWallet(chain);
  const barrier = new PersistenceBarrier<BarrierAction>({ store, clock, retry: { attempts: 1, baseMs: 0 } });
  const manager = new ChannelManager({
    network: 'regtest',
    store,
    clock,
    entropy: entropyOf(name),
    peers,
    keys: keychain,
    wallet,
    chain,
    feeratePerKw: 2500,
    config: { ...DEFAULT_CHANNEL_CONFIG, minimumDepth: opts.minimumDepth ?? 3 },
    ...(opts.barrierRetry === false ? { barrier } : {}),
    ...(opts.trusted ? { trustedPeers: () => opts.trusted! } : {}),
  });
  const events: ChannelManagerEvent[] = [];
  manager.subscribe((e) => events.push(e));
  await manager.start();
  return { name, keychain, nodeId, store, peers, wallet, manager, events };
}

export function connect(a: TestNode, b: TestNode): void {
  a.peers.connected.add(b.nodeId);
  b.peers.connected.add(a.nodeId);
}

export async function tip(bus: Bus, ...nodes: TestNode[]): Promise<void> {
  for (const n of nodes) await n.manager.onTip();
  await bus.deliverAll();
  for (const n of nodes) await n.manager.idle();
  await bus.deliverAll();
}

/**
 * `a` funds a 250,000 sat channel to `b` (connected first) and the funding gets 3 confirmations,
 * the default minimum depth: both should be in `normal`. Returns `a`'s view of the channel; the
 * caller checks it.
 */
export async function openAndConfirm(
  net: { bus: Bus; chain: FakeChain },
  a: TestNode,
  b: TestNode,
  opts: { readonly channelType: 'static_remotekey' | 'anchors_zero_fee_htlc_tx'; readonly pushMsat: bigint },
): Promise<ChannelInfo> {
  connect(a, b);
  const opened = await a.manager.open(b.nodeId, { fundingSat: 250_000n, pushMsat: opts.pushMsat, channelType: opts.channelType });
  await net.bus.deliverAll();
  await a.manager.idle();
  await b.manager.idle();
  await net.bus.deliverAll();
  net.chain.mine(3);
  await tip(net.bus, a, b);
  return a.manager.byLocalId(opened.localId)!;
}

/** A PaymentManager on a TestNode's ChannelManager (same store, node key, clock). */
export async function withPayments(
  node: TestNode,
  opts: { readonly clock?: Clock; readonly entropyLabel?: string; readonly acceptKeysend?: boolean } = {},
): Promise<{ payments: PaymentManager; events: PaymentRecord[] }> {
  const payments = new PaymentManager({
    channels: node.manager.payments,
    store: node.store,
    clock: opts.clock ?? clock,
    entropy: entropyOf(opts.entropyLabel ?? `${node.name}/payments`),
    network: 'regtest',
    nodeSecret: node.keychain.nodeSecret(),
    nodeId: node.nodeId,
    ...(opts.acceptKeysend !== undefined ? { acceptKeysend: opts.acceptKeysend } : {}),
  });
  const events: PaymentRecord[] = [];
  payments.subscribe((p) => events.push(p));
  await payments.start();
  return { payments, events };
}

/** Deliver every message and let every barrier batch and payment step finish, until quiet. */
export async function settleAll(bus: Bus, nodes: readonly TestNode[], payments: readonly PaymentManager[] = []): Promise<void> {
  for (let i = 0; i < 50; i++) {
    await bus.deliverAll(1000);
    for (const n of nodes) await n.manager.idle();
    for (const p of payments) await p.idle();
    await settle();
    if (bus.queue.length === 0) return;
  }
  throw new Error('did not settle');
}
