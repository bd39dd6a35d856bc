/**
 * Settings → "Erase this wallet from this device": the form and what it shows before anything is
 * deleted. The screen lists the on-chain balance and every channel that still holds funds (open,
 * opening, closing, or closed with outputs left to sweep), says that their funds are lost without
 * a channel backup file (with the recovery words, the backup gets each peer asked to force-close
 * and our share swept back on-chain), and offers the backup's export right there. Erasing needs
 * the passphrase (the worker checks it), the typed confirmation word, and with channels that hold
 * funds a second explicit acknowledgement; a payment in flight blocks it (the worker refuses too,
 * workers/erase-host.ts, with the same rules from workers/rpc/protocol-erase.ts).
 */
import { ERASE_CONFIRM_WORD, channelHoldsFunds, paymentInFlight, type ChannelDto, type EraseParams, type PaymentDto, type WalletSnapshotDto } from '../../workers/rpc/protocol.ts';
import { errorParts } from '../lib/rpc-error.ts';

export interface EraseDeps {
  /** The wallet's balance, null until known. */
  snapshot(): WalletSnapshotDto | null;
  channels(): readonly ChannelDto[];
  payments(): readonly PaymentDto[];
  /** Ask the worker to erase (WalletState.erase); resolves once the wallet is gone. */
  erase(params: EraseParams): Promise<void>;
}

type EraseField = 'passphrase' | 'acknowledge' | 'confirm';
const FIELDS: Readonly<Record<string, EraseField>> = { 'params.passphrase': 'passphrase', 'params.acknowledgeChannels': 'acknowledge', 'params.confirm': 'confirm' };

export class EraseForm {
  /** The form is shown (after "Erase this wallet…"). */
  open = $state(false);
  passphrase = $state('');
  confirmWord = $state('');
  /** The second acknowledgement, for channels that still hold funds. */
  acknowledged = $state(false);
  busy = $state(false);
  passphraseError: string | null = $state(null);
  acknowledgeError: string | null = $state(null);
  error: string | null = $state(null);
  readonly #deps: EraseDeps;

  constructor(deps: EraseDeps) {
    this.#deps = deps;
  }

  static readonly WORD = ERASE_CONFIRM_WORD;

  /** Channels whose funds are lost without a channel backup. */
  get atRisk(): ChannelDto[] {
    return this.#deps.channels().filter(channelHoldsFunds);
  }

  /** Our side of those channels (msat). */
  get channelMsat(): bigint {
    return this.atRisk.reduce((sum, c) => sum + BigInt(c.localMsat), 0n);
  }

  /** On-chain funds, confirmed or not (sat), null until known. */
  get onchainSat(): bigint | null {
    const b = this.#deps.snapshot()?.balance;
    return b ? BigInt(b.confirmedSat) + BigInt(b.unconfirmedSat) : null;
  }

  get inFlight(): number {
    return this.#deps.payments().filter(paymentInFlight).length;
  }

  get wordTyped(): boolean {
    return this.confirmWord.trim().toLowerCase() === ERASE_CONFIRM_WORD;
  }

  /** Everything the user must do has been done (the worker checks again). */
  get ready(): boolean {
    return !this.busy && this.inFlight === 0 && this.passphrase !== '' && this.wordTyped && (this.atRisk.length === 0 || this.acknowledged);
  }

  start(): void {
    this.open = true;
  }

  /** Close the form and forget what was typed. */
  cancel(): void {
    this.open = false;
    this.passphrase = '';
    this.confirmWord = '';
    this.acknowledged = false;
    this.passphraseError = this.acknowledgeError = this.error = null;
  }

  edited(): void {
    this.passphraseError = this.acknowledgeError = this.error = null;
  }

  /** Erase; resolves true once the wallet is gone, false with the reason shown where it belongs. */
  async submit(): Promise<boolean> {
    if (this.busy) return false;
    this.edited();
    if (this.inFlight > 0) {
      this.error = 'A payment is in flight: wait until it succeeds or fails, then erase.';
      return false;
    }
    if (this.passphrase === '') this.passphraseError = 'Enter your passphrase.';
    if (this.atRisk.length > 0 && !this.acknowledged) this.acknowledgeError = 'Tick this to confirm that you understand what is lost.';
    if (!this.wordTyped) this.error = `Type “${ERASE_CONFIRM_WORD}” to confirm.`;
    if (this.passphraseError || this.acknowledgeError || this.error) return false;
    this.busy = true;
    try {
      await this.#deps.erase({ passphrase: this.passphrase, confirm: ERASE_CONFIRM_WORD, acknowledgeChannels: this.acknowledged });
      this.cancel();
      return true;
    } catch (err) {
      const { field, text } = errorParts(err, FIELDS);
      if (field === 'passphrase') this.passphraseError = text;
      else if (field === 'acknowledge') this.acknowledgeError = text;
      else this.error = text;
      return false;
    } finally {
      this.busy = false;
    }
  }
}
