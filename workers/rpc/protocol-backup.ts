/**
 * The `backup.*` methods of the worker RPC (issue 7 item 4): the channel backup file
 * (engine/node/backup-codec.ts — encrypted with a key from the seed; peers, channel ids, funding
 * outpoints, basepoints; no secret, no channel state) as the app's Settings downloads it, and
 * its import when a wallet is restored from its words. The file crosses as base64 text.
 */
import { boolean, fail, nullable, number, shape, string } from './protocol-fields.ts';

/** Backup files are a few hundred bytes a channel; this bounds one well past 65 535 channels. */
export const MAX_BACKUP_BYTES = 48 * 1024 * 1024;
export const MAX_BACKUP_BASE64 = (MAX_BACKUP_BYTES / 3) * 4;
const BASE64 = /^[A-Za-z0-9+/]*={0,2}$/;

export interface BackupStatusDto {
  /** The node has written a backup (it does at start, and after every channel open or close). */
  available: boolean;
  /** Channels the newest backup lists. */
  channels: number;
  /** When the newest backup was written (ms since the epoch), null when none. */
  savedAt: number | null;
  /** The newest backup lists other channels than the last one downloaded (or none was downloaded). */
  changedSinceDownload: boolean;
}

export interface BackupMethods {
  /** Where the channel backup stands (Settings prompts for a download when it changed). */
  'backup.status': { params: Record<string, never>; result: BackupStatusDto };
  /** The newest backup file, marked downloaded; `fileName` suggests a name to save it under. */
  'backup.download': { params: Record<string, never>; result: { file: string; fileName: string; channels: number } };
  /**
   * Restore the channels of a backup file into the unlocked wallet, made from the same words:
   * each becomes "recovering" and its peer is asked to force-close. Refused (nothing written)
   * for another wallet's or a corrupted file, or a channel this wallet already has.
   */
  'backup.import': { params: { file: string }; result: { recovering: string[] } };
}

function base64(v: unknown, field: string): string {
  const s = string(v, field, MAX_BACKUP_BASE64);
  if (s.length === 0 || s.length % 4 !== 0 || !BASE64.test(s)) fail(field, 'must be base64 text');
  return s;
}

export const BACKUP_PARAMS: { [M in keyof BackupMethods]: (v: unknown) => BackupMethods[M]['params'] } = {
  'backup.status': (v) => (shape(v, 'params', []), {}),
  'backup.download': (v) => (shape(v, 'params', []), {}),
  'backup.import': (v) => ({ file: base64(shape(v, 'params', ['file']).file, 'params.file') }),
};

export const BACKUP_RESULTS: { [M in keyof BackupMethods]: (v: unknown) => BackupMethods[M]['result'] } = {
  'backup.status': (v) => {
    const o = shape(v, 'result', ['available', 'channels', 'savedAt', 'changedSinceDownload']);
    return {
      available: boolean(o.available, 'result.available'),
      channels: number(o.channels, 'result.channels', 0, 0xffff, true),
      savedAt: nullable(o.savedAt, (x) => number(x, 'result.savedAt', 0, Number.MAX_SAFE_INTEGER, true)),
      changedSinceDownload: boolean(o.changedSinceDownload, 'result.changedSinceDownload'),
    };
  },
  'backup.download': (v) => {
    const o = shape(v, 'result', ['file', 'fileName', 'channels']);
    return { file: base64(o.file, 'result.file'), fileName: string(o.fileName, 'result.fileName', 200), channels: number(o.channels, 'result.channels', 0, 0xffff, true) };
  },
  'backup.import': (v) => {
    const o = shape(v, 'result', ['recovering']);
    if (!Array.isArray(o.recovering)) return fail('result.recovering', 'expected an array');
    return { recovering: o.recovering.map((id, i) => string(id, `result.recovering[${i}]`, 64)) };
  },
};

/** Bytes → base64 (btoa, in both the worker and the page). */
export function bytesToBase64(bytes: Uint8Array): string {
  let bin = '';
  for (let i = 0; i < bytes.length; i += 0x8000) bin += String.fromCharCode(...bytes.subarray(i, i + 0x8000));
  return btoa(bin);
}

/** base64 → bytes (already checked by the validators above). */
export function base64ToBytes(text: string): Uint8Array {
  const bin = atob(text);
  const out = new Uint8Array(bin.length);
  for (let i = 0; i < bin.length; i++) out[i] = bin.charCodeAt(i);
  return out;
}
