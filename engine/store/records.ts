/**
 * Versioned record codecs (DESIGN.md rule 4, LDK's "version prefix + body"). Every record value,
 * the plaintext inside the envelope, starts with one record-format version byte (1..255). A codec
 * writes the current version; reading an older one applies the registered migrations in order
 * (v → v+1 → … → current), each a pure bytes → bytes function on the body, then decodes it.
 *
 *   const metaCodec = new RecordCodec<Meta>({
 *     name: 'wallet/meta',
 *     version: 2,
 *     encode: (m) => …body bytes…,
 *     decode: (body) => …Meta…,
 *     migrations: new Map([[1, (v1) => …v2 body…]]),
 *   });
 *
 * A newer version than the codec knows is UnsupportedVersionError (written by a newer Glint); a
 * version with no path to the current one, or a body that does not decode, is CorruptRecordError.
 * Either way nothing is rewritten here; `decodeVersioned` says when the caller may re-save the
 * record in the current format.
 */
import { CorruptRecordError, UnsupportedVersionError } from './errors.ts';

/** Turns the body of version `from` into the body of version `from + 1`. */
export type Migration = (body: Uint8Array) => Uint8Array;

export interface RecordCodecSpec<T> {
  /** The record's schema name, used in errors (see schema.ts). */
  readonly name: string;
  /** The current format version, 1..255. */
  readonly version: number;
  /** Encode a value as the body of the current version (without the version byte). */
  readonly encode: (value: T) => Uint8Array;
  /** Decode a body of the current version; throw (any Error) on malformed input. */
  readonly decode: (body: Uint8Array) => T;
  /** fromVersion → migration to fromVersion + 1. Versions without one are no longer readable. */
  readonly migrations?: ReadonlyMap<number, Migration>;
}

export interface Decoded<T> {
  readonly value: T;
  /** The version the bytes were stored in. */
  readonly storedVersion: number;
  /** True when migrations ran, i.e. re-saving would upgrade the stored record. */
  readonly migrated: boolean;
}

export class RecordCodec<T> {
  readonly name: string;
  readonly version: number;
  private readonly spec: RecordCodecSpec<T>;

  constructor(spec: RecordCodecSpec<T>) {
    if (!Number.isInteger(spec.version) || spec.version < 1 || spec.version > 255) {
      throw new RangeError(`RecordCodec ${spec.name}: version must be 1..255, got ${spec.version}`);
    }
    for (const from of spec.migrations?.keys() ?? []) {
      if (!Number.isInteger(from) || from < 1 || from >= spec.version) {
        throw new RangeError(`RecordCodec ${spec.name}: a migration from version ${from} cannot lead to ${spec.version}`);
      }
    }
    this.name = spec.name;
    this.version = spec.version;
    this.spec = spec;
  }

  /** Version byte || body. */
  encode(value: T): Uint8Array {
    const body = this.spec.encode(value);
    const out = new Uint8Array(1 + body.length);
    out[0] = this.version;
    out.set(body, 1);
    return out;
  }

  decode(bytes: Uint8Array, key: string = this.name): T {
    return this.decodeVersioned(bytes, key).value;
  }

  decodeVersioned(bytes: Uint8Array, key: string = this.name): Decoded<T> {
    if (bytes.length === 0) throw new CorruptRecordError(key, 'empty record (no version byte)');
    const stored = bytes[0] as number;
    if (stored > this.version) throw new UnsupportedVersionError(key, stored, this.version);
    if (stored === 0) throw new CorruptRecordError(key, 'record version 0 is not valid');
    let body = bytes.subarray(1);
    for (let v = stored; v < this.version; v++) {
      const migrate = this.spec.migrations?.get(v);
      if (!migrate) throw new CorruptRecordError(key, `version ${v} can no longer be read (no migration to ${v + 1})`);
      try {
        body = migrate(body);
      } catch (err) {
        throw new CorruptRecordError(key, `migration ${v} → ${v + 1} failed: ${(err as Error).message}`, undefined, { cause: err });
      }
    }
    let value: T;
    try {
      value = this.spec.decode(body);
    } catch (err) {
      throw new CorruptRecordError(key, `version ${this.version} body does not decode: ${(err as Error).message}`, undefined, { cause: err });
    }
    return { value, storedVersion: stored, migrated: stored !== this.version };
  }
}
