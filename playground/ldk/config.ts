/**
 * Plain-object configuration for an LDK node, mapped onto LDK's `UserConfig`.
 *
 * Only the knobs interop tests and the playground turn are named here; anything else can be set
 * through `customize`, which receives the assembled UserConfig last.
 */
import type { UserConfig } from 'lightningdevkit';
import type { Ldk } from './wasm.ts';

export interface LdkNodeConfig {
  /** Accept channels the peer opens (LDK default true). */
  acceptInboundChannels?: boolean;
  /** Raise `OpenChannelRequest` instead of accepting automatically (needed for anchors, 0-conf). */
  manuallyAcceptInboundChannels?: boolean;
  /** Forward HTLCs into unannounced channels (needed to pay over route hints). */
  acceptForwardsToPrivChannels?: boolean;
  /** Confirmations we ask of channels the peer funds (LDK default 6). */
  minimumDepth?: number;
  /** to_self_delay we ask the peer to use (LDK default 144). */
  ourToSelfDelay?: number;
  /** Announce our channels to the network (LDK default false). */
  announceForForwarding?: boolean;
  /** Offer option_anchors_zero_fee_htlc_tx (LDK default false). */
  negotiateAnchorsZeroFeeHtlcTx?: boolean;
  /** Offer option_scid_alias privacy (LDK default false). */
  negotiateScidPrivacy?: boolean;
  /** Most of the channel value the peer may have in HTLCs to us at once, in percent (LDK default 10). */
  maxInboundHtlcValueInFlightPercent?: number;
  /** max_accepted_htlcs we announce: how many HTLCs the peer may have to us at once (LDK default 50, BOLT 2 max 483). */
  ourMaxAcceptedHtlcs?: number;
  /** Largest channel accepted (LDK default 2^24 - 1 sat unless wumbo). */
  maxFundingSatoshis?: bigint;
  /** Last word: edit the assembled UserConfig directly. */
  customize?: (config: UserConfig, ldk: Ldk) => void;
}

/** Build LDK's UserConfig: `UserConfig.constructor_default()` with the given changes. */
export function buildUserConfig(ldk: Ldk, options: LdkNodeConfig = {}): UserConfig {
  const config = ldk.UserConfig.constructor_default();
  // The sub-config getters return copies: edit them, then set them back.
  const handshake = config.get_channel_handshake_config();
  const limits = config.get_channel_handshake_limits();
  if (options.acceptInboundChannels !== undefined) config.set_accept_inbound_channels(options.acceptInboundChannels);
  if (options.manuallyAcceptInboundChannels !== undefined) config.set_manually_accept_inbound_channels(options.manuallyAcceptInboundChannels);
  if (options.acceptForwardsToPrivChannels !== undefined) config.set_accept_forwards_to_priv_channels(options.acceptForwardsToPrivChannels);
  if (options.minimumDepth !== undefined) handshake.set_minimum_depth(options.minimumDepth);
  if (options.ourToSelfDelay !== undefined) handshake.set_our_to_self_delay(options.ourToSelfDelay);
  if (options.announceForForwarding !== undefined) handshake.set_announce_for_forwarding(options.announceForForwarding);
  if (options.negotiateAnchorsZeroFeeHtlcTx !== undefined) handshake.set_negotiate_anchors_zero_fee_htlc_tx(options.negotiateAnchorsZeroFeeHtlcTx);
  if (options.negotiateScidPrivacy !== undefined) handshake.set_negotiate_scid_privacy(options.negotiateScidPrivacy);
  if (options.maxInboundHtlcValueInFlightPercent !== undefined) handshake.set_max_inbound_htlc_value_in_flight_percent_of_channel(options.maxInboundHtlcValueInFlightPercent);
  if (options.ourMaxAcceptedHtlcs !== undefined) handshake.set_our_max_accepted_htlcs(options.ourMaxAcceptedHtlcs);
  if (options.maxFundingSatoshis !== undefined) limits.set_max_funding_satoshis(options.maxFundingSatoshis);
  config.set_channel_handshake_config(handshake);
  config.set_channel_handshake_limits(limits);
  options.customize?.(config, ldk);
  return config;
}
