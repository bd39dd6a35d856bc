/**
 * The rules every KVStore implementation applies to keys and batches, so the memory, IndexedDB and
 * file stores accept and reject exactly the same input.
 */
import { ValidationError } from '../lib/errors.ts';
import type { KVBatch } from '../ports.ts';

/** Longest key accepted, in characters. Keys are short names such as `channel/<64 hex>`. */
export const MAX_KEY_LENGTH = 512;

/** Printable ASCII without space: safe as an IndexedDB key, a file-format string and a log token. */
const KEY_RE = /^[\x21-\x7e]+$/;

/** Throws ValidationError naming `field` unless `key` is a valid store key. */
export function checkKey(key: unknown, field = 'key'): asserts key is string {
  if (typeof key !== 'string') throw new ValidationError(field, 'expected a string');
  if (key.length === 0 || key.length > MAX_KEY_LENGTH) throw new ValidationError(field, `length must be 1..${MAX_KEY_LENGTH}, got ${key.length}`);
  if (!KEY_RE.test(key)) throw new ValidationError(field, 'only printable ASCII without spaces is allowed');
}

/** Throws ValidationError unless `prefix` is '' or a valid key prefix. */
export function checkPrefix(prefix: unknown): asserts prefix is string {
  if (prefix === '') return;
  checkKey(prefix, 'prefix');
}

/**
 * Validate a batch: well-formed keys, Uint8Array values, and no key named twice (in puts, deletes,
 * or both), so the result never depends on the order a backend applies operations in.
 */
export function checkBatch(batch: KVBatch): void {
  if (typeof batch !== 'object' || batch === null) throw new ValidationError('batch', 'expected an object');
  const seen = new Set<string>();
  const put = batch.put ?? [];
  const del = batch.del ?? [];
  if (!Array.isArray(put)) throw new ValidationError('batch.put', 'expected an array');
  if (!Array.isArray(del)) throw new ValidationError('batch.del', 'expected an array');
  put.forEach((entry, i) => {
    if (!Array.isArray(entry) || entry.length !== 2) throw new ValidationError(`batch.put[${i}]`, 'expected [key, value]');
    const [key, value] = entry as [unknown, unknown];
    checkKey(key, `batch.put[${i}].key`);
    if (!(value instanceof Uint8Array)) throw new ValidationError(`batch.put[${i}].value`, 'expected a Uint8Array');
    if (seen.has(key)) throw new ValidationError(`batch.put[${i}].key`, `"${key}" appears twice in one batch`);
    seen.add(key);
  });
  del.forEach((key, i) => {
    checkKey(key, `batch.del[${i}]`);
    if (seen.has(key)) throw new ValidationError(`batch.del[${i}]`, `"${key}" appears twice in one batch`);
    seen.add(key);
  });
}

/** True when the batch changes nothing. */
export function isEmptyBatch(batch: KVBatch): boolean {
  return (batch.put?.length ?? 0) === 0 && (batch.del?.length ?? 0) === 0;
}
