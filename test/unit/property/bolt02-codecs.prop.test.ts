/**
 * Properties of the BOLT 2 channel message codecs: random payloads after every BOLT 2 type, and
 * random corruptions of valid messages, decode or raise `DecodeError` (never anything else); and
 * decode∘encode is the identity on generated valid messages.
 */
import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { DecodeError } from '../../../engine/lib/errors.ts';
import { publicKeyOf } from '../../../engine/crypto/secp256k1.ts';
import { decodeMessage, encodeMessage, type Message } from '../../../engine/wire/message.ts';
import type { TlvRecord } from '../../../engine/wire/tlv.ts';
import type { ChannelMessage } from '../../../engine/wire/messages/channel.ts';

const RUNS = { numRuns: 300 };
const BOLT2_TYPES = [32, 33, 34, 35, 36, 38, 39, 128, 130, 131, 132, 133, 134, 135, 136];

function onlyDecodeErrors(f: () => unknown): void {
  try {
    f();
  } catch (err) {
    expect(err).toBeInstanceOf(DecodeError);
  }
}

function withType(type: number, payload: Uint8Array): Uint8Array {
  const b = new Uint8Array(payload.length + 2);
  b[0] = type >> 8;
  b[1] = type & 0xff;
  b.set(payload, 2);
  return b;
}

// Curve points are expensive to make; a pool of valid ones is enough for codec properties.
const POINTS = Array.from({ length: 12 }, (_, i) => publicKeyOf(new Uint8Array(32).fill(i + 1)));

const bytes = (n: number) => fc.uint8Array({ minLength: n, maxLength: n });
const point = fc.constantFrom(...POINTS);
const u64 = fc.bigInt({ min: 0n, max: (1n << 64n) - 1n });
const u32 = fc.integer({ min: 0, max: 2 ** 32 - 1 });
const u16 = fc.integer({ min: 0, max: 0xffff });
const u8 = fc.integer({ min: 0, max: 0xff });

/** Unknown odd TLV records (types the message does not know), sorted as decode returns them. */
function unknownTlvs(known: readonly bigint[]): fc.Arbitrary<readonly TlvRecord[]> {
  const record = fc.record({ type: fc.bigInt({ min: 0n, max: (1n << 64n) - 1n }).map((t) => t | 1n), value: fc.uint8Array({ maxLength: 20 }) });
  return fc
    .uniqueArray(record, { selector: (r) => r.type, minLength: 1, maxLength: 4 })
    .map((recs) => recs.filter((r) => !known.includes(r.type)).sort((a, b) => (a.type < b.type ? -1 : 1)))
    .filter((recs) => recs.length > 0);
}

/** `fc.record` where only `required` keys are always present. */
function message<T extends Record<string, fc.Arbitrary<unknown>>>(model: T, required: (keyof T)[]) {
  return fc.record(model, { requiredKeys: required as never });
}

const basepoints = {
  fundingPubkey: point,
  revocationBasepoint: point,
  paymentBasepoint: point,
  delayedPaymentBasepoint: point,
  htlcBasepoint: point,
  firstPerCommitmentPoint: point,
};
const BASEPOINT_KEYS = Object.keys(basepoints) as (keyof typeof basepoints)[];
const openTlvs = {
  upfrontShutdownScript: fc.uint8Array({ maxLength: 42 }),
  channelType: fc.uint8Array({ maxLength: 8 }),
  unknownTlvs: unknownTlvs([0n, 1n]),
};

const ARBITRARIES: { [K in ChannelMessage['type']]: fc.Arbitrary<Extract<ChannelMessage, { type: K }>> } = {
  open_channel: message(
    {
      type: fc.constant('open_channel' as const),
      chainHash: bytes(32),
      temporaryChannelId: bytes(32),
      fundingSatoshis: u64,
      pushMsat: u64,
      dustLimitSatoshis: u64,
      maxHtlcValueInFlightMsat: u64,
      channelReserveSatoshis: u64,
      htlcMinimumMsat: u64,
      feeratePerKw: u32,
      toSelfDelay: u16,
      maxAcceptedHtlcs: u16,
      ...basepoints,
      channelFlags: u8,
      ...openTlvs,
    },
    [
      'type',
      'chainHash',
      'temporaryChannelId',
      'fundingSatoshis',
      'pushMsat',
      'dustLimitSatoshis',
      'maxHtlcValueInFlightMsat',
      'channelReserveSatoshis',
      'htlcMinimumMsat',
      'feeratePerKw',
      'toSelfDelay',
      'maxAcceptedHtlcs',
      ...BASEPOINT_KEYS,
      'channelFlags',
    ],
  ),
  accept_channel: message(
    {
      type: fc.constant('accept_channel' as const),
      temporaryChannelId: bytes(32),
      dustLimitSatoshis: u64,
      maxHtlcValueInFlightMsat: u64,
      channelReserveSatoshis: u64,
      htlcMinimumMsat: u64,
      minimumDepth: u32,
      toSelfDelay: u16,
      maxAcceptedHtlcs: u16,
      ...basepoints,
      ...openTlvs,
    },
    [
      'type',
      'temporaryChannelId',
      'dustLimitSatoshis',
      'maxHtlcValueInFlightMsat',
      'channelReserveSatoshis',
      'htlcMinimumMsat',
      'minimumDepth',
      'toSelfDelay',
      'maxAcceptedHtlcs',
      ...BASEPOINT_KEYS,
    ],
  ),
  funding_created: message(
    {
      type: fc.constant('funding_created' as const),
      temporaryChannelId: bytes(32),
      fundingTxid: bytes(32),
      fundingOutputIndex: u16,
      signature: bytes(64),
      unknownTlvs: unknownTlvs([]),
    },
    ['type', 'temporaryChannelId', 'fundingTxid', 'fundingOutputIndex', 'signature'],
  ),
  funding_signed: message(
    { type: fc.constant('funding_signed' as const), channelId: bytes(32), signature: bytes(64), unknownTlvs: unknownTlvs([]) },
    ['type', 'channelId', 'signature'],
  ),
  channel_ready: message(
    {
      type: fc.constant('channel_ready' as const),
      channelId: bytes(32),
      secondPerCommitmentPoint: point,
      shortChannelIdAlias: u64,
      unknownTlvs: unknownTlvs([1n]),
    },
    ['type', 'channelId', 'secondPerCommitmentPoint'],
  ),
  shutdown: message(
    { type: fc.constant('shutdown' as const), channelId: bytes(32), scriptpubkey: fc.uint8Array({ maxLength: 42 }), unknownTlvs: unknownTlvs([]) },
    ['type', 'channelId', 'scriptpubkey'],
  ),
  closing_signed: message(
    {
      type: fc.constant('closing_signed' as const),
      channelId: bytes(32),
      feeSatoshis: u64,
      signature: bytes(64),
      feeRange: fc.record({ minFeeSatoshis: u64, maxFeeSatoshis: u64 }),
      unknownTlvs: unknownTlvs([1n]),
    },
    ['type', 'channelId', 'feeSatoshis', 'signature'],
  ),
  update_add_htlc: message(
    {
      type: fc.constant('update_add_htlc' as const),
      channelId: bytes(32),
      htlcId: u64,
      amountMsat: u64,
      paymentHash: bytes(32),
      cltvExpiry: u32,
      onionRoutingPacket: bytes(1366),
      blindedPath: fc.oneof(point, fc.uint8Array({ maxLength: 40 })),
      unknownTlvs: unknownTlvs([]),
    },
    ['type', 'channelId', 'htlcId', 'amountMsat', 'paymentHash', 'cltvExpiry', 'onionRoutingPacket'],
  ),
  update_fulfill_htlc: message(
    { type: fc.constant('update_fulfill_htlc' as const), channelId: bytes(32), htlcId: u64, paymentPreimage: bytes(32), unknownTlvs: unknownTlvs([]) },
    ['type', 'channelId', 'htlcId', 'paymentPreimage'],
  ),
  update_fail_htlc: message(
    { type: fc.constant('update_fail_htlc' as const), channelId: bytes(32), htlcId: u64, reason: fc.uint8Array({ maxLength: 300 }), unknownTlvs: unknownTlvs([]) },
    ['type', 'channelId', 'htlcId', 'reason'],
  ),
  update_fail_malformed_htlc: message(
    {
      type: fc.constant('update_fail_malformed_htlc' as const),
      channelId: bytes(32),
      htlcId: u64,
      sha256OfOnion: bytes(32),
      failureCode: u16,
      unknownTlvs: unknownTlvs([]),
    },
    ['type', 'channelId', 'htlcId', 'sha256OfOnion', 'failureCode'],
  ),
  commitment_signed: message(
    {
      type: fc.constant('commitment_signed' as const),
      channelId: bytes(32),
      signature: bytes(64),
      htlcSignatures: fc.array(bytes(64), { maxLength: 12 }),
      unknownTlvs: unknownTlvs([]),
    },
    ['type', 'channelId', 'signature', 'htlcSignatures'],
  ),
  revoke_and_ack: message(
    {
      type: fc.constant('revoke_and_ack' as const),
      channelId: bytes(32),
      perCommitmentSecret: bytes(32),
      nextPerCommitmentPoint: point,
      unknownTlvs: unknownTlvs([]),
    },
    ['type', 'channelId', 'perCommitmentSecret', 'nextPerCommitmentPoint'],
  ),
  update_fee: message(
    { type: fc.constant('update_fee' as const), channelId: bytes(32), feeratePerKw: u32, unknownTlvs: unknownTlvs([]) },
    ['type', 'channelId', 'feeratePerKw'],
  ),
  channel_reestablish: message(
    {
      type: fc.constant('channel_reestablish' as const),
      channelId: bytes(32),
      nextCommitmentNumber: u64,
      nextRevocationNumber: u64,
      yourLastPerCommitmentSecret: bytes(32),
      myCurrentPerCommitmentPoint: point,
      nextFunding: fc.uint8Array({ maxLength: 40 }),
      unknownTlvs: unknownTlvs([0n]),
    },
    ['type', 'channelId', 'nextCommitmentNumber', 'nextRevocationNumber', 'yourLastPerCommitmentSecret', 'myCurrentPerCommitmentPoint'],
  ),
} as never;

const anyChannelMessage: fc.Arbitrary<ChannelMessage> = fc.oneof(...(Object.values(ARBITRARIES) as fc.Arbitrary<ChannelMessage>[]));

describe('BOLT 2 decoders on hostile bytes', () => {
  it('random payloads after each BOLT 2 type decode or raise DecodeError', () => {
    fc.assert(
      fc.property(fc.constantFrom(...BOLT2_TYPES), fc.uint8Array({ maxLength: 1600 }), (type, payload) => {
        onlyDecodeErrors(() => decodeMessage(withType(type, payload)));
      }),
      RUNS,
    );
  });

  it('valid messages with random corruptions (bytes overwritten, cut, or appended) decode or raise DecodeError', () => {
    const corruption = fc.record({
      writes: fc.array(fc.tuple(fc.nat(), u8), { maxLength: 4 }),
      cut: fc.option(fc.nat(), { nil: undefined }),
      tail: fc.uint8Array({ maxLength: 24 }),
    });
    fc.assert(
      fc.property(anyChannelMessage, corruption, (m, c) => {
        const b = encodeMessage(m);
        for (const [at, v] of c.writes) b[2 + (at % Math.max(1, b.length - 2))] = v;
        const cut = c.cut === undefined ? b : b.subarray(0, 2 + (c.cut % (b.length - 1)));
        const corrupted = new Uint8Array(cut.length + c.tail.length);
        corrupted.set(cut);
        corrupted.set(c.tail, cut.length);
        onlyDecodeErrors(() => {
          const d = decodeMessage(corrupted);
          // Whatever decodes must re-encode to the same bytes (nothing is silently dropped).
          if (d.kind === 'known') expect(encodeMessage(d.message)).toEqual(corrupted);
        });
      }),
      RUNS,
    );
  });
});

describe('BOLT 2 codec identity', () => {
  for (const [name, arb] of Object.entries(ARBITRARIES) as [string, fc.Arbitrary<Message>][]) {
    it(`${name}: decode(encode(m)) = m and encode(decode(b)) = b`, () => {
      fc.assert(
        fc.property(arb, (m) => {
          const b = encodeMessage(m);
          const d = decodeMessage(b);
          expect(d.kind).toBe('known');
          if (d.kind !== 'known') return;
          expect(d.message).toEqual(m);
          expect(encodeMessage(d.message)).toEqual(b);
        }),
        { numRuns: 150 },
      );
    });
  }
});
