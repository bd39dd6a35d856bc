/**
 * The ports and plain-data types of the ChannelManager (engine/node/channels.ts): what it needs
 * from the peer layer, the keychain, the wallet and the chain, and what it reports.
 */
import type { ChainTip, FeeEstimates, OutSpend, TxStatus } from '../chain/source.ts';
import type { ForeignFundRequest, ForeignSpendRequest } from '../wallet/foreign.ts';
import type { ChannelConfig, ChannelStateName, ChannelType, ChannelUiEvent } from '../channel/index.ts';
import type { ChannelKeys } from '../keys/keychain.ts';
import type { Clock, Entropy, KVStore, Logger } from '../ports.ts';
import type { NetworkName } from '../wire/chains.ts';
import type { Message } from '../wire/message.ts';
import { PersistenceBarrier, type BarrierAction, type CrashHook } from './executor.ts';
import type { PeerEvent } from './peer-manager.ts';

/** KV prefix of channel snapshots: `channel/<64 hex channel_id>`. */
export const CHANNEL_KEY_PREFIX = 'channel/';
/** KV key of the next unused keychain channel index (v1: u8 version, u32 big-endian index). */
export const CHANNEL_INDEX_KEY = 'node/next-channel-index';

// ---- ports ----------------------------------------------------------------------------------------

/** What the manager needs from the peer layer (`PeerManager` satisfies it). */
export interface ChannelPeers {
  send(nodeId: string, message: Message): void;
  subscribe(fn: (e: PeerEvent) => void): () => void;
  /** Connected peers; `features` are the init features by name (PeerInfo.features). */
  peers(): readonly { readonly nodeId: string; readonly features?: Readonly<Record<string, unknown>> }[];
  disconnect(nodeId: string): void;
}

/** The channel keys (`Keychain` and `WalletService` satisfy it). */
export interface ChannelKeySource {
  channelKeys(channelIndex: number): ChannelKeys;
}

/** What the manager needs from the on-chain wallet (`WalletService` satisfies it, saving its state on each call). */
export interface ChannelWallet {
  /** A signed, unbroadcast transaction paying `valueSat` to `scriptPubKey`, its coins reserved. */
  fundChannel(req: { readonly scriptPubKey: Uint8Array; readonly valueSat: bigint; readonly feeRate?: number; readonly target?: number }): Promise<{
    readonly rawTx: Uint8Array;
    readonly txid: string;
    readonly fundingOutputIndex: number;
  }>;
  /** Release the reservation of an unbroadcast funding transaction (display-order txid). */
  cancelReservation(txid: string): unknown;
  /** Broadcast one of the wallet's transactions (and record it as the wallet's). */
  broadcast(rawTx: Uint8Array): Promise<string>;
  /**
   * A fresh receive scriptPubKey of the wallet (P2WPKH, P2WSH or P2TR), where a cooperative close
   * pays our balance (BOLT 2 `shutdown.scriptpubkey`); the wallet must watch it.
   */
  shutdownScript(): Uint8Array | Promise<Uint8Array>;
  /** Anchor CPFP: spend a wallet coin with the caller's inputs, sign, broadcast (OnchainWallet; absent: no CPFP). */
  spendWithForeignInputs?(req: ForeignSpendRequest): Promise<{ readonly txid: string; readonly rawTx: Uint8Array }>;
  /** Anchors HTLC tx fees: sign wallet coins into the caller's tx and reserve them, not broadcast (OnchainWallet; absent: anchors HTLC outputs wait). */
  signWithForeignInputs?(req: ForeignFundRequest): Promise<{ readonly txid: string; readonly rawTx: Uint8Array }>;
  /** BOLT 5 claim CPFP: spend output `vout` of `parentRaw` (it pays a wallet script) alone, paying `feeSat`; sign, broadcast (absent: no claim CPFP). */
  spendOwnOutput?(req: { readonly parentRaw: Uint8Array; readonly vout: number; readonly feeSat: bigint }): Promise<{ readonly txid: string; readonly rawTx: Uint8Array }>;
}

/** A merkle inclusion proof (`/tx/:txid/merkle-proof`). */
export interface ChannelMerkleProof {
  readonly blockHeight: number;
  readonly merkle: readonly string[];
  readonly pos: number;
}

/** What the manager needs from the chain backend (`EsploraClient` satisfies it). */
export interface ChannelChain {
  tip(): Promise<ChainTip>;
  txStatus(txid: string): Promise<TxStatus>;
  merkleProof(txid: string): Promise<ChannelMerkleProof>;
  /** The 80-byte header; must be checked against the hash (EsploraClient does). */
  blockHeader(hash: string): Promise<Uint8Array>;
  /** Raw transaction, checked against the txid. */
  transaction(txid: string): Promise<Uint8Array>;
  broadcast(rawTx: Uint8Array): Promise<string>;
  feeEstimates?(): Promise<FeeEstimates>;
  /** What spends an output (`/tx/:txid/outspend/:vout`): the funding outpoint's watch (BOLT 5). Absent: no force-close detection. */
  outSpend?(txid: string, vout: number): Promise<OutSpend>;
}

export interface ChannelManagerOptions {
  readonly network: NetworkName;
  /** Where channel records go (the node's encrypted store). */
  readonly store: KVStore;
  readonly clock: Clock;
  readonly entropy: Entropy;
  readonly logger?: Logger;
  readonly peers: ChannelPeers;
  readonly keys: ChannelKeySource;
  readonly wallet: ChannelWallet;
  readonly chain: ChannelChain;
  /** Our proposals and acceptance limits (default DEFAULT_CHANNEL_CONFIG). */
  readonly config?: ChannelConfig;
  /**
   * Our commitment feerate estimate (sat per 1000 weight): what we offer as funder and judge a
   * funder's feerate against. Default: the chain's 6-block estimate (sat/vB × 250), refreshed on
   * each tip, at least 253.
   */
  readonly feeratePerKw?: number | (() => number);
  /** Wallet fee choice for funding transactions (default: the wallet's 6-block estimate). */
  readonly fundingFee?: { readonly feeRate?: number; readonly target?: number };
  /** A wallet script for BOLT 5 sweeps (default: the spare wallet script kept for peer-initiated closes). */
  readonly sweepScriptPubKey?: () => Uint8Array | undefined;
  /**
   * Node ids (lowercase hex) the user trusts for zero-conf channels: their open_channel is
   * answered with minimum_depth 0 and the channel is usable before its funding confirms
   * (engine/channel/states/zero-conf.ts states the trust assumption). Read at each step; default none.
   */
  readonly trustedPeers?: () => ReadonlySet<string>;
  /** Test-only crash injection for the manager's own barrier (executor.ts `crashHook`). */
  readonly crashHook?: CrashHook;
  /** Use this barrier (sharing its scopes) instead of a new one on `store`. */
  readonly barrier?: PersistenceBarrier<BarrierAction>;
}

// ---- DTOs -----------------------------------------------------------------------------------------

/** One channel as plain data (no secrets, no raw state). */
export interface ChannelInfo {
  /** This node's handle for the channel (its keychain index; -1 for a forgotten channel loaded from the store). Stable across the temporary → real id change. */
  readonly localId: number;
  /** The channel_id (hex), or the temporary_channel_id until funding_created. */
  readonly channelId: string;
  readonly temporaryChannelId?: string;
  /** The peer's node id (hex); '' for a forgotten channel loaded from the store. */
  readonly peer: string;
  readonly state: ChannelStateName;
  readonly type?: ChannelType;
  readonly isFunder?: boolean;
  readonly capacitySat: bigint;
  /** Our balance in our current commitment (before fees for the funder's side: as committed). */
  readonly localMsat: bigint;
  readonly remoteMsat: bigint;
  /** Normal state, peer connected, not frozen. */
  readonly usable: boolean;
  /** `<block>x<tx>x<output>` once the funding is deep enough. */
  readonly shortChannelId?: string;
  /** Display-order txid. */
  readonly fundingTxid?: string;
  readonly fundingOutputIndex?: number;
  /** BOLT 2 `minimum_depth`: the funding confirmations it waits for (while opening; 0: zero-conf). */
  readonly minimumDepth?: number;
  /**
   * Display-order txid of the transaction spending the funding output, once there is one: the
   * mutual close (`closing`, `closed`), or a commitment (`force-closing`: the confirmed one, else
   * ours as broadcast; `closed` after a force close).
   */
  readonly closingTxid?: string;
  /** `closingTxid` is a commitment transaction (BOLT 5 unilateral close), not a mutual close. */
  readonly unilateral?: boolean;
  /** Why it is aborted / force-closing. */
  readonly reason?: string;
  /** Set when the store failed: the channel does nothing until the node restarts. */
  readonly frozen?: string;
  /** After a commitment confirmed (BOLT 5): each output of it that matters and where it stands, until all are settled. */
  readonly outputs?: readonly ClosingOutputInfo[];
}

/** One output of a confirmed commitment (or of our second-stage tx), as the UI / CLI show it. */
export interface ClosingOutputInfo {
  /** `<display txid>:<vout>`. */
  readonly outpoint: string;
  readonly kind: 'to_local' | 'to_remote' | 'htlc-offered' | 'htlc-received' | 'anchor' | 'revoked-to_local' | 'revoked-htlc' | 'second-stage';
  readonly amountSat: bigint;
  /** waiting: not spendable yet (`availableAtHeight`); claimable: ours to claim now; claimed: in `claimTxid`; theirs: the peer's; dust: not worth a tx. */
  readonly status: 'waiting' | 'claimable' | 'claimed' | 'theirs' | 'dust';
  readonly availableAtHeight?: number;
  /** Display-order txid of the tx that claims it. */
  readonly claimTxid?: string;
}

/** What listeners hear: a channel's UI event, with the channel as it is now. */
export type ChannelManagerEvent =
  | { readonly type: 'channel'; readonly channel: ChannelInfo; readonly event: PlainUiEvent }
  | { readonly type: 'frozen'; readonly channel: ChannelInfo; readonly reason: string }
  /** The channel became usable (again): reestablished after a reconnect, or ready; `channel` as it is now. */
  | { readonly type: 'channel-usable'; readonly channel: ChannelInfo }
  /** `channelId`: the channel the peer named (hex; all zeros: every channel with it, BOLT 1). */
  | { readonly type: 'peer-error'; readonly peer: string; readonly kind: 'error' | 'warning'; readonly text: string; readonly channelId: string }
  /**
   * The peer refused our `open_channel` proposing anchors_zero_fee_htlc_tx (an `error` before
   * `accept_channel`): `previous` is the aborted attempt, `channel` the new one (a new temporary
   * channel id) opened once more as static_remotekey with the same amounts.
   */
  | { readonly type: 'open-retried'; readonly previous: ChannelInfo; readonly channel: ChannelInfo; readonly reason: string };

/** What `ChannelManager.close` resolves with: the display-order txid of the mutual close tx (or our commitment, `force`). */
export interface CloseResult {
  readonly closingTxid: string;
}

export interface CloseOptions {
  /** Fail the channel unilaterally: broadcast our commitment (BOLT 5). */
  readonly force?: boolean;
  /** Where our balance goes (cooperative only; default a fresh wallet script, `ChannelWallet.shutdownScript`). */
  readonly scriptPubKey?: Uint8Array;
}

/** A `ChannelUiEvent` with its byte fields as hex and bigints kept. */
export type PlainUiEvent = { readonly type: ChannelUiEvent['type']; readonly [field: string]: unknown };

export interface OpenOptions {
  readonly fundingSat: bigint;
  readonly pushMsat?: bigint;
  /** Default: anchors_zero_fee_htlc_tx when the peer's init offers option_anchors, else static_remotekey. */
  readonly channelType?: ChannelType;
  /** Commitment feerate (default our estimate). */
  readonly feeratePerKw?: number;
  readonly announceChannel?: boolean;
}

