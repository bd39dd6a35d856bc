/**
 * `esplora-requests-idle`: HTTP requests one sync tick costs while the chain tip stands still,
 * counted at the server. Public Esplora servers rate-limit at unpublished levels, so an idle
 * node must cost O(1): the target is exactly 1 (`GET /blocks/tip/hash`), with or without
 * watches. Ours: ChainMonitor (ChainSync + ChainWatcher over EsploraClient) against the
 * playground's regtest Esplora server over real HTTP when it is available, else the in-memory
 * electrs model. Reference: the target, 1 request/tick; ratio ours/target (1.00 is the goal).
 */
import { ChainMonitor, ChainSync, ChainWatcher, EsploraClient, type FetchLike } from '../engine/index.ts';
import { nodeClock } from '../cli/adapters/clock.ts';
import { BASE_URL, FakeEsplora, scriptFor } from '../test/harness/fake-esplora.ts';
import { result, type BenchResult } from './lib.ts';

const TICKS = 50;

interface Backend {
  readonly name: string;
  readonly baseUrl: string;
  readonly fetch: FetchLike;
  /** Requests the server has answered so far. */
  count(): number;
  /** Pay `n` outputs (confirmed), returning their txids, to have something to watch. */
  fund(n: number): Promise<string[]>;
  close(): Promise<void>;
}

async function regtestBackend(): Promise<Backend | undefined> {
  let mod: typeof import('../playground/chain/index.ts');
  try {
    mod = await import('../playground/chain/index.ts');
  } catch {
    return undefined;
  }
  const chain = await mod.RegtestChain.create();
  const server = await mod.startEsplora(chain, { port: 0 });
  return {
    name: 'regtest',
    baseUrl: server.url,
    fetch: (url, init) => fetch(url, init as RequestInit),
    count: () => server.requestCount,
    fund: async (n) => {
      const txids: string[] = [];
      for (let i = 0; i < n; i++) txids.push((await chain.faucet(scriptFor(`bench ${i}`), 10_000, { mine: false })).txid);
      await chain.mine(1);
      return txids;
    },
    close: async () => {
      await server.close();
      await chain.close();
    },
  };
}

export function fakeBackend(): Backend {
  const fake = new FakeEsplora();
  fake.chain.mine(20);
  return {
    name: 'in-memory electrs',
    baseUrl: BASE_URL,
    fetch: fake.fetch,
    count: () => fake.log.length,
    fund: async (n) => {
      const txids = Array.from({ length: n }, (_, i) => fake.chain.fund(scriptFor(`bench ${i}`), 10_000n).getId());
      fake.chain.mine(1);
      return txids;
    },
    close: async () => {},
  };
}

export async function measure(backend: Backend, watches: number): Promise<number> {
  const client = new EsploraClient({ baseUrl: backend.baseUrl, fetch: backend.fetch, clock: nodeClock });
  const watcher = new ChainWatcher({ source: client });
  const monitor = new ChainMonitor(new ChainSync({ source: client }), watcher);
  const txids = watches > 0 ? await backend.fund(watches) : [];
  txids.forEach((txid, i) => (i % 2 ? watcher.watchOutput(txid, 0) : watcher.watchTx(txid, 6)));
  await monitor.tick(); // bootstrap + first check of every watch
  const before = backend.count();
  for (let i = 0; i < TICKS; i++) await monitor.tick();
  return (backend.count() - before) / TICKS;
}

export async function run(): Promise<BenchResult[]> {
  const backend = (await regtestBackend()) ?? fakeBackend();
  try {
    const none = await measure(backend, 0);
    const many = await measure(backend, 20);
    return [
      result(`esplora idle tick, no watches (${backend.name})`, 'requests/tick', none, 1, 'target'),
      result(`esplora idle tick, 20 watches (${backend.name})`, 'requests/tick', many, 1, 'target'),
    ];
  } finally {
    await backend.close();
  }
}
