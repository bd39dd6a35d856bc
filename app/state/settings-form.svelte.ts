/**
 * The Settings screen's chain section: the network, its Esplora server and its WebSocket proxy.
 * Saved values are remembered per network in localStorage (the Esplora URL is also sent to the
 * worker); an empty field means the default: the worker's Esplora default for that network
 * (engine/chain/defaults.ts or glint.config.json), the deployment's proxy (glint.config.json).
 */
import type { NetworkName } from '../../workers/rpc/protocol.ts';
import { checkEsploraUrl } from '../lib/wallet-input.ts';
import { checkProxyUrl } from '../lib/peer-input.ts';
import { settings } from './settings.svelte.ts';
import type { WalletState } from './wallet.svelte.ts';

export class SettingsForm {
  touched = $state(false);
  proxyTouched = $state(false);
  busy = $state(false);
  saved = $state(false);
  serverError: string | null = $state(null);
  /** What the user picked / typed; null follows what is in effect (the status may arrive later). */
  #picked: NetworkName | null = $state(null);
  #url: string | null = $state(null);
  #proxy: string | null = $state(null);

  readonly #wallet: WalletState;
  readonly #check = $derived(this.esploraUrl.trim() === '' ? null : checkEsploraUrl(this.esploraUrl, typeof location === 'undefined' ? 'https:' : location.protocol));
  readonly #proxyCheck = $derived(checkProxyUrl(this.proxyUrl, false));

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
    this.#proxy = null;
    this.saved = false;
    this.serverError = null;
  }

  get esploraUrl(): string {
    return this.#url ?? settings.current.esploraUrls[this.network] ?? '';
  }
  set esploraUrl(v: string) {
    this.#url = v;
  }

  /** The proxy typed, else the one saved for the network shown ('' follows the deployment's). */
  get proxyUrl(): string {
    return this.#proxy ?? settings.current.proxyUrls[this.network] ?? '';
  }
  set proxyUrl(v: string) {
    this.#proxy = v;
  }

  /** The deployment's proxy (glint.config.json), used when the field is empty; '' when none. */
  get defaultProxy(): string {
    return settings.deployProxy;
  }

  get proxyError(): string | null {
    if (this.#proxyCheck.ok) return null;
    return this.touched || this.proxyTouched ? this.#proxyCheck.error : null;
  }

  edited(): void {
    this.saved = false;
    this.serverError = null;
  }

  /** The default Esplora URL for the network shown, as the worker reports it (null until it has). */
  get defaultUrl(): string | null {
    const s = this.#wallet.status;
    if (!s) return null;
    return s.defaultEsploraUrls?.[this.network] ?? (s.network === this.network ? s.defaultEsploraUrl : null);
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
    if (!this.#proxyCheck.ok) return false;
    this.busy = true;
    try {
      const url = this.#check ? this.#check.value : null;
      const proxy = this.#proxyCheck.value ?? '';
      const proxies = { ...settings.current.proxyUrls };
      if (proxy === '') delete proxies[this.network];
      else proxies[this.network] = proxy;
      settings.update({ proxyUrls: proxies });
      await this.#wallet.applySettings(this.network, url);
      this.#picked = null;
      this.#url = null;
      this.#proxy = null;
      this.touched = false;
      this.proxyTouched = false;
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
