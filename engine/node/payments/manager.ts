/**
 * `PaymentManager`: the node's payments. It issues invoices (BOLT 11, signed with the node key,
 * which stays inside engine/node), pays invoices and keysends (outgoing.ts), claims what is paid
 * to us (incoming.ts), keeps the history (records.ts, in the node's encrypted store) and reports
 * every change of a payment to its listeners.
 *
 * It talks to the channels only through `PaymentChannels` (ports.ts): commands are reducer steps,
 * outcomes arrive as HTLC events. Every record change is durable before anything that depends on
 * it leaves: the invoice before it is returned, an outgoing part before its add-htlc, a claim
 * before its fulfill.
 */
import { sha256 } from '../../crypto/hash.ts';
import { bytesToHex, hexToBytes } from '../../lib/bytes.ts';
import { errorMessage, ValidationError } from '../../lib/errors.ts';
import type { Clock, Entropy, KVStore, Logger } from '../../ports.ts';
import { silentLogger } from '../../ports.ts';
import { encodeInvoice, signInvoiceDigest, type InvoiceNetwork, type RouteHintHop } from '../../invoice/index.ts';
import { utf8Encode } from '../../store/utf8.ts';
import { FeatureVector } from '../../wire/features.ts';
import { IncomingPayments } from './incoming.ts';
import { OutgoingPayments } from './outgoing.ts';
import type { HtlcEvent, PaymentChannels } from './ports.ts';
import type { StoredIncomingPayment } from './records.ts';
import { PaymentStore } from './store.ts';
import type { FeeEstimate, InvoiceOptions, PaymentRecord, PayOptions, PayResult } from './types.ts';
import { incomingView, outgoingView } from './view.ts';

/** min_final_cltv_expiry_delta of our invoices: above HOLD_SAFETY_BLOCKS + the tip lag we tolerate. */
export const INVOICE_MIN_FINAL_CLTV_EXPIRY_DELTA = 24;
export const DEFAULT_INVOICE_EXPIRY_SEC = 3600;
/** BOLT 11: a `d` field holds at most 639 bytes. */
const MAX_DESCRIPTION_BYTES = 639;
/**
 * What we put in a route hint for our peer's channel to us when we know no channel_update of it:
 * LDK's default forwarding policy (ChannelConfig: 1000 msat base, 0 ppm, cltv_expiry_delta 72).
 */
export const DEFAULT_HINT_POLICY = Object.freeze({ feeBaseMsat: 1000, feeProportionalMillionths: 0, cltvExpiryDelta: 72 });
/** Route hints an invoice carries at most (one per channel). */
const MAX_ROUTE_HINTS = 8;
/** Invoice features (BOLT 9 context 9): var_onion_optin and payment_secret required, basic_mpp optional. */
const INVOICE_FEATURES = FeatureVector.fromBits([8, 14, 17]).toBytes();

export interface PaymentManagerOptions {
  readonly channels: PaymentChannels;
  /** The node's store (payment records go under `node/payments/`). */
  readonly store: KVStore;
  readonly clock: Clock;
  readonly entropy: Entropy;
  readonly logger?: Logger;
  readonly network: InvoiceNetwork;
  /** The node key: signs our invoices and peels incoming onions. Never leaves engine/node. */
  readonly nodeSecret: Uint8Array;
  /** Our node id (hex). */
  readonly nodeId: string;
  /** Accept keysend payments (default true). */
  readonly acceptKeysend?: boolean;
}

export class PaymentManager {
  private readonly opts: PaymentManagerOptions;
  private readonly logger: Logger;
  private readonly store: PaymentStore;
  private readonly outgoing: OutgoingPayments;
  private readonly incoming: IncomingPayments;
  private readonly listeners = new Set<(p: PaymentRecord) => void>();
  /** Insertion order of records (newest-first ties). */
  private readonly order = new Map<string, number>();
  private seq = 0;
  private unsubscribe: (() => void) | undefined;
  private started = false;

  constructor(opts: PaymentManagerOptions) {
    this.opts = opts;
    this.logger = opts.logger ?? silentLogger;
    this.store = new PaymentStore(opts.store, this.logger);
    this.outgoing = new OutgoingPayments({
      channels: opts.channels,
      store: this.store,
      clock: opts.clock,
      entropy: opts.entropy,
      logger: this.logger,
      network: opts.network,
      nodeId: opts.nodeId,
      notify: (p) => this.notify(outgoingView(p), `out:${bytesToHex(p.paymentHash)}`),
    });
    this.incoming = new IncomingPayments({
      channels: opts.channels,
      store: this.store,
      clock: opts.clock,
      logger: this.logger,
      nodeSecret: opts.nodeSecret,
      acceptKeysend: () => opts.acceptKeysend !== false,
      notify: (p) => this.notify(incomingView(p, opts.nodeId, Math.floor(opts.clock.now() / 1000)), `in:${bytesToHex(p.paymentHash)}`),
    });
  }

  /** Load the history, listen to the channels, re-attach outgoing parts, judge waiting incoming HTLCs. */
  async start(): Promise<void> {
    if (this.started) throw new Error('payment manager already started');
    this.started = true;
    this.unsubscribe = this.opts.channels.subscribe((e) => this.onHtlcEvent(e));
    await this.incoming.resume();
    await this.outgoing.resume();
    for (const p of this.outgoing.all()) this.order.set(`out:${bytesToHex(p.paymentHash)}`, this.seq++);
    for (const p of this.incoming.all()) this.order.set(`in:${bytesToHex(p.paymentHash)}`, this.seq++);
  }

  /** Stop listening; waiting `pay` calls resolve with 'pending'; MPP timers stop. */
  stop(): void {
    this.unsubscribe?.();
    this.unsubscribe = undefined;
    this.outgoing.stop();
    this.incoming.stop();
  }

  subscribe(fn: (p: PaymentRecord) => void): () => void {
    this.listeners.add(fn);
    return () => this.listeners.delete(fn);
  }

  /**
   * A new invoice: preimage and payment_secret from entropy, features var_onion_optin +
   * payment_secret + basic_mpp, a route hint per open channel (the peer's alias for it, else
   * its short_channel_id; at most MAX_ROUTE_HINTS, those that can receive the most first). Saved (with the preimage) before it is returned.
   */
  async createInvoice(o: InvoiceOptions = {}): Promise<{ bolt11: string; paymentHash: string }> {
    this.requireStarted();
    if (o.amountMsat !== undefined && (typeof o.amountMsat !== 'bigint' || o.amountMsat <= 0n || o.amountMsat > 21_000_000n * 100_000_000_000n)) {
      throw new ValidationError('amountMsat', 'must be a positive number of msat (or absent for any amount)');
    }
    const description = o.description ?? '';
    if (typeof description !== 'string' || utf8Encode(description).length > MAX_DESCRIPTION_BYTES) throw new ValidationError('description', `at most ${MAX_DESCRIPTION_BYTES} bytes`);
    const expirySec = o.expirySec ?? DEFAULT_INVOICE_EXPIRY_SEC;
    if (!Number.isInteger(expirySec) || expirySec < 1 || expirySec > 365 * 24 * 3600) throw new ValidationError('expirySec', 'must be 1 s .. 1 year');
    const preimage = this.opts.entropy.randomBytes(32);
    const paymentSecret = this.opts.entropy.randomBytes(32);
    const paymentHash = sha256(preimage);
    const nowSec = Math.floor(this.opts.clock.now() / 1000);
    const bolt11 = encodeInvoice(
      {
        network: this.opts.network,
        ...(o.amountMsat !== undefined ? { amountMsat: o.amountMsat } : {}),
        timestampSec: nowSec,
        paymentHash,
        paymentSecret,
        description,
        expirySec,
        minFinalCltvExpiryDelta: INVOICE_MIN_FINAL_CLTV_EXPIRY_DELTA,
        routeHints: this.routeHints(),
        features: INVOICE_FEATURES,
      },
      (digest) => signInvoiceDigest(digest, this.opts.nodeSecret),
    );
    const record: StoredIncomingPayment = {
      paymentHash,
      kind: 'invoice',
      status: 'pending',
      amountMsat: o.amountMsat ?? 0n,
      createdAtSec: nowSec,
      preimage,
      minFinalCltvExpiryDelta: INVOICE_MIN_FINAL_CLTV_EXPIRY_DELTA,
      parts: [],
      ...(o.amountMsat !== undefined ? { invoiceAmountMsat: o.amountMsat } : {}),
      paymentSecret,
      invoice: bolt11,
      ...(description ? { description } : {}),
      expiresAtSec: nowSec + expirySec,
    };
    await this.incoming.add(record);
    return { bolt11, paymentHash: bytesToHex(paymentHash) };
  }

  /** Pay a BOLT 11 invoice (ValidationError on a bad invoice before anything moves). */
  pay(bolt11: string, opts?: PayOptions): Promise<PayResult> {
    this.requireStarted();
    return this.outgoing.pay(bolt11, opts);
  }

  keysend(payee: string, amountMsat: bigint, opts?: Omit<PayOptions, 'amountMsat'>): Promise<PayResult> {
    this.requireStarted();
    return this.outgoing.keysend(payee, amountMsat, opts);
  }

  estimatePayFee(bolt11: string, amountMsat?: bigint): FeeEstimate {
    return this.outgoing.estimate(bolt11, amountMsat);
  }

  /** Every payment, newest first. */
  payments(): PaymentRecord[] {
    const rows: { key: string; view: PaymentRecord }[] = [];
    for (const p of this.outgoing.all()) rows.push({ key: `out:${bytesToHex(p.paymentHash)}`, view: outgoingView(p) });
    for (const p of this.incoming.all()) rows.push({ key: `in:${bytesToHex(p.paymentHash)}`, view: incomingView(p, this.opts.nodeId, this.nowSec()) });
    rows.sort((a, b) => b.view.createdAtSec - a.view.createdAtSec || (this.order.get(b.key) ?? 0) - (this.order.get(a.key) ?? 0));
    return rows.map((r) => r.view);
  }

  /** One payment by hash (hex): the outgoing record if there is one, else the incoming one. */
  payment(paymentHash: string): PaymentRecord | undefined {
    const h = typeof paymentHash === 'string' ? paymentHash.toLowerCase() : '';
    const out = this.outgoing.get(h);
    if (out) return outgoingView(out);
    const inc = this.incoming.get(h);
    return inc ? incomingView(inc, this.opts.nodeId, this.nowSec()) : undefined;
  }

  /** A new chain tip: held incoming parts near their expiry are failed back. */
  onTip(height: number): void {
    this.incoming.onTip(height);
  }

  /** Resolve once every queued payment step has run (tests, shutdown). */
  async idle(): Promise<void> {
    await this.incoming.idle();
    await this.outgoing.idle();
  }

  // ---- internals ----------------------------------------------------------------------------------

  private nowSec(): number {
    return Math.floor(this.opts.clock.now() / 1000);
  }

  private requireStarted(): void {
    if (!this.started) throw new ValidationError('payments', 'the payment manager is not started');
  }

  private routeHints(): RouteHintHop[][] {
    const hints: RouteHintHop[][] = [];
    // Open channels, also while their peer is reconnecting; the ones that can take the most first.
    const open = this.opts.channels.channels().filter((c) => c.open && (c.remoteAlias ?? c.shortChannelId) !== undefined);
    open.sort((a, b) => (b.receivableMsat > a.receivableMsat ? 1 : b.receivableMsat < a.receivableMsat ? -1 : 0));
    for (const c of open.slice(0, MAX_ROUTE_HINTS)) {
      hints.push([{ nodeId: hexToBytes(c.peer), shortChannelId: (c.remoteAlias ?? c.shortChannelId)!, ...DEFAULT_HINT_POLICY }]);
    }
    return hints;
  }

  private onHtlcEvent(e: HtlcEvent): void {
    try {
      this.outgoing.onHtlcEvent(e);
      this.incoming.onHtlcEvent(e);
    } catch (err) {
      this.logger.log('error', 'payment event handling failed', { type: e.type, error: errorMessage(err) });
    }
  }

  private notify(p: PaymentRecord, key: string): void {
    if (!this.order.has(key)) this.order.set(key, this.seq++);
    for (const fn of this.listeners) {
      try {
        fn(p);
      } catch (err) {
        this.logger.log('error', 'payment listener threw', { error: errorMessage(err) });
      }
    }
  }
}
