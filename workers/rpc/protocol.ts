/**
 * The RPC protocol between the UI (main thread) and the node worker.
 *
 * Everything that crosses `postMessage` is a plain, structured-clone-safe DTO: strings, numbers,
 * booleans, null, arrays and plain objects. No class instances, no Uint8Array, no bigint (amounts
 * travel as decimal strings: sats on chain, msat for Lightning), no functions. Both ends validate what they receive with
 * the parsers below, and every rejection names the offending field.
 *
 * Handshake: the worker may not be listening the moment it is constructed (module evaluation, the
 * Web Lock, top-level awaits), so the worker posts `ready` once it is; the client queues requests
 * until then. The client also sends `hello`, which a listening worker answers with `ready`.
 *
 * The channel DTOs and the `channels.*` methods live in protocol-channels.ts, the payment DTOs and
 * the `invoice.*` / `payment.*` methods in protocol-payments.ts, and the shared field validators in
 * protocol-fields.ts; this module re-exports what importers use (app/ imports only this).
 */

import type { ChannelDto, ChannelMethods, ChannelNoteDto } from './protocol-channels.ts';
import { CHANNEL_PARAMS, CHANNEL_RESULTS, parseChannelDto, parseChannelNote } from './protocol-channels.ts';
import type { PaymentDto, PaymentMethods } from './protocol-payments.ts';
import { PAYMENT_PARAMS, PAYMENT_RESULTS, parsePaymentDto } from './protocol-payments.ts';
import type { BackupMethods } from './protocol-backup.ts';
import { BACKUP_PARAMS, BACKUP_RESULTS } from './protocol-backup.ts';
import { ERASE_PARAMS, eraseResults, type EraseMethods } from './protocol-erase.ts';
import {
  boolean,
  channelId,
  describe,
  fail,
  MAX_ID,
  MAX_SAT,
  MAX_TEXT,
  nodeId,
  nullable,
  number,
  oneOf,
  record,
  satString,
  shape,
  string,
  txid,
  type SatString,
} from './protocol-fields.ts';

export { RpcValidationError, MAX_SAT, satString, type SatString } from './protocol-fields.ts';
export {
  CHANNEL_STATES,
  CHANNEL_TYPES,
  CLOSING_OUTPUT_KINDS,
  CLOSING_OUTPUT_STATUSES,
  MAX_CHANNEL_SAT,
  MAX_MSAT,
  MIN_CHANNEL_SAT,
  msatString,
  parseChannelDto,
  parseChannelNote,
  parseClosingOutput,
  type ChannelDto,
  type ClosingOutputDto,
  type ClosingOutputKindDto,
  type ClosingOutputStatusDto,
  type ChannelNoteDto,
  type ChannelStateDto,
  type ChannelTypeChoice,
  type ChannelTypeDto,
  type MsatString,
} from './protocol-channels.ts';
export {
  MAX_DESCRIPTION_BYTES,
  MAX_EXPIRY_SEC,
  MAX_INVOICE_LENGTH,
  PAYMENT_STATUSES,
  parseDecodedInvoice,
  parseFeeEstimate,
  parsePaymentDto,
  parsePayResult,
  type DecodedInvoiceDto,
  type FeeEstimateDto,
  type PaymentDirectionDto,
  type PaymentDto,
  type PaymentHtlcDto,
  type PaymentKindDto,
  type PaymentStatusDto,
  type PayResultDto,
  type PayRouteDto,
} from './protocol-payments.ts';
export { ERASE_CONFIRM_WORD, channelHoldsFunds, paymentInFlight, type EraseParams } from './protocol-erase.ts';
export { MAX_BACKUP_BASE64, MAX_BACKUP_BYTES, base64ToBytes, bytesToBase64, type BackupStatusDto } from './protocol-backup.ts';

export const PROTOCOL_VERSION = 1;

// ---------------------------------------------------------------------------------------------
// DTOs

export type FeatureSupport = 'required' | 'optional';

/** A connected peer. */
export interface PeerDto {
  /** 66 lowercase hex characters. */
  nodeId: string;
  /** How it was reached (`host:port` or a WebSocket URL). */
  address: string;
  /** The peer's `init` features by name (unknown bits as `unknown_<bit>`). */
  features: Record<string, FeatureSupport>;
  /** Last measured ping round trip, or null before the first pong. */
  pingMs: number | null;
  /** Milliseconds since the Unix epoch. */
  connectedAt: number;
  /** True when the peer dialled us. */
  inbound: boolean;
}

/**
 * `starting`: the worker is coming up. `running`: this tab runs the node. `locked`: another tab
 * (or window) holds the wallet's Web Lock ("Glint is open in another tab"). `stopped`: this tab
 * ran it and handed it over to another tab that asked ("Glint was opened in another tab").
 * `failed`: the node could not start (see `error`). From `locked` and `stopped`, `node.takeover`.
 */
export type NodeStatus = 'starting' | 'running' | 'locked' | 'stopped' | 'failed';

export interface NodeInfoDto {
  status: NodeStatus;
  /** Our node id (66 hex) once running. */
  nodeId: string | null;
  /** Why the node is not running, when `failed`. */
  error: string | null;
  protocol: number;
}

export type LogLevel = 'debug' | 'info' | 'warn' | 'error';

/** A Bitcoin network (the same names as engine/wire/chains.ts `NetworkName`). */
export type NetworkName = 'bitcoin' | 'testnet' | 'signet' | 'regtest';
export const NETWORK_NAMES: readonly NetworkName[] = ['bitcoin', 'testnet', 'signet', 'regtest'];

/**
 * `none`: no wallet on this network in this browser (onboarding). `locked`: a wallet exists and
 * waits for its passphrase. `unlocked`: open in the worker, syncing.
 */
export type WalletState = 'none' | 'locked' | 'unlocked';

/**
 * The wallet as the UI may know it: never a key or a word. Each network has its own wallet (its
 * own encrypted store), so switching network switches wallet.
 */
export interface WalletStatusDto {
  state: WalletState;
  network: NetworkName;
  /** The Esplora base URL in use for `network` (the user's, or the default). */
  esploraUrl: string;
  /** The default for `network` (from the worker's config, else built in). */
  defaultEsploraUrl: string;
  /** The default Esplora URL of every network (config, else built in), so Settings can show the one of the network being picked. */
  defaultEsploraUrls?: Partial<Record<NetworkName, string>>;
  /** The network the worker's config names as the default. */
  defaultNetwork: NetworkName;
  /** The wallet's node id while unlocked. */
  nodeId: string | null;
}

export interface BalanceDto {
  confirmedSat: SatString;
  /** Incoming payments and our own pending change. */
  unconfirmedSat: SatString;
  /** What a send may use now (mature confirmed coins plus our own unconfirmed change). */
  spendableSat: SatString;
}

export interface SyncDto {
  /** A sync is running now. */
  syncing: boolean;
  /** When the last successful sync finished (ms since the epoch), or null. */
  lastSyncAt: number | null;
  /** Why the last sync failed, or null when it succeeded. */
  error: string | null;
}

export interface WalletSnapshotDto {
  balance: BalanceDto;
  sync: SyncDto;
}

export interface WalletTxDto {
  txid: string;
  /** Net effect on the wallet, signed (negative = sent). */
  deltaSat: SatString;
  /** The fee, when the wallet paid it (or knows it). */
  feeSat: SatString | null;
  confirmed: boolean;
  blockHeight: number | null;
  /** Confirmed: the block's timestamp (seconds since the epoch). */
  blockTime?: number;
  /** Confirmed: blocks deep, counting its own (1 = in the tip), from the wallet's synced tip. */
  confirmations?: number;
  /** What it did, from the node's channels (workers/tx-roles.ts); absent while no node runs. */
  role?: WalletTxRoleDto;
  /** The channel it opened, closed or claimed from (64 hex), and that channel's peer (66 hex). */
  channelId?: string;
  peer?: string;
}

/**
 * `channel-open`: funded a channel; `channel-close`: the mutual close or a commitment paying us;
 * `sweep`: claimed an output of a closed channel (BOLT 5); `penalty`: a justice claim on a revoked
 * commitment; `fee-bump`: a CPFP child (anchor or claim); `payment`: none of those.
 */
export const WALLET_TX_ROLES = ['payment', 'channel-open', 'channel-close', 'sweep', 'penalty', 'fee-bump'] as const;
export type WalletTxRoleDto = (typeof WALLET_TX_ROLES)[number];

/** Fee rates in sat/vB for roughly 1, 6 and 24 blocks. */
export interface FeeRatesDto {
  fast: number;
  normal: number;
  slow: number;
}

/** A built, not yet signed, transaction for the review step. */
export interface PreparedSendDto {
  /** Pass to `wallet.confirmSend` to sign and broadcast exactly this. */
  id: string;
  to: string;
  amountSat: SatString;
  feeSat: SatString;
  vsize: number;
  feeRate: number;
}

/** What the regtest faucet paid into the wallet (`wallet.faucet`). */
export interface FaucetResultDto {
  txid: string;
  vout: number;
  /** The receive address it paid (the one the Receive screen shows). */
  address: string;
  amountSat: SatString;
}

/** Events the worker streams to the UI. */
export type NodeEvent =
  | { type: 'node.status'; info: NodeInfoDto }
  | { type: 'peer.connected'; peer: PeerDto }
  | { type: 'peer.disconnected'; nodeId: string; reason: string; willReconnect: boolean }
  | { type: 'peer.ping'; nodeId: string; rttMs: number }
  /**
   * `channelId`: the channel it is about (64 hex; all zeros = every channel with that peer, BOLT 1),
   * or null when the node did not say.
   */
  | { type: 'peer.remote-error'; nodeId: string; kind: 'error' | 'warning'; text: string; channelId: string | null }
  | { type: 'log'; level: LogLevel; message: string; at: number }
  /** The wallet was created, unlocked, locked, or its network / Esplora changed. */
  | { type: 'wallet.status'; status: WalletStatusDto }
  /** A sync finished (or failed): the balance and sync state now. */
  | { type: 'wallet.changed'; wallet: WalletSnapshotDto }
  /** A channel appeared or changed (state, balances, usable): the channel as it is now. */
  | { type: 'channel.changed'; channel: ChannelDto }
  /** A peer's error/warning about a channel, or something the node did to it. */
  | { type: 'channel.note'; note: ChannelNoteDto }
  /** A payment appeared or changed status (incoming: `succeeded` once claimed): the payment as it is now. */
  | { type: 'payment'; payment: PaymentDto }
  /**
   * The wallet's storage refused a write because it is full (`message`: what to tell the user;
   * nothing saved was lost and nothing depending on the refused write was sent), or, `null`,
   * writes go through again.
   */
  | { type: 'storage.full'; message: string | null };

// ---------------------------------------------------------------------------------------------
// Methods

type NoParams = Record<string, never>;

/** Every method: its params and its result. */
export interface Methods extends ChannelMethods, PaymentMethods, BackupMethods, EraseMethods {
  'node.info': { params: NoParams; result: NodeInfoDto };
  /**
   * "Use here": ask the tab that runs the wallet to stop its node (it drains what it was saving and
   * sending, disconnects its peers, closes the store and lets go of the lock), wait for the lock
   * (a timeout gives a clear error) and run the wallet in this tab; resolves `running`.
   */
  'node.takeover': { params: NoParams; result: NodeInfoDto };
  'peers.list': { params: NoParams; result: PeerDto[] };
  /** `uri` is `<node id>@<host>:<port>` or `<node id>@ws(s)://…`; `proxy` a base URL or template. */
  'peers.connect': { params: { uri: string; proxy: string | null }; result: PeerDto };
  'peers.disconnect': { params: { nodeId: string }; result: null };
  'peers.ping': { params: { nodeId: string }; result: { rttMs: number } };
  'wallet.status': { params: NoParams; result: WalletStatusDto };
  /**
   * The UI's settings (remembered in its localStorage): null means "the default". Changing the
   * network locks the current wallet and opens that network's.
   */
  'settings.set': { params: { network: NetworkName | null; esploraUrl: string | null }; result: WalletStatusDto };
  /**
   * Create a wallet (24 new words) or restore one from `mnemonic`, encrypted with `passphrase`.
   * `words` are the new words — the only time they cross to the UI besides `wallet.backup` — and
   * null on a restore.
   */
  'wallet.create': { params: { passphrase: string; mnemonic: string | null }; result: { status: WalletStatusDto; words: string[] | null } };
  /** Wrong passphrase: an `invalid-params` error on `params.passphrase`, "wrong passphrase". */
  'wallet.unlock': { params: { passphrase: string }; result: WalletStatusDto };
  'wallet.lock': { params: NoParams; result: WalletStatusDto };
  /** The recovery words, for the backup screen; asks for the passphrase again (DESIGN rule 6). */
  'wallet.backup': { params: { passphrase: string }; result: { words: string[] } };
  'wallet.balance': { params: NoParams; result: WalletSnapshotDto };
  /** Sync now; resolves when done (a failed sync resolves too, with `sync.error`). */
  'wallet.sync': { params: NoParams; result: WalletSnapshotDto };
  /** A fresh BIP84 receive address. */
  'wallet.address': { params: NoParams; result: { address: string } };
  /** Newest first. */
  'wallet.history': { params: NoParams; result: WalletTxDto[] };
  'wallet.feeRates': { params: NoParams; result: FeeRatesDto };
  /** Validate and build (sign nothing): amount, fee, vsize for the review step. */
  'wallet.prepareSend': { params: { to: string; amountSat: SatString | 'max'; feeRate: number }; result: PreparedSendDto };
  /** Sign and broadcast a prepared send. */
  'wallet.confirmSend': { params: { id: string }; result: { txid: string } };
  /**
   * Regtest only: ask the Esplora server's faucet (`POST <esplora>/regtest/faucet`, the
   * playground's) to pay `amountSat` to the current receive address; resolves after the wallet
   * has synced (and `wallet.changed` was emitted). The message of a failure is meant for the user.
   */
  'wallet.faucet': { params: { amountSat: SatString }; result: FaucetResultDto };
}

export type Method = keyof Methods;
export type ParamsOf<M extends Method> = Methods[M]['params'];
export type ResultOf<M extends Method> = Methods[M]['result'];

export const METHODS: readonly Method[] = [
  'node.info',
  'node.takeover',
  'peers.list',
  'peers.connect',
  'peers.disconnect',
  'peers.ping',
  'wallet.status',
  'settings.set',
  'wallet.create',
  'wallet.unlock',
  'wallet.lock',
  'wallet.backup',
  'wallet.balance',
  'wallet.sync',
  'wallet.address',
  'wallet.history',
  'wallet.feeRates',
  'wallet.prepareSend',
  'wallet.confirmSend',
  'wallet.faucet',
  'channels.list',
  'channels.open',
  'channels.close',
  'invoice.create',
  'invoice.decode',
  'payment.estimateFee',
  'payment.pay',
  'payment.list',
  'backup.status',
  'backup.download',
  'backup.import',
  'wallet.erase',
];

export type RpcRequest = { [M in Method]: { kind: 'request'; id: number; method: M; params: ParamsOf<M> } }[Method];

export type RpcErrorCode =
  /** The message was not a well-formed request (see `field`). */
  | 'invalid-request'
  /** A parameter was wrong (see `field`); the message is meant for the user. */
  | 'invalid-params'
  /** The node is not running in this tab (`locked` or `failed`). */
  | 'unavailable'
  /** The operation was attempted and failed; the message is the one-line reason. */
  | 'failed';

export interface RpcErrorDto {
  code: RpcErrorCode;
  message: string;
  /** The field the message is about, when there is one. */
  field: string | null;
}

/** UI → worker. */
export type ClientMessage = { kind: 'hello'; protocol: number } | RpcRequest;

/** Worker → UI. `id` is null only when a malformed request's id could not be read. */
export type WorkerMessage =
  | { kind: 'ready'; protocol: number; info: NodeInfoDto }
  | { kind: 'response'; id: number; ok: true; result: unknown }
  | { kind: 'response'; id: number | null; ok: false; error: RpcErrorDto }
  | { kind: 'event'; event: NodeEvent };

// ---------------------------------------------------------------------------------------------
// Validation

const NODE_STATUSES: readonly NodeStatus[] = ['starting', 'running', 'locked', 'stopped', 'failed'];
const LOG_LEVELS: readonly LogLevel[] = ['debug', 'info', 'warn', 'error'];
const ERROR_CODES: readonly RpcErrorCode[] = ['invalid-request', 'invalid-params', 'unavailable', 'failed'];

export function parsePeerDto(v: unknown, field = 'peer'): PeerDto {
  const o = shape(v, field, ['nodeId', 'address', 'features', 'pingMs', 'connectedAt', 'inbound']);
  const feats = record(o.features, `${field}.features`);
  const features: Record<string, FeatureSupport> = {};
  for (const [name, support] of Object.entries(feats)) {
    if (!/^[a-z0-9_]{1,64}$/.test(name)) fail(`${field}.features`, `"${name.slice(0, 70)}" is not a feature name`);
    features[name] = oneOf(support, `${field}.features.${name}`, ['required', 'optional'] as const);
  }
  return {
    nodeId: nodeId(o.nodeId, `${field}.nodeId`),
    address: string(o.address, `${field}.address`, 300),
    features,
    pingMs: nullable(o.pingMs, (x) => number(x, `${field}.pingMs`, 0, 3_600_000)),
    connectedAt: number(o.connectedAt, `${field}.connectedAt`, 0, 8.64e15, true),
    inbound: boolean(o.inbound, `${field}.inbound`),
  };
}

export function parseNodeInfo(v: unknown, field = 'info'): NodeInfoDto {
  const o = shape(v, field, ['status', 'nodeId', 'error', 'protocol']);
  return {
    status: oneOf(o.status, `${field}.status`, NODE_STATUSES),
    nodeId: nullable(o.nodeId, (x) => nodeId(x, `${field}.nodeId`)),
    error: nullable(o.error, (x) => string(x, `${field}.error`, MAX_TEXT)),
    protocol: number(o.protocol, `${field}.protocol`, 0, 1_000_000, true),
  };
}

const SIGNED_SAT = /^(0|-?[1-9][0-9]{0,15})$/;
const WORD = /^[a-z]{2,8}$/;
/** bech32 / base58 address characters; the engine decides what is a valid address. */
const ADDRESS = /^[a-zA-Z0-9]{14,90}$/;
const HTTP_URL = /^https?:\/\/[^\s/?#]+[^\s]*$/i;
const WALLET_STATES: readonly WalletState[] = ['none', 'locked', 'unlocked'];
/** Fee rates accepted anywhere (sat/vB): above zero, below absurd. */
export const MAX_FEE_RATE = 100_000;
/** The most one `wallet.faucet` call may ask for (10 BTC). */
export const MAX_FAUCET_SAT = 1_000_000_000n;

function signedSatString(v: unknown, field: string): SatString {
  const s = string(v, field, 18);
  if (!SIGNED_SAT.test(s)) fail(field, 'must be a whole number of sats in decimal digits');
  const n = BigInt(s);
  if (n > MAX_SAT || -n > MAX_SAT) fail(field, 'is more than 21 million bitcoin');
  return s;
}

function feeRate(v: unknown, field: string): number {
  const n = number(v, field, 0, MAX_FEE_RATE);
  if (n <= 0) fail(field, 'must be more than 0 sat/vB');
  return n;
}

function passphrase(v: unknown, field: string): string {
  const s = string(v, field, 1024);
  if (s.length === 0) fail(field, 'is empty');
  return s;
}

function httpUrl(v: unknown, field: string): string {
  const s = string(v, field, 2048);
  if (!HTTP_URL.test(s)) fail(field, 'must be an http:// or https:// URL');
  return s;
}

function words(v: unknown, field: string): string[] {
  if (!Array.isArray(v)) return fail(field, `expected an array, got ${describe(v)}`);
  if (![12, 15, 18, 21, 24].includes(v.length)) fail(field, `must have 12 to 24 words (a multiple of 3), got ${v.length}`);
  return v.map((w, i) => {
    const s = string(w, `${field}[${i}]`, 8);
    if (!WORD.test(s)) fail(`${field}[${i}]`, 'is not a lowercase BIP39 word');
    return s;
  });
}

export function parseWalletStatus(v: unknown, field = 'status'): WalletStatusDto {
  const o = shape(v, field, ['state', 'network', 'esploraUrl', 'defaultEsploraUrl', 'defaultNetwork', 'nodeId'], ['defaultEsploraUrls']);
  const defaults: Partial<Record<NetworkName, string>> = {};
  if (o.defaultEsploraUrls !== undefined) {
    const d = shape(o.defaultEsploraUrls, `${field}.defaultEsploraUrls`, [], NETWORK_NAMES);
    for (const n of NETWORK_NAMES) if (d[n] !== undefined) defaults[n] = httpUrl(d[n], `${field}.defaultEsploraUrls.${n}`);
  }
  return {
    ...(o.defaultEsploraUrls !== undefined ? { defaultEsploraUrls: defaults } : {}),
    state: oneOf(o.state, `${field}.state`, WALLET_STATES),
    network: oneOf(o.network, `${field}.network`, NETWORK_NAMES),
    esploraUrl: httpUrl(o.esploraUrl, `${field}.esploraUrl`),
    defaultEsploraUrl: httpUrl(o.defaultEsploraUrl, `${field}.defaultEsploraUrl`),
    defaultNetwork: oneOf(o.defaultNetwork, `${field}.defaultNetwork`, NETWORK_NAMES),
    nodeId: nullable(o.nodeId, (x) => nodeId(x, `${field}.nodeId`)),
  };
}

export function parseWalletSnapshot(v: unknown, field = 'wallet'): WalletSnapshotDto {
  const o = shape(v, field, ['balance', 'sync']);
  const b = shape(o.balance, `${field}.balance`, ['confirmedSat', 'unconfirmedSat', 'spendableSat']);
  const y = shape(o.sync, `${field}.sync`, ['syncing', 'lastSyncAt', 'error']);
  return {
    balance: {
      confirmedSat: satString(b.confirmedSat, `${field}.balance.confirmedSat`),
      unconfirmedSat: signedSatString(b.unconfirmedSat, `${field}.balance.unconfirmedSat`),
      spendableSat: satString(b.spendableSat, `${field}.balance.spendableSat`),
    },
    sync: {
      syncing: boolean(y.syncing, `${field}.sync.syncing`),
      lastSyncAt: nullable(y.lastSyncAt, (x) => number(x, `${field}.sync.lastSyncAt`, 0, 8.64e15, true)),
      error: nullable(y.error, (x) => string(x, `${field}.sync.error`, MAX_TEXT)),
    },
  };
}

export function parseWalletTx(v: unknown, field = 'tx'): WalletTxDto {
  const o = shape(v, field, ['txid', 'deltaSat', 'feeSat', 'confirmed', 'blockHeight'], ['blockTime', 'confirmations', 'role', 'channelId', 'peer']);
  return {
    txid: txid(o.txid, `${field}.txid`),
    deltaSat: signedSatString(o.deltaSat, `${field}.deltaSat`),
    feeSat: nullable(o.feeSat, (x) => satString(x, `${field}.feeSat`)),
    confirmed: boolean(o.confirmed, `${field}.confirmed`),
    blockHeight: nullable(o.blockHeight, (x) => number(x, `${field}.blockHeight`, 0, 100_000_000, true)),
    ...(o.blockTime !== undefined ? { blockTime: number(o.blockTime, `${field}.blockTime`, 0, 2 ** 32 - 1, true) } : {}),
    ...(o.confirmations !== undefined ? { confirmations: number(o.confirmations, `${field}.confirmations`, 1, 100_000_000, true) } : {}),
    ...(o.role !== undefined ? { role: oneOf(o.role, `${field}.role`, WALLET_TX_ROLES) } : {}),
    ...(o.channelId !== undefined ? { channelId: channelId(o.channelId, `${field}.channelId`) } : {}),
    ...(o.peer !== undefined ? { peer: nodeId(o.peer, `${field}.peer`) } : {}),
  };
}

export function parsePreparedSend(v: unknown, field = 'result'): PreparedSendDto {
  const o = shape(v, field, ['id', 'to', 'amountSat', 'feeSat', 'vsize', 'feeRate']);
  return {
    id: string(o.id, `${field}.id`, 200),
    to: address(o.to, `${field}.to`),
    amountSat: satString(o.amountSat, `${field}.amountSat`),
    feeSat: satString(o.feeSat, `${field}.feeSat`),
    vsize: number(o.vsize, `${field}.vsize`, 1, 1_000_000, true),
    feeRate: feeRate(o.feeRate, `${field}.feeRate`),
  };
}

/** A faucet request: a positive number of sats, at most MAX_FAUCET_SAT. */
function faucetAmount(v: unknown, field: string): SatString {
  const s = satString(v, field);
  if (BigInt(s) === 0n) fail(field, 'must be more than 0 sats');
  if (BigInt(s) > MAX_FAUCET_SAT) fail(field, `must be at most ${MAX_FAUCET_SAT} sats (10 BTC) per request`);
  return s;
}

export function parseFaucetResult(v: unknown, field = 'result'): FaucetResultDto {
  const o = shape(v, field, ['txid', 'vout', 'address', 'amountSat']);
  return {
    txid: txid(o.txid, `${field}.txid`),
    vout: number(o.vout, `${field}.vout`, 0, 100_000, true),
    address: address(o.address, `${field}.address`),
    amountSat: faucetAmount(o.amountSat, `${field}.amountSat`),
  };
}

function address(v: unknown, field: string): string {
  const s = string(v, field, 90);
  if (!ADDRESS.test(s)) fail(field, 'is not a Bitcoin address (letters and digits, 14 to 90 of them)');
  return s;
}

export function parseNodeEvent(v: unknown, field = 'event'): NodeEvent {
  const o = record(v, field);
  const type = oneOf(o.type, `${field}.type`, ['node.status', 'peer.connected', 'peer.disconnected', 'peer.ping', 'peer.remote-error', 'log', 'wallet.status', 'wallet.changed', 'channel.changed', 'channel.note', 'payment', 'storage.full'] as const);
  switch (type) {
    case 'node.status':
      shape(o, field, ['type', 'info']);
      return { type, info: parseNodeInfo(o.info, `${field}.info`) };
    case 'peer.connected':
      shape(o, field, ['type', 'peer']);
      return { type, peer: parsePeerDto(o.peer, `${field}.peer`) };
    case 'peer.disconnected':
      shape(o, field, ['type', 'nodeId', 'reason', 'willReconnect']);
      return {
        type,
        nodeId: nodeId(o.nodeId, `${field}.nodeId`),
        reason: string(o.reason, `${field}.reason`, MAX_TEXT),
        willReconnect: boolean(o.willReconnect, `${field}.willReconnect`),
      };
    case 'peer.ping':
      shape(o, field, ['type', 'nodeId', 'rttMs']);
      return { type, nodeId: nodeId(o.nodeId, `${field}.nodeId`), rttMs: number(o.rttMs, `${field}.rttMs`, 0, 3_600_000) };
    case 'peer.remote-error':
      shape(o, field, ['type', 'nodeId', 'kind', 'text', 'channelId']);
      return {
        type,
        nodeId: nodeId(o.nodeId, `${field}.nodeId`),
        kind: oneOf(o.kind, `${field}.kind`, ['error', 'warning'] as const),
        text: string(o.text, `${field}.text`, MAX_TEXT),
        channelId: nullable(o.channelId, (x) => channelId(x, `${field}.channelId`)),
      };
    case 'log':
      shape(o, field, ['type', 'level', 'message', 'at']);
      return {
        type,
        level: oneOf(o.level, `${field}.level`, LOG_LEVELS),
        message: string(o.message, `${field}.message`, MAX_TEXT),
        at: number(o.at, `${field}.at`, 0, 8.64e15, true),
      };
    case 'wallet.status':
      shape(o, field, ['type', 'status']);
      return { type, status: parseWalletStatus(o.status, `${field}.status`) };
    case 'wallet.changed':
      shape(o, field, ['type', 'wallet']);
      return { type, wallet: parseWalletSnapshot(o.wallet, `${field}.wallet`) };
    case 'channel.changed':
      shape(o, field, ['type', 'channel']);
      return { type, channel: parseChannelDto(o.channel, `${field}.channel`) };
    case 'channel.note':
      shape(o, field, ['type', 'note']);
      return { type, note: parseChannelNote(o.note, `${field}.note`) };
    case 'payment':
      shape(o, field, ['type', 'payment']);
      return { type, payment: parsePaymentDto(o.payment, `${field}.payment`) };
    case 'storage.full':
      shape(o, field, ['type', 'message']);
      return { type, message: nullable(o.message, (x) => string(x, `${field}.message`, MAX_TEXT)) };
  }
}

/** Params validators, one per method. Limits are generous; the engine checks meaning. */
const PARAMS: { [M in Method]: (v: unknown) => ParamsOf<M> } = {
  ...CHANNEL_PARAMS,
  ...PAYMENT_PARAMS,
  ...BACKUP_PARAMS,
  ...ERASE_PARAMS,
  'node.info': (v) => (shape(v, 'params', []), {}),
  'node.takeover': (v) => (shape(v, 'params', []), {}),
  'peers.list': (v) => (shape(v, 'params', []), {}),
  'peers.connect': (v) => {
    const o = shape(v, 'params', ['uri'], ['proxy']);
    const proxy = o.proxy === undefined ? null : nullable(o.proxy, (x) => string(x, 'params.proxy', 2048));
    return { uri: string(o.uri, 'params.uri', 600), proxy };
  },
  'peers.disconnect': (v) => ({ nodeId: nodeId(shape(v, 'params', ['nodeId']).nodeId, 'params.nodeId') }),
  'peers.ping': (v) => ({ nodeId: nodeId(shape(v, 'params', ['nodeId']).nodeId, 'params.nodeId') }),
  'wallet.status': (v) => (shape(v, 'params', []), {}),
  'settings.set': (v) => {
    const o = shape(v, 'params', ['network', 'esploraUrl']);
    return {
      network: nullable(o.network, (x) => oneOf(x, 'params.network', NETWORK_NAMES)),
      esploraUrl: nullable(o.esploraUrl, (x) => httpUrl(x, 'params.esploraUrl')),
    };
  },
  'wallet.create': (v) => {
    const o = shape(v, 'params', ['passphrase'], ['mnemonic']);
    const mnemonic = o.mnemonic === undefined ? null : nullable(o.mnemonic, (x) => string(x, 'params.mnemonic', 400));
    return { passphrase: passphrase(o.passphrase, 'params.passphrase'), mnemonic };
  },
  'wallet.unlock': (v) => ({ passphrase: passphrase(shape(v, 'params', ['passphrase']).passphrase, 'params.passphrase') }),
  'wallet.lock': (v) => (shape(v, 'params', []), {}),
  'wallet.backup': (v) => ({ passphrase: passphrase(shape(v, 'params', ['passphrase']).passphrase, 'params.passphrase') }),
  'wallet.balance': (v) => (shape(v, 'params', []), {}),
  'wallet.sync': (v) => (shape(v, 'params', []), {}),
  'wallet.address': (v) => (shape(v, 'params', []), {}),
  'wallet.history': (v) => (shape(v, 'params', []), {}),
  'wallet.feeRates': (v) => (shape(v, 'params', []), {}),
  'wallet.prepareSend': (v) => {
    const o = shape(v, 'params', ['to', 'amountSat', 'feeRate']);
    return {
      to: string(o.to, 'params.to', 200),
      amountSat: o.amountSat === 'max' ? 'max' : satString(o.amountSat, 'params.amountSat'),
      feeRate: feeRate(o.feeRate, 'params.feeRate'),
    };
  },
  'wallet.confirmSend': (v) => ({ id: string(shape(v, 'params', ['id']).id, 'params.id', 200) }),
  'wallet.faucet': (v) => ({ amountSat: faucetAmount(shape(v, 'params', ['amountSat']).amountSat, 'params.amountSat') }),
};

/** Result validators, one per method (the UI checks what the worker sends back). */
const RESULTS: { [M in Method]: (v: unknown) => ResultOf<M> } = {
  ...CHANNEL_RESULTS,
  ...PAYMENT_RESULTS,
  ...BACKUP_RESULTS,
  ...eraseResults(parseWalletStatus),
  'node.info': (v) => parseNodeInfo(v, 'result'),
  'node.takeover': (v) => parseNodeInfo(v, 'result'),
  'peers.list': (v) => {
    if (!Array.isArray(v)) return fail('result', `expected an array, got ${describe(v)}`);
    return v.map((p, i) => parsePeerDto(p, `result[${i}]`));
  },
  'peers.connect': (v) => parsePeerDto(v, 'result'),
  'peers.disconnect': (v) => (v === null ? null : fail('result', `expected null, got ${describe(v)}`)),
  'peers.ping': (v) => ({ rttMs: number(shape(v, 'result', ['rttMs']).rttMs, 'result.rttMs', 0, 3_600_000) }),
  'wallet.status': (v) => parseWalletStatus(v, 'result'),
  'settings.set': (v) => parseWalletStatus(v, 'result'),
  'wallet.create': (v) => {
    const o = shape(v, 'result', ['status', 'words']);
    return { status: parseWalletStatus(o.status, 'result.status'), words: nullable(o.words, (x) => words(x, 'result.words')) };
  },
  'wallet.unlock': (v) => parseWalletStatus(v, 'result'),
  'wallet.lock': (v) => parseWalletStatus(v, 'result'),
  'wallet.backup': (v) => ({ words: words(shape(v, 'result', ['words']).words, 'result.words') }),
  'wallet.balance': (v) => parseWalletSnapshot(v, 'result'),
  'wallet.sync': (v) => parseWalletSnapshot(v, 'result'),
  'wallet.address': (v) => ({ address: address(shape(v, 'result', ['address']).address, 'result.address') }),
  'wallet.history': (v) => {
    if (!Array.isArray(v)) return fail('result', `expected an array, got ${describe(v)}`);
    return v.map((t, i) => parseWalletTx(t, `result[${i}]`));
  },
  'wallet.feeRates': (v) => {
    const o = shape(v, 'result', ['fast', 'normal', 'slow']);
    return { fast: feeRate(o.fast, 'result.fast'), normal: feeRate(o.normal, 'result.normal'), slow: feeRate(o.slow, 'result.slow') };
  },
  'wallet.prepareSend': (v) => parsePreparedSend(v, 'result'),
  'wallet.confirmSend': (v) => ({ txid: txid(shape(v, 'result', ['txid']).txid, 'result.txid') }),
  'wallet.faucet': (v) => parseFaucetResult(v, 'result'),
};

export function parseParams<M extends Method>(method: M, params: unknown): ParamsOf<M> {
  return PARAMS[method](params);
}

export function parseResult<M extends Method>(method: M, result: unknown): ResultOf<M> {
  return RESULTS[method](result);
}

function requestId(v: unknown, field: string): number {
  return number(v, field, 1, MAX_ID, true);
}

/** Worker side: validate what the UI posted. */
export function parseClientMessage(data: unknown): ClientMessage {
  const o = record(data, 'message');
  const kind = oneOf(o.kind, 'message.kind', ['hello', 'request'] as const);
  if (kind === 'hello') {
    shape(o, 'message', ['kind', 'protocol']);
    return { kind, protocol: number(o.protocol, 'message.protocol', 0, 1_000_000, true) };
  }
  shape(o, 'message', ['kind', 'id', 'method', 'params']);
  const id = requestId(o.id, 'message.id');
  const method = oneOf(o.method, 'message.method', METHODS);
  return { kind, id, method, params: parseParams(method, o.params) } as RpcRequest;
}

/** The request id of a message that failed validation, if it can be read. */
export function salvageRequestId(data: unknown): number | null {
  if (typeof data !== 'object' || data === null) return null;
  const id = (data as { id?: unknown }).id;
  return typeof id === 'number' && Number.isInteger(id) && id >= 1 && id <= MAX_ID ? id : null;
}

function parseRpcError(v: unknown, field: string): RpcErrorDto {
  const o = shape(v, field, ['code', 'message', 'field']);
  return {
    code: oneOf(o.code, `${field}.code`, ERROR_CODES),
    message: string(o.message, `${field}.message`, MAX_TEXT),
    field: nullable(o.field, (x) => string(x, `${field}.field`, 200)),
  };
}

/** UI side: validate what the worker posted (a response's result is checked per method later). */
export function parseWorkerMessage(data: unknown): WorkerMessage {
  const o = record(data, 'message');
  const kind = oneOf(o.kind, 'message.kind', ['ready', 'response', 'event'] as const);
  switch (kind) {
    case 'ready':
      shape(o, 'message', ['kind', 'protocol', 'info']);
      return { kind, protocol: number(o.protocol, 'message.protocol', 0, 1_000_000, true), info: parseNodeInfo(o.info, 'message.info') };
    case 'event':
      shape(o, 'message', ['kind', 'event']);
      return { kind, event: parseNodeEvent(o.event, 'message.event') };
    case 'response': {
      const ok = boolean(o.ok, 'message.ok');
      if (ok) {
        shape(o, 'message', ['kind', 'id', 'ok', 'result']);
        return { kind, id: requestId(o.id, 'message.id'), ok, result: o.result };
      }
      shape(o, 'message', ['kind', 'id', 'ok', 'error']);
      return { kind, id: nullable(o.id, (x) => requestId(x, 'message.id')), ok, error: parseRpcError(o.error, 'message.error') };
    }
  }
}
