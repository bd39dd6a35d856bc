/**
 * App settings (UI preferences only — never keys or node state), persisted in localStorage with
 * a schema version and ordered migrations. `current` is reactive across components and, through a
 * `storage` listener, across tabs.
 */
import { createSubscriber } from 'svelte/reactivity';
import { NETWORK_NAMES, type NetworkName } from '../../workers/rpc/protocol.ts';

export interface Settings {
  /**
   * WebSocket→TCP proxy the user chose, per network: a base URL or a `{host}`/`{port}` template
   * (absent: the deployment's, from glint.config.json). Read it with `settings.proxyFor`.
   */
  proxyUrls: Partial<Record<NetworkName, string>>;
  /** The last peer URI connected to successfully, to prefill the form. */
  lastPeerUri: string;
  /** The network chosen by the user, or null for the worker's default. */
  network: NetworkName | null;
  /** Esplora base URLs the user set, per network (absent: the worker's default). */
  esploraUrls: Partial<Record<NetworkName, string>>;
  /** Networks whose wallet was created here and whose words have not been confirmed yet. */
  backupPending: NetworkName[];
  /**
   * Networks that had a wallet in this browser (no secret: only that one existed). A wallet the
   * worker no longer finds there was evicted or deleted: the app asks for a restore instead of
   * silently offering a new wallet.
   */
  walletsSeen: NetworkName[];
  /** The user confirmed, once, that Bitcoin mainnet means real money (app/components/MainnetConfirm.svelte). */
  mainnetConfirmed: boolean;
}

const KEY = 'glint.settings';
const SCHEMA_VERSION = 4;
const DEFAULTS: Settings = { proxyUrls: {}, lastPeerUri: '', network: null, esploraUrls: {}, backupPending: [], walletsSeen: [], mainnetConfirmed: false };

/** migrations[n] turns a version-n record into version n+1. */
const MIGRATIONS: Record<number, (old: Record<string, unknown>) => Record<string, unknown>> = {
  0: (old) => ({ ...old }), // unversioned → 1: same fields
  1: (old) => ({ ...old, network: null, esploraUrls: {}, backupPending: [] }), // 1 → 2: the wallet's settings
  2: (old) => ({ ...old, walletsSeen: [] }), // 2 → 3: the marker of wallets that existed here (learnt again on the next status)
  3: (old) => {
    // 3 → 4: one proxy URL becomes one per network (the network it was used on, else all of them),
    // and mainnet asks for its real-money confirmation once.
    const { proxyUrl, ...rest } = old;
    const proxyUrls: Record<string, unknown> = {};
    if (typeof proxyUrl === 'string' && proxyUrl.trim() !== '') {
      for (const n of isNetwork(old.network) ? [old.network] : NETWORK_NAMES) proxyUrls[n] = proxyUrl.trim();
    }
    return { ...rest, proxyUrls, mainnetConfirmed: false };
  },
};

const isNetwork = (v: unknown): v is NetworkName => typeof v === 'string' && (NETWORK_NAMES as readonly string[]).includes(v);

/** A per-network map of URLs, keeping only entries for known networks whose value matches `shape`. */
function urlMap(raw: unknown, shape: RegExp): Partial<Record<NetworkName, string>> {
  const urls: Partial<Record<NetworkName, string>> = {};
  if (typeof raw === 'object' && raw !== null) {
    for (const [k, v] of Object.entries(raw as Record<string, unknown>)) {
      if (isNetwork(k) && typeof v === 'string' && shape.test(v)) urls[k] = v.slice(0, 2048);
    }
  }
  return urls;
}

function coerce(raw: Record<string, unknown>): Settings {
  return {
    proxyUrls: urlMap(raw.proxyUrls, /^wss?:\/\//i),
    lastPeerUri: typeof raw.lastPeerUri === 'string' ? raw.lastPeerUri.slice(0, 600) : DEFAULTS.lastPeerUri,
    network: isNetwork(raw.network) ? raw.network : null,
    esploraUrls: urlMap(raw.esploraUrls, /^https?:\/\//i),
    backupPending: Array.isArray(raw.backupPending) ? raw.backupPending.filter(isNetwork) : [],
    walletsSeen: Array.isArray(raw.walletsSeen) ? [...new Set(raw.walletsSeen.filter(isNetwork))] : [],
    mainnetConfirmed: raw.mainnetConfirmed === true,
  };
}

function load(storage: Storage | undefined): Settings {
  try {
    const text = storage?.getItem(KEY);
    if (!text) return { ...DEFAULTS };
    const parsed: unknown = JSON.parse(text);
    if (typeof parsed !== 'object' || parsed === null) return { ...DEFAULTS };
    let record = parsed as Record<string, unknown>;
    let version = typeof record.schemaVersion === 'number' ? record.schemaVersion : 0;
    if (version > SCHEMA_VERSION) return coerce(record); // written by a newer build: read what we know
    while (version < SCHEMA_VERSION) {
      const step = MIGRATIONS[version];
      if (!step) return { ...DEFAULTS };
      record = step(record);
      version++;
    }
    return coerce(record);
  } catch {
    return { ...DEFAULTS };
  }
}

function localStore(): Storage | undefined {
  try {
    return globalThis.localStorage;
  } catch {
    return undefined; // storage disabled (e.g. some privacy modes)
  }
}

class SettingsStore {
  /** The deployment's proxy (glint.config.json, app/lib/deploy-defaults.ts): the default, never persisted. */
  deployProxy = $state('');
  #version = $state(0);
  #cache: { version: number; value: Settings } | null = null;
  readonly #subscribe = createSubscriber((update) => {
    // Another tab may have written while nothing here listened (an erase there): read afresh.
    this.#cache = null;
    const onStorage = (e: StorageEvent): void => {
      if (e.key === KEY || e.key === null) {
        this.#cache = null;
        update();
      }
    };
    addEventListener('storage', onStorage);
    return () => removeEventListener('storage', onStorage);
  });

  get current(): Settings {
    this.#subscribe();
    const version = this.#version;
    if (this.#cache?.version !== version) this.#cache = { version, value: load(localStore()) };
    return this.#cache.value;
  }

  update(patch: Partial<Settings>): void {
    const next = { ...load(localStore()), ...patch };
    try {
      localStore()?.setItem(KEY, JSON.stringify({ schemaVersion: SCHEMA_VERSION, ...next }));
    } catch {
      /* quota or disabled storage: keep working for this session */
    }
    this.#cache = { version: this.#version + 1, value: next };
    this.#version++;
  }

  /** The network in effect as the worker last reported it (WalletState), for when none was chosen. */
  activeNetwork: NetworkName | null = $state(null);

  /** The network new connections are on: the one chosen, else the one in effect. */
  get network(): NetworkName | null {
    return this.current.network ?? this.activeNetwork;
  }

  /** The proxy for new connections on `network`: the user's for it, else the deployment's. */
  proxyFor(network: NetworkName | null = this.network): string {
    return (network ? this.current.proxyUrls[network] : undefined) ?? this.deployProxy;
  }

  /**
   * Remember the proxy a connection on `network` used. Empty (a direct WebSocket peer) changes
   * nothing, nor does the deployment's own while none was chosen (it keeps following the default);
   * clearing is done in Settings. Before the network is known there is nowhere to keep it.
   */
  rememberProxy(url: string, network: NetworkName | null = this.network): void {
    const text = url.trim();
    if (!network || text === '') return;
    const urls = { ...this.current.proxyUrls };
    if (urls[network] === undefined && text === this.deployProxy) return;
    urls[network] = text;
    if (urls[network] !== this.current.proxyUrls[network]) this.update({ proxyUrls: urls });
  }
}

export const settings = new SettingsStore();
