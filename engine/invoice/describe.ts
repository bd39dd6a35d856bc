/**
 * A decoded invoice as plain JSON-able data (hex strings, decimal msat strings, feature names),
 * for `glint decode`, the RPC and the Send review screen. Nothing here is secret: an invoice is
 * public, and the payment secret is shown as it is in the invoice text.
 */
import { bytesToHex } from '../lib/bytes.ts';
import { invoiceExpiresAtSec, isInvoiceExpired } from './decode.ts';
import { invoiceFeatureNames, invoiceFeatureProblem } from './features.ts';
import type { Invoice } from './types.ts';

export interface RouteHintHopDescription {
  readonly nodeId: string;
  /** BOLT 7 form `block x tx x output`. */
  readonly shortChannelId: string;
  readonly feeBaseMsat: number;
  readonly feeProportionalMillionths: number;
  readonly cltvExpiryDelta: number;
}

export interface InvoiceDescription {
  readonly bolt11: string;
  readonly network: string;
  /** Decimal msat; absent for an any-amount invoice. */
  readonly amountMsat?: string;
  readonly description?: string;
  readonly descriptionHash?: string;
  readonly payee: string;
  readonly paymentHash: string;
  readonly paymentSecret: string;
  readonly timestampSec: number;
  readonly expirySec: number;
  readonly expiresAtSec: number;
  readonly expired: boolean;
  readonly minFinalCltvExpiryDelta: number;
  readonly fallbackAddresses: readonly string[];
  readonly routeHints: readonly (readonly RouteHintHopDescription[])[];
  /** BOLT 9 names of the features set (`payment_secret`, `var_onion_optin`, `basic_mpp`, …). */
  readonly features: readonly string[];
  /** Why this wallet cannot pay it, if it cannot (see invoiceFeatureProblem). */
  readonly featureProblem?: string;
  readonly paymentMetadata?: string;
  readonly unknownTags: number;
}

/** BOLT 7 short_channel_id text: block height x transaction index x output index. */
export function formatShortChannelId(scid: bigint): string {
  return `${scid >> 40n}x${(scid >> 16n) & 0xffffffn}x${scid & 0xffffn}`;
}

export function describeInvoice(inv: Invoice, nowSec: number): InvoiceDescription {
  const problem = invoiceFeatureProblem(inv);
  return {
    bolt11: inv.bolt11,
    network: inv.network,
    ...(inv.amountMsat !== undefined ? { amountMsat: inv.amountMsat.toString() } : {}),
    ...(inv.description !== undefined ? { description: inv.description } : {}),
    ...(inv.descriptionHash !== undefined ? { descriptionHash: bytesToHex(inv.descriptionHash) } : {}),
    payee: bytesToHex(inv.payeeNodeId),
    paymentHash: bytesToHex(inv.paymentHash),
    paymentSecret: bytesToHex(inv.paymentSecret),
    timestampSec: inv.timestampSec,
    expirySec: inv.expirySec,
    expiresAtSec: invoiceExpiresAtSec(inv),
    expired: isInvoiceExpired(inv, nowSec),
    minFinalCltvExpiryDelta: inv.minFinalCltvExpiryDelta,
    fallbackAddresses: [...inv.fallbackAddresses],
    routeHints: inv.routeHints.map((route) =>
      route.map((h) => ({
        nodeId: bytesToHex(h.nodeId),
        shortChannelId: formatShortChannelId(h.shortChannelId),
        feeBaseMsat: h.feeBaseMsat,
        feeProportionalMillionths: h.feeProportionalMillionths,
        cltvExpiryDelta: h.cltvExpiryDelta,
      })),
    ),
    features: invoiceFeatureNames(inv.features),
    ...(problem !== undefined ? { featureProblem: problem } : {}),
    ...(inv.paymentMetadata !== undefined ? { paymentMetadata: bytesToHex(inv.paymentMetadata) } : {}),
    unknownTags: inv.unknownTags.length,
  };
}
