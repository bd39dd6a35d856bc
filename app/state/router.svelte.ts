/**
 * Hash routing: `#/wallet`, `#/wallet/receive`, `#/wallet/send`, `#/wallet/backup`, `#/channels`, `#/peers`,
 * `#/settings`. The hash keeps the back button and reloads meaningful, and needs no server
 * rewrites (the service worker serves index.html for every navigation anyway).
 */
import { createSubscriber } from 'svelte/reactivity';
import { parseRoute, routeHref, type Route, type Tab, type WalletView } from '../lib/route.ts';

export { parseRoute, routeHref };
export type { Route, Tab, WalletView } from '../lib/route.ts';

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
