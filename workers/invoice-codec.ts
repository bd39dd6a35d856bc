/**
 * The engine's BOLT 11 decoder (engine/invoice, through engine/index.ts) as the payment host's
 * `InvoiceCodec`: pasted text → invoice (bare, `lightning:` or BIP21), invoice → decoded fields,
 * feature bits → BOLT 9 names. It runs in the worker without a node, so the Send screen can review
 * an invoice before the wallet is unlocked.
 */
import { decodeInvoice, invoiceFeatureNames, parsePaymentText } from '../engine/index.ts';
import type { InvoiceCodec } from './payment-host.ts';

/** BOLT 9 names of the bits set (unknown ones as `unknown_<bit>`). */
export function featureNames(features: Uint8Array): string[] {
  return invoiceFeatureNames(features);
}

export const engineInvoiceCodec: InvoiceCodec = { parsePaymentText, decodeInvoice, featureNames };
