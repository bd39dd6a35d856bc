/**
 * BOLT 5 unilateral close against a real LDK node on the real bcoin regtest chain:
 *
 *   - Glint force-closes (ChannelManager.close with `force`): our latest commitment is persisted,
 *     then broadcast through Esplora and accepted by bcoin; once it is mined, Glint's funding
 *     watch sees the spend (proven by a merkle branch), waits LDK's `to_self_delay` (144 blocks,
 *     the least LDK accepts), then broadcasts the to_local sweep (nSequence 144), bcoin accepts and
 *     mines it, and the on-chain wallet finds the funds; 6 blocks later the channel is `closed`.
 *     Both channel types. With anchors and our estimate above the commitment's feerate, the anchor
 *     CPFP child (our anchor + a wallet coin) is accepted by bcoin alongside the commitment. The
 *     channel side restarts from its store midway (static_remotekey: before the delay ends;
 *     anchors: with the sweep unconfirmed) and carries on.
 *   - LDK force-closes (`force_close_broadcasting_latest_txn`) while Glint is offline: LDK's
 *     commitment is mined, Glint (still `normal`) sees the spend, recognises the peer's commitment,
 *     sweeps its to_remote (static_remotekey P2WPKH at once; anchors P2WSH with CSV 1) into the
 *     wallet. Both channel types.
 *
 * In the local tests LDK's own broadcasts are not relayed to the chain (it answers our `error`
 * with its commitment, which would race ours: bcoin has no RBF); the remote tests relay them.
 * Debug with `LDK_LOG=1` and `GLINT_LOG=1`.
 */
import { Transaction } from 'bitcoinjs-lib';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import type { Event, Event_OpenChannelRequest } from 'lightningdevkit';
import { bytesToHex, hexToBytes } from '../../engine/index.ts';
import type { ChannelInfo } from '../../engine/node/channels.ts';
import { decodeChannelState } from '../../engine/channel/codec.ts';
import type { ForceClosingState } from '../../engine/channel/types.ts';
import { RegtestChain, createLdkNodeAtTip, startEsplora, type EsploraServer, type LdkFeed } from '../../playground/chain/index.ts';
import type { LdkNode } from '../../playground/ldk/node.ts';
import type { Ldk } from '../../playground/ldk/wasm.ts';
import { txRolesOf } from '../../workers/tx-roles.ts';
import { channelOf, connect, glintNode as harnessGlintNode, restartChannels, stopAll, until, usableWith, type Env, type Glint } from '../harness/glint-ldk.ts';

type Peer = { node: LdkNode; feed: LdkFeed; port: number };
type ChannelType = 'static_remotekey' | 'anchors_zero_fee_htlc_tx';

let ldk: Ldk;
let env: Env;
let chain: RegtestChain;
let esplora: EsploraServer;
/** LDK peers whose broadcasts reach the chain (remote force close) and ones whose do not (local). */
const relayed: Partial<Record<ChannelType, Peer>> = {};
const quiet: Partial<Record<ChannelType, Peer>> = {};
const glints: Glint[] = [];

/** A Glint node as test/harness/glint-ldk.ts builds one: sweeps pay a fixed wallet script (`sweepTo`); `feerate.perKw` is our estimate (253 = LDK's, raised to provoke a CPFP). */
async function glintNode(fundSat: number): Promise<Glint> {
  return harnessGlintNode(env, { fundSat, minimumDepth: 1, sweepToWallet: true }, glints);
}

async function ldkPeer(alias: string, channelType: ChannelType, relay: boolean): Promise<Peer> {
  const anchors = channelType === 'anchors_zero_fee_htlc_tx';
  const { node, feed } = await createLdkNodeAtTip(
    chain,
    { alias, config: { minimumDepth: 1, ...(anchors ? { negotiateAnchorsZeroFeeHtlcTx: true, manuallyAcceptInboundChannels: true } : {}) } },
    { submitBroadcasts: relay },
  );
  ldk = node.ldk;
  if (anchors) {
    // Anchor channels need LDK's manual accept (ldk-counterparty.md): accept every request.
    node.onEvent((e: Event) => {
      if (!(e instanceof ldk.Event_OpenChannelRequest)) return;
      const req = e as Event_OpenChannelRequest;
      setImmediate(() => node.run(() => node.channelManager.accept_inbound_channel(req.temporary_channel_id, req.counterparty_node_id, 42n)));
    });
  }
  return { node, feed, port: await node.listen() };
}

beforeAll(async () => {
  chain = await RegtestChain.create();
  esplora = await startEsplora(chain, { port: 0 });
  env = { chain, esplora };
  for (const t of ['static_remotekey', 'anchors_zero_fee_htlc_tx'] as ChannelType[]) {
    quiet[t] = await ldkPeer(`ldk-quiet-${t}`, t, false);
    relayed[t] = await ldkPeer(`ldk-${t}`, t, true);
  }
}, 60_000);

afterAll(async () => {
  stopAll(glints);
  for (const p of [...Object.values(quiet), ...Object.values(relayed)]) p?.feed.detach();
  await Promise.all([...Object.values(quiet), ...Object.values(relayed)].map((p) => p?.node.stop()));
  await esplora?.close();
  await chain?.close();
});

async function mine(g: Glint, n = 1): Promise<void> {
  await env.chain.mine(n);
  await g.channels.onTip();
  await g.channels.idle();
}

/** Glint opens `type` to `peer` (100 000 sat, nothing pushed) and both reach a usable channel. */
async function openTo(g: Glint, peer: Peer, channelType: ChannelType): Promise<ChannelInfo> {
  await connect(g, peer);
  const opened = await g.channels.open(peer.node.nodeIdHex, { fundingSat: 100_000n, channelType });
  await until(() => channelOf(g, opened.localId).state === 'wait-for-funding-confirmed', 'wait-for-funding-confirmed', 20_000, peer.node);
  const txid = channelOf(g, opened.localId).fundingTxid!;
  await until(() => chain.mempoolTxids().includes(txid), 'the funding tx in the mempool');
  await mine(g, 1);
  await until(() => channelOf(g, opened.localId).state === 'normal', 'normal on Glint', 20_000, peer.node);
  await until(() => usableWith(peer.node, g.peers.nodeId).length === 1, 'LDK usable channel', 20_000, peer.node);
  return channelOf(g, opened.localId);
}

async function saved(g: Glint, channelId: string): Promise<ReturnType<typeof decodeChannelState>> {
  await g.channels.idle();
  const bytes = await g.store.get(`channel/${channelId}`);
  if (!bytes) throw new Error('no record');
  return decodeChannelState(bytes);
}

/** Display txids of the sweeps the channel reported (`sweep-broadcast` carries the txid in internal byte order, as hex). */
function sweepEvents(g: Glint, channelId: string): string[] {
  return g.events.flatMap((e) => (e.type === 'channel' && e.channel.channelId === channelId && e.event.type === 'sweep-broadcast' ? [displayHex(hexToBytes(String(e.event['txid'])))] : []));
}

/** A txid in internal byte order as displayed. */
function displayHex(hash: Uint8Array): string {
  return bytesToHex(Uint8Array.from(hash).reverse());
}

function confirmedAt(txid: string): number | undefined {
  return chain.index.tx(txid)?.block?.height;
}

/** The wallet, synced, holds `txid`'s output paying `sweepTo` as a confirmed coin. */
async function expectInWallet(g: Glint, txid: string): Promise<bigint> {
  await g.watch.sync();
  const coin = g.watch.utxos().find((u) => u.txid === txid);
  expect(coin).toBeDefined();
  expect(coin!.status.confirmed).toBe(true);
  expect(bytesToHex(coin!.scriptPubKey)).toBe(bytesToHex(g.sweepTo!));
  return coin!.valueSat;
}

describe('BOLT 5: Glint force-closes (LDK peer, bcoin chain)', () => {
  for (const channelType of ['static_remotekey', 'anchors_zero_fee_htlc_tx'] as ChannelType[]) {
    const anchors = channelType === 'anchors_zero_fee_htlc_tx';
    test(`${channelType}: our commitment accepted and mined${anchors ? ' (with its anchor CPFP child)' : ''}; after to_self_delay the to_local sweep is accepted, mined and in the wallet; closed at depth 6`, async () => {
      const g = await glintNode(1_000_000);
      const peer = quiet[channelType]!;
      const ch = await openTo(g, peer, channelType);
      if (anchors) g.feerate.perKw = 5000; // our estimate is now far above the commitment's 253 sat/kw

      const { closingTxid } = await g.channels.close(ch.channelId, { force: true });
      expect(channelOf(g, ch.localId).state).toBe('force-closing');
      await until(() => chain.mempoolTxids().includes(closingTxid), 'our commitment in the mempool');
      const commitment = Transaction.fromBuffer(await g.client.transaction(closingTxid));
      expect(commitment.ins[0]!.index).toBe(ch.fundingOutputIndex);
      expect(displayHex(commitment.ins[0]!.hash)).toBe(ch.fundingTxid);

      let childTxid: string | undefined;
      if (anchors) {
        // The CPFP child: spends our 330-sat anchor of the commitment and a wallet coin.
        await until(() => chain.mempoolTxids().some((t) => t !== closingTxid && g.service.history().some((h) => h.txid === t)), 'the anchor CPFP child in the mempool');
        childTxid = chain.mempoolTxids().find((t) => t !== closingTxid && g.service.history().some((h) => h.txid === t));
        const child = Transaction.fromBuffer(await g.client.transaction(childTxid!));
        const anchorIn = child.ins.find((i) => displayHex(i.hash) === closingTxid);
        expect(anchorIn).toBeDefined();
        expect(commitment.outs[anchorIn!.index]!.value).toBe(330n);
        expect(child.ins).toHaveLength(2);
        // The wallet's view (WalletTxDto role, workers/tx-roles.ts): the child is a fee bump, the funding a channel open.
        const roles = txRolesOf(g.service.history(), g.channels.list());
        expect(roles?.get(childTxid!)).toMatchObject({ role: 'fee-bump', channelId: ch.channelId });
        expect(roles?.get(ch.fundingTxid!)).toMatchObject({ role: 'channel-open', channelId: ch.channelId });
      }

      await mine(g, 1);
      const h = confirmedAt(closingTxid);
      expect(h).toBe(chain.height);
      if (childTxid) expect(confirmedAt(childTxid)).toBe(h);
      if (childTxid) {
        // Confirmed with the commitment (its outputs now listed, the anchor among them): still the fee bump.
        await g.service.sync();
        await until(() => channelOf(g, ch.localId).closingTxid === closingTxid && (channelOf(g, ch.localId).outputs?.length ?? 0) > 0, 'the confirmed commitment\'s outputs listed');
        expect(txRolesOf(g.service.history(), g.channels.list())?.get(childTxid)?.role).toBe('fee-bump');
      }
      await until(() => {
        const s = g.channels.byLocalId(ch.localId);
        return s?.state === 'force-closing';
      }, 'force-closing');
      const state = (await saved(g, ch.channelId)) as ForceClosingState;
      expect(state.spend).toMatchObject({ commitment: 'local', blockHeight: h });
      const delay = state.commitments.remoteParams.toSelfDelay;
      expect(delay).toBe(144); // LDK's our_to_self_delay

      // One block short of the delay: nothing to sweep yet (static_remotekey: across a restart).
      await mine(g, delay - 2);
      expect(sweepEvents(g, ch.channelId)).toEqual([]);
      if (!anchors) {
        await restartChannels(g);
        expect(channelOf(g, ch.localId).state).toBe('force-closing');
        expect(sweepEvents(g, ch.channelId)).toEqual([]);
      }
      await mine(g, 1);
      await until(() => sweepEvents(g, ch.channelId).length === 1, 'the sweep broadcast');
      const sweepTxid = sweepEvents(g, ch.channelId)[0]!;
      await until(() => chain.mempoolTxids().includes(sweepTxid), 'the sweep in the mempool');
      const sweep = Transaction.fromBuffer(await g.client.transaction(sweepTxid));
      expect(displayHex(sweep.ins[0]!.hash)).toBe(closingTxid);
      expect(sweep.ins[0]!.sequence).toBe(delay);
      const toLocal = commitment.outs[sweep.ins[0]!.index]!;
      if (anchors) {
        // Restarted with the sweep unconfirmed: it is re-published and watched from the store.
        await restartChannels(g);
        expect(channelOf(g, ch.localId).state).toBe('force-closing');
      }

      await mine(g, 1);
      expect(confirmedAt(sweepTxid)).toBe(chain.height);
      const value = await expectInWallet(g, sweepTxid);
      expect(value).toBe(sweep.outs[0]!.value);
      expect(value).toBeLessThan(toLocal.value);
      expect(toLocal.value - value).toBeLessThan(anchors ? 3_000n : 1_000n); // the sweep's fee

      await mine(g, 5);
      await until(() => channelOf(g, ch.localId).state === 'closed', 'closed');
      expect(await saved(g, ch.channelId)).toMatchObject({ type: 'closed' });
    }, 120_000);
  }
});

describe('BOLT 5: LDK force-closes (LDK peer, bcoin chain)', () => {
  for (const channelType of ['static_remotekey', 'anchors_zero_fee_htlc_tx'] as ChannelType[]) {
    const anchors = channelType === 'anchors_zero_fee_htlc_tx';
    test(`${channelType}: LDK's commitment mined → Glint (normal) sweeps its to_remote into the wallet${anchors ? ' after 1 block (CSV 1)' : ''}; closed at depth 6`, async () => {
      const g = await glintNode(1_000_000);
      const peer = relayed[channelType]!;
      const ch = await openTo(g, peer, channelType);
      // Glint goes offline, so LDK's `error` never reaches it: only LDK's commitment is published.
      g.peers.disconnect(peer.node.nodeIdHex);
      await until(() => g.peers.peers().length === 0, 'disconnected');
      const broadcastsBefore = peer.node.broadcasts.length;
      const res = peer.node.run(() =>
        peer.node.channelManager.force_close_broadcasting_latest_txn(ldk.ChannelId.constructor_new(Buffer.from(ch.channelId, 'hex')), Buffer.from(g.peers.nodeId, 'hex'), 'interop test says so'),
      );
      expect(res).toBeInstanceOf(ldk.Result_NoneAPIErrorZ_OK);
      await until(() => peer.node.broadcasts.length > broadcastsBefore, 'LDK broadcasts its commitment', 20_000, peer.node);
      await peer.feed.flush();
      const theirs = Transaction.fromBuffer(peer.node.broadcasts[broadcastsBefore]!);
      const theirTxid = theirs.getId();
      await until(() => chain.mempoolTxids().includes(theirTxid), "LDK's commitment in the mempool");
      expect(channelOf(g, ch.localId).state).toBe('normal');

      await mine(g, 1);
      await until(() => channelOf(g, ch.localId).state === 'force-closing', 'force-closing on Glint');
      const state = (await saved(g, ch.channelId)) as ForceClosingState;
      expect(state.spend?.commitment).toBe('remote-current');
      expect(bytesToHex(Uint8Array.from(state.spend!.txid).reverse())).toBe(theirTxid);
      expect(state.commitmentTx).toBeUndefined(); // ours was never broadcast
      // static_remotekey: swept at once; anchors: valid from the next block (CSV 1), also at once.
      await until(() => sweepEvents(g, ch.channelId).length === 1, 'the to_remote sweep broadcast');
      const sweepTxid = sweepEvents(g, ch.channelId)[0]!;
      await until(() => chain.mempoolTxids().includes(sweepTxid), 'the sweep in the mempool');
      const sweep = Transaction.fromBuffer(await g.client.transaction(sweepTxid));
      expect(displayHex(sweep.ins[0]!.hash)).toBe(theirTxid);
      expect(sweep.ins[0]!.sequence).toBe(anchors ? 1 : 0xfffffffd);
      const toRemote = theirs.outs[sweep.ins[0]!.index]!;
      expect(toRemote.script.length).toBe(anchors ? 34 : 22);

      await mine(g, 1);
      expect(confirmedAt(sweepTxid)).toBe(chain.height);
      const value = await expectInWallet(g, sweepTxid);
      expect(toRemote.value - value).toBeLessThan(1_000n);
      await mine(g, 5);
      await until(() => channelOf(g, ch.localId).state === 'closed', 'closed');
    }, 120_000);
  }
});
