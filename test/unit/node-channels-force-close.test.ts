/**
 * BOLT 5 through the ChannelManager (engine/node: channels.ts, channel-chain.ts,
 * channel-onchain.ts) with in-memory managers and a chain that mines real merkle trees and
 * answers `/outspend`:
 *
 *   - A force-closes: its commitment is broadcast; once mined, the funding watch (one outspend
 *     request per channel per new tip) feeds `funding-spent`; after B's to_self_delay A's
 *     to_local sweep is broadcast to A's wallet script, re-published after a restart, and A
 *     reaches `closed` at depth 6. B, still `normal`, sweeps its to_remote from A's commitment.
 *   - A lying chain server (a spend whose merkle proof does not match its block, or a "spend"
 *     that does not spend the funding output) changes no state.
 */
import { Transaction } from 'bitcoinjs-lib';
import { beforeEach, describe, expect, test } from 'vitest';
import type { OutSpend } from '../../engine/chain/source.ts';
import { decodeChannelState } from '../../engine/channel/codec.ts';
import type { ForceClosingState } from '../../engine/channel/types.ts';
import { bytesToHex } from '../../engine/lib/bytes.ts';
import { Bus, FakeChain, type TestNode, makeNode as makeManagerNode, openAndConfirm, tip as tipAll, txidOf } from '../harness/manager-fakes.ts';
import { scriptError } from './bolt03-interpreter.ts';

const display = (hash: Uint8Array): string => bytesToHex(Uint8Array.from(hash).reverse());

/** FakeChain answering `/tx/:txid/outspend/:vout` from its blocks and mempool; `lie` overrides an answer. */
class SpendChain extends FakeChain {
  lie: ((txid: string, vout: number) => OutSpend | undefined) | undefined;
  async outSpend(txid: string, vout: number): Promise<OutSpend> {
    this.calls['outSpend'] = (this.calls['outSpend'] ?? 0) + 1;
    const lied = this.lie?.(txid, vout);
    if (lied) return lied;
    for (const [id, c] of this.confirmed) {
      const vin = Transaction.fromBuffer(c.raw).ins.findIndex((i) => display(i.hash) === txid && i.index === vout);
      if (vin >= 0) return { spent: true, txid: id, vin, status: { confirmed: true, blockHeight: c.height, blockHash: c.hash, blockTime: 0 } };
    }
    for (const [id, raw] of this.mempool) {
      const vin = Transaction.fromBuffer(raw).ins.findIndex((i) => display(i.hash) === txid && i.index === vout);
      if (vin >= 0) return { spent: true, txid: id, vin, status: { confirmed: false } };
    }
    return { spent: false };
  }
}

let bus: Bus;
let chain: SpendChain;
const makeNode = (name: string, opts: Parameters<typeof makeManagerNode>[2] = {}): Promise<TestNode> => makeManagerNode({ bus, chain }, name, opts);
const tip = (...nodes: TestNode[]): Promise<void> => tipAll(bus, ...nodes);

beforeEach(() => {
  bus = new Bus();
  chain = new SpendChain();
});

async function normalPair(type: 'static_remotekey' | 'anchors_zero_fee_htlc_tx') {
  const a = await makeNode('alice');
  const b = await makeNode('bob');
  const ch = await openAndConfirm({ bus, chain }, a, b, { channelType: type, pushMsat: 50_000_000n });
  expect(ch).toMatchObject({ state: 'normal', usable: true });
  return { a, b, ch };
}

async function saved(n: TestNode, channelId: string): Promise<ForceClosingState> {
  await n.manager.idle();
  return decodeChannelState((await n.store.get(`channel/${channelId}`))!) as ForceClosingState;
}

/** The only broadcast spending output `vout`-any of `parent`, checked by bcoin's interpreter. */
function sweepOf(parentRaw: Uint8Array): Transaction {
  const parent = Transaction.fromBuffer(parentRaw);
  const found = chain.broadcasts.map((r) => Transaction.fromBuffer(r)).filter((t) => t.ins.some((i) => display(i.hash) === parent.getId()));
  expect(new Set(found.map((t) => t.getId())).size).toBe(1);
  const sweep = found[0]!;
  const prev = parent.outs[sweep.ins[0]!.index]!;
  expect(scriptError(sweep.toBuffer(), 0, prev.script, prev.value)).toBeUndefined();
  return sweep;
}

for (const type of ['static_remotekey', 'anchors_zero_fee_htlc_tx'] as const) {
  describe(`ChannelManager BOLT 5 (${type})`, () => {
    test('force close → commitment mined → to_local swept after to_self_delay (survives a restart) → closed; the peer sweeps its to_remote', async () => {
      const { a, b, ch } = await normalPair(type);
      const { closingTxid } = await a.manager.close(ch.channelId, { force: true });
      const commitment = chain.mempool.get(closingTxid)!;
      expect(commitment).toBeDefined();
      chain.mine(1);
      const h = chain.height;
      const before = chain.calls['outSpend'] ?? 0;
      await tip(a, b);
      // One outspend request per funded channel per new tip.
      expect((chain.calls['outSpend'] ?? 0) - before).toBe(2);
      const s = await saved(a, ch.channelId);
      expect(s.spend).toMatchObject({ commitment: 'local', blockHeight: h });
      // B never heard A's error (the bus drops errors): it was normal and saw A's commitment confirm.
      expect(b.manager.get(ch.channelId)).toMatchObject({ state: 'force-closing' });
      expect((await saved(b, ch.channelId)).spend).toMatchObject({ commitment: 'remote-current', blockHeight: h });
      const bSweep = sweepOf(commitment);
      expect(bytesToHex(bSweep.outs[0]!.script)).toBe(bytesToHex(b.wallet.shutdownScripts[0]!));

      const delay = s.commitments.remoteParams.toSelfDelay;
      chain.mine(delay - 2);
      await tip(a, b);
      const aSweeps = () => chain.broadcasts.map((r) => Transaction.fromBuffer(r)).filter((t) => t.ins.some((i) => display(i.hash) === closingTxid && t.getId() !== bSweep.getId()));
      expect(aSweeps()).toHaveLength(0);
      chain.mine(1);
      await tip(a, b);
      expect(aSweeps()).toHaveLength(1);
      const sweep = aSweeps()[0]!;
      expect(sweep.ins[0]!.sequence).toBe(delay);
      expect(bytesToHex(sweep.outs[0]!.script)).toBe(bytesToHex(a.wallet.shutdownScripts[0]!));
      // The claim used the spare wallet script: a fresh one is fetched, so the next payout (another
      // claim, a close) lands on an address the wallet's quick sync still watches.
      await new Promise((r) => setTimeout(r, 0));
      expect(a.wallet.shutdownScripts).toHaveLength(2);
      expect(b.wallet.shutdownScripts).toHaveLength(2); // B's to_remote sweep used its spare too
      const prev = Transaction.fromBuffer(commitment).outs[sweep.ins[0]!.index]!;
      expect(scriptError(sweep.toBuffer(), 0, prev.script, prev.value)).toBeUndefined();
      expect(bytesToHex(Uint8Array.from((await saved(a, ch.channelId)).spend!.sweepTx!))).toBe(bytesToHex(sweep.toBuffer()));

      // Restart A before the sweep confirms: it is re-published from the store and watched.
      a.manager.stop();
      chain.mempool.clear();
      const a2 = await makeNode('alice', { store: a.store });
      expect(chain.mempool.has(sweep.getId())).toBe(true);
      chain.mine(1);
      await tip(a2, b);
      chain.mine(5);
      await tip(a2, b);
      expect(a2.manager.get(ch.channelId)).toMatchObject({ state: 'closed' });
      expect(b.manager.get(ch.channelId)).toMatchObject({ state: 'closed' });
      expect(decodeChannelState((await a2.store.get(`channel/${ch.channelId}`))!)).toMatchObject({ type: 'closed' });
      // The closed channel still shows where its output went, after another restart too.
      const finalOutputs = [{ outpoint: `${closingTxid}:${sweep.ins[0]!.index}`, kind: 'to_local', amountSat: prev.value, status: 'claimed', claimTxid: sweep.getId() }];
      expect(a2.manager.get(ch.channelId)?.outputs).toEqual(finalOutputs);
      // Closed channels are no longer watched.
      const n = chain.calls['outSpend'] ?? 0;
      chain.mine(1);
      await tip(a2, b);
      expect(chain.calls['outSpend'] ?? 0).toBe(n);
      a2.manager.stop();
      const a3 = await makeNode('alice', { store: a.store });
      expect(a3.manager.get(ch.channelId)).toMatchObject({ state: 'closed', outputs: finalOutputs });
      a3.manager.stop();
    });
  });
}

describe('ChannelManager BOLT 5: a lying chain server', () => {
  test('a spend whose merkle proof is not in its block, or a tx not spending the funding, changes no state', async () => {
    const { a, b, ch } = await normalPair('static_remotekey');
    // B force-closes; its commitment is only in the mempool, so any "confirmed" claim is a lie.
    await b.manager.close(ch.channelId, { force: true });
    const theirs = [...chain.mempool.keys()][0]!;
    const realBlock = [...chain.confirmed.values()][0]!;
    chain.lie = (txid) => (txid === ch.fundingTxid ? { spent: true, txid: theirs, vin: 0, status: { confirmed: true, blockHeight: realBlock.height, blockHash: realBlock.hash, blockTime: 0 } } : undefined);
    // The fake's merkle proof for a mempool tx would throw: answer one from a real block instead.
    const proof = chain.merkleProof.bind(chain);
    chain.merkleProof = async (txid: string) => (txid === theirs ? { blockHeight: realBlock.height, merkle: [], pos: 1 } : proof(txid));
    chain.mine(1);
    await tip(a);
    expect(a.manager.get(ch.channelId)).toMatchObject({ state: 'normal' });

    // A "spend" that spends something else: the reducer ignores it.
    chain.merkleProof = proof;
    const funding = [...chain.confirmed.entries()].find(([id]) => id === ch.fundingTxid)!;
    chain.lie = (txid) => (txid === ch.fundingTxid ? { spent: true, txid: funding[0], vin: 0, status: { confirmed: true, blockHeight: funding[1].height, blockHash: funding[1].hash, blockTime: 0 } } : undefined);
    chain.mine(1);
    await tip(a);
    expect(a.manager.get(ch.channelId)).toMatchObject({ state: 'normal' });
    expect(a.events.some((e) => e.type === 'channel' && e.event.type === 'ignored' && e.event['what'] === 'funding-spent')).toBe(true);
    expect(txidOf(chain.broadcasts[chain.broadcasts.length - 1]!)).toBe(theirs);
  });
});
