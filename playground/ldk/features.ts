/**
 * Init-feature overrides for an LDK node, so interop tests can make a real LDK peer advertise a
 * feature set it would never choose itself: omit a feature we require, or require a bit nobody
 * knows.
 *
 * How: PeerManager builds the `init` it sends (and checks the peer's `init` against) from the OR
 * of its handlers' `provided_init_features`. Adding bits could go through any handler, but
 * omitting bits needs the ChannelManager's own set changed, so the ChannelManager's
 * ChannelMessageHandler is wrapped: a `ChannelMessageHandler.new_impl` whose every method
 * forwards to the real one, except `provided_init_features`, which edits the result. The routing,
 * onion and custom handlers are IgnoringMessageHandler and contribute no bits.
 *
 * The wrapped set is also what this node checks the peer against, exactly as if the node really
 * had that feature set: a node that omits 12/13 also refuses a peer requiring 12.
 */
import type { ChannelMessageHandler, ChannelMessageHandlerInterface, InitFeatures, MessageSendEvent } from 'lightningdevkit';
import type { Ldk } from './wasm.ts';

/** Changes to the init features a node advertises. Bits are BOLT 9 bit numbers. */
export interface FeatureOverrides {
  /** Bits to clear (give both the even and the odd bit to drop a feature entirely). */
  omit?: number[];
  /** Bits to set (use even bits: "required"). */
  addRequired?: number[];
  /** Bits to set (use odd bits: "optional"). */
  addOptional?: number[];
}

/** The set bits of a feature vector given as LDK's little-endian flag bytes. */
export function featureBitsFromLeFlags(leFlags: Uint8Array): number[] {
  const bits: number[] = [];
  leFlags.forEach((byte, index) => {
    for (let bit = 0; bit < 8; bit++) if (byte & (1 << bit)) bits.push(index * 8 + bit);
  });
  return bits;
}

/** The set bits of an LDK `InitFeatures`. */
export function initFeatureBits(features: InitFeatures): number[] {
  return featureBitsFromLeFlags(features.le_flags());
}

/**
 * Build an `InitFeatures` with exactly these bits, by decoding the BOLT 1 wire form (u16 length,
 * then big-endian bytes), which takes any bit, known to LDK or not.
 */
export function initFeaturesFromBits(ldk: Ldk, bits: Iterable<number>): InitFeatures {
  const set = [...new Set(bits)];
  for (const bit of set) {
    if (!Number.isInteger(bit) || bit < 0 || bit >= 8 * 0xffff) throw new RangeError(`feature bit out of range: ${bit}`);
  }
  const length = set.length === 0 ? 0 : Math.floor(Math.max(...set) / 8) + 1;
  const wire = new Uint8Array(2 + length);
  wire[0] = length >> 8;
  wire[1] = length & 0xff;
  for (const bit of set) wire[2 + length - 1 - Math.floor(bit / 8)]! |= 1 << bit % 8;
  const decoded = ldk.InitFeatures.constructor_read(wire);
  if (!(decoded instanceof ldk.Result_InitFeaturesDecodeErrorZ_OK)) {
    throw new Error(`InitFeatures could not decode bits [${set.join(', ')}]`);
  }
  return decoded.res;
}

/** Apply overrides to a set of bits (omit first, then add). */
export function applyFeatureOverrides(bits: number[], overrides: FeatureOverrides): number[] {
  const result = new Set(bits);
  for (const bit of overrides.omit ?? []) result.delete(bit);
  for (const bit of [...(overrides.addRequired ?? []), ...(overrides.addOptional ?? [])]) result.add(bit);
  return [...result].sort((a, b) => a - b);
}

/** True when the overrides change nothing, so the real handler can be used as it is. */
export function isNoOverride(overrides: FeatureOverrides | undefined): boolean {
  return !overrides || [overrides.omit, overrides.addRequired, overrides.addOptional].every((list) => !list?.length);
}

/**
 * Wrap a ChannelMessageHandler so that `provided_init_features` returns the overridden set and
 * every other call goes to `inner` unchanged. `events` is the MessageSendEventsProvider
 * supertrait (PeerManager drains outgoing channel messages through it), which must be the
 * ChannelManager's own.
 *
 * A Proxy forwards the ~40 handler methods, so the wrapper does not need updating when LDK adds
 * one (the binding calls `arg.<method>(...)` by name).
 */
export function wrapChannelMessageHandler(
  ldk: Ldk,
  inner: ChannelMessageHandler,
  events: { get_and_clear_pending_msg_events(): MessageSendEvent[] },
  overrides: FeatureOverrides,
): ChannelMessageHandler {
  const providedInitFeatures = (theirNodeId: Uint8Array): InitFeatures =>
    initFeaturesFromBits(ldk, applyFeatureOverrides(initFeatureBits(inner.provided_init_features(theirNodeId)), overrides));
  const forwarding = new Proxy<ChannelMessageHandlerInterface>(inner, {
    get(target, property) {
      if (property === 'provided_init_features') return providedInitFeatures;
      const value: unknown = Reflect.get(target, property);
      return typeof value === 'function' ? value.bind(target) : value;
    },
  });
  return ldk.ChannelMessageHandler.new_impl(forwarding, {
    get_and_clear_pending_msg_events: () => events.get_and_clear_pending_msg_events(),
  });
}
