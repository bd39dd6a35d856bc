/**
 * Small typed validators for JSON from a server we do not trust. A validator takes a value and
 * the path it sits at (`[3].status.block_height`) and returns the typed value or throws a
 * `SchemaError` naming that path. Unknown fields are ignored; every field we read is checked.
 */
import { hexToBytes } from '../lib/bytes.ts';

export class SchemaError extends Error {
  override readonly name = 'SchemaError';
  readonly field: string;
  constructor(field: string, detail: string) {
    super(field ? `${field}: ${detail}` : detail);
    this.field = field;
  }
}

export type Validator<T> = (value: unknown, path: string) => T;

/** The path of a property below `path`. */
export function at(path: string, key: string | number): string {
  if (typeof key === 'number') return `${path}[${key}]`;
  return path ? `${path}.${key}` : key;
}

function describe(value: unknown): string {
  if (value === null) return 'null';
  if (Array.isArray(value)) return 'array';
  if (typeof value === 'string') return value.length > 20 ? `string "${value.slice(0, 20)}…"` : `string "${value}"`;
  if (typeof value === 'number') return `number ${value}`;
  return typeof value;
}

/** Parse JSON text; anything unparsable is a `SchemaError` (never a bare SyntaxError). */
export function parseJson(text: string): unknown {
  try {
    return JSON.parse(text) as unknown;
  } catch {
    const t = text.trim();
    throw new SchemaError('', `malformed JSON: ${JSON.stringify(t.length > 40 ? `${t.slice(0, 40)}…` : t)}`);
  }
}

/** A plain JSON object (not null, not an array). */
export function record(value: unknown, path: string): Record<string, unknown> {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) {
    throw new SchemaError(path, `expected object, got ${describe(value)}`);
  }
  return value as Record<string, unknown>;
}

/** Read an own property (JSON.parse makes `__proto__` an own property; never walk the prototype). */
export function field(obj: Record<string, unknown>, key: string): unknown {
  return Object.hasOwn(obj, key) ? obj[key] : undefined;
}

export function integer(min = 0, max = Number.MAX_SAFE_INTEGER): Validator<number> {
  return (value, path) => {
    if (typeof value !== 'number' || !Number.isSafeInteger(value)) {
      throw new SchemaError(path, `expected integer, got ${describe(value)}`);
    }
    if (value < min || value > max) throw new SchemaError(path, `${value} is out of range [${min}, ${max}]`);
    return value;
  };
}

export function finiteNumber(value: unknown, path: string): number {
  if (typeof value !== 'number' || !Number.isFinite(value)) throw new SchemaError(path, `expected number, got ${describe(value)}`);
  return value;
}

export function boolean(value: unknown, path: string): boolean {
  if (typeof value !== 'boolean') throw new SchemaError(path, `expected boolean, got ${describe(value)}`);
  return value;
}

export function string(maxLength = 10_000): Validator<string> {
  return (value, path) => {
    if (typeof value !== 'string') throw new SchemaError(path, `expected string, got ${describe(value)}`);
    if (value.length > maxLength) throw new SchemaError(path, `string longer than ${maxLength}`);
    return value;
  };
}

const HEX = /^(?:[0-9a-fA-F]{2})*$/;

/** Hex of an exact byte length (or any length up to `maxBytes`), returned as bytes. */
export function hexBytes(options: { bytes?: number; maxBytes?: number } = {}): Validator<Uint8Array> {
  return (value, path) => {
    if (typeof value !== 'string') throw new SchemaError(path, `expected hex string, got ${describe(value)}`);
    if (options.bytes !== undefined && value.length !== options.bytes * 2) {
      throw new SchemaError(path, `expected ${options.bytes} bytes of hex, got ${value.length} characters`);
    }
    if (options.maxBytes !== undefined && value.length > options.maxBytes * 2) {
      throw new SchemaError(path, `hex longer than ${options.maxBytes} bytes`);
    }
    if (!HEX.test(value)) throw new SchemaError(path, value.length % 2 ? 'odd-length hex' : 'not hex');
    return hexToBytes(value.toLowerCase());
  };
}

const HASH = /^[0-9a-fA-F]{64}$/;

/** A 32-byte hash or txid in display-order hex, normalised to lowercase. */
export function hash32(value: unknown, path: string): string {
  if (typeof value !== 'string' || !HASH.test(value)) throw new SchemaError(path, `expected 32-byte hex hash, got ${describe(value)}`);
  return value.toLowerCase();
}

/** Is `s` a 32-byte display-order hex hash? (For checking arguments before building a URL.) */
export function isHash32(s: unknown): s is string {
  return typeof s === 'string' && HASH.test(s);
}

/** Missing or null → undefined; otherwise `inner` decides. */
export function optional<T>(inner: Validator<T>): Validator<T | undefined> {
  return (value, path) => (value === undefined || value === null ? undefined : inner(value, path));
}

export function array<T>(item: Validator<T>, maxLength = 100_000): Validator<T[]> {
  return (value, path) => {
    if (!Array.isArray(value)) throw new SchemaError(path, `expected array, got ${describe(value)}`);
    if (value.length > maxLength) throw new SchemaError(path, `more than ${maxLength} entries`);
    return value.map((v, i) => item(v, at(path, i)));
  };
}

type Shape = Record<string, Validator<unknown>>;
type Parsed<S extends Shape> = { [K in keyof S]: S[K] extends Validator<infer T> ? T : never };

/** An object with (at least) these fields, each checked by its validator. */
export function object<S extends Shape>(shape: S): Validator<Parsed<S>> {
  return (value, path) => {
    const obj = record(value, path);
    const out: Record<string, unknown> = {};
    for (const key of Object.keys(shape)) out[key] = (shape[key] as Validator<unknown>)(field(obj, key), at(path, key));
    return out as Parsed<S>;
  };
}

/** Text endpoints (`/blocks/tip/hash`): a hash, tolerating surrounding whitespace. */
export function textHash32(text: string): string {
  return hash32(text.trim(), '');
}

/** Text endpoints returning hex (`/tx/:txid/hex`, `/block/:hash/header`). */
export function textHex(text: string, options: { bytes?: number; maxBytes?: number }): Uint8Array {
  return hexBytes(options)(text.trim(), '');
}
