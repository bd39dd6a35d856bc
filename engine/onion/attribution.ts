/**
 * BOLT 4 `attribution_data` (option_attribution_data; "Initialization of `attribution_data`",
 * "Transformation of `attribution_data`", "Update of `attribution_data`", "Origin node"): 20
 * hold times (u32, units of 100 ms) and 210 truncated HMACs that let the origin check, hop by hop,
 * who touched a returned failure (or a fulfill) and how long each hop held the HTLC.
 *
 * Layout for 20 hops: hold_time(0..19) ‖ block 0 (20 HMACs) ‖ block 1 (19) ‖ … ‖ block 19 (1).
 * Block x holds the HMACs of the node x hops downstream of the one that wrote the data; within a
 * block, entries are in decreasing assumed distance to the erring node (the last entry assumes 0).
 * A node's HMAC for distance d covers the return packet as the node received it (before its own
 * ammag layer; empty for a fulfill), the first d + 1 hold times, and the d downstream HMACs
 * hmac(1, d−1), hmac(2, d−2), …, hmac(d, 0). HMACs use the `um` key truncated to 4 bytes; the
 * whole is XORed with the `ammagext` stream.
 */
import { ValidationError } from '../lib/errors.ts';
import { hmacSha256 } from '../crypto/hash.ts';
import { constantTimeEqual, xorWithStream } from './keys.ts';

/** Maximum route length the attribution data covers. */
export const ATTRIBUTION_MAX_HOPS = 20;
const HOLD_TIME_SIZE = 4;
const HMAC_SIZE = 4;
const HOLD_TIMES_SIZE = ATTRIBUTION_MAX_HOPS * HOLD_TIME_SIZE;
const HMAC_COUNT = (ATTRIBUTION_MAX_HOPS * (ATTRIBUTION_MAX_HOPS + 1)) / 2;
/** 80 bytes of hold times + 210 × 4 bytes of HMACs. */
export const ATTRIBUTION_DATA_LENGTH = HOLD_TIMES_SIZE + HMAC_COUNT * HMAC_SIZE;

const UM = new Uint8Array([0x75, 0x6d]);
const AMMAGEXT = new Uint8Array([0x61, 0x6d, 0x6d, 0x61, 0x67, 0x65, 0x78, 0x74]);

function keys(sharedSecret: Uint8Array): { um: Uint8Array; ammagext: Uint8Array } {
  return { um: hmacSha256(UM, sharedSecret), ammagext: hmacSha256(AMMAGEXT, sharedSecret) };
}

/** Byte offset of entry `entry` of block `block`. */
function hmacOffset(block: number, entry: number): number {
  return HOLD_TIMES_SIZE + (ATTRIBUTION_MAX_HOPS * block - (block * (block - 1)) / 2 + entry) * HMAC_SIZE;
}

/**
 * The HMAC entries `fromEntry`…19 of block 0, given block 0's hold times and the blocks below it
 * (`downstream(j, entry)` = entry `entry` of block j + 1).
 */
function ownHmacs(
  um: Uint8Array,
  packet: Uint8Array,
  holdTimes: Uint8Array,
  downstream: (j: number, entry: number) => Uint8Array,
  fromEntry: number,
): Uint8Array[] {
  const out: Uint8Array[] = [];
  for (let entry = fromEntry; entry < ATTRIBUTION_MAX_HOPS; entry++) {
    const distance = ATTRIBUTION_MAX_HOPS - 1 - entry;
    const message = new Uint8Array(packet.length + (distance + 1) * HOLD_TIME_SIZE + distance * HMAC_SIZE);
    message.set(packet, 0);
    message.set(holdTimes.subarray(0, (distance + 1) * HOLD_TIME_SIZE), packet.length);
    let at = packet.length + (distance + 1) * HOLD_TIME_SIZE;
    for (let j = 0; j < distance; j++) {
      message.set(downstream(j, entry), at);
      at += HMAC_SIZE;
    }
    out.push(hmacSha256(um, message).subarray(0, HMAC_SIZE));
  }
  return out;
}

function checkHoldTime(holdTime: number): number {
  if (!Number.isInteger(holdTime) || holdTime < 0 || holdTime > 0xffffffff) throw new ValidationError('holdTime', 'must be a u32 (units of 100 ms)');
  return holdTime;
}

/**
 * This node's step (BOLT 4 "Initialization" at the erring or final node, "Transformation" and
 * "Update" at an intermediate one): shift `downstream` (absent: all zeroes), put our hold time
 * first, add our 20 HMACs over `packet`, obfuscate with ammagext.
 *
 * `packet` is the return packet before our ammag layer: at the erring node the raw
 * hmac ‖ failure_len ‖ … packet, at an intermediate node the packet as received; empty (or
 * absent) for update_fulfill_htlc. `holdTime` is in units of 100 ms.
 */
export function addAttribution(sharedSecret: Uint8Array, holdTime: number, packet?: Uint8Array, downstream?: Uint8Array): Uint8Array {
  if (!(sharedSecret instanceof Uint8Array) || sharedSecret.length !== 32) throw new ValidationError('sharedSecret', 'must be a 32-byte shared secret');
  if (downstream !== undefined && (!(downstream instanceof Uint8Array) || downstream.length !== ATTRIBUTION_DATA_LENGTH)) {
    throw new ValidationError('downstream', `attribution data must be ${ATTRIBUTION_DATA_LENGTH} bytes`);
  }
  const prev = downstream ?? new Uint8Array(ATTRIBUTION_DATA_LENGTH);
  const { um, ammagext } = keys(sharedSecret);
  const out = new Uint8Array(ATTRIBUTION_DATA_LENGTH);
  new DataView(out.buffer).setUint32(0, checkHoldTime(holdTime));
  out.set(prev.subarray(0, HOLD_TIMES_SIZE - HOLD_TIME_SIZE), HOLD_TIME_SIZE);
  // Shift and prune: previous block j without its first entry becomes our block j + 1.
  for (let j = 0; j < ATTRIBUTION_MAX_HOPS - 1; j++) {
    const kept = prev.subarray(hmacOffset(j, 1), hmacOffset(j, ATTRIBUTION_MAX_HOPS - j));
    out.set(kept, hmacOffset(j + 1, 0));
  }
  const own = ownHmacs(um, packet ?? new Uint8Array(0), out.subarray(0, HOLD_TIMES_SIZE), (j, entry) => out.subarray(hmacOffset(j + 1, entry), hmacOffset(j + 1, entry) + HMAC_SIZE), 0);
  own.forEach((mac, entry) => out.set(mac, hmacOffset(0, entry)));
  return xorWithStream(ammagext, out);
}

/**
 * The origin's check of one hop (BOLT 4 "Origin node"): remove the hop's ammagext layer, verify
 * its HMACs for every distance up to `remainingHops − 1` over `packet` (the return packet after
 * removing this hop's ammag layer; empty for a fulfill), and rebuild the data as the next hop
 * wrote it. Undefined if an HMAC does not match.
 */
function unwrapHop(data: Uint8Array, packet: Uint8Array, sharedSecret: Uint8Array, remainingHops: number): { holdTime: number; next: Uint8Array } | undefined {
  const { um, ammagext } = keys(sharedSecret);
  const plain = xorWithStream(ammagext, data);
  const fromEntry = ATTRIBUTION_MAX_HOPS - Math.min(remainingHops, ATTRIBUTION_MAX_HOPS);
  const expected = ownHmacs(um, packet, plain.subarray(0, HOLD_TIMES_SIZE), (j, entry) => plain.subarray(hmacOffset(j + 1, entry), hmacOffset(j + 1, entry) + HMAC_SIZE), fromEntry);
  for (let k = 0; k < expected.length; k++) {
    const at = hmacOffset(0, fromEntry + k);
    if (!constantTimeEqual(expected[k] as Uint8Array, plain.subarray(at, at + HMAC_SIZE))) return undefined;
  }
  const holdTime = new DataView(plain.buffer, plain.byteOffset, HOLD_TIME_SIZE).getUint32(0);
  const next = new Uint8Array(ATTRIBUTION_DATA_LENGTH);
  next.set(plain.subarray(HOLD_TIME_SIZE, HOLD_TIMES_SIZE), 0);
  // Our block j + 1 was the next hop's block j minus its first entry (left zero here).
  for (let j = 0; j < ATTRIBUTION_MAX_HOPS - 1; j++) {
    next.set(plain.subarray(hmacOffset(j + 1, 0), hmacOffset(j + 1, ATTRIBUTION_MAX_HOPS - j - 1)), hmacOffset(j, 1));
  }
  return { holdTime, next };
}

/** What the origin learnt from attribution data. */
export interface Attribution {
  /** Hold times (units of 100 ms) of the hops whose HMACs verified, first hop first. */
  readonly holdTimes: readonly number[];
  /**
   * Index of the last hop whose HMACs verified (−1: not even the first hop's). When a failure
   * cannot be decoded, the fault lies with this hop or the next one.
   */
  readonly lastVerifiedHop: number;
}

/**
 * Walk the attribution data from the first hop on. `packets[i]` is the return packet after
 * removing hop i's ammag layer (omit `packets` for a fulfill). Stops at the first hop whose HMACs
 * do not verify, or after `stopAfterHop` (the hop that sent a decoded failure).
 */
export function verifyAttribution(
  attributionData: Uint8Array,
  sharedSecrets: readonly Uint8Array[],
  packets?: readonly Uint8Array[],
  stopAfterHop = sharedSecrets.length - 1,
): Attribution {
  const holdTimes: number[] = [];
  if (!(attributionData instanceof Uint8Array) || attributionData.length !== ATTRIBUTION_DATA_LENGTH) return { holdTimes, lastVerifiedHop: -1 };
  let data = attributionData;
  const last = Math.min(stopAfterHop, sharedSecrets.length - 1, ATTRIBUTION_MAX_HOPS - 1);
  for (let i = 0; i <= last; i++) {
    const ss = sharedSecrets[i];
    if (!(ss instanceof Uint8Array) || ss.length !== 32) throw new ValidationError(`sharedSecrets[${i}]`, 'must be a 32-byte shared secret');
    const step = unwrapHop(data, packets?.[i] ?? new Uint8Array(0), ss, sharedSecrets.length - i);
    if (!step) break;
    holdTimes.push(step.holdTime);
    data = step.next;
  }
  return { holdTimes, lastVerifiedHop: holdTimes.length - 1 };
}
