/**
 * `restart-to-ready` (issue 7, Benchmarks): ms from process start after a crash to the channel
 * usable again (reestablished on both sides; a payment is then sent over it to prove it, untimed),
 * on loopback TCP and the bcoin regtest chain, with one channel.
 *
 *   ours:      a Glint process (test/harness/crash-env.ts) is killed, then a new GlintNode starts
 *              over the same store: unlock the encrypted store (the harness's scrypt parameters,
 *              log2N 10), sync the wallet from Esplora, load the channel, redial the peer from the
 *              address book, channel_reestablish — until the channel is usable on Glint and on
 *              the LDK peer Y;
 *   reference: an LDK node X with a channel to the same Y is stopped, then a new LdkNode is built
 *              from X's persisted state (the serialized ChannelManager and ChannelMonitors, same
 *              seed), fed the chain, and connects to Y — until the channel is usable on both.
 *
 * Median of ITERATIONS restarts each, alternating. Lower is better; ratio = ours / LDK.
 */
import { performance } from 'node:perf_hooks';
import { randomBytes } from 'node:crypto';
import { attachLdk, createLdkNodeAtTip } from '../playground/chain/index.ts';
import { LdkNode } from '../playground/ldk/node.ts';
import { bootGlint, type GlintProcess } from '../test/harness/crash-env.ts';
import { glintChannels, usable, waitFor } from '../test/harness/crash-flows.ts';
import { ldkPeer, ldkUsable, openLdkToLdk, startWorld, stopWorld, type LdkPeer } from '../test/harness/glint-ldk.ts';
import { median } from './payment-latency.ts';
import { result, type BenchResult } from './lib.ts';

const ITERATIONS = 5;
const PAYMENT_MSAT = 10_000n;
/** As `ldkPeer` makes its nodes. */
const LDK_CONFIG = { minimumDepth: 1 };

export async function run(): Promise<BenchResult[]> {
  const w = await startWorld();
  try {
    const y = await ldkPeer(w, 'bench-restart-y');
    const [ctx] = await glintChannels(w, y, 1);
    // The LDK node that restarts: its seed is kept (a restart needs the same keys).
    const seed = new Uint8Array(randomBytes(32));
    const made = await createLdkNodeAtTip(w.chain, { alias: 'bench-restart-x', seed, config: LDK_CONFIG });
    const first: LdkPeer = { ...made, port: await made.node.listen() };
    w.ldks.push(first);
    const ldkChannel = await openLdkToLdk(w, first, y, { fundingSat: 500_000n, seed: 'bench restart ldk x' });
    let x: LdkPeer = first;

    const glintTimes: number[] = [];
    const ldkTimes: number[] = [];
    // The process that opened the channel is the first to be killed.
    let p: GlintProcess = ctx!.live!;
    await usable(p, ctx!);
    for (let i = 0; i < ITERATIONS; i++) {
      // Glint: the process dies; a new one starts over the same store.
      p.process.kill();
      await y.node.waitForNoPeer(p.node.nodeId, 20_000);
      const t0 = performance.now();
      p = await bootGlint(w, ctx!.disk);
      await usable(p, ctx!);
      glintTimes.push(performance.now() - t0);
      const paid = await p.node.pay(y.node.createInvoice({ amountMsat: PAYMENT_MSAT, description: `restart ${i}` }));
      if (paid.status !== 'succeeded') throw new Error(`restart-to-ready: Glint could not pay after the restart (${paid.status}: ${paid.reason ?? ''})`);
      await y.node.waitForNoPendingHtlcs(20_000);

      // LDK: the node stops; a new one is built from what it persisted.
      const state = x.node.persistedState();
      x.feed.detach();
      await x.node.stop();
      await y.node.waitForNoPeer(x.node.nodeIdHex, 20_000);
      const t1 = performance.now();
      const node = await LdkNode.create({ seed, network: 'regtest', alias: `bench-restart-x${i + 1}`, config: LDK_CONFIG, restore: state });
      const feed = attachLdk(w.chain, node);
      x = { node, feed, port: 0 };
      w.ldks.push(x);
      await node.connect(y.node.nodeId, '127.0.0.1', y.port);
      await waitFor(() => ldkUsable(node, ldkChannel.channelId) && ldkUsable(y.node, ldkChannel.channelId), 'the LDK channel usable again');
      ldkTimes.push(performance.now() - t1);
      await node.payInvoice(y.node.createInvoice({ amountMsat: PAYMENT_MSAT, description: `ldk restart ${i}` }));
      await y.node.waitForNoPendingHtlcs(20_000);
    }
    await p.stop();
    const ours = median(glintTimes);
    const reference = median(ldkTimes);
    console.error(`restart-to-ready: glint ${glintTimes.map((t) => t.toFixed(0)).join(', ')} ms; ldk ${ldkTimes.map((t) => t.toFixed(0)).join(', ')} ms`);
    return [result('restart-to-ready', 'ms (median, lower is better)', ours, reference, 'ldk restarted from its persisted state')];
  } finally {
    await stopWorld(w);
  }
}
