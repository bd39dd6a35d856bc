/**
 * An in-memory electrs-like Esplora server behind a `FetchLike`, for unit tests. It is a faithful
 * model: real transactions (bitcoinjs-lib, segwit serialization, txid ≠ wtxid), real 80-byte
 * headers mined against regtest bits, a real merkle tree per block, electrs' paging (50 mempool
 * + 25 confirmed, then 25 per `/txs/chain/:last` page), outspends, UTXOs, a min-relay-fee rule
 * on `POST /tx`, and reorgs. Tests can intercept any request to make it lie, fail or hang, hold
 * responses to observe concurrency, and read the request log.
 */
import { Transaction } from 'bitcoinjs-lib';
import { sha256 } from '@noble/hashes/sha2.js';
import { bytesToHex, hexToBytes, utf8ToBytes } from '@noble/hashes/utils.js';
import type { FetchLike, FetchResponseLike } from '../../engine/ports.ts';

export const sha256d = (b: Uint8Array): Uint8Array => sha256(sha256(b));
export const toDisplay = (internal: Uint8Array): string => bytesToHex(internal.slice().reverse());
export const fromDisplay = (hex: string): Uint8Array => hexToBytes(hex).reverse();
const concat = (...parts: Uint8Array[]): Uint8Array => {
  const out = new Uint8Array(parts.reduce((n, p) => n + p.length, 0));
  let o = 0;
  for (const p of parts) (out.set(p, o), (o += p.length));
  return out;
};
const u32 = (n: number) => new Uint8Array([n & 0xff, (n >>> 8) & 0xff, (n >>> 16) & 0xff, (n >>> 24) & 0xff]);

export const REGTEST_BITS = 0x207fffff;
const REGTEST_TARGET = 0x7fffffn << BigInt(8 * (0x20 - 3));

/** A P2WPKH-shaped scriptPubKey derived from a label (no key needed: the fake checks no signatures). */
export function scriptFor(label: string): Uint8Array {
  return concat(new Uint8Array([0x00, 0x14]), sha256(utf8ToBytes(label)).subarray(0, 20));
}

export interface FakeBlock {
  readonly height: number;
  readonly hash: string;
  readonly header: Uint8Array;
  readonly time: number;
  readonly txs: readonly Transaction[];
  readonly txids: readonly string[];
}

/** Merkle root (internal order) of internal-order leaves, Bitcoin style (odd levels duplicate the last). */
export function merkleRoot(leaves: readonly Uint8Array[]): Uint8Array {
  let level = leaves.slice();
  while (level.length > 1) {
    const next: Uint8Array[] = [];
    for (let i = 0; i < level.length; i += 2) next.push(sha256d(concat(level[i]!, level[i + 1] ?? level[i]!)));
    level = next;
  }
  return level[0]!;
}

/** electrs' merkle branch (display-order siblings, leaf upwards) for leaf `pos`. */
export function merkleBranch(leaves: readonly Uint8Array[], pos: number): string[] {
  const branch: string[] = [];
  let level = leaves.slice();
  let index = pos;
  while (level.length > 1) {
    branch.push(toDisplay(level[index ^ 1] ?? level[index]!));
    const next: Uint8Array[] = [];
    for (let i = 0; i < level.length; i += 2) next.push(sha256d(concat(level[i]!, level[i + 1] ?? level[i]!)));
    level = next;
    index >>= 1;
  }
  return branch;
}

export function mineHeader(prevHash: string, root: Uint8Array, time: number, bits = REGTEST_BITS): Uint8Array {
  const target = bits === REGTEST_BITS ? REGTEST_TARGET : 0n;
  for (let nonce = 0; ; nonce++) {
    const header = concat(u32(0x20000000), fromDisplay(prevHash), root, u32(time), u32(bits), u32(nonce));
    if (target === 0n || BigInt(`0x${toDisplay(sha256d(header))}`) <= target) return header;
  }
}

export interface Outpoint {
  readonly txid: string;
  readonly vout: number;
}

/** The chain, mempool and the stale blocks of past reorgs. */
export class FakeChain {
  readonly blocks: FakeBlock[] = [];
  readonly stale = new Map<string, FakeBlock>();
  mempool: Transaction[] = [];
  private counter = 0;
  private clockSec = 1_700_000_000;
  readonly minerScript = scriptFor('miner');

  constructor() {
    this.mineBlock([]);
  }

  get tip(): FakeBlock {
    return this.blocks[this.blocks.length - 1]!;
  }

  private coinbase(height: number, script: Uint8Array): Transaction {
    const tx = new Transaction();
    tx.version = 2;
    const tag = utf8ToBytes(`cb/${height}/${this.counter++}`);
    tx.addInput(new Uint8Array(32), 0xffffffff, 0xffffffff, concat(new Uint8Array([0x04]), u32(height), new Uint8Array([tag.length]), tag));
    tx.addOutput(script, 5_000_000_000n);
    return tx;
  }

  private mineBlock(txs: Transaction[], script = this.minerScript): FakeBlock {
    const height = this.blocks.length;
    const all = [this.coinbase(height, script), ...txs];
    const leaves = all.map((t) => t.getHash());
    const prev = height === 0 ? '0'.repeat(64) : this.tip.hash;
    const time = (this.clockSec += 600);
    const header = mineHeader(prev, merkleRoot(leaves), time);
    const block: FakeBlock = { height, hash: toDisplay(sha256d(header)), header, time, txs: all, txids: all.map((t) => t.getId()) };
    this.blocks.push(block);
    return block;
  }

  /** Mine `n` blocks; the first takes the whole mempool unless `txs` says otherwise. */
  mine(n = 1, options: { txs?: Transaction[]; to?: Uint8Array } = {}): FakeBlock[] {
    const out: FakeBlock[] = [];
    for (let i = 0; i < n; i++) {
      const chosen = i === 0 ? (options.txs ?? this.mempool) : [];
      const ids = new Set(chosen.map((t) => t.getId()));
      this.mempool = this.mempool.filter((t) => !ids.has(t.getId()));
      out.push(this.mineBlock(chosen, options.to));
    }
    return out;
  }

  /**
   * Replace the top `depth` blocks with `replacement` new ones (a longer fork when replacement >
   * depth). Their transactions go back to the mempool unless `dropTxids` names them; the first
   * new block re-mines the mempool unless `remine` is false (then the fork holds no txs).
   */
  reorg(depth: number, replacement: number, options: { remine?: boolean; dropTxids?: string[] } = {}): FakeBlock[] {
    const removed = this.blocks.splice(this.blocks.length - depth, depth);
    for (const b of removed) this.stale.set(b.hash, b);
    const drop = new Set(options.dropTxids ?? []);
    const back = removed.flatMap((b) => b.txs.slice(1)).filter((t) => !drop.has(t.getId()));
    this.mempool = [...back, ...this.mempool.filter((t) => !drop.has(t.getId()))];
    this.clockSec += 1; // a different time, so re-mined blocks differ from the removed ones
    const remine = options.remine ?? true;
    const out: FakeBlock[] = [];
    for (let i = 0; i < replacement; i++) out.push(...this.mine(1, remine ? {} : { txs: [] }));
    return out;
  }

  /** A transaction spending `inputs` into `outputs`, with a segwit witness; into the mempool. */
  spend(inputs: readonly Outpoint[], outputs: readonly { script: Uint8Array; value: bigint }[], options: { mempool?: boolean } = {}): Transaction {
    const tx = new Transaction();
    tx.version = 2;
    for (const i of inputs) tx.addInput(fromDisplay(i.txid), i.vout, 0xfffffffd);
    for (const o of outputs) tx.addOutput(o.script, o.value);
    inputs.forEach((_, k) => tx.setWitness(k, [new Uint8Array(71).fill(0x30 + k), new Uint8Array(33).fill(0x02)]));
    if (options.mempool ?? true) this.mempool.push(tx);
    return tx;
  }

  /** Fund `script` with `value` from a fresh mature coinbase; the tx goes to the mempool. */
  fund(script: Uint8Array, value: bigint, fee = 1_000n): Transaction {
    const cb = this.mine(1)[0]!;
    return this.spend([{ txid: cb.txids[0]!, vout: 0 }], [
      { script, value },
      { script: this.minerScript, value: 5_000_000_000n - value - fee },
    ]);
  }

  find(txid: string): { tx: Transaction; block?: FakeBlock; pos?: number } | undefined {
    for (const b of this.blocks) {
      const pos = b.txids.indexOf(txid);
      if (pos >= 0) return { tx: b.txs[pos]!, block: b, pos };
    }
    const tx = this.mempool.find((t) => t.getId() === txid);
    return tx ? { tx } : undefined;
  }

  /** Every tx, best chain first (height ascending), then the mempool. */
  allTxs(): { tx: Transaction; txid: string; block?: FakeBlock; pos: number }[] {
    const out: { tx: Transaction; txid: string; block?: FakeBlock; pos: number }[] = [];
    for (const b of this.blocks) b.txs.forEach((tx, pos) => out.push({ tx, txid: b.txids[pos]!, block: b, pos }));
    this.mempool.forEach((tx, pos) => out.push({ tx, txid: tx.getId(), pos }));
    return out;
  }

  prevout(txid: string, vout: number): { script: Uint8Array; value: bigint } | undefined {
    return this.find(txid)?.tx.outs[vout];
  }

  spender(txid: string, vout: number): { txid: string; vin: number; block?: FakeBlock } | undefined {
    for (const e of this.allTxs()) {
      const vin = e.tx.ins.findIndex((i) => toDisplay(i.hash) === txid && i.index === vout);
      if (vin >= 0) return { txid: e.txid, vin, ...(e.block ? { block: e.block } : {}) };
    }
    return undefined;
  }
}

export type FakeReply = { status: number; body: string; headers?: Record<string, string> } | 'hang' | 'network-error';
export interface FakeRequest {
  readonly method: string;
  readonly path: string;
  readonly body: string | undefined;
}

export const BASE_URL = 'http://esplora.test/api';

export class FakeEsplora {
  readonly chain: FakeChain;
  /** `GET /path` / `POST /path` per request received. */
  readonly log: string[] = [];
  inFlight = 0;
  maxInFlight = 0;
  /** Answer first (return a reply) or fall through to the model (return undefined). */
  intercept: ((req: FakeRequest) => FakeReply | undefined) | undefined;
  /** While true, responses wait for `release()`. */
  holding = false;
  private held: (() => void)[] = [];
  minFeeRate = 1;
  feeEstimates: Record<string, unknown> = {};

  constructor(chain = new FakeChain()) {
    this.chain = chain;
  }

  get heldCount(): number {
    return this.held.length;
  }

  release(n = Infinity): void {
    for (let i = 0; i < n && this.held.length > 0; i++) this.held.shift()!();
  }

  /** Requests logged since `mark` (a value of `log.length`). */
  since(mark: number): string[] {
    return this.log.slice(mark);
  }

  readonly fetch: FetchLike = async (url, init) => {
    const method = init?.method ?? 'GET';
    if (!url.startsWith(BASE_URL)) throw new TypeError(`fetch failed: unexpected url ${url}`);
    const path = url.slice(BASE_URL.length);
    this.log.push(`${method} ${path}`);
    this.inFlight++;
    this.maxInFlight = Math.max(this.maxInFlight, this.inFlight);
    try {
      if (this.holding) await new Promise<void>((resolve) => this.held.push(resolve));
      const req = { method, path, body: init?.body };
      const reply = this.intercept?.(req) ?? this.route(req);
      if (reply === 'hang') return await new Promise<never>(() => {});
      if (reply === 'network-error') throw new TypeError('fetch failed');
      return response(reply.status, reply.body, reply.headers);
    } finally {
      this.inFlight--;
    }
  };

  /** The honest answer. */
  route(req: FakeRequest): { status: number; body: string; headers?: Record<string, string> } {
    const c = this.chain;
    const p = req.path;
    const ok = (body: unknown) => ({ status: 200, body: typeof body === 'string' ? body : JSON.stringify(body) });
    const notFound = (what: string) => ({ status: 404, body: `${what} not found` });
    let m: RegExpMatchArray | null;
    if (req.method === 'POST' && p === '/tx') return this.broadcast(req.body ?? '');
    if (req.method !== 'GET') return { status: 405, body: 'Method not allowed' };
    if (p === '/blocks/tip/hash') return ok(c.tip.hash);
    if (p === '/blocks/tip/height') return ok(String(c.tip.height));
    if (p === '/fee-estimates') return ok(this.feeEstimates);
    if ((m = p.match(/^\/block-height\/(\d+)$/))) return c.blocks[Number(m[1])] ? ok(c.blocks[Number(m[1])]!.hash) : notFound('Block');
    if ((m = p.match(/^\/block\/([0-9a-f]{64})\/(header|status)$/))) {
      const best = c.blocks.find((b) => b.hash === m![1]);
      const block = best ?? c.stale.get(m[1]!);
      if (!block) return notFound('Block');
      if (m[2] === 'header') return ok(bytesToHex(block.header));
      if (!best) return ok({ in_best_chain: false });
      return ok({ in_best_chain: true, height: best.height, next_best: c.blocks[best.height + 1]?.hash ?? null });
    }
    if ((m = p.match(/^\/tx\/([0-9a-f]{64})\/(hex|status|merkle-proof)$/))) {
      const found = c.find(m[1]!);
      if (m[2] === 'status') return ok(statusJson(found?.block)); // electrs: unknown txid → unconfirmed
      if (!found) return notFound('Transaction');
      if (m[2] === 'hex') return ok(found.tx.toHex());
      if (!found.block) return { status: 404, body: 'Transaction not found or is unconfirmed' };
      return ok({ block_height: found.block.height, merkle: merkleBranch(found.block.txs.map((t) => t.getHash()), found.pos!), pos: found.pos });
    }
    if ((m = p.match(/^\/tx\/([0-9a-f]{64})\/outspend\/(\d+)$/))) {
      const s = c.spender(m[1]!, Number(m[2])); // electrs: an unknown outpoint is unspent
      return ok(s ? { spent: true, txid: s.txid, vin: s.vin, status: statusJson(s.block) } : { spent: false });
    }
    if ((m = p.match(/^\/scripthash\/([0-9a-f]{64})\/(utxo|txs|txs\/chain|txs\/chain\/([0-9a-f]{64}))$/))) {
      const sh = m[1]!;
      if (m[2] === 'utxo') return ok(this.utxos(sh));
      const history = this.history(sh);
      const mempool = history.filter((e) => !e.block);
      const chain = history.filter((e) => e.block);
      if (m[2] === 'txs') return ok([...mempool.slice(0, 50), ...chain.slice(0, 25)].map((e) => this.txJson(e.tx, e.block)));
      let start = 0;
      if (m[3]) {
        const i = chain.findIndex((e) => e.txid === m![3]);
        if (i < 0) return { status: 400, body: 'Transaction not found in history' };
        start = i + 1;
      }
      return ok(chain.slice(start, start + 25).map((e) => this.txJson(e.tx, e.block)));
    }
    return { status: 404, body: 'Not Found' };
  }

  /** Txs touching a scripthash: mempool (newest first), then confirmed by height, newest first. */
  history(sh: string): { tx: Transaction; txid: string; block?: FakeBlock }[] {
    const c = this.chain;
    const touches = (tx: Transaction) =>
      tx.outs.some((o) => bytesToHex(sha256(o.script)) === sh) ||
      tx.ins.some((i) => {
        const prev = c.prevout(toDisplay(i.hash), i.index);
        return prev !== undefined && bytesToHex(sha256(prev.script)) === sh;
      });
    const all = c.allTxs().filter((e) => touches(e.tx));
    const mempool = all.filter((e) => !e.block).reverse();
    const chain = all.filter((e) => e.block).sort((a, b) => b.block!.height - a.block!.height || b.pos - a.pos);
    return [...mempool, ...chain];
  }

  utxos(sh: string): unknown[] {
    const out: unknown[] = [];
    for (const e of this.chain.allTxs()) {
      e.tx.outs.forEach((o, vout) => {
        if (bytesToHex(sha256(o.script)) !== sh || this.chain.spender(e.txid, vout)) return;
        out.push({ txid: e.txid, vout, value: Number(o.value), status: statusJson(e.block) });
      });
    }
    return out;
  }

  txJson(tx: Transaction, block?: FakeBlock): unknown {
    return {
      txid: tx.getId(),
      version: tx.version,
      locktime: tx.locktime,
      vin: tx.ins.map((i) => ({ txid: toDisplay(i.hash), vout: i.index, scriptsig: bytesToHex(i.script), witness: i.witness.map((w) => bytesToHex(w)), sequence: i.sequence })),
      vout: tx.outs.map((o) => ({ scriptpubkey: bytesToHex(o.script), value: Number(o.value) })),
      size: tx.byteLength(),
      weight: tx.weight(),
      status: statusJson(block),
    };
  }

  private broadcast(body: string): { status: number; body: string } {
    const rpc = (code: number, message: string) => ({ status: 400, body: `sendrawtransaction RPC error: ${JSON.stringify({ code, message })}` });
    let tx: Transaction;
    try {
      tx = Transaction.fromHex(body.trim());
    } catch {
      return rpc(-22, 'TX decode failed');
    }
    let inSum = 0n;
    for (const i of tx.ins) {
      const prev = this.chain.prevout(toDisplay(i.hash), i.index);
      if (!prev || this.chain.spender(toDisplay(i.hash), i.index)) return rpc(-25, 'bad-txns-inputs-missingorspent');
      inSum += prev.value;
    }
    const fee = inSum - tx.outs.reduce((n, o) => n + o.value, 0n);
    const need = BigInt(Math.ceil(this.minFeeRate * tx.virtualSize()));
    if (fee < need) return rpc(-26, `min relay fee not met, ${fee} < ${need}`);
    this.chain.mempool.push(tx);
    return { status: 200, body: tx.getId() };
  }
}

function statusJson(block: FakeBlock | undefined): unknown {
  return block ? { confirmed: true, block_height: block.height, block_hash: block.hash, block_time: block.time } : { confirmed: false };
}

export function response(status: number, body: string, headers: Record<string, string> = {}): FetchResponseLike {
  const lower = Object.fromEntries(Object.entries(headers).map(([k, v]) => [k.toLowerCase(), v]));
  return {
    status,
    ok: status >= 200 && status <= 299,
    headers: { get: (name: string) => lower[name.toLowerCase()] ?? null },
    text: async () => body,
    arrayBuffer: async () => utf8ToBytes(body).buffer as ArrayBuffer,
  };
}
