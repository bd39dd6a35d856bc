/**
 * The on-chain wallet as the UI sees it: status (none / locked / unlocked, network, Esplora),
 * the balance and sync state, and the history — `$state.raw` snapshots replaced on every worker
 * event. Words and the passphrase pass through here only on their way to and from the worker;
 * nothing secret is kept.
 */
import type { RpcClient } from '../../workers/rpc/client.ts';
import type {
  EraseParams,
  FaucetResultDto,
  FeeRatesDto,
  NetworkName,
  NodeEvent,
  NodeInfoDto,
  PreparedSendDto,
  WalletSnapshotDto,
  WalletStatusDto,
  WalletTxDto,
} from '../../workers/rpc/protocol.ts';
import { settings } from './settings.svelte.ts';
import { durability } from './storage.svelte.ts';

const message = (err: unknown): string => (err instanceof Error ? err.message : String(err));

export class WalletState {
  /** Null until the worker has answered. */
  status: WalletStatusDto | null = $state.raw(null);
  snapshot: WalletSnapshotDto | null = $state.raw(null);
  history: WalletTxDto[] = $state.raw([]);
  /** The worker could not be asked (node not running here, or an RPC failure). */
  loadError: string | null = $state(null);
  /** A manual "sync now" is running. */
  refreshing = $state(false);

  readonly #client: RpcClient;
  readonly #unsubscribe: () => void;
  /** Settles when the first `start` has told the worker the settings (or given up). */
  readonly #started: Promise<void>;
  #markStarted!: () => void;

  constructor(client: RpcClient) {
    this.#client = client;
    this.#unsubscribe = client.subscribe((e) => this.#onEvent(e));
    this.#started = new Promise((resolve) => (this.#markStarted = resolve));
  }

  /**
   * The network whose encrypted wallet this browser held when last seen (the network is pinned
   * when a wallet is made, and marked seen once the worker reported it), or null. Before the
   * worker answers, the unlock screen is shown for it, so the passphrase can be typed while the
   * worker loads (cold-start, issue 9); the worker's answer then decides what stays.
   */
  get expectedLockedNetwork(): NetworkName | null {
    if (this.status !== null || this.loadError !== null) return null;
    const { network, walletsSeen } = settings.current;
    return network !== null && walletsSeen.includes(network) ? network : null;
  }

  get state(): WalletStatusDto['state'] | 'loading' {
    return this.status?.state ?? 'loading';
  }

  /** What a send may use now, for the "more than your balance" check. */
  get spendableSat(): bigint | null {
    const b = this.snapshot?.balance;
    return b ? BigInt(b.spendableSat) : null;
  }

  /** The words of this network's wallet were shown but not confirmed yet. */
  get backupPending(): boolean {
    const n = this.status?.network;
    return n !== undefined && settings.current.backupPending.includes(n);
  }

  /** Send the remembered settings to the worker and learn the wallet's state. */
  /** `info`: the node's status when it changed later (another tab handed it over); else wait for `ready`. */
  async start(known?: NodeInfoDto): Promise<void> {
    try {
      await this.#start(known);
    } finally {
      this.#markStarted();
    }
  }

  async #start(known?: NodeInfoDto): Promise<void> {
    try {
      const info = known ?? (await this.#client.ready());
      if (info.status !== 'running') return;
      const s = settings.current;
      const network = s.network;
      const status = await this.#client.request('settings.set', { network, esploraUrl: network ? (s.esploraUrls[network] ?? null) : null });
      // The worker's default network is what null meant; the Esplora URL remembered for it applies.
      const remembered = s.esploraUrls[status.network] ?? null;
      this.#setStatus(remembered && remembered !== status.esploraUrl ? await this.#client.request('settings.set', { network: status.network, esploraUrl: remembered }) : status);
    } catch (err) {
      this.loadError = message(err);
    }
  }

  /** Remember and apply the network and Esplora URL (null: the default). */
  async applySettings(network: NetworkName, esploraUrl: string | null): Promise<void> {
    const s = settings.current;
    const urls = { ...s.esploraUrls };
    if (esploraUrl === null) delete urls[network];
    else urls[network] = esploraUrl;
    settings.update({ network, esploraUrls: urls });
    this.#setStatus(await this.#client.request('settings.set', { network, esploraUrl }));
  }

  /** Create (mnemonic null) or restore; resolves with the new words on create. */
  async create(passphrase: string, mnemonic: string | null): Promise<string[] | null> {
    const { status, words } = await this.#client.request('wallet.create', { passphrase, mnemonic });
    this.#pinNetwork(status.network);
    if (words) settings.update({ backupPending: [...new Set([...settings.current.backupPending, status.network])] });
    this.#setStatus(status);
    // The browser may evict a site's storage under pressure unless asked to keep it: ask now.
    void durability.request();
    return words;
  }

  /**
   * This network's wallet existed in this browser (the marker in settings) but the worker finds
   * none: the browser evicted (or someone deleted) its database. Restore, never a silent new wallet.
   */
  get evicted(): boolean {
    const s = this.status;
    return s !== null && s.state === 'none' && settings.current.walletsSeen.includes(s.network);
  }

  /** The user chose to start over instead of restoring: forget that this network had a wallet. */
  forgetEvicted(): void {
    const n = this.status?.network;
    if (n) settings.update({ walletsSeen: settings.current.walletsSeen.filter((x) => x !== n), backupPending: settings.current.backupPending.filter((x) => x !== n) });
  }

  /** The user has written the words down and proved it. */
  backupDone(): void {
    const n = this.status?.network;
    if (n) settings.update({ backupPending: settings.current.backupPending.filter((x) => x !== n) });
  }

  /** A passphrase typed before the worker answered waits until the worker has the settings (its network). */
  async unlock(passphrase: string): Promise<void> {
    await this.#started;
    this.#setStatus(await this.#client.request('wallet.unlock', { passphrase }));
  }

  async lock(): Promise<void> {
    this.#setStatus(await this.#client.request('wallet.lock', {}));
  }

  /** Erase this network's wallet from this browser (Settings); its markers go too, so no restore is asked for. */
  async erase(params: EraseParams): Promise<void> {
    this.#setStatus(await this.#client.request('wallet.erase', params));
    this.forgetEvicted();
  }

  backup(passphrase: string): Promise<{ words: string[] }> {
    return this.#client.request('wallet.backup', { passphrase });
  }

  /** Sync now and reload the history. */
  async refresh(): Promise<void> {
    if (this.refreshing) return;
    this.refreshing = true;
    try {
      this.snapshot = await this.#client.request('wallet.sync', {});
      await this.#loadHistory();
    } catch (err) {
      this.loadError = message(err);
    } finally {
      this.refreshing = false;
    }
  }

  async address(): Promise<string> {
    return (await this.#client.request('wallet.address', {})).address;
  }

  feeRates(): Promise<FeeRatesDto> {
    return this.#client.request('wallet.feeRates', {});
  }

  prepareSend(to: string, amountSat: bigint | 'max', feeRate: number): Promise<PreparedSendDto> {
    return this.#client.request('wallet.prepareSend', { to, amountSat: amountSat === 'max' ? 'max' : amountSat.toString(), feeRate });
  }

  async confirmSend(id: string): Promise<string> {
    const { txid } = await this.#client.request('wallet.confirmSend', { id });
    return txid;
  }

  /** Regtest: have the Esplora server's faucet pay the current receive address (the worker syncs after). */
  faucet(amountSat: bigint): Promise<FaucetResultDto> {
    return this.#client.request('wallet.faucet', { amountSat: amountSat.toString() });
  }

  destroy(): void {
    this.#unsubscribe();
  }

  /** A wallet now exists on `network`: keep using it after a reload even if the default changes. */
  #pinNetwork(network: NetworkName): void {
    if (settings.current.network !== network) settings.update({ network });
  }

  #setStatus(status: WalletStatusDto): void {
    const was = this.status?.state;
    this.status = status;
    settings.activeNetwork = status.network;
    if (status.state !== 'none' && !settings.current.walletsSeen.includes(status.network)) {
      settings.update({ walletsSeen: [...settings.current.walletsSeen, status.network] });
    }
    this.loadError = null;
    if (status.state !== 'unlocked') {
      this.snapshot = null;
      this.history = [];
    } else if (was !== 'unlocked') {
      void this.#loadAll();
    }
  }

  async #loadAll(): Promise<void> {
    try {
      this.snapshot = await this.#client.request('wallet.balance', {});
      await this.#loadHistory();
    } catch (err) {
      this.loadError = message(err);
    }
  }

  async #loadHistory(): Promise<void> {
    this.history = await this.#client.request('wallet.history', {});
  }

  #onEvent(e: NodeEvent): void {
    if (e.type === 'wallet.status') {
      this.#setStatus(e.status);
    } else if (e.type === 'wallet.changed') {
      if (this.status?.state !== 'unlocked') return;
      this.snapshot = e.wallet;
      void this.#loadHistory().catch(() => {});
    }
  }
}
