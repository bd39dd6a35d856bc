/**
 * BOLT 4 "Onion Decryption" requirements on bad input: wrong size, unknown version, unparsable
 * public key and wrong HMAC give 'malformed' with the right BADONION code and the onion's sha256
 * (for update_fail_malformed_htlc); a layer that decrypts but whose payload is truncated,
 * overlong or breaks the "`payload` format" reader rules gives 'bad-payload' with
 * invalid_onion_payload naming the TLV type and offset.
 */
import { describe, expect, it } from 'vitest';
import { bytesToHex, concatBytes, hexToBytes } from '../../engine/lib/bytes.ts';
import { ValidationError } from '../../engine/lib/errors.ts';
import { hmacSha256, sha256 } from '../../engine/crypto/hash.ts';
import { ecdh, publicKeyOf } from '../../engine/crypto/secp256k1.ts';
import { buildOnion, HOP_PAYLOADS_SIZE, ONION_PACKET_SIZE, peelOnion, type PeeledOnion } from '../../engine/onion/sphinx.ts';
import { onionKey, pseudoRandomStream } from '../../engine/onion/keys.ts';
import { decodeHopPayload, encodeHopPayload, OnionPayloadError } from '../../engine/onion/payload.ts';
import { FailureCode } from '../../engine/onion/failure-codes.ts';
import { failureDetails } from '../../engine/onion/failure-messages.ts';

const nodeSecret = sha256(new TextEncoder().encode('glint onion test node'));
const nodeId = publicKeyOf(nodeSecret);
const sessionKey = sha256(new TextEncoder().encode('glint onion test session'));
const paymentHash = sha256(new TextEncoder().encode('glint onion test preimage'));
const ourEcdh = (point: Uint8Array): Uint8Array => ecdh(nodeSecret, point);

const finalPayload = encodeHopPayload({ amtToForwardMsat: 1000n, outgoingCltvValue: 800_018 });

/**
 * A one-hop onion whose decrypted `hop_payloads` is exactly `plaintext` (zero-padded to 1300),
 * sealed with a valid HMAC: the way to reach the payload checks with bytes buildOnion refuses.
 */
function sealOneHop(plaintext: Uint8Array): Uint8Array {
  const ss = ecdh(sessionKey, nodeId);
  const clear = new Uint8Array(HOP_PAYLOADS_SIZE);
  clear.set(plaintext);
  const stream = pseudoRandomStream(onionKey('rho', ss), HOP_PAYLOADS_SIZE);
  const hopPayloads = clear.map((b, i) => b ^ stream[i]!);
  const hmac = hmacSha256(onionKey('mu', ss), concatBytes(hopPayloads, paymentHash));
  return concatBytes(new Uint8Array([0]), publicKeyOf(sessionKey), hopPayloads, hmac);
}

function expectMalformed(peeled: PeeledOnion, code: number, onion: Uint8Array): void {
  expect(peeled.kind).toBe('malformed');
  if (peeled.kind !== 'malformed') return;
  expect(peeled.failureCode).toBe(code);
  expect(bytesToHex(peeled.sha256OfOnion)).toBe(bytesToHex(sha256(onion)));
}

function expectBadPayload(peeled: PeeledOnion, tlvType: bigint, offset: number): void {
  expect(peeled.kind).toBe('bad-payload');
  if (peeled.kind !== 'bad-payload') return;
  expect(peeled.failure.code).toBe(FailureCode.INVALID_ONION_PAYLOAD);
  expect(failureDetails(peeled.failure)).toMatchObject({ tlvType, offset });
}

describe('BOLT 4 Onion Decryption: unparsable onions are malformed (BADONION)', () => {
  const good = buildOnion([{ nodeId, payload: finalPayload }], sessionKey, paymentHash).packet;

  it('a valid one-hop onion peels to final', () => {
    const peeled = peelOnion(good, paymentHash, ourEcdh);
    expect(peeled.kind).toBe('final');
    if (peeled.kind === 'final') expect(peeled.payload).toEqual({ amtToForwardMsat: 1000n, outgoingCltvValue: 800_018 });
  });

  it('wrong length → invalid_onion_version', () => {
    for (const bad of [good.subarray(0, ONION_PACKET_SIZE - 1), concatBytes(good, new Uint8Array(1)), new Uint8Array(0)]) {
      expectMalformed(peelOnion(bad, paymentHash, ourEcdh), FailureCode.INVALID_ONION_VERSION, bad);
    }
  });

  it('version other than 0 → invalid_onion_version', () => {
    const bad = good.slice();
    bad[0] = 1;
    expectMalformed(peelOnion(bad, paymentHash, ourEcdh), FailureCode.INVALID_ONION_VERSION, bad);
  });

  it('a public key not on the curve, or with a bad prefix → invalid_onion_key', () => {
    const offCurve = good.slice();
    offCurve.set(hexToBytes('02' + '00'.repeat(31) + '07'), 1); // x = 7: x³+7 = 350 is not a square mod p
    expectMalformed(peelOnion(offCurve, paymentHash, ourEcdh), FailureCode.INVALID_ONION_KEY, offCurve);
    const badPrefix = good.slice();
    badPrefix[1] = 0x04;
    expectMalformed(peelOnion(badPrefix, paymentHash, ourEcdh), FailureCode.INVALID_ONION_KEY, badPrefix);
  });

  it('an ecdh that throws → invalid_onion_key, not a crash', () => {
    const peeled = peelOnion(good, paymentHash, () => {
      throw new Error('key unavailable');
    });
    expectMalformed(peeled, FailureCode.INVALID_ONION_KEY, good);
  });

  it('a flipped payload bit, a flipped HMAC bit or other associated data → invalid_onion_hmac', () => {
    const flippedPayload = good.slice();
    flippedPayload[500] = flippedPayload[500]! ^ 0x01;
    expectMalformed(peelOnion(flippedPayload, paymentHash, ourEcdh), FailureCode.INVALID_ONION_HMAC, flippedPayload);
    const flippedHmac = good.slice();
    flippedHmac[ONION_PACKET_SIZE - 1] = flippedHmac[ONION_PACKET_SIZE - 1]! ^ 0x80;
    expectMalformed(peelOnion(flippedHmac, paymentHash, ourEcdh), FailureCode.INVALID_ONION_HMAC, flippedHmac);
    expectMalformed(peelOnion(good, new Uint8Array(32), ourEcdh), FailureCode.INVALID_ONION_HMAC, good);
  });

  it('an onion for another node → invalid_onion_hmac', () => {
    const other = sha256(new TextEncoder().encode('someone else'));
    expectMalformed(peelOnion(good, paymentHash, (p) => ecdh(other, p)), FailureCode.INVALID_ONION_HMAC, good);
  });
});

describe('BOLT 4 Onion Decryption: a bad payload is invalid_onion_payload', () => {
  it('the sealing helper itself yields a final hop for a good payload', () => {
    expect(peelOnion(sealOneHop(concatBytes(new Uint8Array([finalPayload.length]), finalPayload)), paymentHash, ourEcdh).kind).toBe('final');
  });

  it('payload_length 0 or 1 (reserved) is refused', () => {
    expectBadPayload(peelOnion(sealOneHop(new Uint8Array([0])), paymentHash, ourEcdh), 0n, 0);
    expectBadPayload(peelOnion(sealOneHop(new Uint8Array([1, 2])), paymentHash, ourEcdh), 0n, 0);
  });

  it('a payload_length beyond hop_payloads (overlong) is refused', () => {
    expectBadPayload(peelOnion(sealOneHop(hexToBytes('fd0500')), paymentHash, ourEcdh), 0n, 0);
    expectBadPayload(peelOnion(sealOneHop(hexToBytes('fd04f2')), paymentHash, ourEcdh), 0n, 0); // 1266 + 3 + 32 > 1300
  });

  it('a non-canonical payload_length BigSize is refused', () => {
    expectBadPayload(peelOnion(sealOneHop(hexToBytes('fd0010')), paymentHash, ourEcdh), 0n, 0);
  });

  it('a truncated TLV record inside the payload names its type and offset', () => {
    // length 8: amt (02 02 03e8) then type 4 claiming 9 bytes with 2 left.
    expectBadPayload(peelOnion(sealOneHop(hexToBytes('08020203e80409aabb')), paymentHash, ourEcdh), 4n, 4);
  });

  it('an unknown even type names its type and offset', () => {
    const stream = concatBytes(finalPayload, hexToBytes('fe0001000201ff'));
    expectBadPayload(peelOnion(sealOneHop(concatBytes(new Uint8Array([stream.length]), stream)), paymentHash, ourEcdh), 65538n, finalPayload.length);
  });
});

describe('BOLT 4 "`payload` format" reader requirements', () => {
  const reject = (hex: string, isFinal: boolean, tlvType: bigint, offset: number): void => {
    let caught: unknown;
    try {
      decodeHopPayload(hexToBytes(hex), isFinal);
    } catch (err) {
      caught = err;
    }
    expect(caught).toBeInstanceOf(OnionPayloadError);
    expect((caught as OnionPayloadError).tlvType).toBe(tlvType);
    expect((caught as OnionPayloadError).offset).toBe(offset);
    expect((caught as OnionPayloadError).code).toBe(FailureCode.INVALID_ONION_PAYLOAD);
  };

  it('missing amt_to_forward or outgoing_cltv_value', () => {
    reject('040203e8', true, 2n, 0);
    reject('020203e8', true, 4n, 0);
  });

  it('a forwarding hop needs short_channel_id and must not carry payment_data', () => {
    reject('020203e8040203e8', false, 6n, 0);
    reject('020203e8040203e806080000000000000001082000000000000000000000000000000000000000000000000000000000000000', false, 8n, 18);
  });

  it('the final hop must not carry short_channel_id', () => {
    reject('020203e8040203e806080000000000000001', true, 6n, 8);
  });

  it('types must strictly increase; duplicates are refused', () => {
    reject('040203e8020203e8', true, 2n, 4);
    reject('020203e8020203e8040203e8', true, 2n, 4);
  });

  it('truncated integers must be minimal and fit', () => {
    reject('02020001040203e8', true, 2n, 0);
    reject('020203e804050102030405', true, 4n, 4);
  });

  it('unknown odd types are kept, known ones decode', () => {
    const p = decodeHopPayload(hexToBytes('020203e8040203e8060800000000000000070b03aabbcc'), false);
    expect(p).toEqual({ amtToForwardMsat: 1000n, outgoingCltvValue: 1000, shortChannelId: 7n, unknownOdd: [{ type: 11n, value: hexToBytes('aabbcc') }] });
  });

  it('payment_data, payment_metadata and the keysend preimage on the final hop round-trip', () => {
    const p = {
      amtToForwardMsat: 5000n,
      outgoingCltvValue: 144,
      paymentData: { paymentSecret: new Uint8Array(32).fill(9), totalMsat: 10_000n },
      paymentMetadata: hexToBytes('0102'),
      keysendPreimage: new Uint8Array(32).fill(7),
    };
    expect(decodeHopPayload(encodeHopPayload(p), true)).toEqual(p);
  });

  it('encodeHopPayload refuses values it cannot put on the wire, naming the field', () => {
    const bad: [object, string][] = [
      [{ amtToForwardMsat: -1n, outgoingCltvValue: 1 }, 'amtToForwardMsat'],
      [{ amtToForwardMsat: 1n, outgoingCltvValue: 2 ** 32 }, 'outgoingCltvValue'],
      [{ amtToForwardMsat: 1n, outgoingCltvValue: 1, shortChannelId: 1n, paymentData: { paymentSecret: new Uint8Array(32), totalMsat: 1n } }, 'paymentData'],
      [{ amtToForwardMsat: 1n, outgoingCltvValue: 1, paymentData: { paymentSecret: new Uint8Array(31), totalMsat: 1n } }, 'paymentData.paymentSecret'],
      [{ amtToForwardMsat: 1n, outgoingCltvValue: 1, unknownOdd: [{ type: 10n, value: new Uint8Array() }] }, 'unknownOdd'],
    ];
    for (const [payload, field] of bad) {
      expect(() => encodeHopPayload(payload as never)).toThrow(ValidationError);
      try {
        encodeHopPayload(payload as never);
      } catch (err) {
        expect((err as ValidationError).field).toBe(field);
      }
    }
  });

  it('buildOnion refuses routes that do not fit, naming the field', () => {
    const big = new Uint8Array(700).fill(1);
    expect(() => buildOnion([{ nodeId, payload: big }, { nodeId, payload: big }], sessionKey, paymentHash)).toThrow(/hops: payloads take/);
    expect(() => buildOnion([], sessionKey, paymentHash)).toThrow(ValidationError);
    expect(() => buildOnion([{ nodeId: new Uint8Array(33), payload: finalPayload }], sessionKey, paymentHash)).toThrow(/hops\[0\]\.nodeId/);
    expect(() => buildOnion([{ nodeId, payload: finalPayload }], new Uint8Array(32), paymentHash)).toThrow(/sessionKey/);
  });
});
