/**
 * Outgoing payments: BOLT 11 invoices and keysend, over our channels (BOLT 4 onion per part).
 *
 *   pay / keysend ── checks (nothing moves on a bad invoice) ──▶ plan parts (split.ts) ──▶
 *   record (status pending, parts with route + onion shared secrets) durable ──▶ add-htlc per part
 *   (tag `partTag`: payment hash prefix + part index) ──▶ htlc-fulfilled: succeeded (preimage checked) / htlc-failed:
 *   decode the failure with the part's shared secrets (failure.ts), then retry the missing amount on
 *   what is left, or fail once no part is in flight.
 *
 * Idempotent by payment hash: one outgoing record per hash; paying a pending hash waits for the
 * same outcome, a succeeded one returns the earlier result, a failed one starts a new attempt.
 * Retries stop at RETRY_WINDOW_MS after the start or MAX_PAYMENT_PARTS parts. Every change of a
 * record is durable before anything depending on it is sent; its events go to `notify`.
 * After a restart `resume` re-attaches pending parts to the channels' HTLCs by tag.
 */
import { sha256 } from '../../crypto/hash.ts';
import { bytesToHex, equalBytes, hexToBytes } from '../../lib/bytes.ts';
import { errorMessage, ValidationError } from '../../lib/errors.ts';
import type { Clock, Entropy, Logger } from '../../ports.ts';
import { isStorageFull } from '../../store/errors.ts';
import { buildOnion, decodeFailurePacket, encodeHopPayload, failureName } from '../../onion/index.ts';
import { decodeInvoice, invoiceFeatureProblem, isInvoiceExpired, type Invoice, type InvoiceNetwork } from '../../invoice/index.ts';
import { FeatureVector } from '../../wire/features.ts';
import { decideOnFailure, decideOnMalformed, type FailureDecision } from './failure.ts';
import type { HtlcEvent, PaymentChannels } from './ports.ts';
import { MAX_PAYMENT_PARTS, type OutgoingPart, type StoredOutgoingPayment } from './records.ts';
import { FINAL_CLTV_MARGIN, type FinalHopFields, type HintHop, type PlannedRoute } from './route.ts';
import { splitPayment } from './split.ts';
import type { PaymentStore } from './store.ts';
import { DEFAULT_MAX_CLTV_EXPIRY_DELTA, DEFAULT_PAY_TIMEOUT_MS, defaultMaxFeeMsat, type FeeEstimate, type PayOptions, type PayResult } from './types.ts';
import { resultOf } from './view.ts';

/** How long after a payment starts it may still be retried on another route. */
export const RETRY_WINDOW_MS = 60_000;
/** min_final_cltv_expiry_delta we give a keysend payee (no invoice tells us; LDK's default final delta is 18, we leave room). */
export const KEYSEND_FINAL_CLTV_DELTA = 40;
/** BOLT 2: the largest amount an HTLC may carry in practice; refuses absurd amounts early. */
const MAX_PAYMENT_MSAT = 21_000_000n * 100_000_000n * 1000n;

export interface OutgoingDeps {
  readonly channels: PaymentChannels;
  readonly store: PaymentStore;
  readonly clock: Clock;
  readonly entropy: Entropy;
  readonly logger: Logger;
  readonly network: InvoiceNetwork;
  /** Our node id (hex). */
  readonly nodeId: string;
  readonly notify: (p: StoredOutgoingPayment) => void;
}

/** Where the payee is and what its final payload needs. */
interface SendParams {
  readonly payee: Uint8Array;
  readonly routeHints: readonly (readonly HintHop[])[];
  readonly minFinalCltvExpiryDelta: number;
  readonly allowMpp: boolean;
  readonly paymentSecret?: Uint8Array;
  readonly paymentMetadata?: Uint8Array;
  readonly keysendPreimage?: Uint8Array;
}

interface Attempt {
  record: StoredOutgoingPayment;
  readonly params: SendParams;
  readonly exclude: { channels: Set<string>; hintChannels: Set<bigint>; nodes: Set<string> };
  readonly overrides: Map<bigint, { feeBaseMsat: number; feeProportionalMillionths: number; cltvExpiryDelta: number }>;
  readonly policyUpdated: Set<bigint>;
  readonly deadlineMs: number;
  /** Set once the payment must fail: applied when no part is in flight any more. */
  stop?: { code: string; reason: string };
  /** Waiting for a channel to become usable (reconnecting, reestablishing); cancels its deadline timer. */
  parked?: () => void;
  last?: { code: string; reason: string };
  queue: Promise<void>;
  readonly waiters: Set<() => void>;
}

function check(cond: boolean, field: string, message: string): void {
  if (!cond) throw new ValidationError(field, message);
}

export class OutgoingPayments {
  private readonly deps: OutgoingDeps;
  /** Every outgoing record by hash hex (loaded at start). */
  private readonly records = new Map<string, StoredOutgoingPayment>();
  /** Attempts in progress by hash hex. */
  private readonly attempts = new Map<string, Attempt>();

  constructor(deps: OutgoingDeps) {
    this.deps = deps;
  }

  all(): StoredOutgoingPayment[] {
    return [...this.records.values()];
  }

  get(hashHex: string): StoredOutgoingPayment | undefined {
    return this.records.get(hashHex);
  }

  /** Load the records; re-attach the pending parts to the channels' HTLCs by tag. */
  async resume(): Promise<void> {
    for (const r of await this.deps.store.loadOutgoing()) this.records.set(bytesToHex(r.paymentHash), r);
    const byTag = new Map<string, { preimage?: Uint8Array }>();
    for (const c of this.deps.channels.channels()) {
      for (const h of this.deps.channels.htlcs(c.channelId)) if (h.direction === 'outgoing' && h.tag) byTag.set(h.tag, h.preimage ? { preimage: h.preimage } : {});
    }
    for (const r of this.records.values()) {
      // Pending payments, and succeeded ones whose other parts' fulfills had not arrived yet.
      const inFlight = r.parts.some((p) => p.status === 'pending');
      if (r.status === 'failed' || (r.status === 'succeeded' && !inFlight)) continue;
      const hash = bytesToHex(r.paymentHash);
      let params: SendParams;
      try {
        params = this.paramsOf(r);
      } catch (err) {
        this.logger('error', 'a pending payment cannot be resumed', { paymentHash: hash, error: errorMessage(err) });
        continue;
      }
      const a = this.newAttempt(r, params, r.createdAtSec * 1000 + RETRY_WINDOW_MS);
      this.enqueue(a, async () => {
        for (const part of a.record.parts) {
          if (part.status !== 'pending') continue;
          const found = byTag.get(partTag(hash, part.index));
          if (found?.preimage) await this.partFulfilled(a, part.index, found.preimage);
          else if (!found && a.record.status === 'succeeded') {
            // The payee released the preimage, so it claimed every part: this one was fulfilled while we were down.
            await this.update(a, part.index, (p) => ({ ...p, status: 'succeeded' }));
          } else if (!found) await this.partFailed(a, part.index, 'the HTLC is no longer in its channel after a restart', { kind: 'retry', reason: 'the HTLC was not found after a restart' });
        }
        await this.advance(a);
      });
    }
  }

  /** Check a BOLT 11 invoice for paying (before anything moves) and decode it. */
  checkInvoice(bolt11: string, opts: PayOptions): { invoice: Invoice; amountMsat: bigint } {
    check(typeof bolt11 === 'string' && bolt11.trim().length > 0, 'invoice', 'expected a BOLT 11 invoice');
    const invoice = decodeInvoice(bolt11.trim(), { network: this.deps.network });
    const nowSec = Math.floor(this.deps.clock.now() / 1000);
    if (isInvoiceExpired(invoice, nowSec)) throw new ValidationError('invoice', `the invoice expired ${nowSec - (invoice.timestampSec + invoice.expirySec)} s ago`);
    check(invoice.paymentSecret !== undefined, 'paymentSecret', 'the invoice has no payment_secret (BOLT 11 requires one; it cannot be paid safely)');
    const problem = invoiceFeatureProblem(invoice);
    if (problem) throw new ValidationError('features', problem);
    check(bytesToHex(invoice.payeeNodeId) !== this.deps.nodeId, 'invoice', 'this invoice is our own: a node cannot pay itself');
    let amountMsat: bigint;
    if (opts.amountMsat !== undefined) {
      check(typeof opts.amountMsat === 'bigint' && opts.amountMsat > 0n, 'amountMsat', 'must be a positive number of msat');
      check(invoice.amountMsat === undefined || opts.amountMsat >= invoice.amountMsat, 'amountMsat', `below the invoice amount of ${invoice.amountMsat} msat`);
      amountMsat = opts.amountMsat;
    } else {
      check(invoice.amountMsat !== undefined, 'amountMsat', 'the invoice has no amount: say how much to pay');
      amountMsat = invoice.amountMsat!;
    }
    check(amountMsat > 0n && amountMsat <= MAX_PAYMENT_MSAT, 'amountMsat', 'is not a possible amount');
    checkLimits(opts);
    return { invoice, amountMsat };
  }

  /** Pay a BOLT 11 invoice; resolves with the outcome, or 'pending' after `timeoutMs`. */
  async pay(bolt11: string, opts: PayOptions = {}): Promise<PayResult> {
    const started = this.deps.clock.now();
    const { invoice, amountMsat } = this.checkInvoice(bolt11, opts);
    const params: SendParams = {
      payee: invoice.payeeNodeId,
      routeHints: invoice.routeHints,
      minFinalCltvExpiryDelta: invoice.minFinalCltvExpiryDelta,
      allowMpp: FeatureVector.fromBytes(invoice.features).supports('basic_mpp'),
      ...(invoice.paymentSecret ? { paymentSecret: invoice.paymentSecret } : {}),
      ...(invoice.paymentMetadata ? { paymentMetadata: invoice.paymentMetadata } : {}),
    };
    return this.start(
      {
        paymentHash: invoice.paymentHash,
        kind: 'invoice',
        amountMsat,
        payee: invoice.payeeNodeId,
        invoice: invoice.bolt11,
        ...(invoice.description !== undefined ? { description: invoice.description } : {}),
      },
      params,
      opts,
      started,
    );
  }

  /** Keysend (spontaneous, the preimage in the onion's TLV 5482373484) to a channel peer. */
  async keysend(payee: string, amountMsat: bigint, opts: Omit<PayOptions, 'amountMsat'> = {}): Promise<PayResult> {
    const started = this.deps.clock.now();
    const id = typeof payee === 'string' ? payee.trim().toLowerCase() : '';
    check(/^0[23][0-9a-f]{64}$/.test(id), 'payee', 'expected a 33-byte compressed public key in hex');
    check(id !== this.deps.nodeId, 'payee', 'a node cannot pay itself');
    check(typeof amountMsat === 'bigint' && amountMsat > 0n && amountMsat <= MAX_PAYMENT_MSAT, 'amountMsat', 'must be a positive number of msat');
    check(
      this.deps.channels.channels().some((c) => c.peer === id),
      'payee',
      'keysend needs a channel with the payee (this node has no network graph yet to find a route to others)',
    );
    checkLimits(opts);
    const preimage = this.deps.entropy.randomBytes(32);
    const payeeBytes = hexToBytes(id);
    return this.start(
      { paymentHash: sha256(preimage), kind: 'keysend', amountMsat, payee: payeeBytes, preimage },
      { payee: payeeBytes, routeHints: [], minFinalCltvExpiryDelta: KEYSEND_FINAL_CLTV_DELTA, allowMpp: false, keysendPreimage: preimage },
      opts,
      started,
    );
  }

  /** The fee a payment would cost now (the Send review screen), without sending. */
  estimate(bolt11: string, amountMsat?: bigint): FeeEstimate {
    let invoice: Invoice;
    let amount: bigint;
    try {
      ({ invoice, amountMsat: amount } = this.checkInvoice(bolt11, amountMsat !== undefined ? { amountMsat } : {}));
    } catch (err) {
      if (err instanceof ValidationError) return { feeMsat: 0n, route: 'none', reason: err.message };
      throw err;
    }
    const height = Math.max(0, this.deps.channels.tipHeight());
    const r = splitPayment({
      payee: invoice.payeeNodeId,
      amountMsat: amount,
      channels: this.deps.channels.channels(),
      routeHints: invoice.routeHints,
      finalCltv: height + invoice.minFinalCltvExpiryDelta + FINAL_CLTV_MARGIN,
      final: { totalMsat: amount, ...(invoice.paymentSecret ? { paymentSecret: invoice.paymentSecret } : {}) },
      blockHeight: height,
      maxFeeMsat: defaultMaxFeeMsat(amount),
      maxCltvExpiryDelta: DEFAULT_MAX_CLTV_EXPIRY_DELTA,
      allowMpp: FeatureVector.fromBytes(invoice.features).supports('basic_mpp'),
    });
    if (!r.ok) return { feeMsat: 0n, route: 'none', reason: r.reason };
    return { feeMsat: r.parts.reduce((s, p) => s + p.feeMsat, 0n), route: r.parts.some((p) => p.kind === 'hints') ? 'hints' : 'direct' };
  }

  /** An HTLC event from the channels about one of our parts. */
  onHtlcEvent(e: HtlcEvent): void {
    if (e.type === 'channel-usable') {
      for (const a of this.attempts.values()) if (a.parked) this.unpark(a);
      return;
    }
    if (e.type !== 'htlc-added' && e.type !== 'htlc-fulfilled' && e.type !== 'htlc-failed') return;
    const m = /^([0-9a-f]{56}):(\d{1,5})$/.exec(e.tag);
    if (!m) return;
    const a = this.attemptByPrefix(m[1]!);
    if (!a) {
      if (e.type !== 'htlc-added') this.logger('warn', 'HTLC outcome for no payment in progress', { tag: e.tag, type: e.type });
      return;
    }
    const index = Number(m[2]);
    this.enqueue(a, async () => {
      // The id is for display: kept in memory and saved with the part's next change (one write less per part).
      if (e.type === 'htlc-added') {
        a.record = { ...a.record, parts: a.record.parts.map((p) => (p.index === index ? { ...p, htlcId: e.htlcId } : p)) };
        this.records.set(bytesToHex(a.record.paymentHash), a.record);
      }
      else if (e.type === 'htlc-fulfilled') await this.partFulfilled(a, index, e.paymentPreimage);
      else {
        const part = a.record.parts.find((p) => p.index === index);
        if (!part) return;
        let decision: FailureDecision;
        let words: string;
        if (e.localReason !== undefined) {
          // Dropped unsigned on reconnection: retried as it is. Failed on chain (BOLT 5 timeout
          // claim of a force-closed channel): never retried into that channel again.
          const closed = !this.deps.channels.channels().some((c) => c.channelId === e.channelId && c.open);
          decision = closed ? { kind: 'retry', reason: e.localReason, excludeChannel: e.channelId } : { kind: 'retry', reason: e.localReason };
          words = e.localReason;
        } else if (e.malformed) {
          decision = decideOnMalformed(bytesToHex(part.channelId), e.malformed.failureCode);
          words = decision.reason;
        } else {
          const decoded = e.reason ? decodeFailurePacket(e.reason, part.sharedSecrets) : undefined;
          decision = decideOnFailure({ channelId: bytesToHex(part.channelId), hops: part.hops, policyUpdated: a.policyUpdated }, decoded);
          words = decision.reason;
          if (decoded && decision.kind === 'retry') a.last = { code: failureName(decoded.failure.code), reason: words };
        }
        await this.partFailed(a, index, words, decision);
        await this.advance(a);
      }
    });
  }

  /** Answer every waiting `pay` with the payment as it is now (pending); the records stay for a restart. */
  stop(): void {
    for (const a of this.attempts.values()) {
      a.parked?.();
      delete a.parked;
      for (const w of [...a.waiters]) w();
    }
  }

  /** Resolve once nothing is queued for any attempt (tests, shutdown). */
  async idle(): Promise<void> {
    for (;;) {
      const qs = [...this.attempts.values()].map((a) => a.queue);
      await Promise.all(qs);
      if ([...this.attempts.values()].every((a, i) => a.queue === qs[i])) return;
    }
  }

  // ---- internals ----------------------------------------------------------------------------------

  private logger(level: 'debug' | 'info' | 'warn' | 'error', msg: string, fields: Record<string, unknown>): void {
    this.deps.logger.log(level, msg, fields);
  }

  /** A parked attempt goes on (a channel became usable, or its deadline came). */
  private unpark(a: Attempt): void {
    const cancel = a.parked;
    if (!cancel) return;
    cancel();
    delete a.parked;
    void this.enqueue(a, () => this.advance(a));
  }

  private attemptByPrefix(prefix: string): Attempt | undefined {
    for (const [hash, a] of this.attempts) if (hash.startsWith(prefix)) return a;
    return undefined;
  }

  private paramsOf(r: StoredOutgoingPayment): SendParams {
    if (r.kind === 'keysend') {
      if (!r.preimage) throw new Error('keysend record without its preimage');
      return { payee: r.payee, routeHints: [], minFinalCltvExpiryDelta: KEYSEND_FINAL_CLTV_DELTA, allowMpp: false, keysendPreimage: r.preimage };
    }
    const inv = decodeInvoice(r.invoice ?? '', { network: this.deps.network });
    return {
      payee: inv.payeeNodeId,
      routeHints: inv.routeHints,
      minFinalCltvExpiryDelta: inv.minFinalCltvExpiryDelta,
      allowMpp: FeatureVector.fromBytes(inv.features).supports('basic_mpp'),
      ...(inv.paymentSecret ? { paymentSecret: inv.paymentSecret } : {}),
      ...(inv.paymentMetadata ? { paymentMetadata: inv.paymentMetadata } : {}),
    };
  }

  private newAttempt(record: StoredOutgoingPayment, params: SendParams, deadlineMs: number): Attempt {
    const a: Attempt = {
      record,
      params,
      exclude: { channels: new Set(), hintChannels: new Set(), nodes: new Set() },
      overrides: new Map(),
      policyUpdated: new Set(),
      deadlineMs,
      queue: Promise.resolve(),
      waiters: new Set(),
    };
    this.attempts.set(bytesToHex(record.paymentHash), a);
    return a;
  }

  private enqueue(a: Attempt, fn: () => Promise<void>): Promise<void> {
    const run = a.queue.then(fn).catch((err: unknown) => {
      this.logger('error', 'payment step failed', { paymentHash: bytesToHex(a.record.paymentHash), error: errorMessage(err) });
      if (isStorageFull(err)) this.storageFull(a, err.message);
    });
    a.queue = run;
    return run;
  }

  /**
   * A record write failed because the storage is full: the step that needed it stopped before
   * sending anything (`save` writes first). With no part in flight nothing can still move, so the
   * payment ends failed — here in memory only, the store cannot take it — and the waiting `pay`
   * answers with why. With a part in flight it stays pending: that HTLC's outcome still comes, and
   * a restart resolves it from the channel (resume).
   */
  private storageFull(a: Attempt, reason: string): void {
    if (a.record.status !== 'pending' || a.record.parts.some((p) => p.status === 'pending')) return;
    const failed: StoredOutgoingPayment = { ...a.record, status: 'failed', failureCode: 'storage_full', reason, settledAtSec: Math.floor(this.deps.clock.now() / 1000) };
    a.record = failed;
    this.records.set(bytesToHex(failed.paymentHash), failed);
    this.attempts.delete(bytesToHex(failed.paymentHash));
    this.deps.notify(failed);
    for (const w of [...a.waiters]) w();
  }

  private async start(
    base: Pick<StoredOutgoingPayment, 'paymentHash' | 'kind' | 'amountMsat' | 'payee'> & Partial<Pick<StoredOutgoingPayment, 'invoice' | 'description' | 'preimage'>>,
    params: SendParams,
    opts: Omit<PayOptions, 'amountMsat'>,
    started: number,
  ): Promise<PayResult> {
    const hash = bytesToHex(base.paymentHash);
    const timeoutMs = opts.timeoutMs ?? DEFAULT_PAY_TIMEOUT_MS;
    const existing = this.attempts.get(hash) ?? undefined;
    const known = this.records.get(hash);
    if (existing && existing.record.status === 'pending') return this.wait(existing, timeoutMs, started);
    if (known?.status === 'succeeded') return resultOf(known, this.deps.clock.now() - started);
    if (known?.status === 'pending') throw new ValidationError('invoice', 'a payment of this hash is pending from before a restart and could not be resumed; see the logs');
    const record: StoredOutgoingPayment = {
      ...base,
      status: 'pending',
      createdAtSec: Math.floor(started / 1000),
      maxFeeMsat: opts.maxFeeMsat ?? defaultMaxFeeMsat(base.amountMsat),
      maxCltvExpiryDelta: opts.maxCltvExpiryDelta ?? DEFAULT_MAX_CLTV_EXPIRY_DELTA,
      parts: [],
    };
    const a = this.newAttempt(record, params, started + RETRY_WINDOW_MS);
    this.records.set(hash, record);
    void this.enqueue(a, () => this.advance(a));
    return this.wait(a, timeoutMs, started);
  }

  private wait(a: Attempt, timeoutMs: number, started: number): Promise<PayResult> {
    return new Promise((resolve) => {
      let cancel: (() => void) | undefined;
      const done = (): void => {
        cancel?.();
        a.waiters.delete(done);
        resolve(resultOf(a.record, this.deps.clock.now() - started));
      };
      a.waiters.add(done);
      cancel = this.deps.clock.setTimer(timeoutMs, done);
      // Already finished (a resumed attempt, or an instant failure) once queued work drained.
      void a.queue.then(() => {
        if (a.record.status !== 'pending') done();
      });
    });
  }

  /** Save a new version of the record (durable before it resolves), then tell listeners. */
  private async save(a: Attempt, next: StoredOutgoingPayment): Promise<void> {
    // Durable first: if the write fails (storage full) memory keeps the saved record, and the step
    // stops here, before any HTLC that depends on it is sent.
    await this.deps.store.saveOutgoing(next);
    a.record = next;
    this.records.set(bytesToHex(next.paymentHash), next);
    this.deps.notify(next);
    if (next.status !== 'pending') {
      for (const w of [...a.waiters]) w();
      // Kept while a part is in flight: its outcome still comes (MPP parts after the first fulfill).
      if (!next.parts.some((p) => p.status === 'pending')) this.attempts.delete(bytesToHex(next.paymentHash));
    }
  }

  private async update(a: Attempt, index: number, f: (p: OutgoingPart) => OutgoingPart): Promise<void> {
    if (!a.record.parts.some((p) => p.index === index)) return;
    await this.save(a, { ...a.record, parts: a.record.parts.map((p) => (p.index === index ? f(p) : p)) });
  }

  private async partFulfilled(a: Attempt, index: number, preimage: Uint8Array): Promise<void> {
    if (!equalBytes(sha256(preimage), a.record.paymentHash)) {
      this.logger('error', 'a fulfill with a preimage that does not match the payment hash; ignored', { paymentHash: bytesToHex(a.record.paymentHash) });
      return;
    }
    const parts = a.record.parts.map((p) => (p.index === index ? { ...p, status: 'succeeded' as const } : p));
    const first = a.record.status !== 'succeeded';
    await this.save(a, {
      ...a.record,
      parts,
      status: 'succeeded',
      preimage: preimage.slice(),
      ...(first ? { settledAtSec: Math.floor(this.deps.clock.now() / 1000) } : {}),
    });
  }

  private async partFailed(a: Attempt, index: number, words: string, decision: FailureDecision): Promise<void> {
    if (decision.kind === 'fail-payment') a.stop ??= { code: decision.code, reason: decision.reason };
    else {
      if (decision.excludeChannel) a.exclude.channels.add(decision.excludeChannel);
      if (decision.excludeHintChannel !== undefined) a.exclude.hintChannels.add(decision.excludeHintChannel);
      if (decision.excludeNode) a.exclude.nodes.add(decision.excludeNode);
      if (decision.policy) {
        a.overrides.set(decision.policy.shortChannelId, decision.policy);
        a.policyUpdated.add(decision.policy.shortChannelId);
      }
      a.last ??= { code: 'temporary_channel_failure', reason: words };
    }
    await this.update(a, index, (p) => ({ ...p, status: 'failed', failure: words }));
  }

  /** Plan and send what is missing, or finish the payment. Runs inside the attempt's queue. */
  private async advance(a: Attempt): Promise<void> {
    const r = a.record;
    if (r.status !== 'pending') return;
    const live = r.parts.filter((p) => p.status !== 'failed');
    const inFlight = live.filter((p) => p.status === 'pending').length;
    if (a.stop) {
      if (inFlight === 0) await this.finishFailed(a, a.stop.code, a.stop.reason);
      return;
    }
    const remaining = r.amountMsat - live.reduce((s, p) => s + p.payeeMsat, 0n);
    if (remaining <= 0n) return;
    const now = this.deps.clock.now();
    if ((now > a.deadlineMs && r.parts.length > 0) || r.parts.length >= MAX_PAYMENT_PARTS) {
      const why = a.last ? `${a.last.reason}; no more retries (time or attempts used up)` : 'no more retries (time or attempts used up)';
      a.stop = { code: a.last?.code ?? 'timeout', reason: why };
      if (inFlight === 0) await this.finishFailed(a, a.stop.code, a.stop.reason);
      return;
    }
    const height = Math.max(0, this.deps.channels.tipHeight());
    const fees = live.reduce((s, p) => s + (p.amountMsat - p.payeeMsat), 0n);
    const final: FinalHopFields = {
      totalMsat: r.amountMsat,
      ...(a.params.paymentSecret ? { paymentSecret: a.params.paymentSecret } : {}),
      ...(a.params.paymentMetadata ? { paymentMetadata: a.params.paymentMetadata } : {}),
      ...(a.params.keysendPreimage ? { keysendPreimage: a.params.keysendPreimage } : {}),
    };
    const split = splitPayment({
      payee: a.params.payee,
      amountMsat: remaining,
      channels: this.deps.channels.channels(),
      routeHints: a.params.routeHints,
      finalCltv: height + a.params.minFinalCltvExpiryDelta + FINAL_CLTV_MARGIN,
      final,
      blockHeight: height,
      maxFeeMsat: r.maxFeeMsat - fees,
      maxCltvExpiryDelta: r.maxCltvExpiryDelta,
      allowMpp: a.params.allowMpp,
      exclude: a.exclude,
      overrides: a.overrides,
      maxParts: MAX_PAYMENT_PARTS - r.parts.length,
    });
    if (!split.ok) {
      // Our channels are open but none is usable yet (peer reconnecting, channel_reestablish):
      // wait for one until the retry deadline rather than fail at once.
      const channels = this.deps.channels.channels();
      if (!a.parked && now < a.deadlineMs && !channels.some((c) => c.usable) && channels.some((c) => c.open)) {
        this.logger('info', 'no channel usable yet; the payment waits for one', { paymentHash: bytesToHex(r.paymentHash) });
        const cancel = this.deps.clock.setTimer(a.deadlineMs - now + 1, () => this.unpark(a));
        a.parked = cancel;
        return;
      }
      a.stop = a.last ? { code: a.last.code, reason: `${a.last.reason}; no other route left` } : { code: split.code, reason: split.reason };
      if (inFlight === 0) await this.finishFailed(a, a.stop.code, a.stop.reason);
      return;
    }
    await this.sendParts(a, split.parts);
  }

  private async sendParts(a: Attempt, routes: readonly PlannedRoute[]): Promise<void> {
    const hash = a.record.paymentHash;
    const hashHex = bytesToHex(hash);
    const packets: Uint8Array[] = [];
    const parts: OutgoingPart[] = [];
    let index = a.record.parts.reduce((m, p) => Math.max(m, p.index + 1), 0);
    for (const route of routes) {
      const onion = buildOnion(
        route.hops.map((h) => ({ nodeId: h.nodeId, payload: encodeHopPayload(h.payload) })),
        this.deps.entropy.randomBytes(32),
        hash,
      );
      packets.push(onion.packet);
      parts.push({
        index: index++,
        channelId: hexToBytes(route.channelId),
        amountMsat: route.amountMsat,
        payeeMsat: route.payeeMsat,
        cltvExpiry: route.cltvExpiry,
        status: 'pending',
        hops: route.hops.map((h) => (h.shortChannelId !== undefined ? { nodeId: h.nodeId, shortChannelId: h.shortChannelId } : { nodeId: h.nodeId })),
        sharedSecrets: onion.sharedSecrets.map((s) => s.slice()),
      });
    }
    // The parts (and their shared secrets) are durable before the first add-htlc.
    await this.save(a, { ...a.record, parts: [...a.record.parts, ...parts] });
    let refused = false;
    for (let i = 0; i < parts.length; i++) {
      const part = parts[i]!;
      const channelId = bytesToHex(part.channelId);
      const reason = this.deps.channels.addHtlc(channelId, {
        amountMsat: part.amountMsat,
        paymentHash: hash,
        cltvExpiry: part.cltvExpiry,
        onionRoutingPacket: packets[i]!,
        tag: partTag(hashHex, part.index),
      });
      if (reason !== undefined) {
        refused = true;
        this.logger('info', 'channel refused a payment part', { paymentHash: hashHex, channelId, reason });
        a.last = { code: 'temporary_channel_failure', reason: `our channel refused the HTLC: ${reason}` };
        await this.partFailed(a, part.index, `our channel refused the HTLC: ${reason}`, { kind: 'retry', reason, excludeChannel: channelId });
      }
    }
    if (refused) await this.advance(a);
  }

  private async finishFailed(a: Attempt, code: string, reason: string): Promise<void> {
    await this.save(a, { ...a.record, status: 'failed', failureCode: code, reason, settledAtSec: Math.floor(this.deps.clock.now() / 1000) });
  }
}

/**
 * The tag a part's HTLC carries (the channel keeps ≤ 64 ASCII characters): the first 28 bytes of
 * the payment hash in hex, ':', the part index — `<56 hex>:<index>`, at most 59 characters.
 */
export function partTag(hashHex: string, index: number): string {
  return `${hashHex.slice(0, 56)}:${index}`;
}

function checkLimits(opts: Omit<PayOptions, 'amountMsat'>): void {
  if (opts.maxFeeMsat !== undefined) check(typeof opts.maxFeeMsat === 'bigint' && opts.maxFeeMsat >= 0n, 'maxFeeMsat', 'must be a non-negative number of msat');
  if (opts.maxCltvExpiryDelta !== undefined) check(Number.isInteger(opts.maxCltvExpiryDelta) && opts.maxCltvExpiryDelta > 0 && opts.maxCltvExpiryDelta <= 2016, 'maxCltvExpiryDelta', 'must be 1..2016 blocks');
  if (opts.timeoutMs !== undefined) check(Number.isFinite(opts.timeoutMs) && opts.timeoutMs >= 0, 'timeoutMs', 'must be a non-negative number of ms');
}
