/**
 * The JSON shapes of the Esplora endpoints the client reads, as validators. Field names are
 * Esplora's (snake_case) so error paths match what the server sent.
 */
import type { BlockStatus, OutSpend, ScriptTx, ScriptUtxo, TxStatus } from './source.ts';
import { array, at, boolean, field, hash32, integer, optional, record, SchemaError, type Validator } from './validate.ts';

/** Heights and times fit in u32; values in sats fit MAX_MONEY. */
const MAX_HEIGHT = 0xffffffff;
export const MAX_MONEY_SAT = 21_000_000 * 100_000_000;

const height = integer(0, MAX_HEIGHT);
const time = integer(0, 0xffffffff);
const vout = integer(0, 0xffffffff);

/** `{confirmed: false}` or `{confirmed: true, block_height, block_hash, block_time}`. */
export const txStatus: Validator<TxStatus> = (value, path) => {
  const obj = record(value, path);
  if (!boolean(field(obj, 'confirmed'), at(path, 'confirmed'))) return { confirmed: false };
  return {
    confirmed: true,
    blockHeight: height(field(obj, 'block_height'), at(path, 'block_height')),
    blockHash: hash32(field(obj, 'block_hash'), at(path, 'block_hash')),
    blockTime: time(field(obj, 'block_time'), at(path, 'block_time')),
  };
};

/** One entry of `/scripthash/:h/txs` (a full tx object; we read `txid` and `status`). */
export const scriptTx: Validator<ScriptTx> = (value, path) => {
  const obj = record(value, path);
  return { txid: hash32(field(obj, 'txid'), at(path, 'txid')), status: txStatus(field(obj, 'status'), at(path, 'status')) };
};

/** `/scripthash/:h/txs` returns at most 50 mempool + 25 confirmed; a chain page at most 25. */
export const scriptTxs = array(scriptTx, 1_000);

export const scriptUtxo: Validator<ScriptUtxo> = (value, path) => {
  const obj = record(value, path);
  return {
    txid: hash32(field(obj, 'txid'), at(path, 'txid')),
    vout: vout(field(obj, 'vout'), at(path, 'vout')),
    valueSat: BigInt(integer(0, MAX_MONEY_SAT)(field(obj, 'value'), at(path, 'value'))),
    status: txStatus(field(obj, 'status'), at(path, 'status')),
  };
};

export const scriptUtxos = array(scriptUtxo, 100_000);

/** `{spent: false}` or `{spent: true, txid, vin, status}`. */
export const outSpend: Validator<OutSpend> = (value, path) => {
  const obj = record(value, path);
  if (!boolean(field(obj, 'spent'), at(path, 'spent'))) return { spent: false };
  return {
    spent: true,
    txid: hash32(field(obj, 'txid'), at(path, 'txid')),
    vin: vout(field(obj, 'vin'), at(path, 'vin')),
    status: txStatus(field(obj, 'status'), at(path, 'status')),
  };
};

export interface MerkleProof {
  readonly blockHeight: number;
  /** Sibling hashes from the leaf up, display-order hex. */
  readonly merkle: readonly string[];
  readonly pos: number;
}

/** electrs `/tx/:txid/merkle-proof` (Electrum `blockchain.transaction.get_merkle` format). */
export const merkleProof: Validator<MerkleProof> = (value, path) => {
  const obj = record(value, path);
  return {
    blockHeight: height(field(obj, 'block_height'), at(path, 'block_height')),
    merkle: array(hash32, 32)(field(obj, 'merkle'), at(path, 'merkle')),
    pos: integer(0, 0xffffffff)(field(obj, 'pos'), at(path, 'pos')),
  };
};

/** `/block/:hash/status`: a best-chain block must say its height. */
export const blockStatus: Validator<BlockStatus> = (value, path) => {
  const obj = record(value, path);
  const inBestChain = boolean(field(obj, 'in_best_chain'), at(path, 'in_best_chain'));
  const h = optional(height)(field(obj, 'height'), at(path, 'height'));
  if (inBestChain && h === undefined) throw new SchemaError(at(path, 'height'), 'missing for a block in the best chain');
  return { inBestChain, height: h, nextBest: optional(hash32)(field(obj, 'next_best'), at(path, 'next_best')) };
};
