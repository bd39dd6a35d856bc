/**
 * `ChainSource` over the Esplora REST API (Blockstream's, mempool.space's, or the playground's),
 * trusting nothing: every JSON field we read is validated, raw transactions must hash to the txid
 * asked for, headers must hash to the block asked for and meet their own proof of work, and
 * `verifyConfirmed` proves inclusion with a merkle branch up to the header. Everything the server
 * gets wrong surfaces as an `EsploraError`; nothing it says is accepted unchecked.
 */
import { bytesToHex } from '../lib/bytes.ts';
import { ValidationError } from '../lib/errors.ts';
import { sha256 } from '../crypto/hash.ts';
import type { NetworkName } from '../wire/chains.ts';
import { silentLogger, type Clock, type Entropy, type FetchLike, type Logger } from '../ports.ts';
import { inputPrevTxid, merkleProblem, parseHeader, parseTx, POW_LIMIT, proofOfWorkProblem } from './bitcoin.ts';
import { EsploraError, snippet } from './errors.ts';
import { parseFeeEstimates, REGTEST_FEE_FALLBACK } from './fees.ts';
import { DEFAULT_RETRY, Http, type AbortHandle, type HttpResponse, type HttpStats, type RetryPolicy } from './http.ts';
import * as schema from './schema.ts';
import type { BlockStatus, ChainSource, ChainTip, FeeEstimates, OutSpend, ScriptTx, ScriptUtxo, TxStatus } from './source.ts';
import { isHash32, parseJson, textHash32, textHex, type Validator } from './validate.ts';

export interface EsploraClientOptions {
  /** API root, e.g. `https://blockstream.info/api` or `http://127.0.0.1:3002`. */
  readonly baseUrl: string;
  readonly fetch: FetchLike;
  readonly clock: Clock;
  readonly logger?: Logger;
  /** Requests in flight at once (default 4); the rest wait in a FIFO queue. */
  readonly maxConcurrent?: number;
  /** Per attempt, until the whole body has arrived (default 20 s). */
  readonly timeoutMs?: number;
  readonly retry?: Partial<RetryPolicy>;
  /** Jitter for backoff delays; without it they are deterministic. */
  readonly entropy?: Entropy;
  /** `() => new AbortController()` where available, so timed-out requests are cancelled. */
  readonly abort?: () => AbortHandle;
  /** Headers must be no easier than this network's powLimit (default regtest: own bits only). */
  readonly network?: NetworkName;
  /** Rates used when the server has none (default `REGTEST_FEE_FALLBACK`). */
  readonly feeFallback?: FeeEstimates;
  /** Fetch a claimed spender and check it spends the output (default true). */
  readonly verifySpends?: boolean;
  /** Largest response body accepted, in characters (default 32 Mi). */
  readonly maxBodyChars?: number;
  /** Most `/txs/chain` pages followed for one script (default 400, i.e. 10 000 txs). */
  readonly maxHistoryPages?: number;
}

/** electrs pages confirmed history 25 at a time. */
export const CHAIN_TXS_PER_PAGE = 25;
const MAX_TX_BYTES = 4_000_000;

export class EsploraClient implements ChainSource {
  private readonly http: Http;
  private readonly logger: Logger;
  private readonly powLimit: bigint;
  private readonly feeFallback: FeeEstimates;
  private readonly verifySpends: boolean;
  private readonly maxHistoryPages: number;
  /** Verified and immutable: headers by block hash, raw transactions by txid. */
  private readonly headers = new BoundedCache<Uint8Array>(2_048);
  private readonly txs = new BoundedCache<Uint8Array>(512);
  /** Identical GETs in flight share one request. */
  private readonly pending = new Map<string, Promise<HttpResponse>>();

  constructor(options: EsploraClientOptions) {
    this.logger = options.logger ?? silentLogger;
    this.powLimit = POW_LIMIT[options.network ?? 'regtest'];
    this.feeFallback = options.feeFallback ?? REGTEST_FEE_FALLBACK;
    this.verifySpends = options.verifySpends ?? true;
    this.maxHistoryPages = options.maxHistoryPages ?? 400;
    this.http = new Http({
      baseUrl: options.baseUrl,
      fetch: options.fetch,
      clock: options.clock,
      logger: this.logger,
      maxConcurrent: options.maxConcurrent ?? 4,
      timeoutMs: options.timeoutMs ?? 20_000,
      retry: { ...DEFAULT_RETRY, ...options.retry },
      maxBodyChars: options.maxBodyChars ?? 32 * 1024 * 1024,
      ...(options.entropy ? { entropy: options.entropy } : {}),
      ...(options.abort ? { abort: options.abort } : {}),
    });
  }

  /** Request counters (attempts, retries, in-flight high-water mark). */
  get stats(): Readonly<HttpStats> {
    return this.http.stats;
  }

  async tipHash(): Promise<string> {
    return this.getChecked('/blocks/tip/hash', textHash32);
  }

  async tip(): Promise<ChainTip> {
    const hash = await this.tipHash();
    const status = await this.blockStatus(hash);
    if (!status.inBestChain || status.height === undefined) {
      throw new EsploraError('mismatch', `/block/${hash}/status`, 'the tip it just reported is not in its best chain');
    }
    return { height: status.height, hash };
  }

  async blockStatus(hash: string): Promise<BlockStatus> {
    return this.getJson(`/block/${hashArg(hash, 'hash')}/status`, schema.blockStatus);
  }

  async blockHeader(hash: string): Promise<Uint8Array> {
    const h = hashArg(hash, 'hash');
    const cached = this.headers.get(h);
    if (cached) return cached.slice();
    const path = `/block/${h}/header`;
    const bytes = await this.getChecked(path, (text) => {
      const raw = textHex(text, { bytes: 80 });
      const header = parseHeader(raw);
      if (header.hash !== h) throw new EsploraError('mismatch', path, `header hashes to ${header.hash}, not the block asked for`);
      const pow = proofOfWorkProblem(header, this.powLimit);
      if (pow) throw new EsploraError('mismatch', path, `proof of work: ${pow}`);
      return raw;
    });
    this.headers.set(h, bytes.slice());
    return bytes;
  }

  async blockHashAtHeight(height: number): Promise<string> {
    if (!Number.isSafeInteger(height) || height < 0) throw new ValidationError('height', `expected a non-negative integer, got ${height}`);
    return this.getChecked(`/block-height/${height}`, textHash32);
  }

  async scriptHistory(scriptPubKey: Uint8Array): Promise<ScriptTx[]> {
    const sh = scripthash(scriptPubKey);
    const out: ScriptTx[] = [];
    const seen = new Set<string>();
    let lastHeight = Infinity;
    const take = (list: readonly ScriptTx[], path: string, chainOnly: boolean): ScriptTx[] => {
      const confirmed: ScriptTx[] = [];
      for (const tx of list) {
        if (seen.has(tx.txid)) throw new EsploraError('mismatch', path, `lists ${tx.txid} twice`);
        seen.add(tx.txid);
        out.push(tx);
        if (!tx.status.confirmed) {
          if (chainOnly) throw new EsploraError('mismatch', path, `chain page lists unconfirmed ${tx.txid}`);
          continue;
        }
        if (tx.status.blockHeight > lastHeight) throw new EsploraError('mismatch', path, 'confirmed history is not ordered by height, newest first');
        lastHeight = tx.status.blockHeight;
        confirmed.push(tx);
      }
      return confirmed;
    };
    const firstPath = `/scripthash/${sh}/txs`;
    let page = take(await this.getJson(firstPath, schema.scriptTxs), firstPath, false);
    for (let pages = 0; page.length >= CHAIN_TXS_PER_PAGE; pages++) {
      if (pages >= this.maxHistoryPages) throw new EsploraError('invalid', firstPath, `history longer than ${this.maxHistoryPages} pages`);
      const path = `/scripthash/${sh}/txs/chain/${(page[page.length - 1] as ScriptTx).txid}`;
      page = take(await this.getJson(path, schema.scriptTxs), path, true);
    }
    return out;
  }

  async scriptUtxos(scriptPubKey: Uint8Array): Promise<ScriptUtxo[]> {
    const path = `/scripthash/${scripthash(scriptPubKey)}/utxo`;
    const utxos = await this.getJson(path, schema.scriptUtxos);
    const seen = new Set<string>();
    for (const u of utxos) {
      const key = `${u.txid}:${u.vout}`;
      if (seen.has(key)) throw new EsploraError('mismatch', path, `lists ${key} twice`);
      seen.add(key);
    }
    return utxos;
  }

  async transaction(txid: string): Promise<Uint8Array> {
    const id = hashArg(txid, 'txid');
    const cached = this.txs.get(id);
    if (cached) return cached.slice();
    const path = `/tx/${id}/hex`;
    const raw = await this.getChecked(path, (text) => {
      const bytes = textHex(text, { maxBytes: MAX_TX_BYTES });
      let computed: string;
      try {
        computed = parseTx(bytes).txid;
      } catch (err) {
        throw new EsploraError('invalid', path, `not a transaction (${err instanceof Error ? err.message : String(err)})`);
      }
      if (computed !== id) throw new EsploraError('mismatch', path, `bytes hash to txid ${computed}, not the one asked for`);
      return bytes;
    });
    this.txs.set(id, raw.slice());
    return raw;
  }

  async txStatus(txid: string): Promise<TxStatus> {
    return this.getJson(`/tx/${hashArg(txid, 'txid')}/status`, schema.txStatus);
  }

  async merkleProof(txid: string): Promise<schema.MerkleProof> {
    return this.getJson(`/tx/${hashArg(txid, 'txid')}/merkle-proof`, schema.merkleProof);
  }

  async verifyConfirmed(txid: string): Promise<TxStatus> {
    const id = hashArg(txid, 'txid');
    const status = await this.txStatus(id);
    if (!status.confirmed) return status;
    const path = `/tx/${id}/merkle-proof`;
    const [proof, headerBytes, raw] = await Promise.all([this.merkleProof(id), this.blockHeader(status.blockHash), this.transaction(id)]);
    if (proof.blockHeight !== status.blockHeight) {
      throw new EsploraError('mismatch', path, `block_height ${proof.blockHeight} differs from the status's ${status.blockHeight}`);
    }
    if (parseTx(raw).strippedLength === 64) {
      throw new EsploraError('mismatch', `/tx/${id}/hex`, 'a 64-byte transaction cannot be proven by a merkle branch');
    }
    const header = parseHeader(headerBytes);
    const problem = merkleProblem(id, proof.merkle, proof.pos, header.merkleRoot);
    if (problem) throw new EsploraError('mismatch', path, `${problem} of block ${status.blockHash}`);
    if (header.time !== status.blockTime) {
      this.logger.log('warn', 'esplora block_time differs from the header', { txid: id, claimed: status.blockTime, header: header.time });
    }
    return { confirmed: true, blockHeight: status.blockHeight, blockHash: status.blockHash, blockTime: header.time };
  }

  async outSpend(txid: string, vout: number): Promise<OutSpend> {
    const id = hashArg(txid, 'txid');
    if (!Number.isSafeInteger(vout) || vout < 0 || vout > 0xffffffff) throw new ValidationError('vout', `expected an output index, got ${vout}`);
    const path = `/tx/${id}/outspend/${vout}`;
    const spend = await this.getJson(path, schema.outSpend);
    if (!spend.spent || !this.verifySpends) return spend;
    const { tx } = parseTx(await this.transaction(spend.txid));
    if (inputPrevTxid(tx, spend.vin) !== id || tx.ins[spend.vin]?.index !== vout) {
      throw new EsploraError('mismatch', path, `tx ${spend.txid} input ${spend.vin} does not spend ${id}:${vout}`);
    }
    return spend;
  }

  async feeEstimates(): Promise<FeeEstimates> {
    const path = '/fee-estimates';
    const res = await this.request(path);
    if (res.status === 404) {
      this.logger.log('warn', 'esplora has no fee estimates, using the fallback table', { path });
      return this.feeFallback;
    }
    const fees = this.checked(path, this.ok(path, res), (text) => parseFeeEstimates(parseJson(text), this.feeFallback));
    if (fees.usedFallback || fees.dropped.length > 0) {
      this.logger.log('warn', 'esplora fee estimates were unusable in part', { dropped: fees.dropped, usedFallback: fees.usedFallback });
    }
    return fees.estimates;
  }

  async broadcast(rawTx: Uint8Array): Promise<string> {
    let txid: string;
    try {
      txid = parseTx(rawTx).txid;
    } catch (err) {
      throw new ValidationError('rawTx', `not a transaction (${err instanceof Error ? err.message : String(err)})`);
    }
    const where = 'POST /tx';
    let res: HttpResponse;
    try {
      res = await this.http.request({ method: 'POST', path: '/tx', body: bytesToHex(rawTx) });
    } catch (err) {
      if (err instanceof EsploraError && err.body) throw new EsploraError(err.kind, where, `HTTP ${err.status}: ${err.body.trim()}`, { status: err.status, body: err.body });
      throw err;
    }
    if (res.status < 200 || res.status > 299) {
      throw new EsploraError('rejected', where, `HTTP ${res.status}: ${res.text.trim()}`, { status: res.status, body: res.text });
    }
    const answered = this.checked(where, res, textHash32);
    if (answered !== txid) throw new EsploraError('mismatch', where, `server answered txid ${answered}, the transaction's is ${txid}`, { status: res.status });
    this.txs.set(txid, rawTx.slice());
    return txid;
  }

  // --- plumbing ---

  private request(path: string): Promise<HttpResponse> {
    const existing = this.pending.get(path);
    if (existing) return existing;
    const p = this.http.request({ method: 'GET', path }).finally(() => this.pending.delete(path));
    this.pending.set(path, p);
    return p;
  }

  /** A 2xx response, or the EsploraError its status means. */
  private ok(path: string, res: HttpResponse): HttpResponse {
    if (res.status >= 200 && res.status <= 299) return res;
    const reason = `HTTP ${res.status}${res.text ? `: ${snippet(res.text)}` : ''}`;
    throw new EsploraError(res.status === 404 ? 'not-found' : 'http', path, reason, { status: res.status, body: res.text });
  }

  /** Run `check` on the body; anything it throws that is not already an EsploraError is `invalid`. */
  private checked<T>(path: string, res: HttpResponse, check: (text: string) => T): T {
    try {
      return check(res.text);
    } catch (err) {
      const e = err instanceof EsploraError ? err : new EsploraError('invalid', path, err instanceof Error ? err.message : String(err), { status: res.status });
      this.logger.log('warn', 'esplora response rejected', { path, kind: e.kind, reason: e.reason });
      throw e;
    }
  }

  private async getChecked<T>(path: string, check: (text: string) => T): Promise<T> {
    return this.checked(path, this.ok(path, await this.request(path)), check);
  }

  private getJson<T>(path: string, validator: Validator<T>): Promise<T> {
    return this.getChecked(path, (text) => validator(parseJson(text), ''));
  }
}

/** Esplora's scripthash: SHA-256 of the scriptPubKey, as plain hex (not reversed as in Electrum). */
export function scripthash(scriptPubKey: Uint8Array): string {
  return bytesToHex(sha256(scriptPubKey));
}

function hashArg(value: string, name: string): string {
  if (!isHash32(value)) throw new ValidationError(name, `expected 32-byte hex, got ${JSON.stringify(String(value).slice(0, 70))}`);
  return value.toLowerCase();
}

/** A Map that forgets its oldest entries beyond `max`. */
class BoundedCache<V> {
  private readonly map = new Map<string, V>();
  private readonly max: number;
  constructor(max: number) {
    this.max = max;
  }
  get(key: string): V | undefined {
    return this.map.get(key);
  }
  set(key: string, value: V): void {
    this.map.delete(key);
    this.map.set(key, value);
    if (this.map.size > this.max) this.map.delete(this.map.keys().next().value as string);
  }
}
