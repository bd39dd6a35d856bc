/**
 * An in-memory `ChainSource` for wallet tests: a chain of blocks plus a mempool, funded by a
 * faucet, mined on demand. `broadcast` behaves like a policy-enforcing node: inputs must exist
 * and be unspent (no replacement), coinbase outputs mature after 100 blocks, every P2WPKH input
 * must carry a valid low-S BIP 143 signature (checked with @noble/secp256k1 directly, not with
 * the engine's wrappers), outputs must not be dust, and the fee must be at least 1 sat/vB.
 *
 * Every call is counted per method (`calls`), and `maxInFlight` records the peak number of
 * concurrent `scriptHistory` requests, so tests can pin request counts and concurrency.
 */
import * as secp from '@noble/secp256k1';
import { sha256 } from '@noble/hashes/sha2.js';
import { ripemd160 } from '@noble/hashes/legacy.js';
import { bytesToHex, hexToBytes } from '@noble/hashes/utils.js';
import { script as bscript, Transaction } from 'bitcoinjs-lib';
import type { BlockStatus, ChainSource, ChainTip, FeeEstimates, OutSpend, ScriptTx, ScriptUtxo, TxStatus } from '../../engine/chain/source.ts';

type Method = keyof ChainSource;

interface Entry {
  readonly txid: string;
  readonly raw: Uint8Array;
  readonly tx: Transaction;
  status: TxStatus;
}

interface Block {
  readonly hash: string;
  readonly header: Uint8Array;
  readonly height: number;
  readonly time: number;
  readonly txids: string[];
}

const dsha = (b: Uint8Array): Uint8Array => sha256(sha256(b));
const hash160 = (b: Uint8Array): Uint8Array => ripemd160(sha256(b));
const reversedHex = (b: Uint8Array): string => bytesToHex(b.slice().reverse());

/** Bitcoin Core dust threshold at 3 sat/vB (witness programs: 67-byte spend, others 148). */
function dust(spk: Uint8Array): bigint {
  const isWitness = spk.length >= 4 && spk.length <= 42 && (spk[0] === 0 || ((spk[0] as number) >= 0x51 && (spk[0] as number) <= 0x60)) && spk[1] === spk.length - 2;
  return BigInt((8 + 1 + spk.length + (isWitness ? 67 : 148)) * 3);
}

export interface FakeChainOptions {
  /** Milliseconds each request waits (on a resolved-promise chain when 0). */
  readonly latencyMs?: number;
  readonly feeEstimates?: ReadonlyMap<number, number>;
}

export class FakeChain implements ChainSource {
  readonly calls: Record<Method, number> = {
    tip: 0, tipHash: 0, blockStatus: 0, blockHeader: 0, blockHashAtHeight: 0, scriptHistory: 0, scriptUtxos: 0, transaction: 0,
    txStatus: 0, verifyConfirmed: 0, outSpend: 0, feeEstimates: 0, broadcast: 0,
  };
  maxInFlight = 0;
  private inFlight = 0;
  estimates: ReadonlyMap<number, number>;
  /** When set, `feeEstimates` rejects with this error. */
  feeEstimatesError: Error | undefined;
  /** When set, `broadcast` rejects with this error (and does not accept the transaction). */
  broadcastError: Error | undefined;
  private readonly latencyMs: number;
  private readonly txs = new Map<string, Entry>();
  private readonly blocks: Block[] = [];
  private mempool: string[] = [];
  private faucetCounter = 0;

  constructor(options: FakeChainOptions = {}) {
    this.latencyMs = options.latencyMs ?? 0;
    this.estimates = options.feeEstimates ?? new Map([[1, 20], [3, 10], [6, 5], [144, 2]]);
    this.mineBlock([]); // genesis
  }

  // ---- test controls ---------------------------------------------------------------------------

  get height(): number {
    return this.blocks.length - 1;
  }

  /** Total of all counted calls. */
  get totalCalls(): number {
    return Object.values(this.calls).reduce((s, n) => s + n, 0);
  }

  resetCalls(): void {
    for (const k of Object.keys(this.calls) as Method[]) this.calls[k] = 0;
    this.maxInFlight = 0;
  }

  /** A faucet payment to `spk` (into the mempool); its input spends a made-up outpoint. */
  fund(spk: Uint8Array, valueSat: bigint, outputs = 1): string {
    const tx = new Transaction();
    tx.version = 2;
    const prev = sha256(Uint8Array.of(0xfa, ...new TextEncoder().encode(String(this.faucetCounter++))));
    tx.addInput(prev, 0, 0xfffffffd, Uint8Array.of(0x51));
    for (let i = 0; i < outputs; i++) tx.addOutput(spk, valueSat);
    return this.accept(tx);
  }

  /** Mine `n` blocks; the first includes the whole mempool. Optionally pay its coinbase to `spk`. */
  mine(n = 1, coinbaseTo?: { spk: Uint8Array; valueSat: bigint }): string[] {
    const hashes: string[] = [];
    for (let i = 0; i < n; i++) {
      const txids: string[] = [];
      if (i === 0 && coinbaseTo) {
        const cb = new Transaction();
        cb.version = 2;
        cb.addInput(new Uint8Array(32), 0xffffffff, 0xffffffff, Uint8Array.of(0x03, ...[this.height + 1, 0, 0]));
        cb.addOutput(coinbaseTo.spk, coinbaseTo.valueSat);
        txids.push(this.accept(cb, false));
      }
      if (i === 0) txids.push(...this.mempool.splice(0));
      hashes.push(this.mineBlock(txids));
    }
    return hashes;
  }

  /** Drop a mempool transaction (eviction), and everything that spends it. */
  evict(txid: string): void {
    const doomed = new Set([txid]);
    for (let grew = true; grew; ) {
      grew = false;
      for (const id of this.mempool) {
        const e = this.txs.get(id) as Entry;
        if (!doomed.has(id) && e.tx.ins.some((i) => doomed.has(reversedHex(i.hash)))) {
          doomed.add(id);
          grew = true;
        }
      }
    }
    this.mempool = this.mempool.filter((id) => !doomed.has(id));
    for (const id of doomed) this.txs.delete(id);
  }

  isInMempool(txid: string): boolean {
    return this.mempool.includes(txid);
  }

  /** Value paid to `spk` by unspent outputs (confirmed or not). */
  balanceOf(spk: Uint8Array): bigint {
    return this.utxosOf(spk).reduce((s, u) => s + u.valueSat, 0n);
  }

  // ---- ChainSource -----------------------------------------------------------------------------

  async tip(): Promise<ChainTip> {
    await this.enter('tip');
    const b = this.blocks[this.height] as Block;
    return this.leave({ height: b.height, hash: b.hash });
  }

  async tipHash(): Promise<string> {
    await this.enter('tipHash');
    return this.leave((this.blocks[this.height] as Block).hash);
  }

  async blockStatus(hash: string): Promise<BlockStatus> {
    await this.enter('blockStatus');
    const b = this.blocks.find((x) => x.hash === hash);
    if (!b) return this.leave({ inBestChain: false, height: undefined, nextBest: undefined });
    return this.leave({ inBestChain: true, height: b.height, nextBest: this.blocks[b.height + 1]?.hash });
  }

  async blockHeader(hash: string): Promise<Uint8Array> {
    await this.enter('blockHeader');
    const b = this.blocks.find((x) => x.hash === hash);
    if (!b) return this.fail(`block ${hash} not found`);
    return this.leave(b.header.slice());
  }

  async blockHashAtHeight(height: number): Promise<string> {
    await this.enter('blockHashAtHeight');
    const b = this.blocks[height];
    if (!b) return this.fail(`no block at height ${height}`);
    return this.leave(b.hash);
  }

  async scriptHistory(spk: Uint8Array): Promise<ScriptTx[]> {
    await this.enter('scriptHistory');
    const hex = bytesToHex(spk);
    const out: ScriptTx[] = [];
    for (const e of this.txs.values()) {
      const pays = e.tx.outs.some((o) => bytesToHex(o.script) === hex);
      const spends = !e.tx.isCoinbase() && e.tx.ins.some((i) => {
        const prev = this.txs.get(reversedHex(i.hash));
        return prev !== undefined && bytesToHex((prev.tx.outs[i.index] as { script: Uint8Array }).script) === hex;
      });
      if (pays || spends) out.push({ txid: e.txid, status: e.status });
    }
    return this.leave(out);
  }

  async scriptUtxos(spk: Uint8Array): Promise<ScriptUtxo[]> {
    await this.enter('scriptUtxos');
    return this.leave(this.utxosOf(spk));
  }

  async transaction(txid: string): Promise<Uint8Array> {
    await this.enter('transaction');
    const e = this.txs.get(txid);
    if (!e) return this.fail(`transaction ${txid} not found`);
    return this.leave(e.raw.slice());
  }

  async txStatus(txid: string): Promise<TxStatus> {
    await this.enter('txStatus');
    const e = this.txs.get(txid);
    if (!e) return this.fail(`transaction ${txid} not found`);
    return this.leave(e.status);
  }

  async verifyConfirmed(txid: string): Promise<TxStatus> {
    await this.enter('verifyConfirmed');
    const e = this.txs.get(txid);
    if (!e || !e.status.confirmed) return this.fail(`transaction ${txid} is not confirmed`);
    return this.leave(e.status);
  }

  async outSpend(txid: string, vout: number): Promise<OutSpend> {
    await this.enter('outSpend');
    const spender = this.spenderOf(txid, vout);
    if (!spender) return this.leave({ spent: false });
    return this.leave({ spent: true, txid: spender.e.txid, vin: spender.vin, status: spender.e.status });
  }

  async feeEstimates(): Promise<FeeEstimates> {
    await this.enter('feeEstimates');
    if (this.feeEstimatesError) return this.fail(this.feeEstimatesError.message);
    return this.leave(new Map(this.estimates));
  }

  async broadcast(rawTx: Uint8Array): Promise<string> {
    await this.enter('broadcast');
    if (this.broadcastError) return this.fail(this.broadcastError.message);
    let tx: Transaction;
    try {
      tx = Transaction.fromBuffer(rawTx);
    } catch {
      return this.fail('TX decode failed');
    }
    const problem = this.check(tx);
    if (problem) return this.fail(problem);
    return this.leave(this.accept(tx));
  }

  // ---- internals -------------------------------------------------------------------------------

  private async enter(method: Method): Promise<void> {
    this.calls[method]++;
    this.inFlight++;
    if (method === 'scriptHistory') this.maxInFlight = Math.max(this.maxInFlight, this.inFlight);
    if (this.latencyMs > 0) await new Promise((r) => setTimeout(r, this.latencyMs));
    else await Promise.resolve();
  }

  private leave<T>(value: T): T {
    this.inFlight--;
    return value;
  }

  private fail(message: string): never {
    this.inFlight--;
    throw new Error(message);
  }

  private accept(tx: Transaction, toMempool = true): string {
    const raw = tx.toBuffer();
    const txid = tx.getId();
    this.txs.set(txid, { txid, raw, tx, status: { confirmed: false } });
    if (toMempool) this.mempool.push(txid);
    return txid;
  }

  private mineBlock(txids: string[]): string {
    const height = this.blocks.length;
    const prev = height > 0 ? hexToBytes((this.blocks[height - 1] as Block).hash).reverse() : new Uint8Array(32);
    const header = new Uint8Array(80);
    const view = new DataView(header.buffer);
    view.setUint32(0, 0x20000000, true);
    header.set(prev, 4);
    header.set(dsha(new TextEncoder().encode(txids.join(','))), 36);
    const time = 1_700_000_000 + height * 600;
    view.setUint32(68, time, true);
    view.setUint32(72, 0x207fffff, true);
    const hash = reversedHex(dsha(header));
    this.blocks.push({ hash, header, height, time, txids });
    for (const id of txids) {
      const e = this.txs.get(id) as Entry;
      e.status = { confirmed: true, blockHeight: height, blockHash: hash, blockTime: time };
    }
    return hash;
  }

  private spenderOf(txid: string, vout: number): { e: Entry; vin: number } | undefined {
    for (const e of this.txs.values()) {
      if (e.tx.isCoinbase()) continue;
      const vin = e.tx.ins.findIndex((i) => reversedHex(i.hash) === txid && i.index === vout);
      if (vin >= 0) return { e, vin };
    }
    return undefined;
  }

  private utxosOf(spk: Uint8Array): ScriptUtxo[] {
    const hex = bytesToHex(spk);
    const out: ScriptUtxo[] = [];
    for (const e of this.txs.values()) {
      e.tx.outs.forEach((o, vout) => {
        if (bytesToHex(o.script) === hex && !this.spenderOf(e.txid, vout)) out.push({ txid: e.txid, vout, valueSat: o.value, status: e.status });
      });
    }
    return out;
  }

  /** Node policy; returns the rejection reason or undefined. */
  private check(tx: Transaction): string | undefined {
    if (this.txs.has(tx.getId())) return 'txn-already-known';
    if (tx.ins.length === 0 || tx.outs.length === 0) return 'bad-txns-vin-or-vout-empty';
    let inSum = 0n;
    const seen = new Set<string>();
    for (let i = 0; i < tx.ins.length; i++) {
      const input = tx.ins[i] as Transaction['ins'][number];
      const prevId = reversedHex(input.hash);
      const key = `${prevId}:${input.index}`;
      if (seen.has(key)) return 'bad-txns-inputs-duplicate';
      seen.add(key);
      const prev = this.txs.get(prevId);
      const prevOut = prev?.tx.outs[input.index];
      if (!prev || !prevOut) return 'bad-txns-inputs-missingorspent';
      if (this.spenderOf(prevId, input.index)) return 'txn-mempool-conflict';
      if (prev.tx.isCoinbase() && (!prev.status.confirmed || this.height + 1 - prev.status.blockHeight < 100)) return 'bad-txns-premature-spend-of-coinbase';
      const spk = prevOut.script;
      if (spk.length === 22 && spk[0] === 0 && spk[1] === 0x14) {
        if (input.script.length !== 0 || input.witness.length !== 2) return `non-mandatory-script-verify-flag (input ${i} witness)`;
        const [sig, pubkey] = input.witness as [Uint8Array, Uint8Array];
        if (bytesToHex(hash160(pubkey)) !== bytesToHex(spk.subarray(2))) return `mandatory-script-verify-flag-failed (input ${i} pubkey)`;
        const { signature, hashType } = bscript.signature.decode(sig);
        const code = Uint8Array.of(0x76, 0xa9, 0x14, ...spk.subarray(2), 0x88, 0xac);
        const digest = tx.hashForWitnessV0(i, code, prevOut.value, hashType);
        if (!secp.verify(signature, digest, pubkey, { prehash: false, lowS: true })) return `mandatory-script-verify-flag-failed (input ${i} signature)`;
      } else return `unsupported input type in fake chain (input ${i})`;
      inSum += prevOut.value;
    }
    let outSum = 0n;
    for (const o of tx.outs) {
      if (o.value < dust(o.script)) return 'dust';
      outSum += o.value;
    }
    if (outSum > inSum) return 'bad-txns-in-belowout';
    if (inSum - outSum < BigInt(tx.virtualSize())) return 'min relay fee not met';
    return undefined;
  }
}
