/**
 * BOLT 1 Appendix B: TLV decoding vectors, run against the two test namespaces n1 and n2 that the
 * appendix defines, plus Appendix C (message extension on `init`).
 */
import { describe, expect, it } from 'vitest';
import vectors from '../vectors/bolt01-tlv.json' with { type: 'json' };
import extension from '../vectors/bolt01-message-extension.json' with { type: 'json' };
import { bytesToHex, hexToBytes } from '../../engine/lib/bytes.ts';
import { DecodeError } from '../../engine/lib/errors.ts';
import { isValidPublicKey } from '../../engine/crypto/secp256k1.ts';
import { decodeExact, decodeTlvStream, encodeTlvStream } from '../../engine/wire/tlv.ts';
import { decodeMessage, encodeMessage } from '../../engine/wire/message.ts';

type Values = Record<string, Record<string, string | number>>;

/** Decoders for the appendix's test namespaces: each record type → its named fields. */
const NAMESPACES: Record<string, Map<bigint, { name: string; decode: (v: Uint8Array) => Record<string, string | number> }>> = {
  n1: new Map([
    [1n, { name: 'tlv1', decode: (v) => decodeExact(v, 'tlv1', (r) => ({ amount_msat: r.truncated('amount_msat', 8).toString() })) }],
    [
      2n,
      {
        name: 'tlv2',
        decode: (v) =>
          decodeExact(v, 'tlv2', (r) => {
            const scid = r.u64('scid');
            return { scid: `${scid >> 40n}x${(scid >> 16n) & 0xffffffn}x${scid & 0xffffn}` };
          }),
      },
    ],
    [
      3n,
      {
        name: 'tlv3',
        decode: (v) =>
          decodeExact(v, 'tlv3', (r) => {
            const node = r.take(33, 'node_id');
            if (!isValidPublicKey(node)) throw new DecodeError('node_id', 'not a valid point');
            return { node_id: bytesToHex(node), amount_msat_1: r.u64('amount_msat_1').toString(), amount_msat_2: r.u64('amount_msat_2').toString() };
          }),
      },
    ],
    [254n, { name: 'tlv4', decode: (v) => decodeExact(v, 'tlv4', (r) => ({ cltv_delta: r.u16('cltv_delta') })) }],
  ]),
  n2: new Map([
    [0n, { name: 'tlv1', decode: (v) => decodeExact(v, 'tlv1', (r) => ({ amount_msat: r.truncated('amount_msat', 8).toString() })) }],
    [11n, { name: 'tlv2', decode: (v) => decodeExact(v, 'tlv2', (r) => ({ cltv_expiry: Number(r.truncated('cltv_expiry', 4)) })) }],
  ]),
};

function decodeIn(ns: string, stream: Uint8Array): Values {
  const defs = NAMESPACES[ns]!;
  const records = decodeTlvStream(stream, new Set(defs.keys()));
  const out: Values = {};
  for (const rec of records) {
    const def = defs.get(rec.type);
    if (def) out[def.name] = def.decode(rec.value);
  }
  return out;
}

describe('BOLT 1 Appendix B: TLV decoding successes', () => {
  for (const v of vectors.valid) {
    for (const ns of v.namespaces) {
      it(`${ns}: ${v.stream_text}`, () => {
        const values = decodeIn(ns, hexToBytes(v.stream));
        expect(values).toEqual(v.values ?? {});
      });
    }
  }
});

describe('BOLT 1 Appendix B: TLV decoding failures', () => {
  for (const v of vectors.invalid) {
    for (const ns of v.namespaces) {
      it(`${ns}: ${v.stream_text} (${v.reason})`, () => {
        expect(() => decodeIn(ns, hexToBytes(v.stream))).toThrow(DecodeError);
      });
    }
  }
});

describe('BOLT 1 Appendix B: stream concatenation rules', () => {
  const valid = vectors.valid.filter((v) => v.namespaces.includes('n1') && v.stream !== '');
  const invalid = vectors.invalid.filter((v) => v.namespaces.includes('n1'));
  it('appending an invalid stream to a valid stream fails', () => {
    for (const good of valid) {
      for (const bad of invalid) {
        expect(() => decodeIn('n1', hexToBytes(good.stream + bad.stream))).toThrow(DecodeError);
      }
    }
  });
  it('appending a higher-numbered valid stream to a lower-numbered one succeeds', () => {
    const n1Records = vectors.valid.filter((v) => v.namespaces.length === 1 && v.namespaces[0] === 'n1');
    const firstType = (hex: string): bigint => decodeTlvStream(hexToBytes(hex), new Set([1n, 2n, 3n, 254n]))[0]!.type;
    for (const a of n1Records) {
      for (const b of n1Records) {
        if (firstType(a.stream) < firstType(b.stream)) expect(() => decodeIn('n1', hexToBytes(a.stream + b.stream))).not.toThrow();
      }
    }
  });
  it('encode re-serialises decoded records to the same bytes', () => {
    for (const v of vectors.valid) {
      const recs = decodeTlvStream(hexToBytes(v.stream), new Set([1n, 2n, 3n, 254n, 0n, 11n]));
      expect(bytesToHex(encodeTlvStream(recs))).toBe(v.stream);
    }
  });
});

describe('BOLT 1 Appendix C: message extension', () => {
  for (const v of extension.valid) {
    it(`accepts ${v.message}: ${v.explanation}`, () => {
      const d = decodeMessage(hexToBytes(v.message));
      expect(d.kind).toBe('known');
      if (d.kind === 'known') expect(bytesToHex(encodeMessage(d.message))).toBe(v.message);
    });
  }
  for (const v of extension.invalid) {
    it(`rejects ${v.message}: ${v.explanation}`, () => {
      expect(() => decodeMessage(hexToBytes(v.message))).toThrow(DecodeError);
    });
  }
});
