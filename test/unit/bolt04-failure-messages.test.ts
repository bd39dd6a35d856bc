/**
 * BOLT 4 "Failure Messages": every failure code with its spec name and flags, the builders'
 * byte layouts (the fields each `failure_code`'s data lists), reading the fields back including
 * channel_update, words a person understands, and the erring node's padding ("Requirements":
 * failure_len + pad_len at least 256).
 */
import { describe, expect, it } from 'vitest';
import { bytesToHex, concatBytes, hexToBytes } from '../../engine/lib/bytes.ts';
import { hmacSha256 } from '../../engine/crypto/hash.ts';
import { onionKey } from '../../engine/onion/keys.ts';
import { ValidationError } from '../../engine/lib/errors.ts';
import { ALL_FAILURE_CODES, FailureCode, failureName, failureWords, hasFailureFlag } from '../../engine/onion/failure-codes.ts';
import {
  amountBelowMinimum,
  badOnion,
  channelDisabled,
  decodeFailureMessage,
  describeFailure,
  encodeFailureMessage,
  expiryTooFar,
  expiryTooSoon,
  failureChannelUpdate,
  failureDetails,
  feeInsufficient,
  finalIncorrectCltvExpiry,
  finalIncorrectHtlcAmount,
  incorrectCltvExpiry,
  incorrectOrUnknownPaymentDetails,
  invalidOnionPayload,
  mppTimeout,
  permanentChannelFailure,
  permanentNodeFailure,
  requiredChannelFeatureMissing,
  requiredNodeFeatureMissing,
  temporaryChannelFailure,
  temporaryNodeFailure,
  unknownNextPeer,
} from '../../engine/onion/failure-messages.ts';
import { createFailurePacket, decodeFailurePacket, wrapFailurePacket } from '../../engine/onion/failure-packet.ts';

/** BOLT 4's list: name → (flags | number). */
const SPEC_CODES: Record<string, number> = {
  temporary_node_failure: 0x2000 | 2,
  permanent_node_failure: 0x4000 | 0x2000 | 2,
  required_node_feature_missing: 0x4000 | 0x2000 | 3,
  invalid_onion_version: 0x8000 | 0x4000 | 4,
  invalid_onion_hmac: 0x8000 | 0x4000 | 5,
  invalid_onion_key: 0x8000 | 0x4000 | 6,
  temporary_channel_failure: 0x1000 | 7,
  permanent_channel_failure: 0x4000 | 8,
  required_channel_feature_missing: 0x4000 | 9,
  unknown_next_peer: 0x4000 | 10,
  amount_below_minimum: 0x1000 | 11,
  fee_insufficient: 0x1000 | 12,
  incorrect_cltv_expiry: 0x1000 | 13,
  expiry_too_soon: 0x1000 | 14,
  incorrect_or_unknown_payment_details: 0x4000 | 15,
  final_incorrect_cltv_expiry: 18,
  final_incorrect_htlc_amount: 19,
  channel_disabled: 0x1000 | 20,
  expiry_too_far: 21,
  invalid_onion_payload: 0x4000 | 22,
  mpp_timeout: 23,
  invalid_onion_blinding: 0x8000 | 0x4000 | 24,
};

const update = Uint8Array.from({ length: 136 }, (_, i) => i & 0xff);
const updateHex = bytesToHex(update);
const sha = new Uint8Array(32).fill(0xab);

describe('BOLT 4 failure codes', () => {
  it('every code of the spec has its value and name', () => {
    for (const [name, code] of Object.entries(SPEC_CODES)) {
      expect(failureName(code), name).toBe(name);
      expect(ALL_FAILURE_CODES).toContain(code);
    }
    expect(FailureCode.INCORRECT_OR_UNKNOWN_PAYMENT_DETAILS).toBe(0x400f);
    expect(FailureCode.MPP_TIMEOUT).toBe(23);
  });

  it('unknown codes get a name and words from their flags', () => {
    expect(failureName(0x2063)).toBe('unknown_failure_0x2063');
    expect(failureWords(0x6063)).toBe('a node on the route permanently refused the payment (failure 0x6063)');
    expect(hasFailureFlag(FailureCode.EXPIRY_TOO_SOON, FailureCode.UPDATE)).toBe(true);
    expect(hasFailureFlag(FailureCode.EXPIRY_TOO_SOON, FailureCode.PERM)).toBe(false);
  });

  it('describeFailure says what happened in words, with the figures', () => {
    expect(describeFailure(incorrectOrUnknownPaymentDetails(5_000n, 800_000))).toBe(
      'the recipient does not know this payment (wrong hash, amount too low, or expired); it got 5 sat at block 800000',
    );
    expect(describeFailure(mppTimeout())).toBe('the recipient did not get all parts of the payment in time');
    expect(describeFailure(temporaryChannelFailure())).toContain('could not carry the payment right now');
    expect(describeFailure(finalIncorrectHtlcAmount(1_234n))).toContain('(1234 msat)');
    expect(describeFailure(invalidOnionPayload(8n, 18))).toContain('(record 8 at byte 18)');
    // Truncated data: the words stand without the figures.
    expect(describeFailure({ code: FailureCode.INCORRECT_OR_UNKNOWN_PAYMENT_DETAILS, data: new Uint8Array(3) })).toBe(
      'the recipient does not know this payment (wrong hash, amount too low, or expired)',
    );
  });
});

describe('BOLT 4 failure builders: the data layout of each code', () => {
  const hex = (f: { code: number; data: Uint8Array }): string => bytesToHex(encodeFailureMessage(f));

  it('final-node failures', () => {
    expect(hex(incorrectOrUnknownPaymentDetails(100n, 800_000))).toBe('400f' + '0000000000000064' + '000c3500');
    expect(hex(finalIncorrectCltvExpiry(500))).toBe('0012' + '000001f4');
    expect(hex(finalIncorrectHtlcAmount(1000n))).toBe('0013' + '00000000000003e8');
    expect(hex(mppTimeout())).toBe('0017');
    expect(hex(invalidOnionPayload(8n, 18))).toBe('4016' + '08' + '0012');
    expect(hex(invalidOnionPayload(65538n, 3))).toBe('4016' + 'fe00010002' + '0003');
  });

  it('node failures', () => {
    expect(hex(temporaryNodeFailure())).toBe('2002');
    expect(hex(permanentNodeFailure())).toBe('6002');
    expect(hex(requiredNodeFeatureMissing())).toBe('6003');
  });

  it('channel failures, with and without a channel_update', () => {
    expect(hex(temporaryChannelFailure())).toBe('1007' + '0000');
    expect(hex(temporaryChannelFailure(update))).toBe('1007' + '0088' + updateHex);
    expect(hex(permanentChannelFailure())).toBe('4008');
    expect(hex(requiredChannelFeatureMissing())).toBe('4009');
    expect(hex(unknownNextPeer())).toBe('400a');
    expect(hex(amountBelowMinimum(1000n, update))).toBe('100b' + '00000000000003e8' + '0088' + updateHex);
    expect(hex(feeInsufficient(1000n))).toBe('100c' + '00000000000003e8' + '0000');
    expect(hex(incorrectCltvExpiry(144, update))).toBe('100d' + '00000090' + '0088' + updateHex);
    expect(hex(expiryTooSoon())).toBe('100e' + '0000');
    expect(hex(channelDisabled(update))).toBe('1014' + '0000' + '0088' + updateHex);
    expect(hex(expiryTooFar())).toBe('0015');
  });

  it('BADONION failures carry the sha256 of the onion', () => {
    expect(hex(badOnion(FailureCode.INVALID_ONION_HMAC, sha))).toBe('c005' + bytesToHex(sha));
    expect(() => badOnion(FailureCode.TEMPORARY_NODE_FAILURE, sha)).toThrow(ValidationError);
    expect(() => badOnion(FailureCode.INVALID_ONION_KEY, new Uint8Array(31))).toThrow(ValidationError);
  });
});

describe('BOLT 4 Receiving Failure Codes: reading the fields back', () => {
  it('reads every field a builder wrote, and the channel_update of UPDATE failures', () => {
    expect(failureDetails(incorrectOrUnknownPaymentDetails(7n, 9))).toEqual({ htlcMsat: 7n, height: 9 });
    expect(failureDetails(incorrectCltvExpiry(144, update))).toEqual({ cltvExpiry: 144, channelUpdate: update });
    expect(failureDetails(channelDisabled(update))).toEqual({ disabledFlags: 0, channelUpdate: update });
    expect(failureDetails(feeInsufficient(5n, update))).toEqual({ htlcMsat: 5n, channelUpdate: update });
    expect(failureDetails(invalidOnionPayload(2n, 0))).toEqual({ tlvType: 2n, offset: 0 });
    expect(failureDetails(badOnion(FailureCode.INVALID_ONION_VERSION, sha))).toEqual({ sha256OfOnion: sha });
    expect(failureChannelUpdate(expiryTooSoon(update))).toEqual(update);
    expect(failureChannelUpdate(expiryTooSoon())).toBeUndefined();
    expect(failureChannelUpdate(incorrectOrUnknownPaymentDetails(1n, 1))).toBeUndefined();
  });

  it('ignores extra bytes and survives truncated ones', () => {
    const extra = { code: FailureCode.FINAL_INCORRECT_CLTV_EXPIRY, data: hexToBytes('000001f4deadbeef') };
    expect(failureDetails(extra)).toEqual({ cltvExpiry: 500 });
    const truncated = { code: FailureCode.AMOUNT_BELOW_MINIMUM, data: hexToBytes('00000000000003e80088aa') };
    expect(failureDetails(truncated)).toEqual({ htlcMsat: 1000n });
  });

  it('failuremsg shorter than a code does not decode', () => {
    expect(decodeFailureMessage(new Uint8Array(1))).toBeUndefined();
    expect(decodeFailureMessage(hexToBytes('2002'))).toEqual({ code: 0x2002, data: new Uint8Array(0) });
  });
});

describe('BOLT 4 erring node: padding', () => {
  const ss = new Uint8Array(32).fill(0x11);

  it('failure_len + pad_len is 256 by default; a longer failure is not padded', () => {
    expect(createFailurePacket(ss, temporaryNodeFailure()).length).toBe(32 + 2 + 256 + 2);
    const long = { code: FailureCode.TEMPORARY_CHANNEL_FAILURE, data: new Uint8Array(300) };
    expect(createFailurePacket(ss, long).length).toBe(32 + 2 + 302 + 2);
    expect(createFailurePacket(ss, temporaryNodeFailure(), { paddedLength: 1024 }).length).toBe(32 + 2 + 1024 + 2);
    expect(() => createFailurePacket(ss, temporaryNodeFailure(), { paddedLength: 100 })).toThrow(/paddedLength/);
  });

  it('a matched HMAC over an unreadable failuremsg is still attributed, marked unreadable', () => {
    // failure_len 1: shorter than a failure code, yet authenticated by the hop's um key.
    const seal = (payload: Uint8Array): Uint8Array => wrapFailurePacket(ss, concatBytes(hmacSha256(onionKey('um', ss), payload), payload));
    const short = seal(concatBytes(hexToBytes('000120'), new Uint8Array(257)));
    const hop0 = new Uint8Array(32).fill(1);
    expect(decodeFailurePacket(wrapFailurePacket(hop0, short), [hop0, ss])).toMatchObject({ hopIndex: 1, failure: { code: 0 }, unreadable: 'failuremsg is shorter than a failure code' });
    const overrun = seal(hexToBytes('0fff2002'));
    expect(decodeFailurePacket(overrun, [ss])).toMatchObject({ hopIndex: 0, unreadable: 'failure_len exceeds the packet' });
  });

  it('refuses shared secrets that are not 32 bytes', () => {
    expect(() => createFailurePacket(new Uint8Array(31), mppTimeout())).toThrow(/sharedSecret/);
    expect(() => wrapFailurePacket(new Uint8Array(0), new Uint8Array(292))).toThrow(/sharedSecret/);
    expect(() => decodeFailurePacket(new Uint8Array(292), [new Uint8Array(5)])).toThrow(/sharedSecrets\[0\]/);
  });
});
