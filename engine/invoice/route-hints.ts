/**
 * BOLT 11 `r` fields: private route hints. Each field is one route, a sequence of 51-byte hops
 * `pubkey` (33) || `short_channel_id` (8) || `fee_base_msat` (u32) || `fee_proportional_millionths`
 * (u32) || `cltv_expiry_delta` (u16), all big-endian, ordered from a public node to the payee.
 */
import { isValidPublicKey } from '../crypto/secp256k1.ts';
import { InvoiceError } from './errors.ts';
import { bytesToWords, wordsToBytes } from './bech32-words.ts';
import type { RouteHintHop } from './types.ts';

const HOP_BYTES = 51;
const U32_MAX = 0xffff_ffff;
const U16_MAX = 0xffff;
const SCID_MAX = (1n << 64n) - 1n;

function u32(b: Uint8Array, o: number): number {
  return (((b[o] as number) << 24) | ((b[o + 1] as number) << 16) | ((b[o + 2] as number) << 8) | (b[o + 3] as number)) >>> 0;
}

/** The hops of one `r` field; throws InvoiceError if it is not whole hops of valid node ids. */
export function decodeRouteHint(words: Uint8Array, index: number): RouteHintHop[] {
  const field = `routeHints[${index}]`;
  const bytes = wordsToBytes(words);
  if (bytes.length === 0 || bytes.length % HOP_BYTES !== 0) {
    throw new InvoiceError('invalid_route_hint', field, `is ${bytes.length} bytes, not a whole number of ${HOP_BYTES}-byte hops`);
  }
  const hops: RouteHintHop[] = [];
  for (let o = 0; o < bytes.length; o += HOP_BYTES) {
    const nodeId = bytes.slice(o, o + 33);
    if (!isValidPublicKey(nodeId)) throw new InvoiceError('invalid_route_hint', `${field}[${hops.length}].nodeId`, 'is not a valid public key');
    let scid = 0n;
    for (let i = 0; i < 8; i++) scid = (scid << 8n) | BigInt(bytes[o + 33 + i] as number);
    hops.push({
      nodeId,
      shortChannelId: scid,
      feeBaseMsat: u32(bytes, o + 41),
      feeProportionalMillionths: u32(bytes, o + 45),
      cltvExpiryDelta: ((bytes[o + 49] as number) << 8) | (bytes[o + 50] as number),
    });
  }
  return hops;
}

function checkUint(value: number, max: number, field: string): void {
  if (!Number.isInteger(value) || value < 0 || value > max) throw new InvoiceError('invalid_field', field, `must be an integer 0..${max}`);
}

/** The words of one `r` field; throws InvoiceError naming a bad hop value. */
export function encodeRouteHint(hops: readonly RouteHintHop[], index: number): number[] {
  const field = `routeHints[${index}]`;
  if (hops.length === 0) throw new InvoiceError('invalid_field', field, 'has no hops');
  const bytes = new Uint8Array(hops.length * HOP_BYTES);
  hops.forEach((h, i) => {
    const f = `${field}[${i}]`;
    if (!(h.nodeId instanceof Uint8Array) || !isValidPublicKey(h.nodeId)) throw new InvoiceError('invalid_field', `${f}.nodeId`, 'must be a 33-byte public key');
    if (typeof h.shortChannelId !== 'bigint' || h.shortChannelId < 0n || h.shortChannelId > SCID_MAX) {
      throw new InvoiceError('invalid_field', `${f}.shortChannelId`, 'must be a u64 bigint');
    }
    checkUint(h.feeBaseMsat, U32_MAX, `${f}.feeBaseMsat`);
    checkUint(h.feeProportionalMillionths, U32_MAX, `${f}.feeProportionalMillionths`);
    checkUint(h.cltvExpiryDelta, U16_MAX, `${f}.cltvExpiryDelta`);
    const o = i * HOP_BYTES;
    bytes.set(h.nodeId, o);
    for (let k = 0; k < 8; k++) bytes[o + 33 + k] = Number((h.shortChannelId >> BigInt(8 * (7 - k))) & 0xffn);
    const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
    view.setUint32(o + 41, h.feeBaseMsat);
    view.setUint32(o + 45, h.feeProportionalMillionths);
    view.setUint16(o + 49, h.cltvExpiryDelta);
  });
  return bytesToWords(bytes);
}
