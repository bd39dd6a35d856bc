/**
 * `channel-open`: ms from the open command to channel_ready exchanged both ways, with the
 * funding confirmed by one block mined the moment the funding tx reaches the mempool (the
 * acceptor asks for minimum_depth 1). Everything is real: bcoin regtest chain, Esplora over
 * HTTP, TCP, LDK WASM.
 *
 *   ours:      Glint's ChannelManager (funder: wallet coin selection + signing, persistence barrier,
 *              broadcast through Esplora, then its onTip: tip + merkle proof + header + tx over
 *              Esplora) → an LDK acceptor.
 *   reference: an LDK funder (funding tx built by the harness's RegtestWallet from one coin, blocks
 *              pushed to it by the chain feed) → the same LDK acceptor.
 *
 * Iterations alternate between the two. Each also reports where its time goes (the open up to
 * the funding tx in the mempool, and the block up to channel_ready), logged on stderr.
 * Target: ratio (ours / LDK) ≤ 1.0.
 */
import { performance } from 'node:perf_hooks';
import type { Event, Event_ChannelReady, Event_FundingGenerationReady } from 'lightningdevkit';
import { RegtestChain, RegtestWallet, createLdkNodeAtTip, startEsplora } from '../playground/chain/index.ts';
import { glintNode, type Glint } from '../test/harness/glint-ldk.ts';
import { result, type BenchResult } from './lib.ts';

const ITERATIONS = 10;
const WARMUP = 2;
const FUNDING_SAT = 100_000;

function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  const mid = s.length >> 1;
  return s.length % 2 ? s[mid]! : (s[mid - 1]! + s[mid]!) / 2;
}

/** Poll with a 1 ms period (the harness's 20 ms `until` would blur the figures). */
async function waitFor(check: () => boolean, what: string, timeoutMs = 30_000): Promise<void> {
  const deadline = performance.now() + timeoutMs;
  while (!check()) {
    if (performance.now() > deadline) throw new Error(`channel-open bench: timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 1));
  }
}

interface Sample {
  total: number;
  toMempool: number;
  toReady: number;
}

export async function run(): Promise<BenchResult[]> {
  const chain = await RegtestChain.create();
  const esplora = await startEsplora(chain, { port: 0 });
  const acceptor = await createLdkNodeAtTip(chain, { alias: 'bench-acceptor', config: { minimumDepth: 1 } });
  const funder = await createLdkNodeAtTip(chain, { alias: 'bench-ldk-funder' });
  const ldk = acceptor.node.ldk;
  const glints: Glint[] = [];
  try {
    const port = await acceptor.node.listen();
    const total = WARMUP + ITERATIONS;
    // Coins: one confirmed coin per open for each side.
    const g = await glintNode({ chain, esplora }, { minimumDepth: 1 }, glints);
    const wallet = RegtestWallet.fromSeed('bench channel-open ldk funder');
    const ldkCoins: { txid: string; vout: number; value: number }[] = [];
    for (let i = 0; i < total; i++) {
      await chain.faucet(await g.service.receiveAddress(), 1_000_000);
      const c = await chain.faucet(wallet.script, FUNDING_SAT + 1_000);
      ldkCoins.push({ txid: c.txid, vout: c.vout, value: FUNDING_SAT + 1_000 });
    }
    await chain.mine(1);
    await g.service.sync();
    await g.channels.onTip();

    await g.peers.connect(`${acceptor.node.nodeIdHex}@127.0.0.1:${port}`);
    await acceptor.node.waitForPeer(g.peers.nodeId);
    await funder.node.connect(acceptor.node.nodeId, '127.0.0.1', port);

    const ours = async (): Promise<Sample> => {
      let ready = false;
      let localId = -1;
      const off = g.channels.subscribe((e) => {
        if (e.type === 'channel' && e.event.type === 'channel-ready' && e.channel.localId === localId) ready = true;
      });
      try {
        const t0 = performance.now();
        const opened = await g.channels.open(acceptor.node.nodeIdHex, { fundingSat: BigInt(FUNDING_SAT), channelType: 'static_remotekey' });
        localId = opened.localId;
        let txid: string | undefined;
        await waitFor(() => {
          txid ??= g.channels.byLocalId(localId)?.fundingTxid;
          return txid !== undefined && g.channels.byLocalId(localId)?.state === 'wait-for-funding-confirmed' && chain.mempoolTxids().includes(txid);
        }, 'Glint funding tx in the mempool');
        const t1 = performance.now();
        await chain.mine(1);
        await g.channels.onTip();
        await waitFor(() => ready, 'Glint channel_ready both ways');
        const t2 = performance.now();
        // The wallet learns the confirmed change for the next open (outside the timing).
        await g.service.sync();
        return { total: t2 - t0, toMempool: t1 - t0, toReady: t2 - t1 };
      } finally {
        off();
      }
    };

    const theirs = async (i: number): Promise<Sample> => {
      const coin = ldkCoins[i]!;
      const node = funder.node;
      let channelId: string | undefined;
      let ready = false;
      const off = node.onEvent((e: Event) => {
        if (e instanceof ldk.Event_ChannelReady && Buffer.from((e as Event_ChannelReady).channel_id.get_a()).toString('hex') === channelId) ready = true;
      });
      try {
        const t0 = performance.now();
        const generated = node.waitForEvent((e: Event): e is Event_FundingGenerationReady => e instanceof ldk.Event_FundingGenerationReady, 30_000);
        node.run(() => node.channelManager.create_channel(acceptor.node.nodeId, BigInt(FUNDING_SAT), 0n, BigInt(i), null, null));
        const req = await generated;
        const funding = wallet.pay({ inputs: [coin], outputs: [{ script: req.output_script, value: Number(req.channel_value_satoshis) }] });
        node.run(() => node.channelManager.funding_transaction_generated(req.temporary_channel_id, req.counterparty_node_id, funding.raw));
        const details = node.channelManager.list_channels().find((d) => {
          const txo = d.get_funding_txo();
          return txo !== null && Buffer.from(txo.get_txid()).reverse().toString('hex') === funding.txid;
        });
        channelId = details ? Buffer.from(details.get_channel_id().get_a()).toString('hex') : undefined;
        await waitFor(() => chain.mempoolTxids().includes(funding.txid), 'LDK funding tx in the mempool');
        const t1 = performance.now();
        await chain.mine(1);
        await waitFor(() => ready, 'LDK ChannelReady');
        const t2 = performance.now();
        return { total: t2 - t0, toMempool: t1 - t0, toReady: t2 - t1 };
      } finally {
        off();
      }
    };

    const a: Sample[] = [];
    const b: Sample[] = [];
    for (let i = 0; i < total; i++) {
      const x = await ours();
      const y = await theirs(i);
      if (i >= WARMUP) {
        a.push(x);
        b.push(y);
      }
    }
    const m = (xs: Sample[], k: keyof Sample): string => median(xs.map((s) => s[k])).toFixed(1);
    console.error(
      `channel-open: glint ${m(a, 'total')} ms = ${m(a, 'toMempool')} open→mempool + ${m(a, 'toReady')} block→channel_ready; ` +
        `ldk ${m(b, 'total')} ms = ${m(b, 'toMempool')} + ${m(b, 'toReady')} (medians of ${ITERATIONS})`,
    );
    return [result('channel-open', 'ms (median, lower is better)', median(a.map((s) => s.total)), median(b.map((s) => s.total)), 'ldk-funder')];
  } finally {
    for (const g of glints) {
      g.channels.stop();
      g.peers.close();
    }
    acceptor.feed.detach();
    funder.feed.detach();
    await Promise.all([acceptor.node.stop(), funder.node.stop()]);
    await esplora.close();
    await chain.close();
  }
}
