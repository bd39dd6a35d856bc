// One running instance per wallet on the CLI (issue 7 item 2): every command that opens the store
// in --data takes <data>/LOCK (exclusive create, with its pid) first. A live holder — another
// Glint with the store open, or any live pid named in the lock — makes the command exit non-zero
// with "another glint is running on <dir> (pid N)"; a lock left by a dead pid is taken over.
import { spawn } from 'node:child_process';
import { existsSync, mkdtempSync } from 'node:fs';
import { realpath, writeFile } from 'node:fs/promises';
import { hostname, tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { nodeEntropy } from '../../cli/adapters/clock.ts';
import { FileKVStore } from '../../cli/adapters/file-store.ts';
import { WalletService } from '../../engine/node/wallet-service.ts';

const PASSPHRASE = 'cli lock test passphrase';
const ENV = { ...process.env, GLINT_PASSPHRASE: PASSPHRASE, GLINT_DATA: '', GLINT_ESPLORA: '' };

function glint(args: string[]): Promise<{ code: number | null; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    const child = spawn(process.execPath, ['--import', 'tsx', 'cli/glint.ts', ...args], { stdio: ['ignore', 'pipe', 'pipe'], env: ENV });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d) => (stdout += d));
    child.stderr.on('data', (d) => (stderr += d));
    child.on('close', (code) => resolve({ code, stdout, stderr }));
  });
}

const lockFor = (pid: number): string => `${JSON.stringify({ pid, host: hostname(), since: '2026-01-01T00:00:00.000Z' })}\n`;

/**
 * A wallet dir as `glint init` writes it, made in-process with cheap scrypt (log2N 10, recorded in
 * the header, so the spawned CLI unlocks with it): these tests are about the lock, not the KDF,
 * and the default N = 2^17 cost ~1 s per unlock (`mnemonic` unlocks twice) in every child.
 */
async function walletDir(): Promise<string> {
  const dir = await realpath(mkdtempSync(join(tmpdir(), 'glint-cli-lock-')));
  const raw = await FileKVStore.open(dir);
  const w = await WalletService.create({ raw, passphrase: PASSPHRASE, network: 'regtest', entropy: nodeEntropy, scrypt: { log2N: 10, r: 8, p: 1 } });
  await w.close();
  expect(existsSync(join(dir, 'LOCK'))).toBe(false);
  return dir;
}

describe('glint: the lock file in --data', { timeout: 120_000 }, () => {
  it('a Glint with the store open makes another command exit 1 naming it; once closed, the command runs', async () => {
    const dir = await walletDir();
    const held = await FileKVStore.open(dir); // this process is "the other glint"
    try {
      const r = await glint(['--data', dir, 'mnemonic']);
      expect(r.code).toBe(1);
      expect(r.stdout).toBe('');
      expect(r.stderr).toContain(`another glint is running on ${dir} (pid ${process.pid})`);
      expect(existsSync(join(dir, 'LOCK'))).toBe(true); // the holder's lock is left alone
    } finally {
      await held.close();
    }
    const ok = await glint(['--data', dir, 'mnemonic']);
    expect(ok.code).toBe(0);
    expect((JSON.parse(ok.stdout) as { words: string[] }).words).toHaveLength(24);
    expect(existsSync(join(dir, 'LOCK'))).toBe(false); // released on exit
  });

  it('a lock naming a live pid is refused; one naming a dead pid is taken over', async () => {
    const dir = await walletDir();
    const live = spawn(process.execPath, ['-e', 'setInterval(() => {}, 1000)'], { stdio: 'ignore' });
    try {
      await writeFile(join(dir, 'LOCK'), lockFor(live.pid as number));
      const r = await glint(['--data', dir, 'mnemonic']);
      expect(r.code).toBe(1);
      expect(r.stderr).toContain(`another glint is running on ${dir} (pid ${live.pid})`);
    } finally {
      live.kill();
    }
    const dead = spawn(process.execPath, ['-e', ''], { stdio: 'ignore' });
    await new Promise((r) => dead.once('exit', r));
    await writeFile(join(dir, 'LOCK'), lockFor(dead.pid as number));
    const ok = await glint(['--data', dir, 'mnemonic']);
    expect(ok.stderr).toBe('');
    expect(ok.code).toBe(0);
    expect(existsSync(join(dir, 'LOCK'))).toBe(false);
  });

  it('init on a directory another glint holds is refused too', async () => {
    const dir = await realpath(mkdtempSync(join(tmpdir(), 'glint-cli-lock-')));
    const held = await FileKVStore.open(dir);
    try {
      const r = await glint(['--data', dir, '--network', 'regtest', 'init']);
      expect(r.code).toBe(1);
      expect(r.stderr).toContain(`another glint is running on ${dir} (pid ${process.pid})`);
    } finally {
      await held.close();
    }
  });
});
