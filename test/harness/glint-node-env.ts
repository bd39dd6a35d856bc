/**
 * The world of the `GlintNode` interop tests: a real bcoin regtest chain, its Esplora server and
 * one LDK node listening on loopback, made in `beforeAll` and stopped in `afterAll` of the calling
 * test file. Read the fields inside tests (they are set once `beforeAll` has run).
 */
import { afterAll, beforeAll } from 'vitest';
import { EsploraClient, type FetchLike } from '../../engine/index.ts';
import { nodeClock, nodeEntropy } from '../../cli/adapters/clock.ts';
import { RegtestChain, createLdkNodeAtTip, startEsplora, type EsploraServer, type LdkFeed } from '../../playground/chain/index.ts';
import type { LdkNode } from '../../playground/ldk/node.ts';

/** Cheap scrypt for wallets these tests make (the real cost is tested where it matters). */
export const TEST_SCRYPT = { log2N: 10, r: 8, p: 1 };

const nodeFetch: FetchLike = (url, init) => fetch(url, init as RequestInit);

export interface GlintNodeEnv {
  readonly chain: RegtestChain;
  readonly esplora: EsploraServer;
  readonly peer: { readonly node: LdkNode; readonly feed: LdkFeed; readonly port: number };
  /** A fresh Esplora client of the regtest server. */
  client(): EsploraClient;
  /** Poll `check` every 20 ms; on timeout the error carries the LDK log's tail. */
  until(check: () => boolean, what: string, timeoutMs?: number): Promise<void>;
}

/** Register the hooks that make and stop the world; `alias` names the LDK node in its logs. */
export function useGlintNodeEnv(alias: string): GlintNodeEnv {
  let chain: RegtestChain | undefined;
  let esplora: EsploraServer | undefined;
  let peer: GlintNodeEnv['peer'] | undefined;
  const ready = <T>(v: T | undefined, what: string): T => {
    if (v === undefined) throw new Error(`${what} is made in beforeAll: read it inside a test`);
    return v;
  };

  beforeAll(async () => {
    chain = await RegtestChain.create();
    esplora = await startEsplora(chain, { port: 0 });
    const ldk = await createLdkNodeAtTip(chain, { alias, config: { minimumDepth: 1 } });
    peer = { ...ldk, port: await ldk.node.listen() };
  }, 60_000);

  afterAll(async () => {
    peer?.feed.detach();
    await peer?.node.stop();
    await esplora?.close();
    await chain?.close();
  });

  const env: GlintNodeEnv = {
    get chain() {
      return ready(chain, 'chain');
    },
    get esplora() {
      return ready(esplora, 'esplora');
    },
    get peer() {
      return ready(peer, 'peer');
    },
    client: () => new EsploraClient({ baseUrl: env.esplora.url, fetch: nodeFetch, clock: nodeClock, entropy: nodeEntropy, abort: () => new AbortController(), timeoutMs: 10_000, network: 'regtest' }),
    async until(check, what, timeoutMs = 20_000) {
      const deadline = Date.now() + timeoutMs;
      while (!check()) {
        if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}\nLDK log tail:\n${env.peer.node.logs.slice(-10).join('\n')}`);
        await new Promise((r) => setTimeout(r, 20));
      }
    },
  };
  return env;
}
