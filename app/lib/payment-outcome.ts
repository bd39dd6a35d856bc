/**
 * Where an outgoing payment stands, for the Send screen's result (pure): the `payment.pay`
 * answer, overtaken by the node's record of the payment (its `payment` push events) once that
 * says it settled — a `pending` answer turns into succeeded or failed live, and while the call is
 * still running a settled record shows the result before the call returns.
 */
import type { PaymentDto, PaymentHtlcDto, PaymentStatusDto, PayResultDto } from '../../workers/rpc/protocol.ts';
import { failureText } from './payment-input.ts';

/** How a payment ended (or stands), for the result card. */
export interface LightningOutcome {
  readonly status: PaymentStatusDto;
  readonly paymentHash: string;
  readonly amountMsat: bigint;
  readonly feeMsat: bigint;
  readonly preimage: string | null;
  /** Failed: why, in words. */
  readonly reason: string | null;
  /** How long the pay call took, once it answered. */
  readonly ms: number | null;
  /** Pending: the latest CLTV expiry (block height) among its parts still in flight. */
  readonly deadlineBlock: number | null;
}

/** The block by which every part still in flight is settled or returned (BOLT 2: its cltv_expiry), or null. */
export function inFlightDeadline(htlcs: readonly PaymentHtlcDto[]): number | null {
  const inFlight = htlcs.filter((h) => h.status === 'pending');
  return inFlight.length > 0 ? Math.max(...inFlight.map((h) => h.cltvExpiry)) : null;
}

/**
 * `result`: the pay call's answer (null while it runs). `record`: the node's record of this
 * attempt (undefined when there is none yet — callers drop an earlier attempt's record).
 * `paying`: the call is running. `amountMsat`: what was asked, until the record says.
 */
export function paymentOutcome(result: PayResultDto | null, record: PaymentDto | undefined, paying: boolean, amountMsat: bigint | null): LightningOutcome | null {
  if (!result && (!record || record.status === 'pending' || !paying)) return null;
  const settled = record && record.status !== 'pending' ? record : null;
  const status = settled?.status ?? result?.status ?? 'pending';
  return {
    status,
    paymentHash: result?.paymentHash ?? record?.paymentHash ?? '',
    amountMsat: record ? BigInt(record.amountMsat) : (amountMsat ?? 0n),
    feeMsat: BigInt(settled ? settled.feeMsat : (result?.feeMsat ?? '0')),
    preimage: settled?.preimage ?? result?.preimage ?? null,
    reason: status === 'failed' ? failureText(settled?.reason ?? result?.reason, settled?.failureCode ?? result?.failureCode) : null,
    ms: result?.ms ?? null,
    deadlineBlock: record ? inFlightDeadline(record.htlcs) : null,
  };
}
