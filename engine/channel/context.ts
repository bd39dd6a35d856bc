/**
 * What the reducer reads besides the state and the event (style-models §7.2 rule 4): data the
 * node snapshots for the call (chain, height, time, feerate estimate, config) and two synchronous
 * ports, one for the channel's keys and one for randomness. Nothing here awaits.
 */
import type { ChannelKeys } from '../keys/keychain.ts';
import type { SweepFeeEstimates } from './bolt5/urgency.ts';
import type { ChannelConfig } from './types.ts';

export interface ChannelContext {
  /** BOLT 0 `chain_hash` of the chain we run on (engine/wire/chains.ts). */
  readonly chainHash: Uint8Array;
  readonly config: ChannelConfig;
  /** The tip height. */
  readonly blockHeight: number;
  /** Unix seconds. */
  readonly nowSec: number;
  /** Our current estimate for a commitment feerate, sat per 1000 weight. */
  readonly feeratePerKw: number;
  /**
   * The chain's fee estimates (confirmation target in blocks → sat/vB, Esplora `/fee-estimates`):
   * BOLT 5 claims take the one for their deadline (claim-fees.ts). Absent: every claim pays `feeratePerKw`.
   */
  readonly feeEstimates?: SweepFeeEstimates;
  /** The keys of channel `channelIndex` (`Keychain.channelKeys`); secrets never enter a state. */
  readonly channelKeys: (channelIndex: number) => ChannelKeys;
  /**
   * Where our balance goes when the *peer* starts a cooperative close (a fresh wallet script).
   * Absent: our `upfront_shutdown_script`, else P2WPKH of our payment basepoint (spendable from the seed).
   */
  readonly shutdownScriptPubKey?: Uint8Array;
  /**
   * Where BOLT 5 sweeps pay (a wallet script). Absent: the same rule as a cooperative close we
   * did not start (our `upfront_shutdown_script`, else P2WPKH of our payment basepoint).
   */
  readonly sweepScriptPubKey?: Uint8Array;
  /** `option_shutdown_anysegwit` was negotiated with the peer (absent: not). */
  readonly shutdownAnySegwit?: boolean;
  /**
   * The user marked this channel's peer trusted for zero-conf channels: as fundee we answer its
   * open_channel with minimum_depth 0 and send channel_ready before the funding confirms (BOLT 2
   * "MAY set minimum_depth to zero if it trusts the funder"). Absent: not trusted.
   */
  readonly zeroConfPeer?: boolean;
  /** Fresh cryptographic randomness (temporary channel ids, scid aliases). */
  readonly randomBytes: (n: number) => Uint8Array;
}
