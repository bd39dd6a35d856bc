/** A growable writer for BOLT 1 fundamental types, the counterpart of `ByteReader`. */
import { ValidationError } from '../lib/errors.ts';

const U64_MAX = (1n << 64n) - 1n;

export class ByteWriter {
  private buf: Uint8Array;
  private view: DataView;
  private pos = 0;

  constructor(initialCapacity = 64) {
    this.buf = new Uint8Array(initialCapacity);
    this.view = new DataView(this.buf.buffer);
  }

  private ensure(n: number): void {
    if (this.pos + n <= this.buf.length) return;
    let cap = this.buf.length * 2;
    while (cap < this.pos + n) cap *= 2;
    const next = new Uint8Array(cap);
    next.set(this.buf.subarray(0, this.pos));
    this.buf = next;
    this.view = new DataView(next.buffer);
  }

  private checkInt(v: number, bits: number, field: string): void {
    if (!Number.isInteger(v) || v < 0 || v >= 2 ** bits) throw new ValidationError(field, `not a u${bits}: ${v}`);
  }

  u8(v: number, field = 'u8'): this {
    this.checkInt(v, 8, field);
    this.ensure(1);
    this.view.setUint8(this.pos, v);
    this.pos += 1;
    return this;
  }

  u16(v: number, field = 'u16'): this {
    this.checkInt(v, 16, field);
    this.ensure(2);
    this.view.setUint16(this.pos, v);
    this.pos += 2;
    return this;
  }

  u32(v: number, field = 'u32'): this {
    this.checkInt(v, 32, field);
    this.ensure(4);
    this.view.setUint32(this.pos, v);
    this.pos += 4;
    return this;
  }

  u64(v: bigint, field = 'u64'): this {
    if (v < 0n || v > U64_MAX) throw new ValidationError(field, `not a u64: ${v}`);
    this.ensure(8);
    this.view.setBigUint64(this.pos, v);
    this.pos += 8;
    return this;
  }

  /** Truncated integer: minimal big-endian bytes, zero is empty (BOLT 1 tu16/tu32/tu64). */
  truncated(v: bigint, maxBytes: 2 | 4 | 8, field = 'tu64'): this {
    if (v < 0n || v >= 1n << BigInt(8 * maxBytes)) throw new ValidationError(field, `out of range: ${v}`);
    const bytes: number[] = [];
    for (let x = v; x > 0n; x >>= 8n) bytes.unshift(Number(x & 0xffn));
    return this.bytes(Uint8Array.from(bytes));
  }

  /** BigSize (BOLT 1 Appendix A), always the canonical encoding. */
  bigsize(v: bigint | number, field = 'bigsize'): this {
    const n = typeof v === 'number' ? BigInt(v) : v;
    if (n < 0n || n > U64_MAX) throw new ValidationError(field, `not a BigSize: ${n}`);
    if (n < 0xfdn) return this.u8(Number(n));
    if (n <= 0xffffn) return this.u8(0xfd).u16(Number(n));
    if (n <= 0xffffffffn) return this.u8(0xfe).u32(Number(n));
    return this.u8(0xff).u64(n);
  }

  bytes(b: Uint8Array): this {
    this.ensure(b.length);
    this.buf.set(b, this.pos);
    this.pos += b.length;
    return this;
  }

  /** A u16 length followed by the bytes. */
  u16Prefixed(b: Uint8Array, field = 'bytes'): this {
    if (b.length > 0xffff) throw new ValidationError(field, `longer than 65535 bytes`);
    return this.u16(b.length).bytes(b);
  }

  finish(): Uint8Array {
    return this.buf.slice(0, this.pos);
  }
}

/** Encode one BigSize value. */
export function encodeBigSize(v: bigint | number): Uint8Array {
  return new ByteWriter(9).bigsize(v).finish();
}
