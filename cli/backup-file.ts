/**
 * The CLI's channel backup file: `<data>/backup.glint`, rewritten by the node after every channel
 * open or close (engine/node/backup-exporter.ts) and by `glint backup export`. Written to a
 * temporary file in the same directory, flushed to disk, then renamed over the old one (and the
 * directory flushed), so a crash leaves either the old file or the new one, never half of one.
 */
import { open, rename, rm } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import type { BackupSink } from '../engine/index.ts';

export const BACKUP_FILE_NAME = 'backup.glint';

export function defaultBackupPath(dir: string): string {
  return join(dir, BACKUP_FILE_NAME);
}

/** Write `bytes` to `path` atomically (mode 0600). */
export async function writeFileAtomic(path: string, bytes: Uint8Array): Promise<void> {
  const tmp = `${path}.${process.pid}.tmp`;
  const fh = await open(tmp, 'w', 0o600);
  try {
    await fh.writeFile(bytes);
    await fh.sync();
  } catch (err) {
    await fh.close().catch(() => {});
    await rm(tmp, { force: true });
    throw err;
  }
  await fh.close();
  try {
    await rename(tmp, path);
  } catch (err) {
    await rm(tmp, { force: true });
    throw err;
  }
  // The rename itself is durable once the directory is flushed (not possible on every platform).
  const d = await open(dirname(path), 'r').catch(() => undefined);
  if (d) await d.sync().catch(() => {}).finally(() => d.close());
}

/** The node's automatic re-export into `<dir>/backup.glint`. */
export function fileBackupSink(dir: string): BackupSink {
  const path = defaultBackupPath(dir);
  return { save: (file) => writeFileAtomic(path, file) };
}
