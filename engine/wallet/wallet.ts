/**
 * The on-chain BIP 84 wallet: restore from a keychain, sync against a `ChainSource`, hand out
 * receive addresses, report balance and history, send, and build channel funding transactions.
 *
 * Every argument is validated before any coin is selected or anything is signed. Operations
 * that change the wallet (sync, send, funding) run one at a time. The state (`toState`) holds
 * no secret and can always be rebuilt by a full sync from the seed.
 *
 * https://github.com/bitcoin/bips/blob/master/bip-0084.mediawiki
 * https://github.com/lightning/bolts/blob/master/02-peer-protocol.md#the-funding_created-message
 */
import type { ChainSource } from '../chain/source.ts';
import { bytesToHex } from '../lib/bytes.ts';
import { ValidationError } from '../lib/errors.ts';
import type { Keychain } from '../keys/keychain.ts';
import { CHANGE_CHAIN, formatPath, RECEIVE_CHAIN } from '../keys/derivation.ts';
import type { NetworkName } from '../wire/chains.ts';
import { AddressBook } from './address-book.ts';
import { parseAddress } from './addresses.ts';
import { selectCoins, type Recipient } from './coinselect.ts';
import { DEFAULT_TARGET_BLOCKS, feeRateToSatPerVb, parseFeeRate, parseTarget, rateForTarget, type FeeRate } from './fee.ts';
import { GAP_LIMIT } from './discovery.ts';
import { checkPayableScript } from './script.ts';
import { buildSignedTx, keySigner, SEQUENCE_RBF, type SignedTx } from './spend.ts';
import { signCoinInput, signCoinInputs, type ForeignFundRequest, type ForeignSpendRequest } from './foreign.ts';
import { checkWalletState, emptyWalletState, WALLET_STATE_VERSION, type Reservation, type StoredTx, type WalletState } from './state.ts';
import { fullSync, quickSync, type SyncReport } from './sync.ts';
import { buildLedger, decodeTx, prevTxid, type Balance, type HistoryEntry, type Ledger, type Utxo } from './utxos.ts';

/** 21 million BTC in sats: no amount can be larger. */
export const MAX_MONEY_SAT = 2_100_000_000_000_000n;
/** nSequence of funding inputs: final for RBF signalling, still enables nLockTime. */
const SEQUENCE_FUNDING = 0xfffffffe;

export interface FeeChoice {
  /** sat/vB. Takes precedence over `target`. */
  readonly feeRate?: number;
  /** Confirmation target in blocks for the server's estimate (default 6). */
  readonly target?: number;
}

export interface SendRequest extends FeeChoice {
  readonly to: string;
  /** Whole sats, or 'max' to sweep every spendable coin. */
  readonly amountSat: bigint | number | 'max';
}

export interface PreparedTx extends SignedTx {
  /** What the recipient (or the funding output) receives. */
  readonly amountSat: bigint;
  readonly feeRate: FeeRate;
  /** Change index used (the change output of the transaction), if any. */
  readonly changeIndex?: number;
}

export interface FundingRequest extends FeeChoice {
  /** The BOLT 3 funding output: P2WSH of the 2-of-2 (P2TR accepted for future channel types). */
  readonly scriptPubKey: Uint8Array;
  readonly valueSat: bigint;
}

export interface FundingTx extends PreparedTx {
  /** Index of the funding output in the transaction (`funding_output_index`). */
  readonly fundingOutputIndex: number;
}

export interface ReceiveAddress {
  readonly address: string;
  readonly index: number;
  readonly path: string;
}

/** Validate a caller's amount: whole, positive sats within the money supply, or 'max'. */
export function parseAmount(value: unknown, field = 'amountSat'): bigint | 'max' {
  if (value === 'max') return 'max';
  let v: bigint;
  if (typeof value === 'bigint') v = value;
  else if (typeof value === 'number') {
    if (!Number.isFinite(value) || !Number.isInteger(value)) throw new ValidationError(field, `must be a whole number of sats, got ${value}`);
    if (!Number.isSafeInteger(value)) throw new ValidationError(field, 'is too large');
    v = BigInt(value);
  } else throw new ValidationError(field, 'must be a whole number of sats or "max"');
  if (v < 0n) throw new ValidationError(field, `must not be negative, got ${v}`);
  if (v === 0n) throw new ValidationError(field, 'must be more than zero');
  if (v > MAX_MONEY_SAT) throw new ValidationError(field, 'is more than 21 million BTC');
  return v;
}

export class OnchainWallet {
  readonly network: NetworkName;
  private readonly chain: ChainSource;
  private readonly book: AddressBook;
  private txs = new Map<string, StoredTx>();
  private reservations: Reservation[] = [];
  private receiveLastUsed = -1;
  private receiveNext = 0;
  private changeLastUsed = -1;
  private changeNext = 0;
  private tipHeight = -1;
  private tipHash = '';
  private ledger: Ledger;
  private queue: Promise<unknown> = Promise.resolve();

  private constructor(keychain: Keychain, network: NetworkName, chain: ChainSource, state: WalletState) {
    this.network = network;
    this.chain = chain;
    this.book = new AddressBook(keychain.onchain(network));
    this.receiveLastUsed = state.receiveLastUsed;
    this.receiveNext = state.receiveNext;
    this.changeLastUsed = state.changeLastUsed;
    this.changeNext = state.changeNext;
    this.tipHeight = state.tipHeight;
    this.tipHash = state.tipHash;
    for (const t of state.txs) this.txs.set(t.txid, t);
    this.reservations = state.reservations.map((r) => ({ txid: r.txid, outpoints: [...r.outpoints] }));
    this.ledger = this.rebuild();
  }

  /**
   * A wallet for `keychain` on `network`. Without `state` it knows nothing until `sync()`, which
   * then scans from index 0 (a restore). With `state` (from `toState`) it starts where it was.
   */
  static restore(keychain: Keychain, network: NetworkName, chain: ChainSource, state?: WalletState): OnchainWallet {
    if (keychain.network !== network) throw new ValidationError('network', `the keychain is for ${keychain.network}, not ${network}`);
    const s = state ? checkWalletState(state) : emptyWalletState(network);
    if (s.network !== network) throw new ValidationError('state.network', `the saved state is for ${s.network}, not ${network}`);
    return new OnchainWallet(keychain, network, chain, s);
  }

  /** The BIP 84 account's extended public keys (watch-only export). */
  get account(): { readonly xpub: string; readonly zpub: string; readonly path: string; readonly masterFingerprint: number } {
    const a = this.book.account;
    return { xpub: a.xpub, zpub: a.zpub, path: formatPath(a.path), masterFingerprint: a.masterFingerprint };
  }

  /**
   * Read the chain. `full` (the default) rescans every address up to the gap limit: use it on
   * start and periodically. `{ quick: true }` is the cheap idle tick (see sync.ts).
   */
  sync(options: { quick?: boolean } = {}): Promise<SyncReport> {
    return this.serial(async () => {
      const input = {
        chain: this.chain,
        book: this.book,
        txs: this.txs,
        tipHeight: this.tipHeight,
        tipHash: this.tipHash,
        receiveLastUsed: this.receiveLastUsed,
        changeLastUsed: this.changeLastUsed,
        receiveNext: this.receiveNext,
      };
      const before = new Set(this.txs.keys());
      const out = options.quick && this.tipHash !== '' ? await quickSync(input) : await fullSync(input);
      // Keep transactions recorded while the sync was in flight (recordTransaction is not queued).
      for (const t of this.txs.values()) if (!before.has(t.txid) && !out.txs.has(t.txid)) out.txs.set(t.txid, t);
      this.txs = out.txs;
      this.tipHeight = out.tip.height;
      this.tipHash = out.tip.hash;
      this.receiveLastUsed = out.receiveLastUsed;
      this.changeLastUsed = out.changeLastUsed;
      this.receiveNext = Math.max(this.receiveNext, this.receiveLastUsed + 1);
      this.ledger = this.rebuild();
      return out.report;
    });
  }

  /**
   * A receive address not used yet. Successive calls hand out successive addresses, but never
   * more than the gap limit past the last used one (a restore would not find them); after that
   * they cycle through the outstanding unused ones.
   */
  nextReceiveAddress(): ReceiveAddress {
    let index = Math.max(this.receiveNext, this.receiveLastUsed + 1);
    if (index > this.receiveLastUsed + GAP_LIMIT) index = this.receiveLastUsed + 1;
    this.receiveNext = index + 1;
    this.book.script(RECEIVE_CHAIN, index);
    return { address: this.book.address(RECEIVE_CHAIN, index), index, path: this.book.account.pathOf(RECEIVE_CHAIN, index) };
  }

  /** Balances; `spendableSat` excludes coins reserved for unbroadcast funding transactions. */
  balance(): Balance {
    const b = this.ledger.balance;
    const reserved = new Set(this.reservations.flatMap((r) => r.outpoints.map((o) => `${o.txid}:${o.vout}`)));
    const reservedSat = this.ledger.utxos.filter((u) => u.spendable && reserved.has(`${u.txid}:${u.vout}`)).reduce((s, u) => s + u.valueSat, 0n);
    return { ...b, spendableSat: b.spendableSat - reservedSat };
  }

  history(): readonly HistoryEntry[] {
    return this.ledger.history;
  }

  utxos(): readonly Utxo[] {
    return this.ledger.utxos;
  }

  /** Tip height at the last sync (-1 before the first). */
  get syncedHeight(): number {
    return this.tipHeight;
  }

  /**
   * Suggested rates in sat/vB from the server's estimates (with the fallbacks and bounds of
   * fee.ts): fast = next block or two, normal = 6 blocks, slow = a day.
   */
  async feeRates(): Promise<{ readonly fast: number; readonly normal: number; readonly slow: number }> {
    let estimates;
    try {
      estimates = await this.chain.feeEstimates();
    } catch {
      estimates = undefined;
    }
    const at = (target: number): number => feeRateToSatPerVb(rateForTarget(estimates, target, this.network));
    return { fast: at(2), normal: at(DEFAULT_TARGET_BLOCKS), slow: at(144) };
  }

  /** Build and sign a payment without broadcasting it. */
  prepareSend(req: SendRequest): Promise<PreparedTx> {
    return this.serial(() => this.prepare(req));
  }

  /** Pay `amountSat` (or everything) to `to`, broadcast, and record the transaction. */
  send(req: SendRequest): Promise<PreparedTx> {
    return this.serial(async () => {
      const tx = await this.prepare(req);
      await this.broadcastAndApply(tx.rawTx);
      return tx;
    });
  }

  /**
   * BOLT 2 funding: a signed transaction paying `scriptPubKey` (the 2-of-2 P2WSH) from our coins,
   * NOT broadcast. Its coins are reserved until it is broadcast (`broadcast`/`recordTransaction`)
   * or the reservation is cancelled (`cancelReservation`), so no other spend can invalidate it.
   */
  fundChannel(req: FundingRequest): Promise<FundingTx> {
    return this.serial(async () => {
      const type = checkPayableScript(req.scriptPubKey, 'scriptPubKey');
      if (type !== 'p2wsh' && type !== 'p2tr') throw new ValidationError('scriptPubKey', 'a funding output must be P2WSH (or P2TR)');
      const value = parseAmount(req.valueSat, 'valueSat');
      if (value === 'max') throw new ValidationError('valueSat', 'must be an amount');
      const feeRate = await this.feeRate(req);
      const tx = this.buildTx({ scriptPubKey: req.scriptPubKey, valueSat: value }, false, feeRate, SEQUENCE_FUNDING, 'valueSat');
      const spent = decodeTx(tx.rawTx).ins.map((i) => ({ txid: prevTxid(i), vout: i.index }));
      this.reservations.push({ txid: tx.txid, outpoints: spent });
      return { ...tx, fundingOutputIndex: tx.outputIndex[0] as number };
    });
  }

  /** The txids (display order) of the unbroadcast funding transactions whose coins are reserved. */
  reservedTxids(): string[] {
    return this.reservations.map((r) => r.txid);
  }

  /** Release the coins reserved by `fundChannel` for `txid` (the channel open failed). */
  cancelReservation(txid: string): boolean {
    const before = this.reservations.length;
    this.reservations = this.reservations.filter((r) => r.txid !== txid);
    return this.reservations.length !== before;
  }

  /**
   * Spend one wallet coin together with the caller's inputs (an anchor CPFP child, foreign.ts):
   * the smallest confirmed spendable coin of at least `minCoinSat` (else the smallest
   * spendable one), a fresh change script, the caller builds the transaction, the wallet signs
   * its input, broadcasts and records it. Rejects with a ValidationError when no coin is big
   * enough.
   */
  spendWithForeignInputs(req: ForeignSpendRequest): Promise<{ readonly txid: string; readonly rawTx: Uint8Array }> {
    return this.serial(async () => {
      if (typeof req?.minCoinSat !== 'bigint' || req.minCoinSat < 1n) throw new ValidationError('minCoinSat', 'must be a positive bigint');
      const big = this.spendable().filter((u) => u.valueSat >= req.minCoinSat).sort((a, b) => (a.valueSat < b.valueSat ? -1 : a.valueSat > b.valueSat ? 1 : 0));
      const coin = big.find((u) => u.status.confirmed) ?? big[0];
      if (!coin) throw new ValidationError('minCoinSat', `no spendable coin of at least ${req.minCoinSat} sat`);
      const changeIndex = this.nextChangeIndex();
      const changeScript = this.book.script(CHANGE_CHAIN, changeIndex);
      const offered = { txid: coin.txid, vout: coin.vout, valueSat: coin.valueSat, scriptPubKey: coin.scriptPubKey };
      const raw = signCoinInput(req.build(offered, changeScript), offered, this.book.account.secretKey(coin.chain, coin.index));
      this.changeNext = changeIndex + 1;
      const txid = await this.broadcastAndApply(raw);
      return { txid, rawTx: raw };
    });
  }

  /**
   * Sign wallet coins into the caller's transaction (foreign.ts ForeignFundRequest: an anchors
   * HTLC transaction's fee inputs), without broadcasting it: confirmed spendable coins are
   * offered largest first with a fresh change script; the coins the transaction spends are
   * reserved under its txid until it is seen on chain or `cancelReservation`. Rejects with a
   * ValidationError naming `walletCoins` when there is no confirmed coin, or what `build` threw.
   */
  signWithForeignInputs(req: ForeignFundRequest): Promise<{ readonly txid: string; readonly rawTx: Uint8Array }> {
    return this.serial(async () => {
      if (typeof req?.build !== 'function') throw new ValidationError('build', 'must be a function');
      const coins = this.spendable()
        .filter((u) => u.status.confirmed)
        .sort((a, b) => (a.valueSat > b.valueSat ? -1 : a.valueSat < b.valueSat ? 1 : 0));
      if (coins.length === 0) throw new ValidationError('walletCoins', 'no confirmed spendable coin');
      const changeIndex = this.nextChangeIndex();
      const changeScript = this.book.script(CHANGE_CHAIN, changeIndex);
      const offered = coins.map((u) => ({ txid: u.txid, vout: u.vout, valueSat: u.valueSat, scriptPubKey: u.scriptPubKey }));
      const built = req.build(offered, changeScript);
      const spent = new Set(decodeTx(built).ins.map((i) => `${prevTxid(i)}:${i.index}`));
      const signers = coins.filter((u) => spent.has(`${u.txid}:${u.vout}`)).map((u) => ({ coin: offered[coins.indexOf(u)]!, secret: this.book.account.secretKey(u.chain, u.index) }));
      const raw = signCoinInputs(built, signers);
      this.changeNext = changeIndex + 1;
      const txid = decodeTx(raw).getId();
      this.reservations.push({ txid, outpoints: signers.map((s) => ({ txid: s.coin.txid, vout: s.coin.vout })) });
      return { txid, rawTx: raw };
    });
  }

  /**
   * CPFP from one of our own outputs (a BOLT 5 claim paying this wallet, not confirmed yet):
   * spend output `vout` of `parentRaw` alone into a fresh change script, paying `feeSat`; sign,
   * broadcast, record both. Rejects with a ValidationError when that output is not one of our
   * scripts, or the fee leaves less than the dust limit.
   */
  spendOwnOutput(req: { readonly parentRaw: Uint8Array; readonly vout: number; readonly feeSat: bigint }): Promise<{ readonly txid: string; readonly rawTx: Uint8Array }> {
    return this.serial(async () => {
      const parent = decodeTx(req.parentRaw);
      const out = parent.outs[req.vout];
      if (!out) throw new ValidationError('vout', `the parent has no output ${req.vout}`);
      const owner = this.book.owner(bytesToHex(out.script));
      if (!owner) throw new ValidationError('parentRaw', `output ${req.vout} does not pay one of this wallet's scripts`);
      if (typeof req.feeSat !== 'bigint' || req.feeSat < 0n) throw new ValidationError('feeSat', 'must be a non-negative bigint');
      const changeIndex = this.nextChangeIndex();
      const input = { txid: parent.getId(), vout: req.vout, valueSat: out.value, scriptPubKey: out.script, signer: keySigner(this.book.account.secretKey(owner.chain, owner.index)) };
      const locktime = this.tipHeight > 0 && this.tipHeight < 500_000_000 ? this.tipHeight : 0;
      const signed = buildSignedTx({ network: this.network, inputs: [input], outputs: [{ scriptPubKey: this.book.script(CHANGE_CHAIN, changeIndex), valueSat: out.value - req.feeSat }], locktime });
      this.changeNext = changeIndex + 1;
      this.recordTransaction(req.parentRaw);
      const txid = await this.broadcastAndApply(signed.rawTx);
      return { txid, rawTx: signed.rawTx };
    });
  }

  /** Broadcast one of our signed transactions through the chain source and record it. */
  broadcast(rawTx: Uint8Array): Promise<string> {
    return this.serial(() => this.broadcastAndApply(rawTx));
  }

  /** Record a transaction of ours that was broadcast some other way (e.g. by the node). */
  recordTransaction(rawTx: Uint8Array): string {
    const txid = decodeTx(rawTx).getId();
    if (!this.txs.has(txid)) this.txs.set(txid, { txid, raw: rawTx.slice(), status: { confirmed: false }, local: true, broadcastHeight: Math.max(0, this.tipHeight) });
    this.ledger = this.rebuild();
    return txid;
  }

  /** A snapshot to persist (see state.ts for the byte codec). */
  toState(): WalletState {
    return {
      version: WALLET_STATE_VERSION,
      network: this.network,
      receiveLastUsed: this.receiveLastUsed,
      receiveNext: this.receiveNext,
      changeLastUsed: this.changeLastUsed,
      changeNext: this.changeNext,
      tipHeight: this.tipHeight,
      tipHash: this.tipHash,
      txs: [...this.txs.values()].sort((a, b) => (a.txid < b.txid ? -1 : 1)),
      reservations: this.reservations.map((r) => ({ txid: r.txid, outpoints: [...r.outpoints] })),
    };
  }

  // ---------------------------------------------------------------------------------------------

  private serial<T>(fn: () => Promise<T>): Promise<T> {
    const run = this.queue.then(fn, fn);
    this.queue = run.catch(() => undefined);
    return run;
  }

  private async prepare(req: SendRequest): Promise<PreparedTx> {
    if (req === null || typeof req !== 'object') throw new ValidationError('request', 'must be an object');
    const dest = parseAddress(req.to, this.network, 'to');
    const amount = parseAmount(req.amountSat);
    const feeRate = await this.feeRate(req);
    const valueSat = amount === 'max' ? 0n : amount;
    return this.buildTx({ scriptPubKey: dest.scriptPubKey, valueSat }, amount === 'max', feeRate, SEQUENCE_RBF, 'amountSat');
  }

  private async feeRate(choice: FeeChoice): Promise<FeeRate> {
    if (choice.feeRate !== undefined) return parseFeeRate(choice.feeRate);
    const target = choice.target === undefined ? DEFAULT_TARGET_BLOCKS : parseTarget(choice.target);
    let estimates;
    try {
      estimates = await this.chain.feeEstimates();
    } catch {
      estimates = undefined; // fall back to the network default rather than fail a payment
    }
    return rateForTarget(estimates, target, this.network);
  }

  private buildTx(output: Recipient, sendMax: boolean, feeRate: FeeRate, sequence: number, field: string): PreparedTx {
    const changeIndex = this.nextChangeIndex();
    const changeScript = this.book.script(CHANGE_CHAIN, changeIndex);
    const coins = this.spendable();
    const byOutpoint = new Map(coins.map((u) => [`${u.txid}:${u.vout}`, u]));
    const selection = selectCoins({ coins, recipients: [output], feeRate, changeScript, sendMax, amountField: field });
    const inputs = selection.inputs.map((c) => {
      const u = byOutpoint.get(`${c.txid}:${c.vout}`) as Utxo;
      return { txid: u.txid, vout: u.vout, valueSat: u.valueSat, scriptPubKey: u.scriptPubKey, signer: keySigner(this.book.account.secretKey(u.chain, u.index)) };
    });
    const locktime = this.tipHeight > 0 && this.tipHeight < 500_000_000 ? this.tipHeight : 0;
    const signed = buildSignedTx({ network: this.network, inputs, outputs: selection.outputs, locktime, sequence });
    if (signed.feeSat !== selection.feeSat) throw new Error('wallet: signed fee differs from the selection');
    const hasChange = selection.changeIndex >= 0;
    if (hasChange) this.changeNext = changeIndex + 1;
    const result: PreparedTx = { ...signed, amountSat: (selection.outputs[0] as Recipient).valueSat, feeRate };
    return hasChange ? { ...result, changeIndex } : result;
  }

  private nextChangeIndex(): number {
    let index = Math.max(this.changeNext, this.changeLastUsed + 1);
    if (index > this.changeLastUsed + GAP_LIMIT) index = this.changeLastUsed + 1;
    return index;
  }

  private async broadcastAndApply(rawTx: Uint8Array): Promise<string> {
    const txid = decodeTx(rawTx).getId();
    await this.chain.broadcast(rawTx);
    this.recordTransaction(rawTx);
    return txid;
  }

  /** Spendable coins not reserved for an unbroadcast funding transaction. */
  private spendable(): Utxo[] {
    const reserved = new Set(this.reservations.flatMap((r) => r.outpoints.map((o) => `${o.txid}:${o.vout}`)));
    return this.ledger.utxos.filter((u) => u.spendable && !reserved.has(`${u.txid}:${u.vout}`));
  }

  private rebuild(): Ledger {
    this.book.ensure(RECEIVE_CHAIN, Math.max(this.receiveLastUsed + GAP_LIMIT, this.receiveNext));
    this.book.ensure(CHANGE_CHAIN, Math.max(this.changeLastUsed + GAP_LIMIT, this.changeNext));
    const ledger = buildLedger(this.txs.values(), (hex) => this.book.owner(hex), this.tipHeight >= 0 ? this.tipHeight : undefined);
    // Forget local transactions that lost a conflict; drop reservations that are now on chain
    // or whose coins are gone.
    let changed = false;
    for (const txid of ledger.dropped) {
      if (this.txs.get(txid)?.local) {
        this.txs.delete(txid);
        changed = true;
      }
    }
    const unspent = new Set(ledger.utxos.map((u) => `${u.txid}:${u.vout}`));
    this.reservations = this.reservations.filter((r) => !this.txs.has(r.txid) && r.outpoints.every((o) => unspent.has(`${o.txid}:${o.vout}`)));
    return changed ? buildLedger(this.txs.values(), (hex) => this.book.owner(hex), this.tipHeight >= 0 ? this.tipHeight : undefined) : ledger;
  }
}
