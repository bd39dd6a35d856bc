// Versioned record codecs (engine/store/records.ts) and the schema table (engine/store/schema.ts):
// every record starts with its format version; older versions are migrated in order on read;
// newer or unreachable versions are refused with the record named, never guessed at.
import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { CorruptRecordError, UnsupportedVersionError } from '../../engine/store/errors.ts';
import { RecordCodec } from '../../engine/store/records.ts';
import { SCHEMA, recordSpecFor, schemaProblems, type RecordSpec } from '../../engine/store/schema.ts';
import { HEADER_KEY } from '../../engine/store/envelope.ts';

interface Meta {
  readonly name: string;
  readonly height: number;
  readonly flags: number;
}

// v1 body: u8 name length, name (ASCII). v2 adds u32 height. v3 adds u8 flags.
const ascii = (s: string) => Uint8Array.from(s, (c) => c.charCodeAt(0));
const v3 = new RecordCodec<Meta>({
  name: 'wallet/meta',
  version: 3,
  encode: (m) => {
    const n = ascii(m.name);
    const out = new Uint8Array(1 + n.length + 5);
    out[0] = n.length;
    out.set(n, 1);
    new DataView(out.buffer).setUint32(1 + n.length, m.height);
    out[out.length - 1] = m.flags;
    return out;
  },
  decode: (b) => {
    const len = b[0];
    if (len === undefined || b.length !== 1 + len + 5) throw new Error(`expected ${1 + (len ?? 0) + 5} bytes, got ${b.length}`);
    const name = String.fromCharCode(...b.subarray(1, 1 + len));
    return { name, height: new DataView(b.buffer, b.byteOffset).getUint32(1 + len), flags: b[b.length - 1] as number };
  },
  migrations: new Map([
    [1, (b: Uint8Array) => Uint8Array.from([...b, 0, 0, 0, 0])], // height unknown → 0
    [2, (b: Uint8Array) => Uint8Array.from([...b, 0x80])], // flags default
  ]),
});

describe('RecordCodec', () => {
  it('encodes version byte || body and decodes it back', () => {
    const bytes = v3.encode({ name: 'main', height: 840_000, flags: 3 });
    expect(bytes[0]).toBe(3);
    expect(v3.decode(bytes)).toEqual({ name: 'main', height: 840_000, flags: 3 });
    expect(v3.decodeVersioned(bytes)).toMatchObject({ storedVersion: 3, migrated: false });
  });

  it('migrates v1 and v2 records in order up to the current version', () => {
    const v1 = Uint8Array.from([1, 4, ...ascii('main')]);
    expect(v3.decodeVersioned(v1)).toEqual({ value: { name: 'main', height: 0, flags: 0x80 }, storedVersion: 1, migrated: true });
    const v2 = Uint8Array.from([2, 4, ...ascii('test'), 0, 0, 1, 0]);
    expect(v3.decode(v2)).toEqual({ name: 'test', height: 256, flags: 0x80 });
  });

  it('a newer version is UnsupportedVersionError naming the key; 0 and empty are corrupt', () => {
    let err: unknown;
    try {
      v3.decode(Uint8Array.of(4, 0), 'wallet/meta');
    } catch (e) {
      err = e;
    }
    expect(err).toBeInstanceOf(UnsupportedVersionError);
    expect((err as Error).message).toMatch(/"wallet\/meta" has format version 4.*reads up to 3/);
    expect(() => v3.decode(Uint8Array.of(0, 1))).toThrow(/version 0/);
    expect(() => v3.decode(new Uint8Array(0))).toThrow(CorruptRecordError);
  });

  it('a version with no migration path, a failing migration, or a bad body is CorruptRecordError', () => {
    const gap = new RecordCodec<number>({ name: 'g', version: 3, encode: (n) => Uint8Array.of(n), decode: (b) => b[0] as number, migrations: new Map([[2, (b: Uint8Array) => b]]) });
    expect(() => gap.decode(Uint8Array.of(1, 5), 'g/1')).toThrow(/"g\/1".*version 1 can no longer be read/);
    expect(gap.decode(Uint8Array.of(2, 5))).toBe(5);
    const throwing = new RecordCodec<number>({
      name: 't',
      version: 2,
      encode: (n) => Uint8Array.of(n),
      decode: (b) => b[0] as number,
      migrations: new Map([[1, () => { throw new Error('boom'); }]]),
    });
    expect(() => throwing.decode(Uint8Array.of(1, 5))).toThrow(/migration 1 → 2 failed: boom/);
    expect(() => v3.decode(Uint8Array.of(3, 9, 1))).toThrow(/body does not decode/);
  });

  it('constructor refuses impossible versions and migrations', () => {
    const base = { name: 'x', encode: () => new Uint8Array(0), decode: () => 0 };
    expect(() => new RecordCodec({ ...base, version: 0 })).toThrow(RangeError);
    expect(() => new RecordCodec({ ...base, version: 256 })).toThrow(RangeError);
    expect(() => new RecordCodec({ ...base, version: 2, migrations: new Map([[2, (b: Uint8Array) => b]]) })).toThrow(/cannot lead/);
  });

  it('property: decode(encode(v)) = v, and v1/v2 bytes decode to the migrated value', () => {
    const meta = fc.record({ name: fc.stringMatching(/^[a-z]{0,20}$/), height: fc.nat({ max: 0xffffffff }), flags: fc.nat({ max: 255 }) });
    fc.assert(
      fc.property(meta, (m) => {
        expect(v3.decode(v3.encode(m))).toEqual(m);
        const n = ascii(m.name);
        expect(v3.decode(Uint8Array.from([1, n.length, ...n]))).toEqual({ name: m.name, height: 0, flags: 0x80 });
      }),
      { numRuns: 300 },
    );
  });
});

describe('schema', () => {
  it('the table is consistent and lists the envelope header as the only plaintext record', () => {
    expect(schemaProblems()).toEqual([]);
    expect(SCHEMA.filter((s) => s.plaintext).map((s) => s.key)).toEqual([HEADER_KEY]);
    expect(recordSpecFor(HEADER_KEY)?.version).toBe(1);
  });

  it('finds exact rows first, then the longest prefix; reports duplicates and shadowing prefixes', () => {
    const t: RecordSpec[] = [
      { key: 'channel/', version: 1, owner: 'a', description: '' },
      { key: 'channel/monitor/', version: 2, owner: 'a', description: '' },
      { key: 'wallet/meta', version: 1, owner: 'b', description: '' },
    ];
    expect(recordSpecFor('channel/abc', t)?.key).toBe('channel/');
    expect(recordSpecFor('channel/monitor/abc', t)?.key).toBe('channel/monitor/');
    expect(recordSpecFor('wallet/meta', t)?.key).toBe('wallet/meta');
    expect(recordSpecFor('wallet/other', t)).toBeUndefined();
    expect(schemaProblems(t)).toEqual(['channel/monitor/: falls under the prefix channel/']);
    expect(schemaProblems([...t.slice(2), ...t.slice(2)])).toContain('wallet/meta: listed twice');
    expect(schemaProblems([{ key: 'z', version: 0, owner: '', description: '' }])).toEqual(['z: version 0 is not 1..255']);
  });
});
