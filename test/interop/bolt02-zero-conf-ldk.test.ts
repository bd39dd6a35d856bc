/**
 * BOLT 2 zero-conf channels against a real LDK node on the real bcoin regtest chain (no mocks):
 * - LDK opens to Glint, which trusts LDK's node id (ChannelManagerOptions.trustedPeers):
 *   Glint answers minimum_depth 0 and sends channel_ready right after funding_signed; LDK, as
 *   funder, trusts its own funding (trust_own_funding_0conf, LDK's default) and sends its
 *   channel_ready: usable on both sides with the funding tx still in the mempool.
 * - Glint opens to LDK, which accepts with accept_inbound_channel_from_trusted_peer_0conf
 *   (minimum_depth 0): Glint sends channel_ready once its funding tx is broadcast; usable on
 *   both with zero confirmations.
 * Then one block is mined and both sides learn the real short_channel_id (the same one).
 *
 * Debug with `LDK_LOG=1` and `GLINT_LOG=1`.
 */
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import type { Event, Event_FundingGenerationReady, Event_OpenChannelRequest } from 'lightningdevkit';
import { bytesToHex } from '../../engine/index.ts';
import { decodeChannelState } from '../../engine/channel/codec.ts';
import { RegtestWallet, type RegtestChain } from '../../playground/chain/index.ts';
import type { Ldk } from '../../playground/ldk/wasm.ts';
import { channelOf, formatScid, glintNode, ldkScid, ldkPeer, mine, startWorld, stopWorld, until, usableWith, type LdkPeer, type World } from '../harness/glint-ldk.ts';

let w: World;
let ldk: Ldk;
let chain: RegtestChain;
/** Opens to Glint (automatic accept). */
let funderLdk: LdkPeer;
/** Accepts Glint's channels by hand, as zero-conf from a trusted peer. */
let fundeeLdk: LdkPeer;


beforeAll(async () => {
  w = await startWorld();
  ({ ldk, chain } = w);
  funderLdk = await ldkPeer(w, 'ldk-zc-funder');
  fundeeLdk = await ldkPeer(w, 'ldk-zc-fundee', { config: { minimumDepth: 1, manuallyAcceptInboundChannels: true } });
  // LDK trusts Glint: every inbound channel is accepted as zero-conf.
  fundeeLdk.node.onEvent((e: Event) => {
    if (!(e instanceof ldk.Event_OpenChannelRequest)) return;
    const req = e as Event_OpenChannelRequest;
    setImmediate(() => fundeeLdk.node.run(() => fundeeLdk.node.channelManager.accept_inbound_channel_from_trusted_peer_0conf(req.temporary_channel_id, req.counterparty_node_id, 43n)));
  });
}, 60_000);

afterAll(async () => {
  await stopWorld(w);
});

/** An LDK Option<u64> (the JS bindings hand u64 over as a signed 64-bit bigint: read it back unsigned). */
function optionU64(o: unknown): bigint | undefined {
  return o instanceof ldk.Option_u64Z_Some ? BigInt.asUintN(64, o.some) : undefined;
}

describe('BOLT 2 zero-conf: LDK opens to Glint, which trusts it', () => {
  test('minimum_depth 0, channel_ready both ways before any block: usable on both; one block later both know the real short_channel_id', async () => {
    const node = funderLdk.node;
    const g = await glintNode(w, { minimumDepth: 3, trusted: [node.nodeIdHex] });
    const funder = RegtestWallet.fromSeed('bolt02-zero-conf-ldk funder');
    const coin = await chain.faucet(funder.script, 1_000_000);
    await g.peers.connect(`${node.nodeIdHex}@127.0.0.1:${funderLdk.port}`);
    await node.waitForPeer(g.peers.nodeId);

    const fundingReady = node.waitForEvent((e: Event): e is Event_FundingGenerationReady => e instanceof ldk.Event_FundingGenerationReady, 20_000);
    const created = node.run(() => node.channelManager.create_channel(Buffer.from(g.peers.nodeId, 'hex'), 130_000n, 4_000_000n, 11n, null, null));
    expect(created).toBeInstanceOf(ldk.Result_ChannelIdAPIErrorZ_OK);
    const ready = await fundingReady;
    const inbound = g.channels.list().find((c) => c.peer === node.nodeIdHex && c.state === 'wait-for-funding-created');
    // Trusted: minimum_depth 0, not the configured 3.
    expect(inbound).toMatchObject({ isFunder: false, capacitySat: 130_000n, minimumDepth: 0 });
    const height = chain.height;

    const funding = funder.pay({ inputs: [{ txid: coin.txid, vout: coin.vout, value: 1_000_000 }], outputs: [{ script: ready.output_script, value: Number(ready.channel_value_satoshis) }] });
    const result = node.run(() => node.channelManager.funding_transaction_generated(ready.temporary_channel_id, ready.counterparty_node_id, funding.raw));
    expect(result).toBeInstanceOf(ldk.Result_NoneAPIErrorZ_OK);

    await until(() => g.channels.byLocalId(inbound!.localId)?.state === 'normal', 'normal on Glint with no confirmation', 20_000, node);
    await until(() => usableWith(node, g.peers.nodeId).length === 1, 'LDK usable channel with no confirmation', 20_000, node);
    await new Promise((r) => setTimeout(r, 200));
    expect(chain.height).toBe(height); // not a single block
    expect(chain.index.tx(funding.txid)?.block).toBeFalsy();
    const ours = g.channels.byLocalId(inbound!.localId)!;
    const theirs = usableWith(node, g.peers.nodeId)[0]!;
    expect(ours).toMatchObject({ state: 'normal', usable: true, capacitySat: 130_000n, localMsat: 4_000_000n, remoteMsat: 126_000_000n, fundingTxid: funding.txid });
    expect(ours.shortChannelId).toBeUndefined();
    expect(ldkScid(ldk, theirs)).toBeUndefined();
    expect(Boolean(theirs.get_is_outbound())).toBe(true);
    // The record in the store is the zero-conf normal state (no short_channel_id).
    await g.channels.idle();
    const saved = decodeChannelState((await g.store.get(`channel/${ours.channelId}`))!);
    expect(saved.type).toBe('normal');
    expect(saved.type === 'normal' ? saved.shortChannelId : 'set').toBeUndefined();
    // The aliases of both channel_ready messages: LDK's inbound alias is ours, its outbound alias is the one we hold.
    if (saved.type !== 'normal') throw new Error('not normal');
    expect(optionU64(theirs.get_inbound_scid_alias())).toBe(saved.localAlias);
    expect(optionU64(theirs.get_outbound_scid_alias())).toBe(saved.remoteAlias);

    // The funding confirms: both learn the real short_channel_id.
    await until(() => chain.mempoolTxids().includes(funding.txid), 'LDK funding tx in the mempool', 20_000, node);
    await mine(w, g, 1);
    await until(() => g.channels.byLocalId(inbound!.localId)?.shortChannelId !== undefined, 'the real short_channel_id on Glint', 20_000, node);
    const block = chain.index.tx(funding.txid)!.block!;
    const after = g.channels.byLocalId(inbound!.localId)!;
    expect(after).toMatchObject({ state: 'normal', usable: true });
    expect(after.shortChannelId).toBe(`${block.height}x${block.pos}x${after.fundingOutputIndex}`);
    await until(() => ldkScid(ldk, usableWith(node, g.peers.nodeId)[0]!) !== undefined, 'the real short_channel_id on LDK', 20_000, node);
    expect(formatScid(ldkScid(ldk, usableWith(node, g.peers.nodeId)[0]!)!)).toBe(after.shortChannelId);
    await g.channels.idle();
    const confirmed = decodeChannelState((await g.store.get(`channel/${ours.channelId}`))!);
    expect(confirmed.type === 'normal' && confirmed.shortChannelId !== undefined).toBe(true);
  });

  test('an untrusted LDK gets the configured minimum_depth and no channel_ready before it', async () => {
    const node = funderLdk.node;
    const g = await glintNode(w, { minimumDepth: 2, trusted: [] });
    const funder = RegtestWallet.fromSeed('bolt02-zero-conf-ldk untrusted funder');
    const coin = await chain.faucet(funder.script, 1_000_000);
    await g.peers.connect(`${node.nodeIdHex}@127.0.0.1:${funderLdk.port}`);
    await node.waitForPeer(g.peers.nodeId);
    const fundingReady = node.waitForEvent((e: Event): e is Event_FundingGenerationReady => e instanceof ldk.Event_FundingGenerationReady, 20_000);
    node.run(() => node.channelManager.create_channel(Buffer.from(g.peers.nodeId, 'hex'), 110_000n, 0n, 12n, null, null));
    const ready = await fundingReady;
    const inbound = g.channels.list().find((c) => c.peer === node.nodeIdHex && c.state === 'wait-for-funding-created');
    expect(inbound).toMatchObject({ minimumDepth: 2 });
    const funding = funder.pay({ inputs: [{ txid: coin.txid, vout: coin.vout, value: 1_000_000 }], outputs: [{ script: ready.output_script, value: Number(ready.channel_value_satoshis) }] });
    node.run(() => node.channelManager.funding_transaction_generated(ready.temporary_channel_id, ready.counterparty_node_id, funding.raw));
    await until(() => chain.mempoolTxids().includes(funding.txid), 'LDK funding tx in the mempool', 20_000, node);
    await until(() => g.channels.byLocalId(inbound!.localId)?.state === 'wait-for-funding-confirmed', 'wait-for-funding-confirmed', 20_000, node);
    await mine(w, g, 1);
    await new Promise((r) => setTimeout(r, 300));
    expect(g.channels.byLocalId(inbound!.localId)?.state).toBe('wait-for-funding-confirmed');
    expect(usableWith(node, g.peers.nodeId)).toHaveLength(0);
    await mine(w, g, 1);
    await until(() => g.channels.byLocalId(inbound!.localId)?.state === 'normal', 'normal after 2 blocks', 20_000, node);
    await until(() => usableWith(node, g.peers.nodeId).length === 1, 'LDK usable channel', 20_000, node);
  });
});

describe('BOLT 2 zero-conf: Glint opens to LDK, which accepts it as zero-conf', () => {
  test('accept_inbound_channel_from_trusted_peer_0conf → minimum_depth 0 → channel_ready after our broadcast: usable on both with no block; then the real short_channel_id', async () => {
    const node = fundeeLdk.node;
    const g = await glintNode(w, { fundSat: 1_000_000 });
    await g.peers.connect(`${node.nodeIdHex}@127.0.0.1:${fundeeLdk.port}`);
    await node.waitForPeer(g.peers.nodeId);
    const height = chain.height;
    const opened = await g.channels.open(node.nodeIdHex, { fundingSat: 100_000n, channelType: 'static_remotekey' });

    await until(() => channelOf(g, opened.localId).state === 'normal', 'normal on Glint with no confirmation', 20_000, node);
    await until(() => usableWith(node, g.peers.nodeId).length === 1, 'LDK usable channel with no confirmation', 20_000, node);
    await new Promise((r) => setTimeout(r, 200));
    const ours = channelOf(g, opened.localId);
    const txid = ours.fundingTxid!;
    expect(chain.height).toBe(height);
    expect(chain.mempoolTxids()).toContain(txid);
    expect(ours).toMatchObject({ state: 'normal', usable: true, isFunder: true, capacitySat: 100_000n, localMsat: 100_000_000n, remoteMsat: 0n });
    expect(ours.shortChannelId).toBeUndefined();
    const theirs = usableWith(node, g.peers.nodeId)[0]!;
    expect(Boolean(theirs.get_is_outbound())).toBe(false);
    expect(ldkScid(ldk, theirs)).toBeUndefined();
    expect(bytesToHex(theirs.get_channel_id().get_a())).toBe(ours.channelId);

    await mine(w, g, 1);
    await until(() => channelOf(g, opened.localId).shortChannelId !== undefined, 'the real short_channel_id on Glint', 20_000, node);
    const block = chain.index.tx(txid)!.block!;
    const after = channelOf(g, opened.localId);
    expect(after.shortChannelId).toBe(`${block.height}x${block.pos}x${after.fundingOutputIndex}`);
    expect(after.usable).toBe(true);
    await until(() => ldkScid(ldk, usableWith(node, g.peers.nodeId)[0]!) !== undefined, 'the real short_channel_id on LDK', 20_000, node);
    expect(formatScid(ldkScid(ldk, usableWith(node, g.peers.nodeId)[0]!)!)).toBe(after.shortChannelId);
  });
});
