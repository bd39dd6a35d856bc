/**
 * The Settings screen's chain section: the network and its Esplora server. Saved values are
 * remembered in localStorage and sent to the worker; an empty URL means the default.
 */
import type { NetworkName } from '../../workers/rpc/protocol.ts';
import { checkEsploraUrl } from '../lib/wallet-input.ts';
import { settings } from './settings.svelte.ts';
import type { WalletState } from './wallet.svelte.ts';

export class SettingsForm {
  network: NetworkName = $state('signet');
  esploraUrl = $state('');
  touched = $state(false);
  busy = $state(false);
  saved = $state(false);
  serverError: string | null = $state(null);

  readonly #wallet: WalletState;
  readonly #check = $derived(this.esploraUrl.trim() === '' ? null : checkEsploraUrl(this.esploraUrl, typeof location === 'undefined' ? 'https:' : location.protocol));

  constructor(wallet: WalletState) {
    this.#wallet = wallet;
    this.reset();
  }

  /** Fill the form from what is in effect. */
  reset(): void {
    const status = this.#wallet.status;
    this.network = status?.network ?? settings.current.network ?? 'signet';
    this.esploraUrl = settings.current.esploraUrls[this.network] ?? '';
    this.touched = false;
    this.serverError = null;
  }

  /** Picking another network shows the URL remembered for it. */
  pickNetwork(n: NetworkName): void {
    this.network = n;
    this.esploraUrl = settings.current.esploraUrls[n] ?? '';
    this.saved = false;
    this.serverError = null;
  }

  edited(): void {
    this.saved = false;
    this.serverError = null;
  }

  /** The default URL for the network shown (known for the wallet's current network). */
  get defaultUrl(): string | null {
    const s = this.#wallet.status;
    return s && s.network === this.network ? s.defaultEsploraUrl : null;
  }

  get urlError(): string | null {
    if (this.serverError) return this.serverError;
    if (!this.#check || this.#check.ok) return null;
    return this.touched ? this.#check.error : null;
  }

  get switchesWallet(): boolean {
    const s = this.#wallet.status;
    return s !== null && s.network !== this.network;
  }

  get dirty(): boolean {
    const s = this.#wallet.status;
    const remembered = settings.current.esploraUrls[this.network] ?? '';
    return s === null || s.network !== this.network || remembered !== this.esploraUrl.trim();
  }

  async save(): Promise<boolean> {
    this.touched = true;
    this.serverError = null;
    if (this.#check && !this.#check.ok) return false;
    this.busy = true;
    try {
      await this.#wallet.applySettings(this.network, this.#check ? this.#check.value : null);
      this.esploraUrl = this.#check ? this.#check.value : '';
      this.saved = true;
      return true;
    } catch (err) {
      this.serverError = err instanceof Error ? err.message : String(err);
      return false;
    } finally {
      this.busy = false;
    }
  }
}
