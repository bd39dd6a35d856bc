/**
 * `GlintNode` (engine/node/glint-node.ts) as the browser worker and the CLI host it, against a
 * real LDK node on the real bcoin regtest chain: `open` resolves once the funding tx is in the
 * mempool, the chain follower (`poll`) drives the channel to `normal` on the next block,
 * `balance().lightningMsat` follows the channel, an idle poll costs one Esplora request, events
 * reach subscribers, `close` pays the wallet, `stop` is clean and the wallet reopened from its
 * store knows everything (funding and close persisted by the WalletService, no resync needed).
 */
import { describe, expect, test } from 'vitest';
import { GlintNode, MemoryKVStore, WalletService, type GlintNodeEvent } from '../../engine/index.ts';
import { nodeClock, nodeEntropy } from '../../cli/adapters/clock.ts';
import { nodeDialer } from '../../cli/adapters/tcp-socket.ts';
import { TEST_SCRYPT, useGlintNodeEnv } from '../harness/glint-node-env.ts';

const PASSPHRASE = 'glint node passphrase';
const env = useGlintNodeEnv('ldk-glint-node');
const { until, client } = env;

describe('GlintNode with LDK on regtest', () => {
  test('open → poll → normal; lightningMsat; idle polls cost one request; close; clean stop; state persisted', async () => {
    const raw = new MemoryKVStore();
    const wallet = await WalletService.create({ raw, passphrase: PASSPHRASE, network: 'regtest', entropy: nodeEntropy, scrypt: TEST_SCRYPT });
    wallet.attachChain(client());
    await env.chain.faucet(await wallet.receiveAddress(), 500_000);
    // pollIntervalMs 0: the test drives the chain follower with poll().
    const node = new GlintNode({ wallet, chain: client(), dialer: nodeDialer, clock: nodeClock, entropy: nodeEntropy, pollIntervalMs: 0 });
    const events: GlintNodeEvent[] = [];
    node.subscribe((e) => events.push(e));
    await expect(node.open(`${env.peer.node.nodeIdHex}@127.0.0.1:${env.peer.port}`, 100_000n)).rejects.toThrow(/not started/);
    await node.start();
    expect(node.balance()).toMatchObject({ confirmedSat: 500_000n, lightningMsat: 0n });

    const opened = await node.open(`${env.peer.node.nodeIdHex}@127.0.0.1:${env.peer.port}`, 100_000n, { pushMsat: 2_000_000n, channelType: 'static_remotekey' });
    expect(env.chain.mempoolTxids()).toContain(opened.fundingTxid);
    expect(node.channel(opened.channelId)).toMatchObject({ state: 'wait-for-funding-confirmed', fundingTxid: opened.fundingTxid, usable: false });
    expect(events.some((e) => e.type === 'peer-connected' && e.peer.nodeId === env.peer.node.nodeIdHex)).toBe(true);
    // Funded, not yet confirmed: already counted.
    expect(node.balance().lightningMsat).toBe(98_000_000n);

    await env.chain.mine(1);
    await node.poll();
    await until(() => node.channel(opened.channelId)?.usable === true, 'the channel usable');
    expect(node.channels().map((c) => ({ id: c.channelId, state: c.state }))).toEqual([{ id: opened.channelId, state: 'normal' }]);
    expect(events.some((e) => e.type === 'tip')).toBe(true);
    const b = node.balance();
    expect(b.lightningMsat).toBe(98_000_000n);
    expect(b.confirmedSat + b.unconfirmedSat).toBeLessThan(400_000n);

    // An idle tick (no new block) is one request: the tip hash.
    await node.idle();
    const before = env.esplora.requestCount;
    for (let i = 0; i < 5; i++) await node.poll();
    expect(env.esplora.requestCount - before).toBe(5);
    expect(env.esplora.requests.slice(-5).map((r) => r.path)).toEqual(Array(5).fill('/blocks/tip/hash'));

    await expect(node.close('00'.repeat(32))).rejects.toThrow(/no channel/);
    const closed = await node.close(opened.channelId);
    // ChannelManager.close resolves once the broadcast has started (the close is durable first).
    await until(() => env.chain.mempoolTxids().includes(closed.closingTxid), 'the closing tx in the mempool');
    expect(node.balance().lightningMsat).toBe(0n);
    await env.chain.mine(1);
    await node.poll();
    expect(await node.ping(env.peer.node.nodeIdHex)).toBeGreaterThanOrEqual(0);
    node.disconnect(env.peer.node.nodeIdHex);
    expect(node.peers()).toEqual([]);
    await node.stop();
    expect(node.running).toBe(false);
    await expect(node.open(`${env.peer.node.nodeIdHex}@127.0.0.1:${env.peer.port}`, 100_000n)).rejects.toThrow(/stopped/);

    // Everything the node did is in the store: a reopened wallet, without a sync, sees the
    // funding and the confirmed close output.
    const final = wallet.balance();
    const reopened = await WalletService.open({ raw, passphrase: PASSPHRASE, entropy: nodeEntropy });
    reopened.attachChain(client());
    expect(reopened.balance()).toEqual(final);
    const txids = reopened.history().map((h) => h.txid);
    expect(txids).toContain(opened.fundingTxid);
    expect(txids).toContain(closed.closingTxid);
    expect(final.confirmedSat).toBeGreaterThan(490_000n);
    await wallet.close();
  });

  test('open asking for anchors from a peer that refuses them resolves with the static_remotekey retry', async () => {
    const raw = new MemoryKVStore();
    const wallet = await WalletService.create({ raw, passphrase: PASSPHRASE, network: 'regtest', entropy: nodeEntropy, scrypt: TEST_SCRYPT });
    wallet.attachChain(client());
    await env.chain.faucet(await wallet.receiveAddress(), 300_000);
    const node = new GlintNode({ wallet, chain: client(), dialer: nodeDialer, clock: nodeClock, entropy: nodeEntropy, pollIntervalMs: 0 });
    await node.start();
    try {
      const opened = await node.open(`${env.peer.node.nodeIdHex}@127.0.0.1:${env.peer.port}`, 60_000n, { channelType: 'anchors_zero_fee_htlc_tx' });
      expect(env.chain.mempoolTxids()).toContain(opened.fundingTxid);
      const channels = node.channels();
      expect(channels.map((c) => c.state)).toEqual(['aborted', 'wait-for-funding-confirmed']);
      expect(node.channel(opened.channelId)).toMatchObject({ type: 'static_remotekey', capacitySat: 60_000n, fundingTxid: opened.fundingTxid });
    } finally {
      await node.stop();
      await wallet.close();
    }
  });
});
