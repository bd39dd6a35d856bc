/**
 * Service worker registration (vite-plugin-pwa, generateSW): the app shell is precached so Glint
 * opens offline. A new version waits until the user chooses to reload — a running node is never
 * restarted under them.
 */
import { registerSW } from 'virtual:pwa-register';

class Pwa {
  /** The shell is cached: the app will open without a network. */
  offlineReady = $state(false);
  /** A new version is downloaded and waiting. */
  needRefresh = $state(false);
  error: string | null = $state(null);
  #update: ((reload?: boolean) => Promise<void>) | undefined;

  register(): void {
    if (!('serviceWorker' in navigator)) return;
    this.#update = registerSW({
      immediate: true,
      onOfflineReady: () => {
        this.offlineReady = true;
      },
      onNeedRefresh: () => {
        this.needRefresh = true;
      },
      onRegisterError: (err: unknown) => {
        this.error = err instanceof Error ? err.message : String(err);
      },
    });
  }

  /** Activate the waiting version and reload. */
  async update(): Promise<void> {
    await this.#update?.(true);
  }

  /** Not now: the waiting version activates when every Glint tab has closed. */
  dismiss(): void {
    this.needRefresh = false;
  }
}

export const pwa = new Pwa();
