/**
 * BOLT 4 "Failure Messages": builders for the failures this node sends, the `failuremsg` codec,
 * reading a failure's fields back (including the `channel_update` of UPDATE-flagged failures),
 * and `describeFailure` in words a person understands.
 */
import { ValidationError } from '../lib/errors.ts';
import { ByteReader } from '../wire/reader.ts';
import { ByteWriter } from '../wire/writer.ts';
import { FailureCode, failureWords, type FailureMessage } from './failure-codes.ts';

export type { FailureMessage };

const EMPTY = new Uint8Array(0);

function failure(code: number, build?: (w: ByteWriter) => void): FailureMessage {
  if (!build) return { code, data: EMPTY };
  const w = new ByteWriter(32);
  build(w);
  return { code, data: w.finish() };
}

function withUpdate(w: ByteWriter, channelUpdate: Uint8Array | undefined): void {
  w.u16Prefixed(channelUpdate ?? EMPTY, 'channelUpdate');
}

function checkSha256(sha256OfOnion: Uint8Array): Uint8Array {
  if (!(sha256OfOnion instanceof Uint8Array) || sha256OfOnion.length !== 32) throw new ValidationError('sha256OfOnion', 'must be 32 bytes');
  return sha256OfOnion;
}

// ---- Final-node failures (BOLT 4 "Requirements": "An intermediate hop MUST NOT, but the final node"). ----

/** PERM|15: unknown hash, wrong payment_secret, amount too low or expiry too near; `height` is our best block. */
export function incorrectOrUnknownPaymentDetails(amountMsat: bigint, height: number): FailureMessage {
  return failure(FailureCode.INCORRECT_OR_UNKNOWN_PAYMENT_DETAILS, (w) => w.u64(amountMsat, 'htlcMsat').u32(height, 'height'));
}

/** 18: the HTLC's cltv_expiry is below the onion's outgoing_cltv_value. */
export function finalIncorrectCltvExpiry(cltvExpiry: number): FailureMessage {
  return failure(FailureCode.FINAL_INCORRECT_CLTV_EXPIRY, (w) => w.u32(cltvExpiry, 'cltvExpiry'));
}

/** 19: the HTLC's amount is below the onion's amt_to_forward. */
export function finalIncorrectHtlcAmount(incomingAmountMsat: bigint): FailureMessage {
  return failure(FailureCode.FINAL_INCORRECT_HTLC_AMOUNT, (w) => w.u64(incomingAmountMsat, 'incomingAmountMsat'));
}

/** 23: the multi-part payment did not complete in time. */
export function mppTimeout(): FailureMessage {
  return failure(FailureCode.MPP_TIMEOUT);
}

/** PERM|22: the hop payload was not understood; `tlvType`/`offset` narrow it down. */
export function invalidOnionPayload(tlvType: bigint, offset: number): FailureMessage {
  return failure(FailureCode.INVALID_ONION_PAYLOAD, (w) => w.bigsize(tlvType, 'tlvType').u16(offset, 'offset'));
}

// ---- Node-wide failures. ----

export function temporaryNodeFailure(): FailureMessage {
  return failure(FailureCode.TEMPORARY_NODE_FAILURE);
}

export function permanentNodeFailure(): FailureMessage {
  return failure(FailureCode.PERMANENT_NODE_FAILURE);
}

export function requiredNodeFeatureMissing(): FailureMessage {
  return failure(FailureCode.REQUIRED_NODE_FEATURE_MISSING);
}

// ---- Forwarding failures ("A forwarding node MAY, but a final node MUST NOT"). ----

/** BADONION failures carry the sha256 of the onion (sent in update_fail_malformed_htlc). */
export function badOnion(code: number, sha256OfOnion: Uint8Array): FailureMessage {
  if ((code & FailureCode.BADONION) === 0) throw new ValidationError('code', 'not a BADONION failure code');
  const sha = checkSha256(sha256OfOnion);
  return failure(code, (w) => w.bytes(sha));
}

export function temporaryChannelFailure(channelUpdate?: Uint8Array): FailureMessage {
  return failure(FailureCode.TEMPORARY_CHANNEL_FAILURE, (w) => withUpdate(w, channelUpdate));
}

export function permanentChannelFailure(): FailureMessage {
  return failure(FailureCode.PERMANENT_CHANNEL_FAILURE);
}

export function requiredChannelFeatureMissing(): FailureMessage {
  return failure(FailureCode.REQUIRED_CHANNEL_FEATURE_MISSING);
}

export function unknownNextPeer(): FailureMessage {
  return failure(FailureCode.UNKNOWN_NEXT_PEER);
}

export function amountBelowMinimum(htlcMsat: bigint, channelUpdate?: Uint8Array): FailureMessage {
  return failure(FailureCode.AMOUNT_BELOW_MINIMUM, (w) => withUpdate(w.u64(htlcMsat, 'htlcMsat'), channelUpdate));
}

export function feeInsufficient(htlcMsat: bigint, channelUpdate?: Uint8Array): FailureMessage {
  return failure(FailureCode.FEE_INSUFFICIENT, (w) => withUpdate(w.u64(htlcMsat, 'htlcMsat'), channelUpdate));
}

export function incorrectCltvExpiry(cltvExpiry: number, channelUpdate?: Uint8Array): FailureMessage {
  return failure(FailureCode.INCORRECT_CLTV_EXPIRY, (w) => withUpdate(w.u32(cltvExpiry, 'cltvExpiry'), channelUpdate));
}

export function expiryTooSoon(channelUpdate?: Uint8Array): FailureMessage {
  return failure(FailureCode.EXPIRY_TOO_SOON, (w) => withUpdate(w, channelUpdate));
}

export function channelDisabled(channelUpdate?: Uint8Array): FailureMessage {
  return failure(FailureCode.CHANNEL_DISABLED, (w) => withUpdate(w.u16(0, 'disabledFlags'), channelUpdate));
}

export function expiryTooFar(): FailureMessage {
  return failure(FailureCode.EXPIRY_TOO_FAR);
}

// ---- The `failuremsg` codec. ----

/** `failuremsg` bytes: the u16 code followed by its data. */
export function encodeFailureMessage(f: FailureMessage): Uint8Array {
  return new ByteWriter(2 + f.data.length).u16(f.code, 'code').bytes(f.data).finish();
}

/** Split `failuremsg` into code and data; undefined if it is shorter than a code. */
export function decodeFailureMessage(bytes: Uint8Array): FailureMessage | undefined {
  if (bytes.length < 2) return undefined;
  return { code: ((bytes[0] as number) << 8) | (bytes[1] as number), data: bytes.slice(2) };
}

// ---- Reading a failure's fields. ----

/** The fields BOLT 4 defines for a failure code, as far as they could be read. */
export interface FailureDetails {
  readonly htlcMsat?: bigint;
  readonly height?: number;
  readonly cltvExpiry?: number;
  readonly disabledFlags?: number;
  readonly sha256OfOnion?: Uint8Array;
  readonly tlvType?: bigint;
  readonly offset?: number;
  /** The raw `channel_update` message body (no type prefix), when the failure carries a non-empty one. */
  readonly channelUpdate?: Uint8Array;
}

/** channel_update's fixed part is 136 bytes; some senders prefix its message type 258 (0x0102). */
const CHANNEL_UPDATE_MIN = 136;
const CHANNEL_UPDATE_TYPE = 0x0102;

function readChannelUpdate(r: ByteReader): Uint8Array | undefined {
  const update = r.u16Prefixed('channel_update');
  if (update.length === 0) return undefined;
  const prefixed = update.length >= CHANNEL_UPDATE_MIN + 2 && ((update[0] as number) << 8 | (update[1] as number)) === CHANNEL_UPDATE_TYPE;
  return (prefixed ? update.subarray(2) : update).slice();
}

/**
 * Read the fields of a failure (BOLT 4 "Receiving Failure Codes": extra bytes are ignored).
 * Fields that are truncated are left out; this never throws.
 */
export function failureDetails(f: FailureMessage): FailureDetails {
  const r = new ByteReader(f.data);
  const out: {
    htlcMsat?: bigint;
    height?: number;
    cltvExpiry?: number;
    disabledFlags?: number;
    sha256OfOnion?: Uint8Array;
    tlvType?: bigint;
    offset?: number;
    channelUpdate?: Uint8Array;
  } = {};
  const set = (update: Uint8Array | undefined): void => {
    if (update) out.channelUpdate = update;
  };
  try {
    switch (f.code) {
      case FailureCode.INVALID_ONION_VERSION:
      case FailureCode.INVALID_ONION_HMAC:
      case FailureCode.INVALID_ONION_KEY:
      case FailureCode.INVALID_ONION_BLINDING:
        out.sha256OfOnion = r.take(32, 'sha256_of_onion').slice();
        break;
      case FailureCode.TEMPORARY_CHANNEL_FAILURE:
      case FailureCode.EXPIRY_TOO_SOON:
        set(readChannelUpdate(r));
        break;
      case FailureCode.AMOUNT_BELOW_MINIMUM:
      case FailureCode.FEE_INSUFFICIENT:
        out.htlcMsat = r.u64('htlc_msat');
        set(readChannelUpdate(r));
        break;
      case FailureCode.INCORRECT_CLTV_EXPIRY:
        out.cltvExpiry = r.u32('cltv_expiry');
        set(readChannelUpdate(r));
        break;
      case FailureCode.CHANNEL_DISABLED:
        out.disabledFlags = r.u16('disabled_flags');
        set(readChannelUpdate(r));
        break;
      case FailureCode.INCORRECT_OR_UNKNOWN_PAYMENT_DETAILS:
        out.htlcMsat = r.u64('htlc_msat');
        out.height = r.u32('height');
        break;
      case FailureCode.INCORRECT_PAYMENT_AMOUNT:
      case FailureCode.FINAL_INCORRECT_HTLC_AMOUNT:
        out.htlcMsat = r.u64('incoming_htlc_amt');
        break;
      case FailureCode.FINAL_INCORRECT_CLTV_EXPIRY:
        out.cltvExpiry = r.u32('cltv_expiry');
        break;
      case FailureCode.INVALID_ONION_PAYLOAD:
        out.tlvType = r.bigsize('type');
        out.offset = r.u16('offset');
        break;
      default:
        break;
    }
  } catch {
    // Truncated data: keep what was read (older nodes omit optional fields).
  }
  return out;
}

/** The raw `channel_update` an UPDATE-flagged failure carries, if any. */
export function failureChannelUpdate(f: FailureMessage): Uint8Array | undefined {
  if ((f.code & FailureCode.UPDATE) === 0) return undefined;
  return failureDetails(f).channelUpdate;
}

function sat(msat: bigint): string {
  return msat % 1000n === 0n ? `${msat / 1000n} sat` : `${msat} msat`;
}

/** A failure in words a person understands, with the figures it carries. */
export function describeFailure(f: FailureMessage): string {
  const words = failureWords(f.code);
  const d = failureDetails(f);
  switch (f.code) {
    case FailureCode.INCORRECT_OR_UNKNOWN_PAYMENT_DETAILS:
      return d.height !== undefined && d.htlcMsat !== undefined ? `${words}; it got ${sat(d.htlcMsat)} at block ${d.height}` : words;
    case FailureCode.FINAL_INCORRECT_HTLC_AMOUNT:
    case FailureCode.AMOUNT_BELOW_MINIMUM:
    case FailureCode.FEE_INSUFFICIENT:
      return d.htlcMsat !== undefined ? `${words} (${sat(d.htlcMsat)})` : words;
    case FailureCode.FINAL_INCORRECT_CLTV_EXPIRY:
    case FailureCode.INCORRECT_CLTV_EXPIRY:
      return d.cltvExpiry !== undefined ? `${words} (expiry ${d.cltvExpiry})` : words;
    case FailureCode.INVALID_ONION_PAYLOAD:
      return d.tlvType !== undefined ? `${words} (record ${d.tlvType} at byte ${d.offset})` : words;
    default:
      return words;
  }
}
