/**
 * BOLT 2 channel message codecs: round trips for every message, byte layout against hand-built
 * payloads, truncated and garbled payloads (errors name the field), points on the curve, the
 * odd/even TLV rule, and the v1 channel id.
 */
import { describe, expect, it } from 'vitest';
import { bytesToHex, concatBytes, hexToBytes } from '../../engine/lib/bytes.ts';
import { DecodeError, ValidationError } from '../../engine/lib/errors.ts';
import { publicKeyOf } from '../../engine/crypto/secp256k1.ts';
import { chainHash } from '../../engine/wire/chains.ts';
import { decodeMessage, encodeMessage, type Message } from '../../engine/wire/message.ts';
import { ByteWriter } from '../../engine/wire/writer.ts';
import { channelIdFromFunding, type ChannelMessage } from '../../engine/wire/messages/channel.ts';

const point = (i: number): Uint8Array => publicKeyOf(new Uint8Array(32).fill(i));
const fill = (n: number, b: number): Uint8Array => new Uint8Array(n).fill(b);
/** 0x02 ‖ x=0: well-formed prefix, but no curve point has x = 0. */
const OFF_CURVE = concatBytes(Uint8Array.of(2), new Uint8Array(32));
const U64_MAX = (1n << 64n) - 1n;

const P = [1, 2, 3, 4, 5, 6, 7].map(point);

const SAMPLES: Record<ChannelMessage['type'], ChannelMessage> = {
  open_channel: {
    type: 'open_channel',
    chainHash: chainHash('regtest'),
    temporaryChannelId: fill(32, 0xaa),
    fundingSatoshis: 1_000_000n,
    pushMsat: 12_345n,
    dustLimitSatoshis: 546n,
    maxHtlcValueInFlightMsat: U64_MAX,
    channelReserveSatoshis: 10_000n,
    htlcMinimumMsat: 1n,
    feeratePerKw: 253,
    toSelfDelay: 144,
    maxAcceptedHtlcs: 483,
    fundingPubkey: P[0]!,
    revocationBasepoint: P[1]!,
    paymentBasepoint: P[2]!,
    delayedPaymentBasepoint: P[3]!,
    htlcBasepoint: P[4]!,
    firstPerCommitmentPoint: P[5]!,
    channelFlags: 1,
    upfrontShutdownScript: hexToBytes('0014' + '11'.repeat(20)),
    channelType: hexToBytes('401000'),
    unknownTlvs: [{ type: 77n, value: hexToBytes('beef') }],
  },
  accept_channel: {
    type: 'accept_channel',
    temporaryChannelId: fill(32, 0xaa),
    dustLimitSatoshis: 354n,
    maxHtlcValueInFlightMsat: 990_000_000n,
    channelReserveSatoshis: 10_000n,
    htlcMinimumMsat: 1000n,
    minimumDepth: 3,
    toSelfDelay: 720,
    maxAcceptedHtlcs: 50,
    fundingPubkey: P[6]!,
    revocationBasepoint: P[5]!,
    paymentBasepoint: P[4]!,
    delayedPaymentBasepoint: P[3]!,
    htlcBasepoint: P[2]!,
    firstPerCommitmentPoint: P[1]!,
    upfrontShutdownScript: new Uint8Array(0),
    channelType: hexToBytes('1000'),
  },
  funding_created: {
    type: 'funding_created',
    temporaryChannelId: fill(32, 0xaa),
    fundingTxid: fill(32, 0x5c),
    fundingOutputIndex: 1,
    signature: fill(64, 0x30),
  },
  funding_signed: { type: 'funding_signed', channelId: fill(32, 0x01), signature: fill(64, 0x31) },
  channel_ready: { type: 'channel_ready', channelId: fill(32, 0x01), secondPerCommitmentPoint: P[0]!, shortChannelIdAlias: 0x0102030405060708n },
  shutdown: { type: 'shutdown', channelId: fill(32, 0x01), scriptpubkey: hexToBytes('0020' + '22'.repeat(32)) },
  closing_signed: {
    type: 'closing_signed',
    channelId: fill(32, 0x01),
    feeSatoshis: 183n,
    signature: fill(64, 0x32),
    feeRange: { minFeeSatoshis: 100n, maxFeeSatoshis: 500n },
  },
  update_add_htlc: {
    type: 'update_add_htlc',
    channelId: fill(32, 0x01),
    htlcId: 7n,
    amountMsat: 50_000n,
    paymentHash: fill(32, 0x66),
    cltvExpiry: 800_000,
    onionRoutingPacket: concatBytes(Uint8Array.of(0), P[3]!, fill(1300, 0x77), fill(32, 0x88)),
    blindedPath: P[2]!,
    unknownTlvs: [{ type: 65537n, value: hexToBytes('03e8') }],
  },
  update_fulfill_htlc: { type: 'update_fulfill_htlc', channelId: fill(32, 0x01), htlcId: 7n, paymentPreimage: fill(32, 0x99) },
  update_fail_htlc: { type: 'update_fail_htlc', channelId: fill(32, 0x01), htlcId: 8n, reason: fill(292, 0x44) },
  update_fail_malformed_htlc: {
    type: 'update_fail_malformed_htlc',
    channelId: fill(32, 0x01),
    htlcId: 9n,
    sha256OfOnion: fill(32, 0x55),
    failureCode: 0x8000 | 0x4000 | 5,
  },
  commitment_signed: {
    type: 'commitment_signed',
    channelId: fill(32, 0x01),
    signature: fill(64, 0x33),
    htlcSignatures: [fill(64, 0x34), fill(64, 0x35), fill(64, 0x36)],
  },
  revoke_and_ack: { type: 'revoke_and_ack', channelId: fill(32, 0x01), perCommitmentSecret: fill(32, 0x12), nextPerCommitmentPoint: P[6]! },
  update_fee: { type: 'update_fee', channelId: fill(32, 0x01), feeratePerKw: 2500 },
  channel_reestablish: {
    type: 'channel_reestablish',
    channelId: fill(32, 0x01),
    nextCommitmentNumber: 5n,
    nextRevocationNumber: 4n,
    yourLastPerCommitmentSecret: fill(32, 0x13),
    myCurrentPerCommitmentPoint: P[1]!,
    nextFunding: fill(32, 0x14),
  },
};

const TYPE_NUMBERS: Record<ChannelMessage['type'], number> = {
  open_channel: 32,
  accept_channel: 33,
  funding_created: 34,
  funding_signed: 35,
  channel_ready: 36,
  shutdown: 38,
  closing_signed: 39,
  update_add_htlc: 128,
  update_fulfill_htlc: 130,
  update_fail_htlc: 131,
  commitment_signed: 132,
  revoke_and_ack: 133,
  update_fee: 134,
  update_fail_malformed_htlc: 135,
  channel_reestablish: 136,
};

/** Payload length before the TLV stream (fixed part, or fixed part of the sample). */
const FIXED_LEN: Record<ChannelMessage['type'], number> = {
  open_channel: 32 + 32 + 6 * 8 + 4 + 2 + 2 + 6 * 33 + 1,
  accept_channel: 32 + 4 * 8 + 4 + 2 + 2 + 6 * 33,
  funding_created: 32 + 32 + 2 + 64,
  funding_signed: 32 + 64,
  channel_ready: 32 + 33,
  shutdown: 32 + 2 + 34,
  closing_signed: 32 + 8 + 64,
  update_add_htlc: 32 + 8 + 8 + 32 + 4 + 1366,
  update_fulfill_htlc: 32 + 8 + 32,
  update_fail_htlc: 32 + 8 + 2 + 292,
  update_fail_malformed_htlc: 32 + 8 + 32 + 2,
  commitment_signed: 32 + 64 + 2 + 3 * 64,
  revoke_and_ack: 32 + 32 + 33,
  update_fee: 32 + 4,
  channel_reestablish: 32 + 8 + 8 + 32 + 33,
};

function decodeKnown(bytes: Uint8Array): Message {
  const d = decodeMessage(bytes);
  if (d.kind !== 'known') throw new Error(`type ${d.type} not known`);
  return d.message;
}

function roundTrip(m: Message): Message {
  const bytes = encodeMessage(m);
  const back = decodeKnown(bytes);
  expect(bytesToHex(encodeMessage(back))).toBe(bytesToHex(bytes));
  return back;
}

function decodeError(bytes: Uint8Array): DecodeError {
  try {
    decodeMessage(bytes);
  } catch (err) {
    expect(err).toBeInstanceOf(DecodeError);
    return err as DecodeError;
  }
  throw new Error('decoded without error');
}

function withType(type: number, payload: Uint8Array): Uint8Array {
  return concatBytes(Uint8Array.of(type >> 8, type & 0xff), payload);
}

/** The sample's bytes with the TLV stream replaced by `tlvs`. */
function withTlvs(name: ChannelMessage['type'], tlvs: Uint8Array): Uint8Array {
  const bytes = encodeMessage(SAMPLES[name]);
  return concatBytes(bytes.subarray(0, 2 + FIXED_LEN[name]), tlvs);
}

describe('BOLT 2 round trips', () => {
  for (const [name, sample] of Object.entries(SAMPLES)) {
    it(`${name} (type ${TYPE_NUMBERS[name as ChannelMessage['type']]}) decodes to the same value and bytes`, () => {
      const bytes = encodeMessage(sample);
      expect((bytes[0]! << 8) | bytes[1]!).toBe(TYPE_NUMBERS[sample.type]);
      expect(roundTrip(sample)).toEqual(sample);
    });
  }

  it('every optional TLV left out round-trips without them', () => {
    const { upfrontShutdownScript: _a, channelType: _b, unknownTlvs: _c, ...bare } = SAMPLES.open_channel as Extract<ChannelMessage, { type: 'open_channel' }>;
    const bytes = encodeMessage(bare);
    expect(bytes.length).toBe(2 + FIXED_LEN.open_channel);
    expect(roundTrip(bare)).toEqual(bare);
    const ready = { type: 'channel_ready' as const, channelId: fill(32, 2), secondPerCommitmentPoint: P[1]! };
    expect(roundTrip(ready)).toEqual(ready);
    const closing = { type: 'closing_signed' as const, channelId: fill(32, 2), feeSatoshis: 0n, signature: fill(64, 0) };
    expect(roundTrip(closing)).toEqual(closing);
    const reest = { ...SAMPLES.channel_reestablish } as Record<string, unknown>;
    delete reest['nextFunding'];
    expect(roundTrip(reest as unknown as Message)).toEqual(reest);
  });

  it('commitment_signed with no HTLCs, shutdown with an empty script, update_fail_htlc with an empty reason', () => {
    const cs = { type: 'commitment_signed' as const, channelId: fill(32, 3), signature: fill(64, 1), htlcSignatures: [] };
    expect(encodeMessage(cs).length).toBe(2 + 32 + 64 + 2);
    expect(roundTrip(cs)).toEqual(cs);
    const sd = { type: 'shutdown' as const, channelId: fill(32, 3), scriptpubkey: new Uint8Array(0) };
    expect(roundTrip(sd)).toEqual(sd);
    const uf = { type: 'update_fail_htlc' as const, channelId: fill(32, 3), htlcId: U64_MAX, reason: new Uint8Array(0) };
    expect(roundTrip(uf)).toEqual(uf);
  });

  it('decoded byte fields do not alias the input buffer', () => {
    const bytes = encodeMessage(SAMPLES.funding_signed);
    const m = decodeKnown(bytes);
    bytes.fill(0);
    expect(m).toEqual(SAMPLES.funding_signed);
  });
});

describe('BOLT 2 byte layout (hand-built payloads)', () => {
  it('open_channel fields are in spec order', () => {
    const w = new ByteWriter()
      .u16(32)
      .bytes(chainHash('regtest'))
      .bytes(fill(32, 0xaa))
      .u64(1_000_000n)
      .u64(12_345n)
      .u64(546n)
      .u64(U64_MAX)
      .u64(10_000n)
      .u64(1n)
      .u32(253)
      .u16(144)
      .u16(483);
    for (const p of P.slice(0, 6)) w.bytes(p);
    w.u8(1);
    // TLVs: 0 upfront_shutdown_script (22 bytes), 1 channel_type (3 bytes), 77 unknown odd.
    w.bytes(hexToBytes('0016' + '0014' + '11'.repeat(20) + '0103401000' + '4d02beef'));
    expect(bytesToHex(encodeMessage(SAMPLES.open_channel))).toBe(bytesToHex(w.finish()));
    expect(decodeKnown(w.finish())).toEqual(SAMPLES.open_channel);
  });

  it('accept_channel fields are in spec order (minimum_depth after htlc_minimum_msat)', () => {
    const w = new ByteWriter().u16(33).bytes(fill(32, 0xaa)).u64(354n).u64(990_000_000n).u64(10_000n).u64(1000n).u32(3).u16(720).u16(50);
    for (const i of [6, 5, 4, 3, 2, 1]) w.bytes(P[i]!);
    w.bytes(hexToBytes('0000' + '01021000'));
    expect(bytesToHex(encodeMessage(SAMPLES.accept_channel))).toBe(bytesToHex(w.finish()));
  });

  it('channel_reestablish, update_add_htlc and closing_signed fields are in spec order', () => {
    const r = new ByteWriter().u16(136).bytes(fill(32, 1)).u64(5n).u64(4n).bytes(fill(32, 0x13)).bytes(P[1]!).bytes(hexToBytes('0020')).bytes(fill(32, 0x14));
    expect(bytesToHex(encodeMessage(SAMPLES.channel_reestablish))).toBe(bytesToHex(r.finish()));
    const add = SAMPLES.update_add_htlc as Extract<ChannelMessage, { type: 'update_add_htlc' }>;
    const a = new ByteWriter().u16(128).bytes(fill(32, 1)).u64(7n).u64(50_000n).bytes(fill(32, 0x66)).u32(800_000).bytes(add.onionRoutingPacket);
    a.bytes(concatBytes(hexToBytes('0021'), P[2]!, hexToBytes('fe0001000102' + '03e8')));
    expect(bytesToHex(encodeMessage(add))).toBe(bytesToHex(a.finish()));
    const c = new ByteWriter().u16(39).bytes(fill(32, 1)).u64(183n).bytes(fill(64, 0x32)).bytes(hexToBytes('0110')).u64(100n).u64(500n);
    expect(bytesToHex(encodeMessage(SAMPLES.closing_signed))).toBe(bytesToHex(c.finish()));
    const ready = new ByteWriter().u16(36).bytes(fill(32, 1)).bytes(P[0]!).bytes(hexToBytes('01080102030405060708'));
    expect(bytesToHex(encodeMessage(SAMPLES.channel_ready))).toBe(bytesToHex(ready.finish()));
  });

  it('fixed parts have the spec lengths', () => {
    for (const [name, sample] of Object.entries(SAMPLES)) {
      const type = name as ChannelMessage['type'];
      const bare = { ...sample } as Record<string, unknown>;
      for (const k of ['upfrontShutdownScript', 'channelType', 'unknownTlvs', 'shortChannelIdAlias', 'feeRange', 'blindedPath', 'nextFunding']) delete bare[k];
      expect(encodeMessage(bare as unknown as Message).length, name).toBe(2 + FIXED_LEN[type]);
    }
  });
});

describe('BOLT 2 truncated and garbled payloads', () => {
  for (const [name, sample] of Object.entries(SAMPLES)) {
    it(`${name}: every truncation of the fixed part is a DecodeError naming a ${name} field`, () => {
      const bytes = encodeMessage(sample);
      const fixed = FIXED_LEN[name as ChannelMessage['type']];
      for (let k = 0; k < fixed; k++) {
        const err = decodeError(bytes.subarray(0, 2 + k));
        expect(err.field.startsWith(`${name}.`), `${k}: ${err.message}`).toBe(true);
        expect(err.message).toMatch(/unexpected end of data|signatures need/);
      }
    });
  }

  it('names the exact field a truncation stops in', () => {
    const open = encodeMessage(SAMPLES.open_channel);
    // 2 + 32 + 32 + 6·8 + 4 + 2 + 2 = offset of funding_pubkey.
    expect(decodeError(open.subarray(0, 2 + 120 + 10)).message).toBe('open_channel.funding_pubkey: unexpected end of data (need 33 bytes, have 10)');
    expect(decodeError(open.subarray(0, 2 + 64 + 3)).field).toBe('open_channel.funding_satoshis');
    expect(decodeError(open.subarray(0, 2 + 318)).field).toBe('open_channel.channel_flags');
    const add = encodeMessage(SAMPLES.update_add_htlc);
    expect(decodeError(add.subarray(0, 2 + 84 + 100)).field).toBe('update_add_htlc.onion_routing_packet');
    const fail = encodeMessage(SAMPLES.update_fail_htlc);
    expect(decodeError(fail.subarray(0, 2 + 40 + 1)).field).toBe('update_fail_htlc.reason.len');
    expect(decodeError(fail.subarray(0, 2 + 42 + 10)).field).toBe('update_fail_htlc.reason');
    const reest = encodeMessage(SAMPLES.channel_reestablish);
    expect(decodeError(reest.subarray(0, 2 + 48 + 31)).field).toBe('channel_reestablish.your_last_per_commitment_secret');
  });

  it('commitment_signed whose num_htlcs exceeds the payload names htlc_signature', () => {
    const bytes = new ByteWriter().u16(132).bytes(fill(32, 1)).bytes(fill(64, 2)).u16(5).bytes(fill(64 * 4, 3)).finish();
    expect(decodeError(bytes).message).toMatch(/^commitment_signed\.htlc_signature: 5 signatures need 320 bytes, have 256/);
    const huge = new ByteWriter().u16(132).bytes(fill(32, 1)).bytes(fill(64, 2)).u16(0xffff).finish();
    expect(decodeError(huge).field).toBe('commitment_signed.htlc_signature');
  });

  const pointFields: [ChannelMessage['type'], string, number][] = [
    ['open_channel', 'funding_pubkey', 120],
    ['open_channel', 'revocation_basepoint', 153],
    ['open_channel', 'payment_basepoint', 186],
    ['open_channel', 'delayed_payment_basepoint', 219],
    ['open_channel', 'htlc_basepoint', 252],
    ['open_channel', 'first_per_commitment_point', 285],
    ['accept_channel', 'funding_pubkey', 72],
    ['accept_channel', 'first_per_commitment_point', 72 + 5 * 33],
    ['channel_ready', 'second_per_commitment_point', 32],
    ['revoke_and_ack', 'next_per_commitment_point', 64],
    ['channel_reestablish', 'my_current_per_commitment_point', 80],
  ];
  for (const [name, field, offset] of pointFields) {
    it(`${name}.${field} off the curve is a DecodeError naming it`, () => {
      const bytes = encodeMessage(SAMPLES[name]);
      const bad = bytes.slice();
      bad.set(OFF_CURVE, 2 + offset);
      expect(() => decodeMessage(bad)).toThrow(`${name}.${field}: not a valid secp256k1 point`);
      const prefix = bytes.slice();
      prefix[2 + offset] = 0x04;
      expect(() => decodeMessage(prefix)).toThrow(`${name}.${field}: not a valid secp256k1 point`);
    });
  }

  it('a TLV record longer than what is left names the record', () => {
    const err = decodeError(withTlvs('funding_signed', hexToBytes('0105aa')));
    expect(err.field).toBe('funding_signed.tlvs[1].value');
  });

  it('TLV records out of order or repeated are rejected', () => {
    expect(decodeError(withTlvs('open_channel', hexToBytes('0100' + '0000'))).message).toMatch(/^open_channel\.tlvs\[0\]: TLV types not strictly increasing/);
    expect(decodeError(withTlvs('closing_signed', hexToBytes('0300' + '0300'))).message).toMatch(/duplicate TLV type/);
  });

  it('a known TLV with a bad length names it', () => {
    expect(decodeError(withTlvs('channel_ready', hexToBytes('0107' + '01020304050607'))).field).toBe('channel_ready.tlvs.short_channel_id_alias');
    expect(decodeError(withTlvs('channel_ready', hexToBytes('0109' + '010203040506070809'))).message).toMatch(/^channel_ready\.tlvs\.short_channel_id_alias: 1 unexpected trailing bytes/);
    expect(decodeError(withTlvs('closing_signed', hexToBytes('010f' + '00'.repeat(15)))).field).toBe('closing_signed.tlvs.fee_range.max_fee_satoshis');
    expect(decodeError(withTlvs('closing_signed', hexToBytes('0111' + '00'.repeat(17)))).field).toBe('closing_signed.tlvs.fee_range');
  });

  it('a non-canonical BigSize in a TLV stream is rejected', () => {
    expect(decodeError(withTlvs('update_fee', hexToBytes('fd0001' + '00'))).field).toBe('update_fee.tlvs.type');
  });
});

describe('BOLT 2 odd/even TLV rule', () => {
  const names = Object.keys(SAMPLES) as ChannelMessage['type'][];
  for (const name of names) {
    it(`${name}: unknown odd records are kept and re-encoded; an unknown even record fails`, () => {
      const odd = withTlvs(name, hexToBytes('fd01010301' + '0203'));
      const m = decodeKnown(odd);
      expect((m as { unknownTlvs?: unknown }).unknownTlvs).toEqual([{ type: 0x101n, value: hexToBytes('010203').subarray(0, 3) }]);
      expect(bytesToHex(encodeMessage(m))).toBe(bytesToHex(odd));
      const even = withTlvs(name, hexToBytes('fd01000100'));
      expect(decodeError(even).message).toBe(`${name}.tlvs[256]: unknown even TLV type`);
    });
  }

  it('even types a message knows are accepted only on that message', () => {
    // Type 0 is upfront_shutdown_script on open/accept, blinded_path on update_add_htlc and
    // next_funding on channel_reestablish, but unknown (even) on funding_signed and shutdown.
    expect(decodeKnown(withTlvs('accept_channel', hexToBytes('0000')))).toMatchObject({ upfrontShutdownScript: new Uint8Array(0) });
    expect(decodeError(withTlvs('funding_signed', hexToBytes('0000'))).message).toBe('funding_signed.tlvs[0]: unknown even TLV type');
    expect(decodeError(withTlvs('shutdown', hexToBytes('0000'))).message).toBe('shutdown.tlvs[0]: unknown even TLV type');
    expect(decodeError(withTlvs('commitment_signed', hexToBytes('00022222'))).message).toBe('commitment_signed.tlvs[0]: unknown even TLV type');
    expect(decodeError(withTlvs('closing_signed', hexToBytes('0000'))).message).toBe('closing_signed.tlvs[0]: unknown even TLV type');
  });

  it('known records and unknown odd ones interleave in type order', () => {
    const tlvs = hexToBytes('0000' + '0101' + '10' + '0300' + '4d00');
    const bytes = withTlvs('open_channel', tlvs);
    const m = decodeKnown(bytes);
    expect(m).toMatchObject({ upfrontShutdownScript: new Uint8Array(0), channelType: hexToBytes('10') });
    expect((m as { unknownTlvs?: unknown }).unknownTlvs).toEqual([
      { type: 3n, value: new Uint8Array(0) },
      { type: 77n, value: new Uint8Array(0) },
    ]);
    expect(bytesToHex(encodeMessage(m))).toBe(bytesToHex(bytes));
  });
});

describe('BOLT 2 encode validation', () => {
  it('a wrong-length byte field is a ValidationError naming it', () => {
    const m = { ...SAMPLES.funding_created, temporaryChannelId: fill(31, 0) } as Message;
    expect(() => encodeMessage(m)).toThrow(ValidationError);
    expect(() => encodeMessage(m)).toThrow('funding_created.temporary_channel_id: must be 32 bytes (got 31)');
    const sig = { ...SAMPLES.commitment_signed, htlcSignatures: [fill(64, 0), fill(63, 0)] } as Message;
    expect(() => encodeMessage(sig)).toThrow('commitment_signed.htlc_signature[1]: must be 64 bytes (got 63)');
    const onion = { ...SAMPLES.update_add_htlc, onionRoutingPacket: fill(1365, 0) } as Message;
    expect(() => encodeMessage(onion)).toThrow(/^update_add_htlc\.onion_routing_packet: must be 1366 bytes/);
  });

  it('an invalid point is not sent', () => {
    const m = { ...SAMPLES.open_channel, htlcBasepoint: OFF_CURVE } as Message;
    expect(() => encodeMessage(m)).toThrow('open_channel.htlc_basepoint: not a valid secp256k1 point');
  });

  it('out-of-range integers are ValidationErrors naming the field', () => {
    expect(() => encodeMessage({ ...SAMPLES.open_channel, toSelfDelay: 70_000 } as Message)).toThrow(/^open_channel\.to_self_delay: not a u16/);
    expect(() => encodeMessage({ ...SAMPLES.open_channel, fundingSatoshis: -1n } as Message)).toThrow(/^open_channel\.funding_satoshis: not a u64/);
    expect(() => encodeMessage({ ...SAMPLES.update_fee, feeratePerKw: 2 ** 32 } as Message)).toThrow(/^update_fee\.feerate_per_kw: not a u32/);
    expect(() => encodeMessage({ ...SAMPLES.open_channel, channelFlags: 256 } as Message)).toThrow(/^open_channel\.channel_flags: not a u8/);
    expect(() => encodeMessage({ ...SAMPLES.channel_ready, shortChannelIdAlias: 1n << 64n } as Message)).toThrow(/^channel_ready\.short_channel_id_alias/);
  });

  it('unknownTlvs may hold only odd types the message does not know', () => {
    expect(() => encodeMessage({ ...SAMPLES.update_fee, unknownTlvs: [{ type: 4n, value: new Uint8Array(0) }] } as Message)).toThrow(
      /^update_fee\.unknownTlvs: type 4 is even/,
    );
    expect(() => encodeMessage({ ...SAMPLES.open_channel, unknownTlvs: [{ type: 1n, value: new Uint8Array(0) }] } as Message)).toThrow(
      /^open_channel\.unknownTlvs: type 1 is a known record/,
    );
  });
});

describe('channelIdFromFunding (BOLT 2 v1 channel_id)', () => {
  // Display hex is the reverse of the internal byte order.
  const display = '00112233445566778899aabbccddeeff00112233445566778899aabbccddeeff';
  const internal = hexToBytes(display).reverse();

  it('output index 0 gives the txid in internal byte order', () => {
    expect(bytesToHex(channelIdFromFunding(display, 0))).toBe(bytesToHex(internal));
    expect(bytesToHex(channelIdFromFunding(internal, 0))).toBe(bytesToHex(internal));
  });

  it('XORs the output index, big-endian, into the last two bytes', () => {
    // internal ends …2211 00; index 0x0102 → …2211^01, 00^02.
    expect(bytesToHex(internal.subarray(30))).toBe('1100');
    expect(bytesToHex(channelIdFromFunding(display, 0x0102))).toBe(bytesToHex(internal.subarray(0, 30)) + '1002');
    expect(bytesToHex(channelIdFromFunding(display, 1))).toBe(bytesToHex(internal.subarray(0, 30)) + '1101');
    expect(bytesToHex(channelIdFromFunding(display.toUpperCase(), 0xffff))).toBe(bytesToHex(internal.subarray(0, 30)) + 'eeff');
  });

  it('does not modify the txid bytes it is given', () => {
    const copy = internal.slice();
    channelIdFromFunding(copy, 0xffff);
    expect(copy).toEqual(internal);
  });

  it('rejects a bad txid or output index', () => {
    expect(() => channelIdFromFunding(display.slice(2), 0)).toThrow('funding_txid: expected 64 hex digits');
    expect(() => channelIdFromFunding(new Uint8Array(31), 0)).toThrow('funding_txid: must be 32 bytes');
    expect(() => channelIdFromFunding(display, 65536)).toThrow(/^funding_output_index: not a u16/);
    expect(() => channelIdFromFunding(display, -1)).toThrow(ValidationError);
    expect(() => channelIdFromFunding(display, 1.5)).toThrow(ValidationError);
  });
});

describe('BOLT 2 types in the dispatcher', () => {
  it('unknown odd types near the BOLT 2 range still pass through, unknown even ones fail', () => {
    expect(decodeMessage(withType(37, new Uint8Array(3)))).toMatchObject({ kind: 'unknown', type: 37 });
    expect(decodeMessage(withType(129, new Uint8Array(3)))).toMatchObject({ kind: 'unknown', type: 129 });
    expect(() => decodeMessage(withType(40, new Uint8Array(3)))).toThrow(/unknown even message type 40/);
    expect(() => decodeMessage(withType(137, new Uint8Array(0)))).not.toThrow();
  });
});
