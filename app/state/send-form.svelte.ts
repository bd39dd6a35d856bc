/**
 * Send on-chain: address, amount (or "max"), fee choice (fast / normal / slow from the worker's
 * estimates, or a custom sat/vB) → review (amount, fee, total, address: built by the worker,
 * nothing signed yet) → confirm (sign and broadcast). Inline checks catch the obvious; the
 * worker's rejection lands on the field it names. Going back from review keeps every input.
 */
import type { FeeRatesDto, PreparedSendDto } from '../../workers/rpc/protocol.ts';
import { checkAddress, checkAmount, checkFeeRate } from '../lib/wallet-input.ts';
import type { WalletState } from './wallet.svelte.ts';

export type FeeChoice = 'fast' | 'normal' | 'slow' | 'custom';
export type SendStep = 'edit' | 'review' | 'sent';
type Field = 'to' | 'amount' | 'fee';

const FIELD_OF: Record<string, Field> = { 'params.to': 'to', 'params.amountSat': 'amount', 'params.feeRate': 'fee' };

function parts(err: unknown): { field: Field | null; text: string } {
  const raw = (err as { field?: unknown }).field;
  const text = err instanceof Error ? err.message : String(err);
  if (typeof raw !== 'string') return { field: null, text };
  const bare = text.startsWith(`${raw}: `) ? text.slice(raw.length + 2) : text;
  return { field: FIELD_OF[raw] ?? null, text: bare.charAt(0).toUpperCase() + bare.slice(1) };
}

export class SendForm {
  step: SendStep = $state('edit');
  to = $state('');
  amount = $state('');
  max = $state(false);
  fee: FeeChoice = $state('normal');
  customFee = $state('');
  rates: FeeRatesDto | null = $state.raw(null);
  ratesError: string | null = $state(null);
  touched = $state({ to: false, amount: false, fee: false });
  submitted = $state(false);
  busy = $state(false);
  serverError: { field: Field | null; text: string } | null = $state(null);
  prepared: PreparedSendDto | null = $state.raw(null);
  txid: string | null = $state(null);

  readonly #wallet: WalletState;
  readonly #network = $derived.by(() => this.#walletNetwork());
  readonly #to = $derived(checkAddress(this.to, this.#network));
  readonly #amount = $derived(checkAmount(this.amount, this.#balance()));
  readonly #custom = $derived(checkFeeRate(this.customFee));

  constructor(wallet: WalletState) {
    this.#wallet = wallet;
  }

  #walletNetwork(): NonNullable<WalletState['status']>['network'] {
    return this.#wallet.status?.network ?? 'bitcoin';
  }

  #balance(): bigint | null {
    return this.#wallet.spendableSat;
  }

  async loadRates(): Promise<void> {
    try {
      this.rates = await this.#wallet.feeRates();
      this.ratesError = null;
    } catch (err) {
      this.ratesError = err instanceof Error ? err.message : String(err);
      if (this.fee !== 'custom') this.fee = 'custom';
    }
  }

  #show(field: Field, error: string | null): string | null {
    if (this.serverError?.field === field) return this.serverError.text;
    if (!error) return null;
    return this.submitted || this.touched[field] ? error : null;
  }

  get toError(): string | null {
    return this.#show('to', this.#to.ok ? null : this.#to.error);
  }

  get amountError(): string | null {
    if (this.max) return this.serverError?.field === 'amount' ? this.serverError.text : null;
    return this.#show('amount', this.#amount.ok ? null : this.#amount.error);
  }

  get feeError(): string | null {
    if (this.fee !== 'custom') return this.serverError?.field === 'fee' ? this.serverError.text : null;
    return this.#show('fee', this.#custom.ok ? null : this.#custom.error);
  }

  get formError(): string | null {
    return this.serverError && this.serverError.field === null ? this.serverError.text : null;
  }

  /** The chosen rate in sat/vB, when known. */
  get feeRate(): number | null {
    if (this.fee === 'custom') return this.#custom.ok ? this.#custom.value : null;
    return this.rates ? this.rates[this.fee] : null;
  }

  /** Any edit drops the worker's verdict on the old input. */
  edited(): void {
    this.serverError = null;
  }

  toggleMax(): void {
    this.max = !this.max;
    this.serverError = null;
  }

  /** Validate and ask the worker to build the transaction; returns the field to focus. */
  async review(): Promise<Field | null> {
    this.submitted = true;
    this.serverError = null;
    if (!this.#to.ok) return 'to';
    if (!this.max && !this.#amount.ok) return 'amount';
    const rate = this.feeRate;
    if (rate === null) return 'fee';
    this.busy = true;
    try {
      this.prepared = await this.#wallet.prepareSend(this.#to.value, this.max ? 'max' : (this.#amount as { value: bigint }).value, rate);
      this.step = 'review';
    } catch (err) {
      this.serverError = parts(err);
      return this.serverError.field;
    } finally {
      this.busy = false;
    }
    return null;
  }

  /** Back to the form, everything as typed. */
  edit(): void {
    this.step = 'edit';
    this.prepared = null;
  }

  async confirm(): Promise<void> {
    const p = this.prepared;
    if (!p || this.busy) return;
    this.busy = true;
    this.serverError = null;
    try {
      this.txid = await this.#wallet.confirmSend(p.id);
      this.step = 'sent';
    } catch (err) {
      this.serverError = { field: null, text: parts(err).text };
    } finally {
      this.busy = false;
    }
  }

  /** Start over for another payment. */
  reset(): void {
    this.step = 'edit';
    this.to = '';
    this.amount = '';
    this.max = false;
    this.customFee = '';
    this.touched = { to: false, amount: false, fee: false };
    this.submitted = false;
    this.serverError = null;
    this.prepared = null;
    this.txid = null;
  }
}
