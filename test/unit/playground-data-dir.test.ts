/**
 * `npm start -- --data <dir>` (playground/data-dir.ts, playground/ldk/node-files.ts): the
 * directory is refused with its name and the reason when it is a file or locked by a running
 * playground, a stale lock of a dead pid is taken over; an LDK node's seed is made once and kept,
 * its monitors are written and archived under their funding outpoint, and state that cannot be
 * used safely (monitors without a ChannelManager, a damaged record) is refused.
 */
import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { hostname, tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { decodeClaimed, encodeClaimed, loadClaimed, openDataDir, saveClaimed } from '../../playground/data-dir.ts';
import { LdkFilesError, LdkNodeFiles, monitorFileName } from '../../playground/ldk/node-files.ts';

let dir: string;
beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'glint-pg-datadir-'));
});
afterAll(async () => {
  if (dir) await rm(dir, { recursive: true, force: true });
});

const lockFile = (path: string, pid: number): void => writeFileSync(join(path, 'LOCK'), `${JSON.stringify({ pid, host: hostname(), since: '2026-01-01T00:00:00.000Z' })}\n`);

describe('--data <dir>', () => {
  it('a file is refused as not a directory', async () => {
    const file = join(dir, 'file');
    writeFileSync(file, 'x');
    await expect(openDataDir(file)).rejects.toThrow(`--data ${file}: is not a directory`);
  });

  it('a directory locked by a running process is refused naming its pid; a dead pid’s lock is taken over', async () => {
    const live = join(dir, 'live');
    mkdirSync(live);
    lockFile(live, process.ppid);
    await expect(openDataDir(live)).rejects.toThrow(new RegExp(`--data ${live}: another playground is using it .*pid ${process.ppid}`));
    expect(existsSync(join(live, 'chain'))).toBe(false);

    const stale = join(dir, 'stale');
    mkdirSync(stale);
    const dead = spawnSync(process.execPath, ['-e', '0']).pid!;
    lockFile(stale, dead);
    const data = await openDataDir(stale);
    expect(JSON.parse(readFileSync(join(stale, 'LOCK'), 'utf8')).pid).toBe(process.pid);
    // In use by this process now: a second open is refused too.
    await expect(openDataDir(stale)).rejects.toThrow(/another playground is using it/);
    await data.close();
    expect(existsSync(join(stale, 'LOCK'))).toBe(false);
  });

  it('keeps what a node was paid; a record it cannot read is skipped', async () => {
    const data = await openDataDir(join(dir, 'claims'));
    const claim = { paymentHash: 'ab'.repeat(32), amountMsat: 2_100_000n, purpose: 'invoice' as const, parts: 1 };
    expect(decodeClaimed(encodeClaimed(claim))).toEqual(claim);
    await saveClaimed(data.root, 'shop', claim);
    await data.root.write({ put: [[`claimed/shop/${'cd'.repeat(32)}`, new TextEncoder().encode('{"v":1,"paymentHash":"zz"}')]] });
    expect(await loadClaimed(data.root, 'shop')).toEqual([claim]);
    expect(await loadClaimed(data.root, 'hub')).toEqual([]);
    await data.close();
  });
});

describe('an LDK node’s files', () => {
  const txid = 'ef'.repeat(32);

  it('makes the seed once and keeps it', () => {
    const files = LdkNodeFiles.open(join(dir, 'node-a'));
    const seed = files.seed();
    expect(seed).toHaveLength(32);
    expect(LdkNodeFiles.open(join(dir, 'node-a')).seed()).toEqual(seed);
    writeFileSync(join(dir, 'node-a', 'seed'), 'short');
    expect(() => files.seed()).toThrow(/a seed must be 32 bytes, found 5/);
  });

  it('loads nothing before a manager is written, then the manager and the live monitors', () => {
    const files = LdkNodeFiles.open(join(dir, 'node-b'));
    expect(files.load()).toBeUndefined();
    files.writeManager(Uint8Array.of(1, 2, 3));
    files.writeMonitor(`${txid}:0`, Uint8Array.of(9, 9));
    files.writeMonitor(`${txid}:0`, Uint8Array.of(8, 8, 8));
    files.writeMonitor(`${txid}:1`, Uint8Array.of(7));
    expect(files.load()).toEqual({ channelManager: Uint8Array.of(1, 2, 3), monitors: [Uint8Array.of(8, 8, 8), Uint8Array.of(7)] });
    files.archiveMonitor(`${txid}:1`);
    expect(files.load()!.monitors).toEqual([Uint8Array.of(8, 8, 8)]);
    expect(existsSync(join(dir, 'node-b', 'archived', `${txid}_1`))).toBe(true);
  });

  it('refuses monitors without a manager, a new seed for existing channels, a damaged record and a bad key', () => {
    const files = LdkNodeFiles.open(join(dir, 'node-c'));
    files.writeMonitor(`${txid}:0`, Uint8Array.of(1));
    expect(() => files.load()).toThrow(/channel monitor\(s\) but .*manager is missing/);
    files.writeManager(Uint8Array.of(1));
    expect(() => files.seed()).toThrow(/refusing to make a new seed for existing channels/);
    writeFileSync(join(dir, 'node-c', 'manager'), Uint8Array.of(2, 0, 0));
    expect(() => files.load()).toThrow(/manager: unknown record version 2/);
    expect(() => monitorFileName('../x:0')).toThrow(LdkFilesError);
  });
});
