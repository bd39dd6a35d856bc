/**
 * The node worker: Glint's composition root in the browser.
 *
 *   1. start listening for RPC at once (the UI queues requests until `ready`);
 *   2. take the exclusive Web Lock 'glint-node' (a second tab reports `locked`);
 *   3. build the browser adapters (WebSocket dialer, clock, entropy, logger, IndexedDB, fetch)
 *      and read the defaults it is given (`/glint.config.json`: network, Esplora URLs);
 *   4. construct the engine's PeerManager and the wallet host and serve them over RPC, streaming
 *      their events.
 *
 * The node identity is the wallet's node secret while the wallet is unlocked; before a wallet
 * exists (or while it is locked) the PeerManager runs with a throwaway key, and it is recreated
 * whenever the identity changes.
 *
 * The engine is reached only through engine/index.ts; everything crossing to the UI is a plain DTO
 * from workers/rpc/protocol.ts.
 */
import { PeerManager, errorMessage, isValidSecretKey, parsePeerUri, type PeerEvent, type PeerInfo } from '../engine/index.ts';
import { webSocketDialer } from './adapters/ws-socket.ts';
import { browserClock } from './adapters/clock.ts';
import { browserEntropy } from './adapters/entropy.ts';
import { workerLogger } from './adapters/logger.ts';
import { acquireNodeLock } from './adapters/lock.ts';
import { RpcServer, UnavailableError, type RpcHandlers } from './rpc/server.ts';
import { PROTOCOL_VERSION, type NodeEvent, type NodeInfoDto, type PeerDto } from './rpc/protocol.ts';
import { BUILTIN_CONFIG, WalletHost, parseWalletConfig, type WalletConfig } from './wallet-host.ts';
import { browserWalletBackend } from './wallet-backend.ts';

declare const self: DedicatedWorkerGlobalScope;

let node: PeerManager | null = null;
let wallet: WalletHost | null = null;
let info: NodeInfoDto = { status: 'starting', nodeId: null, error: null, protocol: PROTOCOL_VERSION };

function unavailable(): UnavailableError {
  if (info.status === 'locked') return new UnavailableError('Glint is running in another tab; close it or use that tab');
  if (info.status === 'failed') return new UnavailableError(`the node did not start: ${info.error ?? 'unknown error'}`);
  return new UnavailableError('the node is still starting');
}

function requireNode(): PeerManager {
  if (node) return node;
  throw unavailable();
}

function requireWallet(): WalletHost {
  if (wallet && node) return wallet;
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

const handlers: RpcHandlers = {
  'node.info': () => info,
  'peers.list': () => requireNode().peers().map(peerDto),
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
      if (nodeId && !n.peers().some((p) => p.nodeId === nodeId)) n.disconnect(nodeId);
      throw err;
    }
  },
  'peers.disconnect': ({ nodeId }) => {
    requireNode().disconnect(nodeId);
    return null;
  },
  'peers.ping': async ({ nodeId }) => ({ rttMs: await requireNode().ping(nodeId) }),
  'wallet.status': () => requireWallet().status(),
  'settings.set': (p) => requireWallet().configure(p),
  'wallet.create': (p) => requireWallet().create(p),
  'wallet.unlock': (p) => requireWallet().unlock(p),
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
};

const server = new RpcServer(self, handlers);
const logger = workerLogger((level, message) => server.emit({ type: 'log', level, message, at: Date.now() }));

/** A fresh random node identity. */
function throwawayNodeSecret(): Uint8Array {
  for (;;) {
    const secret = browserEntropy.randomBytes(32);
    if (isValidSecretKey(secret)) return secret;
  }
}

/**
 * Run the PeerManager as `secret` (the wallet's node key), or as a throwaway key when null. The
 * old manager's peers are disconnected (their events still reach the UI) and the UI is told the
 * new node id.
 */
function useIdentity(secret: Uint8Array | null): void {
  const old = node;
  const manager = new PeerManager({
    nodeSecret: secret ?? throwawayNodeSecret(),
    // The DOM WebSocket's handler properties take concrete Event types, which TS will not accept
    // for WebSocketLike's `(ev: unknown) => void` handlers, though it is the API ws-socket.ts uses.
    dialer: webSocketDialer(WebSocket, browserClock.setTimer),
    clock: browserClock,
    entropy: browserEntropy,
    logger,
  });
  if (old && old.nodeId === manager.nodeId) {
    manager.close();
    return;
  }
  old?.close();
  unsubscribe?.();
  unsubscribe = manager.subscribe((e) => {
    const dto = eventDto(e);
    if (dto) server.emit(dto);
  });
  node = manager;
  info = { ...info, status: 'running', nodeId: manager.nodeId };
  if (old) {
    server.status(info);
    logger.log('info', `node identity is now ${manager.nodeId.slice(0, 16)}… (${secret ? 'the wallet’s key' : 'a throwaway key until a wallet is unlocked'})`);
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
  const lock = await acquireNodeLock();
  if (!lock.held && lock.reason === 'locked') {
    info = { ...info, status: 'locked' };
    logger.log('warn', 'another tab holds the node lock; not starting here');
    return;
  }
  if (!lock.held) logger.log('warn', 'Web Locks are not available: cannot guard against a second running instance');

  // Until a wallet is unlocked the node runs as a throwaway key (every page load a new node);
  // the wallet's node secret replaces it on unlock. The secret never leaves this worker.
  useIdentity(null);
  const config = await loadConfig();
  const host = new WalletHost({
    backend: browserWalletBackend,
    config,
    clock: browserClock,
    logger,
    onIdentity: (secret) => useIdentity(secret),
    onStatus: (status) => server.emit({ type: 'wallet.status', status }),
    onChanged: (snapshot) => server.emit({ type: 'wallet.changed', wallet: snapshot }),
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
