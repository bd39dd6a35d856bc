/**
 * Settings → Security: show the recovery words behind the passphrase, and lock the wallet now.
 *
 * The words come from the worker's `wallet.backup`, which decrypts them again with the typed
 * passphrase (a wrong one is refused there, on `params.passphrase`): the UI never holds them
 * otherwise (DESIGN rule 6). They stay in this object only while shown; `hide()` drops them, and
 * so do leaving the screen and locking.
 */
import type { WalletState } from './wallet.svelte.ts';
import { PassphrasePrompt } from './unlock-form.svelte.ts';
import { asSentence } from '../lib/rpc-error.ts';

export class SecuritySettings {
  words: string[] = $state.raw([]);
  readonly prompt: PassphrasePrompt;
  lockBusy = $state(false);
  lockError: string | null = $state(null);
  readonly #wallet: Pick<WalletState, 'backup' | 'lock'>;

  constructor(wallet: Pick<WalletState, 'backup' | 'lock'>) {
    this.#wallet = wallet;
    this.prompt = new PassphrasePrompt(async (passphrase) => {
      this.words = (await this.#wallet.backup(passphrase)).words;
    });
  }

  get shown(): boolean {
    return this.words.length > 0;
  }

  /** Ask the worker for the words; resolves false (the reason on the field) when refused. */
  reveal(): Promise<boolean> {
    return this.prompt.submit();
  }

  hide(): void {
    this.words = [];
    this.prompt.passphrase = '';
    this.prompt.error = null;
  }

  /** Lock the wallet: the worker closes it; resolves true once locked. */
  async lock(): Promise<boolean> {
    if (this.lockBusy) return false;
    this.hide();
    this.lockBusy = true;
    this.lockError = null;
    try {
      await this.#wallet.lock();
      return true;
    } catch (err) {
      this.lockError = asSentence(err instanceof Error ? err.message : String(err));
      return false;
    } finally {
      this.lockBusy = false;
    }
  }
}
