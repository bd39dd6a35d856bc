/**
 * The node's payments inside the worker: the translation between the engine (GlintNode's
 * `createInvoice` / `pay` / `payments` / `estimatePayFee` with bigints and byte arrays, its
 * `payment` events; engine/invoice's decoded BOLT 11 `Invoice`) and the RPC DTOs of
 * workers/rpc/protocol-payments.ts (decimal strings, hex, `payment` push events).
 *
 * The engine is reached through the small `PaymentEngine` and `InvoiceCodec` interfaces so this
 * module is unit-tested with fakes; node.worker.ts hands it the running GlintNode while a wallet is
 * unlocked (null otherwise) and the engine's invoice decoder, which works without a node so the
 * Send screen can review an invoice before the wallet is unlocked.
 */
import { errorMessage, type PaymentRecord, type PayResult } from '../engine/index.ts';
import {
  MAX_INVOICE_LENGTH,
  RpcValidationError,
  type DecodedInvoiceDto,
  type FeeEstimateDto,
  type NodeEvent,
  type PaymentDto,
  type PayResultDto,
  type PayRouteDto,
} from './rpc/protocol.ts';

/** One payment as the engine reports it, and the outcome of a pay call. */
export type EnginePaymentRecord = PaymentRecord;
export type EnginePayResult = PayResult;

/** What the host needs of the node (GlintNode satisfies it). */
export interface PaymentEngine {
  createInvoice(opts: { amountMsat?: bigint; description?: string; expirySec?: number }): Promise<{ bolt11: string; paymentHash: string }>;
  pay(bolt11: string, opts?: { amountMsat?: bigint; maxFeeMsat?: bigint }): Promise<EnginePayResult>;
  payments(): readonly EnginePaymentRecord[];
  estimatePayFee(bolt11: string, amountMsat?: bigint): { feeMsat: bigint; route: PayRouteDto; reason?: string };
}

/** A decoded BOLT 11 invoice as engine/invoice returns it (the fields the review shows). */
export interface EngineInvoice {
  readonly bolt11: string;
  readonly network: string;
  readonly amountMsat?: bigint;
  readonly timestampSec: number;
  readonly paymentHash: Uint8Array;
  readonly description?: string;
  readonly descriptionHash?: Uint8Array;
  readonly payeeNodeId: Uint8Array;
  readonly expirySec: number;
  readonly minFinalCltvExpiryDelta: number;
  readonly routeHints: readonly unknown[];
  readonly features: Uint8Array;
}

/** engine/invoice: pasted text → invoice text, invoice text → decoded invoice (throws naming the field). */
export interface InvoiceCodec {
  parsePaymentText(text: string): { readonly invoice?: string; readonly address?: string };
  decodeInvoice(text: string, opts?: { network?: 'bitcoin' | 'testnet' | 'signet' | 'regtest' }): EngineInvoice;
  /** BOLT 9 names of the feature bits set in `features` (big-endian bytes). */
  featureNames(features: Uint8Array): string[];
}

export interface PaymentHostOptions {
  emit(event: NodeEvent): void;
  /** Seconds since the epoch (for `expired`). */
  nowSec(): number;
  /**
   * Loads engine/invoice's text parser and decoder (node.worker.ts: a chunk of its own, fetched on
   * the first decode, so the startup bundle does not carry it); null in a build without it
   * (decoding then says so).
   */
  codec: (() => InvoiceCodec | Promise<InvoiceCodec>) | null;
  /** The wallet's network, when one is chosen: invoices for another network are refused. */
  network(): 'bitcoin' | 'testnet' | 'signet' | 'regtest' | undefined;
}

const MAX_TEXT = 2000;
const clip = (text: string): string => (text.length > MAX_TEXT ? `${text.slice(0, MAX_TEXT - 1)}…` : text);
const amount = (n: bigint): string => (n < 0n ? '0' : n.toString());
const hex = (bytes: Uint8Array): string => Array.from(bytes, (b) => b.toString(16).padStart(2, '0')).join('');

/** PaymentRecord → PaymentDto (absent stays absent; free text clipped to what the protocol carries). */
export function paymentDto(p: EnginePaymentRecord): PaymentDto {
  return {
    paymentHash: p.paymentHash,
    direction: p.direction,
    kind: p.kind,
    status: p.status,
    amountMsat: amount(p.amountMsat),
    feeMsat: amount(p.feeMsat),
    createdAtSec: p.createdAtSec,
    ...(p.settledAtSec !== undefined ? { settledAtSec: p.settledAtSec } : {}),
    ...(p.preimage !== undefined ? { preimage: p.preimage } : {}),
    ...(p.invoice !== undefined && p.invoice.length <= MAX_INVOICE_LENGTH ? { invoice: p.invoice } : {}),
    ...(p.description !== undefined ? { description: clip(p.description) } : {}),
    ...(p.payee !== undefined ? { payee: p.payee } : {}),
    ...(p.reason !== undefined ? { reason: clip(p.reason) } : {}),
    ...(p.failureCode !== undefined ? { failureCode: p.failureCode.slice(0, 100) } : {}),
    ...(p.expiresAtSec !== undefined ? { expiresAtSec: p.expiresAtSec } : {}),
    htlcs: p.htlcs.map((h) => ({ channelId: h.channelId, amountMsat: amount(h.amountMsat), cltvExpiry: h.cltvExpiry, status: h.status })),
  };
}

/** PayResult → PayResultDto. */
export function payResultDto(r: EnginePayResult): PayResultDto {
  return {
    status: r.status,
    paymentHash: r.paymentHash,
    ...(r.preimage !== undefined ? { preimage: r.preimage } : {}),
    feeMsat: amount(r.feeMsat),
    ms: Math.max(0, r.ms),
    ...(r.reason !== undefined ? { reason: clip(r.reason) } : {}),
    ...(r.failureCode !== undefined ? { failureCode: r.failureCode.slice(0, 100) } : {}),
  };
}

/** A decoded invoice → the Send screen's review DTO (BOLT 11: expiry counts from the timestamp). */
export function decodedInvoiceDto(inv: EngineInvoice, nowSec: number, featureNames: (f: Uint8Array) => string[]): DecodedInvoiceDto {
  const expiresAtSec = inv.timestampSec + inv.expirySec;
  return {
    bolt11: inv.bolt11,
    network: inv.network,
    ...(inv.amountMsat !== undefined ? { amountMsat: inv.amountMsat.toString() } : {}),
    ...(inv.description !== undefined ? { description: clip(inv.description) } : {}),
    ...(inv.descriptionHash !== undefined ? { descriptionHash: hex(inv.descriptionHash) } : {}),
    payee: hex(inv.payeeNodeId),
    paymentHash: hex(inv.paymentHash),
    timestampSec: inv.timestampSec,
    expiresAtSec,
    expired: nowSec >= expiresAtSec,
    minFinalCltvExpiryDelta: inv.minFinalCltvExpiryDelta,
    routeHints: inv.routeHints.length,
    features: featureNames(inv.features),
  };
}

export class PaymentHost {
  readonly #o: PaymentHostOptions;
  #engine: Partial<PaymentEngine> | null = null;

  constructor(options: PaymentHostOptions) {
    this.#o = options;
  }

  /** The node to serve (null while no wallet is unlocked). */
  attach(engine: Partial<PaymentEngine> | null): void {
    this.#engine = engine;
  }

  get attached(): boolean {
    return this.#engine !== null;
  }

  /** `invoice.decode`: needs no node. Every refusal is on `params.text`, with the engine's reason. */
  async decode(params: { text: string }): Promise<DecodedInvoiceDto> {
    const load = this.#o.codec;
    if (!load) throw new Error('decoding invoices is not available in this build of the node');
    let codec: InvoiceCodec;
    try {
      codec = await load();
    } catch (err) {
      throw new Error(`the invoice decoder could not be loaded (${errorMessage(err)}); reload Glint and try again`);
    }
    let invoice: string | undefined;
    let address: string | undefined;
    try {
      ({ invoice, address } = codec.parsePaymentText(params.text.trim()));
    } catch (err) {
      throw asFieldError(err, 'params.text');
    }
    if (invoice === undefined) {
      throw new RpcValidationError('params.text', address !== undefined ? 'is an on-chain Bitcoin address without a Lightning invoice; send it from the on-chain wallet' : 'is not a Lightning invoice');
    }
    const network = this.#o.network();
    let decoded: EngineInvoice;
    try {
      decoded = codec.decodeInvoice(invoice, network ? { network } : {});
    } catch (err) {
      throw asFieldError(err, 'params.text');
    }
    return decodedInvoiceDto(decoded, this.#o.nowSec(), codec.featureNames);
  }

  async createInvoice(params: { amountMsat?: string; description?: string; expirySec?: number }): Promise<{ bolt11: string; paymentHash: string }> {
    const engine = this.#require('createInvoice');
    try {
      return await engine({
        ...(params.amountMsat !== undefined ? { amountMsat: BigInt(params.amountMsat) } : {}),
        ...(params.description !== undefined ? { description: params.description } : {}),
        ...(params.expirySec !== undefined ? { expirySec: params.expirySec } : {}),
      });
    } catch (err) {
      throw asParamError(err, CREATE_FIELDS, null);
    }
  }

  estimateFee(params: { bolt11: string; amountMsat?: string }): FeeEstimateDto {
    const engine = this.#require('estimatePayFee');
    let e: { feeMsat: bigint; route: PayRouteDto; reason?: string };
    try {
      e = engine(params.bolt11.trim(), params.amountMsat !== undefined ? BigInt(params.amountMsat) : undefined);
    } catch (err) {
      throw asParamError(err, PAY_FIELDS, 'params.bolt11');
    }
    return { feeMsat: amount(e.feeMsat), route: e.route, ...(e.reason !== undefined ? { reason: clip(e.reason) } : {}) };
  }

  async pay(params: { bolt11: string; amountMsat?: string; maxFeeMsat?: string }): Promise<PayResultDto> {
    const engine = this.#require('pay');
    let r: EnginePayResult;
    try {
      r = await engine(params.bolt11.trim(), {
        ...(params.amountMsat !== undefined ? { amountMsat: BigInt(params.amountMsat) } : {}),
        ...(params.maxFeeMsat !== undefined ? { maxFeeMsat: BigInt(params.maxFeeMsat) } : {}),
      });
    } catch (err) {
      throw asParamError(err, PAY_FIELDS, 'params.bolt11');
    }
    return payResultDto(r);
  }

  /** The history, newest first; empty while no wallet is unlocked. */
  list(): PaymentDto[] {
    const engine = this.#engine;
    if (!engine?.payments) return [];
    return engine.payments().map(paymentDto);
  }

  /** Feed every event of the attached node here: `payment` events become `payment` pushes. */
  onEngineEvent(e: { readonly type: string; readonly [k: string]: unknown }): void {
    if (e.type !== 'payment' || typeof e.payment !== 'object' || e.payment === null) return;
    let dto: PaymentDto;
    try {
      dto = paymentDto(e.payment as EnginePaymentRecord);
    } catch (err) {
      console.error('glint: a payment event could not be translated', err);
      return;
    }
    this.#o.emit({ type: 'payment', payment: dto });
  }

  #require<K extends keyof PaymentEngine>(method: K): PaymentEngine[K] {
    const engine = this.#engine;
    if (!engine) throw new Error('payments need an unlocked wallet: unlock it first');
    const fn = engine[method];
    if (typeof fn !== 'function') throw new Error('payments are not available in this build of the node');
    return (fn as (...args: never[]) => unknown).bind(engine) as PaymentEngine[K];
  }
}

/** An engine error's field (ValidationError / InvoiceError / DecodeError carry one) and its message without the `field: ` prefix. */
function fieldParts(err: unknown): { field: string; text: string } | null {
  if (!(err instanceof Error)) return null;
  const field = (err as { field?: unknown }).field;
  if (typeof field !== 'string') return null;
  return { field, text: err.message.startsWith(`${field}: `) ? err.message.slice(field.length + 2) : err.message };
}

/** Anything wrong with the text is the text's problem: `params.text: <field>: <reason>`. */
function asFieldError(err: unknown, rpcField: string): Error {
  if (err instanceof RpcValidationError) return err;
  if (err instanceof Error) return new RpcValidationError(rpcField, err.message);
  return new RpcValidationError(rpcField, String(err));
}

const CREATE_FIELDS: Record<string, string> = { amountMsat: 'params.amountMsat', description: 'params.description', expirySec: 'params.expirySec', expiry: 'params.expirySec' };
const PAY_FIELDS: Record<string, string> = { amountMsat: 'params.amountMsat', amount: 'params.amountMsat', maxFeeMsat: 'params.maxFeeMsat' };

/**
 * An engine refusal that names a field becomes an `invalid-params` error on the parameter it is
 * about (`fallback` for the rest: an invoice's own fields are the invoice's problem); anything
 * else (no route, the node stopped) passes through as a failure.
 */
function asParamError(err: unknown, fields: Record<string, string>, fallback: string | null): Error {
  if (err instanceof RpcValidationError) return err;
  const v = fieldParts(err);
  if (!v) return err instanceof Error ? err : new Error(String(err));
  const field = fields[v.field] ?? fallback;
  if (field === null) return new Error(errorMessage(err));
  return new RpcValidationError(field, field === fallback && fields[v.field] === undefined ? (err as Error).message : v.text);
}
