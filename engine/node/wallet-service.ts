/**
 * One wallet, as the CLI and the browser worker use it: the BIP 39 seed and the on-chain state
 * kept encrypted in a KVStore (engine/store), the keychain built from the seed once, and the
 * BIP 84 wallet on whatever ChainSource is attached (an Esplora server).
 *
 * Records (inside the EncryptedStore; each value starts with its format version):
 *   `wallet/seed`    v1: u8 network, u16 length + UTF-8 mnemonic, u16 length + UTF-8 BIP 39 passphrase
 *   `wallet/onchain` the on-chain wallet state (engine/wallet/state.ts codec, its own version byte)
 *   `store/schema`   the store schema version (engine/store/migrations.ts), written at create and
 *                    brought up to date at every unlock
 * State is written durably after every change that matters (sync, a handed-out address, a
 * broadcast, a funding reservation), before the caller hears about it.
 *
 * It is also the node's channel wallet and channel key source (engine/node/channel-ports.ts
 * `ChannelWallet`, `ChannelKeySource`): `fundChannel`, `cancelReservation`, `broadcast`,
 * `spendWithForeignInputs` (anchor CPFP), `shutdownScript`, `channelKeys`, and gives the ChannelManager a view of the same encrypted store
 * limited to the channel records (`channelStore`), so the seed record never leaves this class.
 */
import type { ChainSource } from '../chain/source.ts';
import { DecodeError, ValidationError } from '../lib/errors.ts';
import { bytesToHex, equalBytes } from '../lib/bytes.ts';
import type { Entropy, KVStore, Pbkdf2Sha512 } from '../ports.ts';
import { Keychain } from '../keys/keychain.ts';
import { generateMnemonic, validateMnemonic } from '../keys/mnemonic.ts';
import { EncryptedStore, type ScryptParams } from '../store/envelope.ts';
import { RecordCodec } from '../store/records.ts';
import { encodeSchemaRecord, migrateStore, SCHEMA_KEY, STORE_SCHEMA_VERSION, type MigrationReport } from '../store/migrations.ts';
import { STORE_UPGRADES } from './store-upgrades.ts';
import { utf8Decode, utf8Encode } from '../store/utf8.ts';
import { NETWORKS, type NetworkName } from '../wire/chains.ts';
import { ByteReader } from '../wire/reader.ts';
import { ByteWriter } from '../wire/writer.ts';
import { decodeWalletState, encodeWalletState, type WalletState } from '../wallet/state.ts';
import { parseAddress } from '../wallet/addresses.ts';
import { OnchainWallet, type FundingRequest, type PreparedTx, type SendRequest } from '../wallet/wallet.ts';
import type { ChannelKeys } from '../keys/keychain.ts';
import type { ForeignFundRequest, ForeignSpendRequest } from '../wallet/foreign.ts';
import type { KVBatch } from '../ports.ts';
import type { Balance, HistoryEntry } from '../wallet/utxos.ts';

const SEED_KEY = 'wallet/seed';
const ONCHAIN_KEY = 'wallet/onchain';
/** Key prefixes the ChannelManager may read and write through `channelStore()`. */
export const CHANNEL_STORE_PREFIXES: readonly string[] = Object.freeze(['channel/', 'channel-revoked/', 'node/']);

interface SeedRecord {
  readonly network: NetworkName;
  readonly mnemonic: string;
  readonly bip39Passphrase: string;
}

/** The wallet/seed record (exported for the fuzz script, test/fuzz/targets-store.ts). */
export const seedCodec = new RecordCodec<SeedRecord>({
  name: SEED_KEY,
  version: 1,
  encode: (s) =>
    new ByteWriter()
      .u8(NETWORKS.indexOf(s.network))
      .u16Prefixed(utf8Encode(s.mnemonic))
      .u16Prefixed(utf8Encode(s.bip39Passphrase))
      .finish(),
  decode: (body) => {
    const r = new ByteReader(body);
    const network = NETWORKS[r.u8('wallet/seed.network')];
    if (!network) throw new DecodeError('wallet/seed.network', 'unknown network');
    const mnemonic = utf8Decode(r.u16Prefixed('wallet/seed.mnemonic'));
    const bip39Passphrase = utf8Decode(r.u16Prefixed('wallet/seed.passphrase'));
    if (!r.done) throw new DecodeError('wallet/seed', 'trailing bytes');
    return { network, mnemonic, bip39Passphrase };
  },
});


export interface CreateWalletOptions {
  readonly raw: KVStore;
  /** Encrypts the store (scrypt → key). */
  readonly passphrase: string;
  readonly network: NetworkName;
  readonly entropy: Entropy;
  /** Restore from these words; without it, 24 new words are generated. */
  readonly mnemonic?: string;
  /** BIP 39 passphrase ("25th word"), default empty. */
  readonly bip39Passphrase?: string;
  /** Cheaper scrypt for tests; the default is the store's (N = 2^17). */
  readonly scrypt?: ScryptParams;
  /** The platform's native PBKDF2 for the BIP 39 seed (default: JS, engine/keys/mnemonic.ts). */
  readonly pbkdf2?: Pbkdf2Sha512;
}

export interface OpenWalletOptions {
  readonly raw: KVStore;
  readonly passphrase: string;
  readonly entropy: Entropy;
  /** The platform's native PBKDF2 for the BIP 39 seed (default: JS, engine/keys/mnemonic.ts). */
  readonly pbkdf2?: Pbkdf2Sha512;
}

/** A payment built and checked but not signed-and-sent yet: the review step. */
export interface SendPreview {
  readonly id: string;
  readonly to: string;
  readonly amountSat: bigint;
  readonly feeSat: bigint;
  readonly vsize: number;
  /** sat/vB actually paid. */
  readonly feeRate: number;
}

export class WalletService {
  readonly network: NetworkName;
  readonly nodeSecret: Uint8Array;
  readonly nodeId: string;
  private readonly store: EncryptedStore;
  private readonly keychain: Keychain;
  private state: WalletState | undefined;
  private wallet: OnchainWallet | undefined;
  private readonly prepared = new Map<string, { tx: PreparedTx; to: string }>();
  /** Wallet-state writes, one at a time and in call order (the last write holds the newest state). */
  private persisting: Promise<void> = Promise.resolve();
  /** The wallet-state bytes last written (or read at unlock): an unchanged state is not written again. */
  private persistedBytes: Uint8Array | undefined;

  /** What unlocking did to the store's schema (undefined for a wallet created in this session). */
  readonly migration: MigrationReport | undefined;

  private constructor(store: EncryptedStore, keychain: Keychain, network: NetworkName, state: WalletState | undefined, migration: MigrationReport | undefined) {
    this.migration = migration;
    this.store = store;
    this.keychain = keychain;
    this.network = network;
    this.state = state;
    this.nodeSecret = keychain.nodeSecret();
    this.nodeId = bytesToHex(keychain.nodeId());
  }

  /** True when `raw` already holds a wallet (its encrypted header). */
  static exists(raw: KVStore): Promise<boolean> {
    return EncryptedStore.exists(raw);
  }

  /** Create (or restore from words) a wallet in an empty store. */
  static async create(opts: CreateWalletOptions): Promise<WalletService> {
    if (!(NETWORKS as readonly string[]).includes(opts.network)) throw new ValidationError('network', `unknown network "${String(opts.network)}"`);
    const mnemonic = opts.mnemonic === undefined ? generateMnemonic(opts.entropy, 24) : validateMnemonic(opts.mnemonic);
    const bip39Passphrase = opts.bip39Passphrase ?? '';
    const keychain = await Keychain.fromMnemonic(mnemonic, bip39Passphrase, opts.network, opts.pbkdf2);
    const store = await EncryptedStore.create(opts.raw, opts.passphrase, opts.entropy, opts.scrypt ? { scrypt: opts.scrypt } : {});
    await store.write({
      put: [
        [SEED_KEY, seedCodec.encode({ network: opts.network, mnemonic, bip39Passphrase })],
        [SCHEMA_KEY, encodeSchemaRecord(STORE_SCHEMA_VERSION)],
      ],
    });
    return new WalletService(store, keychain, opts.network, undefined, undefined);
  }

  /**
   * Unlock an existing wallet and bring its store to the current schema (store/migrations.ts, one
   * atomic write). Throws WrongPassphraseError / NoWalletError / CorruptRecordError /
   * NewerSchemaError (written by a newer Glint; nothing is changed).
   */
  static async open(opts: OpenWalletOptions): Promise<WalletService> {
    const store = await EncryptedStore.open(opts.raw, opts.passphrase, opts.entropy);
    try {
      const seedBytes = await store.get(SEED_KEY);
      if (!seedBytes) throw new DecodeError(SEED_KEY, 'the wallet has no seed record');
      const seed = seedCodec.decode(seedBytes);
      const migration = await migrateStore(store, STORE_UPGRADES);
      const keychain = await Keychain.fromMnemonic(seed.mnemonic, seed.bip39Passphrase, seed.network, opts.pbkdf2);
      const stateBytes = await store.get(ONCHAIN_KEY);
      const state = stateBytes ? decodeWalletState(stateBytes) : undefined;
      const service = new WalletService(store, keychain, seed.network, state, migration);
      service.persistedBytes = stateBytes ?? undefined;
      return service;
    } catch (err) {
      await store.close();
      throw err;
    }
  }

  /** Use `chain` for everything on-chain from now on (e.g. after the Esplora URL changes). */
  attachChain(chain: ChainSource): void {
    const state = this.wallet ? this.wallet.toState() : this.state;
    this.wallet = OnchainWallet.restore(this.keychain, this.network, chain, state);
    this.prepared.clear();
  }

  get hasChain(): boolean {
    return this.wallet !== undefined;
  }

  /** The seed words, after checking the store passphrase again (backup screens, `glint init`). */
  async mnemonic(passphrase: string): Promise<string[]> {
    await this.store.verifyPassphrase(passphrase);
    const seedBytes = await this.store.get(SEED_KEY);
    if (!seedBytes) throw new DecodeError(SEED_KEY, 'the wallet has no seed record');
    return seedCodec.decode(seedBytes).mnemonic.split(' ');
  }

  /** Read the chain and save what was learnt. `quick` is the cheap idle tick. */
  async sync(options: { quick?: boolean } = {}): Promise<void> {
    const w = this.onchain();
    await w.sync(options);
    await this.persist();
  }

  balance(): Balance {
    return this.onchain().balance();
  }

  history(): readonly HistoryEntry[] {
    return this.onchain().history();
  }

  /** The chain tip height the wallet last synced to (−1 before the first sync). */
  get syncedHeight(): number {
    return this.wallet ? this.wallet.syncedHeight : (this.state?.tipHeight ?? -1);
  }

  /** A fresh receive address; its index is saved before it is returned. */
  async receiveAddress(): Promise<string> {
    const a = this.onchain().nextReceiveAddress();
    await this.persist();
    return a.address;
  }

  feeRates(): Promise<{ readonly fast: number; readonly normal: number; readonly slow: number }> {
    return this.onchain().feeRates();
  }

  /** Build and sign a payment, but do not broadcast it; returns what the review step shows. */
  async prepareSend(req: SendRequest): Promise<SendPreview> {
    const tx = await this.onchain().prepareSend(req);
    this.prepared.set(tx.txid, { tx, to: req.to.trim() });
    return { id: tx.txid, to: req.to.trim(), amountSat: tx.amountSat, feeSat: tx.feeSat, vsize: tx.vsize, feeRate: Number(tx.feeSat) / tx.vsize };
  }

  /** Broadcast a prepared payment and save the wallet. */
  async confirmSend(id: string): Promise<{ txid: string; feeSat: bigint }> {
    const p = this.prepared.get(id);
    if (!p) throw new ValidationError('id', 'no prepared payment with this id (it expired or was already sent)');
    const txid = await this.onchain().broadcast(p.tx.rawTx);
    this.prepared.clear(); // other previews may spend the same coins
    await this.persist();
    return { txid, feeSat: p.tx.feeSat };
  }

  /** Prepare and broadcast in one step (the CLI's `send`). */
  async send(req: SendRequest): Promise<{ txid: string; feeSat: bigint }> {
    const preview = await this.prepareSend(req);
    return this.confirmSend(preview.id);
  }

  // ---- the channel wallet (ChannelWallet) and key source (ChannelKeySource) ----------------------

  /**
   * BOLT 2 funding: a signed, unbroadcast transaction paying the 2-of-2 `scriptPubKey`; its coins
   * are reserved (and the reservation saved) until `broadcast` or `cancelReservation`.
   */
  async fundChannel(req: FundingRequest): Promise<{ rawTx: Uint8Array; txid: string; fundingOutputIndex: number }> {
    const tx = await this.onchain().fundChannel(req);
    this.prepared.clear(); // previews may spend the coins now reserved
    await this.persist();
    return { rawTx: tx.rawTx, txid: tx.txid, fundingOutputIndex: tx.fundingOutputIndex };
  }

  /** Txids (display order) of the unbroadcast funding transactions holding a reservation. */
  reservedFundingTxids(): string[] {
    return this.onchain().reservedTxids();
  }

  /** Release the coins reserved for the unbroadcast funding tx `txid` (display order), and save. */
  async cancelReservation(txid: string): Promise<boolean> {
    const released = this.onchain().cancelReservation(txid);
    await this.persist();
    return released;
  }

  /** Broadcast one of the wallet's transactions (a channel funding), record it, and save. */
  async broadcast(rawTx: Uint8Array): Promise<string> {
    const txid = await this.onchain().broadcast(rawTx);
    await this.persist();
    return txid;
  }

  /**
   * Anchor CPFP (BOLT 3 anchors): spend one wallet coin together with the caller's inputs
   * (OnchainWallet.spendWithForeignInputs signs our input, broadcasts and records it), and save.
   */
  async spendWithForeignInputs(req: ForeignSpendRequest): Promise<{ txid: string; rawTx: Uint8Array }> {
    const out = await this.onchain().spendWithForeignInputs(req);
    this.prepared.clear(); // the coin it spent may be in a preview
    await this.persist();
    return { txid: out.txid, rawTx: out.rawTx };
  }

  /**
   * Anchors HTLC transaction fees (BOLT 5): sign wallet coins into the caller's transaction,
   * reserve them, save — NOT broadcast (OnchainWallet.signWithForeignInputs).
   */
  async signWithForeignInputs(req: ForeignFundRequest): Promise<{ txid: string; rawTx: Uint8Array }> {
    const out = await this.onchain().signWithForeignInputs(req);
    this.prepared.clear(); // the coins it reserved may be in a preview
    await this.persist();
    return { txid: out.txid, rawTx: out.rawTx };
  }

  /** CPFP from our own (unconfirmed) output: OnchainWallet.spendOwnOutput, then save. */
  async spendOwnOutput(req: { readonly parentRaw: Uint8Array; readonly vout: number; readonly feeSat: bigint }): Promise<{ txid: string; rawTx: Uint8Array }> {
    const out = await this.onchain().spendOwnOutput(req);
    this.prepared.clear(); // a preview may hold the change index it took
    await this.persist();
    return { txid: out.txid, rawTx: out.rawTx };
  }

  /** A fresh receive scriptPubKey (P2WPKH) for a cooperative close (BOLT 2 `shutdown`), saved before it is returned. */
  async shutdownScript(): Promise<Uint8Array> {
    const a = this.onchain().nextReceiveAddress();
    await this.persist();
    return parseAddress(a.address, this.network).scriptPubKey;
  }

  /** The keys of channel `channelIndex` (BOLT 3 basepoints, funding key, per-commitment seed). */
  channelKeys(channelIndex: number): ChannelKeys {
    return this.keychain.channelKeys(channelIndex);
  }

  /** The seed's backup secret (Keychain.backupSecret): the channel backup file's key comes from it. */
  backupSecret(): Uint8Array {
    return this.keychain.backupSecret();
  }

  /**
   * The encrypted store, limited to the channel records (keys under CHANNEL_STORE_PREFIXES): what
   * the ChannelManager persists to. Closing it does nothing (the wallet owns the store).
   */
  channelStore(): KVStore {
    const store = this.store;
    const check = (key: string): void => {
      if (!CHANNEL_STORE_PREFIXES.some((p) => key.startsWith(p))) throw new ValidationError('key', `"${key}" is outside the channel records`);
    };
    return {
      get: async (key) => {
        check(key);
        return store.get(key);
      },
      keys: async (prefix) => {
        check(prefix);
        return store.keys(prefix);
      },
      write: async (batch: KVBatch) => {
        for (const [k] of batch.put ?? []) check(k);
        for (const k of batch.del ?? []) check(k);
        await store.write(batch);
      },
      close: async () => {},
    };
  }

  async close(): Promise<void> {
    this.prepared.clear();
    await this.persisting.catch(() => {});
    await this.store.close();
  }

  private onchain(): OnchainWallet {
    if (!this.wallet) throw new ValidationError('esplora', 'no chain source: set an Esplora server URL first');
    return this.wallet;
  }

  private persist(): Promise<void> {
    const next = this.persisting.catch(() => {}).then(async () => {
      if (!this.wallet) return;
      this.state = this.wallet.toState();
      const bytes = encodeWalletState(this.state);
      // An idle poll that learnt nothing changes no byte: skip the IndexedDB write (one per poll otherwise).
      if (this.persistedBytes && equalBytes(bytes, this.persistedBytes)) return;
      await this.store.write({ put: [[ONCHAIN_KEY, bytes]] });
      this.persistedBytes = bytes;
    });
    this.persisting = next;
    return next;
  }
}
