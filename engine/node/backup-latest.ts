/**
 * The browser's copy of the newest channel backup file (issue 7 item 4): where there is no
 * data directory to write `backup.glint` into, the node keeps the latest automatic export in
 * the encrypted store (`node/backup-latest`) and marks whether it changed since the user last
 * downloaded it, so Settings can prompt "download your new backup" after a channel open or close.
 *
 * Record v1: u8 flags (bit 0: changed since the last download) · u32 channel count ·
 * fingerprint (32, backup-exporter.ts `backupFingerprint`) · u64 savedAtMs · u32 + file bytes.
 */
import { equalBytes } from '../lib/bytes.ts';
import type { Clock, KVStore } from '../ports.ts';
import { RecordCodec } from '../store/records.ts';
import { ByteReader } from '../wire/reader.ts';
import { ByteWriter } from '../wire/writer.ts';
import type { BackupSink } from './backup-exporter.ts';

export const LATEST_BACKUP_KEY = 'node/backup-latest';

export interface LatestBackup {
  readonly file: Uint8Array;
  readonly fingerprint: Uint8Array;
  readonly channels: number;
  readonly savedAtMs: number;
  /** The content changed since the user last downloaded a backup (or none was ever downloaded). */
  readonly changedSinceDownload: boolean;
}

const codec = new RecordCodec<LatestBackup>({
  name: LATEST_BACKUP_KEY,
  version: 1,
  encode: (b) =>
    new ByteWriter()
      .u8(b.changedSinceDownload ? 1 : 0)
      .u32(b.channels)
      .bytes(b.fingerprint)
      .u64(BigInt(b.savedAtMs))
      .u32(b.file.length)
      .bytes(b.file)
      .finish(),
  decode: (body) => {
    const r = new ByteReader(body);
    const flags = r.u8('flags');
    const channels = r.u32('channels');
    const fingerprint = r.take(32, 'fingerprint');
    const savedAtMs = Number(r.u64('savedAtMs'));
    const file = r.take(r.u32('file.length'), 'file');
    if (!r.done) throw new Error('trailing bytes');
    return { file, fingerprint, channels, savedAtMs, changedSinceDownload: (flags & 1) === 1 };
  },
});

export async function readLatestBackup(store: KVStore): Promise<LatestBackup | undefined> {
  const bytes = await store.get(LATEST_BACKUP_KEY);
  return bytes ? codec.decode(bytes) : undefined;
}

/**
 * A BackupSink keeping the newest file in `store`. A file whose content (fingerprint) equals the
 * stored one keeps the stored download mark; a new content is marked changed when it lists a
 * channel (one that lists none has nothing to recover).
 */
export function storeBackupSink(store: KVStore, clock: Clock): BackupSink {
  return {
    async save(file, info) {
      const prev = await readLatestBackup(store);
      const same = prev !== undefined && equalBytes(prev.fingerprint, info.fingerprint);
      if (same) return;
      // A backup that lists no channel recovers nothing: no need to ask for its download.
      const next: LatestBackup = { file, fingerprint: info.fingerprint, channels: info.channels, savedAtMs: clock.now(), changedSinceDownload: info.channels > 0 };
      await store.write({ put: [[LATEST_BACKUP_KEY, codec.encode(next)]] });
    },
  };
}

/** The user downloaded `latest` (the same fingerprint is still stored): clear its changed mark. */
export async function markBackupDownloaded(store: KVStore, fingerprint: Uint8Array): Promise<void> {
  const cur = await readLatestBackup(store);
  if (!cur || !equalBytes(cur.fingerprint, fingerprint) || !cur.changedSinceDownload) return;
  await store.write({ put: [[LATEST_BACKUP_KEY, codec.encode({ ...cur, changedSinceDownload: false })]] });
}
