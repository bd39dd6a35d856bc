/**
 * The payment routes of `glint run`'s local API (served by cli/api-server.ts, same auth and error
 * rules). JSON in and out, the same JSON the commands print (cli/payment-json.ts):
 *   POST /v1/invoice   {"amountMsat"?, "description"?, "expirySec"?} → {"bolt11", "paymentHash"}
 *   POST /v1/pay       {"bolt11", "amountMsat"?, "maxFeeMsat"?} → PayJson
 *   POST /v1/keysend   {"payee", "amountMsat", "maxFeeMsat"?} → PayJson
 *   GET  /v1/payments  → [PaymentJson], newest first
 * A payment that fails is a 200 answer with `"status": "failed"` and the reason; a request the
 * node refuses before any money moves (a bad invoice, an amount it does not allow) is a 400.
 */
import { ValidationError } from '../engine/index.ts';
import { amountField, only, optionalString, type Body } from './api-body.ts';
import { MAX_DESCRIPTION_BYTES, MAX_EXPIRY_SEC, MAX_MSAT } from './args.ts';
import { payJson, paymentJson, type PayJson, type PaymentJson, type PaymentRecordLike, type PayResultLike } from './payment-json.ts';

/** What the payment routes need of the node (GlintNode satisfies it). */
export interface PaymentApiNode {
  createInvoice(opts: { amountMsat?: bigint; description?: string; expirySec?: number }): Promise<{ bolt11: string; paymentHash: string }>;
  pay(bolt11: string, opts?: { amountMsat?: bigint; maxFeeMsat?: bigint }): Promise<PayResultLike>;
  keysend(payee: string, amountMsat: bigint, opts?: { maxFeeMsat?: bigint }): Promise<PayResultLike>;
  payments(): readonly PaymentRecordLike[];
}

/** The payment routes and their methods. */
export const PAYMENT_ROUTES: Readonly<Record<string, 'GET' | 'POST'>> = { '/v1/invoice': 'POST', '/v1/pay': 'POST', '/v1/keysend': 'POST', '/v1/payments': 'GET' };

/** The longest invoice accepted (a QR code holds at most 7089 characters). */
const MAX_INVOICE_LENGTH = 7089;

function msat(body: Body, name: string, opts: { optional?: boolean; allowZero?: boolean } = {}): bigint | undefined {
  const v = amountField(body, name, opts);
  if (v !== undefined && v > MAX_MSAT) throw new ValidationError(name, 'is more than 21 million bitcoin');
  return v;
}

export interface InvoiceRequest {
  readonly amountMsat?: bigint;
  readonly description?: string;
  readonly expirySec?: number;
}

export function parseInvoiceRequest(body: Body): InvoiceRequest {
  only(body, ['amountMsat', 'description', 'expirySec']);
  const amountMsat = msat(body, 'amountMsat', { optional: true });
  const description = optionalString(body, 'description', MAX_DESCRIPTION_BYTES);
  if (description !== undefined && Buffer.byteLength(description, 'utf8') > MAX_DESCRIPTION_BYTES) throw new ValidationError('description', `is longer than ${MAX_DESCRIPTION_BYTES} bytes (BOLT 11)`);
  const e = body.expirySec;
  if (e !== undefined && (typeof e !== 'number' || !Number.isInteger(e) || e < 1 || e > MAX_EXPIRY_SEC)) throw new ValidationError('expirySec', `must be a whole number of seconds from 1 to ${MAX_EXPIRY_SEC}`);
  return { ...(amountMsat !== undefined ? { amountMsat } : {}), ...(description !== undefined ? { description } : {}), ...(e !== undefined ? { expirySec: e } : {}) };
}

export interface PayRequest {
  readonly bolt11: string;
  readonly amountMsat?: bigint;
  readonly maxFeeMsat?: bigint;
}

export function parsePayRequest(body: Body): PayRequest {
  only(body, ['bolt11', 'amountMsat', 'maxFeeMsat']);
  const bolt11 = optionalString(body, 'bolt11', MAX_INVOICE_LENGTH);
  if (bolt11 === undefined || bolt11.trim() === '') throw new ValidationError('bolt11', 'is required');
  const amountMsat = msat(body, 'amountMsat', { optional: true });
  const maxFeeMsat = msat(body, 'maxFeeMsat', { optional: true, allowZero: true });
  return { bolt11: bolt11.trim(), ...(amountMsat !== undefined ? { amountMsat } : {}), ...(maxFeeMsat !== undefined ? { maxFeeMsat } : {}) };
}

export interface KeysendRequest {
  readonly payee: string;
  readonly amountMsat: bigint;
  readonly maxFeeMsat?: bigint;
}

export function parseKeysendRequest(body: Body): KeysendRequest {
  only(body, ['payee', 'amountMsat', 'maxFeeMsat']);
  const payee = body.payee;
  if (typeof payee !== 'string' || !/^0[23][0-9a-fA-F]{64}$/.test(payee)) throw new ValidationError('payee', 'must be a 33-byte compressed public key in hex');
  const amountMsat = msat(body, 'amountMsat') as bigint;
  const maxFeeMsat = msat(body, 'maxFeeMsat', { optional: true, allowZero: true });
  return { payee: payee.toLowerCase(), amountMsat, ...(maxFeeMsat !== undefined ? { maxFeeMsat } : {}) };
}

/** Answer one payment route (`path` is one of PAYMENT_ROUTES; the method is already checked). */
export async function paymentRoute(
  node: Partial<PaymentApiNode>,
  path: string,
  readBody: () => Promise<Body>,
): Promise<{ bolt11: string; paymentHash: string } | PayJson | PaymentJson[]> {
  const need = <K extends keyof PaymentApiNode>(k: K): PaymentApiNode[K] => {
    const fn = node[k];
    if (typeof fn !== 'function') throw new Error('payments are not available in this build of the node');
    return (fn as (...a: never[]) => unknown).bind(node) as PaymentApiNode[K];
  };
  switch (path) {
    case '/v1/invoice': {
      const r = parseInvoiceRequest(await readBody());
      const out = await need('createInvoice')(r);
      return { bolt11: out.bolt11, paymentHash: out.paymentHash };
    }
    case '/v1/pay': {
      const r = parsePayRequest(await readBody());
      return payJson(await need('pay')(r.bolt11, { ...(r.amountMsat !== undefined ? { amountMsat: r.amountMsat } : {}), ...(r.maxFeeMsat !== undefined ? { maxFeeMsat: r.maxFeeMsat } : {}) }));
    }
    case '/v1/keysend': {
      const r = parseKeysendRequest(await readBody());
      return payJson(await need('keysend')(r.payee, r.amountMsat, r.maxFeeMsat !== undefined ? { maxFeeMsat: r.maxFeeMsat } : {}));
    }
    case '/v1/payments':
      return need('payments')().map(paymentJson);
    default:
      throw new Error(`no payment route ${path}`);
  }
}
