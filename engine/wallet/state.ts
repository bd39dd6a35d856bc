/**
 * The on-chain wallet's persistent state and its versioned byte codec (DESIGN.md rule 4). It
 * holds no secret: address indexes, known transactions (raw bytes and status) and coin
 * reservations. Everything in it can be rebuilt from the seed by a full sync; it exists so a
 * restart costs few requests and remembers unbroadcast funding transactions.
 *
 * Bytes, version 1 (all integers big-endian):
 *   u8 version=1, u8 network (0 bitcoin, 1 testnet, 2 signet, 3 regtest),
 *   u32 receiveLastUsed+1, u32 receiveNext, u32 changeLastUsed+1, u32 changeNext, u32 tipHeight+1,
 *   32-byte tip hash (zeros when unknown),
 *   u32 txCount, then per tx: u8 flags (1 confirmed, 2 local), [u32 height, 32-byte block hash,
 *   u32 block time] if confirmed, [u32 broadcastHeight] if local, u32 length, raw transaction;
 *   u16 reservationCount, then per reservation: 32-byte txid, u16 count, count × (32-byte txid, u32 vout).
 * Txids are stored in display order; each transaction's txid is recomputed from its bytes.
 */
import type { TxStatus } from '../chain/source.ts';
import { bytesToHex, hexToBytes } from '../lib/bytes.ts';
import { DecodeError, ValidationError } from '../lib/errors.ts';
import { NETWORKS, type NetworkName } from '../wire/chains.ts';
import { ByteReader } from '../wire/reader.ts';
import { ByteWriter } from '../wire/writer.ts';
import { decodeTx } from './utxos.ts';

export const WALLET_STATE_VERSION = 1;

export interface StoredTx {
  readonly txid: string;
  readonly raw: Uint8Array;
  readonly status: TxStatus;
  /** Broadcast by us, not yet seen in a script history. */
  readonly local?: boolean;
  /** Tip height when we broadcast it (local transactions only). */
  readonly broadcastHeight?: number;
}

/** Coins set aside for a signed but unbroadcast transaction (a channel funding). */
export interface Reservation {
  readonly txid: string;
  readonly outpoints: readonly { readonly txid: string; readonly vout: number }[];
}

export interface WalletState {
  readonly version: typeof WALLET_STATE_VERSION;
  readonly network: NetworkName;
  /** Highest receive index with history, or -1. */
  readonly receiveLastUsed: number;
  /** Next receive index `nextReceiveAddress` hands out. */
  readonly receiveNext: number;
  readonly changeLastUsed: number;
  readonly changeNext: number;
  /** Tip height at the last sync, or -1. */
  readonly tipHeight: number;
  /** Tip hash at the last sync (display hex), or '' before the first. */
  readonly tipHash: string;
  readonly txs: readonly StoredTx[];
  readonly reservations: readonly Reservation[];
}

/** The state of a wallet that has never synced. */
export function emptyWalletState(network: NetworkName): WalletState {
  return { version: WALLET_STATE_VERSION, network, receiveLastUsed: -1, receiveNext: 0, changeLastUsed: -1, changeNext: 0, tipHeight: -1, tipHash: '', txs: [], reservations: [] };
}

function txidField(txid: string, field: string): Uint8Array {
  if (!/^[0-9a-f]{64}$/.test(txid)) throw new ValidationError(field, 'must be a 64-character lowercase hex txid');
  return hexToBytes(txid);
}

/** Encode a state (version byte first). */
export function encodeWalletState(state: WalletState): Uint8Array {
  const w = new ByteWriter(256);
  w.u8(WALLET_STATE_VERSION);
  w.u8(NETWORKS.indexOf(state.network), 'network');
  w.u32(state.receiveLastUsed + 1, 'receiveLastUsed').u32(state.receiveNext, 'receiveNext');
  w.u32(state.changeLastUsed + 1, 'changeLastUsed').u32(state.changeNext, 'changeNext');
  w.u32(state.tipHeight + 1, 'tipHeight');
  w.bytes(state.tipHash === '' ? new Uint8Array(32) : txidField(state.tipHash, 'tipHash'));
  w.u32(state.txs.length, 'txs');
  state.txs.forEach((t, i) => {
    w.u8((t.status.confirmed ? 1 : 0) | (t.local ? 2 : 0));
    if (t.status.confirmed) {
      w.u32(t.status.blockHeight, `txs[${i}].blockHeight`).bytes(txidField(t.status.blockHash, `txs[${i}].blockHash`)).u32(t.status.blockTime, `txs[${i}].blockTime`);
    }
    if (t.local) w.u32(t.broadcastHeight ?? 0, `txs[${i}].broadcastHeight`);
    w.u32(t.raw.length).bytes(t.raw);
  });
  w.u16(state.reservations.length, 'reservations');
  state.reservations.forEach((r, i) => {
    w.bytes(txidField(r.txid, `reservations[${i}].txid`)).u16(r.outpoints.length);
    r.outpoints.forEach((o) => w.bytes(txidField(o.txid, `reservations[${i}].outpoints.txid`)).u32(o.vout));
  });
  return w.finish();
}

/** Decode `encodeWalletState` output; throws DecodeError naming the bad field. */
export function decodeWalletState(bytes: Uint8Array): WalletState {
  const r = new ByteReader(bytes);
  const version = r.u8('wallet.version');
  if (version !== WALLET_STATE_VERSION) throw new DecodeError('wallet.version', `unknown version ${version}`);
  const network = NETWORKS[r.u8('wallet.network')];
  if (!network) throw new DecodeError('wallet.network', 'unknown network');
  const receiveLastUsed = r.u32('wallet.receiveLastUsed') - 1;
  const receiveNext = r.u32('wallet.receiveNext');
  const changeLastUsed = r.u32('wallet.changeLastUsed') - 1;
  const changeNext = r.u32('wallet.changeNext');
  const tipHeight = r.u32('wallet.tipHeight') - 1;
  const tipHashBytes = r.take(32, 'wallet.tipHash');
  const tipHash = tipHashBytes.every((b) => b === 0) ? '' : bytesToHex(tipHashBytes);
  const txCount = r.u32('wallet.txs');
  const txs: StoredTx[] = [];
  for (let i = 0; i < txCount; i++) {
    const flags = r.u8('wallet.txs.flags');
    if (flags & ~3) throw new DecodeError('wallet.txs.flags', `unknown flags ${flags}`);
    const status: TxStatus =
      flags & 1
        ? { confirmed: true, blockHeight: r.u32('wallet.txs.blockHeight'), blockHash: bytesToHex(r.take(32, 'wallet.txs.blockHash')), blockTime: r.u32('wallet.txs.blockTime') }
        : { confirmed: false };
    const broadcastHeight = flags & 2 ? r.u32('wallet.txs.broadcastHeight') : undefined;
    const raw = r.take(r.u32('wallet.txs.length'), 'wallet.txs.raw').slice();
    const txid = decodeTx(raw).getId();
    txs.push(broadcastHeight === undefined ? { txid, raw, status } : { txid, raw, status, local: true, broadcastHeight });
  }
  const reservations: Reservation[] = [];
  const resCount = r.u16('wallet.reservations');
  for (let i = 0; i < resCount; i++) {
    const txid = bytesToHex(r.take(32, 'wallet.reservations.txid'));
    const n = r.u16('wallet.reservations.count');
    const outpoints: { txid: string; vout: number }[] = [];
    for (let k = 0; k < n; k++) outpoints.push({ txid: bytesToHex(r.take(32, 'wallet.reservations.outpoint')), vout: r.u32('wallet.reservations.vout') });
    reservations.push({ txid, outpoints });
  }
  if (!r.done) throw new DecodeError('wallet', 'trailing bytes');
  return { version: WALLET_STATE_VERSION, network, receiveLastUsed, receiveNext, changeLastUsed, changeNext, tipHeight, tipHash, txs, reservations };
}

/** Check a state object handed in from outside (e.g. the CLI's JSON file), naming the bad field. */
export function checkWalletState(state: WalletState): WalletState {
  if (state === null || typeof state !== 'object') throw new ValidationError('state', 'must be an object');
  if (state.version !== WALLET_STATE_VERSION) throw new ValidationError('state.version', `unknown version ${String(state.version)}`);
  if (!NETWORKS.includes(state.network)) throw new ValidationError('state.network', 'unknown network');
  const int = (v: number, field: string, min: number): void => {
    if (!Number.isSafeInteger(v) || v < min || v > 0x7fffffff) throw new ValidationError(field, `must be an integer ≥ ${min}`);
  };
  int(state.receiveLastUsed, 'state.receiveLastUsed', -1);
  int(state.receiveNext, 'state.receiveNext', 0);
  int(state.changeLastUsed, 'state.changeLastUsed', -1);
  int(state.changeNext, 'state.changeNext', 0);
  int(state.tipHeight, 'state.tipHeight', -1);
  if (typeof state.tipHash !== 'string' || (state.tipHash !== '' && !/^[0-9a-f]{64}$/.test(state.tipHash))) {
    throw new ValidationError('state.tipHash', 'must be empty or 64 lowercase hex characters');
  }
  if (!Array.isArray(state.txs)) throw new ValidationError('state.txs', 'must be an array');
  state.txs.forEach((t, i) => {
    if (!(t.raw instanceof Uint8Array)) throw new ValidationError(`state.txs[${i}].raw`, 'must be bytes');
    if (decodeTx(t.raw).getId() !== t.txid) throw new ValidationError(`state.txs[${i}].txid`, 'does not match the raw transaction');
  });
  if (!Array.isArray(state.reservations)) throw new ValidationError('state.reservations', 'must be an array');
  return state;
}
