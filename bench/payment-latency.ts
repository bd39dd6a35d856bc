/**
 * `payment-latency`: ms from `pay` to the preimage (BOLT 4 update_add_htlc → commitment dance →
 * update_fulfill_htlc) over one direct channel on loopback TCP, on the bcoin regtest chain.
 *
 *   ours:      Glint pays an invoice of LDK node Y over a Glint → Y channel (`pay` resolves with
 *              the preimage);
 *   reference: LDK node X pays an invoice of the same Y over an X → Y channel (`send_payment`
 *              until PaymentSent), LDK driven event-driven: PendingHTLCsForwardable and
 *              PaymentClaimable are handled the moment they appear, every socket read pumps LDK.
 *
 * The payee's invoice is made before the clock starts; after each payment both sides wait until
 * no HTLC is pending (the removal dance is over) before the next. Iterations alternate.
 * Target: ratio (ours / LDK) ≤ 1.0. When the Glint side cannot pay, the bench fails with the
 * reason and the LDK figure it measured.
 */
import { performance } from 'node:perf_hooks';
import {
  glintNode,
  glintPayments,
  ldkPeer,
  openGlintToLdk,
  openLdkToLdk,
  startWorld,
  stopWorld,
  type GlintPayments,
  type LdkPeer,
  type World,
} from '../test/harness/glint-ldk.ts';
import { result, type BenchResult } from './lib.ts';

const ITERATIONS = 30;
const WARMUP = 5;
const AMOUNT_MSAT = 10_000n;

export function median(xs: readonly number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  const mid = s.length >> 1;
  return s.length % 2 ? s[mid]! : (s[mid - 1]! + s[mid]!) / 2;
}

/** Payer LDK X → payee LDK Y, and a Glint node with a channel to the same Y; `glint` holds why it cannot pay, if so. */
export interface PaymentRig {
  readonly w: World;
  readonly payer: LdkPeer;
  readonly payee: LdkPeer;
  readonly glint: GlintPayments | Error;
}

/** Build the rig: both channels 1 000 000 sat, funded by the payer side, HTLCs up to the whole channel, up to 483 of them. */
export async function paymentRig(): Promise<PaymentRig> {
  const w = await startWorld();
  try {
    // The payee takes up to 483 HTLCs (BOLT 2's maximum): in a pipelined run, HTLCs whose
    // preimage is known are still being removed while the next ones are added.
    const payee = await ldkPeer(w, 'bench-payee', { config: { maxInboundHtlcValueInFlightPercent: 100, ourMaxAcceptedHtlcs: 483 } });
    const payer = await ldkPeer(w, 'bench-ldk-payer', { config: { maxInboundHtlcValueInFlightPercent: 100 } });
    await openLdkToLdk(w, payer, payee, { fundingSat: 1_000_000n, seed: 'bench payments ldk payer' });
    let glint: GlintPayments | Error;
    try {
      const g = await glintNode(w, { minimumDepth: 1, fundSat: 2_000_000 });
      await w.chain.mine(1);
      await g.service.sync();
      await g.channels.onTip();
      await openGlintToLdk(w, g, payee, 'static_remotekey', 1_000_000n);
      glint = await glintPayments(g);
    } catch (error) {
      glint = error instanceof Error ? error : new Error(String(error));
    }
    return { w, payer, payee, glint };
  } catch (error) {
    await stopWorld(w);
    throw error;
  }
}

/** No HTLC pending on the payee (so on either channel). */
export const settledOn = (rig: PaymentRig): Promise<void> => rig.payee.node.waitForNoPendingHtlcs(20_000);

/** One Glint payment of `bolt11`: throws unless it succeeded. */
export async function glintPay(glint: GlintPayments, bolt11: string): Promise<void> {
  const paid = await glint.pay(bolt11);
  if (paid.status !== 'succeeded') throw new Error(`Glint payment ${paid.status}: ${paid.reason ?? paid.failureCode ?? 'no reason'}`);
}

export async function run(): Promise<BenchResult[]> {
  const rig = await paymentRig();
  try {
    const { payer, payee } = rig;
    const ldkTimes: number[] = [];
    const glintTimes: number[] = [];
    let glintError: Error | undefined = rig.glint instanceof Error ? rig.glint : undefined;
    for (let i = 0; i < WARMUP + ITERATIONS; i++) {
      const theirs = payee.node.createInvoice({ amountMsat: AMOUNT_MSAT, description: `bench ldk ${i}` });
      const t0 = performance.now();
      await payer.node.payInvoice(theirs);
      const t1 = performance.now();
      await settledOn(rig);
      if (i >= WARMUP) ldkTimes.push(t1 - t0);

      if (glintError || rig.glint instanceof Error) continue;
      const ours = payee.node.createInvoice({ amountMsat: AMOUNT_MSAT, description: `bench glint ${i}` });
      try {
        const t2 = performance.now();
        await glintPay(rig.glint, ours);
        const t3 = performance.now();
        await settledOn(rig);
        if (i >= WARMUP) glintTimes.push(t3 - t2);
      } catch (error) {
        glintError = error instanceof Error ? error : new Error(String(error));
      }
    }
    const ldkMedian = median(ldkTimes);
    console.error(`payment-latency: ldk→ldk median ${ldkMedian.toFixed(1)} ms (${ITERATIONS} payments of ${AMOUNT_MSAT} msat)`);
    if (glintError) throw new Error(`payment-latency: the Glint side failed (${glintError.message}); LDK→LDK reference measured: median ${ldkMedian.toFixed(1)} ms`);
    console.error(`payment-latency: glint→ldk median ${median(glintTimes).toFixed(1)} ms`);
    return [result('payment-latency', 'ms (median, lower is better)', median(glintTimes), ldkMedian, 'ldk→ldk')];
  } finally {
    await stopWorld(rig.w);
  }
}
