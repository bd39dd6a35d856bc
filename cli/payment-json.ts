/**
 * The JSON shapes of the payment commands (`glint invoice|pay|keysend|payments|decode`), which
 * `glint run`'s API answers with byte for byte. Amounts follow cli/json.ts (JSON numbers up to
 * 2^53 − 1, else decimal strings); bytes are lowercase hex; a field without a value is `null`, so
 * every row has every key.
 *
 * The engine's payment records and decoded invoices are the engine's own types (engine/index.ts).
 */
import type { Invoice, PaymentRecord, PaymentStatus, PayResult } from '../engine/index.ts';
import { jsonAmount, type JsonAmount } from './json.ts';

export type { PaymentStatus } from '../engine/index.ts';

/** The engine's payment record, invoice and pay result, as these shapes print them. */
export type PaymentRecordLike = PaymentRecord;
export type PayResultLike = PayResult;
export type InvoiceLike = Invoice;

/** `glint pay` / `glint keysend`: preimage null unless succeeded, reason null unless failed or pending. */
export interface PayJson {
  readonly status: PaymentStatus;
  readonly preimage: string | null;
  readonly feeMsat: JsonAmount;
  readonly ms: number;
  readonly reason: string | null;
}

export function payJson(r: PayResultLike): PayJson {
  return {
    status: r.status,
    preimage: r.status === 'succeeded' ? (r.preimage ?? null) : null,
    feeMsat: jsonAmount(r.feeMsat),
    ms: Math.round(r.ms),
    reason: r.reason ?? (r.status === 'pending' ? 'the payment is still in flight; see glint payments for its outcome' : null),
  };
}

/** One row of `glint payments`. */
export interface PaymentJson {
  readonly paymentHash: string;
  readonly direction: 'outgoing' | 'incoming';
  readonly kind: 'invoice' | 'keysend';
  readonly status: PaymentStatus;
  readonly amountMsat: JsonAmount;
  readonly feeMsat: JsonAmount;
  readonly createdAtSec: number;
  readonly settledAtSec: number | null;
  readonly preimage: string | null;
  readonly invoice: string | null;
  readonly description: string | null;
  readonly payee: string | null;
  readonly reason: string | null;
  readonly failureCode: string | null;
  readonly expiresAtSec: number | null;
  /** The parts in flight or settled; a stuck one shows its deadline (cltvExpiry, a block height). */
  readonly htlcs: readonly { readonly channelId: string; readonly htlcId: string | null; readonly amountMsat: JsonAmount; readonly cltvExpiry: number; readonly status: PaymentStatus }[];
}

export function paymentJson(p: PaymentRecordLike): PaymentJson {
  return {
    paymentHash: p.paymentHash,
    direction: p.direction,
    kind: p.kind,
    status: p.status,
    amountMsat: jsonAmount(p.amountMsat),
    feeMsat: jsonAmount(p.feeMsat),
    createdAtSec: p.createdAtSec,
    settledAtSec: p.settledAtSec ?? null,
    preimage: p.preimage ?? null,
    invoice: p.invoice ?? null,
    description: p.description ?? null,
    payee: p.payee ?? null,
    reason: p.reason ?? null,
    failureCode: p.failureCode ?? null,
    expiresAtSec: p.expiresAtSec ?? null,
    htlcs: p.htlcs.map((h) => ({ channelId: h.channelId, htlcId: h.htlcId ?? null, amountMsat: jsonAmount(h.amountMsat), cltvExpiry: h.cltvExpiry, status: h.status })),
  };
}

const hex = (b: Uint8Array): string => Buffer.from(b.buffer, b.byteOffset, b.byteLength).toString('hex');

/** BOLT 7 short_channel_id as `<block>x<tx>x<output>`. */
export function formatScid(scid: bigint): string {
  return `${scid >> 40n}x${(scid >> 16n) & 0xffffffn}x${scid & 0xffffn}`;
}

/** `glint decode`: every field of the invoice. */
export interface DecodedInvoiceJson {
  readonly bolt11: string;
  readonly network: string;
  /** null: any amount (the payer chooses). */
  readonly amountMsat: JsonAmount | null;
  readonly timestampSec: number;
  readonly expirySec: number;
  readonly expiresAtSec: number;
  /** At the time of the decode (this machine's clock). */
  readonly expired: boolean;
  readonly paymentHash: string;
  readonly paymentSecret: string | null;
  readonly description: string | null;
  readonly descriptionHash: string | null;
  readonly payee: string;
  readonly minFinalCltvExpiryDelta: number;
  readonly fallbackAddresses: readonly string[];
  readonly routeHints: readonly (readonly { readonly nodeId: string; readonly shortChannelId: string; readonly feeBaseMsat: number; readonly feeProportionalMillionths: number; readonly cltvExpiryDelta: number }[])[];
  /** BOLT 9 names (unknown bits as `unknown_<even bit>`), each required or optional. */
  readonly features: Readonly<Record<string, 'required' | 'optional'>>;
  readonly paymentMetadata: string | null;
  readonly signature: string;
  readonly recoveryId: number;
  /** Tagged fields BOLT 11 does not define (kept, not understood): tag number and 5-bit words as hex bytes. */
  readonly unknownTags: readonly { readonly tag: number; readonly words: string }[];
}

export function decodedInvoiceJson(inv: InvoiceLike, nowSec: number, describeFeatures: (f: Uint8Array) => Record<string, 'required' | 'optional'>): DecodedInvoiceJson {
  const expiresAtSec = inv.timestampSec + inv.expirySec;
  return {
    bolt11: inv.bolt11,
    network: inv.network,
    amountMsat: inv.amountMsat === undefined ? null : jsonAmount(inv.amountMsat),
    timestampSec: inv.timestampSec,
    expirySec: inv.expirySec,
    expiresAtSec,
    expired: nowSec >= expiresAtSec,
    paymentHash: hex(inv.paymentHash),
    paymentSecret: inv.paymentSecret ? hex(inv.paymentSecret) : null,
    description: inv.description ?? null,
    descriptionHash: inv.descriptionHash ? hex(inv.descriptionHash) : null,
    payee: hex(inv.payeeNodeId),
    minFinalCltvExpiryDelta: inv.minFinalCltvExpiryDelta,
    fallbackAddresses: [...inv.fallbackAddresses],
    routeHints: inv.routeHints.map((route) =>
      route.map((h) => ({
        nodeId: hex(h.nodeId),
        shortChannelId: formatScid(h.shortChannelId),
        feeBaseMsat: h.feeBaseMsat,
        feeProportionalMillionths: h.feeProportionalMillionths,
        cltvExpiryDelta: h.cltvExpiryDelta,
      })),
    ),
    features: describeFeatures(inv.features),
    paymentMetadata: inv.paymentMetadata ? hex(inv.paymentMetadata) : null,
    signature: hex(inv.signature),
    recoveryId: inv.recoveryId,
    unknownTags: inv.unknownTags.map((t) => ({ tag: t.tag, words: hex(t.words) })),
  };
}
