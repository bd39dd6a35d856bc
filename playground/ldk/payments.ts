/**
 * Payments on an `LdkNode` (BOLT 4 / BOLT 11 through LDK's ChannelManager): invoices, paying
 * invoices, keysend, claiming what arrives, and channel balances — the counterparty side of the
 * payment interop tests and the LDK reference in the payment benchmarks.
 *
 * Event-driven, no timers: the node hands every LDK event to `handle` right after LDK's
 * `process_pending_events` returns (node.ts), and
 * - `PendingHTLCsForwardable` → `process_pending_htlc_forwards()` at once (LDK's suggested
 *   `time_forwardable` batching delay is ignored, so LDK runs at its fastest);
 * - `PaymentClaimable` → `claim_funds(preimage)` for what this node can claim (its own invoices,
 *   keysend), or `fail_htlc_backwards(hash)` when the policy says reject (the payer then sees
 *   BOLT 4 `incorrect_or_unknown_payment_details`), or kept for later with policy `hold`;
 * - `PaymentClaimed` / `PaymentSent` / `PaymentFailed` / `PaymentPathFailed` /
 *   `HTLCHandlingFailed` → the records below and the promises waiting on them.
 * Every call goes through `node.run`, which pumps LDK afterwards, so messages leave at once.
 */
import { createHash, randomBytes } from 'node:crypto';
import type { ChannelDetails, Event } from 'lightningdevkit';
import type { LdkNode } from './node.ts';

export const hex = (bytes: Uint8Array): string => Buffer.from(bytes).toString('hex');
const unhex = (text: string): Uint8Array => Uint8Array.from(Buffer.from(text, 'hex'));

export interface LdkInvoiceOptions {
  /** Absent: an any-amount invoice. */
  readonly amountMsat?: bigint;
  /** Default ''. */
  readonly description?: string;
  /** Default 3600. Note LDK stamps the invoice with the newest block time (the chain's clock). */
  readonly expirySec?: number;
  /** Default LDK's (24 blocks + its margin). */
  readonly minFinalCltvExpiryDelta?: number;
}

export interface LdkPayOptions {
  /** For an any-amount invoice (payment_parameters_from_variable_amount_invoice). */
  readonly amountMsat?: bigint;
  /** LDK's `Retry.attempts` (default 3). */
  readonly retries?: number;
  /** Reject if neither PaymentSent nor PaymentFailed arrived by then (default 60 s). */
  readonly timeoutMs?: number;
}

export interface LdkPaymentSent {
  readonly paymentHash: string;
  readonly preimage: string;
  readonly feeMsat: bigint;
}

export interface LdkClaimedPayment {
  readonly paymentHash: string;
  readonly amountMsat: bigint;
  readonly purpose: 'invoice' | 'keysend';
  /** How many HTLCs made up the payment (>1: multi-part, BOLT 4 basic_mpp). */
  readonly parts: number;
}

/** One PaymentPathFailed LDK reported for an outgoing payment. */
export interface LdkPathFailure {
  readonly paymentHash: string;
  /** The payee (or a hop) said no for good: BOLT 4 PERM failure or final-node failure. */
  readonly permanent: boolean;
  /** The channel LDK blames, when it knows one. */
  readonly shortChannelId?: bigint;
  /** 'initial-send' (never left this node, e.g. no route/capacity) or 'on-path' (a hop failed it). */
  readonly where: 'initial-send' | 'on-path';
}

/** An HTLC this node failed instead of forwarding or claiming (HTLCHandlingFailed). */
export interface LdkHandlingFailure {
  readonly prevChannelId: string;
  /** 'next-hop-channel' (forward failed, e.g. no capacity), 'unknown-next-hop', 'invalid-forward', 'invalid-onion', 'failed-payment' (we were the payee). */
  readonly kind: 'next-hop-channel' | 'unknown-next-hop' | 'invalid-forward' | 'invalid-onion' | 'failed-payment' | 'other';
  readonly paymentHash?: string;
  readonly scid?: bigint;
}

/** What LDK's PaymentFailed or a synchronous send failure said. */
export class LdkPaymentError extends Error {
  readonly paymentHash: string;
  /** LDK's words: a PaymentFailureReason name ('RecipientRejected', 'RetriesExhausted', 'RouteNotFound', 'PaymentExpired', …) or a RetryableSendFailure name. */
  readonly reason: string;
  readonly pathFailures: readonly LdkPathFailure[];

  constructor(paymentHash: string, reason: string, pathFailures: readonly LdkPathFailure[]) {
    super(`LDK payment ${paymentHash.slice(0, 16)}… failed: ${reason}${pathFailures.length ? ` (${pathFailures.map((p) => `${p.where}${p.permanent ? ' permanent' : ''}${p.shortChannelId !== undefined ? ` scid ${p.shortChannelId}` : ''}`).join('; ')})` : ''}`);
    this.name = 'LdkPaymentError';
    this.paymentHash = paymentHash;
    this.reason = reason;
    this.pathFailures = pathFailures;
  }
}

export interface LdkChannelBalance {
  readonly channelId: string;
  /** Node id hex. */
  readonly counterparty: string;
  readonly shortChannelId?: bigint;
  /** The alias the peer must use to reach this channel through us (put in route hints). */
  readonly inboundScidAlias?: bigint;
  readonly valueSat: bigint;
  readonly usable: boolean;
  readonly outboundMsat: bigint;
  readonly inboundMsat: bigint;
  /**
   * Our balance (value_to_self, pending HTLCs excluded): `outbound_capacity_msat` + pending
   * outbound + our reserve, or, when that is clamped at 0 (we are below our reserve), the channel
   * value − `inbound_capacity_msat` − pending inbound − the peer's reserve. Exact whenever no HTLC
   * is pending; while one is, it may be off by the HTLC's amount.
   */
  readonly balanceMsat: bigint;
  readonly pendingHtlcs: number;
}

/** What this node does with an HTLC set addressed to it. */
export type LdkReceivePolicy = 'claim' | 'reject' | 'hold';

interface PendingSend {
  readonly paymentHash: string;
  readonly failures: LdkPathFailure[];
  readonly resolve: (sent: LdkPaymentSent) => void;
  readonly reject: (error: Error) => void;
}

interface HeldPayment {
  readonly paymentHash: string;
  readonly preimage?: Uint8Array;
}

export class LdkPayments {
  /** Claimed incoming payments, oldest first. */
  readonly claimed: LdkClaimedPayment[] = [];
  /** Outgoing payments LDK completed, oldest first. */
  readonly sent: LdkPaymentSent[] = [];
  /** Outgoing payments LDK gave up on, oldest first. */
  readonly failed: LdkPaymentError[] = [];
  /** HTLCs this node failed back (as payee or as a forwarding hop), oldest first. */
  readonly handlingFailures: LdkHandlingFailure[] = [];
  /** Number of HTLCs this node forwarded (PaymentForwarded). */
  forwarded = 0;
  /** Default policy for incoming payments. */
  policy: LdkReceivePolicy = 'claim';

  private readonly rejectHashes = new Set<string>();
  private readonly held = new Map<string, HeldPayment>();
  private readonly sends = new Map<string, PendingSend>();
  private readonly claimWaiters = new Map<string, Set<(error?: Error) => void>>();

  private readonly node: LdkNode;

  constructor(node: LdkNode) {
    this.node = node;
  }

  /** BOLT 11 invoice for this node (ChannelManager::create_bolt11_invoice; hints for its private channels). */
  createInvoice(options: LdkInvoiceOptions = {}): string {
    const ldk = this.node.ldk;
    const description = ldk.Description.constructor_new(options.description ?? '');
    if (!(description instanceof ldk.Result_DescriptionCreationErrorZ_OK)) throw new Error('LDK refused the invoice description');
    const result = this.node.run(() =>
      this.node.channelManager.create_bolt11_invoice(
        options.amountMsat !== undefined ? ldk.Option_u64Z.constructor_some(options.amountMsat) : ldk.Option_u64Z.constructor_none(),
        ldk.Bolt11InvoiceDescription.constructor_direct(description.res),
        ldk.Option_u32Z.constructor_some(options.expirySec ?? 3600),
        options.minFinalCltvExpiryDelta !== undefined ? ldk.Option_u16Z.constructor_some(options.minFinalCltvExpiryDelta) : ldk.Option_u16Z.constructor_none(),
        ldk.Option_ThirtyTwoBytesZ.constructor_none(),
      ),
    );
    if (!(result instanceof ldk.Result_Bolt11InvoiceSignOrCreationErrorZ_OK)) throw new Error(`${this.node.alias}: create_bolt11_invoice failed`);
    return result.res.to_str();
  }

  /** The payment hash (hex) of a BOLT 11 invoice, as LDK parses it. */
  paymentHashOf(bolt11: string): string {
    const ldk = this.node.ldk;
    const parsed = ldk.Bolt11Invoice.constructor_from_str(bolt11.replace(/^lightning:/i, ''));
    if (!(parsed instanceof ldk.Result_Bolt11InvoiceParseOrSemanticErrorZ_OK)) throw new Error(`${this.node.alias}: LDK cannot parse the invoice`);
    return hex(parsed.res.payment_hash());
  }

  /** Pay a BOLT 11 invoice; resolves on PaymentSent, rejects with LdkPaymentError on PaymentFailed or a send failure. */
  payInvoice(bolt11: string, options: LdkPayOptions = {}): Promise<LdkPaymentSent> {
    const ldk = this.node.ldk;
    const parsed = ldk.Bolt11Invoice.constructor_from_str(bolt11.replace(/^lightning:/i, ''));
    if (!(parsed instanceof ldk.Result_Bolt11InvoiceParseOrSemanticErrorZ_OK)) throw new Error(`${this.node.alias}: LDK cannot parse the invoice`);
    const invoice = parsed.res;
    const params =
      options.amountMsat !== undefined
        ? ldk.UtilMethods.constructor_payment_parameters_from_variable_amount_invoice(invoice, options.amountMsat)
        : ldk.UtilMethods.constructor_payment_parameters_from_invoice(invoice);
    if (!(params instanceof ldk.Result_C3Tuple_ThirtyTwoBytesRecipientOnionFieldsRouteParametersZNoneZ_OK)) {
      throw new Error(`${this.node.alias}: LDK refused to pay this invoice (${options.amountMsat === undefined ? 'no amount in it?' : 'it has an amount already?'})`);
    }
    const [hash, onion, route] = [params.res.get_a(), params.res.get_b(), params.res.get_c()];
    const paymentHash = hex(hash);
    return this.track(paymentHash, options.timeoutMs, (paymentId) => {
      const sent = this.node.run(() => this.node.channelManager.send_payment(hash, onion, paymentId, route, ldk.Retry.constructor_attempts(options.retries ?? 3)));
      return sent instanceof ldk.Result_NoneRetryableSendFailureZ_Err ? sendFailureName(ldk, sent.err) : undefined;
    });
  }

  /** Spontaneous payment (keysend, preimage in the final onion TLV 5482373484) to a direct peer. */
  keysend(payee: Uint8Array, amountMsat: bigint, options: { retries?: number; timeoutMs?: number; finalCltvExpiryDelta?: number } = {}): Promise<{ paymentHash: string; preimage: string }> {
    const ldk = this.node.ldk;
    const preimage = new Uint8Array(randomBytes(32));
    const paymentHash = hex(sha256(preimage));
    const route = ldk.RouteParameters.constructor_from_payment_params_and_value(
      ldk.PaymentParameters.constructor_for_keysend(payee, options.finalCltvExpiryDelta ?? 40, false),
      amountMsat,
    );
    return this.track(paymentHash, options.timeoutMs, (paymentId) => {
      const sent = this.node.run(() =>
        this.node.channelManager.send_spontaneous_payment(
          ldk.Option_ThirtyTwoBytesZ.constructor_some(preimage),
          ldk.RecipientOnionFields.constructor_spontaneous_empty(),
          paymentId,
          route,
          ldk.Retry.constructor_attempts(options.retries ?? 3),
        ),
      );
      return sent instanceof ldk.Result_ThirtyTwoBytesRetryableSendFailureZ_Err ? sendFailureName(ldk, sent.err) : undefined;
    });
  }

  /** Resolve once a payment with this hash (hex) was claimed here. */
  waitForClaimed(paymentHash: string, timeoutMs = 20_000): Promise<LdkClaimedPayment> {
    const found = (): LdkClaimedPayment | undefined => this.claimed.find((c) => c.paymentHash === paymentHash);
    const now = found();
    if (now) return Promise.resolve(now);
    return new Promise((resolve, reject) => {
      const waiters = this.claimWaiters.get(paymentHash) ?? new Set();
      this.claimWaiters.set(paymentHash, waiters);
      const done = (error?: Error): void => (clearTimeout(timer), waiters.delete(done), error ? reject(error) : resolve(found()!));
      const timer = setTimeout(() => done(new Error(`${this.node.alias}: payment ${paymentHash} not claimed within ${timeoutMs} ms\n${this.node.logs.slice(-10).join('\n')}`)), timeoutMs);
      timer.unref();
      waiters.add(done);
    });
  }

  /** Fail back every HTLC for this hash that arrives from now on (and any held one now). */
  failHtlcsFor(paymentHash: string): void {
    this.rejectHashes.add(paymentHash);
    if (this.held.delete(paymentHash)) this.node.run(() => this.node.channelManager.fail_htlc_backwards(unhex(paymentHash)));
  }

  /** Payments held under policy `hold` (hex hashes). */
  heldPayments(): string[] {
    return [...this.held.keys()];
  }

  /** Settle a held payment: claim it (if this node knows the preimage) or fail it back. */
  release(paymentHash: string, how: 'claim' | 'fail'): void {
    const held = this.held.get(paymentHash);
    if (!held) throw new Error(`${this.node.alias}: no held payment ${paymentHash}`);
    this.held.delete(paymentHash);
    if (how === 'claim' && held.preimage) this.node.run(() => this.node.channelManager.claim_funds(held.preimage!));
    else this.node.run(() => this.node.channelManager.fail_htlc_backwards(unhex(paymentHash)));
  }

  /** Every channel with its balances (see LdkChannelBalance.balanceMsat). */
  channelBalances(): LdkChannelBalance[] {
    const ldk = this.node.ldk;
    const u64 = (o: unknown): bigint | undefined => (o instanceof ldk.Option_u64Z_Some ? o.some : undefined);
    return this.node.channelManager.list_channels().map((d: ChannelDetails) => {
      const valueSat = d.get_channel_value_satoshis();
      const outboundMsat = d.get_outbound_capacity_msat();
      const inboundMsat = d.get_inbound_capacity_msat();
      const ourReserveMsat = (u64(d.get_unspendable_punishment_reserve()) ?? 0n) * 1000n;
      const theirReserveMsat = d.get_counterparty().get_unspendable_punishment_reserve() * 1000n;
      const inbound = d.get_pending_inbound_htlcs();
      const outbound = d.get_pending_outbound_htlcs();
      const sum = (htlcs: readonly { get_amount_msat(): bigint }[]): bigint => htlcs.reduce((total, h) => total + h.get_amount_msat(), 0n);
      // LDK (channel.rs get_available_balances): outbound = ours − pending out − our reserve, and
      // inbound = theirs − pending in − their reserve, each clamped at 0; read ours from the side that is not clamped.
      const balanceMsat =
        outboundMsat > 0n || inboundMsat === 0n
          ? outboundMsat + sum(outbound) + ourReserveMsat
          : valueSat * 1000n - inboundMsat - sum(inbound) - theirReserveMsat;
      const scid = u64(d.get_short_channel_id());
      const alias = u64(d.get_inbound_scid_alias());
      return {
        channelId: hex(d.get_channel_id().get_a()),
        counterparty: hex(d.get_counterparty().get_node_id()),
        ...(scid !== undefined ? { shortChannelId: scid } : {}),
        ...(alias !== undefined ? { inboundScidAlias: alias } : {}),
        valueSat,
        usable: d.get_is_usable(),
        outboundMsat,
        inboundMsat,
        balanceMsat,
        pendingHtlcs: inbound.length + outbound.length,
      };
    });
  }

  /** No HTLC pending on any channel (the commitment dances after PaymentSent/PaymentClaimed are done). */
  idle(): boolean {
    return this.node.channelManager.list_channels().every((d) => d.get_pending_inbound_htlcs().length === 0 && d.get_pending_outbound_htlcs().length === 0);
  }

  /** The node stopped or broke: every pending send and claim wait rejects with `error`. */
  abort(error: Error): void {
    for (const id of [...this.sends.keys()]) this.settle(id, (s) => s.reject(error));
    for (const waiters of this.claimWaiters.values()) for (const waiter of [...waiters]) waiter(error);
    this.claimWaiters.clear();
  }

  /** Called by LdkNode for every LDK event, outside LDK (so LDK may be called). */
  handle(event: Event): void {
    const ldk = this.node.ldk;
    const cm = this.node.channelManager;
    if (event instanceof ldk.Event_PendingHTLCsForwardable) {
      this.node.run(() => cm.process_pending_htlc_forwards());
    } else if (event instanceof ldk.Event_PaymentClaimable) {
      const paymentHash = hex(event.payment_hash);
      const purpose = event.purpose;
      const preimage =
        purpose instanceof ldk.PaymentPurpose_Bolt11InvoicePayment
          ? purpose.payment_preimage instanceof ldk.Option_ThirtyTwoBytesZ_Some
            ? purpose.payment_preimage.some
            : undefined
          : purpose instanceof ldk.PaymentPurpose_SpontaneousPayment
            ? purpose.spontaneous_payment
            : undefined;
      if (this.rejectHashes.has(paymentHash) || this.policy === 'reject' || (preimage === undefined && this.policy !== 'hold')) {
        this.node.run(() => cm.fail_htlc_backwards(event.payment_hash));
      } else if (this.policy === 'hold') {
        this.held.set(paymentHash, { paymentHash, ...(preimage ? { preimage } : {}) });
      } else {
        this.node.run(() => cm.claim_funds(preimage!));
      }
    } else if (event instanceof ldk.Event_PaymentClaimed) {
      const paymentHash = hex(event.payment_hash);
      this.claimed.push({
        paymentHash,
        amountMsat: event.amount_msat,
        purpose: event.purpose instanceof ldk.PaymentPurpose_SpontaneousPayment ? 'keysend' : 'invoice',
        parts: event.htlcs.length,
      });
      for (const waiter of [...(this.claimWaiters.get(paymentHash) ?? [])]) waiter();
      this.claimWaiters.delete(paymentHash);
    } else if (event instanceof ldk.Event_PaymentSent) {
      const paymentHash = hex(event.payment_hash);
      const fee = event.fee_paid_msat instanceof ldk.Option_u64Z_Some ? event.fee_paid_msat.some : 0n;
      const sent = { paymentHash, preimage: hex(event.payment_preimage), feeMsat: fee };
      this.sent.push(sent);
      const id = event.payment_id instanceof ldk.Option_ThirtyTwoBytesZ_Some ? hex(event.payment_id.some) : undefined;
      if (id) this.settle(id, (s) => s.resolve(sent));
    } else if (event instanceof ldk.Event_PaymentPathFailed) {
      const id = event.payment_id instanceof ldk.Option_ThirtyTwoBytesZ_Some ? hex(event.payment_id.some) : undefined;
      const scid = event.short_channel_id instanceof ldk.Option_u64Z_Some ? event.short_channel_id.some : undefined;
      const failure: LdkPathFailure = {
        paymentHash: hex(event.payment_hash),
        permanent: Boolean(event.payment_failed_permanently),
        where: event.failure instanceof ldk.PathFailure_InitialSend ? 'initial-send' : 'on-path',
        ...(scid !== undefined ? { shortChannelId: scid } : {}),
      };
      if (id) this.sends.get(id)?.failures.push(failure);
    } else if (event instanceof ldk.Event_PaymentFailed) {
      const id = hex(event.payment_id);
      const reason = event.reason instanceof ldk.Option_PaymentFailureReasonZ_Some ? failureReasonName(ldk, event.reason.some) : 'unknown';
      const pending = this.sends.get(id);
      const hash = event.payment_hash instanceof ldk.Option_ThirtyTwoBytesZ_Some ? hex(event.payment_hash.some) : (pending?.paymentHash ?? '');
      const error = new LdkPaymentError(hash, reason, pending?.failures ?? []);
      this.failed.push(error);
      this.settle(id, (s) => s.reject(error));
    } else if (event instanceof ldk.Event_HTLCHandlingFailed) {
      const d = event.failed_next_destination;
      this.handlingFailures.push({
        prevChannelId: hex(event.prev_channel_id.get_a()),
        ...(d instanceof ldk.HTLCDestination_NextHopChannel
          ? { kind: 'next-hop-channel' as const }
          : d instanceof ldk.HTLCDestination_UnknownNextHop
            ? { kind: 'unknown-next-hop' as const, scid: d.requested_forward_scid }
            : d instanceof ldk.HTLCDestination_InvalidForward
              ? { kind: 'invalid-forward' as const, scid: d.requested_forward_scid }
              : d instanceof ldk.HTLCDestination_InvalidOnion
                ? { kind: 'invalid-onion' as const }
                : d instanceof ldk.HTLCDestination_FailedPayment
                  ? { kind: 'failed-payment' as const, paymentHash: hex(d.payment_hash) }
                  : { kind: 'other' as const }),
      });
    } else if (event instanceof ldk.Event_PaymentForwarded) {
      this.forwarded++;
    }
  }

  /** Register a send under a fresh payment id, start it, and settle on its outcome. */
  private track<T extends { paymentHash: string }>(paymentHash: string, timeoutMs = 60_000, start: (paymentId: Uint8Array) => string | undefined): Promise<T> {
    const paymentId = new Uint8Array(randomBytes(32));
    const id = hex(paymentId);
    return new Promise<T>((resolve, reject) => {
      const timer = setTimeout(() => this.settle(id, (s) => s.reject(new Error(`${this.node.alias}: payment ${paymentHash} neither sent nor failed within ${timeoutMs} ms\n${this.node.logs.slice(-10).join('\n')}`))), timeoutMs);
      timer.unref();
      this.sends.set(id, {
        paymentHash,
        failures: [],
        resolve: (sent) => (clearTimeout(timer), resolve(sent as unknown as T)),
        reject: (error) => (clearTimeout(timer), reject(error)),
      });
      let refused: string | undefined;
      try {
        refused = start(paymentId);
      } catch (error) {
        this.settle(id, (s) => s.reject(error as Error));
        return;
      }
      if (refused !== undefined) {
        const error = new LdkPaymentError(paymentHash, refused.replace(/^LDKRetryableSendFailure_/, ''), []);
        this.failed.push(error);
        this.settle(id, (s) => s.reject(error));
      }
    });
  }

  private settle(id: string, how: (send: PendingSend) => void): void {
    const send = this.sends.get(id);
    if (!send) return;
    this.sends.delete(id);
    how(send);
  }
}

function failureReasonName(ldk: LdkNode['ldk'], reason: number): string {
  const name = (ldk.PaymentFailureReason as unknown as Record<number, string>)[reason];
  return name ? name.replace(/^LDKPaymentFailureReason_/, '') : `reason ${reason}`;
}

function sha256(data: Uint8Array): Uint8Array {
  return new Uint8Array(createHash('sha256').update(data).digest());
}

function sendFailureName(ldk: LdkNode['ldk'], failure: number): string {
  const name = (ldk.RetryableSendFailure as unknown as Record<number, string>)[failure];
  return name ? name.replace(/^LDKRetryableSendFailure_/, '') : `send failure ${failure}`;
}
