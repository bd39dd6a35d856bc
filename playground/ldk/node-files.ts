/**
 * An `LdkNode`'s state in a directory, so a playground node (`npm start -- --data <dir>`) comes
 * back with the same keys and channels:
 *
 *   <dir>/seed                     the 32-byte KeysManager seed (written once)
 *   <dir>/manager                  u8 version (1) | ChannelManager.write()
 *   <dir>/monitors/<txid>_<vout>   u8 version (1) | ChannelMonitor.write(), per funding outpoint
 *                                  (txid in LDK's byte order, as node.ts keys them)
 *   <dir>/archived/<txid>_<vout>   monitors LDK archived (closed channels, nothing left to claim)
 *
 * Every write is synchronous and durable before it returns: temp file, fsync, rename over the
 * old one, fsync the directory — so a crash leaves either the old or the new bytes. LDK's
 * `Persist` trait needs exactly that: `persist_new_channel` / `update_persisted_channel` may
 * return `Completed` only once the monitor is on disk (lightning `chain::chainmonitor::Persist`).
 * The ChannelManager is written whenever `get_and_clear_needs_persistence()` says so (node.ts).
 */
import { randomBytes } from 'node:crypto';
import { closeSync, constants as fsc, existsSync, fsyncSync, mkdirSync, openSync, readdirSync, readFileSync, renameSync, writeSync } from 'node:fs';
import { join } from 'node:path';
import type { LdkPersistedState } from './node.ts';

const RECORD_VERSION = 1;
const SEED = 'seed';
const MANAGER = 'manager';
const MONITORS = 'monitors';
const ARCHIVED = 'archived';

/** Where an LdkNode writes its state as LDK hands it over (node.ts `persist` option). */
export interface LdkStateSink {
  /** The latest serialized ChannelMonitor for `key` (`<txid hex>:<vout>`), durable on return. */
  writeMonitor(key: string, bytes: Uint8Array): void;
  /** LDK archived the monitor for `key` (the channel is closed and fully resolved). */
  archiveMonitor(key: string): void;
  /** The serialized ChannelManager, durable on return. */
  writeManager(bytes: Uint8Array): void;
}

/** The directory holds something this code cannot use; nothing was changed. */
export class LdkFilesError extends Error {
  override readonly name = 'LdkFilesError';
}

/** `<txid hex>:<vout>` → the file name `<txid hex>_<vout>`; anything else is refused. */
export function monitorFileName(key: string): string {
  const m = /^([0-9a-f]{64}):(\d{1,5})$/.exec(key);
  if (!m) throw new LdkFilesError(`monitor key must be <64 hex>:<vout>, got ${JSON.stringify(key)}`);
  return `${m[1]}_${m[2]}`;
}

function versioned(bytes: Uint8Array): Uint8Array {
  const out = new Uint8Array(1 + bytes.length);
  out[0] = RECORD_VERSION;
  out.set(bytes, 1);
  return out;
}

function unversioned(bytes: Uint8Array, path: string): Uint8Array {
  if (bytes.length < 2) throw new LdkFilesError(`${path}: too short (${bytes.length} bytes)`);
  if (bytes[0] !== RECORD_VERSION) throw new LdkFilesError(`${path}: unknown record version ${bytes[0]}`);
  return bytes.subarray(1);
}

/** fsync a directory so a rename in it survives a power cut (a no-op on Windows). */
function syncDirSync(dir: string): void {
  if (process.platform === 'win32') return;
  const fd = openSync(dir, 'r');
  try {
    fsyncSync(fd);
  } finally {
    closeSync(fd);
  }
}

/** Replace `<dir>/<name>` with `bytes` atomically and durably (temp + fsync + rename + fsync dir). */
export function writeFileDurableSync(dir: string, name: string, bytes: Uint8Array): void {
  const tmp = join(dir, `${name}.tmp`);
  const fd = openSync(tmp, fsc.O_WRONLY | fsc.O_CREAT | fsc.O_TRUNC, 0o600);
  try {
    let off = 0;
    while (off < bytes.length) off += writeSync(fd, bytes, off, bytes.length - off);
    fsyncSync(fd);
  } finally {
    closeSync(fd);
  }
  renameSync(tmp, join(dir, name));
  syncDirSync(dir);
}

const read = (path: string): Uint8Array => {
  const buf = readFileSync(path);
  return new Uint8Array(buf.buffer, buf.byteOffset, buf.byteLength);
};

export class LdkNodeFiles implements LdkStateSink {
  readonly dir: string;

  private constructor(dir: string) {
    this.dir = dir;
  }

  /** Use `dir` (created if missing, mode 0700). */
  static open(dir: string): LdkNodeFiles {
    for (const sub of [dir, join(dir, MONITORS), join(dir, ARCHIVED)]) mkdirSync(sub, { recursive: true, mode: 0o700 });
    return new LdkNodeFiles(dir);
  }

  /** The node's seed: the stored one, or a new random one written first. */
  seed(): Uint8Array {
    const path = join(this.dir, SEED);
    if (existsSync(path)) {
      const seed = read(path);
      if (seed.length !== 32) throw new LdkFilesError(`${path}: a seed must be 32 bytes, found ${seed.length}`);
      return Uint8Array.from(seed);
    }
    if (existsSync(join(this.dir, MANAGER))) throw new LdkFilesError(`${path} is missing but ${join(this.dir, MANAGER)} exists: refusing to make a new seed for existing channels`);
    const seed = new Uint8Array(randomBytes(32));
    writeFileDurableSync(this.dir, SEED, seed);
    return seed;
  }

  /** A ChannelManager was written here (the node ran, and may have channels). */
  hasState(): boolean {
    return existsSync(join(this.dir, MANAGER));
  }

  /** The persisted ChannelManager and monitors, or undefined when none was written yet. */
  load(): LdkPersistedState | undefined {
    const managerPath = join(this.dir, MANAGER);
    const names = readdirSync(join(this.dir, MONITORS)).filter((n) => !n.endsWith('.tmp')).sort();
    if (!existsSync(managerPath)) {
      if (names.length > 0) throw new LdkFilesError(`${join(this.dir, MONITORS)} has ${names.length} channel monitor(s) but ${managerPath} is missing: refusing to start without the ChannelManager`);
      return undefined;
    }
    const monitors = names.map((n) => {
      const path = join(this.dir, MONITORS, n);
      return Uint8Array.from(unversioned(read(path), path));
    });
    return { channelManager: Uint8Array.from(unversioned(read(managerPath), managerPath)), monitors };
  }

  writeMonitor(key: string, bytes: Uint8Array): void {
    writeFileDurableSync(join(this.dir, MONITORS), monitorFileName(key), versioned(bytes));
  }

  archiveMonitor(key: string): void {
    const name = monitorFileName(key);
    const from = join(this.dir, MONITORS, name);
    if (!existsSync(from)) return;
    renameSync(from, join(this.dir, ARCHIVED, name));
    syncDirSync(join(this.dir, ARCHIVED));
    syncDirSync(join(this.dir, MONITORS));
  }

  writeManager(bytes: Uint8Array): void {
    writeFileDurableSync(this.dir, MANAGER, versioned(bytes));
  }
}
