/**
 * Reading the wallet's transactions from a `ChainSource`: a full gap-limit scan (restore, and the
 * periodic reconcile that also catches reorgs), and a quick refresh for idle ticks that asks
 * only about addresses that can have changed without us knowing: receive addresses handed out
 * and not yet used, and, when the tip moved, addresses with unconfirmed transactions. An idle
 * quick sync costs one `tipHash` call plus one `scriptHistory` per outstanding receive address.
 */
import type { ChainSource, ChainTip, ScriptTx, TxStatus } from '../chain/source.ts';
import { bytesToHex } from '../lib/bytes.ts';
import { CHANGE_CHAIN, RECEIVE_CHAIN, type AddressChain } from '../keys/derivation.ts';
import type { AddressBook } from './address-book.ts';
import { discover, DISCOVERY_CONCURRENCY, GAP_LIMIT } from './discovery.ts';
import type { StoredTx } from './state.ts';
import { decodeTx, prevTxid } from './utxos.ts';

/** Blocks after broadcast before a local transaction no server has listed is forgotten. */
export const PENDING_GRACE_BLOCKS = 3;

export interface SyncReport {
  readonly mode: 'full' | 'quick';
  readonly tipHeight: number;
  /** `scriptHistory` calls. */
  readonly scriptRequests: number;
  /** `transaction` calls (raw transactions not already known). */
  readonly txRequests: number;
  /** Txids seen for the first time. */
  readonly newTxids: readonly string[];
}

/** What a sync reads and replaces in the wallet. */
export interface SyncInput {
  readonly chain: ChainSource;
  readonly book: AddressBook;
  readonly txs: ReadonlyMap<string, StoredTx>;
  readonly tipHeight: number;
  readonly tipHash: string;
  readonly receiveLastUsed: number;
  readonly changeLastUsed: number;
  readonly receiveNext: number;
}

export interface SyncOutput {
  readonly txs: Map<string, StoredTx>;
  readonly tip: ChainTip;
  readonly receiveLastUsed: number;
  readonly changeLastUsed: number;
  readonly report: SyncReport;
}

/** Run `fn` over `items` with at most `limit` in flight; results in input order. */
export async function mapLimit<T, R>(items: readonly T[], limit: number, fn: (item: T) => Promise<R>): Promise<R[]> {
  const out = new Array<R>(items.length);
  let next = 0;
  const worker = async (): Promise<void> => {
    while (next < items.length) {
      const i = next++;
      out[i] = await fn(items[i] as T);
    }
  };
  await Promise.all(Array.from({ length: Math.min(limit, items.length) }, worker));
  return out;
}

function mergeStatus(a: TxStatus | undefined, b: TxStatus): TxStatus {
  if (!a) return b;
  if (b.confirmed && (!a.confirmed || b.blockHeight > a.blockHeight)) return b;
  return a;
}

async function fetchRaw(chain: ChainSource, known: ReadonlyMap<string, StoredTx>, txids: readonly string[]): Promise<Map<string, Uint8Array>> {
  const missing = txids.filter((t) => !known.has(t));
  const raws = await mapLimit(missing, DISCOVERY_CONCURRENCY, async (txid) => {
    const raw = await chain.transaction(txid);
    decodeTx(raw, txid); // the bytes must be the transaction we asked for
    return raw;
  });
  const out = new Map<string, Uint8Array>();
  missing.forEach((t, i) => out.set(t, raws[i] as Uint8Array));
  return out;
}

function keepLocal(t: StoredTx, tipHeight: number): boolean {
  return Boolean(t.local) && tipHeight <= (t.broadcastHeight ?? 0) + PENDING_GRACE_BLOCKS;
}

/** Full gap-limit scan of both chains from index 0. */
export async function fullSync(input: SyncInput): Promise<SyncOutput> {
  const tip = await input.chain.tip();
  const scan = await discover(input.chain, (c, i) => input.book.script(c, i), {
    lastUsedHint: { receive: input.receiveLastUsed, change: input.changeLastUsed },
  });
  const statuses = new Map<string, TxStatus>();
  for (const s of [scan.receive, scan.change]) {
    for (const history of s.histories.values()) for (const t of history) statuses.set(t.txid, mergeStatus(statuses.get(t.txid), t.status));
  }
  const fetched = await fetchRaw(input.chain, input.txs, [...statuses.keys()]);
  const txs = new Map<string, StoredTx>();
  for (const [txid, status] of statuses) {
    const raw = fetched.get(txid) ?? (input.txs.get(txid) as StoredTx).raw;
    txs.set(txid, { txid, raw, status });
  }
  for (const t of input.txs.values()) if (!txs.has(t.txid) && keepLocal(t, tip.height)) txs.set(t.txid, t);
  return {
    txs,
    tip,
    receiveLastUsed: scan.receive.lastUsed,
    changeLastUsed: scan.change.lastUsed,
    report: { mode: 'full', tipHeight: tip.height, scriptRequests: scan.requests, txRequests: fetched.size, newTxids: [...fetched.keys()] },
  };
}

/** Scripts of ours that a transaction pays or spends. */
function touchedScripts(t: StoredTx, book: AddressBook, txs: ReadonlyMap<string, StoredTx>): { chain: AddressChain; index: number }[] {
  const tx = decodeTx(t.raw);
  const out: { chain: AddressChain; index: number }[] = [];
  const add = (spk: Uint8Array): void => {
    const who = book.owner(bytesToHex(spk));
    if (who) out.push(who);
  };
  tx.outs.forEach((o) => add(o.script));
  for (const i of tx.ins) {
    const parent = txs.get(prevTxid(i));
    const prev = parent ? decodeTx(parent.raw).outs[i.index] : undefined;
    if (prev) add(prev.script);
  }
  return out;
}

/** Quick refresh: handed-out receive addresses, plus unconfirmed activity when the tip moved. */
export async function quickSync(input: SyncInput): Promise<SyncOutput> {
  const hash = await input.chain.tipHash();
  const moved = hash !== input.tipHash;
  const tip: ChainTip = moved ? await input.chain.tip() : { height: input.tipHeight, hash };
  const targets = new Map<string, { chain: AddressChain; index: number }>();
  const from = input.receiveLastUsed + 1;
  const to = Math.min(input.receiveNext, input.receiveLastUsed + 1 + GAP_LIMIT);
  for (let i = from; i < to; i++) targets.set(`${RECEIVE_CHAIN}/${i}`, { chain: RECEIVE_CHAIN, index: i });
  if (moved) {
    for (const t of input.txs.values()) {
      if (t.status.confirmed) continue;
      for (const s of touchedScripts(t, input.book, input.txs)) targets.set(`${s.chain}/${s.index}`, s);
    }
  }
  const list = [...targets.values()];
  const histories = await mapLimit(list, DISCOVERY_CONCURRENCY, (s) => input.chain.scriptHistory(input.book.script(s.chain, s.index)));

  const statuses = new Map<string, TxStatus>();
  let receiveLastUsed = input.receiveLastUsed;
  let changeLastUsed = input.changeLastUsed;
  histories.forEach((h: ScriptTx[], k) => {
    const s = list[k] as { chain: AddressChain; index: number };
    for (const t of h) statuses.set(t.txid, mergeStatus(statuses.get(t.txid), t.status));
    if (h.length > 0 && s.chain === RECEIVE_CHAIN) receiveLastUsed = Math.max(receiveLastUsed, s.index);
    if (h.length > 0 && s.chain === CHANGE_CHAIN) changeLastUsed = Math.max(changeLastUsed, s.index);
  });
  const fetched = await fetchRaw(input.chain, input.txs, [...statuses.keys()]);

  const txs = new Map<string, StoredTx>();
  for (const t of input.txs.values()) {
    const status = statuses.get(t.txid);
    if (status) {
      txs.set(t.txid, { txid: t.txid, raw: t.raw, status });
      continue;
    }
    // Not listed by any script we asked about. An unconfirmed transaction that touches one of
    // those scripts has left the mempool (unless it is ours and recent); keep everything else.
    if (!t.status.confirmed) {
      const asked = touchedScripts(t, input.book, input.txs).some((s) => targets.has(`${s.chain}/${s.index}`));
      if (asked && !keepLocal(t, tip.height)) continue;
    }
    txs.set(t.txid, t);
  }
  for (const [txid, raw] of fetched) txs.set(txid, { txid, raw, status: statuses.get(txid) as TxStatus });
  return {
    txs,
    tip,
    receiveLastUsed,
    changeLastUsed,
    report: { mode: 'quick', tipHeight: tip.height, scriptRequests: list.length, txRequests: fetched.size, newTxids: [...fetched.keys()] },
  };
}
