/**
 * An in-memory stand-in for the engine's WalletService behind workers/wallet-host.ts: a "store"
 * that remembers a passphrase and words, a balance that tests set, addresses that count up, a
 * prepare/confirm send with a simple fee, and a scripted HTTP POST (the faucet). Errors mimic the
 * engine's (WrongPassphraseError, ValidationError with a field).
 */
import type { KVStore, KVBatch } from '../../engine/index.ts';
import type { NetworkName } from '../../workers/rpc/protocol.ts';
import type { HttpReply, WalletBackend, WalletEngine, WalletHistoryEntry } from '../../workers/wallet-host.ts';

class WrongPassphraseError extends Error {
  override readonly name = 'WrongPassphraseError';
  constructor() {
    super('wrong passphrase');
  }
}

class ValidationError extends Error {
  override readonly name = 'ValidationError';
  readonly field: string;
  constructor(field: string, message: string) {
    super(`${field}: ${message}`);
    this.field = field;
  }
}

export const FAKE_WORDS = 'abandon abandon abandon abandon abandon abandon abandon abandon abandon abandon abandon abandon abandon abandon abandon abandon abandon abandon abandon abandon abandon abandon abandon art'.split(' ');

/** A KVStore that only tracks whether it is open. */
export class FakeRawStore implements KVStore {
  closed = false;
  readonly data = new Map<string, Uint8Array>();
  readonly network: NetworkName;
  constructor(network: NetworkName) {
    this.network = network;
  }
  async get(key: string): Promise<Uint8Array | undefined> {
    return this.data.get(key);
  }
  async keys(prefix: string): Promise<string[]> {
    return [...this.data.keys()].filter((k) => k.startsWith(prefix)).sort();
  }
  async write(batch: KVBatch): Promise<void> {
    for (const [k, v] of batch.put ?? []) this.data.set(k, v);
    for (const k of batch.del ?? []) this.data.delete(k);
  }
  async close(): Promise<void> {
    this.closed = true;
  }
}

interface Saved {
  passphrase: string;
  words: string[];
  network: NetworkName;
}

export class FakeWallet implements WalletEngine {
  readonly nodeSecret = new Uint8Array(32).fill(7);
  readonly nodeId = `02${'ab'.repeat(32)}`;
  confirmedSat = 0n;
  unconfirmedSat = 0n;
  chain: unknown = null;
  syncs = 0;
  failSync: string | null = null;
  closed = false;
  txs: WalletHistoryEntry[] = [];
  #next = 0;
  #prepared = new Map<string, { amountSat: bigint; feeSat: bigint; to: string }>();
  readonly network: NetworkName;
  private readonly saved: Saved;
  constructor(network: NetworkName, saved: Saved) {
    this.network = network;
    this.saved = saved;
  }
  attachChain(chain: unknown): void {
    this.chain = chain;
  }
  async mnemonic(passphrase: string): Promise<string[]> {
    if (passphrase !== this.saved.passphrase) throw new WrongPassphraseError();
    return [...this.saved.words];
  }
  quickSyncs = 0;
  async sync(options: { quick?: boolean } = {}): Promise<void> {
    this.syncs++;
    if (options.quick) this.quickSyncs++;
    if (this.failSync) throw new Error(this.failSync);
  }
  balance(): { confirmedSat: bigint; unconfirmedSat: bigint } {
    return { confirmedSat: this.confirmedSat, unconfirmedSat: this.unconfirmedSat };
  }
  async receiveAddress(): Promise<string> {
    return `bcrt1qfake${String(this.#next++).padStart(4, '0')}qqqqqqqqqqqqqqqqqqqqqqqqqq`;
  }
  history(): readonly WalletHistoryEntry[] {
    return this.txs;
  }
  async feeRates(): Promise<{ fast: number; normal: number; slow: number }> {
    return { fast: 12, normal: 5, slow: 1 };
  }
  async prepareSend(req: { to: string; amountSat: bigint | 'max'; feeRate: number }): Promise<{ amountSat: bigint; feeSat: bigint; vsize: number; feeRate: number; to: string; id: string }> {
    if (!req.to.startsWith('bcrt1')) throw new ValidationError('to', `not a ${this.network} address`);
    const vsize = 141;
    const feeSat = BigInt(Math.ceil(vsize * req.feeRate));
    const total = this.confirmedSat + this.unconfirmedSat;
    const amountSat = req.amountSat === 'max' ? total - feeSat : req.amountSat;
    if (amountSat + feeSat > total) throw new ValidationError('amountSat', 'insufficient funds for the amount plus the fee');
    const id = `p${this.#prepared.size + 1}`;
    this.#prepared.set(id, { amountSat, feeSat, to: req.to });
    return { amountSat, feeSat, vsize, feeRate: req.feeRate, to: req.to, id };
  }
  async confirmSend(id: string): Promise<{ txid: string }> {
    const p = this.#prepared.get(id);
    if (!p) throw new Error('unknown or expired send');
    this.#prepared.delete(id);
    this.confirmedSat -= p.amountSat + p.feeSat;
    const txid = String(this.txs.length + 1).padStart(64, 'f');
    this.txs = [{ txid, deltaSat: -(p.amountSat + p.feeSat), feeSat: p.feeSat, status: { confirmed: false } }, ...this.txs];
    return { txid };
  }
  async close(): Promise<void> {
    this.closed = true;
  }
}

/** A backend whose "disk" survives store reopening; `wallets` shows what is open. */
export class FakeBackend implements WalletBackend {
  readonly disk = new Map<NetworkName, Saved>();
  readonly stores: FakeRawStore[] = [];
  readonly wallets: FakeWallet[] = [];
  readonly chains: { baseUrl: string; network: NetworkName }[] = [];
  async openStore(network: NetworkName): Promise<KVStore> {
    const s = new FakeRawStore(network);
    this.stores.push(s);
    return s;
  }
  async exists(raw: KVStore): Promise<boolean> {
    return this.disk.has((raw as FakeRawStore).network);
  }
  async create(opts: { raw: KVStore; passphrase: string; network: NetworkName; mnemonic?: string }): Promise<WalletEngine> {
    if (opts.mnemonic !== undefined && opts.mnemonic.split(' ').length !== 24 && opts.mnemonic.split(' ').length !== 12) throw new ValidationError('mnemonic', 'must have 12 or 24 words');
    if (opts.mnemonic?.includes('zzz')) throw new ValidationError('mnemonic', 'word 1 "zzz" is not in the BIP39 English word list');
    const saved = { passphrase: opts.passphrase, words: opts.mnemonic ? opts.mnemonic.split(' ') : FAKE_WORDS, network: opts.network };
    this.disk.set(opts.network, saved);
    const w = new FakeWallet(opts.network, saved);
    this.wallets.push(w);
    return w;
  }
  async open(opts: { raw: KVStore; passphrase: string }): Promise<WalletEngine> {
    const saved = this.disk.get((opts.raw as FakeRawStore).network);
    if (!saved) throw new Error('no wallet');
    if (saved.passphrase !== opts.passphrase) throw new WrongPassphraseError();
    const w = new FakeWallet(saved.network, saved);
    this.wallets.push(w);
    return w;
  }
  chain(baseUrl: string, network: NetworkName): unknown {
    const c = { baseUrl, network };
    this.chains.push(c);
    return c;
  }
  /** Every POST made (the faucet), and how to answer the next ones (a reply, or a thrown error). */
  readonly posts: { url: string; body: unknown }[] = [];
  answer: (url: string, body: unknown) => HttpReply | Promise<HttpReply> = () => ({ status: 404, contentType: 'text/plain', body: 'not found' });
  async postJson(url: string, body: unknown): Promise<HttpReply> {
    this.posts.push({ url, body });
    return this.answer(url, body);
  }
}
