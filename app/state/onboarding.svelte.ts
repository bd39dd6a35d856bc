/**
 * First run on a network: create a wallet (choose a passphrase → see the 24 words → confirm a
 * few by position) or restore one (words + passphrase, and optionally a channel backup file). Inline errors appear once a field is
 * left or the form submitted; the worker's rejection is shown under the field it names, and
 * nothing typed is cleared by an error.
 */
import { checkMnemonic, checkNewPassphrase } from '../lib/wallet-input.ts';
import type { WalletState } from './wallet.svelte.ts';
import { WordQuiz } from './word-quiz.svelte.ts';
import { backup as pageBackup, type BackupState } from './backup.svelte.ts';

export type OnboardingStep = 'choose' | 'create' | 'words' | 'confirm' | 'restore';

function message(err: unknown): { field: string | null; text: string } {
  const field = (err as { field?: unknown }).field;
  const text = err instanceof Error ? err.message : String(err);
  if (typeof field !== 'string') return { field: null, text };
  // `params.mnemonic: word 3 is not …` → the part after the field name, capitalised.
  const bare = text.startsWith(`${field}: `) ? text.slice(field.length + 2) : text;
  return { field, text: bare.charAt(0).toUpperCase() + bare.slice(1) };
}

export class Onboarding {
  step: OnboardingStep = $state('choose');
  passphrase = $state('');
  passphrase2 = $state('');
  mnemonic = $state('');
  touched = $state({ passphrase: false, passphrase2: false, mnemonic: false });
  submitted = $state(false);
  busy = $state(false);
  /** The worker's reason, for the field it names (or the form when it names none). */
  serverError: { field: string | null; text: string } | null = $state(null);
  /** The new words (create only), shown once and then confirmed. */
  words: string[] = $state.raw([]);
  wroteDown = $state(false);
  quiz: WordQuiz | null = $state(null);
  /** Restore: an optional channel backup file, imported once the wallet is made from the words. */
  backupFile: File | null = $state.raw(null);

  readonly #wallet: WalletState;
  readonly #backup: Pick<BackupState, 'importFile'>;
  readonly #pass = $derived(checkNewPassphrase(this.passphrase, this.passphrase2));
  readonly #words = $derived(checkMnemonic(this.mnemonic));

  constructor(wallet: WalletState, backup: Pick<BackupState, 'importFile'> = pageBackup) {
    this.#wallet = wallet;
    this.#backup = backup;
  }

  /** The file picked in the restore form (or none). */
  pickBackup(file: File | null): void {
    this.backupFile = file;
  }

  #show(field: keyof Onboarding['touched'], error: string | null): string | null {
    if (!error) return null;
    return this.submitted || this.touched[field] ? error : null;
  }

  get passphraseError(): string | null {
    return this.#show('passphrase', this.#pass.first);
  }

  get passphrase2Error(): string | null {
    if (this.#pass.first && !this.submitted) return null;
    return this.#show('passphrase2', this.#pass.second);
  }

  get mnemonicError(): string | null {
    if (this.serverError?.field === 'params.mnemonic') return this.serverError.text;
    return this.#show('mnemonic', this.#words.ok ? null : this.#words.error);
  }

  /** The worker's error that belongs to no field. */
  get formError(): string | null {
    return this.serverError && this.serverError.field !== 'params.mnemonic' ? this.serverError.text : null;
  }

  /** The words are on screen (or being confirmed): keep this flow up though the wallet is open. */
  get showingWords(): boolean {
    return this.words.length > 0 && (this.step === 'words' || this.step === 'confirm');
  }

  go(step: OnboardingStep): void {
    this.step = step;
    this.submitted = false;
    this.serverError = null;
    this.touched = { passphrase: false, passphrase2: false, mnemonic: false };
  }

  /** Typing clears the worker's verdict (it was about the old text). */
  edited(): void {
    this.serverError = null;
  }

  /** Create: returns the field to focus when something is wrong. */
  async createWallet(): Promise<'passphrase' | 'passphrase2' | null> {
    this.submitted = true;
    this.serverError = null;
    if (this.#pass.first) return 'passphrase';
    if (this.#pass.second) return 'passphrase2';
    this.busy = true;
    try {
      const words = await this.#wallet.create(this.passphrase, null);
      this.words = words ?? [];
      this.passphrase = '';
      this.passphrase2 = '';
      this.submitted = false;
      this.step = 'words';
    } catch (err) {
      this.serverError = message(err);
    } finally {
      this.busy = false;
    }
    return null;
  }

  /** From the words to the quiz. */
  startConfirm(): void {
    this.quiz = new WordQuiz(this.words, 3);
    this.step = 'confirm';
  }

  /** Check the quiz; on success the wallet screen takes over (the status is already unlocked). */
  confirmWords(): number {
    const quiz = this.quiz;
    if (!quiz) return -1;
    const wrong = quiz.submit();
    if (wrong < 0) this.finish();
    return wrong;
  }

  /** Forget the words in this page; the wallet remembers that the backup is confirmed. */
  finish(): void {
    this.#wallet.backupDone();
    this.words = [];
    this.quiz = null;
    this.wroteDown = false;
    this.step = 'choose';
  }

  /** Restore: returns the field to focus when something is wrong. */
  async restoreWallet(): Promise<'mnemonic' | 'passphrase' | 'passphrase2' | null> {
    this.submitted = true;
    this.serverError = null;
    if (!this.#words.ok) return 'mnemonic';
    if (this.#pass.first) return 'passphrase';
    if (this.#pass.second) return 'passphrase2';
    this.busy = true;
    try {
      await this.#wallet.create(this.passphrase, this.#words.value);
      this.mnemonic = '';
      this.passphrase = '';
      this.passphrase2 = '';
      // The wallet is open now: the channels of the backup go into it (the outcome, or why it was
      // refused, shows in Settings → Channel backup, where the import can be tried again).
      const file = this.backupFile;
      this.backupFile = null;
      if (file) void this.#backup.importFile(file);
    } catch (err) {
      this.serverError = message(err);
      return this.serverError.field === 'params.mnemonic' ? 'mnemonic' : null;
    } finally {
      this.busy = false;
    }
    return null;
  }
}
