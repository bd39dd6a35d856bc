/**
 * BOLT 4 `attribution_data` (option_attribution_data) against the "Test Vector" trace of
 * bolt04-returning-errors.json: the erring node's initialization and every intermediate node's
 * transformation and update give the vector's attribution_data byte for byte, for a failure and
 * for a success ("Returning success"); the origin verifies every hop and reads the hold times; a
 * tampered hop is located.
 */
import { describe, expect, it } from 'vitest';
import returning from '../vectors/bolt04-returning-errors.json' with { type: 'json' };
import onionVector from '../vectors/bolt04-onion-test.json' with { type: 'json' };
import { bytesToHex, concatBytes, hexToBytes } from '../../engine/lib/bytes.ts';
import { buildOnion } from '../../engine/onion/sphinx.ts';
import { addAttribution, ATTRIBUTION_DATA_LENGTH, verifyAttribution } from '../../engine/onion/attribution.ts';
import { attributeUndecodableFailure, createFailurePacket, decodeFailurePacket, wrapFailurePacket } from '../../engine/onion/failure-packet.ts';
import { incorrectOrUnknownPaymentDetails } from '../../engine/onion/failure-messages.ts';

const sharedSecrets = buildOnion(
  onionVector.generate.hops.map((h) => ({ nodeId: hexToBytes(h.pubkey), payload: hexToBytes(h.payload).subarray(1) })),
  hexToBytes(onionVector.generate.session_key),
  hexToBytes(onionVector.generate.associated_data),
).sharedSecrets;
/**
 * The trace's hold times: the spec lists htlc_hold_time[i] = i + 1 next to pubkey[i], but its
 * attribution_data values are those of node 4 (the erring node, which writes first) holding for 1,
 * node 3 for 2, … node 0 for 5, i.e. hold time k + 1 for the k-th node to write.
 */
const holdTime = (node: number): number => returning.parameters.hops[4 - node]!.htlc_hold_time;
/** What the origin reads, first hop first. */
const HOLD_TIMES = [5, 4, 3, 2, 1];
const base = incorrectOrUnknownPaymentDetails(BigInt(returning.parameters.htlc_msat), returning.parameters.height);
const failure = { code: base.code, data: concatBytes(base.data, hexToBytes('fd84d1fd012c'), hexToBytes(returning.parameters.tlv.value_hex_derived)) };

describe('BOLT 4 attribution_data: failure (Test Vector / Returning Errors)', () => {
  it('each node from the erring node 4 down to node 0 produces the vector’s attribution_data', () => {
    const raw = hexToBytes(returning.creation.raw_error_packet);
    let received: Uint8Array = raw; // the erring node's packet before its ammag layer
    let packet = createFailurePacket(sharedSecrets[4]!, failure, { paddedLength: 1024 });
    let attribution: Uint8Array | undefined;
    returning.forwarding.forEach((step, i) => {
      if (i > 0) {
        received = packet;
        packet = wrapFailurePacket(sharedSecrets[step.node]!, packet);
      }
      attribution = addAttribution(sharedSecrets[step.node]!, holdTime(step.node), received, attribution);
      expect(attribution.length).toBe(ATTRIBUTION_DATA_LENGTH);
      expect(bytesToHex(attribution), `node ${step.node}`).toBe(step.attribution_data);
      expect(bytesToHex(packet)).toBe(step.error_packet);
    });
  });

  it('the origin decodes the failure and verifies the hold times of hops 0–4', () => {
    const last = returning.forwarding.at(-1)!;
    const decoded = decodeFailurePacket(hexToBytes(last.error_packet), sharedSecrets, hexToBytes(last.attribution_data));
    expect(decoded?.hopIndex).toBe(4);
    expect(decoded?.holdTimes).toEqual(HOLD_TIMES);
  });

  it('a hop that alters what it got from downstream is located: the origin verifies up to it, not past it', () => {
    // Node 2 flips a bit of node 3's hold time before adding its own (valid) HMACs.
    let received: Uint8Array = hexToBytes(returning.creation.raw_error_packet);
    let packet = createFailurePacket(sharedSecrets[4]!, failure, { paddedLength: 1024 });
    let attribution: Uint8Array | undefined;
    for (const node of [4, 3, 2, 1, 0]) {
      if (node < 4) {
        received = packet;
        packet = wrapFailurePacket(sharedSecrets[node]!, packet);
      }
      if (node === 2) attribution![3] ^= 0x01;
      attribution = addAttribution(sharedSecrets[node]!, holdTime(node), received, attribution);
    }
    const decoded = decodeFailurePacket(packet, sharedSecrets, attribution);
    expect(decoded?.hopIndex).toBe(4);
    expect(decoded?.holdTimes).toEqual(HOLD_TIMES.slice(0, 3));
    expect(attributeUndecodableFailure(packet, attribution!, sharedSecrets).lastVerifiedHop).toBe(2);
  });

  it('a failure packet corrupted by a hop cannot be decoded, but attribution points at that hop', () => {
    const last = returning.forwarding.at(-1)!;
    const corrupted = hexToBytes(last.error_packet);
    // Corrupt what node 1 would have received (layers 0 and 1 are XOR streams, so flip in place).
    corrupted[500] ^= 0x01;
    expect(decodeFailurePacket(corrupted, sharedSecrets)).toBeUndefined();
    // Every hop's HMAC covers the packet as received, so none verifies from hop 0 on.
    expect(attributeUndecodableFailure(corrupted, hexToBytes(last.attribution_data), sharedSecrets).lastVerifiedHop).toBe(-1);
    expect(attributeUndecodableFailure(hexToBytes(last.error_packet), hexToBytes(last.attribution_data), sharedSecrets)).toEqual({ holdTimes: HOLD_TIMES, lastVerifiedHop: 4 });
  });
});

describe('BOLT 4 attribution_data: success (Test Vector / Returning success)', () => {
  it('each node produces the vector’s attribution_data, and the origin reads all hold times', () => {
    let attribution: Uint8Array | undefined;
    for (const step of returning.returning_success.attribution_data) {
      attribution = addAttribution(sharedSecrets[step.node]!, holdTime(step.node), undefined, attribution);
      expect(bytesToHex(attribution), `node ${step.node}`).toBe(step.attribution_data);
    }
    expect(verifyAttribution(attribution!, sharedSecrets)).toEqual({ holdTimes: HOLD_TIMES, lastVerifiedHop: 4 });
  });

  it('random bytes verify no hop; wrong sizes are refused or ignored', () => {
    expect(verifyAttribution(new Uint8Array(ATTRIBUTION_DATA_LENGTH).fill(7), sharedSecrets)).toEqual({ holdTimes: [], lastVerifiedHop: -1 });
    expect(verifyAttribution(new Uint8Array(10), sharedSecrets).lastVerifiedHop).toBe(-1);
    expect(() => addAttribution(sharedSecrets[0]!, 1, undefined, new Uint8Array(919))).toThrow(/downstream/);
    expect(() => addAttribution(sharedSecrets[0]!, -1)).toThrow(/holdTime/);
  });
});
