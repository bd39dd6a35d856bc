/**
 * The engine's BOLT 11 decoder (engine/invoice, through engine/index.ts) for `glint decode`: pasted
 * text → invoice (bare, `lightning:` or BIP21), invoice → every decoded field. It runs offline: no
 * wallet, no node.
 */
import { FeatureVector, decodeInvoice, invoiceFeatureProblem, parsePaymentText, type FeatureSupport, type Invoice } from '../engine/index.ts';
import type { InvoiceLike } from './payment-json.ts';

export interface CliInvoiceCodec {
  parsePaymentText(text: string): { readonly invoice?: string; readonly address?: string };
  decodeInvoice(text: string, opts?: { network?: 'bitcoin' | 'testnet' | 'signet' | 'regtest' }): InvoiceLike;
  /** Why this node cannot pay it (an unknown required feature), if it cannot. */
  featureProblem(inv: InvoiceLike): string | undefined;
}

/** BOLT 9 names of the bits set, each required or optional (unknown bits as `unknown_<even bit>`). */
export function describeFeatures(features: Uint8Array): Record<string, FeatureSupport> {
  return FeatureVector.fromBytes(features).describe();
}

export const invoiceCodec: CliInvoiceCodec = {
  parsePaymentText,
  decodeInvoice,
  // Only invoices this codec decoded reach here, so the cast restores what decodeInvoice returned.
  featureProblem: (inv) => invoiceFeatureProblem(inv as Invoice),
};
