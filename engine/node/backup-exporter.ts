/**
 * Automatic channel backup re-export (issue 7 item 4): after every channel open or close the
 * node writes a new backup file (engine/node/backup-codec.ts) to a `BackupSink` — the CLI's
 * `<data>/backup.glint` (write then rename), the browser's "latest backup" record
 * (backup-latest.ts) that Settings offers for download.
 *
 * What the file lists changes only when a channel gains a funding outpoint (opened) or starts
 * closing / is forgotten (closed): a `state-changed` event of a channel. On each, once every
 * channel write already submitted has completed (`idle`: the file is read from the durable
 * snapshots, never from a state not yet saved), the backup is rebuilt and compared with the last
 * one written — by its plaintext without the creation time (the fingerprint) — and sealed with a
 * fresh salt and handed to the sink only when it differs. Exports never overlap: requests made
 * while one runs fold into one more run after it.
 */
import { sha256 } from '../crypto/hash.ts';
import { equalBytes, hexToBytes } from '../lib/bytes.ts';
import { errorMessage } from '../lib/errors.ts';
import type { Clock, Entropy, KVStore, Logger } from '../ports.ts';
import type { NetworkName } from '../wire/chains.ts';
import { BACKUP_SALT_LEN, type ChannelBackup, encodeBackupPlaintext, sealBackup } from './backup-codec.ts';
import { backupFromStore } from './backup-restore.ts';

/** Where a new backup file goes. `fingerprint` identifies its content (not its salt or time). */
export interface BackupSink {
  save(file: Uint8Array, info: { readonly fingerprint: Uint8Array; readonly channels: number }): Promise<void>;
}

export interface BackupSource {
  readonly network: NetworkName;
  /** Hex node id. */
  readonly nodeId: string;
  backupSecret(): Uint8Array;
}

export interface SealedBackup {
  readonly file: Uint8Array;
  readonly fingerprint: Uint8Array;
  readonly channels: number;
}

/** The content fingerprint of a backup: SHA-256 of its plaintext with createdAtSec 0. */
export function backupFingerprint(b: ChannelBackup): Uint8Array {
  return sha256(encodeBackupPlaintext({ ...b, createdAtSec: 0 }));
}

/** Build and seal the backup of what `store` (the channel records) holds now. */
export async function sealStoreBackup(store: KVStore, source: BackupSource, clock: Clock, entropy: Entropy): Promise<SealedBackup> {
  const backup = await backupFromStore(store, { network: source.network, nodeId: hexToBytes(source.nodeId), createdAtSec: Math.floor(clock.now() / 1000) });
  const file = sealBackup(backup, source.backupSecret(), entropy.randomBytes(BACKUP_SALT_LEN));
  return { file, fingerprint: backupFingerprint(backup), channels: backup.channels.length };
}

export interface BackupExporterOptions {
  readonly store: KVStore;
  readonly source: BackupSource;
  readonly clock: Clock;
  readonly entropy: Entropy;
  readonly sink: BackupSink;
  /** Resolves once every channel write already submitted is durable (ChannelManager.idle). */
  readonly idle: () => Promise<void>;
  readonly logger: Logger;
}

export class BackupExporter {
  private readonly opts: BackupExporterOptions;
  private last: Uint8Array | undefined;
  private running: Promise<void> = Promise.resolve();
  private queued = false;

  constructor(opts: BackupExporterOptions) {
    this.opts = opts;
  }

  /** A ChannelManager event: a channel's `state-changed` (opened, closing, closed) schedules an export. */
  onChannelEvent(e: { readonly type: string; readonly event?: { readonly type: string } }): void {
    if (e.type === 'channel' && e.event?.type === 'state-changed') void this.request();
  }

  /**
   * Export if the content changed since the last export (the first call always exports).
   * Resolves when that export is done; a failure is logged (the next change tries again), never thrown.
   */
  request(): Promise<void> {
    if (this.queued) return this.running;
    this.queued = true;
    this.running = this.running.then(async () => {
      this.queued = false;
      try {
        await this.opts.idle();
        const sealed = await sealStoreBackup(this.opts.store, this.opts.source, this.opts.clock, this.opts.entropy);
        if (this.last && equalBytes(this.last, sealed.fingerprint)) return;
        await this.opts.sink.save(sealed.file, { fingerprint: sealed.fingerprint, channels: sealed.channels });
        this.last = sealed.fingerprint;
        this.opts.logger.log('info', 'channel backup written', { channels: sealed.channels });
      } catch (err) {
        this.opts.logger.log('warn', 'could not write the channel backup', { error: errorMessage(err) });
      }
    });
    return this.running;
  }

  /** Resolves when no export is running or queued. */
  async idle(): Promise<void> {
    for (;;) {
      const r = this.running;
      await r;
      if (r === this.running) return;
    }
  }
}
