/**
 * BOLT 4 "Returning Errors" against the spec vectors: onion-error-test.json (temporary_node_failure
 * from hop 4, padded to 256) and the "Test Vector / Returning Errors" trace of
 * bolt04-returning-errors.json (incorrect_or_unknown_payment_details with a TLV extension, padded
 * to 1024): the erring node's packet, every forwarding obfuscation, and the origin attributing
 * the failure to the right hop with the right code.
 */
import { describe, expect, it } from 'vitest';
import errorVector from '../vectors/bolt04-onion-error-test.json' with { type: 'json' };
import returning from '../vectors/bolt04-returning-errors.json' with { type: 'json' };
import onionVector from '../vectors/bolt04-onion-test.json' with { type: 'json' };
import { bytesToHex, concatBytes, hexToBytes } from '../../engine/lib/bytes.ts';
import { buildOnion } from '../../engine/onion/sphinx.ts';
import { onionKey, pseudoRandomStream } from '../../engine/onion/keys.ts';
import { createFailurePacket, decodeFailurePacket, wrapFailurePacket } from '../../engine/onion/failure-packet.ts';
import { FailureCode, failureName } from '../../engine/onion/failure-codes.ts';
import {
  describeFailure,
  failureDetails,
  incorrectOrUnknownPaymentDetails,
  temporaryChannelFailure,
  temporaryNodeFailure,
} from '../../engine/onion/failure-messages.ts';

/** The five hops' shared secrets, computed by building the onion-test.json route (same keys). */
const sharedSecrets = buildOnion(
  onionVector.generate.hops.map((h) => ({ nodeId: hexToBytes(h.pubkey), payload: hexToBytes(h.payload).subarray(1) })),
  hexToBytes(onionVector.generate.session_key),
  hexToBytes(onionVector.generate.associated_data),
).sharedSecrets;

/** The erring node's packet obfuscated by every hop between it and the origin, erring node first. */
function returnToOrigin(packet: Uint8Array, erringHop: number): Uint8Array[] {
  const seen = [packet];
  for (let hop = erringHop - 1; hop >= 0; hop--) seen.push(wrapFailurePacket(sharedSecrets[hop]!, seen[seen.length - 1]!));
  return seen;
}

describe('BOLT 4 onion-error-test.json', () => {
  const hops = errorVector.generate.hops;

  it('derives every hop shared secret and ammag key, and the erring hop um key', () => {
    hops.forEach((hop, i) => {
      expect(bytesToHex(sharedSecrets[i]!)).toBe(hop.hop_shared_secret);
      expect(bytesToHex(onionKey('ammag', sharedSecrets[i]!))).toBe(hop.ammag_key);
    });
    expect(bytesToHex(onionKey('um', sharedSecrets[4]!))).toBe(hops[4]!.um_key);
  });

  it('the erring node (hop 4) pads failure 0x2002 to 256 and the forwarding hops produce the errorpacket', () => {
    expect(errorVector.generate.failure_message).toBe('2002');
    const first = createFailurePacket(sharedSecrets[4]!, temporaryNodeFailure());
    // Undo the ammag layer: hmac ‖ payload, with the payload as the vector spells it.
    const plain = wrapFailurePacket(sharedSecrets[4]!, first);
    expect(bytesToHex(plain.subarray(32))).toBe(hops[4]!.payload);
    const atOrigin = returnToOrigin(first, 4).at(-1)!;
    expect(bytesToHex(atOrigin)).toBe(errorVector.errorpacket);
  });

  it('the origin attributes the failure to hop 4 as temporary_node_failure', () => {
    const decoded = decodeFailurePacket(hexToBytes(errorVector.errorpacket), sharedSecrets);
    expect(decoded?.hopIndex).toBe(4);
    expect(decoded?.failure.code).toBe(FailureCode.TEMPORARY_NODE_FAILURE);
    expect(failureName(decoded!.failure.code)).toBe('temporary_node_failure');
    expect(decoded?.channelUpdate).toBeUndefined();
  });
});

describe('BOLT 4 Test Vector: Returning Errors (bolt04-returning-errors.json)', () => {
  const p = returning.parameters;
  const tlv = concatBytes(hexToBytes('fd84d1fd012c'), hexToBytes(p.tlv.value_hex_derived));
  const base = incorrectOrUnknownPaymentDetails(BigInt(p.htlc_msat), p.height);
  const failure = { code: base.code, data: concatBytes(base.data, tlv) };

  it('encodes incorrect_or_unknown_payment_details(100, 800000) with the 34001 TLV as the vector does', () => {
    expect(hexToBytes(p.tlv.value_hex_derived).length).toBe(300);
    const payload = hexToBytes(returning.creation.payload);
    expect((payload[0]! << 8) | payload[1]!).toBe(320);
    expect(bytesToHex(payload.subarray(2, 322))).toBe(bytesToHex(concatBytes(new Uint8Array([failure.code >> 8, failure.code & 0xff]), failure.data)));
  });

  it('creation: um key, HMAC over the 1024-padded payload, raw error packet', () => {
    const ss = hexToBytes(returning.creation.shared_secret);
    expect(bytesToHex(sharedSecrets[p.failure_source_hop_index]!)).toBe(returning.creation.shared_secret);
    expect(bytesToHex(onionKey('um', ss))).toBe(returning.creation.um_key);
    const first = createFailurePacket(ss, failure, { paddedLength: 1024 });
    expect(bytesToHex(wrapFailurePacket(ss, first))).toBe(returning.creation.raw_error_packet);
  });

  it('forwarding: each node’s ammag key, stream and error packet, node 4 down to node 0', () => {
    let packet = createFailurePacket(hexToBytes(returning.creation.shared_secret), failure, { paddedLength: 1024 });
    returning.forwarding.forEach((step, i) => {
      const ss = sharedSecrets[step.node]!;
      expect(bytesToHex(ss)).toBe(step.shared_secret);
      expect(bytesToHex(onionKey('ammag', ss))).toBe(step.ammag_key);
      expect(bytesToHex(pseudoRandomStream(onionKey('ammag', ss), step.stream.length / 2))).toBe(step.stream);
      if (i > 0) packet = wrapFailurePacket(ss, packet);
      expect(bytesToHex(packet)).toBe(step.error_packet);
    });
  });

  it('the origin attributes it to node 4, reads htlc_msat and height, and says it in words', () => {
    const last = returning.forwarding.at(-1)!;
    const decoded = decodeFailurePacket(hexToBytes(last.error_packet), sharedSecrets);
    expect(decoded?.hopIndex).toBe(p.failure_source_hop_index);
    expect(failureName(decoded!.failure.code)).toBe(p.failure_message_name);
    expect(failureDetails(decoded!.failure)).toMatchObject({ htlcMsat: 100n, height: 800000 });
    expect(describeFailure(decoded!.failure)).toContain('the recipient does not know this payment (wrong hash, amount too low, or expired)');
  });
});

describe('BOLT 4 Returning Errors: an intermediate hop’s failure with a channel_update', () => {
  const update = Uint8Array.from({ length: 136 }, (_, i) => (i * 7 + 3) & 0xff);

  it('hop 2 fails with temporary_channel_failure: the origin attributes hop 2 and extracts the update', () => {
    const first = createFailurePacket(sharedSecrets[2]!, temporaryChannelFailure(update));
    const decoded = decodeFailurePacket(returnToOrigin(first, 2).at(-1)!, sharedSecrets);
    expect(decoded?.hopIndex).toBe(2);
    expect(decoded?.failure.code).toBe(FailureCode.TEMPORARY_CHANNEL_FAILURE);
    expect(bytesToHex(decoded!.channelUpdate!)).toBe(bytesToHex(update));
  });

  it('tolerates the legacy 0x0102 message-type prefix on the channel_update', () => {
    const prefixed = concatBytes(new Uint8Array([0x01, 0x02]), update);
    const first = createFailurePacket(sharedSecrets[1]!, temporaryChannelFailure(prefixed));
    const decoded = decodeFailurePacket(returnToOrigin(first, 1).at(-1)!, sharedSecrets);
    expect(decoded?.hopIndex).toBe(1);
    expect(bytesToHex(decoded!.channelUpdate!)).toBe(bytesToHex(update));
  });

  it('an empty channel_update (len 0) is no update', () => {
    const first = createFailurePacket(sharedSecrets[0]!, temporaryChannelFailure());
    const decoded = decodeFailurePacket(first, sharedSecrets);
    expect(decoded?.hopIndex).toBe(0);
    expect(decoded?.channelUpdate).toBeUndefined();
  });

  it('a packet corrupted on the way back matches no hop', () => {
    const first = createFailurePacket(sharedSecrets[3]!, temporaryNodeFailure());
    const atOrigin = returnToOrigin(first, 3).at(-1)!;
    atOrigin[100] = (atOrigin[100]! ^ 1) & 0xff;
    expect(decodeFailurePacket(atOrigin, sharedSecrets)).toBeUndefined();
    expect(decodeFailurePacket(new Uint8Array(10), sharedSecrets)).toBeUndefined();
  });
});
