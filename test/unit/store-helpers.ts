/**
 * Shared by the store tests (unit and e2e; no test framework imported here): finds secrets in raw
 * stored bytes in any of the forms a leak would take — the raw bytes, an 8-byte prefix of them,
 * hex, base64, the UTF-8 string, or any of its longer words.
 */
import { bytesToHex } from '../../engine/lib/bytes.ts';
import { utf8Encode } from '../../engine/store/utf8.ts';

/** A 24-word BIP 39-style mnemonic (words from the English list). */
export const MNEMONIC =
  'abandon ability able about above absent absorb abstract absurd abuse access accident account accuse achieve acid acoustic acquire across act action actor actress actual';

export function includesBytes(hay: Uint8Array, needle: Uint8Array): boolean {
  outer: for (let i = 0; i + needle.length <= hay.length; i++) {
    for (let j = 0; j < needle.length; j++) if (hay[i + j] !== needle[j]) continue outer;
    return true;
  }
  return false;
}

function latin1(bytes: Uint8Array): string {
  let s = '';
  for (const b of bytes) s += String.fromCharCode(b);
  return s;
}

function base64(bytes: Uint8Array): string {
  const abc = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/';
  let out = '';
  for (let i = 0; i + 2 < bytes.length; i += 3) {
    const n = ((bytes[i] as number) << 16) | ((bytes[i + 1] as number) << 8) | (bytes[i + 2] as number);
    out += abc[n >> 18]! + abc[(n >> 12) & 63]! + abc[(n >> 6) & 63]! + abc[n & 63]!;
  }
  return out; // the full 3-byte groups are enough to recognise a leak
}

/** Every way `secrets` show up in `blob`; [] when none does. */
export function plaintextLeaks(blob: Uint8Array, secrets: { bytes?: Uint8Array[]; strings?: string[] }): string[] {
  const leaks: string[] = [];
  const text = latin1(blob);
  const lower = text.toLowerCase();
  for (const b of secrets.bytes ?? []) {
    const tag = `${bytesToHex(b).slice(0, 12)}…`;
    if (includesBytes(blob, b)) leaks.push(`raw bytes of ${tag}`);
    if (includesBytes(blob, b.subarray(0, 8))) leaks.push(`first 8 bytes of ${tag}`);
    if (lower.includes(bytesToHex(b))) leaks.push(`hex of ${tag}`);
    if (text.includes(base64(b))) leaks.push(`base64 of ${tag}`);
  }
  for (const s of secrets.strings ?? []) {
    if (includesBytes(blob, utf8Encode(s))) leaks.push(`utf8 of "${s.slice(0, 20)}…"`);
    for (const word of s.split(' ').filter((w) => w.length >= 6)) if (text.includes(word)) leaks.push(`word "${word}"`);
  }
  return leaks;
}

/** Concatenate keys and values into one blob to search. */
export function blobOf(entries: Iterable<readonly [string, Uint8Array]>): Uint8Array {
  const parts: Uint8Array[] = [];
  for (const [k, v] of entries) parts.push(utf8Encode(k), v);
  const out = new Uint8Array(parts.reduce((n, p) => n + p.length, 0));
  let o = 0;
  for (const p of parts) {
    out.set(p, o);
    o += p.length;
  }
  return out;
}

/** Printable ASCII, tab, LF, CR: what text is made of. Random bytes are about 38 % printable. */
const isPrintable = (b: number): boolean => (b >= 0x20 && b < 0x7f) || b === 0x09 || b === 0x0a || b === 0x0d;

/**
 * Why `value` looks like plaintext rather than ciphertext, or null when it does not: mostly
 * printable (text, JSON, hex, base64 — over 75 % printable where random bytes are ~38 %), or a
 * printable run of 24 bytes or more (a word list, an address, a JSON field inside binary).
 */
export function plaintextLooking(value: Uint8Array): string | null {
  let printable = 0;
  let run = 0;
  let longest = 0;
  for (const b of value) {
    if (isPrintable(b)) {
      printable++;
      longest = Math.max(longest, ++run);
    } else {
      run = 0;
    }
  }
  if (value.length >= 16 && printable / value.length > 0.75) return `${Math.round((100 * printable) / value.length)}% of its ${value.length} bytes are printable`;
  if (longest >= 24) return `it holds a run of ${longest} printable bytes`;
  return null;
}
