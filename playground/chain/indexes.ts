/**
 * The Esplora-style indexes behind the HTTP facade, kept by the chain itself:
 *
 * - `ConfirmedIndex`: main-chain blocks, transactions (with their prevouts), a spent-by map and a
 *   scripthash history, fed block by block from bcoin's `connect` / `disconnect` events and undone
 *   exactly on a disconnect. bcoin's own address index is keyed by address hash (for P2WSH the
 *   witness-script hash) and skips non-address scripts, so it cannot answer Esplora's
 *   `sha256(scriptPubKey)` queries.
 * - `MempoolView`: the same questions for bcoin's mempool, rebuilt on demand (the test mempool
 *   is small) whenever the mempool changed.
 *
 * Every hash here is display-order hex (as Esplora prints it).
 */
import type { Block, MempoolEntry, TX } from 'bcoin';
import { scripthashOf } from './script.ts';

export interface Prevout {
  readonly script: Buffer;
  readonly value: number;
}

export interface BlockRecord {
  readonly hash: string;
  readonly height: number;
  /** 80-byte header. */
  readonly header: Buffer;
  readonly raw: Buffer;
  readonly version: number;
  readonly time: number;
  readonly bits: number;
  readonly nonce: number;
  readonly merkleRoot: string;
  readonly prevHash: string;
  readonly size: number;
  readonly weight: number;
  readonly mediantime: number;
  readonly txids: readonly string[];
}

export interface TxLocation {
  readonly hash: string;
  readonly height: number;
  readonly time: number;
  /** Index of the tx in its block. */
  readonly pos: number;
}

export interface TxRecord {
  readonly txid: string;
  readonly tx: TX;
  readonly raw: Buffer;
  /** Per input; null for a coinbase input or (mempool only) an unknown parent. */
  readonly prevouts: readonly (Prevout | null)[];
  /** Set when confirmed in the main chain. */
  readonly block?: TxLocation;
}

export interface SpendRef {
  readonly txid: string;
  readonly vin: number;
}

export const outpointKey = (txid: string, vout: number): string => `${txid}:${vout}`;

/** Internal-order hex (bcoin) ↔ display-order hex (Esplora). */
export const reverseHex = (hex: string): string => Buffer.from(hex, 'hex').reverse().toString('hex');

/** Scripthashes a tx touches: its outputs (except OP_RETURN, as electrs) and the outputs it spends. */
function touchedScripthashes(tx: TX, prevouts: readonly (Prevout | null)[]): Set<string> {
  const touched = new Set<string>();
  for (const output of tx.outputs) {
    const script = output.script.toRaw();
    if (script[0] !== 0x6a) touched.add(scripthashOf(script));
  }
  for (const prevout of prevouts) if (prevout) touched.add(scripthashOf(prevout.script));
  return touched;
}

export class ConfirmedIndex {
  /** Main chain, by height. */
  readonly blocks: BlockRecord[] = [];
  private readonly blocksByHash = new Map<string, BlockRecord>();
  private readonly txs = new Map<string, TxRecord>();
  private readonly spends = new Map<string, SpendRef>();
  private readonly history = new Map<string, Set<string>>();

  get tip(): BlockRecord {
    const tip = this.blocks[this.blocks.length - 1];
    if (!tip) throw new Error('index has no blocks');
    return tip;
  }

  block(hash: string): BlockRecord | undefined {
    return this.blocksByHash.get(hash);
  }

  blockAt(height: number): BlockRecord | undefined {
    return this.blocks[height];
  }

  tx(txid: string): TxRecord | undefined {
    return this.txs.get(txid);
  }

  output(txid: string, vout: number): Prevout | undefined {
    const output = this.txs.get(txid)?.tx.outputs[vout];
    return output ? { script: output.script.toRaw(), value: output.value } : undefined;
  }

  spentBy(txid: string, vout: number): SpendRef | undefined {
    return this.spends.get(outpointKey(txid, vout));
  }

  /** Confirmed txids touching the scripthash, newest first (height, then position, descending). */
  historyOf(scripthash: string): TxRecord[] {
    const txids = this.history.get(scripthash);
    if (!txids) return [];
    const records = [...txids].map((txid) => this.txs.get(txid)!);
    return records.sort((a, b) => b.block!.height - a.block!.height || b.block!.pos - a.block!.pos);
  }

  /** Index a block that became the new tip. */
  connect(block: Block, height: number, mediantime: number): BlockRecord {
    const hash = block.rhash();
    const expectedPrev = height === 0 ? '0'.repeat(64) : this.tip.hash;
    const prevHash = reverseHex(block.prevBlock);
    if (prevHash !== expectedPrev || height !== this.blocks.length) {
      throw new Error(`index: block ${hash} at ${height} does not extend the indexed tip (${this.blocks.length - 1})`);
    }
    const raw = block.toRaw();
    const txids = block.txs.map((tx) => tx.txid());
    const record: BlockRecord = {
      hash,
      height,
      header: raw.subarray(0, 80),
      raw,
      version: block.version,
      time: block.time,
      bits: block.bits,
      nonce: block.nonce,
      merkleRoot: reverseHex(block.merkleRoot),
      prevHash,
      size: raw.length,
      weight: block.getWeight(),
      mediantime,
      txids,
    };
    this.blocks.push(record);
    this.blocksByHash.set(hash, record);
    block.txs.forEach((tx, pos) => {
      const txid = txids[pos]!;
      const prevouts = tx.isCoinbase()
        ? tx.inputs.map(() => null)
        : tx.inputs.map((input) => this.output(reverseHex(input.prevout.hash), input.prevout.index) ?? null);
      const entry: TxRecord = { txid, tx, raw: tx.toRaw(), prevouts, block: { hash, height, time: block.time, pos } };
      this.txs.set(txid, entry);
      if (!tx.isCoinbase()) {
        tx.inputs.forEach((input, vin) => this.spends.set(outpointKey(reverseHex(input.prevout.hash), input.prevout.index), { txid, vin }));
      }
      for (const sh of touchedScripthashes(tx, prevouts)) {
        let set = this.history.get(sh);
        if (!set) this.history.set(sh, (set = new Set()));
        set.add(txid);
      }
    });
    return record;
  }

  /** Undo the tip block (which must be `hash`). */
  disconnect(hash: string): BlockRecord {
    const record = this.tip;
    if (record.hash !== hash) throw new Error(`index: disconnecting ${hash} but the indexed tip is ${record.hash}`);
    for (let pos = record.txids.length - 1; pos >= 0; pos--) {
      const txid = record.txids[pos]!;
      const entry = this.txs.get(txid)!;
      if (!entry.tx.isCoinbase()) {
        entry.tx.inputs.forEach((input) => this.spends.delete(outpointKey(reverseHex(input.prevout.hash), input.prevout.index)));
      }
      for (const sh of touchedScripthashes(entry.tx, entry.prevouts)) {
        const set = this.history.get(sh);
        set?.delete(txid);
        if (set && set.size === 0) this.history.delete(sh);
      }
      this.txs.delete(txid);
    }
    this.blocks.pop();
    this.blocksByHash.delete(hash);
    return record;
  }
}

/** A snapshot of bcoin's mempool, indexed the Esplora way. */
export class MempoolView {
  /** In arrival (dependency) order. */
  readonly txs: TxRecord[] = [];
  private readonly byTxid = new Map<string, TxRecord & { fee: number; vsize: number }>();
  private readonly spends = new Map<string, SpendRef>();
  private readonly history = new Map<string, string[]>();

  constructor(entries: Iterable<MempoolEntry>, confirmed: ConfirmedIndex) {
    const all = [...entries];
    const mempoolTx = new Map(all.map((e) => [e.tx.txid(), e.tx]));
    for (const entry of all) {
      const tx = entry.tx;
      const txid = tx.txid();
      const prevouts = tx.inputs.map((input) => {
        const parentTxid = reverseHex(input.prevout.hash);
        const parent = mempoolTx.get(parentTxid)?.outputs[input.prevout.index];
        if (parent) return { script: parent.script.toRaw(), value: parent.value };
        return confirmed.output(parentTxid, input.prevout.index) ?? null;
      });
      const record = { txid, tx, raw: tx.toRaw(), prevouts, fee: entry.fee, vsize: entry.size };
      this.txs.push(record);
      this.byTxid.set(txid, record);
      tx.inputs.forEach((input, vin) => this.spends.set(outpointKey(reverseHex(input.prevout.hash), input.prevout.index), { txid, vin }));
      for (const sh of touchedScripthashes(tx, prevouts)) {
        let list = this.history.get(sh);
        if (!list) this.history.set(sh, (list = []));
        list.push(txid);
      }
    }
  }

  tx(txid: string): (TxRecord & { fee: number; vsize: number }) | undefined {
    return this.byTxid.get(txid);
  }

  spentBy(txid: string, vout: number): SpendRef | undefined {
    return this.spends.get(outpointKey(txid, vout));
  }

  /** Mempool txs touching the scripthash, in arrival order (as electrs' mempool index appends them). */
  historyOf(scripthash: string): TxRecord[] {
    return (this.history.get(scripthash) ?? []).map((txid) => this.byTxid.get(txid)!);
  }
}
