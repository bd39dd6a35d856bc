/**
 * The wallet's ledger, computed from raw transactions: which outputs pay our scripts, which of
 * them our transactions spend, the balance, and the per-transaction history. Pure: the caller
 * fetches the transactions (`ChainSource.scriptHistory` for txids and status,
 * `ChainSource.transaction` for bytes) and passes them in.
 *
 * Unconfirmed coins are tracked but only *trusted* ones are spendable: an unconfirmed output is
 * trusted when every input of its transaction spends one of our own coins that is itself
 * confirmed or trusted (our own change), because then nobody else can double-spend it. Coinbase
 * outputs are spendable after 100 confirmations (consensus COINBASE_MATURITY).
 */
import { Transaction } from 'bitcoinjs-lib';
import type { TxStatus } from '../chain/source.ts';
import { bytesToHex } from '../lib/bytes.ts';
import { DecodeError } from '../lib/errors.ts';
import type { AddressChain } from '../keys/derivation.ts';

/** Blocks before a coinbase output may be spent (consensus). */
export const COINBASE_MATURITY = 100;

/** A transaction the wallet knows, with where it stands. */
export interface KnownTx {
  readonly txid: string;
  readonly raw: Uint8Array;
  readonly status: TxStatus;
  /** Made and broadcast by this wallet but not yet seen in any script history. */
  readonly local?: boolean;
}

/** Which of our addresses a script is. */
export interface OwnedScript {
  readonly chain: AddressChain;
  readonly index: number;
}

export interface Utxo {
  readonly txid: string;
  readonly vout: number;
  readonly valueSat: bigint;
  readonly scriptPubKey: Uint8Array;
  readonly chain: AddressChain;
  readonly index: number;
  readonly status: TxStatus;
  /** Confirmed, or our own unconfirmed change (nobody else can double-spend it). */
  readonly trusted: boolean;
  readonly coinbase: boolean;
  /** Trusted and, for a coinbase output, mature. */
  readonly spendable: boolean;
}

export interface Balance {
  /** Confirmed coins (mature or not). */
  readonly confirmedSat: bigint;
  /** Unconfirmed coins: incoming payments and our own pending change. */
  readonly unconfirmedSat: bigint;
  /** Confirmed coinbase coins that are not yet mature (included in confirmedSat). */
  readonly immatureSat: bigint;
  /** What a spend may use now: mature confirmed coins plus trusted unconfirmed change. */
  readonly spendableSat: bigint;
}

export interface HistoryEntry {
  readonly txid: string;
  /** Received minus sent, from this wallet's point of view. */
  readonly deltaSat: bigint;
  /** Known when every input is ours (we know every input's value). */
  readonly feeSat?: bigint;
  readonly status: TxStatus;
  /**
   * The outpoints its inputs spend, `<display txid>:<vout>` (empty for a coinbase): what tells a
   * channel's close or claim from a payment (workers/tx-roles.ts).
   */
  readonly spends: readonly string[];
}

export interface Ledger {
  readonly utxos: readonly Utxo[];
  readonly balance: Balance;
  readonly history: readonly HistoryEntry[];
  /** Transactions left out because they conflict with a better-established one (or descend from one). */
  readonly dropped: readonly string[];
}

const decoded = new WeakMap<Uint8Array, Transaction>();

/** Decode a raw transaction (cached per byte array), checking it hashes to `txid`. */
export function decodeTx(raw: Uint8Array, txid?: string): Transaction {
  let tx = decoded.get(raw);
  if (!tx) {
    try {
      tx = Transaction.fromBuffer(raw);
    } catch (e) {
      throw new DecodeError('transaction', `does not decode: ${e instanceof Error ? e.message : String(e)}`);
    }
    decoded.set(raw, tx);
  }
  if (txid !== undefined && tx.getId() !== txid) throw new DecodeError('transaction', `hashes to ${tx.getId()}, expected ${txid}`);
  return tx;
}

/** Display-order txid of an input's previous output. */
export function prevTxid(input: { hash: Uint8Array }): string {
  return bytesToHex(input.hash.slice().reverse());
}

/** Ordering for conflicts: lower wins. Confirmed (earlier block first), then mempool, then local. */
function rank(t: KnownTx): [number, number] {
  if (t.status.confirmed) return [0, t.status.blockHeight];
  return [t.local ? 2 : 1, 0];
}

function better(a: KnownTx, b: KnownTx): boolean {
  const [ra, ha] = rank(a);
  const [rb, hb] = rank(b);
  if (ra !== rb) return ra < rb;
  if (ha !== hb) return ha < hb;
  return a.txid < b.txid;
}

/**
 * Build the ledger. `owner(spkHex)` says whether a script (lowercase hex) is ours; `tipHeight`
 * is needed for coinbase maturity (unknown → coinbase coins are treated as immature).
 */
export function buildLedger(known: Iterable<KnownTx>, owner: (spkHex: string) => OwnedScript | undefined, tipHeight?: number): Ledger {
  const txs = new Map<string, { k: KnownTx; tx: Transaction }>();
  for (const k of known) txs.set(k.txid, { k, tx: decodeTx(k.raw, k.txid) });

  // 1. Conflicts: of several transactions spending one outpoint keep the best-established.
  const spenders = new Map<string, string[]>();
  for (const [txid, { tx }] of txs) {
    if (tx.isCoinbase()) continue;
    for (const input of tx.ins) {
      const op = `${prevTxid(input)}:${input.index}`;
      const list = spenders.get(op);
      if (list) list.push(txid);
      else spenders.set(op, [txid]);
    }
  }
  const dropped = new Set<string>();
  for (const list of spenders.values()) {
    if (list.length < 2) continue;
    const entries = list.map((id) => (txs.get(id) as { k: KnownTx }).k);
    const best = entries.reduce((a, b) => (better(a, b) ? a : b));
    for (const e of entries) if (e.txid !== best.txid) dropped.add(e.txid);
  }
  // 2. Descendants of dropped transactions are invalid too.
  for (let changed = true; changed; ) {
    changed = false;
    for (const [txid, { tx }] of txs) {
      if (dropped.has(txid) || tx.isCoinbase()) continue;
      if (tx.ins.some((i) => dropped.has(prevTxid(i)))) {
        dropped.add(txid);
        changed = true;
      }
    }
  }
  const live = [...txs.values()].filter(({ k }) => !dropped.has(k.txid));

  // 3. Our outputs and which of them are spent.
  interface Out { utxo: Omit<Utxo, 'trusted' | 'spendable'>; spent: boolean }
  const outs = new Map<string, Out>();
  for (const { k, tx } of live) {
    tx.outs.forEach((o, vout) => {
      const spkHex = bytesToHex(o.script);
      const who = owner(spkHex);
      if (!who) return;
      outs.set(`${k.txid}:${vout}`, {
        utxo: { txid: k.txid, vout, valueSat: o.value, scriptPubKey: o.script, chain: who.chain, index: who.index, status: k.status, coinbase: tx.isCoinbase() },
        spent: false,
      });
    });
  }
  for (const { tx } of live) {
    if (tx.isCoinbase()) continue;
    for (const input of tx.ins) {
      const out = outs.get(`${prevTxid(input)}:${input.index}`);
      if (out) out.spent = true;
    }
  }

  // 4. Trust: confirmed, or every input is one of our trusted coins.
  const trust = new Map<string, boolean>();
  const trustedTx = (txid: string, depth = 0): boolean => {
    const cached = trust.get(txid);
    if (cached !== undefined) return cached;
    const entry = txs.get(txid);
    let ok = false;
    if (entry && !dropped.has(txid) && depth < 1000) {
      if (entry.k.status.confirmed) ok = true;
      else if (!entry.tx.isCoinbase()) {
        ok = entry.tx.ins.every((i) => outs.has(`${prevTxid(i)}:${i.index}`) && trustedTx(prevTxid(i), depth + 1));
      }
    }
    trust.set(txid, ok);
    return ok;
  };

  const utxos: Utxo[] = [];
  let confirmedSat = 0n;
  let unconfirmedSat = 0n;
  let immatureSat = 0n;
  let spendableSat = 0n;
  for (const { utxo, spent } of outs.values()) {
    if (spent) continue;
    const trusted = trustedTx(utxo.txid);
    const mature =
      !utxo.coinbase ||
      (utxo.status.confirmed && tipHeight !== undefined && tipHeight + 1 - utxo.status.blockHeight >= COINBASE_MATURITY);
    const spendable = trusted && mature;
    utxos.push({ ...utxo, trusted, spendable });
    if (utxo.status.confirmed) confirmedSat += utxo.valueSat;
    else unconfirmedSat += utxo.valueSat;
    if (utxo.status.confirmed && !mature) immatureSat += utxo.valueSat;
    if (spendable) spendableSat += utxo.valueSat;
  }
  utxos.sort((a, b) => (a.txid < b.txid ? -1 : a.txid > b.txid ? 1 : a.vout - b.vout));

  // 5. History: what each transaction did to the balance.
  const history: HistoryEntry[] = [];
  for (const { k, tx } of live) {
    let received = 0n;
    tx.outs.forEach((o, vout) => {
      if (outs.has(`${k.txid}:${vout}`)) received += o.value;
    });
    let sent = 0n;
    let allInputsOurs = !tx.isCoinbase();
    if (!tx.isCoinbase()) {
      for (const input of tx.ins) {
        const out = outs.get(`${prevTxid(input)}:${input.index}`);
        if (out) sent += out.utxo.valueSat;
        else allInputsOurs = false;
      }
    }
    if (received === 0n && sent === 0n) continue;
    const spends = tx.isCoinbase() ? [] : tx.ins.map((i) => `${prevTxid(i)}:${i.index}`);
    const entry: HistoryEntry = { txid: k.txid, deltaSat: received - sent, status: k.status, spends };
    if (allInputsOurs) {
      const outputs = tx.outs.reduce((s, o) => s + o.value, 0n);
      history.push({ ...entry, feeSat: sent - outputs });
    } else history.push(entry);
  }
  history.sort((a, b) => {
    const ha = a.status.confirmed ? a.status.blockHeight : Infinity;
    const hb = b.status.confirmed ? b.status.blockHeight : Infinity;
    if (ha !== hb) return hb - ha;
    return a.txid < b.txid ? -1 : a.txid > b.txid ? 1 : 0;
  });

  return {
    utxos,
    balance: { confirmedSat, unconfirmedSat, immatureSat, spendableSat },
    history,
    dropped: [...dropped].sort(),
  };
}
