/**
 * Receive over Lightning: amount in sats (empty: the payer chooses), an optional description and
 * the expiry → the node creates a BOLT 11 invoice (its preimage and payment secret stay in the
 * worker) → shown as a QR code and text, with a countdown to its expiry; "Paid" as soon as the
 * node's `payment` event for its hash says succeeded. Lives as long as the wallet screen, so an
 * invoice being shown survives moving between screens.
 */
import type { PaymentDto } from '../../workers/rpc/protocol.ts';
import { checkDescription, checkLightningAmount, DEFAULT_EXPIRY_SEC, invoiceQrValue, unifiedQrValue } from '../lib/payment-input.ts';
import { errorParts, type ErrorParts } from '../lib/rpc-error.ts';
import type { Checked } from '../lib/peer-input.ts';
import type { PaymentsState } from './payments.svelte.ts';

export type ReceiveField = 'amount' | 'description' | 'expiry';

const FIELD_OF: Record<string, ReceiveField> = {
  'params.amountMsat': 'amount',
  'params.description': 'description',
  'params.expirySec': 'expiry',
};

/** An invoice we created, as the screen shows it. */
export interface ShownInvoice {
  readonly bolt11: string;
  readonly paymentHash: string;
  /** Null: any amount. */
  readonly amountMsat: bigint | null;
  readonly description: string;
  readonly expiresAtSec: number;
}

export class LightningReceiveForm {
  amount = $state('');
  description = $state('');
  expirySec: number = $state(DEFAULT_EXPIRY_SEC);
  touched = $state({ amount: false, description: false });
  submitted = $state(false);
  busy = $state(false);
  serverError: ErrorParts<ReceiveField> | null = $state.raw(null);
  invoice: ShownInvoice | null = $state.raw(null);

  readonly #payments: PaymentsState;
  readonly #nowSec: () => number;
  /** Empty is fine: an any-amount invoice. */
  readonly #amount = $derived<Checked<bigint | null>>(this.amount.trim() === '' ? { ok: true, value: null } : checkLightningAmount(this.amount));
  readonly #description = $derived(checkDescription(this.description));

  /** `nowSec` is the wall clock (seconds), for the expiry when the worker does not give it back. */
  constructor(payments: PaymentsState, nowSec: () => number) {
    this.#payments = payments;
    this.#nowSec = nowSec;
  }

  #show(field: ReceiveField, error: string | null): string | null {
    if (this.serverError?.field === field) return this.serverError.text;
    if (!error || field === 'expiry') return error;
    return this.submitted || this.touched[field] ? error : null;
  }

  get amountError(): string | null {
    return this.#show('amount', this.#amount.ok ? null : this.#amount.error);
  }

  get descriptionError(): string | null {
    return this.#show('description', this.#description.ok ? null : this.#description.error);
  }

  get expiryError(): string | null {
    return this.#show('expiry', null);
  }

  get formError(): string | null {
    return this.serverError && this.serverError.field === null ? this.serverError.text : null;
  }

  /** What the QR code encodes. */
  get qrValue(): string | null {
    return this.invoice ? invoiceQrValue(this.invoice.bolt11) : null;
  }

  /** The unified QR's text (BIP21 with `lightning=`) with this on-chain address, once there is an invoice. */
  unifiedValue(address: string): string | null {
    return this.invoice ? unifiedQrValue(address, this.invoice.bolt11, this.invoice.amountMsat) : null;
  }

  /** The node's record of the invoice's payment, live. */
  get payment(): PaymentDto | undefined {
    const inv = this.invoice;
    return inv ? this.#payments.incoming(inv.paymentHash) : undefined;
  }

  get paid(): boolean {
    return this.payment?.status === 'succeeded';
  }

  /** What was received, once paid. */
  get paidMsat(): bigint | null {
    const p = this.payment;
    return p?.status === 'succeeded' ? BigInt(p.amountMsat) : null;
  }

  /** Seconds until the invoice expires (≤ 0: expired). */
  secondsLeft(nowSec: number): number {
    return this.invoice ? this.invoice.expiresAtSec - nowSec : 0;
  }

  /** Any edit drops the worker's verdict on the old input. */
  edited(): void {
    this.serverError = null;
  }

  /** Validate and have the node create the invoice; returns the field to focus on a problem. */
  async create(): Promise<ReceiveField | null> {
    if (this.busy) return null;
    this.submitted = true;
    this.serverError = null;
    const amount = this.#amount;
    const description = this.#description;
    if (!amount.ok) return 'amount';
    if (!description.ok) return 'description';
    this.busy = true;
    try {
      const expirySec = this.expirySec;
      const created = await this.#payments.createInvoice({
        ...(amount.value !== null ? { amountMsat: amount.value } : {}),
        ...(description.value !== '' ? { description: description.value } : {}),
        expirySec,
      });
      const fallbackExpiry = this.#nowSec() + expirySec;
      this.invoice = { ...created, amountMsat: amount.value, description: description.value, expiresAtSec: fallbackExpiry };
      // The invoice's own timestamp + expiry (BOLT 11), as the node wrote it.
      try {
        const decoded = await this.#payments.decode(created.bolt11);
        if (this.invoice?.paymentHash === created.paymentHash) this.invoice = { ...this.invoice, expiresAtSec: decoded.expiresAtSec };
      } catch {
        // Keep the local estimate; the invoice itself is fine.
      }
    } catch (err) {
      this.serverError = errorParts(err, FIELD_OF);
      return this.serverError.field;
    } finally {
      this.busy = false;
    }
    return null;
  }

  /** Back to the form for another invoice (the amount and description are kept to edit). */
  another(): void {
    this.invoice = null;
    this.submitted = false;
    this.serverError = null;
  }

  /** Start over with an empty form. */
  reset(): void {
    this.another();
    this.amount = '';
    this.description = '';
    this.expirySec = DEFAULT_EXPIRY_SEC;
    this.touched = { amount: false, description: false };
  }
}
