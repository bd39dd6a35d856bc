/**
 * The public vocabulary of payments (BOLT 4 sends and receives, BOLT 11 invoices) as the node
 * reports them: plain data, hex strings for bytes, bigint msat. What the store keeps, with the
 * secrets (preimages, payment secrets, onion shared secrets), is in ./records.ts.
 */

export type PaymentStatus = 'pending' | 'succeeded' | 'failed';

/** One HTLC of a payment (an MPP part, or a retry on another route). */
export interface PaymentHtlcInfo {
  /** The channel it was offered on / arrived on (hex channel_id). */
  readonly channelId: string;
  /** The channel's id for the HTLC (decimal), once the channel assigned one. */
  readonly htlcId?: string;
  /** The HTLC's amount (outgoing: payee amount + the fees of the hops after us). */
  readonly amountMsat: bigint;
  /** Its absolute CLTV expiry: a stuck outgoing HTLC is resolved on-chain by then at the latest. */
  readonly cltvExpiry: number;
  readonly status: PaymentStatus;
}

export interface PaymentRecord {
  /** Hex; the idempotency key (one outgoing record per hash). */
  readonly paymentHash: string;
  readonly direction: 'outgoing' | 'incoming';
  readonly kind: 'invoice' | 'keysend';
  readonly status: PaymentStatus;
  /** What the payee gets (incoming: what we received once settled; before: the invoice amount or 0n). */
  readonly amountMsat: bigint;
  /** Outgoing routing fees (0n incoming). */
  readonly feeMsat: bigint;
  readonly createdAtSec: number;
  readonly settledAtSec?: number;
  /** Hex, once known (outgoing: when the payee revealed it; incoming: once claimed). */
  readonly preimage?: string;
  /** The BOLT 11 invoice (outgoing: the one paid; incoming: the one we issued). */
  readonly invoice?: string;
  readonly description?: string;
  /** Node id hex (outgoing: the payee; incoming: our own). */
  readonly payee?: string;
  /** Failed: in words a person understands. */
  readonly reason?: string;
  /** Failed: a machine code, e.g. 'incorrect_or_unknown_payment_details', 'no_route', 'insufficient_balance', 'invoice_expired', 'timeout', 'mpp_timeout'. */
  readonly failureCode?: string;
  /** Incoming: when the invoice expires. */
  readonly expiresAtSec?: number;
  readonly htlcs: readonly PaymentHtlcInfo[];
}

/**
 * Limits of one `pay` / `keysend`. Defaults: maxFeeMsat = max(5 sat, 1% of the amount)
 * (DEFAULT_MAX_FEE_*), maxCltvExpiryDelta = 1008 blocks, timeoutMs = 60 s.
 */
export interface PayOptions {
  /** Amount for an any-amount invoice (or more than the invoice asks). */
  readonly amountMsat?: bigint;
  /** The most routing fee we pay, over all parts. */
  readonly maxFeeMsat?: bigint;
  /** The most blocks our funds may be locked for (first HTLC's expiry − current height). */
  readonly maxCltvExpiryDelta?: number;
  /** How long `pay` waits for an outcome before returning 'pending' (the payment goes on). */
  readonly timeoutMs?: number;
}

export interface PayResult {
  readonly status: PaymentStatus;
  readonly paymentHash: string;
  readonly preimage?: string;
  readonly feeMsat: bigint;
  /** From the call to its result. */
  readonly ms: number;
  readonly reason?: string;
  readonly failureCode?: string;
}

export interface InvoiceOptions {
  /** Absent: any amount. */
  readonly amountMsat?: bigint;
  readonly description?: string;
  /** Default 3600. */
  readonly expirySec?: number;
}

/** What the Send review screen shows before paying. */
export interface FeeEstimate {
  readonly feeMsat: bigint;
  readonly route: 'direct' | 'hints' | 'none';
  readonly reason?: string;
}

/** Default fee cap: the larger of 5 sat and 1% of the amount. */
export const DEFAULT_MAX_FEE_FLOOR_MSAT = 5_000n;
export const DEFAULT_MAX_FEE_PPM = 10_000n;
/** Default: funds locked for at most a week of blocks (BOLT 4 / LDK DEFAULT_MAX_TOTAL_CLTV_EXPIRY_DELTA). */
export const DEFAULT_MAX_CLTV_EXPIRY_DELTA = 1008;
export const DEFAULT_PAY_TIMEOUT_MS = 60_000;

export function defaultMaxFeeMsat(amountMsat: bigint): bigint {
  const pct = (amountMsat * DEFAULT_MAX_FEE_PPM) / 1_000_000n;
  return pct > DEFAULT_MAX_FEE_FLOOR_MSAT ? pct : DEFAULT_MAX_FEE_FLOOR_MSAT;
}
