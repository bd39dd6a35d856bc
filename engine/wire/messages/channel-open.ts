/**
 * BOLT 2 channel establishment (v1): `open_channel` (32), `accept_channel` (33),
 * `funding_created` (34), `funding_signed` (35), `channel_ready` (36). Each codec decodes the
 * payload after the 2-byte type, including its TLV extension, and encodes back to the same bytes.
 * Only the wire format is checked here (sizes, points on the curve, TLV rules); the channel
 * state machine judges the values.
 */
import { ByteReader } from '../reader.ts';
import { ByteWriter } from '../writer.ts';
import type { TlvRecord } from '../tlv.ts';
import {
  CHAIN_HASH_LEN,
  CHANNEL_ID_LEN,
  decodeU64Record,
  readFixed,
  readPoint,
  readTlvs,
  SHA256_LEN,
  SIGNATURE_LEN,
  u64Record,
  unknownTlvsField,
  writeFixed,
  writePoint,
  writeTlvs,
} from './channel-fields.ts';

export const MSG_OPEN_CHANNEL = 32;
export const MSG_ACCEPT_CHANNEL = 33;
export const MSG_FUNDING_CREATED = 34;
export const MSG_FUNDING_SIGNED = 35;
export const MSG_CHANNEL_READY = 36;

/** `channel_flags` bit 0: announce the channel (BOLT 2 / BOLT 7). */
export const CHANNEL_FLAG_ANNOUNCE = 1;

/** The six points both opening messages carry, in wire order. */
export interface ChannelBasepoints {
  readonly fundingPubkey: Uint8Array;
  readonly revocationBasepoint: Uint8Array;
  readonly paymentBasepoint: Uint8Array;
  readonly delayedPaymentBasepoint: Uint8Array;
  readonly htlcBasepoint: Uint8Array;
  readonly firstPerCommitmentPoint: Uint8Array;
}

/** The `open_channel_tlvs` / `accept_channel_tlvs` records. */
export interface OpenTlvs {
  /**
   * Type 0 `upfront_shutdown_script`: the scriptpubkey the sender will close to. Present but
   * empty means "no upfront script" (option_upfront_shutdown_script negotiated, not used).
   */
  readonly upfrontShutdownScript?: Uint8Array;
  /** Type 1 `channel_type`: a BOLT 9 feature bitfield, kept as sent. */
  readonly channelType?: Uint8Array;
  /** Unknown odd records, kept verbatim. */
  readonly unknownTlvs?: readonly TlvRecord[];
}

export interface OpenChannelMessage extends ChannelBasepoints, OpenTlvs {
  readonly type: 'open_channel';
  readonly chainHash: Uint8Array;
  readonly temporaryChannelId: Uint8Array;
  readonly fundingSatoshis: bigint;
  readonly pushMsat: bigint;
  readonly dustLimitSatoshis: bigint;
  readonly maxHtlcValueInFlightMsat: bigint;
  readonly channelReserveSatoshis: bigint;
  readonly htlcMinimumMsat: bigint;
  readonly feeratePerKw: number;
  readonly toSelfDelay: number;
  readonly maxAcceptedHtlcs: number;
  readonly channelFlags: number;
}

export interface AcceptChannelMessage extends ChannelBasepoints, OpenTlvs {
  readonly type: 'accept_channel';
  readonly temporaryChannelId: Uint8Array;
  readonly dustLimitSatoshis: bigint;
  readonly maxHtlcValueInFlightMsat: bigint;
  readonly channelReserveSatoshis: bigint;
  readonly htlcMinimumMsat: bigint;
  readonly minimumDepth: number;
  readonly toSelfDelay: number;
  readonly maxAcceptedHtlcs: number;
}

export interface FundingCreatedMessage {
  readonly type: 'funding_created';
  readonly temporaryChannelId: Uint8Array;
  /** In internal byte order (as hashed), i.e. reversed from the usual display hex. */
  readonly fundingTxid: Uint8Array;
  readonly fundingOutputIndex: number;
  readonly signature: Uint8Array;
  readonly unknownTlvs?: readonly TlvRecord[];
}

export interface FundingSignedMessage {
  readonly type: 'funding_signed';
  readonly channelId: Uint8Array;
  readonly signature: Uint8Array;
  readonly unknownTlvs?: readonly TlvRecord[];
}

export interface ChannelReadyMessage {
  readonly type: 'channel_ready';
  readonly channelId: Uint8Array;
  /** The spec's `second_per_commitment_point`. */
  readonly secondPerCommitmentPoint: Uint8Array;
  /** channel_ready_tlvs type 1 `short_channel_id_alias`. */
  readonly shortChannelIdAlias?: bigint;
  readonly unknownTlvs?: readonly TlvRecord[];
}

const TLV_UPFRONT_SHUTDOWN_SCRIPT = 0n;
const TLV_CHANNEL_TYPE = 1n;
const OPEN_KNOWN: ReadonlySet<bigint> = new Set([TLV_UPFRONT_SHUTDOWN_SCRIPT, TLV_CHANNEL_TYPE]);
const TLV_SCID_ALIAS = 1n;
const READY_KNOWN: ReadonlySet<bigint> = new Set([TLV_SCID_ALIAS]);
const NONE_KNOWN: ReadonlySet<bigint> = new Set();

function readBasepoints(r: ByteReader, msg: string): ChannelBasepoints {
  return {
    fundingPubkey: readPoint(r, `${msg}.funding_pubkey`),
    revocationBasepoint: readPoint(r, `${msg}.revocation_basepoint`),
    paymentBasepoint: readPoint(r, `${msg}.payment_basepoint`),
    delayedPaymentBasepoint: readPoint(r, `${msg}.delayed_payment_basepoint`),
    htlcBasepoint: readPoint(r, `${msg}.htlc_basepoint`),
    firstPerCommitmentPoint: readPoint(r, `${msg}.first_per_commitment_point`),
  };
}

function writeBasepoints(w: ByteWriter, m: ChannelBasepoints, msg: string): void {
  writePoint(w, m.fundingPubkey, `${msg}.funding_pubkey`);
  writePoint(w, m.revocationBasepoint, `${msg}.revocation_basepoint`);
  writePoint(w, m.paymentBasepoint, `${msg}.payment_basepoint`);
  writePoint(w, m.delayedPaymentBasepoint, `${msg}.delayed_payment_basepoint`);
  writePoint(w, m.htlcBasepoint, `${msg}.htlc_basepoint`);
  writePoint(w, m.firstPerCommitmentPoint, `${msg}.first_per_commitment_point`);
}

function readOpenTlvs(r: ByteReader, msg: string): OpenTlvs {
  const { known, unknown } = readTlvs(r, msg, OPEN_KNOWN);
  const script = known.get(TLV_UPFRONT_SHUTDOWN_SCRIPT);
  const channelType = known.get(TLV_CHANNEL_TYPE);
  return {
    ...(script ? { upfrontShutdownScript: script } : {}),
    ...(channelType ? { channelType } : {}),
    ...unknownTlvsField(unknown),
  };
}

function writeOpenTlvs(w: ByteWriter, m: OpenTlvs, msg: string): void {
  const recs: TlvRecord[] = [];
  if (m.upfrontShutdownScript) recs.push({ type: TLV_UPFRONT_SHUTDOWN_SCRIPT, value: m.upfrontShutdownScript });
  if (m.channelType) recs.push({ type: TLV_CHANNEL_TYPE, value: m.channelType });
  writeTlvs(w, msg, recs, m.unknownTlvs, OPEN_KNOWN);
}

export function decodeOpenChannel(payload: Uint8Array): OpenChannelMessage {
  const r = new ByteReader(payload);
  const msg = 'open_channel';
  const chainHash = readFixed(r, CHAIN_HASH_LEN, `${msg}.chain_hash`);
  const temporaryChannelId = readFixed(r, CHANNEL_ID_LEN, `${msg}.temporary_channel_id`);
  const fundingSatoshis = r.u64(`${msg}.funding_satoshis`);
  const pushMsat = r.u64(`${msg}.push_msat`);
  const dustLimitSatoshis = r.u64(`${msg}.dust_limit_satoshis`);
  const maxHtlcValueInFlightMsat = r.u64(`${msg}.max_htlc_value_in_flight_msat`);
  const channelReserveSatoshis = r.u64(`${msg}.channel_reserve_satoshis`);
  const htlcMinimumMsat = r.u64(`${msg}.htlc_minimum_msat`);
  const feeratePerKw = r.u32(`${msg}.feerate_per_kw`);
  const toSelfDelay = r.u16(`${msg}.to_self_delay`);
  const maxAcceptedHtlcs = r.u16(`${msg}.max_accepted_htlcs`);
  const points = readBasepoints(r, msg);
  const channelFlags = r.u8(`${msg}.channel_flags`);
  const tlvs = readOpenTlvs(r, msg);
  return {
    type: 'open_channel',
    chainHash,
    temporaryChannelId,
    fundingSatoshis,
    pushMsat,
    dustLimitSatoshis,
    maxHtlcValueInFlightMsat,
    channelReserveSatoshis,
    htlcMinimumMsat,
    feeratePerKw,
    toSelfDelay,
    maxAcceptedHtlcs,
    ...points,
    channelFlags,
    ...tlvs,
  };
}

export function encodeOpenChannel(m: OpenChannelMessage): Uint8Array {
  const msg = 'open_channel';
  const w = new ByteWriter(400).u16(MSG_OPEN_CHANNEL);
  writeFixed(w, m.chainHash, CHAIN_HASH_LEN, `${msg}.chain_hash`);
  writeFixed(w, m.temporaryChannelId, CHANNEL_ID_LEN, `${msg}.temporary_channel_id`);
  w.u64(m.fundingSatoshis, `${msg}.funding_satoshis`)
    .u64(m.pushMsat, `${msg}.push_msat`)
    .u64(m.dustLimitSatoshis, `${msg}.dust_limit_satoshis`)
    .u64(m.maxHtlcValueInFlightMsat, `${msg}.max_htlc_value_in_flight_msat`)
    .u64(m.channelReserveSatoshis, `${msg}.channel_reserve_satoshis`)
    .u64(m.htlcMinimumMsat, `${msg}.htlc_minimum_msat`)
    .u32(m.feeratePerKw, `${msg}.feerate_per_kw`)
    .u16(m.toSelfDelay, `${msg}.to_self_delay`)
    .u16(m.maxAcceptedHtlcs, `${msg}.max_accepted_htlcs`);
  writeBasepoints(w, m, msg);
  w.u8(m.channelFlags, `${msg}.channel_flags`);
  writeOpenTlvs(w, m, msg);
  return w.finish();
}

export function decodeAcceptChannel(payload: Uint8Array): AcceptChannelMessage {
  const r = new ByteReader(payload);
  const msg = 'accept_channel';
  const temporaryChannelId = readFixed(r, CHANNEL_ID_LEN, `${msg}.temporary_channel_id`);
  const dustLimitSatoshis = r.u64(`${msg}.dust_limit_satoshis`);
  const maxHtlcValueInFlightMsat = r.u64(`${msg}.max_htlc_value_in_flight_msat`);
  const channelReserveSatoshis = r.u64(`${msg}.channel_reserve_satoshis`);
  const htlcMinimumMsat = r.u64(`${msg}.htlc_minimum_msat`);
  const minimumDepth = r.u32(`${msg}.minimum_depth`);
  const toSelfDelay = r.u16(`${msg}.to_self_delay`);
  const maxAcceptedHtlcs = r.u16(`${msg}.max_accepted_htlcs`);
  const points = readBasepoints(r, msg);
  const tlvs = readOpenTlvs(r, msg);
  return {
    type: 'accept_channel',
    temporaryChannelId,
    dustLimitSatoshis,
    maxHtlcValueInFlightMsat,
    channelReserveSatoshis,
    htlcMinimumMsat,
    minimumDepth,
    toSelfDelay,
    maxAcceptedHtlcs,
    ...points,
    ...tlvs,
  };
}

export function encodeAcceptChannel(m: AcceptChannelMessage): Uint8Array {
  const msg = 'accept_channel';
  const w = new ByteWriter(300).u16(MSG_ACCEPT_CHANNEL);
  writeFixed(w, m.temporaryChannelId, CHANNEL_ID_LEN, `${msg}.temporary_channel_id`);
  w.u64(m.dustLimitSatoshis, `${msg}.dust_limit_satoshis`)
    .u64(m.maxHtlcValueInFlightMsat, `${msg}.max_htlc_value_in_flight_msat`)
    .u64(m.channelReserveSatoshis, `${msg}.channel_reserve_satoshis`)
    .u64(m.htlcMinimumMsat, `${msg}.htlc_minimum_msat`)
    .u32(m.minimumDepth, `${msg}.minimum_depth`)
    .u16(m.toSelfDelay, `${msg}.to_self_delay`)
    .u16(m.maxAcceptedHtlcs, `${msg}.max_accepted_htlcs`);
  writeBasepoints(w, m, msg);
  writeOpenTlvs(w, m, msg);
  return w.finish();
}

export function decodeFundingCreated(payload: Uint8Array): FundingCreatedMessage {
  const r = new ByteReader(payload);
  const msg = 'funding_created';
  const temporaryChannelId = readFixed(r, CHANNEL_ID_LEN, `${msg}.temporary_channel_id`);
  const fundingTxid = readFixed(r, SHA256_LEN, `${msg}.funding_txid`);
  const fundingOutputIndex = r.u16(`${msg}.funding_output_index`);
  const signature = readFixed(r, SIGNATURE_LEN, `${msg}.signature`);
  const { unknown } = readTlvs(r, msg, NONE_KNOWN);
  return { type: 'funding_created', temporaryChannelId, fundingTxid, fundingOutputIndex, signature, ...unknownTlvsField(unknown) };
}

export function encodeFundingCreated(m: FundingCreatedMessage): Uint8Array {
  const msg = 'funding_created';
  const w = new ByteWriter(140).u16(MSG_FUNDING_CREATED);
  writeFixed(w, m.temporaryChannelId, CHANNEL_ID_LEN, `${msg}.temporary_channel_id`);
  writeFixed(w, m.fundingTxid, SHA256_LEN, `${msg}.funding_txid`);
  w.u16(m.fundingOutputIndex, `${msg}.funding_output_index`);
  writeFixed(w, m.signature, SIGNATURE_LEN, `${msg}.signature`);
  writeTlvs(w, msg, [], m.unknownTlvs, NONE_KNOWN);
  return w.finish();
}

export function decodeFundingSigned(payload: Uint8Array): FundingSignedMessage {
  const r = new ByteReader(payload);
  const msg = 'funding_signed';
  const channelId = readFixed(r, CHANNEL_ID_LEN, `${msg}.channel_id`);
  const signature = readFixed(r, SIGNATURE_LEN, `${msg}.signature`);
  const { unknown } = readTlvs(r, msg, NONE_KNOWN);
  return { type: 'funding_signed', channelId, signature, ...unknownTlvsField(unknown) };
}

export function encodeFundingSigned(m: FundingSignedMessage): Uint8Array {
  const msg = 'funding_signed';
  const w = new ByteWriter(100).u16(MSG_FUNDING_SIGNED);
  writeFixed(w, m.channelId, CHANNEL_ID_LEN, `${msg}.channel_id`);
  writeFixed(w, m.signature, SIGNATURE_LEN, `${msg}.signature`);
  writeTlvs(w, msg, [], m.unknownTlvs, NONE_KNOWN);
  return w.finish();
}

export function decodeChannelReady(payload: Uint8Array): ChannelReadyMessage {
  const r = new ByteReader(payload);
  const msg = 'channel_ready';
  const channelId = readFixed(r, CHANNEL_ID_LEN, `${msg}.channel_id`);
  const secondPerCommitmentPoint = readPoint(r, `${msg}.second_per_commitment_point`);
  const { known, unknown } = readTlvs(r, msg, READY_KNOWN);
  const alias = known.get(TLV_SCID_ALIAS);
  const shortChannelIdAlias = alias ? decodeU64Record(alias, `${msg}.tlvs.short_channel_id_alias`) : undefined;
  return {
    type: 'channel_ready',
    channelId,
    secondPerCommitmentPoint,
    ...(shortChannelIdAlias !== undefined ? { shortChannelIdAlias } : {}),
    ...unknownTlvsField(unknown),
  };
}

export function encodeChannelReady(m: ChannelReadyMessage): Uint8Array {
  const msg = 'channel_ready';
  const w = new ByteWriter(90).u16(MSG_CHANNEL_READY);
  writeFixed(w, m.channelId, CHANNEL_ID_LEN, `${msg}.channel_id`);
  writePoint(w, m.secondPerCommitmentPoint, `${msg}.second_per_commitment_point`);
  const recs: TlvRecord[] = [];
  if (m.shortChannelIdAlias !== undefined) {
    recs.push({ type: TLV_SCID_ALIAS, value: u64Record(m.shortChannelIdAlias, `${msg}.short_channel_id_alias`) });
  }
  writeTlvs(w, msg, recs, m.unknownTlvs, READY_KNOWN);
  return w.finish();
}
