/**
 * A bounds-checked reader over a byte array for BOLT 1 fundamental types (big-endian u8…u64,
 * truncated tu16/tu32/tu64, BigSize). Every failure is a `DecodeError` naming the field.
 */
import { DecodeError } from '../lib/errors.ts';

export class ByteReader {
  private readonly view: DataView;
  private pos = 0;
  readonly bytes: Uint8Array;

  constructor(bytes: Uint8Array) {
    this.bytes = bytes;
    this.view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  }

  get offset(): number {
    return this.pos;
  }

  get remaining(): number {
    return this.bytes.length - this.pos;
  }

  get done(): boolean {
    return this.pos >= this.bytes.length;
  }

  private need(n: number, field: string): void {
    if (this.remaining < n) {
      throw new DecodeError(field, `unexpected end of data (need ${n} bytes, have ${this.remaining})`);
    }
  }

  u8(field: string): number {
    this.need(1, field);
    return this.view.getUint8(this.pos++);
  }

  u16(field: string): number {
    this.need(2, field);
    const v = this.view.getUint16(this.pos);
    this.pos += 2;
    return v;
  }

  u32(field: string): number {
    this.need(4, field);
    const v = this.view.getUint32(this.pos);
    this.pos += 4;
    return v;
  }

  u64(field: string): bigint {
    this.need(8, field);
    const v = this.view.getBigUint64(this.pos);
    this.pos += 8;
    return v;
  }

  /** Signed big-endian two's-complement integers (BOLT 1 s8…s64). */
  s64(field: string): bigint {
    this.need(8, field);
    const v = this.view.getBigInt64(this.pos);
    this.pos += 8;
    return v;
  }

  /**
   * Truncated unsigned integer taking all `remaining` bytes (tu16/tu32/tu64, BOLT 1): at most
   * `maxBytes` bytes, and minimal (no leading zero byte).
   */
  truncated(field: string, maxBytes: 2 | 4 | 8): bigint {
    const n = this.remaining;
    if (n > maxBytes) throw new DecodeError(field, `truncated integer longer than ${maxBytes} bytes`);
    if (n > 0 && this.bytes[this.pos] === 0) throw new DecodeError(field, 'truncated integer is not minimal');
    let v = 0n;
    for (let i = 0; i < n; i++) v = (v << 8n) | BigInt(this.bytes[this.pos + i] as number);
    this.pos += n;
    return v;
  }

  /** BigSize (BOLT 1 Appendix A): canonical encodings only. */
  bigsize(field: string): bigint {
    const first = this.u8(field);
    if (first < 0xfd) return BigInt(first);
    if (first === 0xfd) {
      const v = this.u16(field);
      if (v < 0xfd) throw new DecodeError(field, 'BigSize is not canonical');
      return BigInt(v);
    }
    if (first === 0xfe) {
      const v = this.u32(field);
      if (v < 0x10000) throw new DecodeError(field, 'BigSize is not canonical');
      return BigInt(v);
    }
    const v = this.u64(field);
    if (v < 0x100000000n) throw new DecodeError(field, 'BigSize is not canonical');
    return v;
  }

  /** Exactly `n` bytes (a view into the input; copy it if you keep it beyond the input's life). */
  take(n: number, field: string): Uint8Array {
    this.need(n, field);
    const out = this.bytes.subarray(this.pos, this.pos + n);
    this.pos += n;
    return out;
  }

  /** A u16 length followed by that many bytes. */
  u16Prefixed(field: string): Uint8Array {
    const len = this.u16(`${field}.len`);
    return this.take(len, field);
  }

  /** Everything left. */
  rest(): Uint8Array {
    const out = this.bytes.subarray(this.pos);
    this.pos = this.bytes.length;
    return out;
  }
}
