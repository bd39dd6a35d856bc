/**
 * The node worker: Glint's composition root in the browser.
 *
 *   1. start listening for RPC at once (the UI queues requests until `ready`);
 *   2. (in the wallet host) take the wallet's exclusive Web Lock `glint-wallet-<network>` before
 *      opening its store: a second tab reports `locked` ("open in another tab") and can take it
 *      over (`node.takeover`: this worker asks the holder over a BroadcastChannel to stop its node
 *      and let go, then waits for the lock); the tab that let go reports `stopped`;
 *   3. build the browser adapters (WebSocket dialer, clock, entropy, logger, IndexedDB, fetch)
 *      and read the defaults it is given (`/glint.config.json`: network, Esplora URLs);
 *   4. construct the wallet host and serve it over RPC; while a wallet is unlocked, run the
 *      Lightning node on it (GlintNode: peers, channels, chain follower, persisted in the
 *      wallet's encrypted IndexedDB store) and serve its peers and channels, streaming events.
 *
 * One identity on the wire at a time: while a wallet is unlocked the node is GlintNode with the
 * wallet's node key; before a wallet exists (or while it is locked) a bare PeerManager runs with
 * a throwaway key so the Peers screen still works, and it is closed when the wallet opens.
 *
 * The engine is reached only through engine/index.ts; everything crossing to the UI is a plain DTO
 * from workers/rpc/protocol.ts.
 */
import { PeerManager, WalletService, bytesToHex, errorMessage, isValidSecretKey, parsePeerUri, publicKeyOf, watchStorageFull, type PeerEvent, type PeerInfo } from '../engine/index.ts';
import { webSocketDialer } from './adapters/ws-socket.ts';
import { browserClock } from './adapters/clock.ts';
import { browserEntropy } from './adapters/entropy.ts';
import { workerLogger } from './adapters/logger.ts';
import { webWalletLocks } from './adapters/lock.ts';
import { broadcastTakeover } from './adapters/takeover.ts';
import { RpcServer, UnavailableError, type RpcHandlers } from './rpc/server.ts';
import { PROTOCOL_VERSION, type NetworkName, type NodeEvent, type NodeInfoDto, type PeerDto } from './rpc/protocol.ts';
import { BUILTIN_CONFIG, WalletHost, parseWalletConfig, type WalletConfig } from './wallet-host.ts';
import { browserGlintNode, browserWalletBackend } from './wallet-backend.ts';
import { ChannelHost, type EngineEvent } from './channel-host.ts';
import { NodeRunner, type RunningNode } from './node-runner.ts';
import { PaymentHost, type PaymentEngine } from './payment-host.ts';
import { BackupHost } from './backup-host.ts';
import { EraseHost } from './erase-host.ts';
import { txRolesOf } from './tx-roles.ts';
import type { WalletEngine } from './wallet-host.ts';

declare const self: DedicatedWorkerGlobalScope;

/** The throwaway-key peer manager while no wallet is unlocked. */
let node: PeerManager | null = null;
let wallet: WalletHost | null = null;
let info: NodeInfoDto = { status: 'starting', nodeId: null, error: null, protocol: PROTOCOL_VERSION };

function unavailable(): UnavailableError {
  if (info.status === 'locked') return new UnavailableError('Glint is open in another tab; use it there, or choose "Use here"');
  if (info.status === 'stopped') return new UnavailableError('Glint was opened in another tab; choose "Use here" to run it in this one');
  if (info.status === 'failed') return new UnavailableError(`the node did not start: ${info.error ?? 'unknown error'}`);
  return new UnavailableError('the node is still starting');
}

/** What the Peers screen talks to: the wallet's Lightning node, else the throwaway-key manager. */
interface PeerSurface {
  readonly nodeId: string;
  peers(): PeerInfo[];
  connect(uri: string, opts: { proxy?: string; reconnect?: boolean }): Promise<PeerInfo>;
  disconnect?(nodeId: string): void;
  ping?(nodeId: string): Promise<number>;
}

function requireNode(): PeerSurface {
  const lightning = runner.node;
  if (lightning) return lightning;
  if (wallet?.unlocked) throw new UnavailableError(runner.error ? `the Lightning node did not start: ${runner.error}` : 'the Lightning node is starting');
  if (node) return node;
  throw unavailable();
}

function missing(what: string): Error {
  return new Error(`${what} is not available in this build of the node`);
}

function requireWallet(): WalletHost {
  if (wallet && info.status === 'running') return wallet;
  throw unavailable();
}

function peerDto(p: PeerInfo): PeerDto {
  return {
    nodeId: p.nodeId,
    address: p.address,
    features: { ...p.features },
    pingMs: p.pingMs ?? null,
    connectedAt: p.connectedAt,
    inbound: p.inbound,
  };
}

function eventDto(e: PeerEvent): NodeEvent | null {
  switch (e.type) {
    case 'connected':
      return { type: 'peer.connected', peer: peerDto(e.peer) };
    case 'disconnected':
      return { type: 'peer.disconnected', nodeId: e.nodeId, reason: e.reason, willReconnect: e.willReconnect };
    case 'ping':
      return { type: 'peer.ping', nodeId: e.nodeId, rttMs: e.rttMs };
    case 'remote-error':
      return { type: 'peer.remote-error', nodeId: e.nodeId, kind: e.kind, text: e.text, channelId: e.channelId };
    case 'message':
      return null; // protocol messages stay in the worker
  }
}

/** Engine text for the UI, within the protocol's limit (a longer one would make the UI drop the event). */
const clip = (text: unknown): string => {
  const s = typeof text === 'string' ? text : String(text);
  return s.length > 2000 ? `${s.slice(0, 1999)}…` : s;
};

/** GlintNode's events → the UI's (peers), and to the channel and payment hosts. */
function onLightningEvent(e: EngineEvent): void {
  channels.onEngineEvent(e);
  payments.onEngineEvent(e as EngineEvent & Record<string, unknown>);
  const ev = e as EngineEvent & Record<string, unknown>;
  switch (e.type) {
    case 'tip':
      // The node synced the wallet on this block: show the balance it found.
      wallet?.publish();
      return;
    case 'peer-connected':
      server.emit({ type: 'peer.connected', peer: peerDto(ev.peer as PeerInfo) });
      return;
    case 'peer-disconnected':
      server.emit({ type: 'peer.disconnected', nodeId: ev.nodeId as string, reason: clip(ev.reason), willReconnect: ev.willReconnect as boolean });
      return;
    case 'ping':
      server.emit({ type: 'peer.ping', nodeId: ev.nodeId as string, rttMs: ev.rttMs as number });
      return;
    case 'remote-error':
      sawRemoteErrors = true;
      server.emit({ type: 'peer.remote-error', nodeId: ev.nodeId as string, kind: ev.kind as 'error' | 'warning', text: clip(ev.text), channelId: ev.channelId as string });
      return;
    case 'peer-error':
      // ChannelManager's copy of a peer error; shown unless the node forwards PeerManager's too.
      if (!sawRemoteErrors) {
        const channelId = typeof ev.channelId === 'string' && /^[0-9a-f]{64}$/.test(ev.channelId) ? ev.channelId : null;
        server.emit({ type: 'peer.remote-error', nodeId: ev.peer as string, kind: ev.kind as 'error' | 'warning', text: clip(ev.text), channelId });
      }
      return;
  }
}
let sawRemoteErrors = false;

/** How long "Use here" waits for the other tab to stop its node and let go of the wallet. */
const TAKEOVER_WAIT_MS = 30_000;
const takeover = broadcastTakeover();

/** Where this worker stands on its wallet: `locked` (another tab has it), `stopped` (handed over), or running. */
function setElsewhere(elsewhere: boolean, handedOver: boolean): void {
  const status = elsewhere ? (handedOver ? 'stopped' : 'locked') : 'running';
  if (info.status === status || info.status === 'failed') return;
  info = { ...info, status };
  server.status(info);
}
let handingOver = false;

// Another tab chose "Use here" for the wallet this one runs: stop the node cleanly and let go.
takeover?.onReleaseAsked((id) => {
  const w = wallet;
  if (!w || w.elsewhere || w.status().network !== id) return;
  logger.log('info', 'another tab asked for this wallet: stopping the node here');
  handingOver = true;
  void w
    .handOver()
    .catch((err: unknown) => logger.log('error', `could not hand the wallet over: ${errorMessage(err)}`))
    .finally(() => (handingOver = false));
});
// Another tab erased a wallet: this one (which never had it open: the lock) stops reporting it.
takeover?.onErased((id) => wallet?.erasedElsewhere(id as NetworkName));

const handlers: RpcHandlers = {
  'node.info': () => info,
  'node.takeover': async () => {
    const w = wallet;
    if (!w || !takeover) throw new Error('taking over from another tab needs Web Locks and BroadcastChannel, which this browser lacks');
    if (!w.elsewhere) return info;
    takeover.askRelease(w.status().network);
    await w.takeOver(TAKEOVER_WAIT_MS);
    return info;
  },
  'peers.list': () => {
    // A wallet's node that is still starting may have redialled its channel peers already.
    if (wallet?.unlocked && !runner.node) return runner.peers().map(peerDto);
    return requireNode().peers().map(peerDto);
  },
  'peers.connect': async ({ uri, proxy }) => {
    const n = requireNode();
    try {
      return peerDto(await n.connect(uri, { ...(proxy ? { proxy } : {}), reconnect: true }));
    } catch (err) {
      // The first dial failed: report it and do not keep re-dialling behind the user's back. A
      // connection that drops after this succeeded is re-dialled with backoff until disconnect.
      let nodeId: string | undefined;
      try {
        nodeId = parsePeerUri(uri).nodeIdHex;
      } catch {
        /* the URI itself was bad; nothing was scheduled */
      }
      if (nodeId && !n.peers().some((p) => p.nodeId === nodeId)) n.disconnect?.(nodeId);
      throw err;
    }
  },
  'peers.disconnect': ({ nodeId }) => {
    const n = requireNode();
    if (!n.disconnect) throw missing('disconnecting a peer');
    n.disconnect(nodeId);
    return null;
  },
  'peers.ping': async ({ nodeId }) => {
    const n = requireNode();
    if (!n.ping) throw missing('pinging a peer');
    return { rttMs: await n.ping(nodeId) };
  },
  'wallet.status': () => requireWallet().status(),
  'settings.set': (p) => requireWallet().configure(p),
  'wallet.create': (p) => requireWallet().create(p),
  'wallet.unlock': (p) => {
    logger.log('debug', 'start: unlock asked');
    return requireWallet().unlock(p);
  },
  'wallet.lock': () => requireWallet().lock(),
  'wallet.backup': (p) => requireWallet().backup(p),
  'wallet.balance': () => requireWallet().snapshot(),
  'wallet.sync': () => requireWallet().syncNow(),
  'wallet.address': () => requireWallet().address(),
  'wallet.history': () => requireWallet().history(),
  'wallet.feeRates': () => requireWallet().feeRates(),
  'wallet.prepareSend': (p) => requireWallet().prepareSend(p),
  'wallet.confirmSend': (p) => requireWallet().confirmSend(p),
  'wallet.faucet': (p) => requireWallet().faucet(p),
  'channels.list': () => (requireWallet(), channels.list()),
  'channels.open': async (p) => {
    requireLightning();
    const opened = await channels.open(p);
    wallet?.publish(); // the funding transaction spent wallet coins
    return opened;
  },
  'channels.close': async (p) => {
    requireLightning();
    const closed = await channels.close(p);
    wallet?.publish();
    return closed;
  },
  // Decoding needs no node (the Send screen reviews before unlocking); the rest need the wallet's.
  'invoice.decode': (p) => payments.decode(p),
  'invoice.create': (p) => (requireLightning(), payments.createInvoice(p)),
  'payment.estimateFee': (p) => (requireLightning(), payments.estimateFee(p)),
  'payment.pay': (p) => (requireLightning(), payments.pay(p)),
  'payment.list': () => (requireWallet(), payments.list()),
  'backup.status': () => (requireWallet(), backups.status()),
  'backup.download': () => (requireWallet(), backups.download()),
  'backup.import': async ({ file }) => {
    requireWallet();
    const r = await backups.import(file);
    wallet?.publish();
    return r;
  },
  'wallet.erase': (p) => {
    const w = requireWallet();
    return erasing.erase(w, w.status().network, p);
  },
};

function requireLightning(): void {
  const w = requireWallet();
  if (runner.node) return;
  if (!w.unlocked) throw new Error('channels and payments need an unlocked wallet: unlock it first');
  throw new UnavailableError(runner.error ? `the Lightning node did not start: ${runner.error}` : 'the Lightning node is still starting; try again in a moment');
}

const server = new RpcServer(self, handlers);
const logger = workerLogger((level, message) => server.emit({ type: 'log', level, message, at: Date.now() }));
const channels = new ChannelHost({ emit: (e) => server.emit(e), now: () => Date.now() });
const payments = new PaymentHost({
  emit: (e) => server.emit(e),
  nowSec: () => Math.floor(Date.now() / 1000),
  // The Send screen's parser and decoder load on its first review (bundle-gzip, issue 9).
  codec: () => import('./invoice-codec.ts').then((m) => m.engineInvoiceCodec),
  // Refuse invoices of another network than the wallet's (or the default one before a wallet exists).
  network: () => wallet?.status().network,
});
/** The deployment's chain poll cadence (glint.config.json `pollIntervalMs`), once loaded. */
let pollIntervalMs: number | undefined;
const runner = new NodeRunner({
  build: (w, chain) => browserGlintNode(w, chain, logger, pollIntervalMs) as unknown as RunningNode,
  logger,
  onNode: (n) => {
    channels.attach(n);
    // GlintNode has the payment methods; a build without them reports payments unavailable.
    payments.attach(n as (RunningNode & Partial<PaymentEngine>) | null);
    sawRemoteErrors = false;
    if (n) {
      // Its channels as they are now (the UI may have asked while it was starting).
      for (const c of channels.list()) server.emit({ type: 'channel.changed', channel: c });
      // Its payment history too, for the same reason (the UI's `payment.list` may have found no node yet).
      for (const p of payments.list()) server.emit({ type: 'payment', payment: p });
    }
  },
  onEvent: onLightningEvent,
});

/** The open wallet and its chain source (between onOpened and onClosing), for the backup host. */
let openWallet: { wallet: WalletService; engine: WalletEngine; chain: unknown } | null = null;
const backups = new BackupHost({
  wallet: () => openWallet,
  stopNode: () => runner.closing(),
  startNode: () => {
    if (openWallet) runner.opened(openWallet.engine, openWallet.chain);
  },
  clock: browserClock,
  entropy: browserEntropy,
});

const erasing = new EraseHost({
  channels: () => (channels.attached ? channels.list() : null),
  payments: () => payments.list(),
  announce: (network) => takeover?.announceErased(network),
  logger,
});

/** A fresh random node identity. */
function throwawayNodeSecret(): Uint8Array {
  for (;;) {
    const secret = browserEntropy.randomBytes(32);
    if (isValidSecretKey(secret)) return secret;
  }
}

/**
 * `secret` (the wallet's node key): the wallet's Lightning node takes over (NodeRunner), so the
 * throwaway-key manager is closed; null: a throwaway-key PeerManager runs. Either way the UI is
 * told the node id.
 */
function useIdentity(secret: Uint8Array | null): void {
  if (secret) {
    node?.close();
    unsubscribe?.();
    unsubscribe = undefined;
    node = null;
    const nodeId = bytesToHex(publicKeyOf(secret));
    if (info.nodeId !== nodeId) {
      info = { ...info, status: info.status === 'starting' ? 'running' : info.status, nodeId };
      server.status(info);
      logger.log('info', `node identity is now ${nodeId.slice(0, 16)}… (the wallet’s key)`);
    }
    return;
  }
  const old = node;
  const manager = new PeerManager({
    nodeSecret: throwawayNodeSecret(),
    // The DOM WebSocket's handler properties take concrete Event types, which TS will not accept
    // for WebSocketLike's `(ev: unknown) => void` handlers, though it is the API ws-socket.ts uses.
    dialer: webSocketDialer(WebSocket, browserClock.setTimer),
    clock: browserClock,
    entropy: browserEntropy,
    logger,
  });
  old?.close();
  unsubscribe?.();
  unsubscribe = manager.subscribe((e) => {
    const dto = eventDto(e);
    if (dto) server.emit(dto);
  });
  node = manager;
  const changed = info.nodeId !== null;
  info = { ...info, status: info.status === 'starting' ? 'running' : info.status, nodeId: manager.nodeId };
  if (changed) {
    server.status(info);
    logger.log('info', `node identity is now ${manager.nodeId.slice(0, 16)}… (a throwaway key until a wallet is unlocked)`);
  }
}
let unsubscribe: (() => void) | undefined;

/** The defaults this deployment gives the worker (`/glint.config.json`), else the built-in ones. */
async function loadConfig(): Promise<WalletConfig> {
  const ctl = new AbortController();
  const timer = setTimeout(() => ctl.abort(), 10_000);
  try {
    const res = await fetch(new URL('/glint.config.json', self.location.origin), { cache: 'no-store', signal: ctl.signal });
    // No file: a static host answers 404, an SPA fallback (vite preview) answers index.html.
    if (res.status === 404 || !/json/i.test(res.headers.get('content-type') ?? '')) return BUILTIN_CONFIG;
    if (!res.ok) throw new Error(`HTTP ${res.status}`);
    return parseWalletConfig(await res.json());
  } catch (err) {
    logger.log('warn', `glint.config.json not used (${errorMessage(err)}); using the built-in defaults`);
    return BUILTIN_CONFIG;
  } finally {
    clearTimeout(timer);
  }
}

async function start(): Promise<void> {
  logger.log('debug', 'start: worker running');
  // The config fetch goes out first: the throwaway key's EC work below overlaps its round-trip.
  const configLoaded = loadConfig();
  // Until a wallet is unlocked the node runs as a throwaway key (every page load a new node);
  // the wallet's node secret replaces it on unlock. The secret never leaves this worker.
  useIdentity(null);
  const config = await configLoaded;
  logger.log('debug', 'start: config loaded');
  pollIntervalMs = config.pollIntervalMs;
  const host = new WalletHost({
    // Every write to the wallet's IndexedDB goes through this: a full quota is told to the UI at once.
    backend: {
      ...browserWalletBackend,
      openStore: async (network) =>
        watchStorageFull(await browserWalletBackend.openStore(network), (full) => {
          if (full) logger.log('error', full.message);
          server.emit({ type: 'storage.full', message: full ? clip(full.message) : null });
        }),
    },
    config,
    ...(config.pollIntervalMs !== undefined ? { syncIntervalMs: config.pollIntervalMs } : {}),
    clock: browserClock,
    logger,
    onIdentity: (secret) => useIdentity(secret),
    // Each wallet transaction's role from the running node's channels (none without a node).
    txRoles: (history) => txRolesOf(history, runner.node?.channels()),
    onStatus: (status) => server.emit({ type: 'wallet.status', status }),
    onChanged: (snapshot) => {
      server.emit({ type: 'wallet.changed', wallet: snapshot });
      if (snapshot.sync.error === null) runner.retry();
    },
    onOpened: (w, chain) => {
      openWallet = w instanceof WalletService ? { wallet: w, engine: w, chain } : null;
      return runner.opened(w, chain);
    },
    onClosing: () => {
      openWallet = null;
      return runner.closing();
    },
    locks: webWalletLocks(),
    onElsewhere: (elsewhere) => {
      if (elsewhere) logger.log('warn', handingOver ? 'the wallet now runs in another tab' : 'another tab holds this wallet; not running it here');
      setElsewhere(elsewhere, handingOver);
    },
  });
  wallet = host;
  // A wallet that cannot open (IndexedDB unavailable, no engine) must not take the node down:
  // the peers keep working and every wallet call reports the reason.
  await host.start().catch((err: unknown) => logger.log('warn', `wallet unavailable: ${errorMessage(err)}`));
  logger.log('info', `node ${info.nodeId?.slice(0, 16)}… started (${config.network} by default)`);
}

start()
  .catch((err: unknown) => {
    info = { ...info, status: 'failed', error: errorMessage(err) };
    console.error('[glint] node failed to start', err);
  })
  .finally(() => server.ready(info));
