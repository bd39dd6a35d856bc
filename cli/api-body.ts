/**
 * Field validators for the JSON bodies of `glint run`'s local API (cli/api-server.ts,
 * cli/api-payments.ts): each refusal is a ValidationError naming the field (the API answers 400).
 */
import { ValidationError } from '../engine/index.ts';

export type Body = Record<string, unknown>;

/** Refuse fields the route does not know, so typos do not pass silently. */
export function only(body: Body, allowed: readonly string[]): void {
  for (const k of Object.keys(body)) if (!allowed.includes(k)) throw new ValidationError(k, 'unknown field');
}

/** An amount: a JSON number that is a safe non-negative integer, or a decimal string. */
export function amountField(body: Body, name: string, opts: { optional?: boolean; allowZero?: boolean } = {}): bigint | undefined {
  const v = body[name];
  if (v === undefined) {
    if (opts.optional) return undefined;
    throw new ValidationError(name, 'is required');
  }
  let n: bigint;
  if (typeof v === 'number') {
    if (!Number.isSafeInteger(v) || v < 0) throw new ValidationError(name, 'must be a whole, non-negative number');
    n = BigInt(v);
  } else if (typeof v === 'string' && /^[0-9]{1,19}$/.test(v)) n = BigInt(v);
  else throw new ValidationError(name, 'must be a whole number (a JSON number or a decimal string)');
  if (n === 0n && !opts.allowZero) throw new ValidationError(name, 'must be more than zero');
  return n;
}

/** An optional string of at most `max` characters. */
export function optionalString(body: Body, name: string, max: number): string | undefined {
  const v = body[name];
  if (v === undefined) return undefined;
  if (typeof v !== 'string') throw new ValidationError(name, 'must be a string');
  if (v.length > max) throw new ValidationError(name, `is longer than ${max} characters`);
  return v;
}
