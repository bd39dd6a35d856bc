/**
 * BOLT 4 "Packet Construction" and "Onion Decryption" against the spec's onion-test.json: the
 * 5-hop onion with variable-size TLV payloads built byte for byte, then peeled hop by hop with
 * each hop's private key, yielding each payload and, at the end, the final hop.
 */
import { describe, expect, it } from 'vitest';
import vector from '../vectors/bolt04-onion-test.json' with { type: 'json' };
import { bytesToHex, hexToBytes } from '../../engine/lib/bytes.ts';
import { ecdh } from '../../engine/crypto/secp256k1.ts';
import { ByteReader } from '../../engine/wire/reader.ts';
import { buildOnion, peelOnion, ONION_PACKET_SIZE } from '../../engine/onion/sphinx.ts';
import { decodeHopPayload, encodeHopPayload } from '../../engine/onion/payload.ts';

/** The vector's payloads carry their BigSize length prefix; buildOnion takes the bare TLV stream. */
function stripLength(prefixed: string): Uint8Array {
  const bytes = hexToBytes(prefixed);
  const r = new ByteReader(bytes);
  const length = Number(r.bigsize('length'));
  const rest = r.rest();
  expect(rest.length).toBe(length);
  return rest;
}

const hops = vector.generate.hops.map((h) => ({ nodeId: hexToBytes(h.pubkey), payload: stripLength(h.payload) }));
const sessionKey = hexToBytes(vector.generate.session_key);
const associatedData = hexToBytes(vector.generate.associated_data);

describe('BOLT 4 onion-test.json: packet construction', () => {
  it('builds the onion byte for byte', () => {
    const built = buildOnion(hops, sessionKey, associatedData);
    expect(built.packet.length).toBe(ONION_PACKET_SIZE);
    expect(bytesToHex(built.packet)).toBe(vector.onion);
    expect(built.sharedSecrets).toHaveLength(5);
  });

  it('returns the shared secrets of onion-error-test.json (same keys), first hop first', () => {
    const built = buildOnion(hops, sessionKey, associatedData);
    expect(bytesToHex(built.sharedSecrets[0]!)).toBe('53eb63ea8a3fec3b3cd433b85cd62a4b145e1dda09391b348c4e1cd36a03ea66');
    expect(bytesToHex(built.sharedSecrets[4]!)).toBe('b5756b9b542727dbafc6765a49488b023a725d631af688fc031217e90770c328');
  });
});

describe('BOLT 4 onion-test.json: onion decryption', () => {
  it('each hop peels its layer with its private key and finds its payload; the last is final', () => {
    let packet: Uint8Array = hexToBytes(vector.onion);
    const secrets = buildOnion(hops, sessionKey, associatedData).sharedSecrets;
    vector.decode.forEach((privHex, i) => {
      const priv = hexToBytes(privHex);
      const peeled = peelOnion(packet, associatedData, (point) => ecdh(priv, point));
      const last = i === vector.decode.length - 1;
      expect(peeled.kind).toBe(last ? 'final' : 'forward');
      if (peeled.kind !== 'final' && peeled.kind !== 'forward') return;
      expect(bytesToHex(peeled.sharedSecret)).toBe(bytesToHex(secrets[i]!));
      // The decoded payload re-encodes to the TLV stream the origin put in.
      expect(bytesToHex(encodeHopPayload(peeled.payload))).toBe(bytesToHex(hops[i]!.payload));
      if (peeled.kind === 'forward') {
        expect(peeled.nextPacket.length).toBe(ONION_PACKET_SIZE);
        expect(peeled.payload.shortChannelId).toBe(BigInt(i + 1));
        packet = peeled.nextPacket;
      }
    });
  });

  it('reads the payload fields of each hop', () => {
    const first = decodeHopPayload(hops[0]!.payload, false);
    expect(first).toEqual({ amtToForwardMsat: 15000n, outgoingCltvValue: 1500, shortChannelId: 1n });
    const second = decodeHopPayload(hops[1]!.payload, false);
    expect(second.amtToForwardMsat).toBe(14000n);
    expect(second.outgoingCltvValue).toBe(1400);
    expect(second.unknownOdd?.map((r) => r.type)).toEqual([513n]);
    const final = decodeHopPayload(hops[4]!.payload, true);
    expect(final.amtToForwardMsat).toBe(10000n);
    expect(final.outgoingCltvValue).toBe(1000);
    expect(final.shortChannelId).toBeUndefined();
    expect(bytesToHex(final.paymentData!.paymentSecret)).toBe('24a33562c54507a9334e79f0dc4f17d407e6d7c61f0e2f3d0d38599502f61704');
    expect(final.paymentData!.totalMsat).toBe(10000n);
    expect(final.unknownOdd?.map((r) => r.type)).toEqual([301n]);
  });
});
