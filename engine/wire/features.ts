/**
 * BOLT 9 feature bits. A feature is a pair of bits: the even one means "required", the odd one
 * "optional". Vectors are big-endian on the wire (bit 0 is the least significant bit of the last
 * byte). Negotiation follows BOLT 1 `init` rules: an unknown even bit set by the peer fails the
 * connection, unknown odd bits are ignored, and a feature set without its dependencies is an error.
 */

export type FeatureContext = 'I' | 'N' | 'C' | '9' | 'T';

export interface FeatureInfo {
  /** The even (required) bit. */
  readonly bit: number;
  readonly name: string;
  readonly context: string;
  /** Names of features that must also be set. */
  readonly dependencies: readonly string[];
}

/** BOLT 9 feature table (09-features.md), the features this implementation knows by name. */
export const KNOWN_FEATURES: readonly FeatureInfo[] = Object.freeze([
  { bit: 0, name: 'option_data_loss_protect', context: 'IN', dependencies: [] },
  { bit: 4, name: 'option_upfront_shutdown_script', context: 'IN', dependencies: [] },
  { bit: 6, name: 'gossip_queries', context: 'IN', dependencies: [] },
  { bit: 8, name: 'var_onion_optin', context: 'IN9', dependencies: [] },
  { bit: 10, name: 'gossip_queries_ex', context: 'IN', dependencies: [] },
  { bit: 12, name: 'option_static_remotekey', context: 'IN', dependencies: [] },
  { bit: 14, name: 'payment_secret', context: 'IN9', dependencies: [] },
  { bit: 16, name: 'basic_mpp', context: 'IN9', dependencies: ['payment_secret'] },
  { bit: 18, name: 'option_support_large_channel', context: 'IN', dependencies: [] },
  { bit: 22, name: 'option_anchors', context: 'INT', dependencies: [] },
  { bit: 24, name: 'option_route_blinding', context: 'IN9', dependencies: [] },
  { bit: 26, name: 'option_shutdown_anysegwit', context: 'IN', dependencies: [] },
  { bit: 28, name: 'option_dual_fund', context: 'IN', dependencies: [] },
  { bit: 34, name: 'option_quiesce', context: 'IN', dependencies: [] },
  { bit: 36, name: 'option_attribution_data', context: 'IN9', dependencies: [] },
  { bit: 38, name: 'option_onion_messages', context: 'IN', dependencies: [] },
  { bit: 42, name: 'option_provide_storage', context: 'IN', dependencies: [] },
  { bit: 44, name: 'option_channel_type', context: 'IN', dependencies: [] },
  { bit: 46, name: 'option_scid_alias', context: 'INT', dependencies: [] },
  { bit: 48, name: 'option_payment_metadata', context: '9', dependencies: [] },
  { bit: 50, name: 'option_zeroconf', context: 'INT', dependencies: ['option_scid_alias'] },
  { bit: 60, name: 'option_simple_close', context: 'IN', dependencies: ['option_shutdown_anysegwit'] },
  { bit: 62, name: 'option_splice', context: 'IN', dependencies: [] },
]);

const BY_NAME = new Map(KNOWN_FEATURES.map((f) => [f.name, f]));
const BY_PAIR = new Map(KNOWN_FEATURES.map((f) => [f.bit, f]));

/** Look up a feature by BOLT 9 name; throws on a typo so config errors surface at start-up. */
export function featureByName(name: string): FeatureInfo {
  const f = BY_NAME.get(name);
  if (!f) throw new Error(`unknown feature name ${name}`);
  return f;
}

/** The known feature that owns `bit` (even or odd), if any. */
export function featureForBit(bit: number): FeatureInfo | undefined {
  return BY_PAIR.get(bit & ~1);
}

export type FeatureSupport = 'required' | 'optional';

/** An immutable set of feature bits. */
export class FeatureVector {
  private readonly bits: ReadonlySet<number>;

  private constructor(bits: Iterable<number>) {
    this.bits = new Set(bits);
  }

  static empty(): FeatureVector {
    return new FeatureVector([]);
  }

  static fromBits(bits: Iterable<number>): FeatureVector {
    const list = [...bits];
    for (const b of list) {
      if (!Number.isInteger(b) || b < 0 || b > 65535 * 8) throw new RangeError(`bad feature bit ${b}`);
    }
    return new FeatureVector(list);
  }

  /** Features by name, each `required` (even bit) or `optional` (odd bit). */
  static fromNames(entries: Readonly<Record<string, FeatureSupport>>): FeatureVector {
    const bits: number[] = [];
    for (const [name, support] of Object.entries(entries)) {
      const f = featureByName(name);
      bits.push(support === 'required' ? f.bit : f.bit + 1);
    }
    return new FeatureVector(bits);
  }

  /** Decode a big-endian bitfield (BOLT 1 `init.features`, BOLT 9). Never throws. */
  static fromBytes(bytes: Uint8Array): FeatureVector {
    const bits: number[] = [];
    const n = bytes.length;
    for (let i = 0; i < n; i++) {
      const byte = bytes[n - 1 - i] as number;
      if (byte === 0) continue;
      for (let j = 0; j < 8; j++) if (byte & (1 << j)) bits.push(i * 8 + j);
    }
    return new FeatureVector(bits);
  }

  /** Minimal big-endian encoding (no leading zero bytes). */
  toBytes(): Uint8Array {
    let max = -1;
    for (const b of this.bits) if (b > max) max = b;
    const len = max < 0 ? 0 : (max >> 3) + 1;
    const out = new Uint8Array(len);
    for (const b of this.bits) out[len - 1 - (b >> 3)]! |= 1 << (b & 7);
    return out;
  }

  has(bit: number): boolean {
    return this.bits.has(bit);
  }

  /** Bits set, ascending. */
  list(): number[] {
    return [...this.bits].sort((a, b) => a - b);
  }

  /** How the feature `name` is set, or undefined when neither bit is set. */
  support(name: string): FeatureSupport | undefined {
    const f = featureByName(name);
    if (this.bits.has(f.bit)) return 'required';
    if (this.bits.has(f.bit + 1)) return 'optional';
    return undefined;
  }

  /** True when either bit of the named feature is set. */
  supports(name: string): boolean {
    return this.support(name) !== undefined;
  }

  union(other: FeatureVector): FeatureVector {
    return new FeatureVector([...this.bits, ...other.bits]);
  }

  without(bits: Iterable<number>): FeatureVector {
    const drop = new Set(bits);
    return new FeatureVector([...this.bits].filter((b) => !drop.has(b)));
  }

  /**
   * Names and support levels for display and JSON (`glint connect`): known features by BOLT 9
   * name, unknown ones as `unknown_<evenbit>`. If both bits of a pair are set, `required` wins.
   */
  describe(): Record<string, FeatureSupport> {
    const out: Record<string, FeatureSupport> = {};
    for (const b of this.list()) {
      const name = featureForBit(b)?.name ?? `unknown_${b & ~1}`;
      const support: FeatureSupport = b % 2 === 0 ? 'required' : 'optional';
      if (out[name] !== 'required') out[name] = support;
    }
    return out;
  }
}

/** Why a peer's features cannot work with ours. */
export interface FeatureIncompatibility {
  readonly reason: string;
}

/**
 * BOLT 1 `init` receiving rules and BOLT 9 dependencies, from our side:
 * - the peer requires (even bit) a feature we do not know or do not support → fail;
 * - we require a feature the peer does not set at all → fail;
 * - the peer sets a feature without its dependencies → fail.
 * Returns undefined when compatible.
 */
export function checkPeerFeatures(local: FeatureVector, remote: FeatureVector): FeatureIncompatibility | undefined {
  const unknownRequired = remote
    .list()
    .filter((b) => b % 2 === 0 && !local.has(b) && !local.has(b + 1));
  if (unknownRequired.length > 0) {
    return { reason: `peer requires features unknown to us: [${unknownRequired.join(', ')}]` };
  }
  const missing = local
    .list()
    .filter((b) => b % 2 === 0 && !remote.has(b) && !remote.has(b + 1));
  if (missing.length > 0) {
    return { reason: `peer lacks features we require: [${missing.join(', ')}]` };
  }
  const dep = missingDependency(remote);
  if (dep) return { reason: `peer sets ${dep.feature} without its dependency ${dep.dependency}` };
  return undefined;
}

/** The first feature set in `v` whose dependency is not set, if any (BOLT 9 "Requirements"). */
export function missingDependency(v: FeatureVector): { feature: string; dependency: string } | undefined {
  for (const f of KNOWN_FEATURES) {
    if (!v.has(f.bit) && !v.has(f.bit + 1)) continue;
    for (const d of f.dependencies) if (!v.supports(d)) return { feature: f.name, dependency: d };
  }
  return undefined;
}

/** True when both sides set the feature (either bit): the feature is in effect for the connection. */
export function negotiated(local: FeatureVector, remote: FeatureVector, name: string): boolean {
  return local.supports(name) && remote.supports(name);
}
