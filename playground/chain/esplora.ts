/**
 * An Esplora HTTP API over a `RegtestChain`, answering with the same JSON shapes, status codes,
 * text/hex/binary bodies and error texts as Blockstream's electrs (src/rest.rs):
 *
 *   GET  /blocks/tip/height · /blocks/tip/hash · /blocks[/:start_height] · /block-height/:h
 *   GET  /block/:hash · /block/:hash/{status,header,raw,txids} · /block/:hash/txid/:i · /block/:hash/txs[/:start]
 *   GET  /tx/:txid · /tx/:txid/{hex,raw,status,merkle-proof,outspends} · /tx/:txid/outspend/:vout
 *   GET  /scripthash/:h · /scripthash/:h/txs · /scripthash/:h/txs/chain[/:last_seen] · /scripthash/:h/txs/mempool · /scripthash/:h/utxo
 *        (and the same under /address/:bcrt1…)
 *   GET  /mempool/txids · /fee-estimates
 *   POST /tx (raw hex body → txid text; 400 `sendrawtransaction RPC error: {"code":…,"message":…}`)
 *
 * plus regtest controls (JSON in, JSON out, 400 text on bad input):
 *
 *   POST /regtest/mine {blocks, address?, minFeeRate?} → {hashes} (minFeeRate: sat/vB a package must pay to be mined)
 *   POST /regtest/faucet {address, sats}         → {txid, vout}   (sends, then mines 1 block)
 *   POST /regtest/fee-estimates {"1": 5, …}      → the new estimates (replaces them all)
 *   POST /regtest/reorg {depth, newBlocks?}      → {disconnected, connected}
 *   POST /regtest/invalidate {hash}              → {disconnected}
 *   GET  /regtest/info                           → {height, tip, faucetAddress, activation, mempool}
 *
 * Semantics as electrs: scripthash = sha256(scriptPubKey) in plain hex; `/txs` is up to 50
 * mempool txs (arrival order, as electrs' mempool index) then the newest 25 confirmed;
 * `/txs/chain/:last_seen` pages 25 at a time and is empty for an unknown last_seen; `/utxo` lists
 * confirmed and mempool outputs not spent in the mempool; `/tx/:txid/status` of an unknown txid
 * is `{"confirmed":false}`; merkle-proof hashes are display-order hex (Electrum's format).
 *
 * Not served: /block/:hash/txs paging past the block's txs as electrs words it exactly,
 * /tx/:txid/merkleblock-proof, /mempool, /mempool/recent, /txs/package, address-prefix search.
 */
import { createServer } from 'node:http';
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { createHash } from 'node:crypto';
import { reverseHex } from './indexes.ts';
import type { BlockRecord, Prevout, TxRecord } from './indexes.ts';
import { rpcErrorText, TxRejected } from './policy.ts';
import type { RegtestChain } from './regtest-chain.ts';
import { addressToScript, scriptAddress, scriptAsm, scriptPushes, scriptType, scripthashOf } from './script.ts';

const CHAIN_TXS_PER_PAGE = 25;
const MAX_MEMPOOL_TXS = 50;
const BLOCK_LIMIT = 10;
const MAX_BODY_SIZE = 1_000_000;
const TTL_LONG = 157_784_630;
const TTL_SHORT = 10;
const CONF_FINAL = 10;

export interface EsploraOptions {
  /** TCP port on 127.0.0.1; 0 (default) picks a free one. */
  port?: number;
  host?: string;
  /** `Access-Control-Allow-Origin` value (default `*`, for the PWA); false to omit it. */
  cors?: string | false;
  /**
   * Called before routing; return a response to answer with instead (fault injection, e.g.
   * `{ status: 429, body: 'Too Many Requests' }`), or undefined to serve normally.
   */
  intercept?: (request: { method: string; path: string }) => InterceptResponse | undefined | Promise<InterceptResponse | undefined>;
}

export interface InterceptResponse {
  status: number;
  body?: string;
  headers?: Record<string, string>;
}

export interface EsploraRequestRecord {
  readonly method: string;
  readonly path: string;
  readonly status: number;
}

export interface EsploraServer {
  /** Base URL without a trailing slash, e.g. `http://127.0.0.1:41234`. */
  readonly url: string;
  readonly port: number;
  /** Requests served so far (method, path, status), oldest first; capped at 10 000. */
  readonly requests: readonly EsploraRequestRecord[];
  /** Requests answered since start (not capped). */
  readonly requestCount: number;
  close(): Promise<void>;
}

class HttpError extends Error {
  readonly status: number;
  constructor(status: number, message: string) {
    super(message);
    this.status = status;
  }
}

const badRequest = (message: string): HttpError => new HttpError(400, message);
const notFound = (message: string): HttpError => new HttpError(404, message);

interface Reply {
  status: number;
  contentType: string;
  body: string | Buffer;
  ttl?: number;
}

const text = (body: string, ttl = TTL_SHORT, status = 200): Reply => ({ status, contentType: 'text/plain', body, ttl });
/** electrs answers errors as text/plain with no Cache-Control. */
const errorReply = (status: number, body: string): Reply => ({ status, contentType: 'text/plain', body });
const json = (value: unknown, ttl = TTL_SHORT): Reply => ({ status: 200, contentType: 'application/json', body: JSON.stringify(value), ttl });

// ---------------------------------------------------------------- JSON values (electrs' structs)

type Status = { confirmed: false } | { confirmed: true; block_height: number; block_hash: string; block_time: number };

function statusOf(record: TxRecord | undefined): Status {
  const b = record?.block;
  return b ? { confirmed: true, block_height: b.height, block_hash: b.hash, block_time: b.time } : { confirmed: false };
}

function txOutValue(script: Buffer, value: number): Record<string, unknown> {
  const address = scriptAddress(script);
  return {
    scriptpubkey: script.toString('hex'),
    scriptpubkey_asm: scriptAsm(script),
    scriptpubkey_type: scriptType(script),
    ...(address !== undefined ? { scriptpubkey_address: address } : {}),
    value,
  };
}

/** electrs' get_innerscripts: the P2SH redeemScript and the P2WSH (or P2SH-P2WSH) witnessScript. */
function innerScripts(scriptSig: Buffer, witness: Buffer[], prevout: Prevout): { redeem?: Uint8Array; witness?: Uint8Array } {
  const type = scriptType(prevout.script);
  let redeem: Uint8Array | undefined;
  if (type === 'p2sh') {
    const pushes = scriptPushes(scriptSig);
    redeem = pushes && pushes.length > 0 ? pushes[pushes.length - 1] : undefined;
  }
  const wrapsP2wsh = type === 'v0_p2wsh' || (redeem !== undefined && scriptType(redeem) === 'v0_p2wsh');
  return { ...(redeem ? { redeem } : {}), ...(wrapsP2wsh && witness.length > 0 ? { witness: witness[witness.length - 1]! } : {}) };
}

function txValue(record: TxRecord): Record<string, unknown> {
  const tx = record.tx;
  const coinbase = tx.isCoinbase();
  const vin = tx.inputs.map((input, i) => {
    const prevout = record.prevouts[i] ?? null;
    const scriptSig = input.script.toRaw();
    const witness = input.witness.toItems();
    const inner = prevout ? innerScripts(scriptSig, witness, prevout) : {};
    return {
      txid: reverseHex(input.prevout.hash),
      vout: input.prevout.index,
      prevout: prevout ? txOutValue(prevout.script, prevout.value) : null,
      scriptsig: scriptSig.toString('hex'),
      scriptsig_asm: scriptAsm(scriptSig),
      ...(witness.length > 0 ? { witness: witness.map((w) => w.toString('hex')) } : {}),
      is_coinbase: coinbase,
      sequence: input.sequence,
      ...(inner.redeem ? { inner_redeemscript_asm: scriptAsm(inner.redeem) } : {}),
      ...(inner.witness ? { inner_witnessscript_asm: scriptAsm(inner.witness) } : {}),
    };
  });
  const outSum = tx.outputs.reduce((sum, o) => sum + o.value, 0);
  const inSum = record.prevouts.reduce((sum, p) => sum + (p?.value ?? 0), 0);
  return {
    txid: record.txid,
    version: tx.version >>> 0,
    locktime: tx.locktime >>> 0,
    vin,
    vout: tx.outputs.map((o) => txOutValue(o.script.toRaw(), o.value)),
    size: record.raw.length,
    weight: tx.getWeight(),
    fee: coinbase ? 0 : Math.max(0, inSum - outSum),
    status: statusOf(record),
  };
}

function difficulty(bits: number): number {
  const exponent = bits >>> 24;
  const mantissa = bits & 0x007fffff;
  return (0xffff * 2 ** 208) / (mantissa * 2 ** (8 * (exponent - 3)));
}

function blockValue(b: BlockRecord): Record<string, unknown> {
  return {
    id: b.hash,
    height: b.height,
    version: b.version >>> 0,
    timestamp: b.time,
    tx_count: b.txids.length,
    size: b.size,
    weight: b.weight,
    merkle_root: b.merkleRoot,
    previousblockhash: b.height === 0 ? null : b.prevHash,
    mediantime: b.mediantime,
    nonce: b.nonce >>> 0,
    bits: b.bits >>> 0,
    difficulty: difficulty(b.bits),
  };
}

const sha256d = (data: Buffer): Buffer => createHash('sha256').update(createHash('sha256').update(data).digest()).digest();

/** Electrum-style merkle branch for position `pos` (hashes in display order), as electrs' electrum_merkle. */
export function merkleBranch(txids: readonly string[], pos: number): string[] {
  let level: Buffer[] = txids.map((t) => Buffer.from(t, 'hex').reverse());
  const branch: string[] = [];
  let index = pos;
  while (level.length > 1) {
    if (level.length % 2 === 1) level.push(level[level.length - 1]!);
    branch.push(Buffer.from(level[index ^ 1]!).reverse().toString('hex'));
    const next: Buffer[] = [];
    for (let i = 0; i < level.length; i += 2) next.push(sha256d(Buffer.concat([level[i]!, level[i + 1]!])));
    level = next;
    index >>= 1;
  }
  return branch;
}

// ---------------------------------------------------------------- queries

const HASH_RE = /^[0-9a-fA-F]{64}$/;

function parseHash(value: string): string {
  if (!HASH_RE.test(value)) throw badRequest('Invalid hex string');
  return value.toLowerCase();
}

function parseNumber(value: string, max: number): number {
  if (!/^\+?\d+$/.test(value)) throw badRequest('Invalid number');
  const n = Number(value.replace(/^\+/, ''));
  if (!Number.isSafeInteger(n) || n > max) throw badRequest('Invalid number');
  return n;
}

class Query {
  readonly chain: RegtestChain;
  constructor(chain: RegtestChain) {
    this.chain = chain;
  }

  ttlByHeight(height: number | undefined): number {
    if (height === undefined) return TTL_SHORT;
    return this.chain.height - height >= CONF_FINAL ? TTL_LONG : TTL_SHORT;
  }

  /** Confirmed first (as electrs looks up the chain before the mempool). */
  tx(txid: string): TxRecord | undefined {
    return this.chain.index.tx(txid) ?? this.chain.mempoolView().tx(txid);
  }

  block(hash: string): BlockRecord {
    const block = this.chain.index.block(hash);
    if (!block) throw notFound('Block not found');
    return block;
  }

  spend(txid: string, vout: number): Record<string, unknown> {
    const confirmed = this.chain.index.spentBy(txid, vout);
    if (confirmed) return { spent: true, txid: confirmed.txid, vin: confirmed.vin, status: statusOf(this.chain.index.tx(confirmed.txid)) };
    const mempool = this.chain.mempoolView().spentBy(txid, vout);
    if (mempool) return { spent: true, txid: mempool.txid, vin: mempool.vin, status: { confirmed: false } };
    return { spent: false };
  }

  spent(txid: string, vout: number): boolean {
    return this.chain.index.spentBy(txid, vout) !== undefined || this.chain.mempoolView().spentBy(txid, vout) !== undefined;
  }

  chainHistory(sh: string, lastSeen: string | undefined): TxRecord[] {
    const all = this.chain.index.historyOf(sh);
    let start = 0;
    if (lastSeen !== undefined) {
      const at = all.findIndex((r) => r.txid === lastSeen);
      if (at < 0) return [];
      start = at + 1;
    }
    return all.slice(start, start + CHAIN_TXS_PER_PAGE);
  }

  mempoolHistory(sh: string): TxRecord[] {
    return this.chain.mempoolView().historyOf(sh).slice(0, MAX_MEMPOOL_TXS);
  }

  utxos(sh: string): Record<string, unknown>[] {
    const out: Record<string, unknown>[] = [];
    const add = (record: TxRecord): void => {
      record.tx.outputs.forEach((output, vout) => {
        const script = output.script.toRaw();
        if (script[0] === 0x6a || scripthashOf(script) !== sh) return;
        if (this.spent(record.txid, vout)) return;
        out.push({ txid: record.txid, vout, status: statusOf(record), value: output.value });
      });
    };
    for (const record of [...this.chain.index.historyOf(sh)].reverse()) add(record);
    for (const record of this.chain.mempoolView().historyOf(sh)) add(record);
    return out;
  }

  stats(sh: string, records: TxRecord[]): Record<string, number> {
    const s = { funded_txo_count: 0, funded_txo_sum: 0, spent_txo_count: 0, spent_txo_sum: 0, tx_count: records.length };
    for (const record of records) {
      for (const output of record.tx.outputs) {
        const script = output.script.toRaw();
        if (script[0] !== 0x6a && scripthashOf(script) === sh) (s.funded_txo_count++, (s.funded_txo_sum += output.value));
      }
      for (const prevout of record.prevouts) if (prevout && scripthashOf(prevout.script) === sh) (s.spent_txo_count++, (s.spent_txo_sum += prevout.value));
    }
    return s;
  }
}

function scripthashFrom(kind: string, value: string): string {
  if (kind === 'scripthash') {
    if (!HASH_RE.test(value)) throw badRequest('Invalid scripthash');
    return value.toLowerCase();
  }
  try {
    return scripthashOf(addressToScript(value));
  } catch (error) {
    throw badRequest((error as Error).message);
  }
}

// ---------------------------------------------------------------- routing

async function route(q: Query, method: string, path: string, query: URLSearchParams, body: Buffer): Promise<Reply> {
  const p = path.split('/').slice(1);
  const [a, b, c, d, e] = p;
  const n = p.length;
  const chain = q.chain;
  const GET = method === 'GET';
  const POST = method === 'POST';

  if (GET && a === 'blocks' && b === 'tip' && c === 'hash' && n === 3) return text(chain.tipHash);
  if (GET && a === 'blocks' && b === 'tip' && c === 'height' && n === 3) return text(String(chain.height));
  if (GET && a === 'blocks' && n <= 2) {
    const start = b === undefined || b === '' ? chain.height : Number.isSafeInteger(Number(b)) && /^\d+$/.test(b) ? Number(b) : chain.height;
    const first = chain.index.blockAt(start);
    if (!first) throw notFound('Block not found');
    const out: Record<string, unknown>[] = [];
    for (let h = start; h >= 0 && out.length < BLOCK_LIMIT; h--) out.push(blockValue(chain.index.blockAt(h)!));
    return json(out);
  }
  if (GET && a === 'block-height' && b !== undefined && n === 2) {
    const height = parseNumber(b, Number.MAX_SAFE_INTEGER);
    const block = chain.index.blockAt(height);
    if (!block) throw notFound('Block not found');
    return text(block.hash, q.ttlByHeight(height));
  }
  if (GET && a === 'block' && b !== undefined && isBlockRoute(c, d, n)) {
    const hash = parseHash(b);
    if (n === 2) return json(blockValue(q.block(hash)), TTL_LONG);
    if (c === 'status' && n === 3) {
      const block = chain.index.block(hash);
      if (!block) return json({ in_best_chain: false, height: null, next_best: null });
      const next = chain.index.blockAt(block.height + 1);
      return json({ in_best_chain: true, height: block.height, next_best: next ? next.hash : null }, q.ttlByHeight(block.height));
    }
    if (c === 'txids' && n === 3) return json(q.block(hash).txids, TTL_LONG);
    if (c === 'header' && n === 3) return text(q.block(hash).header.toString('hex'), TTL_LONG);
    if (c === 'raw' && n === 3) return { status: 200, contentType: 'application/octet-stream', body: q.block(hash).raw, ttl: TTL_LONG };
    if (c === 'txid' && d !== undefined && n === 4) {
      const index = parseNumber(d, Number.MAX_SAFE_INTEGER);
      const block = q.block(hash);
      if (index >= block.txids.length) throw notFound('tx index out of range');
      return text(block.txids[index]!, TTL_LONG);
    }
    if (c === 'txs' && n <= 4) {
      const block = q.block(hash);
      const start = d === undefined ? 0 : /^\d+$/.test(d) ? Number(d) : 0;
      if (start % CHAIN_TXS_PER_PAGE !== 0) throw badRequest(`start index must be a multiple of ${CHAIN_TXS_PER_PAGE}`);
      if (start >= block.txids.length) throw badRequest('start index out of range');
      const txs = block.txids.slice(start, start + CHAIN_TXS_PER_PAGE).map((txid) => txValue(chain.index.tx(txid)!));
      return json(txs, q.ttlByHeight(block.height));
    }
  }
  if (GET && (a === 'scripthash' || a === 'address') && b !== undefined && isScriptRoute(c, d, n)) {
    const sh = scripthashFrom(a, b);
    if (n === 2) {
      const chainRecords = chain.index.historyOf(sh);
      const mempoolRecords = chain.mempoolView().historyOf(sh);
      return json({ [a]: b, chain_stats: q.stats(sh, chainRecords), mempool_stats: q.stats(sh, mempoolRecords) });
    }
    if (c === 'txs' && n === 3) {
      const confirmed = q.chainHistory(sh, undefined);
      const confirmedIds = new Set(confirmed.map((r) => r.txid));
      const mempool = q.mempoolHistory(sh).filter((r) => !confirmedIds.has(r.txid));
      return json([...mempool, ...confirmed].map(txValue));
    }
    if (c === 'txs' && d === 'chain' && n <= 5) {
      const lastSeen = e !== undefined && HASH_RE.test(e) ? e.toLowerCase() : undefined;
      return json(q.chainHistory(sh, lastSeen).map(txValue));
    }
    if (c === 'txs' && d === 'mempool' && n === 4) return json(q.mempoolHistory(sh).map(txValue));
    if (c === 'utxo' && n === 3) return json(q.utxos(sh));
  }
  if (GET && a === 'tx' && b !== undefined && isTxRoute(c, d, n)) {
    const txid = parseHash(b);
    if (n === 2) {
      const record = q.tx(txid);
      if (!record) throw notFound('Transaction not found');
      return json(txValue(record), q.ttlByHeight(record.block?.height));
    }
    if ((c === 'hex' || c === 'raw') && n === 3) {
      const record = q.tx(txid);
      if (!record) throw notFound('Transaction not found');
      const ttl = q.ttlByHeight(record.block?.height);
      return c === 'hex' ? text(record.raw.toString('hex'), ttl) : { status: 200, contentType: 'application/octet-stream', body: record.raw, ttl };
    }
    if (c === 'status' && n === 3) {
      const record = chain.index.tx(txid);
      return json(statusOf(record), q.ttlByHeight(record?.block?.height));
    }
    if (c === 'merkle-proof' && n === 3) {
      const location = chain.index.tx(txid)?.block;
      if (!location) throw notFound('Transaction not found or is unconfirmed');
      const block = chain.index.block(location.hash)!;
      return json({ block_height: location.height, merkle: merkleBranch(block.txids, location.pos), pos: location.pos }, q.ttlByHeight(location.height));
    }
    if (c === 'outspend' && d !== undefined && n === 4) {
      const vout = parseNumber(d, 0xffffffff);
      const spend = q.spend(txid, vout);
      const status = spend['status'] as Status | undefined;
      return json(spend, q.ttlByHeight(status?.confirmed ? status.block_height : undefined));
    }
    if (c === 'outspends' && n === 3) {
      const record = q.tx(txid);
      if (!record) throw notFound('Transaction not found');
      return json(record.tx.outputs.map((_, vout) => q.spend(txid, vout)));
    }
  }
  if ((POST && a === 'tx' && n === 1) || (GET && a === 'broadcast' && n === 1)) {
    const hex = POST ? body.toString('utf8') : query.get('tx');
    if (hex === null) throw badRequest('Missing tx');
    const result = await chain.submit(hex);
    if (!result.ok) throw badRequest(rpcErrorText(result.code, result.message));
    return text(result.txid, 0);
  }
  if (GET && a === 'mempool' && b === 'txids' && n === 2) return json(chain.mempoolTxids());
  if (GET && a === 'fee-estimates' && n === 1) return json(chain.feeEstimates());

  if (a === 'regtest') return regtestRoute(chain, method, b, n, body);
  throw notFound(`endpoint does not exist ${JSON.stringify(path)}`);
}

// Route shapes, matched before any parameter is parsed (an unknown route is a 404 even with a bad hash).
function isBlockRoute(c: string | undefined, d: string | undefined, n: number): boolean {
  if (n === 2) return true;
  if (n === 3) return c === 'status' || c === 'txids' || c === 'header' || c === 'raw' || c === 'txs';
  return n === 4 && (c === 'txid' || c === 'txs') && d !== undefined;
}

function isScriptRoute(c: string | undefined, d: string | undefined, n: number): boolean {
  if (n === 2) return true;
  if (n === 3) return c === 'txs' || c === 'utxo';
  if (n === 4) return c === 'txs' && (d === 'chain' || d === 'mempool');
  return n === 5 && c === 'txs' && d === 'chain';
}

function isTxRoute(c: string | undefined, d: string | undefined, n: number): boolean {
  if (n === 2) return true;
  if (n === 3) return c === 'hex' || c === 'raw' || c === 'status' || c === 'merkle-proof' || c === 'outspends';
  return n === 4 && c === 'outspend' && d !== undefined;
}

function jsonBody(body: Buffer): Record<string, unknown> {
  if (body.length === 0) return {};
  let value: unknown;
  try {
    value = JSON.parse(body.toString('utf8'));
  } catch (error) {
    throw badRequest(`invalid JSON body: ${(error as Error).message}`);
  }
  if (typeof value !== 'object' || value === null || Array.isArray(value)) throw badRequest('JSON body must be an object');
  return value as Record<string, unknown>;
}

function intField(body: Record<string, unknown>, name: string, min: number, max: number, fallback?: number): number {
  const value = body[name] ?? fallback;
  if (typeof value !== 'number' || !Number.isInteger(value) || value < min || value > max) {
    throw badRequest(`${name} must be an integer ${min}–${max}, got ${JSON.stringify(body[name])}`);
  }
  return value;
}

function addressField(body: Record<string, unknown>, name: string, required: boolean): Uint8Array | undefined {
  const value = body[name];
  if (value === undefined && !required) return undefined;
  if (typeof value !== 'string') throw badRequest(`${name} must be a regtest address string, got ${JSON.stringify(value)}`);
  try {
    return addressToScript(value);
  } catch (error) {
    throw badRequest(`${name}: ${(error as Error).message}`);
  }
}

async function regtestRoute(chain: RegtestChain, method: string, action: string | undefined, n: number, raw: Buffer): Promise<Reply> {
  const asBadRequest = async <T>(work: () => Promise<T>): Promise<T> => {
    try {
      return await work();
    } catch (error) {
      if (error instanceof HttpError) throw error;
      if (error instanceof TxRejected) throw badRequest(error.rpcError);
      if (error instanceof RangeError || error instanceof Error) throw badRequest(error.message);
      throw error;
    }
  };
  if (method === 'GET' && action === 'info' && n === 2) {
    return json({ height: chain.height, tip: chain.tipHash, faucetAddress: chain.faucetAddress, activation: chain.activation, mempool: chain.mempoolTxids() }, 0);
  }
  if (method !== 'POST' || n !== 2) throw notFound(`endpoint does not exist ${JSON.stringify(`/regtest/${action ?? ''}`)}`);
  const body = jsonBody(raw);
  switch (action) {
    case 'mine': {
      const blocks = intField(body, 'blocks', 0, 10_000, 1);
      const to = addressField(body, 'address', false);
      const minFeeRate = body['minFeeRate'];
      if (minFeeRate !== undefined && (typeof minFeeRate !== 'number' || !Number.isFinite(minFeeRate) || minFeeRate < 0)) throw badRequest(`minFeeRate must be a non-negative sat/vB number, got ${JSON.stringify(minFeeRate)}`);
      const hashes = await asBadRequest(() => chain.mine(blocks, { ...(to ? { to } : {}), ...(minFeeRate !== undefined ? { minFeeRate } : {}) }));
      return json({ hashes }, 0);
    }
    case 'faucet': {
      const to = addressField(body, 'address', true)!;
      const sats = intField(body, 'sats', 1, 21e14);
      const { txid, vout } = await asBadRequest(() => chain.faucet(to, sats));
      return json({ txid, vout }, 0);
    }
    case 'fee-estimates': {
      await asBadRequest(async () => chain.setFeeEstimates(body as Record<string, number>));
      return json(chain.feeEstimates(), 0);
    }
    case 'reorg': {
      const depth = intField(body, 'depth', 1, Math.max(1, chain.height - 1));
      const newBlocks = intField(body, 'newBlocks', 0, 10_000, depth + 1);
      const result = await asBadRequest(() => chain.reorg({ depth, newBlocks }));
      return json(result, 0);
    }
    case 'invalidate': {
      const hash = typeof body['hash'] === 'string' ? parseHash(body['hash']) : undefined;
      if (!hash) throw badRequest('hash must be a block hash');
      const disconnected = await asBadRequest(() => chain.invalidate(hash));
      return json({ disconnected }, 0);
    }
    default:
      throw notFound(`endpoint does not exist ${JSON.stringify(`/regtest/${action ?? ''}`)}`);
  }
}

// ---------------------------------------------------------------- server

function readBody(req: IncomingMessage): Promise<Buffer | undefined> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    let tooLarge = false;
    req.on('data', (chunk: Buffer) => {
      size += chunk.length;
      if (size > MAX_BODY_SIZE) tooLarge = true;
      else chunks.push(chunk);
    });
    req.on('end', () => resolve(tooLarge ? undefined : Buffer.concat(chunks)));
    req.on('error', reject);
  });
}

/** Serve `chain` over HTTP on 127.0.0.1 (port 0 = a free port). */
export async function startEsplora(chain: RegtestChain, options: EsploraOptions = {}): Promise<EsploraServer> {
  const q = new Query(chain);
  const host = options.host ?? '127.0.0.1';
  const cors = options.cors === undefined ? '*' : options.cors;
  const requests: EsploraRequestRecord[] = [];
  let requestCount = 0;

  const send = (res: ServerResponse, method: string, path: string, reply: Reply, extraHeaders: Record<string, string> = {}): void => {
    const headers: Record<string, string> = { 'Content-Type': reply.contentType, ...extraHeaders };
    if (reply.ttl !== undefined) headers['Cache-Control'] = `public, max-age=${reply.ttl}`;
    if (cors) headers['Access-Control-Allow-Origin'] = cors;
    res.writeHead(reply.status, headers);
    res.end(reply.body);
    requestCount++;
    if (requests.length >= 10_000) requests.shift();
    requests.push({ method, path, status: reply.status });
  };

  const server = createServer((req, res) => {
    const method = req.method ?? 'GET';
    const url = new URL(req.url ?? '/', 'http://localhost');
    const path = url.pathname;
    void (async () => {
      if (method === 'OPTIONS') {
        return send(res, method, path, { status: 204, contentType: 'text/plain', body: '' }, {
          'Access-Control-Allow-Methods': 'GET, POST, OPTIONS',
          'Access-Control-Allow-Headers': 'Content-Type',
          'Access-Control-Max-Age': '600',
        });
      }
      const body = await readBody(req);
      if (body === undefined) return send(res, method, path, errorReply(413, 'Request body too large'));
      const intercepted = await options.intercept?.({ method, path });
      if (intercepted) {
        return send(res, method, path, { status: intercepted.status, contentType: 'text/plain', body: intercepted.body ?? '' }, intercepted.headers);
      }
      try {
        send(res, method, path, await route(q, method, path, url.searchParams, body));
      } catch (error) {
        if (error instanceof HttpError) send(res, method, path, errorReply(error.status, error.message));
        else send(res, method, path, errorReply(500, `Internal server error: ${String(error)}`));
      }
    })().catch((error: unknown) => {
      if (!res.headersSent) send(res, method, path, errorReply(500, `Internal server error: ${String(error)}`));
      else res.destroy();
    });
  });
  server.keepAliveTimeout = 5_000;
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(options.port ?? 0, host, () => (server.off('error', reject), resolve()));
  });
  const port = (server.address() as AddressInfo).port;
  return {
    url: `http://${host}:${port}`,
    port,
    requests,
    get requestCount() {
      return requestCount;
    },
    close: () =>
      new Promise<void>((resolve, reject) => {
        server.close((error) => (error ? reject(error) : resolve()));
        server.closeAllConnections();
      }),
  };
}
