/**
 * The passphrase prompt (unlock, and the backup screen's re-check). A wrong passphrase is a
 * clear inline message on the field; the typed text stays, selected, ready to be retyped.
 */

/** Turn the worker's error into the line shown under the passphrase field. */
export function passphraseMessage(err: unknown): string {
  const field = (err as { field?: unknown }).field;
  if (field === 'params.passphrase' && err instanceof Error && /wrong passphrase/i.test(err.message)) return 'Wrong passphrase. Check it and try again.';
  return err instanceof Error ? err.message : String(err);
}

export class PassphrasePrompt {
  passphrase = $state('');
  error: string | null = $state(null);
  busy = $state(false);
  readonly #action: (passphrase: string) => Promise<void>;

  constructor(action: (passphrase: string) => Promise<void>) {
    this.#action = action;
  }

  edited(): void {
    this.error = null;
  }

  /** Resolves true on success; false leaves the error on the field. */
  async submit(): Promise<boolean> {
    if (this.busy) return false;
    if (this.passphrase === '') {
      this.error = 'Enter your passphrase.';
      return false;
    }
    this.busy = true;
    this.error = null;
    try {
      await this.#action(this.passphrase);
      this.passphrase = '';
      return true;
    } catch (err) {
      this.error = passphraseMessage(err);
      return false;
    } finally {
      this.busy = false;
    }
  }
}
