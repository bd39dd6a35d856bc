/**
 * The on-chain wallet inside the node worker: which network's wallet is open, locking and
 * unlocking it, the periodic sync, and the translation between the engine's `WalletService`
 * (bigint amounts, typed errors) and the RPC DTOs (decimal strings, errors naming `params.*`).
 *
 * Each network has its own wallet in its own store (`glint-wallet-<network>`), so switching
 * network in Settings locks the open wallet and looks at that network's. Secrets never leave
 * this module except as `onIdentity(nodeSecret)` to the composition root, which hands the key
 * to the PeerManager (DESIGN rule 6); words cross to the UI only from `create` and `backup`.
 *
 * The engine is reached through the small `WalletBackend` interface (node.worker.ts wires the
 * real WalletService, EsploraClient and IdbKVStore), so this module is unit-tested with fakes.
 */
import { DEFAULT_ESPLORA_URLS, PLAYGROUND_ESPLORA_URL, type Clock, type KVStore, type Logger } from '../engine/index.ts';
import { LocksUnavailableError, type HeldLock, type WalletLocks } from './adapters/lock.ts';
import {
  NETWORK_NAMES,
  RpcValidationError,
  type FaucetResultDto,
  type FeeRatesDto,
  type NetworkName,
  type PreparedSendDto,
  type SyncDto,
  type WalletSnapshotDto,
  type WalletStatusDto,
  type WalletTxDto,
  type WalletTxRoleDto,
} from './rpc/protocol.ts';

/** What the host needs of an open wallet (the engine's WalletService satisfies it). */
export interface WalletEngine {
  readonly network: NetworkName;
  readonly nodeSecret: Uint8Array;
  readonly nodeId: string;
  attachChain(chain: unknown): void;
  mnemonic(passphrase: string): Promise<string[]>;
  /** `quick`: the cheap idle tick (O(1) requests); a full sync otherwise. */
  sync(options?: { quick?: boolean }): Promise<void>;
  balance(): { confirmedSat: bigint; unconfirmedSat: bigint; spendableSat?: bigint };
  receiveAddress(): Promise<string>;
  history(): readonly WalletHistoryEntry[];
  /** The chain tip height the wallet last synced to (−1 before the first sync), for confirmations. */
  readonly syncedHeight?: number;
  feeRates(): Promise<{ fast: number; normal: number; slow: number }>;
  prepareSend(req: { to: string; amountSat: bigint | 'max'; feeRate: number }): Promise<{ amountSat: bigint; feeSat: bigint; vsize: number; feeRate: number; to: string; id: string }>;
  confirmSend(id: string): Promise<{ txid: string }>;
  close(): Promise<void>;
}

/** One transaction as the engine's wallet reports it (engine/wallet/utxos.ts HistoryEntry). */
export interface WalletHistoryEntry {
  readonly txid: string;
  readonly deltaSat: bigint;
  readonly feeSat?: bigint;
  readonly status: { readonly confirmed: false } | { readonly confirmed: true; readonly blockHeight: number; readonly blockTime?: number };
  /** `<display txid>:<vout>` of its inputs (for its role). */
  readonly spends?: readonly string[];
}

/** A transaction's role as the node's channels tell it (workers/tx-roles.ts). */
export interface WalletTxRoleInfo {
  readonly role: WalletTxRoleDto;
  readonly channelId?: string;
  readonly peer?: string;
}

/** An HTTP reply, read whole (the faucet's answers are small). */
export interface HttpReply {
  status: number;
  contentType: string;
  body: string;
}

/** The engine pieces, injected. */
export interface WalletBackend {
  /** The raw (unencrypted-bytes) store that holds `network`'s wallet. */
  openStore(network: NetworkName): Promise<KVStore>;
  exists(raw: KVStore): Promise<boolean>;
  create(opts: { raw: KVStore; passphrase: string; network: NetworkName; mnemonic?: string }): Promise<WalletEngine>;
  /** Rejects with the engine's WrongPassphraseError ("wrong passphrase") on a wrong passphrase. */
  open(opts: { raw: KVStore; passphrase: string }): Promise<WalletEngine>;
  /** A chain source (EsploraClient) for `baseUrl`, checking headers against `network`'s rules. */
  chain(baseUrl: string, network: NetworkName): unknown;
  /**
   * POST `body` as JSON to `url` and read the reply (the regtest faucet). Rejects only when no
   * reply came: unreachable, refused by CORS, or too slow.
   */
  postJson(url: string, body: unknown): Promise<HttpReply>;
  /** Delete `network`'s store with every record in it (its connections closed first). */
  deleteStore?(network: NetworkName): Promise<void>;
}

/** Defaults the worker was given (glint.config.json), else the built-in ones. */
export interface WalletConfig {
  network: NetworkName;
  esplora: Record<NetworkName, string>;
  /** A WebSocket→TCP proxy URL the app prefills (the playground's); the worker does not use it. */
  proxy?: string;
  /** Suggested peer URIs (`<node id>@host:port`) the app prefills; the worker does not use them. */
  peers?: readonly string[];
  /**
   * How often the worker reads the chain: the wallet's background sync and the Lightning node's
   * tip poll (ms). Unset: the built-in 15 s and 10 s. A local regtest world (the e2e fixture) sets
   * it low so a mined block is seen at once; a public Esplora should keep the default (rate limits).
   */
  pollIntervalMs?: number;
}

/**
 * The built-in defaults: the public Esplora servers of engine/chain/defaults.ts (the one table the
 * CLI uses too); regtest has no public server, so it points at where the playground listens by
 * default on this machine until glint.config.json names one.
 */
export const BUILTIN_CONFIG: WalletConfig = Object.freeze({
  network: 'signet',
  esplora: Object.freeze({ ...DEFAULT_ESPLORA_URLS, regtest: PLAYGROUND_ESPLORA_URL }) as Record<NetworkName, string>,
}) as WalletConfig;

/** The bounds of `pollIntervalMs` in glint.config.json. */
export const POLL_INTERVAL_BOUNDS_MS = Object.freeze({ min: 250, max: 3_600_000 });

/**
 * Validate a `glint.config.json` body: `{ "network"?: NetworkName, "esplora"?: { <network>: url },
 * "proxy"?: ws-url, "peers"?: [peer URI], "pollIntervalMs"?: integer }` (proxy and peers are the
 * app's prefills).
 * Errors name the field; unknown fields are rejected so a typo is not silently ignored.
 */
export function parseWalletConfig(v: unknown, base: WalletConfig = BUILTIN_CONFIG): WalletConfig {
  const bad = (field: string, msg: string): never => {
    throw new RpcValidationError(`config.${field}`, msg);
  };
  if (typeof v !== 'object' || v === null || Array.isArray(v)) return bad('', 'expected an object');
  const o = v as Record<string, unknown>;
  for (const k of Object.keys(o)) if (!['network', 'esplora', 'proxy', 'peers', 'pollIntervalMs'].includes(k)) bad(k, 'is not a known field');
  let network = base.network;
  if (o.network !== undefined) {
    if (typeof o.network !== 'string' || !(NETWORK_NAMES as readonly string[]).includes(o.network)) bad('network', `must be one of ${NETWORK_NAMES.join(', ')}`);
    network = o.network as NetworkName;
  }
  const esplora = { ...base.esplora };
  if (o.esplora !== undefined) {
    if (typeof o.esplora !== 'object' || o.esplora === null || Array.isArray(o.esplora)) return bad('esplora', 'expected an object of network → URL');
    for (const [k, url] of Object.entries(o.esplora as Record<string, unknown>)) {
      if (!(NETWORK_NAMES as readonly string[]).includes(k)) bad(`esplora.${k}`, 'is not a network');
      if (typeof url !== 'string' || !/^https?:\/\/[^\s/?#]+[^\s]*$/i.test(url) || url.length > 2048) bad(`esplora.${k}`, 'must be an http:// or https:// URL');
      esplora[k as NetworkName] = trimSlash(url as string);
    }
  }
  const extra: { proxy?: string; peers?: readonly string[]; pollIntervalMs?: number } = {};
  if (o.proxy !== undefined) {
    if (typeof o.proxy !== 'string' || !/^wss?:\/\/[^\s/?#]+[^\s]*$/i.test(o.proxy) || o.proxy.length > 2048) bad('proxy', 'must be a ws:// or wss:// URL');
    extra.proxy = o.proxy as string;
  }
  if (o.peers !== undefined) {
    const ok = Array.isArray(o.peers) && o.peers.length <= 16 && o.peers.every((p) => typeof p === 'string' && /^0[23][0-9a-f]{64}@\S{1,530}$/i.test(p));
    if (!ok) bad('peers', 'must be a list of at most 16 peer URIs <node id>@<host>:<port>');
    extra.peers = Object.freeze([...(o.peers as string[])]);
  }
  if (o.pollIntervalMs !== undefined) {
    const ms = o.pollIntervalMs;
    const { min, max } = POLL_INTERVAL_BOUNDS_MS;
    if (typeof ms !== 'number' || !Number.isInteger(ms) || ms < min || ms > max) bad('pollIntervalMs', `must be an integer number of milliseconds from ${min} to ${max}`);
    extra.pollIntervalMs = ms as number;
  }
  return { network, esplora, ...extra };
}

const trimSlash = (url: string): string => url.replace(/\/+$/, '');

export interface WalletHostOptions {
  backend: WalletBackend;
  config: WalletConfig;
  clock: Clock;
  logger: Logger;
  /** Called with the wallet's node secret when it opens, and null when it closes. */
  onIdentity(secret: Uint8Array | null): void;
  onStatus(status: WalletStatusDto): void;
  onChanged(snapshot: WalletSnapshotDto): void;
  /**
   * The wallet is open (or its chain source just changed): start what runs on it (the Lightning
   * node). Not awaited: unlocking does not wait for the node. A promise (the node's start, which
   * syncs the wallet itself): on unlock, this host's first sync waits for it to settle.
   */
  onOpened?(wallet: WalletEngine, chain: unknown): void | Promise<void>;
  /** The wallet is about to close (or change chain source): stop what runs on it. Awaited first. */
  onClosing?(wallet: WalletEngine): Promise<void>;
  /**
   * Each transaction's role from the node's channels (node.worker.ts: engine walletTxRoles over
   * the running node's channels); undefined while no node runs (the DTOs then carry no role).
   */
  txRoles?(history: readonly WalletHistoryEntry[]): ReadonlyMap<string, WalletTxRoleInfo> | undefined;
  /** Time between background syncs while unlocked. */
  syncIntervalMs?: number;
  /**
   * The per-wallet exclusive lock (adapters/lock.ts), taken before a wallet's store is opened and
   * held while it is open (DESIGN rule 5). None: no guard (unit tests of other behaviour).
   */
  locks?: WalletLocks;
  /** Another tab holds the current wallet (true: `elsewhere`), or this one does again (false). */
  onElsewhere?(elsewhere: boolean): void;
}

/** The current wallet's lock is held by another tab (or window) of this browser. */
export class WalletElsewhereError extends Error {
  constructor(network: NetworkName) {
    super(`the ${network} wallet is open in another tab: use it there, or choose "Use here"`);
    this.name = 'WalletElsewhereError';
  }
}

const WRONG_PASSPHRASE = 'wrong passphrase';

function isWrongPassphrase(err: unknown): boolean {
  return err instanceof Error && (err.name === 'WrongPassphraseError' || err.message === WRONG_PASSPHRASE);
}

/**
 * An engine ValidationError (field `to`, `amountSat`, `mnemonic`, …) becomes an RPC error on
 * `params.<field>`, so the UI can show it under the right input. Anything else passes through.
 */
function asParamError(err: unknown): unknown {
  if (!(err instanceof Error) || err.name !== 'ValidationError') return err;
  const field = (err as { field?: unknown }).field;
  if (typeof field !== 'string') return err;
  const message = err.message.startsWith(`${field}: `) ? err.message.slice(field.length + 2) : err.message;
  return new RpcValidationError(field.startsWith('params.') ? field : `params.${field}`, message);
}

function errText(err: unknown): string {
  return err instanceof Error ? err.message || err.name : String(err);
}

const sat = (n: bigint): string => n.toString();

/** The faucet route of the playground's Esplora API (playground/chain/esplora.ts). */
const FAUCET_PATH = '/regtest/faucet';
export const NO_FAUCET = 'this Esplora server has no regtest faucet';

/** A server's error body as one short line for the user. */
function replyText(reply: HttpReply): string {
  const text = reply.body.replace(/\s+/g, ' ').trim();
  if (!text || /^<(!doctype|html)/i.test(text)) return `HTTP ${reply.status}`;
  return text.length > 300 ? `${text.slice(0, 300)}…` : text;
}

/**
 * What the faucet answered, as `{txid, vout}`, or the reason in words: a missing route (a
 * public Esplora, or an SPA fallback page) is "no regtest faucet"; any other refusal passes the
 * server's own text on.
 */
export function parseFaucetReply(reply: HttpReply, baseUrl: string): { txid: string; vout: number } {
  if (reply.status === 404 || reply.status === 405 || reply.status === 501) {
    throw new Error(`${NO_FAUCET} (${baseUrl} answered ${replyText(reply)} to POST ${FAUCET_PATH})`);
  }
  if (reply.status < 200 || reply.status > 299) throw new Error(`the faucet refused: ${replyText(reply)}`);
  let v: unknown;
  try {
    v = JSON.parse(reply.body);
  } catch {
    throw new Error(`${NO_FAUCET} (${baseUrl}${FAUCET_PATH} answered with ${reply.contentType || 'something'} that is not JSON)`);
  }
  const o = (typeof v === 'object' && v !== null && !Array.isArray(v) ? v : {}) as Record<string, unknown>;
  const { txid, vout } = o;
  if (typeof txid !== 'string' || !/^[0-9a-f]{64}$/.test(txid) || typeof vout !== 'number' || !Number.isInteger(vout) || vout < 0 || vout > 100_000) {
    throw new Error(`the faucet's reply is not {txid, vout}: ${replyText({ ...reply, body: reply.body.slice(0, 200) })}`);
  }
  return { txid, vout };
}

/** A wallet's history entry as a DTO (decimal strings for the bigint figures), with its role when the node told it. */
export function txDto(t: WalletHistoryEntry, tipHeight: number | undefined, role?: WalletTxRoleInfo): WalletTxDto {
  const s = t.status;
  return {
    txid: t.txid,
    deltaSat: sat(t.deltaSat),
    feeSat: t.feeSat === undefined ? null : sat(t.feeSat),
    confirmed: s.confirmed,
    blockHeight: s.confirmed ? s.blockHeight : null,
    ...(s.confirmed && s.blockTime !== undefined ? { blockTime: s.blockTime } : {}),
    ...(s.confirmed && tipHeight !== undefined && tipHeight >= s.blockHeight ? { confirmations: tipHeight - s.blockHeight + 1 } : {}),
    ...(role ? { role: role.role } : {}),
    ...(role?.channelId !== undefined ? { channelId: role.channelId } : {}),
    ...(role?.peer !== undefined ? { peer: role.peer } : {}),
  };
}

/** Newest first: unconfirmed on top, then by block height, descending. */
function newestFirst(a: WalletTxDto, b: WalletTxDto): number {
  const ha = a.blockHeight ?? Number.MAX_SAFE_INTEGER;
  const hb = b.blockHeight ?? Number.MAX_SAFE_INTEGER;
  return hb - ha;
}

export class WalletHost {
  readonly #o: WalletHostOptions;
  readonly #intervalMs: number;
  #network: NetworkName;
  #esploraOverride: string | null = null;
  #raw: KVStore | null = null;
  #exists = false;
  #wallet: WalletEngine | null = null;
  #sync: SyncDto = { syncing: false, lastSyncAt: null, error: null };
  #running: Promise<void> | null = null;
  #cancelTimer: (() => void) | null = null;
  /** The receive address handed out last (what the Receive screen shows), for the faucet. */
  #receiveAddress: string | null = null;
  /** Operations that change which wallet is open run one at a time. */
  #queue: Promise<unknown> = Promise.resolve();
  /** The wallet lock this host holds (which network's), if any. */
  #lock: { network: NetworkName; held: HeldLock } | null = null;
  #elsewhere = false;
  #warnedNoLocks = false;

  constructor(options: WalletHostOptions) {
    this.#o = options;
    this.#intervalMs = options.syncIntervalMs ?? 15_000;
    this.#network = options.config.network;
  }

  get unlocked(): boolean {
    return this.#wallet !== null;
  }

  /** The current wallet is held by another tab: nothing here opens its store. */
  get elsewhere(): boolean {
    return this.#elsewhere;
  }

  /**
   * Another tab asked for this wallet ("Use here" there): stop the node cleanly (its executor
   * drained, peers disconnected: `onClosing`), lock and close the store, then let go of the lock.
   */
  handOver(): Promise<void> {
    return this.#serial(async () => {
      if (!this.#lock) return;
      await this.#close(false);
      await this.#raw?.close().catch(() => {});
      this.#raw = null;
      this.#releaseLock();
      this.#o.logger.log('info', `wallet: handed the ${this.#network} wallet over to another tab`);
      this.#setElsewhere(true);
    });
  }

  /**
   * "Use here": wait up to `waitMs` for the current wallet's lock (the other tab was asked to let
   * go), then open its store (locked: the passphrase is asked here again).
   */
  takeOver(waitMs: number): Promise<WalletStatusDto> {
    return this.#serial(async () => {
      if (!this.#elsewhere) return this.status();
      const before = this.status();
      await this.#lockFor(this.#network, waitMs);
      await this.#openStore();
      this.#o.logger.log('info', `wallet: the ${this.#network} wallet runs in this tab now`);
      return this.#statusChanged(before);
    });
  }

  status(): WalletStatusDto {
    const def = this.#o.config.esplora[this.#network];
    return {
      state: this.#wallet ? 'unlocked' : this.#exists ? 'locked' : 'none',
      network: this.#network,
      esploraUrl: this.#esploraOverride ?? def,
      defaultEsploraUrl: def,
      defaultEsploraUrls: { ...this.#o.config.esplora },
      defaultNetwork: this.#o.config.network,
      nodeId: this.#wallet?.nodeId ?? null,
    };
  }

  /** Open the default network's store (so `status` knows whether a wallet exists). */
  start(): Promise<WalletStatusDto> {
    return this.#serial(async () => {
      await this.#openStore();
      return this.status();
    });
  }

  /** Apply the UI's settings; a different network locks the open wallet and opens that one's store. */
  configure(settings: { network: NetworkName | null; esploraUrl: string | null }): Promise<WalletStatusDto> {
    return this.#serial(async () => {
      const network = settings.network ?? this.#o.config.network;
      const esplora = settings.esploraUrl === null ? null : trimSlash(settings.esploraUrl.trim());
      const changedNetwork = network !== this.#network || this.#raw === null;
      const before = this.status();
      if (changedNetwork) {
        await this.#close(false);
        if (this.#raw) {
          await this.#raw.close().catch(() => {});
          this.#raw = null;
        }
        this.#network = network;
        this.#esploraOverride = esplora;
        await this.#openStore();
      } else {
        this.#esploraOverride = esplora;
        if (this.#wallet && before.esploraUrl !== this.status().esploraUrl) {
          const w = this.#wallet;
          await this.#stopping(w);
          const chain = this.#o.backend.chain(this.status().esploraUrl, this.#network);
          w.attachChain(chain);
          this.#o.onOpened?.(w, chain);
          this.#o.logger.log('info', `wallet: chain source is now ${this.status().esploraUrl}`);
          void this.syncNow().catch(() => {}); // locked meanwhile: nothing to report
        }
      }
      return this.#statusChanged(before);
    });
  }

  /** Create (or restore from `mnemonic`) the wallet of the current network, and open it. */
  create(params: { passphrase: string; mnemonic: string | null }): Promise<{ status: WalletStatusDto; words: string[] | null }> {
    return this.#serial(async () => {
      const raw = await this.#requireStore();
      if (this.#wallet || (await this.#o.backend.exists(raw))) {
        this.#exists = true;
        throw new Error(`a ${this.#network} wallet already exists in this browser; unlock it instead`);
      }
      const before = this.status();
      const mnemonic = params.mnemonic === null ? undefined : normalizeMnemonic(params.mnemonic);
      let wallet: WalletEngine;
      try {
        wallet = await this.#o.backend.create({ raw, passphrase: params.passphrase, network: this.#network, ...(mnemonic ? { mnemonic } : {}) });
      } catch (err) {
        throw asParamError(err);
      }
      const words = mnemonic ? null : await wallet.mnemonic(params.passphrase);
      this.#exists = true;
      this.#opened(wallet, mnemonic ? 'restored' : 'created');
      return { status: this.#statusChanged(before), words };
    });
  }

  unlock(params: { passphrase: string }): Promise<WalletStatusDto> {
    return this.#serial(async () => {
      if (this.#wallet) return this.status();
      const raw = await this.#requireStore();
      if (!(await this.#o.backend.exists(raw))) {
        this.#exists = false;
        throw new Error(`there is no ${this.#network} wallet in this browser yet`);
      }
      const before = this.status();
      let wallet: WalletEngine;
      try {
        wallet = await this.#o.backend.open({ raw, passphrase: params.passphrase });
      } catch (err) {
        if (isWrongPassphrase(err)) throw new RpcValidationError('params.passphrase', WRONG_PASSPHRASE);
        throw err;
      }
      this.#opened(wallet, 'unlocked');
      return this.#statusChanged(before);
    });
  }

  lock(): Promise<WalletStatusDto> {
    return this.#serial(async () => {
      const before = this.status();
      await this.#close();
      return this.#statusChanged(before);
    });
  }

  /** The recovery words, after checking the passphrase again. */
  async backup(params: { passphrase: string }): Promise<{ words: string[] }> {
    const w = this.#requireWallet();
    try {
      return { words: await w.mnemonic(params.passphrase) };
    } catch (err) {
      if (isWrongPassphrase(err)) throw new RpcValidationError('params.passphrase', WRONG_PASSPHRASE);
      throw err;
    }
  }

  /**
   * Erase the open wallet from this browser (workers/erase-host.ts): check the passphrase, run
   * `check` (the caller's refusals), stop what runs on it and close it, delete its store and let go
   * of its lock; the status becomes `none`. A refusal, or a failure before the delete, deletes nothing.
   */
  erase(params: { passphrase: string }, check: () => void): Promise<WalletStatusDto> {
    return this.#serial(async () => {
      this.#requireWallet();
      const { deleteStore } = this.#o.backend;
      if (!deleteStore) throw new Error('erasing a wallet is not available in this build of the node');
      await this.backup(params);
      check();
      const before = this.status();
      await this.#close(false);
      await this.#raw?.close().catch(() => {});
      this.#raw = null;
      await deleteStore.call(this.#o.backend, this.#network);
      this.#exists = false;
      this.#releaseLock();
      this.#o.logger.log('info', `wallet: the ${this.#network} wallet was erased from this browser`);
      return this.#statusChanged(before);
    });
  }

  /** Another tab erased `network`'s wallet (it held the lock, so this one never opened it). */
  erasedElsewhere(network: NetworkName): void {
    if (network !== this.#network || this.#wallet) return;
    const before = this.status();
    this.#exists = false;
    this.#statusChanged(before);
  }

  snapshot(): WalletSnapshotDto {
    const b = this.#requireWallet().balance();
    const spendable = b.spendableSat ?? b.confirmedSat + b.unconfirmedSat;
    return { balance: { confirmedSat: sat(b.confirmedSat), unconfirmedSat: sat(b.unconfirmedSat), spendableSat: sat(spendable < 0n ? 0n : spendable) }, sync: { ...this.#sync } };
  }

  /**
   * Tell the UI the balance as the wallet has it now, without syncing (something else changed it:
   * the Lightning node synced on a new block, or funded or closed a channel).
   */
  publish(): void {
    if (this.#wallet) this.#o.onChanged(this.snapshot());
  }

  /** Sync now (joining a sync already running) and report the result; a failure is in `sync.error`. */
  async syncNow(): Promise<WalletSnapshotDto> {
    this.#requireWallet();
    await this.#runSync();
    return this.snapshot();
  }

  async address(): Promise<{ address: string }> {
    const w = this.#requireWallet();
    const address = await w.receiveAddress();
    if (this.#wallet === w) this.#receiveAddress = address;
    return { address };
  }

  /**
   * Regtest only: have the Esplora server's faucet pay `amountSat` to the current receive address
   * (a fresh one if none was shown yet), then sync so the balance includes it. The faucet mines
   * the payment into a block before it answers.
   */
  async faucet(params: { amountSat: string }): Promise<FaucetResultDto> {
    const w = this.#requireWallet();
    if (this.#network !== 'regtest') throw new Error(`test coins come from a regtest faucet; this wallet is on ${this.#network}`);
    const address = this.#receiveAddress ?? (await this.address()).address;
    const base = this.status().esploraUrl;
    const amount = BigInt(params.amountSat);
    let reply: HttpReply;
    try {
      reply = await this.#o.backend.postJson(`${base}${FAUCET_PATH}`, { address, sats: Number(amount) });
    } catch (err) {
      throw new Error(`could not reach the faucet at ${base}: ${errText(err)}`);
    }
    const paid = parseFaucetReply(reply, base);
    this.#o.logger.log('info', `wallet: the regtest faucet paid ${amount} sats to ${address} (${paid.txid}:${paid.vout})`);
    // A sync that started before the payment may not see it: let it finish, then sync again.
    while (this.#running && this.#wallet === w) await this.#running;
    if (this.#wallet === w) await this.#runSync();
    return { txid: paid.txid, vout: paid.vout, address, amountSat: sat(amount) };
  }

  history(): WalletTxDto[] {
    const w = this.#requireWallet();
    const tip = w.syncedHeight;
    const history = w.history();
    const roles = this.#o.txRoles?.(history);
    return history.map((t) => txDto(t, tip, roles?.get(t.txid))).sort(newestFirst);
  }

  async feeRates(): Promise<FeeRatesDto> {
    const r = await this.#requireWallet().feeRates();
    for (const k of ['fast', 'normal', 'slow'] as const) {
      if (!Number.isFinite(r[k]) || r[k] <= 0) throw new Error(`the fee estimate for "${k}" is not a positive number (${r[k]})`);
    }
    return { fast: r.fast, normal: r.normal, slow: r.slow };
  }

  async prepareSend(params: { to: string; amountSat: string | 'max'; feeRate: number }): Promise<PreparedSendDto> {
    const w = this.#requireWallet();
    const amountSat = params.amountSat === 'max' ? 'max' : BigInt(params.amountSat);
    try {
      const p = await w.prepareSend({ to: params.to.trim(), amountSat, feeRate: params.feeRate });
      return { id: p.id, to: p.to, amountSat: sat(p.amountSat), feeSat: sat(p.feeSat), vsize: p.vsize, feeRate: p.feeRate };
    } catch (err) {
      throw asParamError(err);
    }
  }

  async confirmSend(params: { id: string }): Promise<{ txid: string }> {
    const w = this.#requireWallet();
    const result = await w.confirmSend(params.id);
    this.#o.logger.log('info', `wallet: broadcast ${result.txid}`);
    void this.syncNow().catch(() => {});
    return { txid: result.txid };
  }

  /** Stop syncing and close everything (worker shutdown). */
  shutdown(): Promise<void> {
    return this.#serial(async () => {
      await this.#close(false);
      await this.#raw?.close().catch(() => {});
      this.#raw = null;
      this.#releaseLock();
    });
  }

  // -------------------------------------------------------------------------------------------

  #serial<T>(fn: () => Promise<T>): Promise<T> {
    const run = this.#queue.then(fn, fn);
    this.#queue = run.catch(() => {});
    return run;
  }

  /**
   * Hold `network`'s wallet lock (letting go of another network's): now or never without
   * `waitMs`, else waiting that long. Throws WalletElsewhereError when another tab keeps it.
   */
  async #lockFor(network: NetworkName, waitMs?: number): Promise<void> {
    const locks = this.#o.locks;
    if (!locks || this.#lock?.network === network) return;
    this.#releaseLock();
    let held: HeldLock | null;
    try {
      held = await locks.acquire(network, waitMs === undefined ? {} : { waitMs });
    } catch (err) {
      if (!(err instanceof LocksUnavailableError)) throw err;
      if (!this.#warnedNoLocks) this.#o.logger.log('warn', err.message);
      this.#warnedNoLocks = true;
      return;
    }
    if (!held) {
      this.#setElsewhere(true);
      if (waitMs === undefined) throw new WalletElsewhereError(network);
      throw new Error(`the other tab did not let go of the ${network} wallet within ${waitMs >= 1000 ? `${Math.round(waitMs / 1000)} s` : `${waitMs} ms`}; close that tab (or reload it) and try again`);
    }
    this.#lock = { network, held };
    this.#setElsewhere(false);
  }

  #releaseLock(): void {
    this.#lock?.held.release();
    this.#lock = null;
  }

  #setElsewhere(elsewhere: boolean): void {
    if (this.#elsewhere === elsewhere) return;
    this.#elsewhere = elsewhere;
    this.#o.onElsewhere?.(elsewhere);
  }

  async #openStore(): Promise<KVStore> {
    await this.#lockFor(this.#network);
    const raw = await this.#o.backend.openStore(this.#network);
    this.#raw = raw;
    this.#exists = await this.#o.backend.exists(raw);
    return raw;
  }

  async #requireStore(): Promise<KVStore> {
    return this.#raw ?? (await this.#openStore());
  }

  #requireWallet(): WalletEngine {
    if (this.#wallet) return this.#wallet;
    throw new Error(this.#exists ? 'the wallet is locked: unlock it first' : 'there is no wallet yet: create or restore one first');
  }

  #opened(wallet: WalletEngine, how: string): void {
    this.#wallet = wallet;
    this.#receiveAddress = null;
    this.#sync = { syncing: false, lastSyncAt: null, error: null };
    const chain = this.#o.backend.chain(this.status().esploraUrl, this.#network);
    wallet.attachChain(chain);
    this.#o.logger.log('info', `wallet: ${how} (${this.#network}), syncing with ${this.status().esploraUrl}`);
    this.#o.onIdentity(wallet.nodeSecret);
    const starting = this.#o.onOpened?.(wallet, chain);
    if (!(starting instanceof Promise)) {
      void this.#runSync();
      return;
    }
    // The Lightning node's start syncs the wallet itself and redials its channel peers first;
    // this host's first sync follows it, so its Esplora requests do not queue ahead of the
    // node's channel load and reconnect (issue 9 cold-start).
    const first = (): void => {
      if (this.#wallet === wallet) void this.#runSync();
    };
    starting.then(first, first);
  }

  /** Let what runs on `wallet` stop; its failure is logged, never blocks closing. */
  async #stopping(wallet: WalletEngine): Promise<void> {
    try {
      await this.#o.onClosing?.(wallet);
    } catch (err) {
      this.#o.logger.log('warn', `wallet: stopping what runs on it failed: ${errText(err)}`);
    }
  }

  /** Close the open wallet; `reopen` the (now locked) store so `status` stays right. */
  async #close(reopen = true): Promise<void> {
    const w = this.#wallet;
    if (!w) return;
    this.#cancelTimer?.();
    this.#cancelTimer = null;
    this.#wallet = null;
    this.#receiveAddress = null;
    await this.#running?.catch(() => {});
    await this.#stopping(w);
    this.#o.onIdentity(null);
    try {
      await w.close();
    } catch (err) {
      this.#o.logger.log('warn', `wallet: close failed: ${errText(err)}`);
    }
    // WalletService.close may or may not close the raw store; reopen it lazily either way.
    await this.#raw?.close().catch(() => {});
    this.#raw = null;
    this.#sync = { syncing: false, lastSyncAt: null, error: null };
    if (reopen) await this.#openStore();
  }

  #statusChanged(before: WalletStatusDto): WalletStatusDto {
    const now = this.status();
    if (JSON.stringify(now) !== JSON.stringify(before)) this.#o.onStatus(now);
    return now;
  }

  /**
   * One sync at a time; the next background sync is scheduled when this one ends. Background
   * ticks are `quick` (an idle tick costs O(1) requests, DESIGN "Chain"); the first sync after
   * opening, a manual refresh and the one after a send are full.
   */
  #runSync(quick = false): Promise<void> {
    if (this.#running) return this.#running;
    const w = this.#wallet;
    if (!w) return Promise.resolve();
    this.#cancelTimer?.();
    this.#cancelTimer = null;
    this.#sync = { ...this.#sync, syncing: true };
    const run = (async () => {
      try {
        await w.sync(quick ? { quick: true } : {});
        this.#sync = { syncing: false, lastSyncAt: this.#o.clock.now(), error: null };
      } catch (err) {
        const text = errText(err);
        if (this.#sync.error !== text) this.#o.logger.log('warn', `wallet: sync failed: ${text}`);
        this.#sync = { ...this.#sync, syncing: false, error: text };
      }
    })();
    this.#running = run;
    return run.finally(() => {
      this.#running = null;
      if (this.#wallet !== w) return; // locked or switched meanwhile
      this.#o.onChanged(this.snapshot());
      this.#cancelTimer = this.#o.clock.setTimer(this.#intervalMs, () => void this.#runSync(true));
    });
  }
}

/** Lowercase, single-spaced, NFKD (BIP39). */
export function normalizeMnemonic(text: string): string {
  return text.normalize('NFKD').trim().toLowerCase().split(/\s+/).join(' ');
}
