/**
 * The KVStore port for Node (the CLI, headless nodes, benchmarks): a directory holding an
 * append-only journal, with every record cached in memory.
 *
 *   <dir>/LOCK          {"pid","host","since"}: one process at a time (see acquireLock)
 *   <dir>/store.log     "GLKV" 01 000000, then one frame per batch:
 *                         u32 length | 16-byte SHA-256(length || payload) prefix | payload
 *                       payload = u32 count, then per op: u8 kind (1 put, 2 del), u16 key length,
 *                         key (ASCII), and for a put u32 value length, value
 *   <dir>/store.log.tmp a compaction being written (never authoritative; removed on open)
 *   <dir>/store.log.torn-<offset>-<ms>  bytes cut from the end of the log by crash recovery
 *
 * Atomic, durable writes: a batch is one frame, appended and then fdatasync'd; `write` resolves
 * after the sync. A crash mid-append leaves a torn last frame: short, or zero-filled where the
 * data never reached the disk. On open it is cut off (its write never resolved) and the cut bytes
 * are kept in a `.torn-` file. Any other damage (bad magic, a frame failing its checksum that is
 * followed by more frames, a complete last frame failing its checksum without a zero-filled
 * tail) is a CorruptStoreError: the store refuses to open and touches nothing. One ambiguity
 * remains: damage to the length field of the last frame looks like a short torn write, so that
 * frame would be cut (and kept in the `.torn-` file, reported in `recovery`).
 *
 * Compaction: when the log is over `compactAtBytes` and more than twice the live data, the live
 * records are written as one frame to store.log.tmp (fsync), renamed over store.log, and the
 * directory fsync'd. A crash before the rename leaves the old log (the .tmp is discarded on open);
 * after it, the new log holds the same records.
 *
 * After a failed append (disk full, I/O error) the store truncates the partial frame and then
 * refuses further writes: after an fsync error the kernel's page state is unknown (Linux
 * "fsyncgate"), so the safe way on is to close and reopen, re-reading what is really on disk.
 *
 * Durability caveat: on macOS fsync does not flush the drive's cache (F_FULLFSYNC), which Node
 * does not expose.
 */
import { createHash, randomBytes } from 'node:crypto';
import { constants as fsc } from 'node:fs';
import { link, mkdir, open, readFile, realpath, rename, stat, unlink, writeFile, type FileHandle } from 'node:fs/promises';
import { hostname } from 'node:os';
import { join } from 'node:path';
import { checkBatch, checkKey, checkPrefix, isEmptyBatch, StorageFullError, StoreClosedError, type KVBatch, type KVStore } from '../../engine/index.ts';

const MAGIC = Uint8Array.from([0x47, 0x4c, 0x4b, 0x56, 0x01, 0, 0, 0]); // "GLKV" v1
const FRAME_HEADER = 4 + 16;
const OP_PUT = 1;
const OP_DEL = 2;
const LOG = 'store.log';
const TMP = 'store.log.tmp';
const LOCK = 'LOCK';

/** The store's files on disk are damaged; nothing was changed. */
export class CorruptStoreError extends Error {
  override readonly name = 'CorruptStoreError';
  readonly path: string;
  readonly offset: number;
  constructor(path: string, offset: number, reason: string) {
    super(`store file ${path} is corrupt at byte ${offset}: ${reason}. It was left untouched; restore it from a backup or move it aside`);
    this.path = path;
    this.offset = offset;
  }
}

/** Another process (or another FileKVStore in this one) has the store open. */
export class StoreLockedError extends Error {
  override readonly name = 'StoreLockedError';
}

/** A test hook stopped the store at a crash point; the files are as a power cut would leave them. */
export class SimulatedCrash extends Error {
  override readonly name = 'SimulatedCrash';
}

/**
 * Test-only crash points: the store stops dead there (no cleanup, lock file left behind), as if
 * the process were killed, and the pending write rejects with SimulatedCrash.
 */
export type CrashPoint =
  | 'append-torn' // half of the frame reached the file
  | 'append-unsynced' // the whole frame was written but not fsync'd
  | 'compact-temp-torn' // half of the compacted temp file was written
  | 'compact-temp-written' // the temp file is complete and synced, not yet renamed
  | 'compact-renamed'; // renamed over the log, directory not yet fsync'd

export interface FileKVStoreOptions {
  /** Compact when the log exceeds this many bytes and twice the live data (default 8 MiB). */
  readonly compactAtBytes?: number;
  /** Testing only: stop at this crash point the first time it is reached. */
  readonly crashAt?: CrashPoint;
}

/** What `open` found and repaired. */
export interface Recovery {
  /** Bytes of a torn final frame cut from the log (saved to `savedTo`), or 0. */
  readonly tornBytes: number;
  readonly savedTo?: string;
  /** A leftover compaction temp file was discarded. */
  readonly discardedTemp: boolean;
}

/** Directories open in this process (real path → store), to refuse a second open. */
const openHere = new Map<string, FileKVStore>();

export class FileKVStore implements KVStore {
  readonly dir: string;
  readonly recovery: Recovery;
  private readonly data: Map<string, Uint8Array>;
  private fh: FileHandle | undefined;
  private size: number;
  private liveBytes: number;
  private queue: Promise<unknown> = Promise.resolve();
  private failed: string | undefined;
  /** Set by close(): new calls are refused; queued writes still run. */
  private closing: Promise<void> | undefined;
  /** The log is closed (after close() drained the queue, or a simulated crash). */
  private closed = false;
  private crashAt: CrashPoint | undefined;
  private readonly compactAtBytes: number;

  private constructor(dir: string, fh: FileHandle, data: Map<string, Uint8Array>, size: number, recovery: Recovery, options: FileKVStoreOptions) {
    this.dir = dir;
    this.fh = fh;
    this.data = data;
    this.size = size;
    this.recovery = recovery;
    this.liveBytes = snapshotSize(data);
    this.crashAt = options.crashAt;
    this.compactAtBytes = options.compactAtBytes ?? 8 * 1024 * 1024;
  }

  /**
   * Open the store in `dir` (created if missing, mode 0700). Rejects with StoreLockedError if
   * another live process holds it, CorruptStoreError if the log is damaged.
   */
  static async open(dir: string, options: FileKVStoreOptions = {}): Promise<FileKVStore> {
    await mkdir(dir, { recursive: true, mode: 0o700 });
    const real = await realpath(dir);
    if (openHere.has(real)) throw new StoreLockedError(`store ${real} is already open in this process`);
    await acquireLock(real);
    try {
      const store = await FileKVStore.load(real, options);
      openHere.set(real, store);
      return store;
    } catch (err) {
      await unlink(join(real, LOCK)).catch(() => undefined);
      throw err;
    }
  }

  private static async load(dir: string, options: FileKVStoreOptions): Promise<FileKVStore> {
    const logPath = join(dir, LOG);
    let discardedTemp = false;
    try {
      await unlink(join(dir, TMP));
      discardedTemp = true;
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== 'ENOENT') throw err;
    }
    let bytes: Uint8Array;
    try {
      const buf = await readFile(logPath);
      // A plain Uint8Array view: Buffer#slice would return views into this buffer, not copies.
      bytes = new Uint8Array(buf.buffer, buf.byteOffset, buf.byteLength);
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== 'ENOENT') throw err;
      // A new store: the empty log appears atomically (temp + fsync + rename + fsync dir).
      await writeDurably(dir, TMP, MAGIC);
      await rename(join(dir, TMP), logPath);
      await syncDir(dir);
      bytes = MAGIC;
    }
    const { data, goodLength } = replay(logPath, bytes);
    let recovery: Recovery = { tornBytes: 0, discardedTemp };
    if (goodLength < bytes.length) {
      // A torn final frame from a crash mid-append: keep the bytes, then cut them off.
      const name = `${LOG}.torn-${goodLength}-${Date.now()}`;
      const savedTo = join(dir, name);
      await writeDurably(dir, name, bytes.subarray(goodLength));
      await syncDir(dir);
      const fh = await open(logPath, 'r+');
      try {
        await fh.truncate(goodLength);
        await fh.sync();
      } finally {
        await fh.close();
      }
      recovery = { tornBytes: bytes.length - goodLength, savedTo, discardedTemp };
    }
    const fh = await open(logPath, 'a', 0o600);
    return new FileKVStore(dir, fh, data, goodLength, recovery, options);
  }

  async get(key: string): Promise<Uint8Array | undefined> {
    this.assertOpen();
    checkKey(key);
    return this.data.get(key)?.slice();
  }

  async keys(prefix: string): Promise<string[]> {
    this.assertOpen();
    checkPrefix(prefix);
    return [...this.data.keys()].filter((k) => k.startsWith(prefix)).sort();
  }

  /** Append the batch as one frame and fdatasync; resolves once it is on disk. */
  write(batch: KVBatch): Promise<void> {
    try {
      this.assertOpen();
      checkBatch(batch);
    } catch (err) {
      return Promise.reject(err);
    }
    if (isEmptyBatch(batch)) return Promise.resolve();
    // Encode and copy now: the caller may reuse its buffers while the write is queued.
    const frame = encodeFrame(batch);
    const ops: Op[] = [
      ...(batch.del ?? []).map((key): Op => ({ kind: 'del', key })),
      ...(batch.put ?? []).map(([key, v]): Op => ({ kind: 'put', key, value: v.slice() })),
    ];
    return this.enqueue(async () => {
      this.assertWritable();
      await this.append(frame);
      applyOps(this.data, ops);
      this.liveBytes = snapshotSize(this.data);
      // Compact after this write has resolved, as the next queued operation (a failed compaction
      // leaves the old log in place, and a failure to reopen it freezes the store).
      if (this.size > this.compactAtBytes && this.size > 2 * this.liveBytes) {
        this.enqueue(async () => {
          if (!this.closing && !this.closed && !this.failed) await this.compactNow();
        }).catch(() => undefined);
      }
    });
  }

  /** Rewrite the log as one frame of the live records (also runs automatically). */
  compact(): Promise<void> {
    try {
      this.assertOpen();
    } catch (err) {
      return Promise.reject(err);
    }
    return this.enqueue(async () => {
      this.assertWritable();
      await this.compactNow();
    });
  }

  /** Refuse new calls, finish the writes already queued, close the file and release the lock. */
  close(): Promise<void> {
    this.closing ??= (async () => {
      await this.queue.catch(() => undefined);
      if (!this.closed) {
        this.closed = true;
        await this.fh?.close().catch(() => undefined);
        this.fh = undefined;
        await unlink(join(this.dir, LOCK)).catch(() => undefined);
      }
      if (openHere.get(this.dir) === this) openHere.delete(this.dir);
    })();
    return this.closing;
  }

  private enqueue(op: () => Promise<void>): Promise<void> {
    const run = this.queue.then(op, op);
    this.queue = run.catch(() => undefined);
    return run;
  }

  private async append(frame: Uint8Array): Promise<void> {
    const fh = this.fh as FileHandle;
    const before = this.size;
    try {
      if (this.crashAt === 'append-torn') {
        await writeAll(fh, frame.subarray(0, Math.ceil(frame.length / 2)));
        return this.crash('append-torn');
      }
      await writeAll(fh, frame);
      if (this.crashAt === 'append-unsynced') return this.crash('append-unsynced');
      await fh.datasync();
      this.size = before + frame.length;
    } catch (err) {
      if (err instanceof SimulatedCrash) throw err;
      this.failed = `a write failed (${(err as Error).message}); close and reopen the store`;
      try {
        await fh.truncate(before);
        await fh.datasync();
      } catch {
        /* the torn frame, if any, is cut off on the next open */
      }
      // A full disk (or quota) is the StorageFullError the node reports as "storage full".
      const code = (err as { code?: unknown }).code;
      if (code === 'ENOSPC' || code === 'EDQUOT') throw new StorageFullError(`the disk under ${this.dir} is full (${String(code)}); the partial write was cut off`);
      throw new Error(`store write failed, nothing was written: ${(err as Error).message}`);
    }
  }

  private async compactNow(): Promise<void> {
    const body = this.data.size === 0 ? MAGIC : concat(MAGIC, encodeFrame({ put: [...this.data.entries()] }));
    const tmpPath = join(this.dir, TMP);
    const logPath = join(this.dir, LOG);
    if (this.crashAt === 'compact-temp-torn') {
      await writeFile(tmpPath, body.subarray(0, Math.ceil(body.length / 2)));
      return this.crash('compact-temp-torn');
    }
    try {
      await writeDurably(this.dir, TMP, body);
    } catch (err) {
      await unlink(tmpPath).catch(() => undefined);
      throw err;
    }
    if (this.crashAt === 'compact-temp-written') return this.crash('compact-temp-written');
    await (this.fh as FileHandle).close();
    this.fh = undefined;
    try {
      await rename(tmpPath, logPath);
      if (this.crashAt === 'compact-renamed') return this.crash('compact-renamed');
      await syncDir(this.dir);
    } finally {
      if (!this.closed) {
        try {
          this.fh = await open(logPath, 'a', 0o600);
          this.size = (await this.fh.stat()).size;
        } catch (err) {
          this.failed = `the log could not be reopened after compaction (${(err as Error).message})`;
        }
      }
    }
  }

  /** Stop dead, as a killed process would: no truncation, no lock release. */
  private async crash(point: CrashPoint): Promise<never> {
    this.crashAt = undefined;
    this.closed = true;
    this.failed = `simulated crash at ${point}`;
    await this.fh?.close().catch(() => undefined);
    this.fh = undefined;
    if (openHere.get(this.dir) === this) openHere.delete(this.dir);
    throw new SimulatedCrash(`simulated crash at ${point}`);
  }

  private assertOpen(): void {
    if (this.closed || this.closing) throw new StoreClosedError(`the file store ${this.dir}`);
  }

  private assertWritable(): void {
    if (this.closed) throw new StoreClosedError(`the file store ${this.dir}`);
    if (this.failed) throw new Error(`the file store ${this.dir} refuses writes: ${this.failed}`);
    if (!this.fh) throw new Error(`the file store ${this.dir} has no open log`);
  }
}

// ---- lock ----

interface LockInfo {
  readonly pid: number;
  readonly host: string;
  readonly since: string;
}

/**
 * Take `<dir>/LOCK`. It is created atomically with its content (written to a unique temp file,
 * then link()ed into place, which fails if LOCK exists). An existing lock is stale, and replaced,
 * when it names this host and a pid that is no longer running (or this process, with the store
 * not open here: an instance that crashed). A lock from another host, or an unreadable one, is
 * never broken automatically. Two processes racing to break the same stale lock can both win;
 * that needs a stale lock and a simultaneous start, and is accepted.
 */
async function acquireLock(dir: string): Promise<void> {
  const lockPath = join(dir, LOCK);
  const info: LockInfo = { pid: process.pid, host: hostname(), since: new Date().toISOString() };
  for (let attempt = 0; attempt < 3; attempt++) {
    const tmp = join(dir, `${LOCK}.${process.pid}.${randomBytes(6).toString('hex')}`);
    await writeFile(tmp, `${JSON.stringify(info)}\n`, { mode: 0o600 });
    try {
      await link(tmp, lockPath);
      return;
    } catch (err) {
      const code = (err as NodeJS.ErrnoException).code;
      if (code !== 'EEXIST') {
        // No hard links here (some FUSE/FAT mounts): fall back to an exclusive create.
        if (code === 'EPERM' || code === 'ENOTSUP' || code === 'EOPNOTSUPP' || code === 'ENOSYS') {
          try {
            await writeFile(lockPath, `${JSON.stringify(info)}\n`, { flag: 'wx', mode: 0o600 });
            return;
          } catch (e) {
            if ((e as NodeJS.ErrnoException).code !== 'EEXIST') throw e;
          }
        } else throw err;
      }
    } finally {
      await unlink(tmp).catch(() => undefined);
    }
    const holder = await readLock(lockPath);
    if (holder === 'gone') continue;
    if (holder === 'unreadable') throw new StoreLockedError(`store ${dir} is locked and its lock file is unreadable; if no Glint is using it, delete ${lockPath}`);
    if (!isStale(holder, dir)) {
      const where = holder.host === hostname() ? `pid ${holder.pid}` : `pid ${holder.pid} on host ${holder.host}`;
      throw new StoreLockedError(`another glint is running on ${dir} (${where}) since ${holder.since}; stop it first (if that process is not Glint, delete ${lockPath})`);
    }
    await unlink(lockPath).catch((e: NodeJS.ErrnoException) => {
      if (e.code !== 'ENOENT') throw e;
    });
  }
  throw new StoreLockedError(`store ${dir}: could not take ${lockPath} (another process keeps taking it)`);
}

async function readLock(path: string): Promise<LockInfo | 'gone' | 'unreadable'> {
  let text: string;
  try {
    text = await readFile(path, 'utf8');
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return 'gone';
    return 'unreadable';
  }
  try {
    const v = JSON.parse(text) as Partial<LockInfo>;
    if (Number.isInteger(v.pid) && typeof v.host === 'string') return { pid: v.pid as number, host: v.host, since: String(v.since) };
  } catch {
    /* fall through */
  }
  return 'unreadable';
}

function isStale(holder: LockInfo, dir: string): boolean {
  if (holder.host !== hostname()) return false;
  if (holder.pid === process.pid) return !openHere.has(dir);
  try {
    process.kill(holder.pid, 0);
    return false; // it exists
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === 'ESRCH';
  }
}

// ---- file helpers ----

async function writeAll(fh: FileHandle, bytes: Uint8Array): Promise<void> {
  let off = 0;
  while (off < bytes.length) {
    const { bytesWritten } = await fh.write(bytes, off, bytes.length - off);
    off += bytesWritten;
  }
}

/** Write `name` in `dir` completely and fsync it (the caller renames it into place). */
async function writeDurably(dir: string, name: string, bytes: Uint8Array): Promise<void> {
  const fh = await open(join(dir, name), fsc.O_WRONLY | fsc.O_CREAT | fsc.O_TRUNC, 0o600);
  try {
    await writeAll(fh, bytes);
    await fh.sync();
  } finally {
    await fh.close();
  }
}

/** fsync a directory so a rename or create in it survives a power cut (a no-op on Windows). */
async function syncDir(dir: string): Promise<void> {
  if (process.platform === 'win32') return;
  const fh = await open(dir, 'r');
  try {
    await fh.sync();
  } finally {
    await fh.close();
  }
}

// ---- format ----

type Op = { readonly kind: 'put'; readonly key: string; readonly value: Uint8Array } | { readonly kind: 'del'; readonly key: string };

function checksum(lengthAndPayload: Uint8Array): Uint8Array {
  return new Uint8Array(createHash('sha256').update(lengthAndPayload).digest().subarray(0, 16));
}

function encodeFrame(batch: KVBatch): Uint8Array {
  const puts = batch.put ?? [];
  const dels = batch.del ?? [];
  let size = 4;
  for (const [k, v] of puts) size += 1 + 2 + k.length + 4 + v.length;
  for (const k of dels) size += 1 + 2 + k.length;
  const out = new Uint8Array(FRAME_HEADER + size);
  const view = new DataView(out.buffer);
  view.setUint32(0, size);
  let o = FRAME_HEADER;
  view.setUint32(o, puts.length + dels.length);
  o += 4;
  const key = (k: string) => {
    view.setUint16(o, k.length);
    o += 2;
    for (let i = 0; i < k.length; i++) out[o++] = k.charCodeAt(i); // keys are printable ASCII (checkKey)
  };
  for (const k of dels) {
    out[o++] = OP_DEL;
    key(k);
  }
  for (const [k, v] of puts) {
    out[o++] = OP_PUT;
    key(k);
    view.setUint32(o, v.length);
    o += 4;
    out.set(v, o);
    o += v.length;
  }
  const sum = checksum(concat(out.subarray(0, 4), out.subarray(FRAME_HEADER)));
  out.set(sum, 4);
  return out;
}

function decodePayload(p: Uint8Array, path: string, base: number): Op[] {
  const view = new DataView(p.buffer, p.byteOffset, p.byteLength);
  const bad = (o: number, why: string) => new CorruptStoreError(path, base + o, why);
  if (p.length < 4) throw bad(0, 'frame payload shorter than its op count');
  const count = view.getUint32(0);
  const ops: Op[] = [];
  let o = 4;
  for (let i = 0; i < count; i++) {
    if (o + 3 > p.length) throw bad(o, 'op runs past the end of its frame');
    const kind = p[o] as number;
    const klen = view.getUint16(o + 1);
    o += 3;
    if (o + klen > p.length) throw bad(o, 'key runs past the end of its frame');
    let key = '';
    for (let j = 0; j < klen; j++) key += String.fromCharCode(p[o + j] as number);
    o += klen;
    if (kind === OP_DEL) ops.push({ kind: 'del', key });
    else if (kind === OP_PUT) {
      if (o + 4 > p.length) throw bad(o, 'value length runs past the end of its frame');
      const vlen = view.getUint32(o);
      o += 4;
      if (o + vlen > p.length) throw bad(o, 'value runs past the end of its frame');
      ops.push({ kind: 'put', key, value: p.slice(o, o + vlen) });
      o += vlen;
    } else throw bad(o - 3 - klen, `unknown op kind ${kind}`);
  }
  if (o !== p.length) throw bad(o, 'trailing bytes after the last op of a frame');
  return ops;
}

function applyOps(data: Map<string, Uint8Array>, ops: readonly Op[]): void {
  for (const op of ops) {
    if (op.kind === 'del') data.delete(op.key);
    else data.set(op.key, op.value);
  }
}

/**
 * Replay the log. Returns the records and the length of the valid prefix; anything after it is a
 * torn final append. Throws CorruptStoreError for damage that a crash mid-append cannot explain.
 */
function replay(path: string, bytes: Uint8Array): { data: Map<string, Uint8Array>; goodLength: number } {
  if (bytes.length < MAGIC.length || !MAGIC.every((b, i) => bytes[i] === b)) {
    const what = bytes.length >= 4 && bytes[0] === 0x47 && bytes[1] === 0x4c && bytes[2] === 0x4b && bytes[3] === 0x56 ? `unsupported format version ${bytes[4]}` : 'not a Glint store log (bad magic)';
    throw new CorruptStoreError(path, 0, what);
  }
  const data = new Map<string, Uint8Array>();
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  let o = MAGIC.length;
  while (o < bytes.length) {
    const end = o + FRAME_HEADER + (bytes.length - o >= 4 ? view.getUint32(o) : 0);
    const complete = bytes.length - o >= FRAME_HEADER && end <= bytes.length;
    const valid = complete && frameChecks(bytes, view, o);
    if (!valid) {
      // Only the final append can be torn, and nothing is ever written after a torn one (a failed
      // append stops the store). A torn write is short, or zero-filled where the data never
      // landed. Anything else (a valid frame further on, or a whole frame that just fails its
      // checksum) is damage to data that was acknowledged as durable: refuse it.
      const later = validFrameAfter(bytes, view, o);
      if (later >= 0) throw new CorruptStoreError(path, o, `a damaged frame is followed by a valid one at byte ${later}`);
      const zerosFrom = trailingZerosStart(bytes);
      const tornShape = !complete || zerosFrom <= o || (bytes.length - zerosFrom >= MIN_ZERO_RUN && zerosFrom < end);
      if (!tornShape) {
        throw new CorruptStoreError(
          path,
          o,
          end === bytes.length ? 'the last frame fails its checksum (damage, not a torn write: those are short or zero-filled)' : 'a frame fails its checksum and more data follows it',
        );
      }
      return { data, goodLength: o };
    }
    applyOps(data, decodePayload(bytes.subarray(o + FRAME_HEADER, end), path, o + FRAME_HEADER));
    o = end;
  }
  return { data, goodLength: o };
}

/** A run of at least this many zero bytes at the end marks blocks a crash left unwritten. */
const MIN_ZERO_RUN = 16;

function trailingZerosStart(bytes: Uint8Array): number {
  let i = bytes.length;
  while (i > 0 && bytes[i - 1] === 0) i--;
  return i;
}

function frameChecks(bytes: Uint8Array, view: DataView, o: number): boolean {
  const len = view.getUint32(o);
  if (len < 4) return false;
  const sum = checksum(concat(bytes.subarray(o, o + 4), bytes.subarray(o + FRAME_HEADER, o + FRAME_HEADER + len)));
  return sum.every((b, i) => bytes[o + 4 + i] === b);
}

/** Offset of the first checksum-valid frame starting after `from`, or -1. */
function validFrameAfter(bytes: Uint8Array, view: DataView, from: number): number {
  for (let p = from + 1; p + FRAME_HEADER + 4 <= bytes.length; p++) {
    const len = view.getUint32(p);
    if (len < 4 || p + FRAME_HEADER + len > bytes.length) continue;
    if (frameChecks(bytes, view, p)) return p;
  }
  return -1;
}

function snapshotSize(data: Map<string, Uint8Array>): number {
  let n = MAGIC.length + FRAME_HEADER + 4;
  for (const [k, v] of data) n += 7 + k.length + v.length;
  return n;
}

function concat(a: Uint8Array, b: Uint8Array): Uint8Array {
  const out = new Uint8Array(a.length + b.length);
  out.set(a, 0);
  out.set(b, a.length);
  return out;
}

/** Used by tests and tools: the size of a store's log file. */
export async function logSize(dir: string): Promise<number> {
  return (await stat(join(dir, LOG))).size;
}
