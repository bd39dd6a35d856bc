/**
 * Payments whose HTLCs are in flight (pure), for the banner that asks the user to keep Glint open
 * and for the `beforeunload` prompt. An HTLC is settled only by a node that is online: an
 * outgoing one must be failed or fulfilled by the peer before its cltv_expiry, or our node has to
 * close the channel on-chain and time it out (BOLT 2 "Normal Operation": a node SHOULD fail the
 * channel when an offered HTLC is not resolved near its cltv_expiry; BOLT 5 HTLC-timeout); an
 * incoming one must be claimed with its preimage before that height, or the money is lost to the
 * payer. Either way only a running Glint can do it.
 */
import type { PaymentDto } from '../../workers/rpc/protocol.ts';
import { inFlightDeadline } from './payment-outcome.ts';

export interface InFlightPayment {
  readonly paymentHash: string;
  readonly direction: PaymentDto['direction'];
  readonly amountMsat: bigint;
  readonly description: string | null;
  /** The block by which every part still in flight must be settled (its latest cltv_expiry), or null before an HTLC is added. */
  readonly deadlineBlock: number | null;
}

/**
 * In flight: an outgoing payment still pending (its HTLCs are out, or about to be), or an
 * incoming one with an HTLC held (an MPP part waiting for the rest, a claim not yet settled).
 * An unpaid invoice of ours is not: nothing of it is in a channel. Soonest deadline first.
 */
export function inFlightPayments(list: readonly PaymentDto[]): InFlightPayment[] {
  const out: InFlightPayment[] = [];
  for (const p of list) {
    if (p.status !== 'pending') continue;
    if (p.direction === 'incoming' && !p.htlcs.some((h) => h.status === 'pending')) continue;
    out.push({
      paymentHash: p.paymentHash,
      direction: p.direction,
      amountMsat: BigInt(p.amountMsat),
      description: p.description ?? null,
      deadlineBlock: inFlightDeadline(p.htlcs),
    });
  }
  return out.sort((a, b) => (a.deadlineBlock ?? Number.MAX_SAFE_INTEGER) - (b.deadlineBlock ?? Number.MAX_SAFE_INTEGER));
}

/** What the `beforeunload` prompt is for (browsers show their own words; this is for the logs and tests). */
export const LEAVE_WARNING = 'A Lightning payment is in flight: keep Glint open until it settles.';
