/**
 * BOLT 5 "MUST monitor the blockchain for transactions that spend any output ... it is interested
 * in": the node's output watches (engine/node/channel-watches.ts) against a chain that mines real
 * merkle trees and answers `/outspend`:
 *
 *   - a watched outpoint's spend is reported once per tip, with its depth growing by one per block;
 *   - a reorg that takes the spend out of its block stops the reports; mined again elsewhere it is
 *     re-proven in its new block (new height, depth from 1);
 *   - a server naming a transaction that does not spend the outpoint, or a spend whose merkle
 *     proof is not in its block, yields nothing;
 *   - the revoked-commitment record key and write (`channel-revoked/<id>/<n>`, a schema row);
 *   - through two ChannelManagers (real reducers, real wire codec): a payment revokes commitments
 *     that had its HTLC output, and each side stores the peer's revoked commitment's record in the
 *     very write that saves the channel snapshot (one atomic batch, before anything is sent);
 *   - a breach: the payee restored from a stale store (while the HTLC was in its commitment)
 *     force-closes; once mined, the payer's `funding-spent` carries the stored record, its justice
 *     txs (checked by bcoin's interpreter) take to_local and the HTLC output, are published again
 *     after a restart, and the channel shows its outputs claimed until it is closed.
 */
import { Transaction } from 'bitcoinjs-lib';
import { beforeEach, describe, expect, test } from 'vitest';
import type { OutSpend } from '../../engine/chain/source.ts';
import { bytesToHex } from '../../engine/lib/bytes.ts';
import { OutputSpendWatcher, isPersistRevoked, isWatchOutputSpend, persistRevokedWrite, revokedRecordKey } from '../../engine/node/channel-watches.ts';
import { silentLogger } from '../../engine/ports.ts';
import { recordSpecFor, schemaProblems } from '../../engine/store/schema.ts';
import { decodeRevokedCommitment } from '../../engine/channel/bolt5/revoked.ts';
import type { KVBatch } from '../../engine/ports.ts';
import { MemoryKVStore } from '../../engine/store/memory.ts';
import { decodeChannelState } from '../../engine/channel/codec.ts';
import { Bus, FakeChain, makeNode, openAndConfirm, settleAll, withPayments } from '../harness/manager-fakes.ts';
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
  /** A reorg: `txid` leaves its block and goes back to the mempool; the tip moves to a new empty block. */
  unconfirm(txid: string): void {
    const c = this.confirmed.get(txid)!;
    this.confirmed.delete(txid);
    const held = new Map(this.mempool);
    this.mempool.clear();
    this.mine(1);
    for (const [id, raw] of held) this.mempool.set(id, raw);
    this.mempool.set(txid, c.raw);
  }
}

function tx(inputs: { hash: Uint8Array; index: number }[], values: number[]): Transaction {
  const t = new Transaction();
  t.version = 2;
  for (const i of inputs) t.addInput(i.hash, i.index, 0xfffffffd);
  for (const v of values) t.addOutput(Uint8Array.of(0x00, 0x14, ...new Uint8Array(20).fill(v & 0xff)), BigInt(v));
  return t;
}

let chain: SpendChain;
let parent: Transaction;
let child: Transaction;
let watcher: OutputSpendWatcher;
const scope = 'channel:0';

beforeEach(async () => {
  chain = new SpendChain();
  parent = tx([{ hash: new Uint8Array(32).fill(7), index: 0 }], [50_000, 20_000]);
  child = tx([{ hash: parent.getHash(), index: 1 }], [19_000]);
  await chain.broadcast(parent.toBuffer());
  chain.mine(1);
  watcher = new OutputSpendWatcher(chain, silentLogger);
  watcher.arm(scope, parent.getHash(), 1);
});

describe('BOLT 5 output watches (node)', () => {
  test('a confirmed spend of a watched output is reported once per tip, its depth growing per block', async () => {
    expect(await watcher.check(scope, await chain.tip())).toEqual([]);
    await chain.broadcast(child.toBuffer());
    // In the mempool only: not reported.
    expect(await watcher.check(scope, { height: chain.height, hash: 'mempool-tip' })).toEqual([]);
    chain.mine(1);
    const h = chain.height;
    const [e, ...rest] = await watcher.check(scope, await chain.tip());
    expect(rest).toEqual([]);
    expect(e).toMatchObject({ type: 'output-spent', outputIndex: 1, blockHeight: h, depth: 1 });
    expect(bytesToHex(e!.txid)).toBe(bytesToHex(parent.getHash()));
    expect(bytesToHex(e!.spendingTx)).toBe(child.toHex());
    // Same tip: nothing more, no request.
    const calls = chain.calls['outSpend'];
    expect(await watcher.check(scope, await chain.tip())).toEqual([]);
    expect(chain.calls['outSpend']).toBe(calls);
    chain.mine(2);
    expect(await watcher.check(scope, await chain.tip())).toMatchObject([{ blockHeight: h, depth: 3 }]);
    // The unwatched output 0 was never asked about.
    expect(watcher.watched(scope)).toEqual([`${parent.getId()}:1`]);
  });

  test('a reorg removing the spend stops the reports; mined again it is re-proven in its new block', async () => {
    await chain.broadcast(child.toBuffer());
    chain.mine(1);
    const first = chain.height;
    expect(await watcher.check(scope, await chain.tip())).toMatchObject([{ blockHeight: first, depth: 1 }]);
    chain.unconfirm(child.getId());
    expect(await watcher.check(scope, await chain.tip())).toEqual([]);
    chain.mine(1);
    const merkleBefore = chain.calls['merkleProof'] ?? 0;
    expect(await watcher.check(scope, await chain.tip())).toMatchObject([{ blockHeight: first + 2, depth: 1 }]);
    expect((chain.calls['merkleProof'] ?? 0) - merkleBefore).toBe(1);
  });

  test('a lying server: a "spend" not spending the outpoint, or a spend not in its block, yields nothing (retried next tip)', async () => {
    const block = [...chain.confirmed.values()][0]!;
    // The parent itself does not spend parent:1.
    chain.lie = () => ({ spent: true, txid: parent.getId(), vin: 0, status: { confirmed: true, blockHeight: block.height, blockHash: block.hash, blockTime: 0 } });
    expect(await watcher.check(scope, await chain.tip())).toEqual([]);
    // The child, claimed in the parent's block though it is only in the mempool.
    await chain.broadcast(child.toBuffer());
    chain.lie = () => ({ spent: true, txid: child.getId(), vin: 0, status: { confirmed: true, blockHeight: block.height, blockHash: block.hash, blockTime: 0 } });
    const proof = chain.merkleProof.bind(chain);
    chain.merkleProof = async (id: string) => (id === child.getId() ? { blockHeight: block.height, merkle: [], pos: 1 } : proof(id));
    expect(await watcher.check(scope, await chain.tip())).toEqual([]);
    // The truth, on the same tip (a failed check is not remembered as done).
    chain.lie = undefined;
    chain.merkleProof = proof;
    chain.mine(1);
    expect(await watcher.check(scope, await chain.tip())).toMatchObject([{ blockHeight: chain.height, depth: 1 }]);
  });

  test('a channel that ended watches nothing', async () => {
    watcher.sync(scope, { type: 'closed' } as never);
    expect(watcher.watched(scope)).toEqual([]);
    await chain.broadcast(child.toBuffer());
    chain.mine(1);
    expect(await watcher.check(scope, await chain.tip())).toEqual([]);
  });

  test('the contract actions are recognised structurally, malformed ones are not', () => {
    const channelId = new Uint8Array(32).fill(0xab);
    const a = { type: 'persist-revoked', channelId, commitmentNumber: 7, record: Uint8Array.of(1, 7, 0) } as const;
    expect(isPersistRevoked(a as never)).toBe(true);
    expect(isPersistRevoked({ ...a, commitmentNumber: -1 } as never)).toBe(false);
    expect(isPersistRevoked({ ...a, record: 'x' } as never)).toBe(false);
    expect(persistRevokedWrite(a)).toEqual({ kind: 'persist', key: `channel-revoked/${'ab'.repeat(32)}/7`, value: a.record });
    expect(isWatchOutputSpend({ type: 'watch-output-spend', txid: new Uint8Array(32), outputIndex: 2 } as never)).toBe(true);
    expect(isWatchOutputSpend({ type: 'watch-output-spend', txid: new Uint8Array(31), outputIndex: 2 } as never)).toBe(false);
    // The key family is in the store schema, and no other row swallows it.
    expect(recordSpecFor(revokedRecordKey(channelId, 7))?.key).toBe('channel-revoked/');
    expect(schemaProblems()).toEqual([]);
  });
});

/** A store remembering the keys of every write batch. */
class RecordingStore extends MemoryKVStore {
  readonly batches: string[][] = [];
  /** The whole store after each write. */
  readonly copies: Map<string, Uint8Array>[] = [];
  override async write(batch: KVBatch): Promise<void> {
    await super.write(batch);
    this.batches.push((batch.put ?? []).map(([k]) => k));
    const copy = new Map<string, Uint8Array>();
    for (const k of await this.keys('')) copy.set(k, (await this.get(k))!);
    this.copies.push(copy);
  }
}

describe('BOLT 5 revoked-commitment records through the ChannelManager', () => {
  test('a payment: each side keeps the record of the peer commitment it revoked with the HTLC output, written with the snapshot', async () => {
    const net = { bus: new Bus(), chain: new FakeChain() };
    const stores = { a: new RecordingStore(), b: new RecordingStore() };
    const a = await makeNode(net, 'rev-alice', { store: stores.a });
    const b = await makeNode(net, 'rev-bob', { store: stores.b });
    const ch = await openAndConfirm(net, a, b, { channelType: 'static_remotekey', pushMsat: 0n });
    const pa = await withPayments(a);
    const pb = await withPayments(b);
    expect(await stores.a.keys('channel-revoked/')).toEqual([]);
    const inv = await pb.payments.createInvoice({ amountMsat: 7_000_000n, description: 'above dust' });
    const paying = pa.payments.pay(inv.bolt11);
    await settleAll(net.bus, [a, b], [pa.payments, pb.payments]);
    expect((await paying).status).toBe('succeeded');
    await settleAll(net.bus, [a, b], [pa.payments, pb.payments]);
    for (const [n, store] of [[a, stores.a], [b, stores.b]] as const) {
      const keys = await store.keys(`channel-revoked/${ch.channelId}/`);
      expect(keys.length, n.name).toBeGreaterThan(0);
      for (const key of keys) {
        const record = decodeRevokedCommitment((await store.get(key))!);
        expect(key).toBe(`channel-revoked/${ch.channelId}/${record.commitmentNumber}`);
        expect(record.htlcs).toHaveLength(1);
        expect(record.htlcs[0]).toMatchObject({ amountMsat: 7_000_000n, paymentHash: Uint8Array.from(Buffer.from(inv.paymentHash, 'hex')) });
        // The same atomic write as the channel snapshot.
        expect(store.batches.find((keysOfBatch) => keysOfBatch.includes(key))).toContain(`channel/${ch.channelId}`);
      }
    }
  });
});

describe('BOLT 5 breach through the ChannelManager (stale backup of the peer)', () => {
  test('revoked commitment with an HTLC mined → justice with the stored record, re-published after a restart, outputs claimed, closed', async () => {
    const chain = new SpendChain();
    const net = { bus: new Bus(), chain };
    const storeB = new RecordingStore();
    const a = await makeNode(net, 'breach-alice');
    const b = await makeNode(net, 'breach-bob', { store: storeB });
    const ch = await openAndConfirm(net, a, b, { channelType: 'static_remotekey', pushMsat: 0n });
    const pa = await withPayments(a);
    const pb = await withPayments(b);
    const inv = await pb.payments.createInvoice({ amountMsat: 9_000_000n, description: 'to be cheated' });
    const paying = pa.payments.pay(inv.bolt11);
    await settleAll(net.bus, [a, b], [pa.payments, pb.payments]);
    expect((await paying).status).toBe('succeeded');
    await settleAll(net.bus, [a, b], [pa.payments, pb.payments]);

    // B's store as it was while the HTLC was in B's own commitment: its "old backup".
    const key = `channel/${ch.channelId}`;
    const backup = storeB.copies.find((c) => {
      const st = c.get(key) && decodeChannelState(c.get(key)!);
      return !!st && 'commitments' in st && st.commitments.localCommit.spec.htlcs.length > 0;
    })!;
    expect(backup).toBeDefined();
    pb.payments.stop();
    b.manager.stop();
    const old = new MemoryKVStore();
    await old.write({ put: [...backup] });
    const cheater = await makeNode(net, 'breach-bob', { store: old });
    const { closingTxid } = await cheater.manager.close(ch.channelId, { force: true });
    const revokedRaw = chain.mempool.get(closingTxid)!;
    const revoked = Transaction.fromBuffer(revokedRaw);
    chain.mine(1);
    const minedAt = chain.height;
    await a.manager.onTip();
    await a.manager.idle();

    const s = decodeChannelState((await a.store.get(key))!);
    expect(s.type).toBe('force-closing');
    if (s.type !== 'force-closing') throw new Error('not force-closing');
    expect(s.breach?.revokedRecord).toBeDefined();
    const justice = [...chain.mempool.values()].map((r) => Transaction.fromBuffer(r)).filter((t) => t.ins.some((i) => display(i.hash) === closingTxid));
    expect(justice.length).toBeGreaterThan(0);
    const claimed = new Set<number>();
    for (const t of justice) {
      t.ins.forEach((i, n) => {
        const prev = revoked.outs[i.index]!;
        expect(scriptError(t.toBuffer(), n, prev.script, prev.value)).toBeUndefined();
        claimed.add(i.index);
      });
    }
    const htlcVout = revoked.outs.findIndex((o) => o.value === 9_000n);
    expect(htlcVout).toBeGreaterThanOrEqual(0);
    expect(claimed.has(htlcVout)).toBe(true);
    expect(a.manager.get(ch.channelId)?.outputs?.some((o) => o.outpoint === `${closingTxid}:${htlcVout}` && o.kind === 'revoked-htlc')).toBe(true);

    // Restart A before the justice confirms: published again from its record.
    a.manager.stop();
    chain.mempool.clear();
    const a2 = await makeNode(net, 'breach-alice', { store: a.store });
    for (const t of justice) expect(chain.mempool.has(t.getId())).toBe(true);
    for (let i = 0; i < 8 && a2.manager.get(ch.channelId)?.state !== 'closed'; i++) {
      chain.mine(1);
      await a2.manager.onTip();
      await a2.manager.idle();
    }
    for (const t of justice) expect(chain.confirmed.get(t.getId())?.height).toBe(minedAt + 1);
    expect(a2.manager.get(ch.channelId)).toMatchObject({ state: 'closed' });
  });
});
