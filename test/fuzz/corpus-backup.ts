/**
 * Valid channel backup files for the fuzz targets (engine/node/backup-codec.ts): three channels of
 * both types, with and without a peer URI and an upfront shutdown script, built from real
 * keychains; and `sealPlaintext`, which encrypts any plaintext as the file format says (so a
 * mutated plaintext reaches the decoder behind the AEAD). Built once, on first use.
 */
import { aeadEncrypt } from '../../engine/crypto/aead.ts';
import { sha256 } from '../../engine/crypto/hash.ts';
import type { ChannelParams } from '../../engine/channel/types.ts';
import { Keychain } from '../../engine/keys/keychain.ts';
import { bytesToHex, concatBytes } from '../../engine/lib/bytes.ts';
import { BACKUP_MAGIC, BACKUP_SALT_LEN, BACKUP_VERSION, type BackupChannel, backupKey, encodeBackupPlaintext, sealBackup } from '../../engine/node/backup-codec.ts';

/** The seed's backup secret the fuzz files are sealed with. */
export const BACKUP_SECRET = sha256(Uint8Array.of(0xb7));
const SALTS = [new Uint8Array(BACKUP_SALT_LEN).fill(9), new Uint8Array(BACKUP_SALT_LEN).fill(0xa5)];
const KEYS = SALTS.map((s) => backupKey(BACKUP_SECRET, s));

let corpus: { plaintexts: Uint8Array[]; files: Uint8Array[] } | undefined;

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

export function backupCorpus(): { plaintexts: Uint8Array[]; files: Uint8Array[] } {
  if (corpus) return corpus;
  const ours = Keychain.fromSeed(sha256(Uint8Array.of(1)), 'regtest');
  const peer = Keychain.fromSeed(sha256(Uint8Array.of(3)), 'regtest');
  const channel = (index: number, channelType: BackupChannel['channelType'], uri: boolean): BackupChannel => ({
    channelId: sha256(Uint8Array.of(0xc0, index)),
    channelType,
    isFunder: index % 2 === 0,
    channelFlags: index % 2,
    channelIndex: index,
    peerNodeId: peer.nodeId(),
    peerUri: uri ? `${bytesToHex(peer.nodeId())}@127.0.0.1:9735` : '',
    proxy: uri ? 'ws://127.0.0.1:8080' : '',
    fundingOutpoint: { txid: sha256(Uint8Array.of(0xf0, index)), index },
    fundingSat: 100_000n + BigInt(index),
    localParams: params(ours, index, index === 1 ? Uint8Array.of(0x00, 0x14, ...new Uint8Array(20).fill(1)) : undefined),
    remoteParams: params(peer, 100 + index),
  });
  const backups = [
    { network: 'regtest' as const, nodeId: ours.nodeId(), createdAtSec: 1_800_000_000, nextChannelIndex: 3, channels: [channel(0, 'static_remotekey', true), channel(1, 'anchors_zero_fee_htlc_tx', false), channel(2, 'anchors_zero_fee_htlc_tx', true)] },
    { network: 'signet' as const, nodeId: ours.nodeId(), createdAtSec: 0, nextChannelIndex: 0, channels: [] },
  ];
  corpus = {
    plaintexts: backups.map(encodeBackupPlaintext),
    files: backups.flatMap((b) => SALTS.map((s) => sealBackup(b, BACKUP_SECRET, s))),
  };
  return corpus;
}

/** Encrypt `plaintext` as a backup file under BACKUP_SECRET (salt `which` of two fixed salts). */
export function sealPlaintext(plaintext: Uint8Array, which: number): Uint8Array {
  const salt = SALTS[which % SALTS.length] as Uint8Array;
  const header = concatBytes(BACKUP_MAGIC, Uint8Array.of(BACKUP_VERSION), salt);
  return concatBytes(header, aeadEncrypt(KEYS[which % KEYS.length] as Uint8Array, 0, header, plaintext));
}
