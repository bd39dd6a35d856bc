/**
 * Hash routing: `#/wallet`, `#/wallet/receive`, `#/wallet/send`, `#/wallet/backup`, `#/peers`,
 * `#/settings`. The hash keeps the back button and reloads meaningful, and needs no server
 * rewrites (the service worker serves index.html for every navigation anyway).
 */
import { createSubscriber } from 'svelte/reactivity';

export type Tab = 'wallet' | 'peers' | 'settings';
export type WalletView = 'home' | 'receive' | 'send' | 'backup';
export interface Route {
  tab: Tab;
  view: WalletView;
}

const WALLET_VIEWS: readonly WalletView[] = ['home', 'receive', 'send', 'backup'];

export function parseRoute(hash: string): Route {
  const parts = hash.replace(/^#\/?/, '').split('/').filter(Boolean);
  const tab = parts[0] === 'peers' || parts[0] === 'settings' ? parts[0] : 'wallet';
  const view = tab === 'wallet' && WALLET_VIEWS.includes(parts[1] as WalletView) ? (parts[1] as WalletView) : 'home';
  return { tab, view };
}

export function routeHref(tab: Tab, view: WalletView = 'home'): string {
  return tab === 'wallet' && view !== 'home' ? `#/wallet/${view}` : `#/${tab}`;
}

class Router {
  readonly #subscribe = createSubscriber((update) => {
    addEventListener('hashchange', update);
    return () => removeEventListener('hashchange', update);
  });

  get route(): Route {
    this.#subscribe();
    return parseRoute(location.hash);
  }

  go(tab: Tab, view: WalletView = 'home'): void {
    const href = routeHref(tab, view);
    if (location.hash !== href) location.hash = href;
  }
}

export const router = new Router();
