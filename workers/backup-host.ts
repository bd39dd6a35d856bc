/**
 * The `backup.*` RPC methods in the worker (issue 7 item 4). The running node re-exports the
 * channel backup into the wallet's store at start and after every channel open or close
 * (engine/node/backup-latest.ts `storeBackupSink`, wired in wallet-backend.ts); Settings reads
 * its status, downloads it (which clears the "changed since the last download" mark), and the
 * onboarding restore imports a file into a wallet just made from the same words: the node is
 * stopped, the channels written as recovering (engine `importBackupFile`), and the node started
 * again, so it loads them, redials their peers and gets each to force-close.
 */
import { importBackupFile, markBackupDownloaded, readLatestBackup, sealStoreBackup, type BackupImporter, type Clock, type Entropy, type KVStore } from '../engine/index.ts';
import { base64ToBytes, bytesToBase64, type BackupStatusDto } from './rpc/protocol-backup.ts';

/** What the host needs of the open wallet (the engine's WalletService satisfies it). */
export interface BackupWallet extends BackupImporter {
  channelStore(): KVStore;
}

export interface BackupHostOptions {
  /** The open wallet, or null while none is unlocked. */
  wallet(): { wallet: BackupWallet } | null;
  /** Stop the Lightning node (before writing channels under it) … */
  stopNode(): Promise<void>;
  /** … and start it again on the open wallet. */
  startNode(): void;
  clock: Clock;
  entropy: Entropy;
}

export class BackupHost {
  readonly #o: BackupHostOptions;

  constructor(options: BackupHostOptions) {
    this.#o = options;
  }

  #open(): { wallet: BackupWallet } {
    const w = this.#o.wallet();
    if (!w) throw new Error('the channel backup needs an unlocked wallet: unlock it first');
    return w;
  }

  async status(): Promise<BackupStatusDto> {
    const latest = await readLatestBackup(this.#open().wallet.channelStore());
    return latest
      ? { available: true, channels: latest.channels, savedAt: latest.savedAtMs, changedSinceDownload: latest.changedSinceDownload }
      : { available: false, channels: 0, savedAt: null, changedSinceDownload: false };
  }

  /** The newest backup (sealed now if the node has written none yet), marked downloaded. */
  async download(): Promise<{ file: string; fileName: string; channels: number }> {
    const { wallet } = this.#open();
    const store = wallet.channelStore();
    const latest = await readLatestBackup(store);
    const day = new Date(this.#o.clock.now()).toISOString().slice(0, 10);
    const fileName = `glint-${wallet.network}-${wallet.nodeId.slice(0, 8)}-${day}.glint`;
    if (!latest) {
      const sealed = await sealStoreBackup(store, wallet, this.#o.clock, this.#o.entropy);
      return { file: bytesToBase64(sealed.file), fileName, channels: sealed.channels };
    }
    await markBackupDownloaded(store, latest.fingerprint);
    return { file: bytesToBase64(latest.file), fileName, channels: latest.channels };
  }

  async import(file: string): Promise<{ recovering: string[] }> {
    const { wallet } = this.#open();
    await this.#o.stopNode();
    try {
      const r = await importBackupFile(wallet.channelStore(), base64ToBytes(file), wallet);
      return { recovering: r.recovering };
    } finally {
      // Started again either way: on a refusal nothing was written and the node runs as before.
      if (this.#o.wallet()?.wallet === wallet) this.#o.startNode();
    }
  }
}
