/**
 * The automatic channel backup re-export (engine/node/backup-exporter.ts), the browser's latest
 * backup record (backup-latest.ts) and the import guard (backup-import.ts): an export is written
 * at the first request and then only when the channels it lists change (by content, not salt or
 * time), after the channel writes in flight are durable; only channel `state-changed` events ask
 * for one; the stored copy is marked "changed since download" on new content and cleared by a
 * download; an import is refused (nothing written) for another seed's file, a corrupted one, and
 * a wallet that already has the channel.
 */
import { describe, expect, it } from 'vitest';
import { bytesToHex } from '../../engine/lib/bytes.ts';
import { encodeChannelState } from '../../engine/channel/index.ts';
import type { NormalState } from '../../engine/channel/types.ts';
import { MemoryKVStore } from '../../engine/store/memory.ts';
import { Keychain } from '../../engine/keys/keychain.ts';
import { openBackup } from '../../engine/node/backup-codec.ts';
import { BackupExporter, type BackupSink } from '../../engine/node/backup-exporter.ts';
import { importBackupFile } from '../../engine/node/backup-import.ts';
import { LATEST_BACKUP_KEY, markBackupDownloaded, readLatestBackup, storeBackupSink } from '../../engine/node/backup-latest.ts';
import { silentLogger, type Clock } from '../../engine/ports.ts';
import { recordSpecFor, schemaProblems } from '../../engine/store/schema.ts';
import { ChannelPair } from '../harness/channel-pair.ts';

const clock: Clock = { now: () => 1_800_000_000_000, setTimer: () => () => {} };
const entropy = { randomBytes: (n: number) => crypto.getRandomValues(new Uint8Array(n)) };

function setup() {
  const pair = new ChannelPair();
  pair.openToNormal({ channelType: 'anchors_zero_fee_htlc_tx', pushMsat: 100_000_000n });
  const s = pair.a.state as NormalState;
  const source = { network: 'regtest' as const, nodeId: bytesToHex(pair.a.keychain.nodeId()), backupSecret: () => pair.a.keychain.backupSecret(), channelKeys: (n: number) => pair.a.keychain.channelKeys(n) };
  const store = new MemoryKVStore();
  const files: { file: Uint8Array; channels: number }[] = [];
  let idleCalls = 0;
  const sink: BackupSink = { save: async (file, info) => void files.push({ file, channels: info.channels }) };
  const exporter = new BackupExporter({ store, source, clock, entropy, sink, idle: async () => void idleCalls++, logger: silentLogger });
  const channelKey = `channel/${bytesToHex(s.commitments.channelId)}`;
  return { pair, s, source, store, files, exporter, channelKey, idleCalls: () => idleCalls };
}

describe('BackupExporter', () => {
  it('exports at the first request, then only when the listed channels change; after idle; only on state-changed', async () => {
    const t = setup();
    await t.exporter.request();
    expect(t.files.map((f) => f.channels)).toEqual([0]);
    expect(t.idleCalls()).toBe(1);
    await t.exporter.request();
    expect(t.files).toHaveLength(1);

    await t.store.write({ put: [[t.channelKey, encodeChannelState(t.s)]] });
    // Other events do not export.
    t.exporter.onChannelEvent({ type: 'channel', event: { type: 'htlc-added' } });
    t.exporter.onChannelEvent({ type: 'peer-error' });
    await t.exporter.idle();
    expect(t.files).toHaveLength(1);
    t.exporter.onChannelEvent({ type: 'channel', event: { type: 'state-changed' } });
    await t.exporter.idle();
    expect(t.files.map((f) => f.channels)).toEqual([0, 1]);
    const b = openBackup(t.files[1]!.file, t.source.backupSecret());
    expect(b.channels.map((c) => bytesToHex(c.channelId))).toEqual([bytesToHex(t.s.commitments.channelId)]);
    expect(b.createdAtSec).toBe(1_800_000_000);

    // Many requests while one runs fold into one more run; same content → no new file.
    await Promise.all([t.exporter.request(), t.exporter.request(), t.exporter.request()]);
    expect(t.files).toHaveLength(2);
  });

  it('a failing sink is logged, not thrown, and the next change tries again', async () => {
    const t = setup();
    let fail = true;
    const saved: number[] = [];
    const exporter = new BackupExporter({
      store: t.store,
      source: t.source,
      clock,
      entropy,
      sink: { save: async (_f, info) => (fail ? Promise.reject(new Error('disk full')) : void saved.push(info.channels)) },
      idle: async () => {},
      logger: silentLogger,
    });
    await exporter.request();
    fail = false;
    await exporter.request();
    expect(saved).toEqual([0]);
  });
});

describe('the latest backup in the store (browser)', () => {
  it('new content is marked changed; a download clears the mark; the same content keeps it cleared; new content marks it again', async () => {
    const t = setup();
    const store = new MemoryKVStore();
    const exporter = new BackupExporter({ store: t.store, source: t.source, clock, entropy, sink: storeBackupSink(store, clock), idle: async () => {}, logger: silentLogger });
    expect(await readLatestBackup(store)).toBeUndefined();
    await exporter.request();
    // No channel yet: kept, but nothing to recover, so no prompt.
    const empty = (await readLatestBackup(store))!;
    expect(empty).toMatchObject({ channels: 0, changedSinceDownload: false, savedAtMs: 1_800_000_000_000 });

    await t.store.write({ put: [[t.channelKey, encodeChannelState(t.s)]] });
    await exporter.request();
    const first = (await readLatestBackup(store))!;
    expect(first).toMatchObject({ channels: 1, changedSinceDownload: true });
    expect(openBackup(first.file, t.source.backupSecret()).channels).toHaveLength(1);
    await markBackupDownloaded(store, first.fingerprint);
    expect((await readLatestBackup(store))!.changedSinceDownload).toBe(false);

    // A restart exports the same content again (a new salt): the mark stays cleared, the file is kept.
    const again = new BackupExporter({ store: t.store, source: t.source, clock, entropy, sink: storeBackupSink(store, clock), idle: async () => {}, logger: silentLogger });
    await again.request();
    expect(await readLatestBackup(store)).toEqual({ ...first, changedSinceDownload: false });

    // The channel closes (its record gone here): new content, listing none — no prompt.
    await t.store.write({ del: [t.channelKey] });
    await again.request();
    expect(await readLatestBackup(store)).toMatchObject({ channels: 0, changedSinceDownload: false });
    // A second channel record (another id): new content → marked; a stale download of the older file does not clear it.
    const other = { ...t.s, commitments: { ...t.s.commitments, channelId: new Uint8Array(32).fill(0xcd) } };
    await t.store.write({ put: [[`channel/${'cd'.repeat(32)}`, encodeChannelState(other)]] });
    await again.request();
    expect(await readLatestBackup(store)).toMatchObject({ channels: 1, changedSinceDownload: true });
    await markBackupDownloaded(store, first.fingerprint);
    expect((await readLatestBackup(store))!.changedSinceDownload).toBe(true);
    // The record is in the store schema, at the codec's version.
    expect(recordSpecFor(LATEST_BACKUP_KEY)).toMatchObject({ key: LATEST_BACKUP_KEY, version: (await store.get(LATEST_BACKUP_KEY))![0] });
    expect(schemaProblems()).toEqual([]);
    // A corrupt record is refused by name.
    await store.write({ put: [[LATEST_BACKUP_KEY, Uint8Array.of(1, 0)]] });
    await expect(readLatestBackup(store)).rejects.toThrow(/node\/backup-latest/);
  });
});

describe('importBackupFile', () => {
  it('imports into a fresh store; refuses another seed, a corrupted file and existing channels, writing nothing', async () => {
    const t = setup();
    await t.store.write({ put: [[t.channelKey, encodeChannelState(t.s)]] });
    const files: Uint8Array[] = [];
    const exporter = new BackupExporter({ store: t.store, source: t.source, clock, entropy, sink: { save: async (f) => void files.push(f) }, idle: async () => {}, logger: silentLogger });
    await exporter.request();
    const file = files[0]!;

    const other = Keychain.fromSeed(new Uint8Array(64).fill(7), 'regtest');
    const fresh = new MemoryKVStore();
    await expect(importBackupFile(fresh, file, { ...t.source, nodeId: bytesToHex(other.nodeId()), backupSecret: () => other.backupSecret() })).rejects.toThrow(/backup\.ciphertext: does not decrypt with this seed/);
    const corrupt = file.slice();
    corrupt[corrupt.length - 1]! ^= 0x80;
    await expect(importBackupFile(fresh, corrupt, t.source)).rejects.toThrow(/backup\.ciphertext/);
    expect(fresh.rawEntries()).toEqual([]);

    expect(await importBackupFile(fresh, file, t.source)).toEqual({ recovering: [bytesToHex(t.s.commitments.channelId)], kept: [] });
    const before = fresh.rawEntries();
    await expect(importBackupFile(fresh, file, t.source)).rejects.toThrow(/backup\.channels: this wallet already has channel [0-9a-f]{64}/);
    await expect(importBackupFile(t.store, file, t.source)).rejects.toThrow(/already has channel/);
    expect(fresh.rawEntries()).toEqual(before);
  });
});
