/**
 * BOLT 2 establishment checks, as pure functions returning the reason the channel must fail (or
 * undefined), and the parameters we announce in our own open_channel / accept_channel.
 *
 * Every "MUST fail the channel" of `open_channel` and `accept_channel` is checked, and the "MAY
 * fail" ones against our `ChannelLimits`. Reasons name the BOLT 2 field.
 *
 * https://github.com/lightning/bolts/blob/master/02-peer-protocol.md#the-open_channel-message
 */
import { isValidPublicKey } from '../crypto/secp256k1.ts';
import type { ChannelKeys } from '../keys/keychain.ts';
import { equalBytes } from '../lib/bytes.ts';
import type { AcceptChannelMessage, OpenChannelMessage } from '../wire/messages/channel.ts';
import { decodeChannelType } from './channel-type.ts';
import { checkFunderPaysFee, checkInitialBalances } from './commitments.ts';
import { hasAnchors } from './bolt3/types.ts';
import {
  type ChannelConfig,
  type ChannelLimits,
  type ChannelParams,
  type ChannelType,
  type OpeningParams,
  MAX_ACCEPTED_HTLCS_LIMIT,
  MAX_FUNDING_SAT,
  MIN_DUST_LIMIT_SAT,
  MIN_FEERATE_PER_KW,
} from './types.ts';

const PPM = 1_000_000n;

function ppmOf(amount: bigint, ppm: number): bigint {
  return (amount * BigInt(Math.round(ppm))) / PPM;
}

function maxBig(...xs: bigint[]): bigint {
  return xs.reduce((a, b) => (b > a ? b : a));
}

/**
 * BOLT 2 `shutdown` scriptpubkey forms (also required of a non-empty `upfront_shutdown_script`):
 * P2PKH, P2SH, P2WPKH, P2WSH, and with `option_shutdown_anysegwit` any witness v1…v16 program of
 * 2 to 40 bytes.
 */
export function isValidShutdownScript(s: Uint8Array): boolean {
  const n = s.length;
  if (n === 25 && s[0] === 0x76 && s[1] === 0xa9 && s[2] === 0x14 && s[23] === 0x88 && s[24] === 0xac) return true;
  if (n === 23 && s[0] === 0xa9 && s[1] === 0x14 && s[22] === 0x87) return true;
  if (n === 22 && s[0] === 0x00 && s[1] === 0x14) return true;
  if (n === 34 && s[0] === 0x00 && s[1] === 0x20) return true;
  const v = s[0] as number;
  if (n >= 4 && n <= 42 && v >= 0x51 && v <= 0x60 && s[1] === n - 2) return true;
  return false;
}

/** The fields open_channel and accept_channel share ("Other fields have the same requirements"). */
type RemoteFields = Pick<
  OpenChannelMessage,
  | 'dustLimitSatoshis'
  | 'maxHtlcValueInFlightMsat'
  | 'channelReserveSatoshis'
  | 'htlcMinimumMsat'
  | 'toSelfDelay'
  | 'maxAcceptedHtlcs'
  | 'fundingPubkey'
  | 'revocationBasepoint'
  | 'paymentBasepoint'
  | 'delayedPaymentBasepoint'
  | 'htlcBasepoint'
  | 'firstPerCommitmentPoint'
  | 'upfrontShutdownScript'
>;

/** Checks common to both messages; `msg` prefixes the field names. */
function checkRemoteFields(m: RemoteFields, fundingSat: bigint, limits: ChannelLimits, msg: string): string | undefined {
  const points = [
    ['funding_pubkey', m.fundingPubkey],
    ['revocation_basepoint', m.revocationBasepoint],
    ['payment_basepoint', m.paymentBasepoint],
    ['delayed_payment_basepoint', m.delayedPaymentBasepoint],
    ['htlc_basepoint', m.htlcBasepoint],
    ['first_per_commitment_point', m.firstPerCommitmentPoint],
  ] as const;
  for (const [name, p] of points) {
    if (!(p instanceof Uint8Array) || !isValidPublicKey(p)) return `${msg}.${name} is not a valid compressed secp256k1 point`;
  }
  if (m.dustLimitSatoshis < MIN_DUST_LIMIT_SAT) return `${msg}.dust_limit_satoshis ${m.dustLimitSatoshis} is below ${MIN_DUST_LIMIT_SAT}`;
  if (m.dustLimitSatoshis > limits.maxDustLimitSat) {
    return `${msg}.dust_limit_satoshis ${m.dustLimitSatoshis} is above our limit of ${limits.maxDustLimitSat}`;
  }
  if (m.toSelfDelay > limits.maxToSelfDelay) return `${msg}.to_self_delay ${m.toSelfDelay} is above our limit of ${limits.maxToSelfDelay} blocks`;
  if (m.maxAcceptedHtlcs > MAX_ACCEPTED_HTLCS_LIMIT) return `${msg}.max_accepted_htlcs ${m.maxAcceptedHtlcs} is above ${MAX_ACCEPTED_HTLCS_LIMIT}`;
  if (m.maxAcceptedHtlcs < limits.minMaxAcceptedHtlcs) {
    return `${msg}.max_accepted_htlcs ${m.maxAcceptedHtlcs} is below our minimum of ${limits.minMaxAcceptedHtlcs}`;
  }
  if (m.htlcMinimumMsat > limits.maxHtlcMinimumMsat || m.htlcMinimumMsat >= fundingSat * 1000n) {
    return `${msg}.htlc_minimum_msat ${m.htlcMinimumMsat} is too large (our limit ${limits.maxHtlcMinimumMsat}, funding ${fundingSat * 1000n} msat)`;
  }
  const minInFlight = ppmOf(fundingSat * 1000n, limits.minMaxHtlcValueInFlightPpm);
  if (m.maxHtlcValueInFlightMsat < minInFlight) {
    return `${msg}.max_htlc_value_in_flight_msat ${m.maxHtlcValueInFlightMsat} is below our minimum of ${minInFlight}`;
  }
  const maxReserve = ppmOf(fundingSat, limits.maxChannelReservePpm);
  if (m.channelReserveSatoshis > maxReserve) {
    return `${msg}.channel_reserve_satoshis ${m.channelReserveSatoshis} is above our limit of ${maxReserve} (${limits.maxChannelReservePpm} ppm of the funding)`;
  }
  const script = m.upfrontShutdownScript;
  if (script && script.length > 0 && !isValidShutdownScript(script)) return `${msg}.upfront_shutdown_script is not a valid shutdown script`;
  return undefined;
}

/** The remote side's parameters from its message. */
function remoteParamsOf(m: RemoteFields): ChannelParams {
  const script = m.upfrontShutdownScript;
  return {
    dustLimitSat: m.dustLimitSatoshis,
    maxHtlcValueInFlightMsat: m.maxHtlcValueInFlightMsat,
    channelReserveSat: m.channelReserveSatoshis,
    htlcMinimumMsat: m.htlcMinimumMsat,
    toSelfDelay: m.toSelfDelay,
    maxAcceptedHtlcs: m.maxAcceptedHtlcs,
    fundingPubkey: m.fundingPubkey,
    revocationBasepoint: m.revocationBasepoint,
    paymentBasepoint: m.paymentBasepoint,
    delayedPaymentBasepoint: m.delayedPaymentBasepoint,
    htlcBasepoint: m.htlcBasepoint,
    ...(script && script.length > 0 ? { upfrontShutdownScript: script } : {}),
  };
}

/** Our parameters, from the config and the channel's keys. */
export function localParams(
  config: ChannelConfig,
  keys: ChannelKeys,
  fundingSat: bigint,
  dustLimitSat: bigint,
  channelReserveSat: bigint,
  upfrontShutdownScript?: Uint8Array,
): ChannelParams {
  const fundingMsat = fundingSat * 1000n;
  const inFlight = ppmOf(fundingMsat, config.maxHtlcValueInFlightPpm);
  return {
    dustLimitSat,
    maxHtlcValueInFlightMsat: inFlight > fundingMsat ? fundingMsat : inFlight,
    channelReserveSat,
    htlcMinimumMsat: config.htlcMinimumMsat,
    toSelfDelay: config.toSelfDelay,
    maxAcceptedHtlcs: config.maxAcceptedHtlcs,
    fundingPubkey: keys.fundingPubkey,
    revocationBasepoint: keys.revocationBasepoint,
    paymentBasepoint: keys.paymentBasepoint,
    delayedPaymentBasepoint: keys.delayedPaymentBasepoint,
    htlcBasepoint: keys.htlcBasepoint,
    ...(upfrontShutdownScript && upfrontShutdownScript.length > 0 ? { upfrontShutdownScript } : {}),
  };
}

/** The reserve we require of the peer: a share of the funding, never below either dust limit. */
export function reserveFor(config: ChannelConfig, fundingSat: bigint, ...dustLimits: bigint[]): bigint {
  return maxBig(ppmOf(fundingSat, config.channelReservePpm), ...dustLimits);
}

/** The feerate bounds we accept for a peer-paid commitment, from our estimate (see `ChannelLimits`). */
export function feerateBounds(limits: ChannelLimits, estimatePerKw: number, channelType: ChannelType): { min: number; max: number } {
  const e = Math.max(estimatePerKw, MIN_FEERATE_PER_KW);
  const min = hasAnchors(channelType) ? MIN_FEERATE_PER_KW : Math.max(MIN_FEERATE_PER_KW, Math.floor(e * limits.feerateMinRatio));
  return { min, max: Math.ceil(e * limits.feerateMaxRatio) };
}

/** Checks on an `open` command (our own open_channel); a reason or undefined. */
export function checkOpenCommand(
  cmd: { fundingSat: bigint; pushMsat: bigint; feeratePerKw: number; channelType: ChannelType; upfrontShutdownScript?: Uint8Array; peerNodeId: Uint8Array },
  config: ChannelConfig,
): string | undefined {
  if (typeof cmd.fundingSat !== 'bigint' || cmd.fundingSat < config.limits.minFundingSat || cmd.fundingSat > config.limits.maxFundingSat || cmd.fundingSat > MAX_FUNDING_SAT) {
    return `fundingSat must be from ${config.limits.minFundingSat} to ${config.limits.maxFundingSat < MAX_FUNDING_SAT ? config.limits.maxFundingSat : MAX_FUNDING_SAT} sat`;
  }
  if (typeof cmd.pushMsat !== 'bigint' || cmd.pushMsat < 0n || cmd.pushMsat > cmd.fundingSat * 1000n) return 'pushMsat must be from 0 to fundingSat × 1000';
  if (!Number.isInteger(cmd.feeratePerKw) || cmd.feeratePerKw < MIN_FEERATE_PER_KW || cmd.feeratePerKw > 0xffffffff) {
    return `feeratePerKw must be an integer of at least ${MIN_FEERATE_PER_KW}`;
  }
  if (cmd.channelType !== 'static_remotekey' && cmd.channelType !== 'anchors_zero_fee_htlc_tx') return `channelType ${String(cmd.channelType)} is not supported`;
  if (!(cmd.peerNodeId instanceof Uint8Array) || !isValidPublicKey(cmd.peerNodeId)) return 'peerNodeId must be a 33-byte compressed public key';
  const s = cmd.upfrontShutdownScript;
  if (s && s.length > 0 && !isValidShutdownScript(s)) return 'upfrontShutdownScript is not a valid shutdown script';
  return checkFunderPaysFee(cmd);
}

/** A checked open_channel: the peer's parameters and what we answer with. */
export interface AcceptedOpen {
  readonly channelType: ChannelType;
  readonly remoteParams: ChannelParams;
  /** Our dust limit: our configured one, lowered to the funder's reserve if needed. */
  readonly localDustLimitSat: bigint;
  /** The reserve we require of the funder. */
  readonly localReserveSat: bigint;
}

/** BOLT 2 "The receiving node MUST/MAY fail the channel if" for `open_channel`; a reason or the accepted values. */
export function checkOpenChannel(m: OpenChannelMessage, chainHash: Uint8Array, config: ChannelConfig, estimatePerKw: number): AcceptedOpen | string {
  const limits = config.limits;
  if (!equalBytes(m.chainHash, chainHash)) return 'open_channel.chain_hash is not the chain we run on';
  if (m.channelType === undefined) return 'open_channel has no channel_type';
  const type = decodeChannelType(m.channelType);
  if (!type.ok) return `open_channel.${type.reason}`;
  if (!config.channelTypes.includes(type.type)) return `open_channel.channel_type ${type.type} is not one we accept`;
  if (m.fundingSatoshis > MAX_FUNDING_SAT) return `open_channel.funding_satoshis ${m.fundingSatoshis} is 2^24 or more and we do not support option_support_large_channel`;
  if (m.fundingSatoshis < limits.minFundingSat) return `open_channel.funding_satoshis ${m.fundingSatoshis} is below our minimum of ${limits.minFundingSat}`;
  if (m.fundingSatoshis > limits.maxFundingSat) return `open_channel.funding_satoshis ${m.fundingSatoshis} is above our maximum of ${limits.maxFundingSat}`;
  if (m.pushMsat > m.fundingSatoshis * 1000n) return `open_channel.push_msat ${m.pushMsat} is greater than funding_satoshis × 1000`;
  const bounds = feerateBounds(limits, estimatePerKw, type.type);
  if (m.feeratePerKw < bounds.min || m.feeratePerKw > bounds.max) {
    return `open_channel.feerate_per_kw ${m.feeratePerKw} is outside [${bounds.min}, ${bounds.max}] (our estimate ${estimatePerKw})`;
  }
  const common = checkRemoteFields(m, m.fundingSatoshis, limits, 'open_channel');
  if (common) return common;
  if (m.dustLimitSatoshis > m.channelReserveSatoshis) {
    return `open_channel.dust_limit_satoshis ${m.dustLimitSatoshis} is greater than its channel_reserve_satoshis ${m.channelReserveSatoshis}`;
  }
  // accept_channel: "MUST set dust_limit_satoshis less than or equal to channel_reserve_satoshis from open_channel".
  const localDustLimitSat = config.dustLimitSat < m.channelReserveSatoshis ? config.dustLimitSat : m.channelReserveSatoshis;
  if (localDustLimitSat < MIN_DUST_LIMIT_SAT) return `open_channel.channel_reserve_satoshis ${m.channelReserveSatoshis} is below any dust limit we may use`;
  // accept_channel: "MUST set channel_reserve_satoshis greater than or equal to dust_limit_satoshis from open_channel".
  const localReserveSat = reserveFor(config, m.fundingSatoshis, m.dustLimitSatoshis, localDustLimitSat);
  if (localReserveSat >= m.fundingSatoshis) return `open_channel.funding_satoshis ${m.fundingSatoshis} is too small for a reserve of ${localReserveSat} sat`;
  const balances = checkInitialBalances(
    { fundingSat: m.fundingSatoshis, pushMsat: m.pushMsat, feeratePerKw: m.feeratePerKw, channelType: type.type },
    localReserveSat,
    m.channelReserveSatoshis,
  );
  if (balances) return `open_channel: ${balances}`;
  return { channelType: type.type, remoteParams: remoteParamsOf(m), localDustLimitSat, localReserveSat };
}

/** A checked accept_channel: the peer's parameters and the depth to wait for. */
export interface AcceptedAccept {
  readonly remoteParams: ChannelParams;
  readonly minimumDepth: number;
}

/** BOLT 2 accept_channel receiver rules (plus the open_channel ones for the shared fields). */
export function checkAcceptChannel(m: AcceptChannelMessage, opening: OpeningParams, config: ChannelConfig): AcceptedAccept | string {
  const limits = config.limits;
  if (!equalBytes(m.temporaryChannelId, opening.temporaryChannelId)) return 'accept_channel.temporary_channel_id does not match our open_channel';
  if (m.channelType === undefined) return 'accept_channel has no channel_type';
  const type = decodeChannelType(m.channelType);
  if (!type.ok || type.type !== opening.channelType) return `accept_channel.channel_type does not match the ${opening.channelType} of our open_channel`;
  if (m.minimumDepth > limits.maxMinimumDepth) return `accept_channel.minimum_depth ${m.minimumDepth} is above our limit of ${limits.maxMinimumDepth}`;
  const common = checkRemoteFields(m, opening.fundingSat, limits, 'accept_channel');
  if (common) return common;
  if (m.channelReserveSatoshis < opening.localParams.dustLimitSat) {
    return `accept_channel.channel_reserve_satoshis ${m.channelReserveSatoshis} is less than our dust_limit_satoshis ${opening.localParams.dustLimitSat}`;
  }
  if (opening.localParams.channelReserveSat < m.dustLimitSatoshis) {
    return `accept_channel.dust_limit_satoshis ${m.dustLimitSatoshis} is greater than our channel_reserve_satoshis ${opening.localParams.channelReserveSat}`;
  }
  if (m.channelReserveSatoshis >= opening.fundingSat) return `accept_channel.channel_reserve_satoshis ${m.channelReserveSatoshis} is not below the funding amount`;
  const balances = checkInitialBalances(opening, m.channelReserveSatoshis, opening.localParams.channelReserveSat);
  if (balances) return `accept_channel: ${balances}`;
  // minimum_depth 0: a zero-conf channel; as funder we trust our own funding tx (ZERO_CONF_TRUST in states/zero-conf.ts).
  return { remoteParams: remoteParamsOf(m), minimumDepth: m.minimumDepth };
}
