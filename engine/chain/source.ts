/**
 * What the rest of the engine needs from a chain backend. `EsploraClient` implements it over
 * HTTP; tests implement it in memory. Every value here has already been validated (and, where
 * the type says so, checked against block headers): callers may trust shapes, not the server.
 *
 * Hashes and txids are display-order hex strings (as Esplora and explorers print them);
 * raw transactions and headers are bytes.
 */

/** Where a transaction stands. */
export type TxStatus =
  | { readonly confirmed: false }
  | { readonly confirmed: true; readonly blockHeight: number; readonly blockHash: string; readonly blockTime: number };

/** One transaction touching a script, as listed by `/scripthash/:h/txs`. */
export interface ScriptTx {
  readonly txid: string;
  readonly status: TxStatus;
}

/** An unspent output of a script (`/scripthash/:h/utxo`). */
export interface ScriptUtxo {
  readonly txid: string;
  readonly vout: number;
  readonly valueSat: bigint;
  readonly status: TxStatus;
}

/** Whether an output is spent, and by what (`/tx/:txid/outspend/:vout`). */
export type OutSpend =
  | { readonly spent: false }
  | { readonly spent: true; readonly txid: string; readonly vin: number; readonly status: TxStatus };

/** Fee-rate estimates in sat/vB by confirmation target (blocks). */
export type FeeEstimates = ReadonlyMap<number, number>;

export interface ChainTip {
  readonly height: number;
  readonly hash: string;
}

/** Where a block stands (`/block/:hash/status`). `height` is known for best-chain blocks. */
export interface BlockStatus {
  readonly inBestChain: boolean;
  readonly height: number | undefined;
  /** The best-chain block after this one, if any. */
  readonly nextBest: string | undefined;
}

export interface ChainSource {
  tip(): Promise<ChainTip>;
  /** The best block's hash only: one request, what an idle sync tick costs. */
  tipHash(): Promise<string>;
  blockStatus(hash: string): Promise<BlockStatus>;
  /** The 80-byte header of a block. */
  blockHeader(hash: string): Promise<Uint8Array>;
  blockHashAtHeight(height: number): Promise<string>;
  /** Every transaction touching the script (confirmed and mempool), paging as needed. */
  scriptHistory(scriptPubKey: Uint8Array): Promise<ScriptTx[]>;
  scriptUtxos(scriptPubKey: Uint8Array): Promise<ScriptUtxo[]>;
  /** Raw transaction; its txid is checked against the request. */
  transaction(txid: string): Promise<Uint8Array>;
  txStatus(txid: string): Promise<TxStatus>;
  /** A confirmed transaction's inclusion proven against its block header (merkle proof). */
  verifyConfirmed(txid: string): Promise<TxStatus>;
  outSpend(txid: string, vout: number): Promise<OutSpend>;
  feeEstimates(): Promise<FeeEstimates>;
  /** Broadcast a raw transaction; resolves to its txid; rejects with the server's error text. */
  broadcast(rawTx: Uint8Array): Promise<string>;
}
