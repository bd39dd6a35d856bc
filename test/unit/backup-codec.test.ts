/**
 * The channel backup file (engine/node/backup-codec.ts): round trip, the seed-derived key (a
 * wrong seed cannot open it), tampering (every corrupted byte refused), truncation, an unknown
 * version, and the validators naming the bad field.
 */
import { describe, expect, it } from 'vitest';
import { sha256 } from '../../engine/crypto/hash.ts';
import { Keychain } from '../../engine/keys/keychain.ts';
import { DecodeError, ValidationError } from '../../engine/lib/errors.ts';
import {
  BACKUP_SALT_LEN,
  type BackupChannel,
  type ChannelBackup,
  checkBackupOwner,
  decodeBackupPlaintext,
  encodeBackupPlaintext,
  openBackup,
  sealBackup,
} from '../../engine/node/backup-codec.ts';
import type { ChannelParams } from '../../engine/channel/types.ts';

const keychain = Keychain.fromSeed(sha256(Uint8Array.of(1)), 'regtest');
const other = Keychain.fromSeed(sha256(Uint8Array.of(2)), 'regtest');
const peer = Keychain.fromSeed(sha256(Uint8Array.of(3)), 'regtest');
const SALT = new Uint8Array(BACKUP_SALT_LEN).fill(9);

function params(k: Keychain, index: number, upfront?: Uint8Array): ChannelParams {
  const keys = k.channelKeys(index);
  return {
    dustLimitSat: 546n,
    maxHtlcValueInFlightMsat: 100_000_000n,
    channelReserveSat: 1_000n,
    htlcMinimumMsat: 1n,
    toSelfDelay: 144,
    maxAcceptedHtlcs: 30,
    fundingPubkey: keys.fundingPubkey,
    revocationBasepoint: keys.revocationBasepoint,
    paymentBasepoint: keys.paymentBasepoint,
    delayedPaymentBasepoint: keys.delayedPaymentBasepoint,
    htlcBasepoint: keys.htlcBasepoint,
    ...(upfront ? { upfrontShutdownScript: upfront } : {}),
  };
}

function channel(index: number, channelType: BackupChannel['channelType'], uri: boolean): BackupChannel {
  const peerId = peer.nodeId();
  return {
    channelId: sha256(Uint8Array.of(0xc0, index)),
    channelType,
    isFunder: index % 2 === 0,
    channelFlags: 0,
    channelIndex: index,
    peerNodeId: peerId,
    peerUri: uri ? `${Buffer.from(peerId).toString('hex')}@127.0.0.1:9735` : '',
    proxy: uri ? 'ws://127.0.0.1:8080' : '',
    fundingOutpoint: { txid: sha256(Uint8Array.of(0xf0, index)), index: index },
    fundingSat: 100_000n + BigInt(index),
    localParams: params(keychain, index, index === 1 ? Uint8Array.of(0x00, 0x14, ...new Uint8Array(20).fill(1)) : undefined),
    remoteParams: params(peer, 100 + index),
  };
}

const backup: ChannelBackup = {
  network: 'regtest',
  nodeId: keychain.nodeId(),
  createdAtSec: 1_800_000_000,
  nextChannelIndex: 3,
  channels: [channel(0, 'static_remotekey', true), channel(1, 'anchors_zero_fee_htlc_tx', false), channel(2, 'anchors_zero_fee_htlc_tx', true)],
};

function field(fn: () => unknown): string {
  try {
    fn();
  } catch (err) {
    if (err instanceof DecodeError || err instanceof ValidationError) return err.field;
    throw err;
  }
  throw new Error('did not throw');
}

describe('channel backup file', () => {
  it('round trip: every field back as it was; a fresh salt gives other bytes', () => {
    const file = sealBackup(backup, keychain.backupSecret(), SALT);
    expect(Array.from(file.subarray(0, 5))).toEqual([0x47, 0x4c, 0x42, 0x4b, 1]);
    expect(openBackup(file, keychain.backupSecret())).toEqual(backup);
    const again = sealBackup(backup, keychain.backupSecret(), new Uint8Array(BACKUP_SALT_LEN).fill(10));
    expect(Buffer.from(again).equals(Buffer.from(file))).toBe(false);
    expect(openBackup(again, keychain.backupSecret())).toEqual(backup);
    expect(openBackup(sealBackup({ ...backup, channels: [] }, keychain.backupSecret(), SALT), keychain.backupSecret()).channels).toEqual([]);
  });

  it('holds no secret of the seed: no private key of the channels nor the node key appears in the plaintext', () => {
    const plain = Buffer.from(encodeBackupPlaintext(backup));
    for (const c of backup.channels) {
      const k = keychain.channelKeys(c.channelIndex);
      for (const s of [k.fundingSecret, k.paymentBasepointSecret, k.delayedPaymentBasepointSecret, k.revocationBasepointSecret, k.htlcBasepointSecret, k.shachainSeed]) {
        expect(plain.includes(Buffer.from(s))).toBe(false);
      }
    }
    expect(plain.includes(Buffer.from(keychain.nodeSecret()))).toBe(false);
    expect(plain.includes(Buffer.from(keychain.backupSecret()))).toBe(false);
  });

  it('the key comes from the seed: another wallet cannot open it', () => {
    const file = sealBackup(backup, keychain.backupSecret(), SALT);
    expect(field(() => openBackup(file, other.backupSecret()))).toBe('backup.ciphertext');
    // Same seed on another network: another backup secret (coin type 0 vs 1).
    const mainnet = Keychain.fromSeed(sha256(Uint8Array.of(1)), 'bitcoin');
    expect(field(() => openBackup(file, mainnet.backupSecret()))).toBe('backup.ciphertext');
  });

  it('every corrupted byte is refused, naming what is wrong', () => {
    const file = sealBackup(backup, keychain.backupSecret(), SALT);
    for (let i = 0; i < file.length; i++) {
      const bad = file.slice();
      bad[i] = (bad[i] as number) ^ 0x01;
      const f = field(() => openBackup(bad, keychain.backupSecret()));
      expect(f).toBe(i < 4 ? 'backup.magic' : i === 4 ? 'backup.version' : 'backup.ciphertext');
    }
  });

  it('truncated files are refused', () => {
    const file = sealBackup(backup, keychain.backupSecret(), SALT);
    expect(field(() => openBackup(file.subarray(0, 2), keychain.backupSecret()))).toBe('backup.magic');
    for (const n of [4, 5, 30, 37, 52, file.length - 1]) {
      expect(['backup', 'backup.ciphertext']).toContain(field(() => openBackup(file.subarray(0, n), keychain.backupSecret())));
    }
    expect(field(() => openBackup(new Uint8Array(0), keychain.backupSecret()))).toBe('backup.magic');
  });

  it('a version this code does not read is refused as such', () => {
    const file = sealBackup(backup, keychain.backupSecret(), SALT);
    for (const v of [0, 2, 255]) {
      const bad = file.slice();
      bad[4] = v;
      expect(() => openBackup(bad, keychain.backupSecret())).toThrow(/backup\.version: unsupported version/);
    }
  });

  it('malformed plaintext fields are named (decode)', () => {
    const plain = encodeBackupPlaintext(backup);
    const with_ = (i: number, v: number): Uint8Array => {
      const b = plain.slice();
      b[i] = v;
      return b;
    };
    expect(field(() => decodeBackupPlaintext(with_(0, 9)))).toBe('backup.network');
    expect(field(() => decodeBackupPlaintext(with_(1, 0x05)))).toBe('backup.nodeId');
    // Channel 0 starts after network 1, node id 33, created 8, next index 4, count 2 = 48; its type byte at 48 + 32.
    expect(field(() => decodeBackupPlaintext(with_(80, 7)))).toBe('backup.channels[0].channelType');
    expect(field(() => decodeBackupPlaintext(with_(81, 2)))).toBe('backup.channels[0].isFunder');
    expect(field(() => decodeBackupPlaintext(with_(45, 0)))).toBe('backup.channels[0].channelIndex'); // nextChannelIndex 0
    expect(field(() => decodeBackupPlaintext(plain.subarray(0, plain.length - 1)))).toMatch(/^backup\.channels\[2\]\.remoteParams/);
    expect(field(() => decodeBackupPlaintext(Uint8Array.from([...plain, 0])))).toBe('backup');
    const twice = encodeBackupPlaintext({ ...backup, channels: [backup.channels[0]!, { ...backup.channels[1]!, channelId: backup.channels[0]!.channelId }] });
    expect(field(() => decodeBackupPlaintext(twice))).toBe('backup.channels[1].channelId');
  });

  it('validators name the bad field (encode)', () => {
    const c = backup.channels[0]!;
    const one = (patch: Partial<BackupChannel>): ChannelBackup => ({ ...backup, channels: [{ ...c, ...patch }] });
    expect(field(() => encodeBackupPlaintext({ ...backup, network: 'mainnet' as never }))).toBe('network');
    expect(field(() => encodeBackupPlaintext(one({ channelType: 'legacy' as never })))).toBe('channels[0].channelType');
    expect(field(() => encodeBackupPlaintext(one({ channelIndex: 3 })))).toBe('channels[0].channelIndex');
    expect(field(() => encodeBackupPlaintext(one({ peerNodeId: new Uint8Array(33) })))).toBe('channels[0].peerNodeId');
    expect(field(() => encodeBackupPlaintext(one({ peerUri: `${Buffer.from(other.nodeId()).toString('hex')}@127.0.0.1:9735` })))).toBe('channels[0].peerUri');
    expect(field(() => encodeBackupPlaintext(one({ fundingSat: 0n })))).toBe('channels[0].fundingSat');
    expect(field(() => encodeBackupPlaintext(one({ channelId: new Uint8Array(31) })))).toBe('channels[0].channelId');
    expect(field(() => encodeBackupPlaintext(one({ localParams: { ...c.localParams, paymentBasepoint: new Uint8Array(33).fill(5) } })))).toBe('channels[0].localParams.paymentBasepoint');
  });

  it('checkBackupOwner: another network or node is refused by name', () => {
    expect(() => checkBackupOwner(backup, 'regtest', keychain.nodeId())).not.toThrow();
    expect(field(() => checkBackupOwner(backup, 'signet', keychain.nodeId()))).toBe('backup.network');
    expect(field(() => checkBackupOwner(backup, 'regtest', other.nodeId()))).toBe('backup.nodeId');
  });
});
