/**
 * LDK nodes see the same chain: two LdkNodes fed by `attachLdk` (one caught up from genesis, one
 * created at the tip) agree with the chain tip after blocks and after a reorg; a channel funded
 * from real regtest coins confirms through the feed, LDK's broadcast of the funding tx reaching
 * the mempool by itself.
 */
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import type { Event, Event_FundingGenerationReady } from 'lightningdevkit';
import { LdkNode } from '../../playground/ldk/node.ts';
import { loadLdk } from '../../playground/ldk/wasm.ts';
import type { Ldk } from '../../playground/ldk/wasm.ts';
import { RegtestChain, RegtestWallet, attachLdk, createLdkNodeAtTip, ldkBestBlock } from '../../playground/chain/index.ts';
import type { LdkFeed } from '../../playground/chain/index.ts';

let ldk: Ldk;
let chain: RegtestChain;
let a: LdkNode;
let b: LdkNode;
let feedA: LdkFeed;
let feedB: LdkFeed;
const wallet = RegtestWallet.fromSeed('chain-ldk funding wallet');

function bestBlockOf(node: LdkNode): { hash: string; height: number } {
  const best = node.channelManager.current_best_block();
  return { hash: Buffer.from(best.get_block_hash()).reverse().toString('hex'), height: best.get_height() };
}

function expectAtTip(node: LdkNode): void {
  expect(bestBlockOf(node)).toEqual({ hash: chain.tipHash, height: chain.height });
}

async function until(check: () => boolean, what: string, timeoutMs = 10_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!check()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 10));
  }
}

beforeAll(async () => {
  [ldk, chain] = await Promise.all([loadLdk(), RegtestChain.create()]);
  // A: created at genesis (LdkNode's default) and caught up by attachLdk. B: created at the tip.
  a = await LdkNode.create({ network: 'regtest', alias: 'chain-a', seed: new Uint8Array(32).fill(0xa1), config: { minimumDepth: 3 } });
  feedA = attachLdk(chain, a);
  ({ node: b, feed: feedB } = await createLdkNodeAtTip(chain, { alias: 'chain-b', seed: new Uint8Array(32).fill(0xb2), config: { minimumDepth: 3 } }));
});

afterAll(async () => {
  feedA?.detach();
  feedB?.detach();
  await Promise.all([a?.stop(), b?.stop()]);
  await chain?.close();
});

describe('LDK sees the same blocks', () => {
  test('ldkBestBlock is the tip in LDK byte order; both nodes start at the tip', () => {
    const best = ldkBestBlock(chain);
    expect(best.height).toBe(chain.height);
    expect(Buffer.from(best.hash).reverse().toString('hex')).toBe(chain.tipHash);
    expectAtTip(a);
    expectAtTip(b);
  });

  test('after mining N blocks both best blocks equal the chain tip', async () => {
    await chain.mine(5);
    expectAtTip(a);
    expectAtTip(b);
    await chain.mineEmpty(1);
    expectAtTip(a);
    expectAtTip(b);
  });

  test('after a reorg (disconnects, then a longer fork) both follow the new tip', async () => {
    const oldTip = chain.tipHash;
    await chain.reorg({ depth: 3 });
    expect(chain.tipHash).not.toBe(oldTip);
    expectAtTip(a);
    expectAtTip(b);
    // A shorter replacement chain too (invalidate only).
    await chain.invalidate(chain.index.blockAt(chain.height - 1)!.hash);
    expectAtTip(a);
    expectAtTip(b);
  });

  test('a node whose best block is not on this chain is refused', async () => {
    const stranger = await LdkNode.create({ network: 'regtest', alias: 'stranger', bestBlock: { hash: new Uint8Array(32).fill(7), height: 5 } });
    try {
      expect(() => attachLdk(chain, stranger)).toThrow(/not on this chain/);
    } finally {
      await stranger.stop();
    }
  });

  test('a channel funded with regtest coins: LDK broadcasts the funding, the feed confirms it', async () => {
    const port = await a.listen();
    await b.connect(a.nodeId, '127.0.0.1', port);
    const coin = await chain.faucet(wallet.script, 2_000_000);

    const fundingReady = b.waitForEvent((e: Event): e is Event_FundingGenerationReady => e instanceof ldk.Event_FundingGenerationReady);
    const created = b.run(() => b.channelManager.create_channel(a.nodeId, 1_000_000n, 0n, 7n, null, null));
    const ready = await fundingReady;
    expect(created).toBeInstanceOf(ldk.Result_ChannelIdAPIErrorZ_OK);
    const funding = wallet.pay({
      inputs: [{ txid: coin.txid, vout: coin.vout, value: 2_000_000 }],
      outputs: [{ script: ready.output_script, value: Number(ready.channel_value_satoshis) }],
    });
    const result = b.run(() => b.channelManager.funding_transaction_generated(ready.temporary_channel_id, ready.counterparty_node_id, funding.raw));
    expect(result).toBeInstanceOf(ldk.Result_NoneAPIErrorZ_OK);

    // B broadcasts once A's funding_signed arrives; the feed submits it to the mempool.
    await until(() => chain.mempoolTxids().includes(funding.txid), 'the funding tx in the mempool');
    await feedB.flush();
    expect(feedB.submissions.find((s) => Buffer.from(s.raw).equals(Buffer.from(funding.raw)))?.result).toEqual({ ok: true, txid: funding.txid });

    const readyA = a.waitForEvent((e) => e instanceof ldk.Event_ChannelReady);
    const readyB = b.waitForEvent((e) => e instanceof ldk.Event_ChannelReady);
    await chain.mine(3);
    await Promise.all([readyA, readyB]);
    await until(() => a.channelManager.list_usable_channels().length === 1 && b.channelManager.list_usable_channels().length === 1, 'usable channels');
    const confirmed = chain.index.tx(funding.txid)!.block!;
    const scid = b.channelManager.list_usable_channels()[0]!.get_short_channel_id();
    expect(scid instanceof ldk.Option_u64Z_Some ? scid.some : undefined).toBe((BigInt(confirmed.height) << 40n) | (BigInt(confirmed.pos) << 16n));

    // A shallow reorg (funding stays confirmed): both nodes follow, the channel stays usable.
    await chain.reorg({ depth: 2 });
    expectAtTip(a);
    expectAtTip(b);
    expect(b.channelManager.list_usable_channels()).toHaveLength(1);
  });
});
