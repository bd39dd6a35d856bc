/**
 * What the PaymentManager needs from the channels (the ChannelManager implements it in
 * engine/node/channel-htlcs.ts; unit tests bring two real managers over a message bus). Every
 * command is one synchronous reducer step (BOLT 2 "Adding an HTLC", "Removing an HTLC"): it is
 * accepted or refused at once; its messages leave after the channel's state is durable.
 */

/** One of our channels as the router sees it. */
export interface PaymentChannel {
  /** Hex channel_id. */
  readonly channelId: string;
  /** The peer's node id, hex. */
  readonly peer: string;
  /** Normal, connected, reestablished, not frozen. */
  readonly usable: boolean;
  /** In the `normal` state (usable once its peer is connected and the channel reestablished). */
  readonly open: boolean;
  /** The real short_channel_id once confirmed. */
  readonly shortChannelId?: bigint;
  /** The alias the peer gave us in channel_ready (what it forwards to us by; our invoices' hints). */
  readonly remoteAlias?: bigint;
  /** The largest HTLC we could add now (engine/channel `sendableMsat`). */
  readonly sendableMsat: bigint;
  /** The largest HTLC the peer could add now (engine/channel `receivableMsat`). */
  readonly receivableMsat: bigint;
  /** The peer's htlc_minimum_msat: our HTLCs must be at least this. */
  readonly htlcMinimumMsat: bigint;
}

/** An HTLC in a channel (engine/channel `HtlcView`). */
export interface PaymentHtlcView {
  readonly direction: 'incoming' | 'outgoing';
  readonly htlcId: bigint;
  readonly amountMsat: bigint;
  readonly paymentHash: Uint8Array;
  readonly cltvExpiry: number;
  readonly tag?: string;
  readonly onionRoutingPacket?: Uint8Array;
  readonly state: 'adding' | 'committed' | 'fulfilling' | 'failing';
  readonly preimage?: Uint8Array;
}

export interface AddHtlcCommand {
  readonly amountMsat: bigint;
  readonly paymentHash: Uint8Array;
  readonly cltvExpiry: number;
  readonly onionRoutingPacket: Uint8Array;
  /** `<payment hash hex>:<part index>`, stored with the HTLC. */
  readonly tag: string;
}

/** What the channels report about HTLCs (engine/channel UiEvents, with the channel id as hex). */
export type HtlcEvent =
  | {
      readonly type: 'htlc-received';
      readonly channelId: string;
      readonly htlcId: bigint;
      readonly amountMsat: bigint;
      readonly paymentHash: Uint8Array;
      readonly cltvExpiry: number;
      readonly onionRoutingPacket: Uint8Array;
    }
  | { readonly type: 'htlc-added'; readonly channelId: string; readonly htlcId: bigint; readonly tag: string }
  | { readonly type: 'htlc-fulfilled'; readonly channelId: string; readonly htlcId: bigint; readonly tag: string; readonly paymentPreimage: Uint8Array }
  | {
      readonly type: 'htlc-failed';
      readonly channelId: string;
      readonly htlcId: bigint;
      readonly tag: string;
      readonly reason?: Uint8Array;
      readonly malformed?: { readonly failureCode: number; readonly sha256OfOnion: Uint8Array };
      readonly localReason?: string;
    }
  /** A channel became usable (reestablished): parked work may go on. */
  | { readonly type: 'channel-usable'; readonly channelId: string };

export interface PaymentChannels {
  /** Our channels (every state; the router uses the usable ones). */
  channels(): readonly PaymentChannel[];
  /** Every HTLC of a channel not yet fully removed. */
  htlcs(channelId: string): readonly PaymentHtlcView[];
  /** Irrevocably committed incoming HTLCs we have not fulfilled or failed yet. */
  pendingIncoming(channelId: string): readonly PaymentHtlcView[];
  /** The chain tip height the channels last saw (-1: unknown). */
  tipHeight(): number;
  /** Offer an HTLC; `undefined` when accepted (then `htlc-added`), else the refusal in words. */
  addHtlc(channelId: string, cmd: AddHtlcCommand): string | undefined;
  /** Settle an incoming HTLC; `undefined` when accepted, else why not. */
  fulfillHtlc(channelId: string, htlcId: bigint, preimage: Uint8Array): string | undefined;
  /** Fail an incoming HTLC with an onion error packet (createFailurePacket). */
  failHtlc(channelId: string, htlcId: bigint, reason: Uint8Array): string | undefined;
  /** Fail an incoming HTLC whose onion we could not parse (update_fail_malformed_htlc). */
  failMalformedHtlc(channelId: string, htlcId: bigint, sha256OfOnion: Uint8Array, failureCode: number): string | undefined;
  subscribe(fn: (e: HtlcEvent) => void): () => void;
  /** Resolves once every channel step submitted so far is durable and its effects ran. */
  idle(): Promise<void>;
}
