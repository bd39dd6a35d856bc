/**
 * Choosing the parts of a payment (pure): one route when one can carry the whole amount, else —
 * when the payee supports basic_mpp (BOLT 4 "Basic Multi-Part Payments", BOLT 9 bits 16/17) —
 * several parts over different channels, each at least the channel's htlc_minimum_msat, their
 * payee amounts summing to the amount asked, all carrying the same payment_secret and
 * total_msat = the payment's full amount. Fees of all parts together stay within maxFeeMsat.
 */
import type { FinalHopFields, HintHop, HopPolicyOverrides, PlannedRoute, RoutePath, Exclusions } from './route.ts';
import { findPaths, maxPayeeAmount, priceRoute, routeProblem } from './route.ts';
import type { PaymentChannel } from './ports.ts';

export interface SplitRequest {
  readonly payee: Uint8Array;
  /** What still has to reach the payee (the whole amount, or what failed parts left). */
  readonly amountMsat: bigint;
  readonly channels: readonly PaymentChannel[];
  readonly routeHints: readonly (readonly HintHop[])[];
  readonly finalCltv: number;
  readonly final: FinalHopFields;
  readonly blockHeight: number;
  /** Fee budget left for these parts. */
  readonly maxFeeMsat: bigint;
  readonly maxCltvExpiryDelta: number;
  readonly allowMpp: boolean;
  readonly exclude?: Exclusions;
  readonly overrides?: HopPolicyOverrides;
  /** Parts at most (what the record still allows). */
  readonly maxParts?: number;
}

export type SplitResult =
  | { readonly ok: true; readonly parts: readonly PlannedRoute[] }
  | { readonly ok: false; readonly code: 'no_route' | 'insufficient_balance'; readonly reason: string };

function sat(msat: bigint): string {
  const whole = msat / 1000n;
  const rest = msat % 1000n;
  return rest === 0n ? `${whole} sat` : `${whole}.${rest.toString().padStart(3, '0').replace(/0+$/, '')} sat`;
}

/** The parts to send now, or why there are none. */
export function splitPayment(req: SplitRequest): SplitResult {
  const usable = req.channels.filter((c) => c.usable);
  if (usable.length === 0) {
    const any = req.channels.length > 0;
    return { ok: false, code: 'no_route', reason: any ? 'no channel is usable right now (is the peer connected?)' : 'you have no channel to pay from' };
  }
  const paths = findPaths({ payee: req.payee, channels: req.channels, routeHints: req.routeHints, ...(req.exclude ? { exclude: req.exclude } : {}) });
  if (paths.length === 0) {
    return {
      ok: false,
      code: 'no_route',
      reason: req.exclude && (req.exclude.channels.size > 0 || req.exclude.hintChannels.size > 0 || req.exclude.nodes.size > 0)
        ? 'no route left to the payee: every route tried failed'
        : 'no route to the payee: it is not a peer of our channels and the invoice has no route hint through one',
    };
  }
  const limits = { maxFeeMsat: req.maxFeeMsat, maxCltvExpiryDelta: req.maxCltvExpiryDelta, blockHeight: req.blockHeight };
  const price = (p: RoutePath, amount: bigint): PlannedRoute => priceRoute(p, amount, req.payee, req.finalCltv, req.final, req.overrides);

  // One route for everything: the cheapest that works.
  let lastProblem = '';
  const singles = paths
    .map((p) => ({ p, r: price(p, req.amountMsat) }))
    .sort((a, b) => (a.r.feeMsat < b.r.feeMsat ? -1 : a.r.feeMsat > b.r.feeMsat ? 1 : Number(b.p.channel.sendableMsat - a.p.channel.sendableMsat)));
  for (const { p, r } of singles) {
    const problem = routeProblem(r, p, limits);
    if (!problem) return { ok: true, parts: [r] };
    lastProblem = problem;
  }

  // Capacity over all first channels (each counted once, by its best path).
  const byChannel = new Map<string, { p: RoutePath; cap: bigint }>();
  for (const p of paths) {
    const cap = maxPayeeAmount(p, p.channel.sendableMsat, req.payee, req.finalCltv, req.final, req.overrides);
    const prev = byChannel.get(p.channel.channelId);
    if (!prev || cap > prev.cap) byChannel.set(p.channel.channelId, { p, cap });
  }
  const total = [...byChannel.values()].reduce((s, x) => s + x.cap, 0n);
  const largest = [...byChannel.values()].reduce((m, x) => (x.cap > m ? x.cap : m), 0n);
  if (!req.allowMpp || byChannel.size < 2) {
    if (largest < req.amountMsat) {
      const mppNote = !req.allowMpp && total >= req.amountMsat ? ' (the payee does not accept multi-part payments, which could combine your channels)' : '';
      return { ok: false, code: 'insufficient_balance', reason: `your channels can send at most ${sat(largest)} in one payment, ${sat(req.amountMsat)} asked${mppNote}` };
    }
    return { ok: false, code: 'no_route', reason: `no usable route: ${lastProblem}` };
  }
  if (total < req.amountMsat) {
    return { ok: false, code: 'insufficient_balance', reason: `your channels can send at most ${sat(total)} together, ${sat(req.amountMsat)} asked` };
  }

  // Greedy, largest capacity first; a remainder below a channel's minimum moves to the next.
  const order = [...byChannel.values()].sort((a, b) => (a.cap > b.cap ? -1 : a.cap < b.cap ? 1 : 0));
  const maxParts = req.maxParts ?? order.length;
  const parts: PlannedRoute[] = [];
  let remaining = req.amountMsat;
  let fees = 0n;
  for (let i = 0; i < order.length && remaining > 0n && parts.length < maxParts; i++) {
    const { p, cap } = order[i]!;
    // Leave at least the next channels' minimum for them when this one cannot finish the job.
    let amount = remaining < cap ? remaining : cap;
    const min = p.channel.htlcMinimumMsat;
    if (amount < min) continue;
    const restAfter = remaining - amount;
    const nextMin = order[i + 1]?.p.channel.htlcMinimumMsat ?? 1n;
    if (restAfter > 0n && restAfter < nextMin && amount - (nextMin - restAfter) >= min) amount -= nextMin - restAfter;
    const r = price(p, amount);
    const problem = routeProblem(r, p, { ...limits, maxFeeMsat: req.maxFeeMsat - fees });
    if (problem) {
      lastProblem = problem;
      continue;
    }
    parts.push(r);
    fees += r.feeMsat;
    remaining -= amount;
  }
  if (remaining > 0n) return { ok: false, code: 'no_route', reason: `could not split ${sat(req.amountMsat)} over your channels${lastProblem ? `: ${lastProblem}` : ''}` };
  return { ok: true, parts };
}
