/**
 * The Settings screen's chain section: the network and its Esplora server. Saved values are
 * remembered in localStorage and sent to the worker; an empty URL means the default.
 */
import type { NetworkName } from '../../workers/rpc/protocol.ts';
import { checkEsploraUrl } from '../lib/wallet-input.ts';
import { settings } from './settings.svelte.ts';
import type { WalletState } from './wallet.svelte.ts';

export class SettingsForm {
  touched = $state(false);
  busy = $state(false);
  saved = $state(false);
  serverError: string | null = $state(null);
  /** What the user picked / typed; null follows what is in effect (the status may arrive later). */
  #picked: NetworkName | null = $state(null);
  #url: string | null = $state(null);

  readonly #wallet: WalletState;
  readonly #check = $derived(this.esploraUrl.trim() === '' ? null : checkEsploraUrl(this.esploraUrl, typeof location === 'undefined' ? 'https:' : location.protocol));

  constructor(wallet: WalletState) {
    this.#wallet = wallet;
  }

  get network(): NetworkName {
    return this.#picked ?? this.#wallet.status?.network ?? settings.current.network ?? 'signet';
  }

  /** Picking another network shows the URL remembered for it. */
  pickNetwork(n: NetworkName): void {
    this.#picked = n;
    this.#url = null;
    this.saved = false;
    this.serverError = null;
  }

  get esploraUrl(): string {
    return this.#url ?? settings.current.esploraUrls[this.network] ?? '';
  }
  set esploraUrl(v: string) {
    this.#url = v;
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

  async save(): Promise<boolean> {
    // The worker has not reported what is in use yet: the form would save guesses.
    if (this.#wallet.status === null) return false;
    this.touched = true;
    this.serverError = null;
    if (this.#check && !this.#check.ok) return false;
    this.busy = true;
    try {
      const url = this.#check ? this.#check.value : null;
      await this.#wallet.applySettings(this.network, url);
      this.#picked = null;
      this.#url = null;
      this.touched = false;
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
