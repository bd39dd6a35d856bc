/**
 * BOLT 11 `9` field: the invoice's BOLT 9 feature bits, big-endian in 5-bit words ("Feature Bits").
 * A reader ignores unknown odd bits and must not pay when an unknown even bit is set; a payer also
 * refuses what it cannot do (Glint requires payment_secret and pays no feature it lacks).
 */
import { featureForBit, FeatureVector, missingDependency } from '../wire/features.ts';
import type { Invoice } from './types.ts';

/** Feature vector bytes (big-endian, minimal) of `9` field words. */
export function featuresFromWords(words: ArrayLike<number>): Uint8Array {
  const bits: number[] = [];
  const n = words.length;
  for (let i = 0; i < n; i++) {
    const w = words[n - 1 - i] as number;
    for (let j = 0; j < 5; j++) if (w & (1 << j)) bits.push(i * 5 + j);
  }
  return FeatureVector.fromBits(bits).toBytes();
}

/** Minimal `9` field words of feature bytes (empty when no bit is set: the field is omitted). */
export function featuresToWords(features: Uint8Array): number[] {
  const bits = FeatureVector.fromBytes(features).list();
  if (bits.length === 0) return [];
  const top = bits[bits.length - 1] as number;
  const out = new Array<number>(Math.floor(top / 5) + 1).fill(0);
  for (const b of bits) out[out.length - 1 - Math.floor(b / 5)]! |= 1 << (b % 5);
  return out;
}

/** Even bits set that BOLT 9 does not define (a reader MUST fail the payment). */
export function unknownRequiredFeatureBits(features: Uint8Array): number[] {
  return FeatureVector.fromBytes(features)
    .list()
    .filter((b) => b % 2 === 0 && featureForBit(b) === undefined);
}

/** Invoice features this node can honour when paying (BOLT 9 context `9`). */
const PAYABLE_FEATURES = new Set(['var_onion_optin', 'payment_secret', 'basic_mpp', 'option_payment_metadata']);

/** Names of the features an invoice sets (either bit), `unknown_<bit>` for undefined ones. */
export function invoiceFeatureNames(features: Uint8Array): string[] {
  const names: string[] = [];
  for (const b of FeatureVector.fromBytes(features).list()) {
    const name = featureForBit(b)?.name ?? `unknown_${b}`;
    if (!names.includes(name)) names.push(name);
  }
  return names;
}

/**
 * Why this node cannot pay the invoice because of its features, in words; undefined when it can.
 * BOLT 11 "Feature Bits" reader requirements plus our own: payment_secret must be offered.
 */
export function invoiceFeatureProblem(inv: Pick<Invoice, 'features'>): string | undefined {
  const v = FeatureVector.fromBytes(inv.features);
  const unknown = unknownRequiredFeatureBits(inv.features);
  if (unknown.length > 0) return `the invoice requires unknown feature bit${unknown.length > 1 ? 's' : ''} ${unknown.join(', ')}`;
  const unsupported = v
    .list()
    .filter((b) => b % 2 === 0)
    .map((b) => featureForBit(b)?.name as string)
    .filter((name) => !PAYABLE_FEATURES.has(name));
  if (unsupported.length > 0) return `the invoice requires ${unsupported.join(', ')}, which this wallet does not support`;
  const dep = missingDependency(v);
  if (dep) return `the invoice sets ${dep.feature} without ${dep.dependency}`;
  if (!v.supports('payment_secret')) return 'the invoice does not offer payment_secret (feature 14/15), which this wallet requires';
  return undefined;
}
