/**
 * The installable app: service worker registration (vite-plugin-pwa, generateSW) so Glint opens
 * offline, the update prompt (a new version waits until it is safe — app/lib/update-policy.ts:
 * never under an in-flight payment), the install offer (`beforeinstallprompt`, and the iOS Safari
 * hint), whether the browser is online, and a payment handed over by a share or a `bitcoin:` link.
 */
import { untrack } from 'svelte';
import { registerSW } from 'virtual:pwa-register';
import { updateAction, type UpdateAction } from '../lib/update-policy.ts';
import { showIosInstallHint } from '../lib/install-hint.ts';

/** Chromium's install offer (not in TypeScript's DOM lib). */
interface BeforeInstallPromptEvent extends Event {
  prompt(): Promise<void>;
  readonly userChoice: Promise<{ outcome: 'accepted' | 'dismissed' }>;
}

class Pwa {
  /** The shell is cached: the app will open without a network. */
  offlineReady = $state(false);
  /** A new version is downloaded and waiting. */
  needRefresh = $state(false);
  /** The new version took control of this page (the update was applied in another tab). */
  controlledByNew = $state(false);
  /** The user asked for the update (it waits for in-flight payments). */
  updateRequested = $state(false);
  error: string | null = $state(null);
  /** The browser offers to install Glint (a `beforeinstallprompt` was captured). */
  canInstall = $state(false);
  /** Installed during this visit (`appinstalled`). */
  installed = $state(false);
  /** iOS Safari, not installed: show how to add Glint to the home screen. */
  iosHint = $state(false);
  /** `navigator.onLine`, live. */
  online = $state(true);
  /** A payment text from the launch URL (share target or protocol handler), until the Send screen takes it. */
  launchPayment: string | null = $state(null);

  #update: ((reload?: boolean) => Promise<void>) | undefined;
  #installPrompt: BeforeInstallPromptEvent | null = null;
  #inFlight: () => number = () => 0;
  #skipWaitingSent = false;

  /** What the update toast shows, and whether to reload now. */
  get updateAction(): UpdateAction {
    return updateAction({ waiting: this.needRefresh, controlledByNew: this.controlledByNew, requested: this.updateRequested, inFlight: this.#inFlight() });
  }

  /** How many payments are in flight in this tab's node (reactive: read inside the effect). */
  trackInFlight(count: () => number): void {
    this.#inFlight = count;
  }

  register(): void {
    this.online = navigator.onLine;
    addEventListener('online', () => (this.online = true));
    addEventListener('offline', () => (this.online = false));
    addEventListener('beforeinstallprompt', (e) => {
      e.preventDefault();
      this.#installPrompt = e as BeforeInstallPromptEvent;
      this.canInstall = true;
    });
    addEventListener('appinstalled', () => {
      this.#installPrompt = null;
      this.canInstall = false;
      this.installed = true;
      this.iosHint = false;
    });
    const standalone = matchMedia('(display-mode: standalone)').matches || (navigator as { standalone?: boolean }).standalone === true;
    this.iosHint = showIosInstallHint({ userAgent: navigator.userAgent, maxTouchPoints: navigator.maxTouchPoints, standalone });

    // Apply the update the moment the policy allows it (a payment settling can be that moment).
    $effect.root(() => {
      $effect(() => {
        if (this.updateAction === 'apply') untrack(() => this.#apply());
      });
    });

    if (!('serviceWorker' in navigator)) return;
    this.#update = registerSW({
      immediate: true,
      onOfflineReady: () => {
        this.offlineReady = true;
      },
      onNeedRefresh: () => {
        this.needRefresh = true;
      },
      // The new worker controls the page now. Without this hook the plugin would reload at once,
      // even under a payment; the policy reloads when nothing is in flight.
      onNeedReload: () => {
        this.controlledByNew = true;
      },
      onRegisterError: (err: unknown) => {
        this.error = err instanceof Error ? err.message : String(err);
      },
    });
  }

  /** The user's "Reload" / "Update after the payment finishes": applied by the effect when allowed. */
  update(): void {
    this.updateRequested = true;
  }

  /** Not now: the waiting version activates when every Glint tab has closed. */
  dismiss(): void {
    this.needRefresh = false;
    this.updateRequested = false;
  }

  #apply(): void {
    // Checked again at the last moment: the effect and this call are one tick apart.
    if (this.#inFlight() > 0) return;
    if (this.controlledByNew) {
      location.reload();
      return;
    }
    // Skip waiting (once); the new worker takes control and `onNeedReload` brings us back here to reload.
    if (this.#skipWaitingSent) return;
    this.#skipWaitingSent = true;
    void this.#update?.(true);
  }

  /** Show the browser's install dialog (once per offer). */
  async install(): Promise<void> {
    const offer = this.#installPrompt;
    if (!offer) return;
    this.#installPrompt = null;
    this.canInstall = false;
    await offer.prompt();
    const choice = await offer.userChoice;
    // Accepted: `appinstalled` follows. Dismissed: the browser may offer again later.
    if (choice.outcome === 'accepted') this.installed = true;
  }

  /** The Send screen takes the launch payment once. */
  takeLaunchPayment(): string | null {
    const text = this.launchPayment;
    this.launchPayment = null;
    return text;
  }
}

export const pwa = new Pwa();
