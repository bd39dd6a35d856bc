/**
 * `glint connect <pubkey>@<host>:<port> [--proxy <url>]`: dial a peer, complete BOLT 8 and `init`,
 * ping it once, and report `{ peer, features, pingMs }`.
 */
import { chainHash, PeerManager, type FeatureSupport, type Logger, type NetworkName } from '../engine/index.ts';
import { nodeClock, nodeEntropy } from './adapters/clock.ts';
import { nodeDialer } from './adapters/tcp-socket.ts';

export interface ConnectResult {
  readonly peer: string;
  readonly features: Record<string, FeatureSupport>;
  readonly pingMs: number;
}

export interface ConnectOptions {
  readonly uri: string;
  readonly proxy?: string | undefined;
  readonly network: NetworkName;
  /** The node identity; a throwaway key when the data dir holds no wallet. */
  readonly nodeSecret: Uint8Array;
  readonly logger?: Logger;
  readonly timeoutMs?: number;
}

/** Connect, ping once, disconnect. Rejects with a one-line reason. */
export async function connectAndPing(opts: ConnectOptions): Promise<ConnectResult> {
  const pm = new PeerManager({
    nodeSecret: opts.nodeSecret,
    dialer: nodeDialer,
    clock: nodeClock,
    entropy: nodeEntropy,
    ...(opts.logger ? { logger: opts.logger } : {}),
    session: { pingIntervalMs: 0, chainHashes: [chainHash(opts.network)] },
    dialTimeoutMs: opts.timeoutMs ?? 10_000,
  });
  try {
    const info = await pm.connect(opts.uri, opts.proxy !== undefined ? { proxy: opts.proxy } : {});
    const pingMs = await withTimeout(pm.ping(info.nodeId), opts.timeoutMs ?? 10_000, 'peer did not answer our ping');
    return { peer: info.nodeId, features: info.features, pingMs };
  } finally {
    pm.close();
  }
}

function withTimeout<T>(p: Promise<T>, ms: number, reason: string): Promise<T> {
  return new Promise((resolve, reject) => {
    const t = setTimeout(() => reject(new Error(`${reason} within ${ms} ms`)), ms);
    p.then(
      (v) => {
        clearTimeout(t);
        resolve(v);
      },
      (e: unknown) => {
        clearTimeout(t);
        reject(e instanceof Error ? e : new Error(String(e)));
      },
    );
  });
}
