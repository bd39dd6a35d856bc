/**
 * `commitment-dance`: update_fee round trips per second on one channel, on the real bcoin
 * regtest chain over loopback TCP.
 *   ours:      Glint funds a channel to an LDK node; one round trip = `ChannelManager.updateFee`
 *              → update_fee + commitment_signed → LDK revoke_and_ack + commitment_signed →
 *              Glint revoke_and_ack (each Glint step persisted to its encrypted store first).
 *   reference: an LDK node funds a channel to another LDK node; one round trip = the funder's
 *              fee estimate raised + `timer_tick_occurred` (the only way LDK sends update_fee)
 *              → the same four messages.
 * A round trip ends when the fundee (LDK in both cases) lists the new feerate in its
 * ChannelDetails, i.e. once it has the funder's final revoke_and_ack. The feerate rises by 1
 * sat/kw each time (LDK only sends update_fee on a raise or a halving). The two alternate so
 * machine load affects both alike. Completion is polled every 1 ms for both (same bias).
 * LDK's "persistence" here is in memory (the playground Persist keeps serialized monitors in a
 * Map); Glint's is an EncryptedStore over a MemoryKVStore (AEAD per record, no disk either).
 */
import { performance } from 'node:perf_hooks';
import type { Event, Event_FundingGenerationReady } from 'lightningdevkit';
import { RegtestWallet } from '../playground/chain/index.ts';
import type { LdkNode } from '../playground/ldk/node.ts';
import { type World, glintNode, ldkFeerate, ldkPeer, ldkUsable, openGlintToLdk, startWorld, stopWorld } from '../test/harness/glint-ldk.ts';
import { bytesToHex } from '../engine/index.ts';
import { result, type BenchResult } from './lib.ts';

const ITERATIONS = 60;
const WARMUP = 5;

async function until(check: () => boolean, what: string, timeoutMs = 20_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!check()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 1));
  }
}

/** LDK `a` funds a channel to LDK `b` (connected, mined, usable on both); returns the channel id (hex). */
async function openLdkToLdk(w: World, a: LdkNode, b: LdkNode, bPort: number): Promise<string> {
  const ldk = w.ldk;
  await a.connect(b.nodeId, '127.0.0.1', bPort);
  await b.waitForPeer(a.nodeIdHex);
  const funder = RegtestWallet.fromSeed('commitment-dance ldk funder');
  const coin = await w.chain.faucet(funder.script, 1_000_000);
  const ready = a.waitForEvent((e: Event): e is Event_FundingGenerationReady => e instanceof ldk.Event_FundingGenerationReady, 20_000);
  const created = a.run(() => a.channelManager.create_channel(b.nodeId, 100_000n, 0n, 1n, null, null));
  if (!(created instanceof ldk.Result_ChannelIdAPIErrorZ_OK)) throw new Error('LDK create_channel failed');
  const r = await ready;
  const funding = funder.pay({ inputs: [{ txid: coin.txid, vout: coin.vout, value: 1_000_000 }], outputs: [{ script: r.output_script, value: Number(r.channel_value_satoshis) }] });
  const res = a.run(() => a.channelManager.funding_transaction_generated(r.temporary_channel_id, r.counterparty_node_id, funding.raw));
  if (!(res instanceof ldk.Result_NoneAPIErrorZ_OK)) throw new Error('LDK funding_transaction_generated failed');
  await until(() => w.chain.mempoolTxids().includes(funding.txid), 'the LDK funding tx in the mempool');
  await w.chain.mine(1);
  const id = bytesToHex(r.temporary_channel_id.get_a());
  await until(() => b.channelManager.list_usable_channels().length > 0 && a.channelManager.list_usable_channels().length > 0, 'the LDK↔LDK channel usable');
  const chan = b.channelManager.list_usable_channels()[0]!;
  return id === bytesToHex(chan.get_channel_id().get_a()) ? id : bytesToHex(chan.get_channel_id().get_a());
}

function median(xs: number[]): number {
  const s = [...xs].sort((x, y) => x - y);
  const mid = s.length >> 1;
  return s.length % 2 ? s[mid]! : (s[mid - 1]! + s[mid]!) / 2;
}

export async function run(): Promise<BenchResult[]> {
  const w = await startWorld();
  try {
    // Glint → LDK.
    const glintPeer = await ldkPeer(w, 'bench-dance-fundee-1');
    const g = await glintNode(w, { fundSat: 1_000_000, minimumDepth: 1 });
    const ours = await openGlintToLdk(w, g, glintPeer, 'static_remotekey');
    // LDK → LDK (the funder needs a fee estimate it can raise; start at LDK's 253 too).
    const ldkFunder = await ldkPeer(w, 'bench-dance-funder');
    const ldkFundee = await ldkPeer(w, 'bench-dance-fundee-2');
    const theirsId = await openLdkToLdk(w, ldkFunder.node, ldkFundee.node, ldkFundee.port);
    if (!ldkUsable(glintPeer.node, ours.channelId)) throw new Error('Glint channel not usable');

    let oursRate = 300;
    let theirsRate = 300;
    const oneOurs = async (): Promise<number> => {
      const rate = oursRate++;
      const t0 = performance.now();
      await g.channels.updateFee(ours.channelId, rate);
      await until(() => ldkFeerate(w.ldk, glintPeer.node, ours.channelId) === rate, `LDK sees Glint's feerate ${rate}`);
      return performance.now() - t0;
    };
    const oneTheirs = async (): Promise<number> => {
      const rate = theirsRate++;
      const t0 = performance.now();
      ldkFunder.node.setFeerate(rate);
      await until(() => ldkFeerate(w.ldk, ldkFundee.node, theirsId) === rate, `LDK fundee sees feerate ${rate}`);
      return performance.now() - t0;
    };
    for (let i = 0; i < WARMUP; i++) {
      await oneOurs();
      await oneTheirs();
    }
    const a: number[] = [];
    const b: number[] = [];
    for (let i = 0; i < ITERATIONS; i++) {
      a.push(await oneOurs());
      b.push(await oneTheirs());
    }
    const oursPerSec = 1000 / median(a);
    const theirsPerSec = 1000 / median(b);
    console.log(
      `commitment-dance: median round trip Glint→LDK ${median(a).toFixed(2)} ms, LDK→LDK ${median(b).toFixed(2)} ms over ${ITERATIONS} each ` +
        `(LDK driven by setFeerate + ChannelManager.timer_tick_occurred; completion polled every 1 ms for both)`,
    );
    return [result('commitment-dance (update_fee round trips, Glint funder vs LDK funder, LDK fundee)', 'round trips/s', oursPerSec, theirsPerSec, 'LDK↔LDK')];
  } finally {
    await stopWorld(w);
  }
}
