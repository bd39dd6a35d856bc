/** BOLT 11 invoices and payment texts (BIP 21, `lightning:` URIs). */
export { InvoiceError, type InvoiceErrorCode } from './errors.ts';
export {
  DEFAULT_EXPIRY_SEC,
  DEFAULT_MIN_FINAL_CLTV_EXPIRY_DELTA,
  type Invoice,
  type InvoiceFields,
  type InvoiceNetwork,
  type InvoiceSigner,
  type RawTaggedField,
  type RouteHintHop,
} from './types.ts';
export { decodeInvoice, invoiceExpiresAtSec, isInvoiceExpired, stripLightningScheme } from './decode.ts';
export { decodeRawInvoice, encodeRawInvoice, MAX_INVOICE_LENGTH, type RawInvoice } from './raw.ts';
export { invoiceFeatureNames, invoiceFeatureProblem } from './features.ts';
export { invoiceSigningHash, signInvoiceDigest } from './signature.ts';
export { MAX_INVOICE_AMOUNT_MSAT } from './amount.ts';
export { encodeInvoice, invoiceTaggedFields } from './encode.ts';
export { describeInvoice, formatShortChannelId, type InvoiceDescription, type RouteHintHopDescription } from './describe.ts';
export { recognizeLnurl, type LnurlKind, type LnurlTarget } from './lnurl.ts';
export { parsePaymentText, parseBip21Amount, type PaymentText } from './payment-uri.ts';
