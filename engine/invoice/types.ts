/**
 * BOLT 11 invoice types: what a decoded invoice says, and what a writer supplies to make one.
 * Amounts are msat bigints, bytes are Uint8Array, times are seconds since the epoch.
 */
import type { NetworkName } from '../wire/chains.ts';

/** The chain an invoice is for; its BOLT 11 prefix is lnbc / lntb / lntbs / lnbcrt. */
export type InvoiceNetwork = NetworkName;

/** One hop of an `r` field (BOLT 11 "Tagged Fields"): the channel from `nodeId` towards the payee. */
export interface RouteHintHop {
  readonly nodeId: Uint8Array;
  readonly shortChannelId: bigint;
  readonly feeBaseMsat: number;
  readonly feeProportionalMillionths: number;
  readonly cltvExpiryDelta: number;
}

/** A tagged field kept as 5-bit words: unknown types, and known types skipped for a wrong length. */
export interface RawTaggedField {
  readonly tag: number;
  readonly words: Uint8Array;
}

/** BOLT 11 default `x` (expiry) when absent. */
export const DEFAULT_EXPIRY_SEC = 3600;
/** BOLT 11 default `c` (min_final_cltv_expiry_delta) when absent. */
export const DEFAULT_MIN_FINAL_CLTV_EXPIRY_DELTA = 18;

/** A decoded, signature-checked BOLT 11 invoice. */
export interface Invoice {
  /** The invoice as given, lowercased, without any `lightning:` prefix. */
  readonly bolt11: string;
  readonly network: InvoiceNetwork;
  /** Absent: the payer chooses the amount. */
  readonly amountMsat?: bigint;
  readonly timestampSec: number;
  readonly paymentHash: Uint8Array;
  /** Always present after `decodeInvoice` (an invoice without `s` is refused). */
  readonly paymentSecret: Uint8Array;
  readonly description?: string;
  readonly descriptionHash?: Uint8Array;
  /** From `n` (checked against the signature) or recovered from the signature. */
  readonly payeeNodeId: Uint8Array;
  /** True when the payee came from an `n` field rather than public-key recovery. */
  readonly payeeNodeIdExplicit: boolean;
  readonly expirySec: number;
  readonly minFinalCltvExpiryDelta: number;
  /** `f` fields this reader understands, as addresses of the invoice's network, in preference order. */
  readonly fallbackAddresses: readonly string[];
  readonly routeHints: readonly (readonly RouteHintHop[])[];
  /** BOLT 9 feature bits, big-endian, minimal (empty if none). */
  readonly features: Uint8Array;
  readonly paymentMetadata?: Uint8Array;
  /** 64 bytes r || s, as transmitted. */
  readonly signature: Uint8Array;
  readonly recoveryId: number;
  /** Fields of unknown type, kept in order (a reader must skip them). */
  readonly unknownTags: readonly RawTaggedField[];
  /** Known fields skipped because BOLT 11 says so (wrong length, unknown fallback version), in order. */
  readonly skippedTags: readonly RawTaggedField[];
}

/** What a writer puts in an invoice (BOLT 11 writer requirements). */
export interface InvoiceFields {
  readonly network: InvoiceNetwork;
  readonly amountMsat?: bigint;
  readonly timestampSec: number;
  readonly paymentHash: Uint8Array;
  readonly paymentSecret: Uint8Array;
  /** Exactly one of description / descriptionHash. */
  readonly description?: string;
  readonly descriptionHash?: Uint8Array;
  /** Omitted: the default 3600 s is meant (no `x` field written). */
  readonly expirySec?: number;
  /** Omitted: the default 18 is meant (no `c` field written). */
  readonly minFinalCltvExpiryDelta?: number;
  readonly fallbackAddresses?: readonly string[];
  readonly routeHints?: readonly (readonly RouteHintHop[])[];
  /** BOLT 9 feature bits, big-endian; omitted or all-zero: no `9` field. */
  readonly features?: Uint8Array;
  readonly paymentMetadata?: Uint8Array;
  /** Include an `n` field with this node id (it must be the signer's key). */
  readonly payeeNodeId?: Uint8Array;
}

/** Signs the 32-byte BOLT 11 signing hash: compact r || s (low-S) and the recovery id 0..3. */
export type InvoiceSigner = (digest32: Uint8Array) => { readonly signature: Uint8Array; readonly recoveryId: number };
