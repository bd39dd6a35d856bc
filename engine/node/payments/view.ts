/**
 * Stored payment records (records.ts, with secrets) → the public PaymentRecord (types.ts): hex
 * strings, no shared secrets, no payment secret, the preimage only once the payment succeeded.
 */
import { bytesToHex } from '../../lib/bytes.ts';
import type { StoredIncomingPayment, StoredOutgoingPayment } from './records.ts';
import type { PaymentRecord, PayResult } from './types.ts';

/** Fees of the parts that did not fail (what the payment costs, or will if it succeeds). */
export function feeOf(p: StoredOutgoingPayment): bigint {
  let fee = 0n;
  for (const part of p.parts) if (part.status !== 'failed') fee += part.amountMsat - part.payeeMsat;
  return fee;
}

export function outgoingView(p: StoredOutgoingPayment): PaymentRecord {
  return {
    paymentHash: bytesToHex(p.paymentHash),
    direction: 'outgoing',
    kind: p.kind,
    status: p.status,
    amountMsat: p.amountMsat,
    feeMsat: p.status === 'failed' ? 0n : feeOf(p),
    createdAtSec: p.createdAtSec,
    ...(p.settledAtSec !== undefined ? { settledAtSec: p.settledAtSec } : {}),
    ...(p.preimage && p.status === 'succeeded' ? { preimage: bytesToHex(p.preimage) } : {}),
    ...(p.invoice !== undefined ? { invoice: p.invoice } : {}),
    ...(p.description !== undefined ? { description: p.description } : {}),
    payee: bytesToHex(p.payee),
    ...(p.reason !== undefined ? { reason: p.reason } : {}),
    ...(p.failureCode !== undefined ? { failureCode: p.failureCode } : {}),
    htlcs: p.parts.map((part) => ({
      channelId: bytesToHex(part.channelId),
      ...(part.htlcId !== undefined ? { htlcId: part.htlcId.toString() } : {}),
      amountMsat: part.amountMsat,
      cltvExpiry: part.cltvExpiry,
      status: part.status,
    })),
  };
}

/**
 * An incoming record as the user sees it at `nowSec`: an invoice past its expiry that nothing
 * paid is `failed` ('invoice_expired'; a payment arriving later is refused anyway).
 */
export function incomingView(p: StoredIncomingPayment, ourNodeId: string, nowSec: number): PaymentRecord {
  const expired = p.status === 'pending' && p.expiresAtSec !== undefined && nowSec > p.expiresAtSec;
  return {
    paymentHash: bytesToHex(p.paymentHash),
    direction: 'incoming',
    kind: p.kind,
    status: expired ? 'failed' : p.status,
    ...(expired ? { reason: 'the invoice expired before it was paid', failureCode: 'invoice_expired' } : {}),
    amountMsat: p.amountMsat,
    feeMsat: 0n,
    createdAtSec: p.createdAtSec,
    ...(p.settledAtSec !== undefined ? { settledAtSec: p.settledAtSec } : {}),
    ...(p.status === 'succeeded' ? { preimage: bytesToHex(p.preimage) } : {}),
    ...(p.invoice !== undefined ? { invoice: p.invoice } : {}),
    ...(p.description !== undefined ? { description: p.description } : {}),
    payee: ourNodeId,
    ...(p.expiresAtSec !== undefined ? { expiresAtSec: p.expiresAtSec } : {}),
    htlcs: p.parts.map((part) => ({
      channelId: bytesToHex(part.channelId),
      htlcId: part.htlcId.toString(),
      amountMsat: part.amountMsat,
      cltvExpiry: part.cltvExpiry,
      status: part.status,
    })),
  };
}

export function resultOf(p: StoredOutgoingPayment, ms: number): PayResult {
  const v = outgoingView(p);
  return {
    status: v.status,
    paymentHash: v.paymentHash,
    ...(v.preimage !== undefined ? { preimage: v.preimage } : {}),
    feeMsat: v.feeMsat,
    ms,
    ...(v.reason !== undefined ? { reason: v.reason } : {}),
    ...(v.failureCode !== undefined ? { failureCode: v.failureCode } : {}),
  };
}
