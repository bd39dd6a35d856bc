/**
 * `payment-throughput`: 1-sat payments per second over one direct channel on loopback TCP
 * (the rig of payment-latency.ts: Glint → LDK Y vs LDK X → the same Y), two ways:
 *
 *   sequential: each payment starts when the previous one has its preimage;
 *   pipelined:  up to 30 payments in flight at once (BOLT 2 lets several HTLCs share one
 *               commitment_signed), each new one as soon as one completes.
 *
 * The payee's invoices are made before the clock starts; the clock stops when the last payment
 * has its preimage. Between runs both sides wait until no HTLC is pending. Target: ratio
 * (ours / LDK) ≥ 1.0 for both. When the Glint side cannot pay, the bench fails with the reason
 * and the LDK figures it measured.
 */
import { performance } from 'node:perf_hooks';
import { stopWorld } from '../test/harness/glint-ldk.ts';
import { glintPay, paymentRig, settledOn, type PaymentRig } from './payment-latency.ts';
import { result, type BenchResult } from './lib.ts';

const SEQUENTIAL = 50;
const PIPELINED = 120;
const IN_FLIGHT = 30;
const ONE_SAT_MSAT = 1000n;

/** Payments per second for `count` payments, at most `inFlight` at once. */
async function rate(rig: PaymentRig, count: number, inFlight: number, pay: (bolt11: string) => Promise<unknown>): Promise<number> {
  const invoices = Array.from({ length: count }, (_, i) => rig.payee.node.createInvoice({ amountMsat: ONE_SAT_MSAT, description: `throughput ${i}` }));
  let next = 0;
  const t0 = performance.now();
  const lane = async (): Promise<void> => {
    while (next < invoices.length) await pay(invoices[next++]!);
  };
  await Promise.all(Array.from({ length: inFlight }, lane));
  const elapsed = performance.now() - t0;
  await settledOn(rig);
  return count / (elapsed / 1000);
}

export async function run(): Promise<BenchResult[]> {
  const rig = await paymentRig();
  try {
    const ldkPay = (bolt11: string): Promise<unknown> => rig.payer.node.payInvoice(bolt11);
    await rate(rig, 10, 1, ldkPay); // warm-up
    const ldkSequential = await rate(rig, SEQUENTIAL, 1, ldkPay);
    const ldkPipelined = await rate(rig, PIPELINED, IN_FLIGHT, ldkPay);
    console.error(`payment-throughput: ldk→ldk ${ldkSequential.toFixed(1)}/s sequential, ${ldkPipelined.toFixed(1)}/s with ${IN_FLIGHT} in flight`);
    const ldkFigures = `LDK→LDK reference measured: ${ldkSequential.toFixed(1)}/s sequential, ${ldkPipelined.toFixed(1)}/s pipelined`;
    if (rig.glint instanceof Error) throw new Error(`payment-throughput: the Glint side failed (${rig.glint.message}); ${ldkFigures}`);
    const glint = rig.glint;
    const glintPayOne = (bolt11: string): Promise<void> => glintPay(glint, bolt11);
    let ours: { sequential: number; pipelined: number };
    try {
      await rate(rig, 10, 1, glintPayOne);
      ours = { sequential: await rate(rig, SEQUENTIAL, 1, glintPayOne), pipelined: await rate(rig, PIPELINED, IN_FLIGHT, glintPayOne) };
    } catch (error) {
      throw new Error(`payment-throughput: the Glint side failed (${error instanceof Error ? error.message : String(error)}); ${ldkFigures}`);
    }
    console.error(`payment-throughput: glint→ldk ${ours.sequential.toFixed(1)}/s sequential, ${ours.pipelined.toFixed(1)}/s with ${IN_FLIGHT} in flight`);
    return [
      result('payment-throughput-sequential', 'payments/s (higher is better)', ours.sequential, ldkSequential, 'ldk→ldk'),
      result('payment-throughput-pipelined', `payments/s, ≤${IN_FLIGHT} in flight (higher is better)`, ours.pipelined, ldkPipelined, 'ldk→ldk'),
    ];
  } finally {
    await stopWorld(rig.w);
  }
}
