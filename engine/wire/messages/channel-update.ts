/**
 * BOLT 2 normal operation: `update_add_htlc` (128), `update_fulfill_htlc` (130),
 * `update_fail_htlc` (131), `commitment_signed` (132), `revoke_and_ack` (133), `update_fee` (134),
 * `update_fail_malformed_htlc` (135). Each codec decodes the payload after the 2-byte type,
 * including its TLV extension, and encodes back to the same bytes.
 */
import { DecodeError, ValidationError } from '../../lib/errors.ts';
import { ByteReader } from '../reader.ts';
import { ByteWriter } from '../writer.ts';
import type { TlvRecord } from '../tlv.ts';
import {
  CHANNEL_ID_LEN,
  ONION_PACKET_LEN,
  readFixed,
  readPoint,
  readTlvs,
  SHA256_LEN,
  SIGNATURE_LEN,
  unknownTlvsField,
  writeFixed,
  writePoint,
  writeTlvs,
} from './channel-fields.ts';

export const MSG_UPDATE_ADD_HTLC = 128;
export const MSG_UPDATE_FULFILL_HTLC = 130;
export const MSG_UPDATE_FAIL_HTLC = 131;
export const MSG_COMMITMENT_SIGNED = 132;
export const MSG_REVOKE_AND_ACK = 133;
export const MSG_UPDATE_FEE = 134;
export const MSG_UPDATE_FAIL_MALFORMED_HTLC = 135;

export interface UpdateAddHtlcMessage {
  readonly type: 'update_add_htlc';
  readonly channelId: Uint8Array;
  /** The spec's `id`. */
  readonly htlcId: bigint;
  readonly amountMsat: bigint;
  readonly paymentHash: Uint8Array;
  readonly cltvExpiry: number;
  /** 1366 bytes (BOLT 4), opaque here: the onion layer parses and validates it. */
  readonly onionRoutingPacket: Uint8Array;
  /**
   * update_add_htlc_tlvs type 0 `blinded_path` (its `path_key` point), kept as the raw record
   * value: route blinding (BOLT 4) interprets it.
   */
  readonly blindedPath?: Uint8Array;
  readonly unknownTlvs?: readonly TlvRecord[];
}

export interface UpdateFulfillHtlcMessage {
  readonly type: 'update_fulfill_htlc';
  readonly channelId: Uint8Array;
  readonly htlcId: bigint;
  readonly paymentPreimage: Uint8Array;
  readonly unknownTlvs?: readonly TlvRecord[];
}

export interface UpdateFailHtlcMessage {
  readonly type: 'update_fail_htlc';
  readonly channelId: Uint8Array;
  readonly htlcId: bigint;
  /** The encrypted BOLT 4 failure onion, opaque here. */
  readonly reason: Uint8Array;
  readonly unknownTlvs?: readonly TlvRecord[];
}

export interface UpdateFailMalformedHtlcMessage {
  readonly type: 'update_fail_malformed_htlc';
  readonly channelId: Uint8Array;
  readonly htlcId: bigint;
  readonly sha256OfOnion: Uint8Array;
  readonly failureCode: number;
  readonly unknownTlvs?: readonly TlvRecord[];
}

export interface CommitmentSignedMessage {
  readonly type: 'commitment_signed';
  readonly channelId: Uint8Array;
  readonly signature: Uint8Array;
  /** One 64-byte signature per HTLC output, in commitment-transaction output order. */
  readonly htlcSignatures: readonly Uint8Array[];
  readonly unknownTlvs?: readonly TlvRecord[];
}

export interface RevokeAndAckMessage {
  readonly type: 'revoke_and_ack';
  readonly channelId: Uint8Array;
  readonly perCommitmentSecret: Uint8Array;
  readonly nextPerCommitmentPoint: Uint8Array;
  readonly unknownTlvs?: readonly TlvRecord[];
}

export interface UpdateFeeMessage {
  readonly type: 'update_fee';
  readonly channelId: Uint8Array;
  readonly feeratePerKw: number;
  readonly unknownTlvs?: readonly TlvRecord[];
}

const TLV_BLINDED_PATH = 0n;
const ADD_KNOWN: ReadonlySet<bigint> = new Set([TLV_BLINDED_PATH]);
const NONE_KNOWN: ReadonlySet<bigint> = new Set();

export function decodeUpdateAddHtlc(payload: Uint8Array): UpdateAddHtlcMessage {
  const r = new ByteReader(payload);
  const msg = 'update_add_htlc';
  const channelId = readFixed(r, CHANNEL_ID_LEN, `${msg}.channel_id`);
  const htlcId = r.u64(`${msg}.id`);
  const amountMsat = r.u64(`${msg}.amount_msat`);
  const paymentHash = readFixed(r, SHA256_LEN, `${msg}.payment_hash`);
  const cltvExpiry = r.u32(`${msg}.cltv_expiry`);
  const onionRoutingPacket = readFixed(r, ONION_PACKET_LEN, `${msg}.onion_routing_packet`);
  const { known, unknown } = readTlvs(r, msg, ADD_KNOWN);
  const blindedPath = known.get(TLV_BLINDED_PATH);
  return {
    type: 'update_add_htlc',
    channelId,
    htlcId,
    amountMsat,
    paymentHash,
    cltvExpiry,
    onionRoutingPacket,
    ...(blindedPath ? { blindedPath } : {}),
    ...unknownTlvsField(unknown),
  };
}

export function encodeUpdateAddHtlc(m: UpdateAddHtlcMessage): Uint8Array {
  const msg = 'update_add_htlc';
  const w = new ByteWriter(1500).u16(MSG_UPDATE_ADD_HTLC);
  writeFixed(w, m.channelId, CHANNEL_ID_LEN, `${msg}.channel_id`);
  w.u64(m.htlcId, `${msg}.id`).u64(m.amountMsat, `${msg}.amount_msat`);
  writeFixed(w, m.paymentHash, SHA256_LEN, `${msg}.payment_hash`);
  w.u32(m.cltvExpiry, `${msg}.cltv_expiry`);
  writeFixed(w, m.onionRoutingPacket, ONION_PACKET_LEN, `${msg}.onion_routing_packet`);
  const recs: TlvRecord[] = m.blindedPath ? [{ type: TLV_BLINDED_PATH, value: m.blindedPath }] : [];
  writeTlvs(w, msg, recs, m.unknownTlvs, ADD_KNOWN);
  return w.finish();
}

export function decodeUpdateFulfillHtlc(payload: Uint8Array): UpdateFulfillHtlcMessage {
  const r = new ByteReader(payload);
  const msg = 'update_fulfill_htlc';
  const channelId = readFixed(r, CHANNEL_ID_LEN, `${msg}.channel_id`);
  const htlcId = r.u64(`${msg}.id`);
  const paymentPreimage = readFixed(r, 32, `${msg}.payment_preimage`);
  const { unknown } = readTlvs(r, msg, NONE_KNOWN);
  return { type: 'update_fulfill_htlc', channelId, htlcId, paymentPreimage, ...unknownTlvsField(unknown) };
}

export function encodeUpdateFulfillHtlc(m: UpdateFulfillHtlcMessage): Uint8Array {
  const msg = 'update_fulfill_htlc';
  const w = new ByteWriter(80).u16(MSG_UPDATE_FULFILL_HTLC);
  writeFixed(w, m.channelId, CHANNEL_ID_LEN, `${msg}.channel_id`);
  w.u64(m.htlcId, `${msg}.id`);
  writeFixed(w, m.paymentPreimage, 32, `${msg}.payment_preimage`);
  writeTlvs(w, msg, [], m.unknownTlvs, NONE_KNOWN);
  return w.finish();
}

export function decodeUpdateFailHtlc(payload: Uint8Array): UpdateFailHtlcMessage {
  const r = new ByteReader(payload);
  const msg = 'update_fail_htlc';
  const channelId = readFixed(r, CHANNEL_ID_LEN, `${msg}.channel_id`);
  const htlcId = r.u64(`${msg}.id`);
  const reason = r.u16Prefixed(`${msg}.reason`).slice();
  const { unknown } = readTlvs(r, msg, NONE_KNOWN);
  return { type: 'update_fail_htlc', channelId, htlcId, reason, ...unknownTlvsField(unknown) };
}

export function encodeUpdateFailHtlc(m: UpdateFailHtlcMessage): Uint8Array {
  const msg = 'update_fail_htlc';
  const w = new ByteWriter(340).u16(MSG_UPDATE_FAIL_HTLC);
  writeFixed(w, m.channelId, CHANNEL_ID_LEN, `${msg}.channel_id`);
  w.u64(m.htlcId, `${msg}.id`).u16Prefixed(m.reason, `${msg}.reason`);
  writeTlvs(w, msg, [], m.unknownTlvs, NONE_KNOWN);
  return w.finish();
}

export function decodeUpdateFailMalformedHtlc(payload: Uint8Array): UpdateFailMalformedHtlcMessage {
  const r = new ByteReader(payload);
  const msg = 'update_fail_malformed_htlc';
  const channelId = readFixed(r, CHANNEL_ID_LEN, `${msg}.channel_id`);
  const htlcId = r.u64(`${msg}.id`);
  const sha256OfOnion = readFixed(r, SHA256_LEN, `${msg}.sha256_of_onion`);
  const failureCode = r.u16(`${msg}.failure_code`);
  const { unknown } = readTlvs(r, msg, NONE_KNOWN);
  return { type: 'update_fail_malformed_htlc', channelId, htlcId, sha256OfOnion, failureCode, ...unknownTlvsField(unknown) };
}

export function encodeUpdateFailMalformedHtlc(m: UpdateFailMalformedHtlcMessage): Uint8Array {
  const msg = 'update_fail_malformed_htlc';
  const w = new ByteWriter(80).u16(MSG_UPDATE_FAIL_MALFORMED_HTLC);
  writeFixed(w, m.channelId, CHANNEL_ID_LEN, `${msg}.channel_id`);
  w.u64(m.htlcId, `${msg}.id`);
  writeFixed(w, m.sha256OfOnion, SHA256_LEN, `${msg}.sha256_of_onion`);
  w.u16(m.failureCode, `${msg}.failure_code`);
  writeTlvs(w, msg, [], m.unknownTlvs, NONE_KNOWN);
  return w.finish();
}

export function decodeCommitmentSigned(payload: Uint8Array): CommitmentSignedMessage {
  const r = new ByteReader(payload);
  const msg = 'commitment_signed';
  const channelId = readFixed(r, CHANNEL_ID_LEN, `${msg}.channel_id`);
  const signature = readFixed(r, SIGNATURE_LEN, `${msg}.signature`);
  const numHtlcs = r.u16(`${msg}.num_htlcs`);
  if (numHtlcs * SIGNATURE_LEN > r.remaining) {
    throw new DecodeError(`${msg}.htlc_signature`, `${numHtlcs} signatures need ${numHtlcs * SIGNATURE_LEN} bytes, have ${r.remaining}`);
  }
  const htlcSignatures: Uint8Array[] = [];
  for (let i = 0; i < numHtlcs; i++) htlcSignatures.push(readFixed(r, SIGNATURE_LEN, `${msg}.htlc_signature[${i}]`));
  const { unknown } = readTlvs(r, msg, NONE_KNOWN);
  return { type: 'commitment_signed', channelId, signature, htlcSignatures, ...unknownTlvsField(unknown) };
}

export function encodeCommitmentSigned(m: CommitmentSignedMessage): Uint8Array {
  const msg = 'commitment_signed';
  const w = new ByteWriter(100 + m.htlcSignatures.length * SIGNATURE_LEN).u16(MSG_COMMITMENT_SIGNED);
  writeFixed(w, m.channelId, CHANNEL_ID_LEN, `${msg}.channel_id`);
  writeFixed(w, m.signature, SIGNATURE_LEN, `${msg}.signature`);
  if (m.htlcSignatures.length > 0xffff) throw new ValidationError(`${msg}.num_htlcs`, 'more than 65535 HTLC signatures');
  w.u16(m.htlcSignatures.length, `${msg}.num_htlcs`);
  m.htlcSignatures.forEach((s, i) => writeFixed(w, s, SIGNATURE_LEN, `${msg}.htlc_signature[${i}]`));
  writeTlvs(w, msg, [], m.unknownTlvs, NONE_KNOWN);
  return w.finish();
}

export function decodeRevokeAndAck(payload: Uint8Array): RevokeAndAckMessage {
  const r = new ByteReader(payload);
  const msg = 'revoke_and_ack';
  const channelId = readFixed(r, CHANNEL_ID_LEN, `${msg}.channel_id`);
  const perCommitmentSecret = readFixed(r, 32, `${msg}.per_commitment_secret`);
  const nextPerCommitmentPoint = readPoint(r, `${msg}.next_per_commitment_point`);
  const { unknown } = readTlvs(r, msg, NONE_KNOWN);
  return { type: 'revoke_and_ack', channelId, perCommitmentSecret, nextPerCommitmentPoint, ...unknownTlvsField(unknown) };
}

export function encodeRevokeAndAck(m: RevokeAndAckMessage): Uint8Array {
  const msg = 'revoke_and_ack';
  const w = new ByteWriter(110).u16(MSG_REVOKE_AND_ACK);
  writeFixed(w, m.channelId, CHANNEL_ID_LEN, `${msg}.channel_id`);
  writeFixed(w, m.perCommitmentSecret, 32, `${msg}.per_commitment_secret`);
  writePoint(w, m.nextPerCommitmentPoint, `${msg}.next_per_commitment_point`);
  writeTlvs(w, msg, [], m.unknownTlvs, NONE_KNOWN);
  return w.finish();
}

export function decodeUpdateFee(payload: Uint8Array): UpdateFeeMessage {
  const r = new ByteReader(payload);
  const msg = 'update_fee';
  const channelId = readFixed(r, CHANNEL_ID_LEN, `${msg}.channel_id`);
  const feeratePerKw = r.u32(`${msg}.feerate_per_kw`);
  const { unknown } = readTlvs(r, msg, NONE_KNOWN);
  return { type: 'update_fee', channelId, feeratePerKw, ...unknownTlvsField(unknown) };
}

export function encodeUpdateFee(m: UpdateFeeMessage): Uint8Array {
  const msg = 'update_fee';
  const w = new ByteWriter(40).u16(MSG_UPDATE_FEE);
  writeFixed(w, m.channelId, CHANNEL_ID_LEN, `${msg}.channel_id`);
  w.u32(m.feeratePerKw, `${msg}.feerate_per_kw`);
  writeTlvs(w, msg, [], m.unknownTlvs, NONE_KNOWN);
  return w.finish();
}
