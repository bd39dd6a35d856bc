// workers/backup-host.ts (the `backup.*` RPC methods in the worker) over a real WalletService on a
// memory store: status before and after the node's first export, a download that clears the
// "changed" mark (and seals one on the spot when the node has written none), an import that stops
// the node before writing and starts it again after — also when the file is refused — and the
// RPC validators of the base64 file.
import { describe, expect, it } from 'vitest';
import { BackupExporter, MemoryKVStore, WalletService, generateMnemonic, openBackup, silentLogger, storeBackupSink, type Clock } from '../../engine/index.ts';
import { BackupHost } from '../../workers/backup-host.ts';
import { BACKUP_PARAMS, base64ToBytes, bytesToBase64 } from '../../workers/rpc/protocol-backup.ts';
import { nodeEntropy } from '../../cli/adapters/clock.ts';

const SCRYPT = { log2N: 10, r: 8, p: 1 };
const clock: Clock = { now: () => Date.UTC(2026, 11, 2, 12), setTimer: () => () => {} };

async function wallet(): Promise<WalletService> {
  return WalletService.create({ raw: new MemoryKVStore(), passphrase: 'pw', network: 'regtest', entropy: nodeEntropy, mnemonic: generateMnemonic(nodeEntropy, 24), scrypt: SCRYPT });
}

function host(w: WalletService | null) {
  const calls: string[] = [];
  const h = new BackupHost({
    wallet: () => (w ? { wallet: w } : null),
    stopNode: async () => void calls.push('stop'),
    startNode: () => void calls.push('start'),
    clock,
    entropy: nodeEntropy,
  });
  return { h, calls };
}

describe('BackupHost', () => {
  it('status and download, before and after the node exported; the download clears the mark', async () => {
    const w = await wallet();
    const { h } = host(w);
    expect(await h.status()).toEqual({ available: false, channels: 0, savedAt: null, changedSinceDownload: false });
    const sealed = await h.download();
    expect(sealed.fileName).toBe(`glint-regtest-${w.nodeId.slice(0, 8)}-2026-12-02.glint`);
    expect(openBackup(base64ToBytes(sealed.file), w.backupSecret()).channels).toEqual([]);

    const exporter = new BackupExporter({ store: w.channelStore(), source: w, clock, entropy: nodeEntropy, sink: storeBackupSink(w.channelStore(), clock), idle: async () => {}, logger: silentLogger });
    await exporter.request();
    // No channel: nothing to prompt for (the marking rules are backup-exporter.test.ts's).
    expect(await h.status()).toEqual({ available: true, channels: 0, savedAt: clock.now(), changedSinceDownload: false });
    const d = await h.download();
    expect(openBackup(base64ToBytes(d.file), w.backupSecret()).nodeId).toHaveLength(33);
    expect((await h.status()).changedSinceDownload).toBe(false);
  });

  it('import stops the node, writes, starts it again; a refused file is reported and the node still restarts', async () => {
    const w = await wallet();
    const { h, calls } = host(w);
    const own = await h.download();
    expect(await h.import(own.file)).toEqual({ recovering: [] });
    expect(calls).toEqual(['stop', 'start']);

    const other = await wallet();
    const theirs = await host(other).h.download();
    await expect(h.import(theirs.file)).rejects.toThrow(/backup\.ciphertext: does not decrypt with this seed/);
    await expect(h.import(bytesToBase64(new TextEncoder().encode('not a backup')))).rejects.toThrow(/backup\.magic/);
    expect(calls).toEqual(['stop', 'start', 'stop', 'start', 'stop', 'start']);
  });

  it('needs an unlocked wallet; the RPC refuses a file that is not base64', async () => {
    await expect(host(null).h.status()).rejects.toThrow(/unlocked wallet/);
    expect(() => BACKUP_PARAMS['backup.import']({ file: 'not base64!' })).toThrow(/params\.file: must be base64/);
    expect(() => BACKUP_PARAMS['backup.import']({ file: '' })).toThrow(/params\.file/);
    expect(() => BACKUP_PARAMS['backup.import']({ file: 'QUJD', extra: 1 })).toThrow(/extra/);
    expect(BACKUP_PARAMS['backup.import']({ file: 'QUJD' })).toEqual({ file: 'QUJD' });
  });
});
