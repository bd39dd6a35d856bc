/**
 * Pay over Lightning: a pasted invoice (or `lightning:` / BIP21 URI with `lightning=`) → the node
 * decodes it (BOLT 11, signature checked) → review: amount (or an amount field for an any-amount
 * invoice), payee, description, expiry (an expired invoice is refused), the fee estimate → Pay
 * (once: the button is disabled while paying, and the node pays a payment hash at most once) →
 * "Sending…" with the payment hash → succeeded (amount, fee, preimage), failed (the reason in
 * words), or still pending (in flight; its HTLC's deadline block). The `payment` push event for
 * the hash settles a pending result live.
 */
import type { DecodedInvoiceDto, FeeEstimateDto, PaymentDto, PayResultDto } from '../../workers/rpc/protocol.ts';
import { checkLightningAmount } from '../lib/payment-input.ts';
import { paymentOutcome, type LightningOutcome } from '../lib/payment-outcome.ts';
import { errorParts, type ErrorParts } from '../lib/rpc-error.ts';
import type { PaymentsState } from './payments.svelte.ts';

export type { LightningOutcome } from '../lib/payment-outcome.ts';

export type LightningStep = 'idle' | 'review' | 'paying' | 'done';
export type LightningField = 'invoice' | 'amount' | 'maxFee';

const FIELD_OF: Record<string, LightningField> = {
  'params.text': 'invoice',
  'params.bolt11': 'invoice',
  'params.amountMsat': 'amount',
  'params.maxFeeMsat': 'maxFee',
};

export class LightningSend {
  step: LightningStep = $state('idle');
  decoding = $state(false);
  invoice: DecodedInvoiceDto | null = $state.raw(null);
  /** For an any-amount invoice: what to pay, in sats. */
  amount = $state('');
  amountTouched = $state(false);
  /** Optional limit on the routing fee, in sats (empty: the node's default). */
  maxFee = $state('');
  estimate: FeeEstimateDto | null = $state.raw(null);
  estimateError: string | null = $state(null);
  estimating = $state(false);
  result: PayResultDto | null = $state.raw(null);
  serverError: ErrorParts<LightningField> | null = $state.raw(null);

  readonly #payments: PaymentsState;
  #estimateFor = '';
  /** The payment's record as it was when Pay was pressed (see `outcome`). */
  #recordAtStart: PaymentDto | undefined = undefined;
  readonly #amount = $derived(this.invoice?.amountMsat !== undefined ? null : checkLightningAmount(this.amount));
  readonly #maxFee = $derived(this.maxFee.trim() === '' ? null : checkLightningAmount(this.maxFee));

  constructor(payments: PaymentsState) {
    this.#payments = payments;
  }

  /** The invoice names no amount: the payer chooses. */
  get anyAmount(): boolean {
    return this.invoice !== null && this.invoice.amountMsat === undefined;
  }

  /** What the payee gets: the invoice's amount, or the one typed for an any-amount invoice. */
  get amountMsat(): bigint | null {
    const inv = this.invoice;
    if (!inv) return null;
    if (inv.amountMsat !== undefined) return BigInt(inv.amountMsat);
    return this.#amount?.ok ? this.#amount.value : null;
  }

  get invoiceError(): string | null {
    return this.serverError?.field === 'invoice' ? this.serverError.text : null;
  }

  get amountError(): string | null {
    if (this.serverError?.field === 'amount') return this.serverError.text;
    const a = this.#amount;
    return a && !a.ok && this.amountTouched ? a.error : null;
  }

  get maxFeeError(): string | null {
    if (this.serverError?.field === 'maxFee') return this.serverError.text;
    const m = this.#maxFee;
    return m && !m.ok ? m.error : null;
  }

  get formError(): string | null {
    return this.serverError && (this.serverError.field === null || (this.serverError.field === 'invoice' && this.step !== 'idle')) ? this.serverError.text : null;
  }

  /** Expired by the wall clock (or by the worker's at decode time). */
  expired(nowSec: number): boolean {
    const inv = this.invoice;
    return inv !== null && (inv.expired || nowSec >= inv.expiresAtSec);
  }

  /** The node's record of this payment, live (push events). */
  get payment(): PaymentDto | undefined {
    const hash = this.result?.paymentHash ?? this.invoice?.paymentHash;
    return hash ? this.#payments.outgoing(hash) : undefined;
  }

  /**
   * Where the payment stands: the pay call's answer, overtaken by the record's push events when
   * those say it settled (a `pending` answer becomes succeeded or failed live).
   */
  get outcome(): LightningOutcome | null {
    // While paying, only what the node said since this attempt started counts (an earlier failed
    // attempt's record is still there until the first push of this one).
    const record = this.step === 'paying' && this.payment === this.#recordAtStart ? undefined : this.payment;
    return paymentOutcome(this.result, record, this.step === 'paying', this.amountMsat);
  }

  /** Decode `text` (already classified as Lightning) and show the review; false when it was refused. */
  async review(text: string): Promise<boolean> {
    if (this.decoding) return false;
    this.decoding = true;
    this.serverError = null;
    try {
      const invoice = await this.#payments.decode(text);
      if (this.invoice?.bolt11 !== invoice.bolt11) {
        this.amount = '';
        this.amountTouched = false;
        this.estimate = null;
        this.estimateError = null;
        this.#estimateFor = '';
      }
      this.invoice = invoice;
      this.result = null;
      this.step = 'review';
    } catch (err) {
      this.serverError = errorParts(err, FIELD_OF);
      const text = this.serverError.text;
      if (this.serverError.field === null) this.serverError = { field: 'invoice', text: text.charAt(0).toUpperCase() + text.slice(1) };
      return false;
    } finally {
      this.decoding = false;
    }
    void this.refreshEstimate();
    return true;
  }

  /** Ask the node what the fee would be (again when the amount of an any-amount invoice changes). */
  async refreshEstimate(): Promise<void> {
    const inv = this.invoice;
    const amount = this.amountMsat;
    if (!inv || (this.anyAmount && amount === null)) return;
    const key = `${inv.bolt11}:${amount ?? ''}`;
    if (key === this.#estimateFor) return;
    this.#estimateFor = key;
    this.estimating = true;
    try {
      const e = await this.#payments.estimateFee(inv.bolt11, this.anyAmount && amount !== null ? amount : undefined);
      if (key !== this.#estimateFor) return;
      this.estimate = e;
      this.estimateError = null;
    } catch (err) {
      if (key !== this.#estimateFor) return;
      this.estimate = null;
      this.estimateError = errorParts(err, FIELD_OF).text;
    } finally {
      if (key === this.#estimateFor) this.estimating = false;
    }
  }

  /** Any edit drops the worker's verdict on the old input. */
  edited(): void {
    this.serverError = null;
  }

  /** Pay the reviewed invoice, once. Returns the field to focus when something is wrong. */
  async pay(nowSec: number): Promise<LightningField | null> {
    const inv = this.invoice;
    if (!inv || this.step !== 'review') return null;
    this.serverError = null;
    this.amountTouched = true;
    if (this.expired(nowSec)) {
      this.serverError = { field: null, text: 'This invoice has expired: ask the payee for a new one.' };
      return null;
    }
    const amount = this.amountMsat;
    if (amount === null) return 'amount';
    const maxFee = this.#maxFee;
    if (maxFee && !maxFee.ok) return 'maxFee';
    this.#recordAtStart = this.payment;
    this.step = 'paying';
    try {
      this.result = await this.#payments.pay(inv.bolt11, {
        ...(this.anyAmount ? { amountMsat: amount } : {}),
        ...(maxFee ? { maxFeeMsat: maxFee.value } : {}),
      });
      this.step = 'done';
    } catch (err) {
      this.serverError = errorParts(err, FIELD_OF);
      // Refused before any money moved (a field error) or the call failed: back to the review.
      this.step = 'review';
      return this.serverError.field;
    }
    return null;
  }

  /** After a failure: the review again, for another attempt (the node allows one once a payment failed). */
  retry(): void {
    if (this.step !== 'done' || this.outcome?.status !== 'failed') return;
    this.result = null;
    this.serverError = null;
    this.step = 'review';
  }

  /** Back to the text field (the invoice text stays as pasted). */
  back(): void {
    if (this.step === 'paying') return;
    this.step = 'idle';
    this.serverError = null;
  }

  /** Start over for another payment. */
  reset(): void {
    this.step = 'idle';
    this.invoice = null;
    this.amount = '';
    this.amountTouched = false;
    this.maxFee = '';
    this.estimate = null;
    this.estimateError = null;
    this.#estimateFor = '';
    this.result = null;
    this.serverError = null;
  }
}
