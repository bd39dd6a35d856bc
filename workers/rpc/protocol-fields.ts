/**
 * Field validators shared by the RPC protocol's parsers (workers/rpc/protocol.ts and
 * protocol-channels.ts): each takes an untrusted value and the dotted path of the field it came
 * from, and either returns the value typed or throws an RpcValidationError naming that field.
 */

/**
 * Amounts travel as decimal strings of satoshis (no bigint, no floats): `"120000"`. A signed
 * amount (history) may start with `-`.
 */
export type SatString = string;

/** A message or value failed validation; `field` is a dotted path such as `params.uri`. */
export class RpcValidationError extends Error {
  override readonly name = 'RpcValidationError';
  readonly field: string;
  constructor(field: string, message: string) {
    super(`${field}: ${message}`);
    this.field = field;
  }
}

export const fail = (field: string, message: string): never => {
  throw new RpcValidationError(field, message);
};

export function describe(v: unknown): string {
  if (v === null) return 'null';
  if (Array.isArray(v)) return 'an array';
  return typeof v === 'object' ? 'an object' : `${typeof v}`;
}

export function record(v: unknown, field: string): Record<string, unknown> {
  if (typeof v !== 'object' || v === null || Array.isArray(v)) return fail(field, `expected an object, got ${describe(v)}`);
  return v as Record<string, unknown>;
}

/** An object with exactly the given keys (missing optional keys are allowed). */
export function shape(v: unknown, field: string, required: readonly string[], optional: readonly string[] = []): Record<string, unknown> {
  const o = record(v, field);
  for (const k of required) if (!(k in o)) fail(`${field}.${k}`, 'is missing');
  for (const k of Object.keys(o)) if (!required.includes(k) && !optional.includes(k)) fail(`${field}.${k}`, 'is not a known field');
  return o;
}

export function string(v: unknown, field: string, maxLength: number): string {
  if (typeof v !== 'string') return fail(field, `expected a string, got ${describe(v)}`);
  if (v.length > maxLength) fail(field, `is longer than ${maxLength} characters`);
  return v;
}

export function number(v: unknown, field: string, min: number, max: number, integer = false): number {
  if (typeof v !== 'number' || !Number.isFinite(v)) return fail(field, `expected a number, got ${describe(v)}`);
  if (integer && !Number.isInteger(v)) fail(field, `expected an integer, got ${v}`);
  if (v < min || v > max) fail(field, `must be from ${min} to ${max}, got ${v}`);
  return v;
}

export function boolean(v: unknown, field: string): boolean {
  if (typeof v !== 'boolean') return fail(field, `expected true or false, got ${describe(v)}`);
  return v;
}

export function oneOf<T extends string>(v: unknown, field: string, values: readonly T[]): T {
  if (typeof v !== 'string' || !(values as readonly string[]).includes(v)) return fail(field, `must be one of ${values.join(', ')}`);
  return v as T;
}

const NODE_ID = /^[0-9a-f]{66}$/;
export function nodeId(v: unknown, field: string): string {
  const s = string(v, field, 66);
  if (!NODE_ID.test(s)) fail(field, 'must be 66 lowercase hex characters');
  return s;
}

export function nullable<T>(v: unknown, parse: (v: unknown) => T): T | null {
  return v === null ? null : parse(v);
}

/** The longest free text (a reason, a log line, a note) that crosses. */
export const MAX_TEXT = 2000;
/** The largest request id / local channel id (2^31 − 1). */
export const MAX_ID = 2 ** 31 - 1;

/** The most satoshis there will ever be (21e6 BTC), a bound for every amount. */
export const MAX_SAT = 2_100_000_000_000_000n;
const SAT = /^(0|[1-9][0-9]{0,15})$/;
const TXID = /^[0-9a-f]{64}$/;

/** A non-negative amount of sats as a decimal string. */
export function satString(v: unknown, field: string): SatString {
  const s = string(v, field, 17);
  if (!SAT.test(s)) fail(field, 'must be a whole number of sats in decimal digits');
  if (BigInt(s) > MAX_SAT) fail(field, 'is more than 21 million bitcoin');
  return s;
}

export function txid(v: unknown, field: string): string {
  const s = string(v, field, 64);
  if (!TXID.test(s)) fail(field, 'must be 64 lowercase hex characters');
  return s;
}

const HEX64 = /^[0-9a-f]{64}$/;
/** A channel_id (or temporary_channel_id): 64 lowercase hex characters. */
export function channelId(v: unknown, field: string): string {
  const s = string(v, field, 64);
  if (!HEX64.test(s)) fail(field, 'must be 64 lowercase hex characters');
  return s;
}
