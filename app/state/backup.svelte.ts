/**
 * The channel backup in the app (issue 7 item 4): Settings shows whether the node's newest backup
 * (re-exported at start and after every channel open or close) changed since the last download
 * and downloads it (a `.glint` file: encrypted with a key from the recovery words, it lists the
 * peers, channel ids, funding outpoints and basepoints; no secret, no channel state). The
 * onboarding restore, and Settings, import a backup file into a wallet made from the same words:
 * each channel becomes "recovering" and its peer is asked to force-close.
 *
 * One instance for the page (`backup`), attached to the RPC client by main.ts.
 */
import type { RpcClient } from '../../workers/rpc/client.ts';
import { MAX_BACKUP_BYTES, base64ToBytes, bytesToBase64, type BackupStatusDto } from '../../workers/rpc/protocol.ts';
import { asSentence } from '../lib/rpc-error.ts';

/** The page's way to save a file (an `<a download>` click); replaced in tests. */
export type SaveFile = (bytes: Uint8Array, fileName: string, type?: string) => void;

/** Save `bytes` as a download named `fileName` (also the log view's "Download as text"). */
export function saveWithLink(bytes: Uint8Array, fileName: string, type = 'application/octet-stream'): void {
  const url = URL.createObjectURL(new Blob([bytes as BlobPart], { type }));
  const a = document.createElement('a');
  a.href = url;
  a.download = fileName;
  a.rel = 'noopener';
  document.body.append(a);
  a.click();
  a.remove();
  setTimeout(() => URL.revokeObjectURL(url), 10_000);
}

const text = (err: unknown): string => asSentence(err instanceof Error ? err.message : String(err));

export class BackupState {
  status: BackupStatusDto | null = $state.raw(null);
  busy = $state(false);
  error: string | null = $state(null);
  /** The last download: its file name and how many channels it lists. */
  downloaded: { fileName: string; channels: number } | null = $state.raw(null);
  importBusy = $state(false);
  importError: string | null = $state(null);
  /** Channel ids the last import wrote as recovering. */
  imported: string[] | null = $state.raw(null);

  #client: RpcClient | null = null;
  #unsubscribe: (() => void) | null = null;
  readonly #save: SaveFile;

  constructor(save: SaveFile = saveWithLink) {
    this.#save = save;
  }

  /** Follow `client`: a channel that changes may have changed the backup. */
  attach(client: RpcClient): void {
    this.#unsubscribe?.();
    this.#client = client;
    this.#unsubscribe = client.subscribe((e) => {
      if (e.type === 'channel.changed') void this.refresh();
    });
  }

  #rpc(): RpcClient {
    if (!this.#client) throw new Error('the node is not connected');
    return this.#client;
  }

  /** Read the backup's status (quietly: a locked wallet has none). */
  async refresh(): Promise<void> {
    try {
      this.status = await this.#rpc().request('backup.status', {});
    } catch {
      this.status = null;
    }
  }

  /** Download the newest backup file. */
  async download(): Promise<void> {
    if (this.busy) return;
    this.busy = true;
    this.error = null;
    try {
      const r = await this.#rpc().request('backup.download', {});
      this.#save(base64ToBytes(r.file), r.fileName);
      this.downloaded = { fileName: r.fileName, channels: r.channels };
      await this.refresh();
    } catch (err) {
      this.error = text(err);
    } finally {
      this.busy = false;
    }
  }

  /** Import `file` (a File from an `<input type=file>`, or its bytes) into the unlocked wallet. */
  async importFile(file: Blob | Uint8Array): Promise<boolean> {
    this.importBusy = true;
    this.importError = null;
    this.imported = null;
    try {
      const bytes = file instanceof Uint8Array ? file : new Uint8Array(await file.arrayBuffer());
      if (bytes.length === 0) throw new Error('the file is empty');
      if (bytes.length > MAX_BACKUP_BYTES) throw new Error('the file is too large to be a Glint channel backup');
      const r = await this.#rpc().request('backup.import', { file: bytesToBase64(bytes) });
      this.imported = r.recovering;
      await this.refresh();
      return true;
    } catch (err) {
      this.importError = text(err);
      return false;
    } finally {
      this.importBusy = false;
    }
  }
}

export const backup = new BackupState();
