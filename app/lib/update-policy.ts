/**
 * When a new version of Glint may take over this page (pure; app/state/pwa.svelte.ts acts on it).
 *
 * A new version arrives as a new service worker that installs and then waits (registerType
 * "prompt": it never skips waiting on its own). Taking it means reloading the page, which stops
 * the node running in this tab's worker. A reload while an HTLC is in flight is unsafe: only a
 * running node can fail or fulfil it before its cltv_expiry (BOLT 2 "Normal Operation", BOLT 5
 * HTLC-timeout), so the update is offered as "after the payment finishes" and applied only once
 * nothing is in flight — also when another tab applied the update and the new worker took control
 * of this page too.
 */

export interface UpdateSituation {
  /** A new service worker is installed and waiting. */
  readonly waiting: boolean;
  /** The new worker already controls this page (another tab applied the update): this page runs old code. */
  readonly controlledByNew: boolean;
  /** The user asked for the update in this tab. */
  readonly requested: boolean;
  /** Payments of this tab's node with HTLCs in flight (app/lib/in-flight.ts). */
  readonly inFlight: number;
}

/**
 * - `none`: nothing to show;
 * - `offer`: "Reload" applies the new version now;
 * - `offer-after-payment`: a payment is in flight; the button says "Update after the payment finishes";
 * - `deferred`: the update was asked for (here or in another tab) and waits for the payment to settle;
 * - `apply`: reload now.
 */
export type UpdateAction = 'none' | 'offer' | 'offer-after-payment' | 'deferred' | 'apply';

export function updateAction(s: UpdateSituation): UpdateAction {
  if (!s.waiting && !s.controlledByNew) return 'none';
  const wanted = s.requested || s.controlledByNew;
  if (s.inFlight > 0) return wanted ? 'deferred' : 'offer-after-payment';
  return wanted ? 'apply' : 'offer';
}
