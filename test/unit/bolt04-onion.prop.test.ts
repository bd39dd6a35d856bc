/**
 * BOLT 4 properties: build → peel round-trips for random 1–20 hop routes with random payloads
 * (each hop gets its own payload and the next packet; the last is final); a failure created at
 * any hop and wrapped back is attributed to that hop; random bytes fed to the peeler, the payload
 * decoder and the failure decoder never throw.
 */
import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { concatBytes } from '../../engine/lib/bytes.ts';
import { hmacSha256, sha256 } from '../../engine/crypto/hash.ts';
import { ecdh, publicKeyOf } from '../../engine/crypto/secp256k1.ts';
import { buildOnion, HOP_PAYLOADS_SIZE, ONION_PACKET_SIZE, peelOnion } from '../../engine/onion/sphinx.ts';
import { onionKey, pseudoRandomStream } from '../../engine/onion/keys.ts';
import { decodeHopPayload, encodeHopPayload, OnionPayloadError, type HopPayload } from '../../engine/onion/payload.ts';
import { createFailurePacket, decodeFailurePacket, wrapFailurePacket } from '../../engine/onion/failure-packet.ts';
import { ALL_FAILURE_CODES } from '../../engine/onion/failure-codes.ts';

const NODE_SECRETS = Array.from({ length: 20 }, (_, i) => sha256(Uint8Array.of(i, 0x0b, 0x04)));
const NODE_IDS = NODE_SECRETS.map((s) => publicKeyOf(s));
const secretKey = fc.uint8Array({ minLength: 32, maxLength: 32 }).map((b) => sha256(b));
const u64 = fc.bigInt({ min: 0n, max: 2n ** 64n - 1n });
const u32 = fc.integer({ min: 0, max: 0xffffffff });
const oddRecords = fc
  .uniqueArray(fc.bigInt({ min: 0n, max: 2n ** 32n }).map((t) => t * 2n + 1n), { maxLength: 2 })
  .chain((types) => fc.tuple(...types.map((type) => fc.uint8Array({ maxLength: 12 }).map((value) => ({ type, value })))));

const forwardPayload: fc.Arbitrary<HopPayload> = fc.record(
  { amtToForwardMsat: u64, outgoingCltvValue: u32, shortChannelId: u64, unknownOdd: oddRecords },
  { requiredKeys: ['amtToForwardMsat', 'outgoingCltvValue', 'shortChannelId'] },
);
const finalPayload: fc.Arbitrary<HopPayload> = fc.record(
  {
    amtToForwardMsat: u64,
    outgoingCltvValue: u32,
    paymentData: fc.record({ paymentSecret: fc.uint8Array({ minLength: 32, maxLength: 32 }), totalMsat: u64 }),
    paymentMetadata: fc.uint8Array({ maxLength: 40 }),
    keysendPreimage: fc.uint8Array({ minLength: 32, maxLength: 32 }),
    unknownOdd: oddRecords,
  },
  { requiredKeys: ['amtToForwardMsat', 'outgoingCltvValue'] },
);
/** Routes of 1–20 distinct nodes whose payloads fit in 1300 bytes. */
const route = fc
  .integer({ min: 1, max: 20 })
  .chain((n) => fc.tuple(fc.array(forwardPayload, { minLength: n - 1, maxLength: n - 1 }), finalPayload))
  .map(([forwards, last]) => [...forwards, last])
  .filter((payloads) => payloads.reduce((sum, p) => sum + encodeHopPayload(p).length + 3 + 32, 0) <= HOP_PAYLOADS_SIZE);

/** An empty unknownOdd list decodes as absent; compare like for like. */
function normalise(p: HopPayload): HopPayload {
  const { unknownOdd, ...rest } = p;
  return unknownOdd && unknownOdd.length > 0 ? { ...rest, unknownOdd: [...unknownOdd].sort((a, b) => (a.type < b.type ? -1 : 1)) } : rest;
}

describe('BOLT 4 properties', () => {
  it('build → peel round-trips every hop of random 1–20 hop routes', () => {
    fc.assert(
      fc.property(route, secretKey, fc.uint8Array({ minLength: 32, maxLength: 32 }), (payloads, sessionKey, paymentHash) => {
        const hops = payloads.map((p, i) => ({ nodeId: NODE_IDS[i]!, payload: encodeHopPayload(p) }));
        const built = buildOnion(hops, sessionKey, paymentHash);
        let packet = built.packet;
        payloads.forEach((expected, i) => {
          const peeled = peelOnion(packet, paymentHash, (point) => ecdh(NODE_SECRETS[i]!, point));
          const last = i === payloads.length - 1;
          expect(peeled.kind).toBe(last ? 'final' : 'forward');
          if (peeled.kind !== 'final' && peeled.kind !== 'forward') return;
          expect(peeled.payload).toEqual(normalise(expected));
          expect(peeled.sharedSecret).toEqual(built.sharedSecrets[i]);
          if (peeled.kind === 'forward') packet = peeled.nextPacket;
        });
      }),
      { numRuns: 25 },
    );
  });

  it('a failure created at any hop and wrapped back is attributed to that hop with its code', () => {
    fc.assert(
      fc.property(
        fc.array(fc.uint8Array({ minLength: 32, maxLength: 32 }), { minLength: 1, maxLength: 27 }),
        fc.nat(),
        fc.constantFrom(...ALL_FAILURE_CODES),
        fc.uint8Array({ maxLength: 300 }),
        (secrets, pick, code, data) => {
          const erring = pick % secrets.length;
          let packet = createFailurePacket(secrets[erring]!, { code, data });
          for (let hop = erring - 1; hop >= 0; hop--) packet = wrapFailurePacket(secrets[hop]!, packet);
          const decoded = decodeFailurePacket(packet, secrets);
          // Equal secrets earlier in the route would claim it first; random 32-byte secrets never collide.
          expect(decoded?.hopIndex).toBe(erring);
          expect(decoded?.failure.code).toBe(code);
          expect(decoded?.failure.data).toEqual(data);
        },
      ),
      { numRuns: 100 },
    );
  });

  it('peeling random bytes never throws', () => {
    const ourEcdh = (point: Uint8Array): Uint8Array => ecdh(NODE_SECRETS[0]!, point);
    fc.assert(
      fc.property(fc.uint8Array({ minLength: 0, maxLength: ONION_PACKET_SIZE + 2 }), fc.boolean(), (bytes, versionZero) => {
        const packet = bytes.slice();
        if (versionZero && packet.length > 0) packet[0] = 0;
        const peeled = peelOnion(packet, new Uint8Array(32), ourEcdh);
        expect(peeled.kind).toBe('malformed');
      }),
      { numRuns: 200 },
    );
  });

  it('random decrypted hop_payloads behind a valid HMAC never throw: final, forward or bad-payload', () => {
    const nodeSecret = NODE_SECRETS[1]!;
    fc.assert(
      fc.property(secretKey, fc.uint8Array({ maxLength: 400 }), fc.uint8Array({ minLength: 32, maxLength: 32 }), (session, clearStart, ad) => {
        const ss = ecdh(session, NODE_IDS[1]!);
        const clear = new Uint8Array(HOP_PAYLOADS_SIZE);
        clear.set(clearStart);
        const stream = pseudoRandomStream(onionKey('rho', ss), HOP_PAYLOADS_SIZE);
        const hopPayloads = clear.map((b, i) => b ^ stream[i]!);
        const hmac = hmacSha256(onionKey('mu', ss), concatBytes(hopPayloads, ad));
        const packet = concatBytes(new Uint8Array([0]), publicKeyOf(session), hopPayloads, hmac);
        const peeled = peelOnion(packet, ad, (point) => ecdh(nodeSecret, point));
        expect(['final', 'forward', 'bad-payload']).toContain(peeled.kind);
      }),
      { numRuns: 100 },
    );
  });

  it('the payload decoder throws only OnionPayloadError on random bytes', () => {
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 120 }), fc.boolean(), (bytes, isFinal) => {
        try {
          decodeHopPayload(bytes, isFinal);
        } catch (err) {
          expect(err).toBeInstanceOf(OnionPayloadError);
        }
      }),
      { numRuns: 500 },
    );
  });

  it('the failure decoder never throws on random packets', () => {
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 600 }), fc.array(fc.uint8Array({ minLength: 32, maxLength: 32 }), { maxLength: 5 }), (packet, secrets) => {
        const decoded = decodeFailurePacket(packet, secrets);
        if (decoded) expect(decoded.hopIndex).toBeLessThan(secrets.length);
      }),
      { numRuns: 300 },
    );
  });
});
