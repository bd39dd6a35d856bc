/**
 * Properties of every wire decoder: random bytes never throw anything but the codec's typed
 * error, and decode∘encode is the identity on valid values.
 */
import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { DecodeError } from '../../../engine/lib/errors.ts';
import { ByteReader } from '../../../engine/wire/reader.ts';
import { ByteWriter, encodeBigSize } from '../../../engine/wire/writer.ts';
import { decodeTlvStream, encodeTlvStream, type TlvRecord } from '../../../engine/wire/tlv.ts';
import { decodeMessage, encodeMessage, type Message } from '../../../engine/wire/message.ts';
import { FeatureVector } from '../../../engine/wire/features.ts';

const RUNS = { numRuns: 500 };

function onlyDecodeErrors(f: () => unknown): void {
  try {
    f();
  } catch (err) {
    expect(err).toBeInstanceOf(DecodeError);
  }
}

describe('BigSize properties', () => {
  it('random bytes decode or raise DecodeError', () => {
    fc.assert(fc.property(fc.uint8Array({ maxLength: 12 }), (b) => onlyDecodeErrors(() => new ByteReader(b).bigsize('x'))), RUNS);
  });
  it('decode(encode(n)) = n', () => {
    fc.assert(
      fc.property(fc.bigInt({ min: 0n, max: (1n << 64n) - 1n }), (n) => {
        const r = new ByteReader(encodeBigSize(n));
        expect(r.bigsize('x')).toBe(n);
        expect(r.done).toBe(true);
      }),
      RUNS,
    );
  });
  it('truncated integers round-trip', () => {
    fc.assert(
      fc.property(fc.bigInt({ min: 0n, max: (1n << 64n) - 1n }), (n) => {
        const bytes = new ByteWriter().truncated(n, 8).finish();
        expect(new ByteReader(bytes).truncated('x', 8)).toBe(n);
      }),
      RUNS,
    );
  });
});

describe('TLV stream properties', () => {
  const known = new Set([0n, 1n, 2n, 3n, 254n]);
  it('random bytes decode or raise DecodeError', () => {
    fc.assert(fc.property(fc.uint8Array({ maxLength: 64 }), (b) => onlyDecodeErrors(() => decodeTlvStream(b, known))), RUNS);
  });
  it('decode(encode(records)) = records', () => {
    const record = fc.record({ type: fc.bigInt({ min: 0n, max: (1n << 64n) - 1n }), value: fc.uint8Array({ maxLength: 40 }) });
    fc.assert(
      fc.property(fc.uniqueArray(record, { selector: (r) => r.type, maxLength: 8 }), (recs) => {
        const odd: TlvRecord[] = recs.map((r) => ({ type: r.type | 1n, value: r.value }));
        const unique = [...new Map(odd.map((r) => [r.type, r])).values()];
        const sorted = [...unique].sort((a, b) => (a.type < b.type ? -1 : 1));
        const decoded = decodeTlvStream(encodeTlvStream(unique), new Set());
        expect(decoded.map((r) => [r.type, [...r.value]])).toEqual(sorted.map((r) => [r.type, [...r.value]]));
      }),
      RUNS,
    );
  });
});

describe('message properties', () => {
  it('random bytes decode or raise DecodeError', () => {
    fc.assert(fc.property(fc.uint8Array({ maxLength: 80 }), (b) => onlyDecodeErrors(() => decodeMessage(b))), RUNS);
  });
  it('random payloads after each known type decode or raise DecodeError', () => {
    fc.assert(
      fc.property(fc.constantFrom(1, 16, 17, 18, 19), fc.uint8Array({ maxLength: 80 }), (type, payload) => {
        const b = new Uint8Array(payload.length + 2);
        b[0] = type >> 8;
        b[1] = type & 0xff;
        b.set(payload, 2);
        onlyDecodeErrors(() => decodeMessage(b));
      }),
      RUNS,
    );
  });
  const message: fc.Arbitrary<Message> = fc.oneof(
    fc.record({
      type: fc.constant('init' as const),
      globalFeatures: fc.uint8Array({ maxLength: 4 }),
      features: fc.uint8Array({ maxLength: 10 }),
      networks: fc.array(fc.uint8Array({ minLength: 32, maxLength: 32 }), { minLength: 1, maxLength: 3 }),
    }),
    fc.record({
      type: fc.constantFrom('error' as const, 'warning' as const),
      channelId: fc.uint8Array({ minLength: 32, maxLength: 32 }),
      data: fc.uint8Array({ maxLength: 100 }),
    }),
    fc.record({ type: fc.constant('ping' as const), numPongBytes: fc.integer({ min: 0, max: 65535 }), ignoredLength: fc.integer({ min: 0, max: 1000 }) }),
    fc.record({ type: fc.constant('pong' as const), ignoredLength: fc.integer({ min: 0, max: 1000 }) }),
  );
  it('decode(encode(m)) = m', () => {
    fc.assert(
      fc.property(message, (m) => {
        const d = decodeMessage(encodeMessage(m));
        expect(d.kind).toBe('known');
        if (d.kind === 'known') expect(encodeMessage(d.message)).toEqual(encodeMessage(m));
      }),
      RUNS,
    );
  });
});

describe('feature vector properties', () => {
  it('fromBytes never throws, and toBytes∘fromBytes strips only leading zeros', () => {
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 40 }), (b) => {
        const v = FeatureVector.fromBytes(b);
        const again = FeatureVector.fromBytes(v.toBytes());
        expect(again.list()).toEqual(v.list());
        let i = 0;
        while (i < b.length && b[i] === 0) i++;
        expect([...v.toBytes()]).toEqual([...b.subarray(i)]);
      }),
      RUNS,
    );
  });
});
