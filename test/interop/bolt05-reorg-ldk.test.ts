/**
 * BOLT 5 reorgs and restarts during an on-chain resolution, against a real LDK node on the real
 * bcoin regtest chain:
 *
 *   - LDK force-closes (static_remotekey); Glint sweeps its to_remote; the sweep confirms. Then a
 *     reorg takes both blocks (commitment and sweep) and mines an empty fork, and the mempool
 *     forgets both transactions. Glint sees the commitment leave the chain (`spend.reorged`,
 *     persisted), publishes the commitment (the bytes it had seen) and its sweep again, both
 *     confirm in the fork, the depth is counted from the new block, and the channel is closed
 *     only at depth 6 of the re-confirmed sweep. Glint's wallet gains exactly the channel
 *     balance minus the commitment fee (Glint funded) minus the sweep fee.
 *   - Both force-close; LDK's commitment confirms and Glint sweeps its to_remote; a reorg's fork
 *     confirms Glint's own commitment instead: Glint switches to it (the old sweep dropped), sweeps
 *     its to_local after LDK's to_self_delay, and again gets every sat back.
 *   - LDK pays Glint and force-closes with the HTLC in its commitment; Glint claims it with the
 *     preimage; before the claim confirms Glint restarts (wallet, peers, channels rebuilt from
 *     the store) and the mempool has lost the claim: the restarted node publishes the claim from
 *     its stored state, watches it again, and the channel closes once it is deep enough, the
 *     HTLC amount (minus the claim fee) in the wallet.
 *
 * Debug with `LDK_LOG=1` and `GLINT_LOG=1`.
 */
import { Transaction } from 'bitcoinjs-lib';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { bytesToHex, hexToBytes } from '../../engine/lib/bytes.ts';
import { decodeChannelState } from '../../engine/channel/codec.ts';
import type { ChannelState, ForceClosingState } from '../../engine/channel/types.ts';
import { forceCloseLdk, submitAll } from '../../playground/ldk/force-close.ts';
import {
  type Glint,
  channelOf,
  glintNode,
  ldkPaysAndForceCloses,
  ldkPeer,
  mine,
  openGlintToLdk,
  openLdkToGlint,
  restartGlint,
  startWorld,
  stopWorld,
  until,
  type World,
} from '../harness/glint-ldk.ts';

let w: World;

beforeAll(async () => {
  w = await startWorld();
}, 60_000);

afterAll(async () => {
  await stopWorld(w);
});

async function saved(g: Glint, channelId: string): Promise<ChannelState> {
  await g.channels.idle();
  const bytes = await g.store.get(`channel/${channelId}`);
  if (!bytes) throw new Error('no record');
  return decodeChannelState(bytes);
}

/** The to_remote sweep `g` built and persisted (static_remotekey: at once). */
async function sweepOf(g: Glint, channelId: string): Promise<Uint8Array> {
  for (let i = 0; i < 100; i++) {
    const s = await saved(g, channelId);
    if (s.type === 'force-closing' && s.spend?.sweepTx) return s.spend.sweepTx;
    await new Promise((r) => setTimeout(r, 50));
  }
  throw new Error('no sweep built');
}

/** The next block(s) seen by `g`, and its batches carried out. */
async function step(g: Glint, n = 1, empty = false): Promise<void> {
  if (empty) {
    await w.chain.mineEmpty(n);
    await g.channels.onTip();
  } else await mine(w, g, n);
  await g.channels.idle();
}

/** Empty blocks, one at a time, until every txid is back in the mempool (Glint re-publishes on each new tip). */
async function untilRepublished(g: Glint, txids: readonly string[]): Promise<void> {
  const back = () => txids.every((t) => w.chain.mempoolTxids().includes(t));
  for (let i = 0; i < 4 && !back(); i++) {
    await step(g, 1, true);
    await until(back, 're-published', 3_000).catch(() => undefined);
  }
  expect(txids.filter((t) => !w.chain.mempoolTxids().includes(t))).toEqual([]);
}

/** The wallet's confirmed coins, synced. */
async function confirmedSat(g: Glint): Promise<bigint> {
  await g.watch.sync();
  return g.watch.utxos().reduce((s, u) => (u.status.confirmed ? s + u.valueSat : s), 0n);
}

const displayTxid = (hash: Uint8Array): string => bytesToHex(Uint8Array.from(hash).reverse());
const blockOf = (txid: string) => w.chain.index.tx(txid)?.block;

const FUNDING_SAT = 100_000n;

/**
 * Glint opens a static_remotekey channel of FUNDING_SAT to a new LDK node `alias`, goes offline,
 * and LDK force-closes: its commitment is in the mempool, not mined. `localSat` is Glint's
 * balance then, `walletBefore` its confirmed wallet.
 */
async function ldkClosesWhileOffline(alias: string) {
  const peer = await ldkPeer(w, alias);
  const g = await glintNode(w, { minimumDepth: 1, fundSat: 300_000, sweepToWallet: true });
  await mine(w, g, 1);
  const ch = await openGlintToLdk(w, g, peer, 'static_remotekey', FUNDING_SAT);
  const localSat = ch.localMsat / 1000n;
  const walletBefore = await confirmedSat(g);
  g.peers.disconnect(peer.node.nodeIdHex);
  await until(() => g.peers.peers().length === 0, 'disconnected');
  const close = await forceCloseLdk(peer.node, ch.channelId, hexToBytes(g.peers.nodeId));
  await peer.feed.flush();
  if (!w.chain.mempoolTxids().includes(close.commitmentTxid)) await submitAll(w.chain, [close.commitmentTx]);
  return { peer, g, ch, localSat, walletBefore, close };
}

/** `commitment` (Glint funded: the fee is Glint's) paid Glint `localSat` − fee; `sweep` claimed it; the wallet holds exactly that minus the sweep fee. */
async function expectEverySatBack(g: Glint, commitment: Transaction, sweep: Transaction, localSat: bigint, walletBefore: bigint): Promise<void> {
  const commitmentFee = FUNDING_SAT - commitment.outs.reduce((s, o) => s + o.value, 0n);
  const ours = commitment.outs[sweep.ins[0]!.index]!;
  const sweepFee = ours.value - sweep.outs[0]!.value;
  expect(ours.value).toBe(localSat - commitmentFee);
  expect(sweepFee).toBeGreaterThan(0n);
  expect(sweepFee).toBeLessThan(1_000n);
  expect(await confirmedSat(g)).toBe(walletBefore + localSat - commitmentFee - sweepFee);
}

describe('BOLT 5: a reorg of the close (LDK peer, bcoin chain)', () => {
  test("static_remotekey: LDK's commitment and Glint's sweep reorged out and lost from the mempool → Glint re-publishes both, they re-confirm, closed at depth 6, every sat back", async () => {
    // Glint is offline when LDK force-closes: only LDK's commitment is published.
    const { g, ch, localSat, walletBefore, close } = await ldkClosesWhileOffline('ldk-reorg');
    const commitment = Transaction.fromBuffer(Buffer.from(close.commitmentTx));

    await step(g);
    await until(() => channelOf(g, ch.localId).state === 'force-closing', 'force-closing on Glint');
    const first = (await saved(g, ch.channelId)) as ForceClosingState;
    expect(first.spend).toMatchObject({ commitment: 'remote-current', blockHeight: w.chain.height });
    const sweepRaw = await sweepOf(g, ch.channelId);
    const sweep = Transaction.fromBuffer(sweepRaw);
    const sweepTxid = sweep.getId();
    await until(() => w.chain.mempoolTxids().includes(sweepTxid), 'the sweep in the mempool');
    await step(g);
    const oldBlock = blockOf(sweepTxid)!;
    expect(blockOf(close.commitmentTxid)!.height).toBe(oldBlock.height - 1);

    // The reorg: both blocks go, the fork (3 blocks) is empty; then the mempool forgets both.
    const { disconnected } = await w.chain.reorg({ depth: 2, empty: true });
    expect(disconnected).toHaveLength(2);
    expect(blockOf(close.commitmentTxid)).toBeUndefined();
    await g.channels.onTip();
    await g.channels.idle();
    const reorged = (await saved(g, ch.channelId)) as ForceClosingState;
    expect(reorged.type).toBe('force-closing');
    expect(reorged.spend?.reorged).toBe(true);
    expect(reorged.spend?.sweepTx).toEqual(sweepRaw); // the claim is kept, not rebuilt
    const evicted = await w.chain.evict([close.commitmentTxid, sweepTxid]);
    expect(evicted.sort()).toEqual([close.commitmentTxid, sweepTxid].sort());

    await untilRepublished(g, [close.commitmentTxid, sweepTxid]);
    await step(g);
    const newBlock = blockOf(sweepTxid)!;
    expect(newBlock.hash).not.toBe(oldBlock.hash);
    expect(blockOf(close.commitmentTxid)!.height).toBe(newBlock.height);
    const back = (await saved(g, ch.channelId)) as ForceClosingState;
    expect(back.spend?.reorged).toBeUndefined();
    expect(back.spend?.blockHeight).toBe(newBlock.height);

    // Counted from the new block: not closed at depth 5, closed at 6.
    await step(g, 4);
    expect(channelOf(g, ch.localId).state).toBe('force-closing');
    await step(g, 1);
    await until(() => channelOf(g, ch.localId).state === 'closed', 'closed');

    // To the sat: Glint funded, so the commitment fee is its; then the sweep's fee.
    await expectEverySatBack(g, commitment, sweep, localSat, walletBefore);
    expect(bytesToHex(sweep.outs[0]!.script)).toBe(bytesToHex(g.sweepTo!));
  }, 240_000);
});

describe('BOLT 5: a different commitment in the fork (LDK peer, bcoin chain)', () => {
  test("static_remotekey: LDK's commitment confirms and Glint sweeps it; the fork confirms Glint's own commitment instead → Glint switches to it, drops the old sweep, sweeps to_local after to_self_delay, every sat back", async () => {
    // Both force-close while apart: LDK's commitment reaches the mempool first, Glint's is refused there (a conflict) but signed and stored.
    const { g, ch, localSat, walletBefore, close } = await ldkClosesWhileOffline('ldk-fork');
    const { closingTxid: ourTxid } = await g.channels.close(ch.channelId, { force: true });
    const ours = ((await saved(g, ch.channelId)) as ForceClosingState).commitmentTx!;
    expect(Transaction.fromBuffer(ours).getId()).toBe(ourTxid);
    expect(w.chain.mempoolTxids()).not.toContain(ourTxid);

    await step(g);
    const oldSweep = Transaction.fromBuffer(await sweepOf(g, ch.channelId));
    expect(displayTxid(oldSweep.ins[0]!.hash)).toBe(close.commitmentTxid);
    await until(() => w.chain.mempoolTxids().includes(oldSweep.getId()), 'the sweep of their commitment in the mempool');
    await step(g);
    expect(blockOf(oldSweep.getId())).toBeDefined();

    // The fork: its first block holds our commitment; theirs and the sweep on it can never confirm.
    await w.chain.reorg({ depth: 2, txs: [ours] });
    expect(blockOf(ourTxid)).toBeDefined();
    expect(blockOf(close.commitmentTxid)).toBeUndefined();
    const forkHeight = blockOf(ourTxid)!.height;
    await g.channels.onTip();
    await g.channels.idle();
    const switched = (await saved(g, ch.channelId)) as ForceClosingState;
    expect(switched.spend).toMatchObject({ commitment: 'local', blockHeight: forkHeight });
    expect(switched.spend?.sweepTx).toBeUndefined();

    // to_local after the peer's to_self_delay (144), then closed at depth 6.
    const delay = switched.commitments.remoteParams.toSelfDelay;
    await step(g, forkHeight + delay - 1 - w.chain.height);
    const sweep = Transaction.fromBuffer(await sweepOf(g, ch.channelId));
    expect(displayTxid(sweep.ins[0]!.hash)).toBe(ourTxid);
    expect(sweep.ins[0]!.sequence).toBe(delay);
    await until(() => w.chain.mempoolTxids().includes(sweep.getId()), 'the to_local sweep in the mempool');
    await step(g);
    await step(g, 5);
    await until(() => channelOf(g, ch.localId).state === 'closed', 'closed');

    await expectEverySatBack(g, Transaction.fromBuffer(ours), sweep, localSat, walletBefore);
  }, 240_000);
});

describe('BOLT 5: a restart in the middle of a resolution (LDK peer, bcoin chain)', () => {
  test('static_remotekey: Glint claims an HTLC of LDK’s commitment with the preimage, restarts before it confirms, the mempool lost it → re-published from the store, confirmed, closed', async () => {
    const payer = await ldkPeer(w, 'ldk-restart-payer', { config: { maxInboundHtlcValueInFlightPercent: 100 } });
    const g = await glintNode(w, { minimumDepth: 1, fundSat: 50_000, sweepToWallet: true });
    await mine(w, g, 1);
    const ch = await openLdkToGlint(w, g, payer, { fundingSat: 200_000n, pushMsat: 0n, seed: 'ldk-restart-payer vs glint' });
    const amountMsat = 25_000_000n;
    const { close, commitment, htlcVout } = await ldkPaysAndForceCloses(w, g, payer, ch.channelId, amountMsat);
    await g.channels.idle();
    await step(g);
    await until(() => channelOf(g, ch.localId).state === 'force-closing', 'force-closing on Glint');

    const claimTxidOf = async (): Promise<string | undefined> => {
      const s = await g.client.outSpend(close.commitmentTxid, htlcVout);
      return s.spent ? s.txid : undefined;
    };
    let claimTxid: string | undefined;
    for (let i = 0; i < 50 && !claimTxid; i++) {
      claimTxid = await claimTxidOf();
      if (!claimTxid) await new Promise((r) => setTimeout(r, 100));
    }
    expect(claimTxid).toBeDefined();
    expect(blockOf(claimTxid!)).toBeUndefined(); // broadcast, not mined
    const state = (await saved(g, ch.channelId)) as ForceClosingState;
    expect(state.htlcClaims?.map((p) => p.claimTx && Transaction.fromBuffer(p.claimTx).getId())).toContain(claimTxid);
    const walletBefore = await confirmedSat(g);

    // Restart, and the mempool forgets the claim meanwhile.
    const g2 = await restartGlint(w, g);
    expect(await w.chain.evict([claimTxid!])).toEqual([claimTxid]);
    expect(channelOf(g2, ch.localId).state).toBe('force-closing');
    await untilRepublished(g2, [claimTxid!]);
    await step(g2);
    expect(blockOf(claimTxid!)).toBeDefined();

    // Watched again from the store: resolved once 6 deep, then closed.
    await step(g2, 5);
    await until(() => channelOf(g2, ch.localId).state === 'closed', 'closed after the restart');
    const claim = Transaction.fromBuffer(Buffer.from(w.chain.index.tx(claimTxid!)!.raw));
    expect(displayTxid(claim.ins[0]!.hash)).toBe(close.commitmentTxid);
    const claimFee = commitment.outs[htlcVout]!.value - claim.outs.reduce((s, o) => s + o.value, 0n);
    expect(claimFee).toBeGreaterThan(0n);
    expect(claimFee).toBeLessThan(1_000n);
    expect(await confirmedSat(g2)).toBe(walletBefore + amountMsat / 1000n - claimFee);
  }, 240_000);
});
