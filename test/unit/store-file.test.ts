// FileKVStore (cli/adapters/file-store.ts): an fsync'd append-only journal with compaction by
// temp + fsync + rename + fsync(dir), a pid lock file, and crash recovery that cuts only a torn
// final append (keeping its bytes) and refuses to open anything else that is damaged.
import { spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { existsSync } from 'node:fs';
import { mkdtemp, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import { hostname, tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { CorruptStoreError, FileKVStore, SimulatedCrash, StoreLockedError, logSize, type CrashPoint } from '../../cli/adapters/file-store.ts';
import { EncryptedStore } from '../../engine/store/envelope.ts';
import { StoreClosedError } from '../../engine/store/errors.ts';
import { utf8Encode } from '../../engine/store/utf8.ts';
import type { KVBatch } from '../../engine/ports.ts';
import { MNEMONIC, plaintextLeaks } from './store-helpers.ts';

const root = await mkdtemp(join(tmpdir(), 'glint-file-store-'));
afterAll(() => rm(root, { recursive: true, force: true }));
let n = 0;
const newDir = () => join(root, `s${++n}`);
const b = (...xs: number[]) => Uint8Array.from(xs);

async function contents(s: FileKVStore): Promise<Record<string, number[]>> {
  const out: Record<string, number[]> = {};
  for (const k of await s.keys('')) out[k] = [...((await s.get(k)) as Uint8Array)];
  return out;
}

async function withStore<T>(dir: string, fn: (s: FileKVStore) => Promise<T>): Promise<T> {
  const s = await FileKVStore.open(dir);
  try {
    return await fn(s);
  } finally {
    await s.close();
  }
}

/** Open with a crash point, run `fn`, expect it to hit the simulated crash. */
async function crashDuring(dir: string, crashAt: CrashPoint, fn: (s: FileKVStore) => Promise<unknown>): Promise<void> {
  const s = await FileKVStore.open(dir, { crashAt });
  await expect(fn(s)).rejects.toThrow(SimulatedCrash);
  await expect(s.get('a')).rejects.toThrow(StoreClosedError); // the "process" is dead
  expect(existsSync(join(dir, 'LOCK'))).toBe(true); // a crash does not release the lock
}

const BEFORE: KVBatch = { put: [['a', b(1)], ['b', b(2)], ['c', b(3)]] };
const BATCH: KVBatch = { put: [['a', b(9)], ['d', b(4)], ['e', randomBytes(5000)]], del: ['b'] };

describe('FileKVStore: records', () => {
  it('round-trips, lists sorted keys by prefix, and persists across reopen', async () => {
    const dir = newDir();
    await withStore(dir, async (s) => {
      await s.write({ put: [['w/2', b(2)], ['w/1', b(1)], ['x', new Uint8Array(0)]] });
      await s.write({ del: ['w/2'], put: [['w/3', b(3)]] });
      expect(await s.keys('w/')).toEqual(['w/1', 'w/3']);
      const v = (await s.get('w/1')) as Uint8Array;
      v[0] = 99; // a copy
    });
    await withStore(dir, async (s) => {
      expect(await contents(s)).toEqual({ 'w/1': [1], 'w/3': [3], x: [] });
      expect(s.recovery).toEqual({ tornBytes: 0, discardedTemp: false });
    });
  });

  it('concurrent writes are applied and made durable in call order', async () => {
    const dir = newDir();
    await withStore(dir, async (s) => {
      await Promise.all(Array.from({ length: 20 }, (_, i) => s.write({ put: [['k', b(i)], [`k/${String(i).padStart(2, '0')}`, b(i)]] })));
      expect(await s.get('k')).toEqual(b(19));
    });
    await withStore(dir, async (s) => {
      expect(await s.get('k')).toEqual(b(19));
      expect((await s.keys('k/')).length).toBe(20);
    });
  });

  it('close() finishes the writes already queued and refuses new calls', async () => {
    const dir = newDir();
    const s = await FileKVStore.open(dir);
    const writes = Array.from({ length: 5 }, (_, i) => s.write({ put: [[`k${i}`, b(i)]] }));
    const closing = s.close();
    await expect(s.write({ put: [['late', b(1)]] })).rejects.toThrow(StoreClosedError);
    await expect(s.get('k0')).rejects.toThrow(StoreClosedError);
    await Promise.all([...writes, closing]);
    expect(existsSync(join(dir, 'LOCK'))).toBe(false);
    await withStore(dir, async (t) => expect(await t.keys('')).toEqual(['k0', 'k1', 'k2', 'k3', 'k4']));
  });

  it('invalid batches are refused and nothing is appended', async () => {
    const dir = newDir();
    await withStore(dir, async (s) => {
      const size = await logSize(dir);
      await expect(s.write({ put: [['ok', b(1)], ['not ok', b(1)]] })).rejects.toThrow(/batch.put\[1\].key/);
      await expect(s.write({ put: [['a', b(1)]], del: ['a'] })).rejects.toThrow(/twice/);
      await s.write({});
      expect(await logSize(dir)).toBe(size);
    });
  });

  it('compaction rewrites the log to the live records and keeps them', async () => {
    const dir = newDir();
    const s = await FileKVStore.open(dir, { compactAtBytes: 20_000 });
    for (let i = 0; i < 50; i++) await s.write({ put: [['big', randomBytes(2000)], ['i', b(i)]] });
    expect(await logSize(dir)).toBeLessThan(20_000 + 2_100);
    await s.compact();
    expect(await logSize(dir)).toBeLessThan(2_100);
    await s.write({ put: [['after', b(1)]] });
    await s.close();
    await withStore(dir, async (t) => {
      expect(await t.get('i')).toEqual(b(49));
      expect(await t.get('after')).toEqual(b(1));
    });
  });

  it('after a failed append the store refuses further writes until reopened', async () => {
    const dir = newDir();
    const s = await FileKVStore.open(dir);
    await s.write(BEFORE);
    await (s as unknown as { fh: { close(): Promise<void> } }).fh.close(); // the next write gets EBADF
    await expect(s.write(BATCH)).rejects.toThrow(/nothing was written/);
    await expect(s.write({ put: [['z', b(1)]] })).rejects.toThrow(/refuses writes.*reopen/);
    expect(await s.get('a')).toEqual(b(1)); // reads still reflect the durable state
    await s.close();
    await withStore(dir, async (t) => expect(await contents(t)).toEqual({ a: [1], b: [2], c: [3] }));
  });
});

describe('FileKVStore: crashes leave all of a batch or none of it', () => {
  it('crash mid-append (torn frame): on reopen none of the batch is visible; the torn bytes are kept', async () => {
    const dir = newDir();
    await withStore(dir, (s) => s.write(BEFORE));
    const size = await logSize(dir);
    await crashDuring(dir, 'append-torn', (s) => s.write(BATCH));
    expect(await logSize(dir)).toBeGreaterThan(size);
    await withStore(dir, async (s) => {
      expect(await contents(s)).toEqual({ a: [1], b: [2], c: [3] });
      expect(s.recovery.tornBytes).toBeGreaterThan(2000);
      expect(s.recovery.savedTo && (await readFile(s.recovery.savedTo)).length).toBe(s.recovery.tornBytes);
      await s.write({ put: [['f', b(6)]] }); // appends after the cut
    });
    expect(await logSize(dir)).toBeLessThan(size + 100);
    await withStore(dir, async (s) => expect(await contents(s)).toEqual({ a: [1], b: [2], c: [3], f: [6] }));
  });

  it('crash after the append but before fsync: the whole batch is there (the OS kept it)', async () => {
    const dir = newDir();
    await withStore(dir, (s) => s.write(BEFORE));
    await crashDuring(dir, 'append-unsynced', (s) => s.write(BATCH));
    await withStore(dir, async (s) => {
      expect(Object.keys(await contents(s))).toEqual(['a', 'c', 'd', 'e']);
      expect(await s.get('a')).toEqual(b(9));
    });
  });

  it('a zero-filled tail (blocks allocated but never written) is recovered like a torn append', async () => {
    const dir = newDir();
    await withStore(dir, (s) => s.write(BEFORE));
    await writeFile(join(dir, 'store.log'), new Uint8Array(4096), { flag: 'a' });
    await withStore(dir, async (s) => {
      expect(await contents(s)).toEqual({ a: [1], b: [2], c: [3] });
      expect(s.recovery.tornBytes).toBe(4096);
    });
  });

  it('a full-length final frame whose second half never landed (zeros) is a torn append too', async () => {
    const dir = newDir();
    await withStore(dir, (s) => s.write(BEFORE));
    const size = await logSize(dir);
    await withStore(dir, (s) => s.write(BATCH));
    const log = new Uint8Array(await readFile(join(dir, 'store.log')));
    log.fill(0, size + Math.floor((log.length - size) / 2));
    await writeFile(join(dir, 'store.log'), log);
    await withStore(dir, async (s) => {
      expect(await contents(s)).toEqual({ a: [1], b: [2], c: [3] });
      expect(s.recovery.tornBytes).toBe(log.length - size);
    });
  });

  for (const point of ['compact-temp-torn', 'compact-temp-written', 'compact-renamed'] as const) {
    it(`crash during compaction (${point}): reopening gives exactly the records written`, async () => {
      const dir = newDir();
      await withStore(dir, async (s) => {
        await s.write(BEFORE);
        await s.write(BATCH);
      });
      await crashDuring(dir, point, (s) => s.compact());
      expect(existsSync(join(dir, 'store.log.tmp'))).toBe(point !== 'compact-renamed');
      await withStore(dir, async (s) => {
        expect(Object.keys(await contents(s))).toEqual(['a', 'c', 'd', 'e']);
        expect(s.recovery.discardedTemp).toBe(point !== 'compact-renamed');
      });
      expect(existsSync(join(dir, 'store.log.tmp'))).toBe(false);
    });
  }

  it('a torn temp file found on open is discarded and the log is authoritative', async () => {
    const dir = newDir();
    await withStore(dir, (s) => s.write(BEFORE));
    await writeFile(join(dir, 'store.log.tmp'), randomBytes(777));
    await withStore(dir, async (s) => {
      expect(await contents(s)).toEqual({ a: [1], b: [2], c: [3] });
      expect(s.recovery.discardedTemp).toBe(true);
    });
  });
});

describe('FileKVStore: damage is refused, never repaired silently', () => {
  async function damaged(edit: (log: Uint8Array) => Uint8Array | void): Promise<{ dir: string; before: Uint8Array }> {
    const dir = newDir();
    await withStore(dir, async (s) => {
      await s.write(BEFORE);
      await s.write(BATCH);
      await s.write({ put: [['z', b(26)]] });
    });
    const log = new Uint8Array(await readFile(join(dir, 'store.log')));
    const out = edit(log) ?? log;
    await writeFile(join(dir, 'store.log'), out);
    return { dir, before: out };
  }

  const cases: Array<[string, (log: Uint8Array) => Uint8Array | void, RegExp]> = [
    ['a flipped byte inside the first frame', (l) => void (l[40] = (l[40] as number) ^ 1), /at byte 8: a damaged frame is followed by a valid one/],
    ['a flipped byte inside the last frame', (l) => void (l[l.length - 3] = (l[l.length - 3] as number) ^ 1), /the last frame fails its checksum \(damage, not a torn write/],
    ['a damaged length in the first frame', (l) => void (l[11] = (l[11] as number) ^ 0x40), /at byte 8: a damaged frame is followed by a valid one/],
    ['bad magic', (l) => void (l[0] = 0x58), /bad magic/],
    ['a newer format version', (l) => void (l[4] = 2), /unsupported format version 2/],
  ];
  for (const [what, edit, message] of cases) {
    it(`${what} → CorruptStoreError; the file is untouched and the lock released`, async () => {
      const { dir, before } = await damaged(edit);
      const err = await FileKVStore.open(dir).catch((e: unknown) => e);
      expect(err).toBeInstanceOf(CorruptStoreError);
      expect((err as Error).message).toMatch(message);
      expect((err as Error).message).toMatch(/left untouched/);
      expect(new Uint8Array(await readFile(join(dir, 'store.log')))).toEqual(before);
      expect(existsSync(join(dir, 'LOCK'))).toBe(false);
      expect((await readdir(dir)).sort()).toEqual(['store.log']);
    });
  }
});

describe('FileKVStore: one process at a time', () => {
  const lockFor = (pid: number, host = hostname()) => `${JSON.stringify({ pid, host, since: '2025-01-01T00:00:00.000Z' })}\n`;

  it('a second open in the same process is refused until the first closes', async () => {
    const dir = newDir();
    const s = await FileKVStore.open(dir);
    await expect(FileKVStore.open(dir)).rejects.toThrow(/already open in this process/);
    expect(JSON.parse(await readFile(join(dir, 'LOCK'), 'utf8'))).toMatchObject({ pid: process.pid, host: hostname() });
    await s.close();
    expect(existsSync(join(dir, 'LOCK'))).toBe(false);
    await (await FileKVStore.open(dir)).close();
  });

  it('a lock held by another live process is refused, naming its pid', async () => {
    const dir = newDir();
    await (await FileKVStore.open(dir)).close();
    const child = spawn(process.execPath, ['-e', 'setInterval(() => {}, 1000)'], { stdio: 'ignore' });
    try {
      await writeFile(join(dir, 'LOCK'), lockFor(child.pid as number));
      const err = await FileKVStore.open(dir).catch((e: unknown) => e);
      expect(err).toBeInstanceOf(StoreLockedError);
      expect((err as Error).message).toContain(`another glint is running on ${dir} (pid ${child.pid})`);
    } finally {
      child.kill();
    }
  });

  it('a stale lock (its process is gone) is taken over', async () => {
    const dir = newDir();
    await withStore(dir, (s) => s.write(BEFORE));
    const child = spawn(process.execPath, ['-e', ''], { stdio: 'ignore' });
    await new Promise((r) => child.once('exit', r));
    await writeFile(join(dir, 'LOCK'), lockFor(child.pid as number));
    await withStore(dir, async (s) => expect(await s.get('a')).toEqual(b(1)));
  });

  it('a lock from another host, or an unreadable lock, is never broken automatically', async () => {
    const dir = newDir();
    await (await FileKVStore.open(dir)).close();
    await writeFile(join(dir, 'LOCK'), lockFor(1, 'some-other-host'));
    await expect(FileKVStore.open(dir)).rejects.toThrow(/\(pid 1 on host some-other-host\)/);
    await writeFile(join(dir, 'LOCK'), 'garbage');
    await expect(FileKVStore.open(dir)).rejects.toThrow(/lock file is unreadable/);
  });
});

describe('FileKVStore + EncryptedStore', () => {
  it('no plaintext on disk: a mnemonic and a 32-byte key are in no file of the store', async () => {
    const dir = newDir();
    const key = new Uint8Array(randomBytes(32));
    const store = await EncryptedStore.create(await FileKVStore.open(dir), 'file pass', { randomBytes: (k) => new Uint8Array(randomBytes(k)) }, { scrypt: { log2N: 10, r: 8, p: 1 } });
    await store.write({ put: [['wallet/seed', utf8Encode(MNEMONIC)], ['wallet/key', key]] });
    await store.close();
    const files = await readdir(dir);
    expect(files).toEqual(['store.log']);
    const blob = Buffer.concat(await Promise.all(files.map((f) => readFile(join(dir, f)))));
    expect(plaintextLeaks(blob, { bytes: [key], strings: [MNEMONIC, 'file pass'] })).toEqual([]);
    const again = await EncryptedStore.open(await FileKVStore.open(dir), 'file pass', { randomBytes: (k) => new Uint8Array(randomBytes(k)) });
    expect(await again.get('wallet/seed')).toEqual(utf8Encode(MNEMONIC));
    await again.close();
  });
});
