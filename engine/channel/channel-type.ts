/**
 * BOLT 2 "Defined Channel Types": the `channel_type` TLV of open_channel / accept_channel is a
 * BOLT 9 bitfield naming one of an explicit list of types. We support the two basic types
 * without their `option_scid_alias` / `option_zeroconf` variations (yet).
 *
 *   static_remotekey           bit 12
 *   anchors_zero_fee_htlc_tx   bits 22 and 12
 */
import { FeatureVector } from '../wire/features.ts';
import type { ChannelType } from './types.ts';

const STATIC_REMOTEKEY_BIT = 12;
const ANCHORS_BIT = 22;
const SCID_ALIAS_BIT = 46;
const ZEROCONF_BIT = 50;

const BITS: Readonly<Record<ChannelType, readonly number[]>> = Object.freeze({
  static_remotekey: [STATIC_REMOTEKEY_BIT],
  anchors_zero_fee_htlc_tx: [STATIC_REMOTEKEY_BIT, ANCHORS_BIT],
});

/** The `channel_type` bytes for a type (the smallest bitmap, as BOLT 2 requires of the sender). */
export function encodeChannelType(type: ChannelType): Uint8Array {
  return FeatureVector.fromBits(BITS[type]).toBytes();
}

/** A decoded `channel_type`: ours, or why we cannot use it. */
export type ChannelTypeResult = { readonly ok: true; readonly type: ChannelType } | { readonly ok: false; readonly reason: string };

/** Read a peer's `channel_type` bitfield (never throws). */
export function decodeChannelType(bytes: Uint8Array): ChannelTypeResult {
  const bits = FeatureVector.fromBytes(bytes).list();
  const key = bits.join(',');
  if (key === '12') return { ok: true, type: 'static_remotekey' };
  if (key === '12,22') return { ok: true, type: 'anchors_zero_fee_htlc_tx' };
  const base = bits.filter((b) => b !== SCID_ALIAS_BIT && b !== ZEROCONF_BIT).join(',');
  if (base !== key && (base === '12' || base === '12,22')) {
    return { ok: false, reason: `channel_type bits [${key}] use option_scid_alias/option_zeroconf, which we do not support yet` };
  }
  return { ok: false, reason: `channel_type bits [${key}] is not a channel type we support (static_remotekey [12] or anchors_zero_fee_htlc_tx [12,22])` };
}
