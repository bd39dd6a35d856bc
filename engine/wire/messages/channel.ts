/**
 * BOLT 2 peer protocol messages: the `ChannelMessage` union and its codecs (establishment in
 * channel-open.ts, normal operation in channel-update.ts, close in channel-close.ts), plus
 * `channel_reestablish` (136) and the v1 channel id rule.
 */
import { ValidationError } from '../../lib/errors.ts';
import { ByteReader } from '../reader.ts';
import { ByteWriter } from '../writer.ts';
import type { TlvRecord } from '../tlv.ts';
import { CHANNEL_ID_LEN, readFixed, readPoint, readTlvs, unknownTlvsField, writeFixed, writePoint, writeTlvs } from './channel-fields.ts';
import type {
  AcceptChannelMessage,
  ChannelReadyMessage,
  FundingCreatedMessage,
  FundingSignedMessage,
  OpenChannelMessage,
} from './channel-open.ts';
import type {
  CommitmentSignedMessage,
  RevokeAndAckMessage,
  UpdateAddHtlcMessage,
  UpdateFailHtlcMessage,
  UpdateFailMalformedHtlcMessage,
  UpdateFeeMessage,
  UpdateFulfillHtlcMessage,
} from './channel-update.ts';
import type { ClosingSignedMessage, ShutdownMessage } from './channel-close.ts';

export * from './channel-open.ts';
export * from './channel-update.ts';
export * from './channel-close.ts';

export const MSG_CHANNEL_REESTABLISH = 136;

export interface ChannelReestablishMessage {
  readonly type: 'channel_reestablish';
  readonly channelId: Uint8Array;
  readonly nextCommitmentNumber: bigint;
  readonly nextRevocationNumber: bigint;
  /** All zeros when no revocation has been received yet. */
  readonly yourLastPerCommitmentSecret: Uint8Array;
  readonly myCurrentPerCommitmentPoint: Uint8Array;
  /** channel_reestablish_tlvs type 0 `next_funding` (dual funding / splicing), kept opaque. */
  readonly nextFunding?: Uint8Array;
  readonly unknownTlvs?: readonly TlvRecord[];
}

/** Every BOLT 2 message the engine decodes. */
export type ChannelMessage =
  | OpenChannelMessage
  | AcceptChannelMessage
  | FundingCreatedMessage
  | FundingSignedMessage
  | ChannelReadyMessage
  | ShutdownMessage
  | ClosingSignedMessage
  | UpdateAddHtlcMessage
  | UpdateFulfillHtlcMessage
  | UpdateFailHtlcMessage
  | UpdateFailMalformedHtlcMessage
  | CommitmentSignedMessage
  | RevokeAndAckMessage
  | UpdateFeeMessage
  | ChannelReestablishMessage;

const TLV_NEXT_FUNDING = 0n;
const REESTABLISH_KNOWN: ReadonlySet<bigint> = new Set([TLV_NEXT_FUNDING]);

export function decodeChannelReestablish(payload: Uint8Array): ChannelReestablishMessage {
  const r = new ByteReader(payload);
  const msg = 'channel_reestablish';
  const channelId = readFixed(r, CHANNEL_ID_LEN, `${msg}.channel_id`);
  const nextCommitmentNumber = r.u64(`${msg}.next_commitment_number`);
  const nextRevocationNumber = r.u64(`${msg}.next_revocation_number`);
  const yourLastPerCommitmentSecret = readFixed(r, 32, `${msg}.your_last_per_commitment_secret`);
  const myCurrentPerCommitmentPoint = readPoint(r, `${msg}.my_current_per_commitment_point`);
  const { known, unknown } = readTlvs(r, msg, REESTABLISH_KNOWN);
  const nextFunding = known.get(TLV_NEXT_FUNDING);
  return {
    type: 'channel_reestablish',
    channelId,
    nextCommitmentNumber,
    nextRevocationNumber,
    yourLastPerCommitmentSecret,
    myCurrentPerCommitmentPoint,
    ...(nextFunding ? { nextFunding } : {}),
    ...unknownTlvsField(unknown),
  };
}

export function encodeChannelReestablish(m: ChannelReestablishMessage): Uint8Array {
  const msg = 'channel_reestablish';
  const w = new ByteWriter(160).u16(MSG_CHANNEL_REESTABLISH);
  writeFixed(w, m.channelId, CHANNEL_ID_LEN, `${msg}.channel_id`);
  w.u64(m.nextCommitmentNumber, `${msg}.next_commitment_number`).u64(m.nextRevocationNumber, `${msg}.next_revocation_number`);
  writeFixed(w, m.yourLastPerCommitmentSecret, 32, `${msg}.your_last_per_commitment_secret`);
  writePoint(w, m.myCurrentPerCommitmentPoint, `${msg}.my_current_per_commitment_point`);
  const recs: TlvRecord[] = m.nextFunding ? [{ type: TLV_NEXT_FUNDING, value: m.nextFunding }] : [];
  writeTlvs(w, msg, recs, m.unknownTlvs, REESTABLISH_KNOWN);
  return w.finish();
}

/**
 * BOLT 2 v1 `channel_id`: the funding txid in internal byte order (as it appears in
 * `funding_created`) XORed with the funding output index, big-endian, in the last 2 bytes.
 *
 * `txid` is either display hex (the reversed form block explorers and RPCs show, 64 hex digits)
 * or 32 bytes already in internal byte order.
 */
export function channelIdFromFunding(txid: string | Uint8Array, outputIndex: number): Uint8Array {
  let internal: Uint8Array;
  if (typeof txid === 'string') {
    if (!/^[0-9a-fA-F]{64}$/.test(txid)) throw new ValidationError('funding_txid', 'expected 64 hex digits');
    internal = Uint8Array.from(txid.match(/../g)!.map((h) => parseInt(h, 16))).reverse();
  } else {
    if (!(txid instanceof Uint8Array) || txid.length !== 32) throw new ValidationError('funding_txid', 'must be 32 bytes');
    internal = txid.slice();
  }
  if (!Number.isInteger(outputIndex) || outputIndex < 0 || outputIndex > 0xffff) {
    throw new ValidationError('funding_output_index', `not a u16: ${outputIndex}`);
  }
  internal[30]! ^= outputIndex >>> 8;
  internal[31]! ^= outputIndex & 0xff;
  return internal;
}
