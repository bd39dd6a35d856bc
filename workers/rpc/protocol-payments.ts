/**
 * The payment part of the RPC protocol (re-exported by workers/rpc/protocol.ts, which importers
 * use): the payment and decoded-invoice DTOs, their parsers, and the `invoice.*` / `payment.*`
 * methods' params and results with their validators. Same rules as protocol.ts: plain
 * structured-clone-safe values, millisatoshi amounts as decimal strings, hex for hashes and keys,
 * every rejection names the field. An optional field is absent (never null) when it has no value.
 *
 * BOLT 11 sets the invoice limits used here: a `d` (description) field holds at most 639 bytes
 * (1023 five-bit words), hashes and preimages are 32 bytes, node ids 33 bytes compressed.
 */
import { describe, fail, MAX_TEXT, nodeId, number, oneOf, shape, string } from './protocol-fields.ts';
import { msatString, type MsatString } from './protocol-channels.ts';

export type PaymentStatusDto = 'pending' | 'succeeded' | 'failed';
export const PAYMENT_STATUSES: readonly PaymentStatusDto[] = ['pending', 'succeeded', 'failed'];
export type PaymentDirectionDto = 'outgoing' | 'incoming';
export type PaymentKindDto = 'invoice' | 'keysend';
/** How `payment.estimateFee` would reach the payee: a channel to it, the invoice's route hints, or not at all. */
export type PayRouteDto = 'direct' | 'hints' | 'none';

/** One part of a payment in flight or settled: a stuck one shows its deadline (`cltvExpiry`, a block height). */
export interface PaymentHtlcDto {
  channelId: string;
  amountMsat: MsatString;
  cltvExpiry: number;
  status: PaymentStatusDto;
}

/** One payment of the history (engine PaymentRecord, amounts as decimal strings). */
export interface PaymentDto {
  /** 64 hex: the idempotency key (one outgoing payment per hash). */
  paymentHash: string;
  direction: PaymentDirectionDto;
  kind: PaymentKindDto;
  status: PaymentStatusDto;
  /** What the payee gets (incoming: what we received once settled; before: the invoice amount or "0"). */
  amountMsat: MsatString;
  /** Routing fees paid (outgoing), "0" incoming. */
  feeMsat: MsatString;
  createdAtSec: number;
  settledAtSec?: number;
  /** 64 hex, once known. */
  preimage?: string;
  /** The BOLT 11 invoice. */
  invoice?: string;
  description?: string;
  /** The payee's node id (outgoing; our own for incoming). */
  payee?: string;
  /** Why it failed, in words a person understands. */
  reason?: string;
  /** Why it failed, for machines: `incorrect_or_unknown_payment_details`, `no_route`, `insufficient_balance`, `invoice_expired`, `timeout`… */
  failureCode?: string;
  /** Incoming: when the invoice expires. */
  expiresAtSec?: number;
  htlcs: PaymentHtlcDto[];
}

/** A BOLT 11 invoice decoded for the Send screen's review. */
export interface DecodedInvoiceDto {
  /** The invoice itself (lowercase, without a `lightning:` prefix). */
  bolt11: string;
  /** bitcoin | testnet | signet | regtest. */
  network: string;
  /** Absent: the payer chooses the amount. */
  amountMsat?: MsatString;
  description?: string;
  /** 64 hex, when the invoice commits to a description by its hash instead. */
  descriptionHash?: string;
  /** The payee's node id (66 hex). */
  payee: string;
  paymentHash: string;
  timestampSec: number;
  expiresAtSec: number;
  /** Expired at the time of the decode (the worker's clock). */
  expired: boolean;
  minFinalCltvExpiryDelta: number;
  /** How many route hints (private routes to the payee) it carries. */
  routeHints: number;
  /** BOLT 9 feature names it sets (unknown bits as `unknown_<bit>`). */
  features: string[];
}

export interface PayResultDto {
  status: PaymentStatusDto;
  paymentHash: string;
  /** 64 hex, when succeeded. */
  preimage?: string;
  feeMsat: MsatString;
  /** Milliseconds from the call to the outcome (or to giving up waiting, when pending). */
  ms: number;
  reason?: string;
  failureCode?: string;
}

export interface FeeEstimateDto {
  feeMsat: MsatString;
  route: PayRouteDto;
  /** Why there is no route (route `none`). */
  reason?: string;
}

type NoParams = Record<string, never>;

/** The `invoice.*` and `payment.*` methods: their params and results (part of protocol.ts `Methods`). */
export interface PaymentMethods {
  /** Create an invoice to be paid to this node. `amountMsat` absent: any amount. */
  'invoice.create': { params: { amountMsat?: MsatString; description?: string; expirySec?: number }; result: { bolt11: string; paymentHash: string } };
  /**
   * Decode a pasted or scanned text — a BOLT 11 invoice, a `lightning:` URI, or a BIP21
   * `bitcoin:` URI with a `lightning=` parameter — for review. Works without an unlocked wallet.
   * A bad invoice is an `invalid-params` error on `params.text` with the reason.
   */
  'invoice.decode': { params: { text: string }; result: DecodedInvoiceDto };
  /** What paying `bolt11` (for `amountMsat`, when it names no amount) would cost in fees, and how. */
  'payment.estimateFee': { params: { bolt11: string; amountMsat?: MsatString }; result: FeeEstimateDto };
  /**
   * Pay `bolt11`; resolves when the payment succeeded or failed, or with status `pending` when it
   * takes longer than the node waits (then a `payment` event tells the outcome). A bad invoice is
   * refused before any money moves. Paying the same invoice again does not pay twice.
   */
  'payment.pay': { params: { bolt11: string; amountMsat?: MsatString; maxFeeMsat?: MsatString }; result: PayResultDto };
  /** The payment history, newest first. */
  'payment.list': { params: NoParams; result: PaymentDto[] };
}

/** The longest invoice accepted (a QR code holds at most 7089 characters). */
export const MAX_INVOICE_LENGTH = 7089;
/** BOLT 11: a `d` field holds at most 639 bytes. */
export const MAX_DESCRIPTION_BYTES = 639;
/** The longest invoice expiry accepted: one year. */
export const MAX_EXPIRY_SEC = 365 * 24 * 3600;
/** Seconds since the epoch: far beyond any real date, within a double. */
const MAX_TIME_SEC = 8.64e12;
/** The longest a pay call may report having taken (a day). */
const MAX_MS = 86_400_000;
const MAX_HTLCS = 1000;
const HEX32 = /^[0-9a-f]{64}$/;
const FEATURE_NAME = /^[a-z0-9_]{1,64}$/;
const NETWORKS = ['bitcoin', 'testnet', 'signet', 'regtest'] as const;
const ROUTES: readonly PayRouteDto[] = ['direct', 'hints', 'none'];
const encoder = new TextEncoder();

/** 32 bytes as 64 lowercase hex characters (a payment hash, preimage, description hash). */
export function hash32(v: unknown, field: string): string {
  const s = string(v, field, 64);
  if (!HEX32.test(s)) fail(field, 'must be 64 lowercase hex characters');
  return s;
}

/** A BOLT 11 invoice's text (the engine decides whether it is a valid one). */
export function invoiceText(v: unknown, field: string): string {
  const s = string(v, field, MAX_INVOICE_LENGTH);
  if (s.trim() === '') fail(field, 'is empty');
  return s;
}

/** A positive msat amount (an invoice or payment amount). */
export function positiveMsat(v: unknown, field: string): MsatString {
  const s = msatString(v, field);
  if (s === '0') fail(field, 'must be more than 0 millisatoshis');
  return s;
}

function description(v: unknown, field: string): string {
  const s = string(v, field, MAX_DESCRIPTION_BYTES);
  if (encoder.encode(s).length > MAX_DESCRIPTION_BYTES) fail(field, `is longer than ${MAX_DESCRIPTION_BYTES} bytes (BOLT 11)`);
  return s;
}

function seconds(v: unknown, field: string): number {
  return number(v, field, 0, MAX_TIME_SEC, true);
}

function text(v: unknown, field: string): string {
  return string(v, field, MAX_TEXT);
}

function array(v: unknown, field: string, max: number): unknown[] {
  if (!Array.isArray(v)) return fail(field, `expected an array, got ${describe(v)}`);
  if (v.length > max) fail(field, `has more than ${max} entries`);
  return v;
}

/** Copy `o[key]` through `parse` when present (optional fields are absent, never null). */
function optional<K extends string, T>(o: Record<string, unknown>, key: K, field: string, parse: (v: unknown, field: string) => T): { [P in K]?: T } {
  return o[key] === undefined ? {} : ({ [key]: parse(o[key], `${field}.${key}`) } as { [P in K]?: T });
}

export function parsePaymentHtlc(v: unknown, field: string): PaymentHtlcDto {
  const o = shape(v, field, ['channelId', 'amountMsat', 'cltvExpiry', 'status']);
  return {
    channelId: hash32(o.channelId, `${field}.channelId`),
    amountMsat: msatString(o.amountMsat, `${field}.amountMsat`),
    cltvExpiry: number(o.cltvExpiry, `${field}.cltvExpiry`, 0, 500_000_000, true),
    status: oneOf(o.status, `${field}.status`, PAYMENT_STATUSES),
  };
}

const PAYMENT_OPTIONAL = ['settledAtSec', 'preimage', 'invoice', 'description', 'payee', 'reason', 'failureCode', 'expiresAtSec'];

export function parsePaymentDto(v: unknown, field = 'payment'): PaymentDto {
  const o = shape(v, field, ['paymentHash', 'direction', 'kind', 'status', 'amountMsat', 'feeMsat', 'createdAtSec', 'htlcs'], PAYMENT_OPTIONAL);
  return {
    paymentHash: hash32(o.paymentHash, `${field}.paymentHash`),
    direction: oneOf(o.direction, `${field}.direction`, ['outgoing', 'incoming'] as const),
    kind: oneOf(o.kind, `${field}.kind`, ['invoice', 'keysend'] as const),
    status: oneOf(o.status, `${field}.status`, PAYMENT_STATUSES),
    amountMsat: msatString(o.amountMsat, `${field}.amountMsat`),
    feeMsat: msatString(o.feeMsat, `${field}.feeMsat`),
    createdAtSec: seconds(o.createdAtSec, `${field}.createdAtSec`),
    ...optional(o, 'settledAtSec', field, seconds),
    ...optional(o, 'preimage', field, hash32),
    ...optional(o, 'invoice', field, invoiceText),
    ...optional(o, 'description', field, text),
    ...optional(o, 'payee', field, nodeId),
    ...optional(o, 'reason', field, text),
    ...optional(o, 'failureCode', field, (x, f) => string(x, f, 100)),
    ...optional(o, 'expiresAtSec', field, seconds),
    htlcs: array(o.htlcs, `${field}.htlcs`, MAX_HTLCS).map((h, i) => parsePaymentHtlc(h, `${field}.htlcs[${i}]`)),
  };
}

export function parseDecodedInvoice(v: unknown, field = 'invoice'): DecodedInvoiceDto {
  const o = shape(
    v,
    field,
    ['bolt11', 'network', 'payee', 'paymentHash', 'timestampSec', 'expiresAtSec', 'expired', 'minFinalCltvExpiryDelta', 'routeHints', 'features'],
    ['amountMsat', 'description', 'descriptionHash'],
  );
  if (typeof o.expired !== 'boolean') fail(`${field}.expired`, `expected true or false, got ${describe(o.expired)}`);
  return {
    bolt11: invoiceText(o.bolt11, `${field}.bolt11`),
    network: oneOf(o.network, `${field}.network`, NETWORKS),
    ...optional(o, 'amountMsat', field, positiveMsat),
    ...optional(o, 'description', field, text),
    ...optional(o, 'descriptionHash', field, hash32),
    payee: nodeId(o.payee, `${field}.payee`),
    paymentHash: hash32(o.paymentHash, `${field}.paymentHash`),
    timestampSec: seconds(o.timestampSec, `${field}.timestampSec`),
    expiresAtSec: seconds(o.expiresAtSec, `${field}.expiresAtSec`),
    expired: o.expired as boolean,
    minFinalCltvExpiryDelta: number(o.minFinalCltvExpiryDelta, `${field}.minFinalCltvExpiryDelta`, 0, 1_000_000, true),
    routeHints: number(o.routeHints, `${field}.routeHints`, 0, 10_000, true),
    features: array(o.features, `${field}.features`, 1024).map((f, i) => {
      const s = string(f, `${field}.features[${i}]`, 64);
      if (!FEATURE_NAME.test(s)) fail(`${field}.features[${i}]`, 'is not a feature name');
      return s;
    }),
  };
}

export function parsePayResult(v: unknown, field = 'result'): PayResultDto {
  const o = shape(v, field, ['status', 'paymentHash', 'feeMsat', 'ms'], ['preimage', 'reason', 'failureCode']);
  return {
    status: oneOf(o.status, `${field}.status`, PAYMENT_STATUSES),
    paymentHash: hash32(o.paymentHash, `${field}.paymentHash`),
    ...optional(o, 'preimage', field, hash32),
    feeMsat: msatString(o.feeMsat, `${field}.feeMsat`),
    ms: number(o.ms, `${field}.ms`, 0, MAX_MS),
    ...optional(o, 'reason', field, text),
    ...optional(o, 'failureCode', field, (x, f) => string(x, f, 100)),
  };
}

export function parseFeeEstimate(v: unknown, field = 'result'): FeeEstimateDto {
  const o = shape(v, field, ['feeMsat', 'route'], ['reason']);
  return {
    feeMsat: msatString(o.feeMsat, `${field}.feeMsat`),
    route: oneOf(o.route, `${field}.route`, ROUTES),
    ...optional(o, 'reason', field, text),
  };
}

/** Params validators of the `invoice.*` / `payment.*` methods. */
export const PAYMENT_PARAMS: { [M in keyof PaymentMethods]: (v: unknown) => PaymentMethods[M]['params'] } = {
  'invoice.create': (v) => {
    const o = shape(v, 'params', [], ['amountMsat', 'description', 'expirySec']);
    return {
      ...optional(o, 'amountMsat', 'params', positiveMsat),
      ...optional(o, 'description', 'params', description),
      ...optional(o, 'expirySec', 'params', (x, f) => number(x, f, 1, MAX_EXPIRY_SEC, true)),
    };
  },
  'invoice.decode': (v) => ({ text: invoiceText(shape(v, 'params', ['text']).text, 'params.text') }),
  'payment.estimateFee': (v) => {
    const o = shape(v, 'params', ['bolt11'], ['amountMsat']);
    return { bolt11: invoiceText(o.bolt11, 'params.bolt11'), ...optional(o, 'amountMsat', 'params', positiveMsat) };
  },
  'payment.pay': (v) => {
    const o = shape(v, 'params', ['bolt11'], ['amountMsat', 'maxFeeMsat']);
    return {
      bolt11: invoiceText(o.bolt11, 'params.bolt11'),
      ...optional(o, 'amountMsat', 'params', positiveMsat),
      ...optional(o, 'maxFeeMsat', 'params', msatString),
    };
  },
  'payment.list': (v) => (shape(v, 'params', []), {}),
};

/** Result validators of the `invoice.*` / `payment.*` methods. */
export const PAYMENT_RESULTS: { [M in keyof PaymentMethods]: (v: unknown) => PaymentMethods[M]['result'] } = {
  'invoice.create': (v) => {
    const o = shape(v, 'result', ['bolt11', 'paymentHash']);
    return { bolt11: invoiceText(o.bolt11, 'result.bolt11'), paymentHash: hash32(o.paymentHash, 'result.paymentHash') };
  },
  'invoice.decode': (v) => parseDecodedInvoice(v, 'result'),
  'payment.estimateFee': (v) => parseFeeEstimate(v, 'result'),
  'payment.pay': (v) => parsePayResult(v, 'result'),
  'payment.list': (v) => array(v, 'result', 100_000).map((p, i) => parsePaymentDto(p, `result[${i}]`)),
};
