/**
 * The node worker: Glint's composition root in the browser.
 *
 *   1. start listening for RPC at once (the UI queues requests until `ready`);
 *   2. take the exclusive Web Lock 'glint-node' (a second tab reports `locked`);
 *   3. build the browser adapters (WebSocket dialer, clock, entropy, logger);
 *   4. construct the engine's PeerManager and serve it over RPC, streaming its events.
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

declare const self: DedicatedWorkerGlobalScope;

let node: PeerManager | null = null;
let info: NodeInfoDto = { status: 'starting', nodeId: null, error: null, protocol: PROTOCOL_VERSION };

function requireNode(): PeerManager {
  if (node) return node;
  if (info.status === 'locked') throw new UnavailableError('Glint is running in another tab; close it or use that tab');
  if (info.status === 'failed') throw new UnavailableError(`the node did not start: ${info.error ?? 'unknown error'}`);
  throw new UnavailableError('the node is still starting');
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
      return { type: 'peer.remote-error', nodeId: e.nodeId, kind: e.kind, text: e.text };
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

async function start(): Promise<void> {
  const lock = await acquireNodeLock();
  if (!lock.held && lock.reason === 'locked') {
    info = { ...info, status: 'locked' };
    logger.log('warn', 'another tab holds the node lock; not starting here');
    return;
  }
  if (!lock.held) logger.log('warn', 'Web Locks are not available: cannot guard against a second running instance');

  // TODO(wallet): the node identity is a throwaway random key for now, so every page load is a
  // new node. It will be derived from the wallet seed (BIP32, engine/keys) once the encrypted
  // store and onboarding land; the secret never leaves this worker either way.
  const nodeSecret = throwawayNodeSecret();
  const manager = new PeerManager({
    nodeSecret,
    // The DOM WebSocket's handler properties take concrete Event types, which TS will not accept
    // for WebSocketLike's `(ev: unknown) => void` handlers, though it is the API ws-socket.ts uses.
    dialer: webSocketDialer(WebSocket, browserClock.setTimer),
    clock: browserClock,
    entropy: browserEntropy,
    logger,
  });
  manager.subscribe((e) => {
    const dto = eventDto(e);
    if (dto) server.emit(dto);
  });
  node = manager;
  info = { ...info, status: 'running', nodeId: manager.nodeId };
  logger.log('info', `node ${manager.nodeId.slice(0, 16)}… started`);
}

start()
  .catch((err: unknown) => {
    info = { ...info, status: 'failed', error: errorMessage(err) };
    console.error('[glint] node failed to start', err);
  })
  .finally(() => server.ready(info));
