/**
 * Byte helpers. Bytes are always `Uint8Array` inside the engine; hex exists only at the edges
 * (vectors, logs, JSON output).
 */
import { bytesToHex, hexToBytes } from '@noble/hashes/utils.js';

export { bytesToHex, hexToBytes };

/** Concatenate byte arrays into one new array. */
export function concatBytes(...parts: Uint8Array[]): Uint8Array {
  let total = 0;
  for (const p of parts) total += p.length;
  const out = new Uint8Array(total);
  let offset = 0;
  for (const p of parts) {
    out.set(p, offset);
    offset += p.length;
  }
  return out;
}

/** Byte-wise equality (not constant time; use only on public data). */
export function equalBytes(a: Uint8Array, b: Uint8Array): boolean {
  if (a.length !== b.length) return false;
  for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) return false;
  return true;
}

/** Lexicographic comparison, as BOLT 7 orders node ids. */
export function compareBytes(a: Uint8Array, b: Uint8Array): number {
  const n = Math.min(a.length, b.length);
  for (let i = 0; i < n; i++) {
    const d = (a[i] as number) - (b[i] as number);
    if (d !== 0) return d;
  }
  return a.length - b.length;
}

/** Big-endian u16. */
export function u16be(n: number): Uint8Array {
  return new Uint8Array([(n >>> 8) & 0xff, n & 0xff]);
}

/** Parse lowercase or uppercase hex of an exact byte length, naming the field on failure. */
export function hexField(value: unknown, field: string, length?: number): Uint8Array {
  if (typeof value !== 'string' || !/^([0-9a-fA-F]{2})*$/.test(value)) {
    throw new TypeError(`${field}: expected hex`);
  }
  const bytes = hexToBytes(value.toLowerCase());
  if (length !== undefined && bytes.length !== length) {
    throw new TypeError(`${field}: expected ${length} bytes, got ${bytes.length}`);
  }
  return bytes;
}
