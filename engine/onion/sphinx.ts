/**
 * BOLT 4 Sphinx payment onions: "Packet Construction" (with "Shared Secret", "Blinding Ephemeral
 * Onion Keys" and "Filler Generation") and "Onion Decryption" (peeling one layer).
 *
 * Cost is elliptic-curve work, so each EC operation is done once: building an n-hop onion costs n
 * ECDH multiplications (hop key × ephemeral secret, by the onion's windowed GLV multiplication in
 * scalar-multiply.ts) plus n base-point multiplications for the ephemeral public keys (noble's
 * precomputed-table path, about 3× cheaper than multiplying the running point by the blinding
 * factor); the blinded secrets are scalar products mod n. Node ids are decompressed once (a small
 * point cache). Peeling costs the caller's one ECDH plus, for a forwarding hop, one
 * multiplication of the ephemeral key for the next hop; the key is decompressed once for both.
 */
import { concatBytes } from '../lib/bytes.ts';
import { DecodeError, ValidationError } from '../lib/errors.ts';
import { hmacSha256, sha256 } from '../crypto/hash.ts';
import { isValidSecretKey, privateMultiply, publicKeyOf } from '../crypto/secp256k1.ts';
import { ByteReader } from '../wire/reader.ts';
import { encodeBigSize } from '../wire/writer.ts';
import { FailureCode, type FailureMessage } from './failure-codes.ts';
import { invalidOnionPayload } from './failure-messages.ts';
import { constantTimeEqual, onionKey, pseudoRandomStream, xorInto } from './keys.ts';
import { decodeHopPayload, OnionPayloadError, type HopPayload } from './payload.ts';
import { decompressPoint, multiplyPoint, onionSharedSecret } from './scalar-multiply.ts';

/** `onion_routing_packet` size: version (1) + public_key (33) + hop_payloads (1300) + hmac (32). */
export const ONION_PACKET_SIZE = 1366;
/** The `hop_payloads` field's fixed size. */
export const HOP_PAYLOADS_SIZE = 1300;
const HMAC_SIZE = 32;
const PUBKEY_OFFSET = 1;
const PAYLOADS_OFFSET = 34;
const HMAC_OFFSET = PAYLOADS_OFFSET + HOP_PAYLOADS_SIZE;

/** One hop of a route: its node id and its serialised payload (`encodeHopPayload`). */
export interface OnionHop {
  readonly nodeId: Uint8Array;
  readonly payload: Uint8Array;
}

export interface BuiltOnion {
  /** The 1366-byte `onion_routing_packet`. */
  readonly packet: Uint8Array;
  /** Per hop, first hop first: what the origin needs to decode a returned failure. */
  readonly sharedSecrets: readonly Uint8Array[];
}

/** The result of peeling one layer (BOLT 4 "Onion Decryption"). */
export type PeeledOnion =
  | { readonly kind: 'final'; readonly payload: HopPayload; readonly sharedSecret: Uint8Array }
  | { readonly kind: 'forward'; readonly payload: HopPayload; readonly nextPacket: Uint8Array; readonly sharedSecret: Uint8Array }
  /** Unparsable onion: answer with update_fail_malformed_htlc (BADONION|PERM|4/5/6). */
  | { readonly kind: 'malformed'; readonly failureCode: number; readonly sha256OfOnion: Uint8Array }
  /** The layer decrypted but its payload breaks the rules: answer invalid_onion_payload in update_fail_htlc. */
  | { readonly kind: 'bad-payload'; readonly sharedSecret: Uint8Array; readonly failure: FailureMessage };

/** Bytes one hop takes in `hop_payloads`: BigSize length, payload, HMAC. */
function shiftSize(payload: Uint8Array): number {
  return encodeBigSize(payload.length).length + payload.length + HMAC_SIZE;
}

/**
 * BOLT 4 "Shared Secret" and "Blinding Ephemeral Onion Keys" for the origin: per hop the shared
 * secret and the ephemeral public key it sees.
 */
function hopSecrets(nodeIds: readonly Uint8Array[], sessionKey: Uint8Array): { sharedSecrets: Uint8Array[]; firstEphemeralKey: Uint8Array } {
  const sharedSecrets: Uint8Array[] = [];
  let secret = sessionKey;
  let firstEphemeralKey: Uint8Array | undefined;
  for (let i = 0; i < nodeIds.length; i++) {
    const ephemeralKey = publicKeyOf(secret);
    firstEphemeralKey ??= ephemeralKey;
    let ss: Uint8Array;
    try {
      ss = onionSharedSecret(secret, nodeIds[i] as Uint8Array);
    } catch (err) {
      if (err instanceof DecodeError) throw new ValidationError(`hops[${i}].nodeId`, 'not a valid public key');
      throw err;
    }
    sharedSecrets.push(ss);
    if (i + 1 < nodeIds.length) secret = privateMultiply(secret, sha256(concatBytes(ephemeralKey, ss)));
  }
  return { sharedSecrets, firstEphemeralKey: firstEphemeralKey as Uint8Array };
}

/**
 * BOLT 4 "Filler Generation": the tail every hop's left shift would bring in, pre-obfuscated with
 * the rho streams of hops 0..n-2 (the last hop does not forward). `streams[i]` is hop i's rho
 * stream of 1300 + shift_i bytes.
 */
function generateFiller(shifts: readonly number[], streams: readonly Uint8Array[]): Uint8Array {
  let filler = new Uint8Array(0);
  for (let i = 0; i < shifts.length - 1; i++) {
    const shift = shifts[i] as number;
    const grown = new Uint8Array(filler.length + shift);
    grown.set(filler);
    xorInto(grown, (streams[i] as Uint8Array).subarray(HOP_PAYLOADS_SIZE - filler.length, HOP_PAYLOADS_SIZE + shift));
    filler = grown;
  }
  return filler;
}

/**
 * BOLT 4 "Packet Construction": the onion for `hops` (first hop first), committing to
 * `associatedData` (the payment hash). Throws ValidationError naming the bad field.
 */
export function buildOnion(hops: readonly OnionHop[], sessionKey: Uint8Array, associatedData: Uint8Array): BuiltOnion {
  if (!Array.isArray(hops) || hops.length === 0) throw new ValidationError('hops', 'a route needs at least one hop');
  if (!(sessionKey instanceof Uint8Array) || !isValidSecretKey(sessionKey)) throw new ValidationError('sessionKey', 'not a valid secret key');
  if (!(associatedData instanceof Uint8Array)) throw new ValidationError('associatedData', 'must be a Uint8Array');
  const shifts: number[] = [];
  let total = 0;
  hops.forEach((hop, i) => {
    if (!(hop.nodeId instanceof Uint8Array) || hop.nodeId.length !== 33) throw new ValidationError(`hops[${i}].nodeId`, 'must be a 33-byte public key');
    if (!(hop.payload instanceof Uint8Array) || hop.payload.length < 2) throw new ValidationError(`hops[${i}].payload`, 'must be at least 2 bytes');
    const shift = shiftSize(hop.payload);
    shifts.push(shift);
    total += shift;
  });
  if (total > HOP_PAYLOADS_SIZE) throw new ValidationError('hops', `payloads take ${total} bytes, more than the ${HOP_PAYLOADS_SIZE} an onion holds`);

  const { sharedSecrets, firstEphemeralKey } = hopSecrets(
    hops.map((h) => h.nodeId),
    sessionKey,
  );
  const streams = sharedSecrets.map((ss, i) => pseudoRandomStream(onionKey('rho', ss), HOP_PAYLOADS_SIZE + (shifts[i] as number)));
  const filler = generateFiller(shifts, streams);

  const mix = pseudoRandomStream(onionKey('pad', sessionKey), HOP_PAYLOADS_SIZE);
  let nextHmac: Uint8Array = new Uint8Array(HMAC_SIZE);
  for (let i = hops.length - 1; i >= 0; i--) {
    const payload = (hops[i] as OnionHop).payload;
    const shift = shifts[i] as number;
    mix.copyWithin(shift, 0, HOP_PAYLOADS_SIZE - shift);
    const length = encodeBigSize(payload.length);
    mix.set(length, 0);
    mix.set(payload, length.length);
    mix.set(nextHmac, length.length + payload.length);
    xorInto(mix, (streams[i] as Uint8Array).subarray(0, HOP_PAYLOADS_SIZE));
    if (i === hops.length - 1) mix.set(filler, HOP_PAYLOADS_SIZE - filler.length);
    nextHmac = hmacSha256(onionKey('mu', sharedSecrets[i] as Uint8Array), concatBytes(mix, associatedData));
  }

  const packet = new Uint8Array(ONION_PACKET_SIZE);
  packet[0] = 0;
  packet.set(firstEphemeralKey, PUBKEY_OFFSET);
  packet.set(mix, PAYLOADS_OFFSET);
  packet.set(nextHmac, HMAC_OFFSET);
  return { packet, sharedSecrets };
}

function malformed(failureCode: number, packet: Uint8Array): PeeledOnion {
  return { kind: 'malformed', failureCode, sha256OfOnion: sha256(packet) };
}

function badPayload(sharedSecret: Uint8Array, tlvType: bigint, offset: number): PeeledOnion {
  return { kind: 'bad-payload', sharedSecret, failure: invalidOnionPayload(tlvType, Math.min(offset, 0xffff)) };
}

function isAllZero(bytes: Uint8Array): boolean {
  let acc = 0;
  for (const b of bytes) acc |= b;
  return acc === 0;
}

/**
 * BOLT 4 "Onion Decryption": peel one layer of `packet` with our node key. `ecdh(point)` returns
 * SHA256 of (our node secret × point), compressed. Never throws: bad bytes come back as
 * 'malformed' (version, key or HMAC) or 'bad-payload' (the decrypted payload breaks the rules).
 */
export function peelOnion(packet: Uint8Array, associatedData: Uint8Array, ecdh: (point: Uint8Array) => Uint8Array): PeeledOnion {
  if (!(packet instanceof Uint8Array)) return malformed(FailureCode.INVALID_ONION_VERSION, new Uint8Array(0));
  // A packet of the wrong size cannot be a version-0 onion.
  if (packet.length !== ONION_PACKET_SIZE || packet[0] !== 0) return malformed(FailureCode.INVALID_ONION_VERSION, packet);
  const ephemeralKey = packet.subarray(PUBKEY_OFFSET, PAYLOADS_OFFSET);
  if (!decompressPoint(ephemeralKey)) return malformed(FailureCode.INVALID_ONION_KEY, packet);
  let sharedSecret: Uint8Array;
  try {
    sharedSecret = ecdh(ephemeralKey.slice());
  } catch {
    return malformed(FailureCode.INVALID_ONION_KEY, packet);
  }
  if (!(sharedSecret instanceof Uint8Array) || sharedSecret.length !== 32) return malformed(FailureCode.INVALID_ONION_KEY, packet);
  const hopPayloads = packet.subarray(PAYLOADS_OFFSET, HMAC_OFFSET);
  const ad = associatedData instanceof Uint8Array ? associatedData : new Uint8Array(0);
  const expected = hmacSha256(onionKey('mu', sharedSecret), concatBytes(hopPayloads, ad));
  if (!constantTimeEqual(expected, packet.subarray(HMAC_OFFSET))) return malformed(FailureCode.INVALID_ONION_HMAC, packet);

  // hop_payloads followed by 1300 zero bytes, XORed with 2600 bytes of the rho stream.
  const unwrapped = pseudoRandomStream(onionKey('rho', sharedSecret), 2 * HOP_PAYLOADS_SIZE);
  xorInto(unwrapped, hopPayloads);
  const r = new ByteReader(unwrapped);
  let length: bigint;
  try {
    length = r.bigsize('payload_length');
  } catch {
    return badPayload(sharedSecret, 0n, 0);
  }
  const prefix = r.offset;
  if (length < 2n || length > BigInt(HOP_PAYLOADS_SIZE - prefix - HMAC_SIZE)) return badPayload(sharedSecret, 0n, 0);
  const payloadBytes = unwrapped.subarray(prefix, prefix + Number(length));
  const shift = prefix + Number(length) + HMAC_SIZE;
  const nextHmac = unwrapped.slice(shift - HMAC_SIZE, shift);
  const isFinal = isAllZero(nextHmac);
  let payload: HopPayload;
  try {
    payload = decodeHopPayload(payloadBytes, isFinal);
  } catch (err) {
    if (err instanceof OnionPayloadError) return badPayload(sharedSecret, err.tlvType, err.offset);
    return badPayload(sharedSecret, 0n, 0);
  }
  if (isFinal) return { kind: 'final', payload, sharedSecret };

  let nextKey: Uint8Array;
  try {
    nextKey = multiplyPoint(ephemeralKey, sha256(concatBytes(ephemeralKey, sharedSecret)));
  } catch {
    // A blinding factor ≥ n (probability ~2^-128): this onion cannot be forwarded.
    return malformed(FailureCode.INVALID_ONION_KEY, packet);
  }
  const nextPacket = new Uint8Array(ONION_PACKET_SIZE);
  nextPacket[0] = 0;
  nextPacket.set(nextKey, PUBKEY_OFFSET);
  nextPacket.set(unwrapped.subarray(shift, shift + HOP_PAYLOADS_SIZE), PAYLOADS_OFFSET);
  nextPacket.set(nextHmac, HMAC_OFFSET);
  return { kind: 'forward', payload, nextPacket, sharedSecret };
}

