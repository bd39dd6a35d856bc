/** Hash routes of the app (pure; app/state/router.svelte.ts makes them reactive). */

export type Tab = 'wallet' | 'channels' | 'peers' | 'settings';
export type WalletView = 'home' | 'receive' | 'send' | 'backup';
/** `log`: the node's log for support, `#/settings/log`. */
export type SettingsView = 'main' | 'log';
export interface Route {
  tab: Tab;
  view: WalletView;
  settings: SettingsView;
}

const WALLET_VIEWS: readonly WalletView[] = ['home', 'receive', 'send', 'backup'];

export function parseRoute(hash: string): Route {
  const parts = hash.replace(/^#\/?/, '').split('/').filter(Boolean);
  const tab = parts[0] === 'channels' || parts[0] === 'peers' || parts[0] === 'settings' ? parts[0] : 'wallet';
  const view = tab === 'wallet' && WALLET_VIEWS.includes(parts[1] as WalletView) ? (parts[1] as WalletView) : 'home';
  const settings: SettingsView = tab === 'settings' && parts[1] === 'log' ? 'log' : 'main';
  return { tab, view, settings };
}

export function routeHref(tab: Tab, view: WalletView = 'home'): string {
  return tab === 'wallet' && view !== 'home' ? `#/wallet/${view}` : `#/${tab}`;
}

/** The log view's address. */
export const LOG_HREF = '#/settings/log';
