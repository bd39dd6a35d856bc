/**
 * BOLT 4 "Returning Errors": the erring node's return packet (um-HMAC over a padded
 * `failuremsg`, then ammag-obfuscated), each intermediate hop's ammag obfuscation on the way back,
 * and the origin's decryption that finds which hop failed and how.
 */
import { ValidationError } from '../lib/errors.ts';
import { hmacSha256 } from '../crypto/hash.ts';
import { ByteReader } from '../wire/reader.ts';
import { ByteWriter } from '../wire/writer.ts';
import type { FailureMessage } from './failure-codes.ts';
import { decodeFailureMessage, encodeFailureMessage, failureChannelUpdate } from './failure-messages.ts';
import { constantTimeEqual, onionKey, xorWithStream } from './keys.ts';
import { verifyAttribution, type Attribution } from './attribution.ts';

/** BOLT 4: `failure_len` plus `pad_len` SHOULD be 256. */
export const FAILURE_PADDED_LENGTH = 256;
/** BOLT 4 origin requirements: keep decrypting until the loop has run 27 times. */
const DECRYPT_ROUNDS = 27;
const HMAC_SIZE = 32;

function checkSecret(sharedSecret: Uint8Array, field: string): void {
  if (!(sharedSecret instanceof Uint8Array) || sharedSecret.length !== 32) throw new ValidationError(field, 'must be a 32-byte shared secret');
}

export interface FailurePacketOptions {
  /**
   * `failure_len + pad_len` (default 256; at least 256, and never less than the failure itself).
   * Larger values hide longer failures, e.g. 1024 as in the BOLT 4 test vector.
   */
  readonly paddedLength?: number;
}

/**
 * The erring node's first error packet (BOLT 4 "Erring node"): hmac ‖ u16 failure_len ‖
 * failuremsg ‖ u16 pad_len ‖ pad, HMAC keyed with `um`, the whole XORed with the `ammag` stream.
 * `sharedSecret` is the one `peelOnion` returned for the HTLC being failed.
 */
export function createFailurePacket(sharedSecret: Uint8Array, failure: FailureMessage, opts: FailurePacketOptions = {}): Uint8Array {
  checkSecret(sharedSecret, 'sharedSecret');
  const target = opts.paddedLength ?? FAILURE_PADDED_LENGTH;
  if (!Number.isInteger(target) || target < FAILURE_PADDED_LENGTH) throw new ValidationError('paddedLength', `must be an integer ≥ ${FAILURE_PADDED_LENGTH}`);
  const message = encodeFailureMessage(failure);
  if (message.length > 0xffff) throw new ValidationError('failure', 'longer than 65535 bytes');
  const padLength = Math.max(0, target - message.length);
  const payload = new ByteWriter(4 + message.length + padLength)
    .u16(message.length)
    .bytes(message)
    .u16(padLength)
    .bytes(new Uint8Array(padLength))
    .finish();
  const packet = new Uint8Array(HMAC_SIZE + payload.length);
  packet.set(hmacSha256(onionKey('um', sharedSecret), payload), 0);
  packet.set(payload, HMAC_SIZE);
  return xorWithStream(onionKey('ammag', sharedSecret), packet);
}

/** An intermediate hop's obfuscation of a failure coming back (BOLT 4 "Intermediate nodes"). */
export function wrapFailurePacket(sharedSecret: Uint8Array, packet: Uint8Array): Uint8Array {
  checkSecret(sharedSecret, 'sharedSecret');
  if (!(packet instanceof Uint8Array)) throw new ValidationError('packet', 'must be a Uint8Array');
  return xorWithStream(onionKey('ammag', sharedSecret), packet);
}

/** The origin's reading of a returned failure. */
export interface DecodedFailure {
  /** Which hop sent it: an index into the route (and into `BuiltOnion.sharedSecrets`). */
  readonly hopIndex: number;
  readonly failure: FailureMessage;
  /** The raw channel_update (no type prefix) an UPDATE-flagged failure carries, if any. */
  readonly channelUpdate?: Uint8Array;
  /** Set when the hop's HMAC matched but its `failuremsg` could not be read (code 0 then). */
  readonly unreadable?: string;
  /**
   * With attribution data: the hold times (units of 100 ms) of the hops up to the failing one
   * whose attribution HMACs verified, first hop first.
   */
  readonly holdTimes?: readonly number[];
}

function readFailure(hopIndex: number, plain: Uint8Array): DecodedFailure {
  const r = new ByteReader(plain.subarray(HMAC_SIZE));
  let message: Uint8Array;
  try {
    message = r.u16Prefixed('failuremsg');
  } catch {
    return { hopIndex, failure: { code: 0, data: new Uint8Array(0) }, unreadable: 'failure_len exceeds the packet' };
  }
  const failure = decodeFailureMessage(message);
  if (!failure) return { hopIndex, failure: { code: 0, data: new Uint8Array(0) }, unreadable: 'failuremsg is shorter than a failure code' };
  const channelUpdate = failureChannelUpdate(failure);
  return channelUpdate ? { hopIndex, failure, channelUpdate } : { hopIndex, failure };
}

/**
 * The origin (BOLT 4 "Origin node"): peel each hop's ammag layer in route order and check its um
 * HMAC; the first hop whose HMAC matches sent the failure. Undefined when none matches (the
 * packet was corrupted on the way). Decryption runs 27 rounds whatever the answer, so the erring
 * node cannot learn its position from our timing.
 */
export function decodeFailurePacket(packet: Uint8Array, sharedSecrets: readonly Uint8Array[], attributionData?: Uint8Array): DecodedFailure | undefined {
  if (!(packet instanceof Uint8Array) || packet.length < HMAC_SIZE) return undefined;
  if (sharedSecrets.length === 0) return undefined;
  sharedSecrets.forEach((ss, i) => checkSecret(ss, `sharedSecrets[${i}]`));
  let current = packet;
  let found: DecodedFailure | undefined;
  const unwrapped: Uint8Array[] = [];
  const rounds = Math.max(DECRYPT_ROUNDS, sharedSecrets.length);
  // Each hop's keys once (the rounds past the route reuse the last hop's): the same work per round.
  const keys = sharedSecrets.map((ss) => ({ ammag: onionKey('ammag', ss), um: onionKey('um', ss) }));
  for (let i = 0; i < rounds; i++) {
    const k = keys[Math.min(i, keys.length - 1)] as { ammag: Uint8Array; um: Uint8Array };
    current = xorWithStream(k.ammag, current);
    if (i < sharedSecrets.length) unwrapped.push(current);
    const mac = hmacSha256(k.um, current.subarray(HMAC_SIZE));
    const matches = constantTimeEqual(mac, current.subarray(0, HMAC_SIZE));
    if (matches && !found && i < sharedSecrets.length) found = readFailure(i, current);
  }
  if (found && attributionData !== undefined) {
    return { ...found, holdTimes: verifyAttribution(attributionData, sharedSecrets, unwrapped, found.hopIndex).holdTimes };
  }
  return found;
}

/**
 * Attribution of a failure that `decodeFailurePacket` could not decode (BOLT 4 origin: "When the
 * failure source cannot be identified from the return packet AND `attribution_data` is present"):
 * the fault lies with the hop after `lastVerifiedHop` (or between it and the one after).
 */
export function attributeUndecodableFailure(packet: Uint8Array, attributionData: Uint8Array, sharedSecrets: readonly Uint8Array[]): Attribution {
  sharedSecrets.forEach((ss, i) => checkSecret(ss, `sharedSecrets[${i}]`));
  const unwrapped: Uint8Array[] = [];
  let current = packet instanceof Uint8Array ? packet : new Uint8Array(0);
  for (const ss of sharedSecrets) {
    current = xorWithStream(onionKey('ammag', ss), current);
    unwrapped.push(current);
  }
  return verifyAttribution(attributionData, sharedSecrets, unwrapped);
}
