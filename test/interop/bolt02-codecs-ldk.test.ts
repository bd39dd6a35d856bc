/**
 * BOLT 2 codecs against LDK's own serialisation (npm `lightningdevkit`): LDK builds each message
 * from known field values and `write()`s it, our decoder must read back exactly those values and
 * re-encode the same bytes; our encoder's bytes must be accepted by LDK's `constructor_read` with
 * the same values on its getters, and LDK must write them back byte for byte. No network: this
 * is field order, sizes and TLV layout checked by an independent implementation.
 */
import { beforeAll, describe, expect, test } from 'vitest';
import { bytesToHex, concatBytes, hexToBytes } from '../../engine/lib/bytes.ts';
import { sha256 } from '../../engine/crypto/hash.ts';
import { publicKeyOf, signDigest } from '../../engine/crypto/secp256k1.ts';
import { chainHash } from '../../engine/wire/chains.ts';
import { decodeMessage, encodeMessage, type Message } from '../../engine/wire/message.ts';
import { channelIdFromFunding, type ChannelMessage } from '../../engine/wire/messages/channel.ts';
import { loadLdk, type Ldk } from '../../playground/ldk/wasm.ts';

let ldk: Ldk;
beforeAll(async () => {
  ldk = await loadLdk();
});

const point = (i: number): Uint8Array => publicKeyOf(new Uint8Array(32).fill(i));
const fill = (n: number, b: number): Uint8Array => new Uint8Array(n).fill(b);
/** A real (valid, low-S) compact signature: LDK parses signatures strictly. */
const sig = (i: number): Uint8Array => signDigest(sha256(Uint8Array.of(i)), new Uint8Array(32).fill(0x40 + i));
const P = [1, 2, 3, 4, 5, 6, 7].map(point);
const REGTEST = chainHash('regtest');
const TEMP_ID = fill(32, 0xaa);
const CHAN_ID = hexToBytes('0102030405060708090a0b0c0d0e0f101112131415161718191a1b1c1d1e1f20');
const ONION = concatBytes(Uint8Array.of(0), P[3]!, fill(1300, 0x77), fill(32, 0x88));
const P2WPKH = hexToBytes('0014' + '11'.repeat(20));
/** BOLT 9 channel_type for anchors_zero_fee_htlc_tx + static_remotekey: bits 22 and 12. */
const ANCHORS_TYPE = hexToBytes('401000');

type Of<T extends ChannelMessage['type']> = Extract<ChannelMessage, { type: T }>;

function withType(type: number, payload: Uint8Array): Uint8Array {
  return concatBytes(Uint8Array.of(type >> 8, type & 0xff), payload);
}

/** LDK's `write()` payload (no type) → our decoder; the decoded message re-encodes to the same bytes. */
function fromLdk<T extends ChannelMessage['type']>(type: number, name: T, payload: Uint8Array): Of<T> {
  const bytes = withType(type, payload);
  const d = decodeMessage(bytes);
  expect(d.kind).toBe('known');
  if (d.kind !== 'known') throw new Error('unknown');
  expect(d.message.type).toBe(name);
  expect(bytesToHex(encodeMessage(d.message))).toBe(bytesToHex(bytes));
  return d.message as Of<T>;
}

/** Our encoding → LDK `constructor_read` (must succeed); returns LDK's object. */
function toLdk<R>(m: Message, read: (payload: Uint8Array) => { is_ok(): boolean }): { res: R; payload: Uint8Array } {
  const payload = encodeMessage(m).subarray(2);
  const r = read(payload);
  expect(Boolean(r.is_ok()), `LDK rejected our ${m.type}`).toBe(true);
  return { res: (r as unknown as { res: R }).res, payload };
}

// LDK's JS bindings hand integers back signed (u64 as i64, u32/u16 as i32/i16); reinterpret them.
const asU64 = (v: bigint): bigint => BigInt.asUintN(64, v);
const asU32 = (v: number): number => v >>> 0;
const asU16 = (v: number): number => v & 0xffff;

function someBytes(o: unknown): Uint8Array | undefined {
  return o && typeof o === 'object' && 'some' in o ? (o as { some: Uint8Array }).some : undefined;
}
function someU64(o: unknown): bigint | undefined {
  return o && typeof o === 'object' && 'some' in o ? (o as { some: bigint }).some : undefined;
}

describe('BOLT 2 channel establishment vs LDK', () => {
  test('open_channel: LDK → Glint', () => {
    const common = ldk.CommonOpenChannelFields.constructor_new(
      REGTEST,
      ldk.ChannelId.constructor_new(TEMP_ID),
      1_000_000n,
      546n,
      900_000_000n,
      1n,
      253,
      144,
      483,
      P[0]!,
      P[1]!,
      P[2]!,
      P[3]!,
      P[4]!,
      P[5]!,
      1,
      ldk.Option_CVec_u8ZZ.constructor_some(P2WPKH),
      ldk.ChannelTypeFeatures.constructor_anchors_zero_htlc_fee_and_dependencies(),
    );
    const m = fromLdk(32, 'open_channel', ldk.OpenChannel.constructor_new(common, 12_345n, 10_000n).write());
    expect(m).toEqual({
      type: 'open_channel',
      chainHash: REGTEST,
      temporaryChannelId: TEMP_ID,
      fundingSatoshis: 1_000_000n,
      pushMsat: 12_345n,
      dustLimitSatoshis: 546n,
      maxHtlcValueInFlightMsat: 900_000_000n,
      channelReserveSatoshis: 10_000n,
      htlcMinimumMsat: 1n,
      feeratePerKw: 253,
      toSelfDelay: 144,
      maxAcceptedHtlcs: 483,
      fundingPubkey: P[0],
      revocationBasepoint: P[1],
      paymentBasepoint: P[2],
      delayedPaymentBasepoint: P[3],
      htlcBasepoint: P[4],
      firstPerCommitmentPoint: P[5],
      channelFlags: 1,
      upfrontShutdownScript: P2WPKH,
      channelType: ANCHORS_TYPE,
    });
  });

  test('open_channel without upfront script or channel_type: LDK → Glint', () => {
    const common = ldk.CommonOpenChannelFields.constructor_new(
      REGTEST,
      ldk.ChannelId.constructor_new(TEMP_ID),
      20_000n,
      546n,
      20_000_000n,
      0n,
      1000,
      6,
      1,
      P[0]!,
      P[1]!,
      P[2]!,
      P[3]!,
      P[4]!,
      P[5]!,
      0,
      ldk.Option_CVec_u8ZZ.constructor_none(),
      null,
    );
    const m = fromLdk(32, 'open_channel', ldk.OpenChannel.constructor_new(common, 0n, 0n).write());
    expect(m.channelType).toBeUndefined();
    expect(m.unknownTlvs).toBeUndefined();
    // LDK writes no type-0 record at all for "no upfront script" (not a zero-length one).
    expect(m.upfrontShutdownScript).toBeUndefined();
    expect(m).toMatchObject({ fundingSatoshis: 20_000n, feeratePerKw: 1000, toSelfDelay: 6, maxAcceptedHtlcs: 1, channelFlags: 0 });
  });

  test('open_channel: Glint → LDK (with an unknown odd TLV LDK must ignore)', () => {
    const ours: Of<'open_channel'> = {
      type: 'open_channel',
      chainHash: REGTEST,
      temporaryChannelId: TEMP_ID,
      fundingSatoshis: 250_000n,
      pushMsat: 0n,
      dustLimitSatoshis: 354n,
      maxHtlcValueInFlightMsat: 250_000_000n,
      channelReserveSatoshis: 2500n,
      htlcMinimumMsat: 1000n,
      feeratePerKw: 2500,
      toSelfDelay: 720,
      maxAcceptedHtlcs: 30,
      fundingPubkey: P[6]!,
      revocationBasepoint: P[5]!,
      paymentBasepoint: P[4]!,
      delayedPaymentBasepoint: P[3]!,
      htlcBasepoint: P[2]!,
      firstPerCommitmentPoint: P[1]!,
      channelFlags: 0,
      upfrontShutdownScript: new Uint8Array(0),
      channelType: hexToBytes('1000'),
    };
    const { res, payload } = toLdk<Ldk['OpenChannel']['prototype']>(ours, (b) => ldk.OpenChannel.constructor_read(b));
    const c = res.get_common_fields();
    expect(c.get_chain_hash()).toEqual(REGTEST);
    expect(c.get_temporary_channel_id().get_a()).toEqual(TEMP_ID);
    expect(c.get_funding_satoshis()).toBe(250_000n);
    expect(res.get_push_msat()).toBe(0n);
    expect(c.get_dust_limit_satoshis()).toBe(354n);
    expect(c.get_max_htlc_value_in_flight_msat()).toBe(250_000_000n);
    expect(res.get_channel_reserve_satoshis()).toBe(2500n);
    expect(c.get_htlc_minimum_msat()).toBe(1000n);
    expect(c.get_commitment_feerate_sat_per_1000_weight()).toBe(2500);
    expect(c.get_to_self_delay()).toBe(720);
    expect(c.get_max_accepted_htlcs()).toBe(30);
    expect(c.get_funding_pubkey()).toEqual(P[6]);
    expect(c.get_revocation_basepoint()).toEqual(P[5]);
    expect(c.get_payment_basepoint()).toEqual(P[4]);
    expect(c.get_delayed_payment_basepoint()).toEqual(P[3]);
    expect(c.get_htlc_basepoint()).toEqual(P[2]);
    expect(c.get_first_per_commitment_point()).toEqual(P[1]);
    expect(c.get_channel_flags()).toBe(0);
    expect(someBytes(c.get_shutdown_scriptpubkey())).toEqual(new Uint8Array(0));
    expect(Boolean(c.get_channel_type().supports_static_remote_key())).toBe(true);
    expect(Boolean(c.get_channel_type().supports_anchors_zero_fee_htlc_tx())).toBe(false);
    expect(bytesToHex(res.write())).toBe(bytesToHex(payload));

    const withOdd = { ...ours, unknownTlvs: [{ type: 0x10001n, value: hexToBytes('cafe') }] };
    const r = toLdk<Ldk['OpenChannel']['prototype']>(withOdd, (b) => ldk.OpenChannel.constructor_read(b));
    expect(r.res.get_common_fields().get_funding_satoshis()).toBe(250_000n);
    // And both sides refuse an unknown even record.
    const even = concatBytes(payload, hexToBytes('fe0001000002cafe'));
    expect(Boolean(ldk.OpenChannel.constructor_read(even).is_ok())).toBe(false);
    expect(() => decodeMessage(withType(32, even))).toThrow('open_channel.tlvs[65536]: unknown even TLV type');
  });

  test('accept_channel: both directions', () => {
    const common = ldk.CommonAcceptChannelFields.constructor_new(
      ldk.ChannelId.constructor_new(TEMP_ID),
      354n,
      990_000_000n,
      1000n,
      3,
      720,
      50,
      P[6]!,
      P[5]!,
      P[4]!,
      P[3]!,
      P[2]!,
      P[1]!,
      ldk.Option_CVec_u8ZZ.constructor_some(P2WPKH),
      ldk.ChannelTypeFeatures.constructor_only_static_remote_key(),
    );
    const m = fromLdk(33, 'accept_channel', ldk.AcceptChannel.constructor_new(common, 10_000n).write());
    expect(m).toEqual({
      type: 'accept_channel',
      temporaryChannelId: TEMP_ID,
      dustLimitSatoshis: 354n,
      maxHtlcValueInFlightMsat: 990_000_000n,
      channelReserveSatoshis: 10_000n,
      htlcMinimumMsat: 1000n,
      minimumDepth: 3,
      toSelfDelay: 720,
      maxAcceptedHtlcs: 50,
      fundingPubkey: P[6],
      revocationBasepoint: P[5],
      paymentBasepoint: P[4],
      delayedPaymentBasepoint: P[3],
      htlcBasepoint: P[2],
      firstPerCommitmentPoint: P[1],
      upfrontShutdownScript: P2WPKH,
      channelType: hexToBytes('1000'),
    });

    const ours: Of<'accept_channel'> = { ...m, minimumDepth: 6, channelReserveSatoshis: 777n, channelType: ANCHORS_TYPE };
    const { res, payload } = toLdk<Ldk['AcceptChannel']['prototype']>(ours, (b) => ldk.AcceptChannel.constructor_read(b));
    const c = res.get_common_fields();
    expect(c.get_minimum_depth()).toBe(6);
    expect(res.get_channel_reserve_satoshis()).toBe(777n);
    expect(c.get_htlc_minimum_msat()).toBe(1000n);
    expect(c.get_first_per_commitment_point()).toEqual(P[1]);
    expect(Boolean(c.get_channel_type().supports_anchors_zero_fee_htlc_tx())).toBe(true);
    expect(bytesToHex(res.write())).toBe(bytesToHex(payload));
  });

  test('funding_created and funding_signed: both directions', () => {
    const txid = sha256(Uint8Array.of(1, 2, 3));
    const fc = fromLdk(34, 'funding_created', ldk.FundingCreated.constructor_new(ldk.ChannelId.constructor_new(TEMP_ID), txid, 1, sig(1)).write());
    expect(fc).toEqual({ type: 'funding_created', temporaryChannelId: TEMP_ID, fundingTxid: txid, fundingOutputIndex: 1, signature: sig(1) });
    const fcBack = toLdk<Ldk['FundingCreated']['prototype']>({ ...fc, fundingOutputIndex: 0x1234 }, (b) => ldk.FundingCreated.constructor_read(b));
    expect(fcBack.res.get_funding_txid()).toEqual(txid);
    expect(fcBack.res.get_funding_output_index()).toBe(0x1234);
    expect(fcBack.res.get_signature()).toEqual(sig(1));
    expect(bytesToHex(fcBack.res.write())).toBe(bytesToHex(fcBack.payload));

    const fs = fromLdk(35, 'funding_signed', ldk.FundingSigned.constructor_new(ldk.ChannelId.constructor_new(CHAN_ID), sig(2)).write());
    expect(fs).toEqual({ type: 'funding_signed', channelId: CHAN_ID, signature: sig(2) });
    const fsBack = toLdk<Ldk['FundingSigned']['prototype']>(fs, (b) => ldk.FundingSigned.constructor_read(b));
    expect(fsBack.res.get_channel_id().get_a()).toEqual(CHAN_ID);
    expect(fsBack.res.get_signature()).toEqual(sig(2));
  });

  test('channel_ready with and without short_channel_id_alias: both directions', () => {
    const alias = (800_000n << 40n) | (12n << 16n) | 1n;
    const m = fromLdk(
      36,
      'channel_ready',
      ldk.ChannelReady.constructor_new(ldk.ChannelId.constructor_new(CHAN_ID), P[2]!, ldk.Option_u64Z.constructor_some(alias)).write(),
    );
    expect(m).toEqual({ type: 'channel_ready', channelId: CHAN_ID, secondPerCommitmentPoint: P[2], shortChannelIdAlias: alias });
    const none = fromLdk(36, 'channel_ready', ldk.ChannelReady.constructor_new(ldk.ChannelId.constructor_new(CHAN_ID), P[2]!, ldk.Option_u64Z.constructor_none()).write());
    expect(none).toEqual({ type: 'channel_ready', channelId: CHAN_ID, secondPerCommitmentPoint: P[2] });

    const back = toLdk<Ldk['ChannelReady']['prototype']>({ ...m, shortChannelIdAlias: 42n }, (b) => ldk.ChannelReady.constructor_read(b));
    expect(back.res.get_next_per_commitment_point()).toEqual(P[2]);
    expect(someU64(back.res.get_short_channel_id_alias())).toBe(42n);
    expect(bytesToHex(back.res.write())).toBe(bytesToHex(back.payload));
  });

  test('channel_id from the funding outpoint matches LDK ChannelId v1', () => {
    for (const [seed, index] of [
      [1, 0],
      [2, 1],
      [3, 0x1234],
      [4, 0xffff],
    ] as const) {
      const txid = sha256(Uint8Array.of(seed));
      const theirs = ldk.ChannelId.constructor_v1_from_funding_txid(txid, index).get_a();
      expect(bytesToHex(channelIdFromFunding(txid, index))).toBe(bytesToHex(theirs));
      // The same txid shown as display hex (byte-reversed).
      expect(bytesToHex(channelIdFromFunding(bytesToHex(txid.slice().reverse()), index))).toBe(bytesToHex(theirs));
    }
  });
});

describe('BOLT 2 close vs LDK', () => {
  test('shutdown: both directions', () => {
    const script = hexToBytes('0020' + '22'.repeat(32));
    const m = fromLdk(38, 'shutdown', ldk.Shutdown.constructor_new(ldk.ChannelId.constructor_new(CHAN_ID), script).write());
    expect(m).toEqual({ type: 'shutdown', channelId: CHAN_ID, scriptpubkey: script });
    const back = toLdk<Ldk['Shutdown']['prototype']>({ ...m, scriptpubkey: P2WPKH }, (b) => ldk.Shutdown.constructor_read(b));
    expect(back.res.get_scriptpubkey()).toEqual(P2WPKH);
    expect(bytesToHex(back.res.write())).toBe(bytesToHex(back.payload));
  });

  test('closing_signed with and without fee_range: both directions', () => {
    const range = ldk.ClosingSignedFeeRange.constructor_new(150n, 900n);
    const m = fromLdk(39, 'closing_signed', ldk.ClosingSigned.constructor_new(ldk.ChannelId.constructor_new(CHAN_ID), 300n, sig(3), range).write());
    expect(m).toEqual({ type: 'closing_signed', channelId: CHAN_ID, feeSatoshis: 300n, signature: sig(3), feeRange: { minFeeSatoshis: 150n, maxFeeSatoshis: 900n } });
    const bare = fromLdk(39, 'closing_signed', ldk.ClosingSigned.constructor_new(ldk.ChannelId.constructor_new(CHAN_ID), 300n, sig(3), null).write());
    expect(bare).toEqual({ type: 'closing_signed', channelId: CHAN_ID, feeSatoshis: 300n, signature: sig(3) });

    const back = toLdk<Ldk['ClosingSigned']['prototype']>(
      { ...m, feeSatoshis: 250n, feeRange: { minFeeSatoshis: 1n, maxFeeSatoshis: 2n } },
      (b) => ldk.ClosingSigned.constructor_read(b),
    );
    expect(back.res.get_fee_satoshis()).toBe(250n);
    expect(back.res.get_signature()).toEqual(sig(3));
    expect(back.res.get_fee_range().get_min_fee_satoshis()).toBe(1n);
    expect(back.res.get_fee_range().get_max_fee_satoshis()).toBe(2n);
    expect(bytesToHex(back.res.write())).toBe(bytesToHex(back.payload));
  });
});

describe('BOLT 2 normal operation vs LDK', () => {
  const onion = (): Ldk['OnionPacket']['prototype'] => {
    const r = ldk.OnionPacket.constructor_read(ONION);
    expect(Boolean(r.is_ok())).toBe(true);
    return (r as unknown as { res: Ldk['OnionPacket']['prototype'] }).res;
  };

  test('update_add_htlc: LDK → Glint, with blinding point and LDK skimmed fee (odd TLV 65537)', () => {
    const hash = sha256(Uint8Array.of(9));
    const m = fromLdk(
      128,
      'update_add_htlc',
      ldk.UpdateAddHTLC.constructor_new(ldk.ChannelId.constructor_new(CHAN_ID), 7n, 50_000n, hash, 800_123, ldk.Option_u64Z.constructor_some(1000n), onion(), P[4]!).write(),
    );
    expect(m).toEqual({
      type: 'update_add_htlc',
      channelId: CHAN_ID,
      htlcId: 7n,
      amountMsat: 50_000n,
      paymentHash: hash,
      cltvExpiry: 800_123,
      onionRoutingPacket: ONION,
      blindedPath: P[4],
      unknownTlvs: [{ type: 65537n, value: hexToBytes('00000000000003e8') }],
    });
    const plain = fromLdk(
      128,
      'update_add_htlc',
      ldk.UpdateAddHTLC.constructor_new(ldk.ChannelId.constructor_new(CHAN_ID), 0n, 1n, hash, 0, ldk.Option_u64Z.constructor_none(), onion(), null).write(),
    );
    expect(plain).toEqual({ type: 'update_add_htlc', channelId: CHAN_ID, htlcId: 0n, amountMsat: 1n, paymentHash: hash, cltvExpiry: 0, onionRoutingPacket: ONION });
  });

  test('update_add_htlc: Glint → LDK', () => {
    const ours: Of<'update_add_htlc'> = {
      type: 'update_add_htlc',
      channelId: CHAN_ID,
      htlcId: 0xfedcba9876543210n,
      amountMsat: 123_456_789n,
      paymentHash: fill(32, 0x66),
      cltvExpiry: 0xfffffffe,
      onionRoutingPacket: ONION,
      blindedPath: P[0]!,
    };
    const { res, payload } = toLdk<Ldk['UpdateAddHTLC']['prototype']>(ours, (b) => ldk.UpdateAddHTLC.constructor_read(b));
    expect(res.get_channel_id().get_a()).toEqual(CHAN_ID);
    expect(asU64(res.get_htlc_id())).toBe(0xfedcba9876543210n);
    expect(res.get_amount_msat()).toBe(123_456_789n);
    expect(res.get_payment_hash()).toEqual(fill(32, 0x66));
    expect(asU32(res.get_cltv_expiry())).toBe(0xfffffffe);
    expect(res.get_blinding_point()).toEqual(P[0]);
    expect(res.get_onion_routing_packet().get_hmac()).toEqual(fill(32, 0x88));
    expect(bytesToHex(res.write())).toBe(bytesToHex(payload));
  });

  test('update_fulfill_htlc, update_fail_htlc, update_fail_malformed_htlc: both directions where LDK can build them', () => {
    const preimage = fill(32, 0x99);
    const ff = fromLdk(130, 'update_fulfill_htlc', ldk.UpdateFulfillHTLC.constructor_new(ldk.ChannelId.constructor_new(CHAN_ID), 5n, preimage).write());
    expect(ff).toEqual({ type: 'update_fulfill_htlc', channelId: CHAN_ID, htlcId: 5n, paymentPreimage: preimage });
    const ffBack = toLdk<Ldk['UpdateFulfillHTLC']['prototype']>({ ...ff, htlcId: 6n }, (b) => ldk.UpdateFulfillHTLC.constructor_read(b));
    expect(ffBack.res.get_htlc_id()).toBe(6n);
    expect(ffBack.res.get_payment_preimage()).toEqual(preimage);
    expect(bytesToHex(ffBack.res.write())).toBe(bytesToHex(ffBack.payload));

    // LDK has no public constructor for these two; its reader and writer must agree with ours.
    const fail: Of<'update_fail_htlc'> = { type: 'update_fail_htlc', channelId: CHAN_ID, htlcId: 8n, reason: fill(292, 0x44) };
    const failBack = toLdk<Ldk['UpdateFailHTLC']['prototype']>(fail, (b) => ldk.UpdateFailHTLC.constructor_read(b));
    expect(failBack.res.get_channel_id().get_a()).toEqual(CHAN_ID);
    expect(failBack.res.get_htlc_id()).toBe(8n);
    expect(fromLdk(131, 'update_fail_htlc', failBack.res.write())).toEqual(fail);

    const malformed: Of<'update_fail_malformed_htlc'> = {
      type: 'update_fail_malformed_htlc',
      channelId: CHAN_ID,
      htlcId: 9n,
      sha256OfOnion: fill(32, 0x55),
      failureCode: 0x8000 | 0x4000 | 5,
    };
    const mBack = toLdk<Ldk['UpdateFailMalformedHTLC']['prototype']>(malformed, (b) => ldk.UpdateFailMalformedHTLC.constructor_read(b));
    expect(mBack.res.get_htlc_id()).toBe(9n);
    expect(asU16(mBack.res.get_failure_code())).toBe(0xc005);
    expect(fromLdk(135, 'update_fail_malformed_htlc', mBack.res.write())).toEqual(malformed);
  });

  test('commitment_signed with 0 and 3 HTLC signatures: both directions', () => {
    const htlcSigs = [sig(4), sig(5), sig(6)];
    const m = fromLdk(132, 'commitment_signed', ldk.CommitmentSigned.constructor_new(ldk.ChannelId.constructor_new(CHAN_ID), sig(7), htlcSigs, null).write());
    expect(m).toEqual({ type: 'commitment_signed', channelId: CHAN_ID, signature: sig(7), htlcSignatures: htlcSigs });
    const none = fromLdk(132, 'commitment_signed', ldk.CommitmentSigned.constructor_new(ldk.ChannelId.constructor_new(CHAN_ID), sig(7), [], null).write());
    expect(none.htlcSignatures).toEqual([]);

    const back = toLdk<Ldk['CommitmentSigned']['prototype']>({ ...m, htlcSignatures: [sig(8), sig(9)] }, (b) => ldk.CommitmentSigned.constructor_read(b));
    expect(back.res.get_signature()).toEqual(sig(7));
    expect(back.res.get_htlc_signatures()).toEqual([sig(8), sig(9)]);
    expect(bytesToHex(back.res.write())).toBe(bytesToHex(back.payload));
  });

  test('revoke_and_ack and update_fee: both directions', () => {
    const secret = fill(32, 0x12);
    const ra = fromLdk(133, 'revoke_and_ack', ldk.RevokeAndACK.constructor_new(ldk.ChannelId.constructor_new(CHAN_ID), secret, P[5]!).write());
    expect(ra).toEqual({ type: 'revoke_and_ack', channelId: CHAN_ID, perCommitmentSecret: secret, nextPerCommitmentPoint: P[5] });
    const raBack = toLdk<Ldk['RevokeAndACK']['prototype']>({ ...ra, nextPerCommitmentPoint: P[6]! }, (b) => ldk.RevokeAndACK.constructor_read(b));
    expect(raBack.res.get_per_commitment_secret()).toEqual(secret);
    expect(raBack.res.get_next_per_commitment_point()).toEqual(P[6]);
    expect(bytesToHex(raBack.res.write())).toBe(bytesToHex(raBack.payload));

    const uf = fromLdk(134, 'update_fee', ldk.UpdateFee.constructor_new(ldk.ChannelId.constructor_new(CHAN_ID), 253).write());
    expect(uf).toEqual({ type: 'update_fee', channelId: CHAN_ID, feeratePerKw: 253 });
    const ufBack = toLdk<Ldk['UpdateFee']['prototype']>({ ...uf, feeratePerKw: 0xfffffff0 }, (b) => ldk.UpdateFee.constructor_read(b));
    expect(asU32(ufBack.res.get_feerate_per_kw())).toBe(0xfffffff0);
    expect(bytesToHex(ufBack.res.write())).toBe(bytesToHex(ufBack.payload));
  });

  test('channel_reestablish with and without next_funding: both directions', () => {
    const secret = fill(32, 0x13);
    const fundingTxid = sha256(Uint8Array.of(0x14));
    const m = fromLdk(
      136,
      'channel_reestablish',
      ldk.ChannelReestablish.constructor_new(ldk.ChannelId.constructor_new(CHAN_ID), 5n, 4n, secret, P[1]!, ldk.Option_ThirtyTwoBytesZ.constructor_some(fundingTxid)).write(),
    );
    expect(m).toEqual({
      type: 'channel_reestablish',
      channelId: CHAN_ID,
      nextCommitmentNumber: 5n,
      nextRevocationNumber: 4n,
      yourLastPerCommitmentSecret: secret,
      myCurrentPerCommitmentPoint: P[1],
      nextFunding: fundingTxid,
    });
    const fresh = fromLdk(
      136,
      'channel_reestablish',
      ldk.ChannelReestablish.constructor_new(ldk.ChannelId.constructor_new(CHAN_ID), 1n, 0n, new Uint8Array(32), P[1]!, ldk.Option_ThirtyTwoBytesZ.constructor_none()).write(),
    );
    expect(fresh).toEqual({
      type: 'channel_reestablish',
      channelId: CHAN_ID,
      nextCommitmentNumber: 1n,
      nextRevocationNumber: 0n,
      yourLastPerCommitmentSecret: new Uint8Array(32),
      myCurrentPerCommitmentPoint: P[1],
    });

    const back = toLdk<Ldk['ChannelReestablish']['prototype']>(
      { ...fresh, nextCommitmentNumber: 1n << 47n, nextRevocationNumber: (1n << 47n) - 1n },
      (b) => ldk.ChannelReestablish.constructor_read(b),
    );
    expect(back.res.get_next_local_commitment_number()).toBe(1n << 47n);
    expect(back.res.get_next_remote_commitment_number()).toBe((1n << 47n) - 1n);
    expect(back.res.get_your_last_per_commitment_secret()).toEqual(new Uint8Array(32));
    expect(back.res.get_my_current_per_commitment_point()).toEqual(P[1]);
    expect(bytesToHex(back.res.write())).toBe(bytesToHex(back.payload));
  });
});
