/** Hash routes of the app (pure; app/state/router.svelte.ts makes them reactive). */

export type Tab = 'wallet' | 'channels' | 'peers' | 'settings';
export type WalletView = 'home' | 'receive' | 'send' | 'backup' | 'activity' | 'scan';
export interface Route {
  tab: Tab;
  view: WalletView;
  /** `#/wallet/activity/<id>`: the activity item shown in detail (app/lib/activity.ts ids); absent otherwise. */
  item?: string;
  /** `#/settings/log`: the node's log for support; absent otherwise. */
  settings?: 'log';
}

const WALLET_VIEWS: readonly WalletView[] = ['home', 'receive', 'send', 'backup', 'activity', 'scan'];

export function parseRoute(hash: string): Route {
  const parts = hash.replace(/^#\/?/, '').split('/').filter(Boolean);
  const tab = parts[0] === 'channels' || parts[0] === 'peers' || parts[0] === 'settings' ? parts[0] : 'wallet';
  const view = tab === 'wallet' && WALLET_VIEWS.includes(parts[1] as WalletView) ? (parts[1] as WalletView) : 'home';
  if (tab === 'settings' && parts[1] === 'log') return { tab, view, settings: 'log' };
  const item = view === 'activity' && parts[2] !== undefined && /^[a-z0-9-]{1,80}$/.test(parts[2]) ? parts[2] : null;
  return item !== null ? { tab, view, item } : { tab, view };
}

export function routeHref(tab: Tab, view: WalletView = 'home', item: string | null = null): string {
  if (tab !== 'wallet' || view === 'home') return `#/${tab}`;
  return view === 'activity' && item !== null ? `#/wallet/activity/${item}` : `#/wallet/${view}`;
}

/** The log view's address. */
export const LOG_HREF = '#/settings/log';
