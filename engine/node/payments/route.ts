/**
 * The router (pure): routes from our usable channels to a payee, without a graph (the routing
 * issue adds gossip later):
 *
 *   - direct: the payee is the peer of one of our channels (one hop);
 *   - hints: BOLT 11 `r` fields. A hint `[h0, h1, … hk-1]` describes the path
 *     h0 → h1 → … → hk-1 → payee, hop `hi` charging its fees for the channel `hi.shortChannelId`
 *     towards the next node. We reach h0 over our own channel with it (its scid is not in the
 *     onion: h0 only needs the next channel). The hint's scid is used as given (LDK puts the scid
 *     alias of a private channel there).
 *
 * Amounts and CLTVs are computed backwards from the payee (BOLT 4 "Payload for the last node",
 * BOLT 7 "fee_base_msat + amount_to_forward × fee_proportional_millionths / 10^6"):
 *   final hop:  amt_to_forward = the part's amount, outgoing_cltv_value = height +
 *               min_final_cltv_expiry_delta + FINAL_CLTV_MARGIN;
 *   hop hi:     forwards to the next node the amount / CLTV the next node needs; we add the HTLC
 *               to h0 with h0's forwarding amount + h0's fee and CLTV + h0's cltv_expiry_delta.
 * Nothing is random: the same inputs give the same route.
 */
import { bytesToHex } from '../../lib/bytes.ts';
import type { PaymentChannel } from './ports.ts';

/**
 * Blocks added to the payee's min_final_cltv_expiry_delta: our tip may lag the payee's by a
 * block or two, and a payee that sees `cltv_expiry < height + min_final` fails the payment
 * (BOLT 4). Deterministic, no shadow route.
 */
export const FINAL_CLTV_MARGIN = 3;

/** A BOLT 11 route hint hop (engine/invoice `RouteHintHop`). */
export interface HintHop {
  readonly nodeId: Uint8Array;
  readonly shortChannelId: bigint;
  readonly feeBaseMsat: number;
  readonly feeProportionalMillionths: number;
  readonly cltvExpiryDelta: number;
}

/** The onion payload of one hop (engine/onion `HopPayload`, the fields the router sets). */
export interface RouteHopPayload {
  readonly amtToForwardMsat: bigint;
  readonly outgoingCltvValue: number;
  readonly shortChannelId?: bigint;
  readonly paymentData?: { readonly paymentSecret: Uint8Array; readonly totalMsat: bigint };
  readonly paymentMetadata?: Uint8Array;
  readonly keysendPreimage?: Uint8Array;
}

/** What the final hop's payload carries besides amount and CLTV. */
export interface FinalHopFields {
  readonly paymentSecret?: Uint8Array;
  readonly totalMsat: bigint;
  readonly paymentMetadata?: Uint8Array;
  readonly keysendPreimage?: Uint8Array;
}

/** A way to the payee, before amounts: our channel, then the hint's hops (none: direct). */
export interface RoutePath {
  readonly channel: PaymentChannel;
  readonly hint: readonly HintHop[];
}

export interface RouteHop {
  readonly nodeId: Uint8Array;
  /** The channel into this hop (absent for our own channel). */
  readonly shortChannelId?: bigint;
  readonly payload: RouteHopPayload;
}

/** A priced route for one part. */
export interface PlannedRoute {
  readonly kind: 'direct' | 'hints';
  readonly channelId: string;
  /** The HTLC we add. */
  readonly amountMsat: bigint;
  readonly cltvExpiry: number;
  /** What reaches the payee. */
  readonly payeeMsat: bigint;
  readonly feeMsat: bigint;
  /** The onion's hops: first = our channel's peer, last = the payee. */
  readonly hops: readonly RouteHop[];
}

/** Fee overrides learnt from a failure's channel_update (BOLT 4 `fee_insufficient`, …), by scid. */
export type HopPolicyOverrides = ReadonlyMap<bigint, { readonly feeBaseMsat: number; readonly feeProportionalMillionths: number; readonly cltvExpiryDelta: number }>;

export interface Exclusions {
  /** Our channels not to use (hex channel_id). */
  readonly channels: ReadonlySet<string>;
  /** Hint channels not to use (scid). */
  readonly hintChannels: ReadonlySet<bigint>;
  /** Nodes not to route through (hex node id). */
  readonly nodes: ReadonlySet<string>;
}

export const NO_EXCLUSIONS: Exclusions = { channels: new Set(), hintChannels: new Set(), nodes: new Set() };

export interface PathQuery {
  readonly payee: Uint8Array;
  readonly channels: readonly PaymentChannel[];
  readonly routeHints: readonly (readonly HintHop[])[];
  readonly exclude?: Exclusions;
}

/** Every path to the payee over a usable channel, direct ones first. */
export function findPaths(q: PathQuery): RoutePath[] {
  const payee = bytesToHex(q.payee);
  const ex = q.exclude ?? NO_EXCLUSIONS;
  const usable = q.channels.filter((c) => c.usable && !ex.channels.has(c.channelId));
  const out: RoutePath[] = [];
  for (const c of usable) if (c.peer === payee) out.push({ channel: c, hint: [] });
  for (const hint of q.routeHints) {
    if (hint.length === 0 || hint.length > 20) continue;
    const first = bytesToHex(hint[0]!.nodeId);
    if (first === payee) continue;
    if (hint.some((h) => ex.hintChannels.has(h.shortChannelId) || ex.nodes.has(bytesToHex(h.nodeId)))) continue;
    for (const c of usable) if (c.peer === first) out.push({ channel: c, hint });
  }
  return out;
}

/** BOLT 7: the fee a hop charges to forward `amountMsat`. */
export function hopFee(h: { readonly feeBaseMsat: number; readonly feeProportionalMillionths: number }, amountMsat: bigint): bigint {
  return BigInt(h.feeBaseMsat) + (amountMsat * BigInt(h.feeProportionalMillionths)) / 1_000_000n;
}

/** The hint hop with any override learnt from a failure. */
function policyOf(h: HintHop, overrides?: HopPolicyOverrides): HintHop {
  const o = overrides?.get(h.shortChannelId);
  return o ? { ...h, ...o } : h;
}

/** Price `path` for `payeeMsat` reaching the payee, backwards from the payee. */
export function priceRoute(path: RoutePath, payeeMsat: bigint, payee: Uint8Array, finalCltv: number, final: FinalHopFields, overrides?: HopPolicyOverrides): PlannedRoute {
  const finalPayload: RouteHopPayload = {
    amtToForwardMsat: payeeMsat,
    outgoingCltvValue: finalCltv,
    ...(final.paymentSecret ? { paymentData: { paymentSecret: final.paymentSecret, totalMsat: final.totalMsat } } : {}),
    ...(final.paymentMetadata ? { paymentMetadata: final.paymentMetadata } : {}),
    ...(final.keysendPreimage ? { keysendPreimage: final.keysendPreimage } : {}),
  };
  const hint = path.hint.map((h) => policyOf(h, overrides));
  // Walking back: `amount`/`cltv` are what the next node (initially the payee) must receive.
  let amount = payeeMsat;
  let cltv = finalCltv;
  const hops: RouteHop[] = [{ nodeId: payee, payload: finalPayload, ...(hint.length > 0 ? { shortChannelId: hint[hint.length - 1]!.shortChannelId } : {}) }];
  for (let i = hint.length - 1; i >= 0; i--) {
    const h = hint[i]!;
    const payload: RouteHopPayload = { amtToForwardMsat: amount, outgoingCltvValue: cltv, shortChannelId: h.shortChannelId };
    amount += hopFee(h, amount);
    cltv += h.cltvExpiryDelta;
    hops.unshift({ nodeId: h.nodeId, payload, ...(i > 0 ? { shortChannelId: hint[i - 1]!.shortChannelId } : {}) });
  }
  return {
    kind: hint.length === 0 ? 'direct' : 'hints',
    channelId: path.channel.channelId,
    amountMsat: amount,
    cltvExpiry: cltv,
    payeeMsat,
    feeMsat: amount - payeeMsat,
    hops,
  };
}

/** Why a priced route cannot be used now, or undefined. */
export function routeProblem(r: PlannedRoute, path: RoutePath, limits: { readonly maxFeeMsat: bigint; readonly maxCltvExpiryDelta: number; readonly blockHeight: number }): string | undefined {
  if (r.amountMsat > path.channel.sendableMsat) return `the channel can send at most ${path.channel.sendableMsat} msat now`;
  if (r.amountMsat < path.channel.htlcMinimumMsat) return `below the peer's htlc_minimum_msat (${path.channel.htlcMinimumMsat})`;
  if (r.feeMsat > limits.maxFeeMsat) return `the route fee ${r.feeMsat} msat is above the limit of ${limits.maxFeeMsat} msat`;
  if (r.cltvExpiry - limits.blockHeight > limits.maxCltvExpiryDelta) return `the route locks funds for ${r.cltvExpiry - limits.blockHeight} blocks, above the limit of ${limits.maxCltvExpiryDelta}`;
  return undefined;
}

/**
 * The largest payee amount `path` carries within `capacityMsat` at the first hop (fees grow with
 * the amount, so the answer is found by bisection on the priced route).
 */
export function maxPayeeAmount(path: RoutePath, capacityMsat: bigint, payee: Uint8Array, finalCltv: number, final: FinalHopFields, overrides?: HopPolicyOverrides): bigint {
  let lo = 0n;
  let hi = capacityMsat;
  while (lo < hi) {
    const mid = (lo + hi + 1n) / 2n;
    if (priceRoute(path, mid, payee, finalCltv, final, overrides).amountMsat <= capacityMsat) lo = mid;
    else hi = mid - 1n;
  }
  return lo;
}
