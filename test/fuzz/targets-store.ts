/**
 * Fuzz targets for the stored record codecs: a damaged (or hostile, e.g. restored from a bad
 * backup) record must give a clean DecodeError / CorruptRecordError, never a TypeError or a hang.
 * A RecordCodec wraps its body decoder's error as CorruptRecordError with the original as
 * `cause`; a cause that is not itself a documented decode error is still a crash.
 */

import { decodeChannelState } from '../../engine/channel/codec.ts';
import { decodeRevokedCommitment } from '../../engine/channel/bolt5/revoked.ts';
import { DecodeError, ValidationError } from '../../engine/lib/errors.ts';
import { decodeIndex, encodeIndex } from '../../engine/node/channel-inspect.ts';
import { incomingPaymentCodec, outgoingPaymentCodec } from '../../engine/node/payments/records.ts';
import { peerBookCodec } from '../../engine/node/peer-book.ts';
import { trustedPeersCodec } from '../../engine/node/trusted-peers.ts';
import { CorruptRecordError } from '../../engine/store/errors.ts';
import { decodeSchemaRecord, encodeSchemaRecord } from '../../engine/store/migrations.ts';
import { buildHeader, openRecord, parseHeader, sealRecord } from '../../engine/store/envelope.ts';
import { sha256 } from '../../engine/crypto/hash.ts';
import { concatBytes } from '../../engine/lib/bytes.ts';
import { decodeWalletState } from '../../engine/wallet/state.ts';
import { openBackup, decodeBackupPlaintext } from '../../engine/node/backup-codec.ts';
import { STORE_UPGRADES } from '../../engine/node/store-upgrades.ts';
import { seedCodec } from '../../engine/node/wallet-service.ts';
import { mutateBytes, type Rng } from './mutate.ts';
import { sampleRecordBytes } from '../harness/sample-records.ts';
import { BACKUP_SECRET, backupCorpus, sealPlaintext } from './corpus-backup.ts';
import { pairRun, snapshotSeeds } from './corpus.ts';
import type { FuzzTarget } from './runner.ts';

/** DecodeError or ValidationError (the codecs' field validators), directly or as a record's cause. */
export function isRecordError(err: unknown): boolean {
  if (err instanceof DecodeError || err instanceof ValidationError) return true;
  if (err instanceof CorruptRecordError) return err.cause === undefined || isRecordError(err.cause);
  return false;
}

export const STORE_TARGETS: readonly FuzzTarget[] = [
  {
    name: 'record-channel',
    description: 'channel/<id> snapshots, versions 1–5 (engine/channel/codec.ts)',
    kind: 'bytes',
    seeds: snapshotSeeds,
    run: (b) => void decodeChannelState(b),
    expected: isRecordError,
    maxLength: 200_000,
  },
  {
    name: 'record-channel-revoked',
    description: 'channel-revoked/<id>/<n> records (engine/channel/bolt5/revoked.ts)',
    kind: 'bytes',
    seeds: () => pairRun().revoked,
    run: (b) => void decodeRevokedCommitment(b),
    expected: isRecordError,
  },
  {
    name: 'record-wallet',
    description: 'wallet/onchain state (engine/wallet/state.ts)',
    kind: 'bytes',
    seeds: () => [sampleRecordBytes().wallet],
    run: (b) => void decodeWalletState(b),
    expected: isRecordError,
  },
  {
    name: 'record-payments',
    description: 'node/payments/out|in/<hash> records (engine/node/payments/records.ts)',
    kind: 'bytes',
    seeds: () => [sampleRecordBytes().outgoing, sampleRecordBytes().incoming],
    run: (b) => {
      for (const codec of [outgoingPaymentCodec, incomingPaymentCodec] as const) {
        try {
          codec.decode(b);
        } catch (err) {
          if (!isRecordError(err)) throw err;
        }
      }
    },
    expected: isRecordError,
  },
  {
    name: 'record-node',
    description: 'node/peers, node/trusted-peers, node/next-channel-index and store/schema records',
    kind: 'bytes',
    seeds: () => [sampleRecordBytes().peers, sampleRecordBytes().trusted, encodeIndex(3), encodeSchemaRecord(2)],
    run: (b) => {
      for (const decode of [(x: Uint8Array) => peerBookCodec.decode(x), (x: Uint8Array) => trustedPeersCodec.decode(x), decodeIndex, decodeSchemaRecord]) {
        try {
          decode(b);
        } catch (err) {
          if (!isRecordError(err)) throw err;
        }
      }
    },
    expected: isRecordError,
  },
  {
    name: 'record-seed',
    description: 'wallet/seed record: network, BIP 39 mnemonic and passphrase (engine/node/wallet-service.ts)',
    kind: 'bytes',
    seeds: () => [
      seedCodec.encode({ network: 'regtest', mnemonic: 'abandon abandon abandon abandon abandon abandon abandon abandon abandon abandon abandon about', bip39Passphrase: '' }),
      seedCodec.encode({ network: 'signet', mnemonic: 'legal winner thank year wave sausage worth useful legal winner thank yellow', bip39Passphrase: 'TREZOR ñ 🙂' }),
    ],
    run: (b) => void seedCodec.decode(b),
    expected: isRecordError,
    maxLength: 2048,
  },
  {
    name: 'record-migrations',
    description: 'schema 1 → 2 record upgraders, every key they cover (engine/node/store-upgrades.ts) on old and current records',
    kind: 'bytes',
    seeds: () => [...snapshotSeeds(), ...pairRun().revoked, ...Object.values(sampleRecordBytes())],
    run: (b) => {
      for (const [key, upgrade] of UPGRADE_KEYS) {
        try {
          upgrade(key, b);
        } catch (err) {
          if (!isRecordError(err)) throw err;
        }
      }
    },
    expected: isRecordError,
    maxLength: 200_000,
  },
  {
    name: 'store-envelope',
    description: 'the encrypted store: glint/header (version, checksum, KDF/AEAD ids, scrypt bounds) and sealed record envelopes (engine/store/envelope.ts)',
    kind: 'bytes',
    seeds: envelopeSeeds,
    run: (b) => {
      for (const open of [() => parseHeader(b), () => openRecord(DEK, ENVELOPE_KEY, b)]) {
        try {
          open();
        } catch (err) {
          if (!isRecordError(err)) throw err;
        }
      }
    },
    expected: isRecordError,
    mutate: rechecksummedHeader,
    maxLength: 4096,
  },
  {
    name: 'backup-plaintext',
    description: 'channel backup file body after decryption (engine/node/backup-codec.ts decodeBackupPlaintext)',
    kind: 'bytes',
    seeds: () => backupCorpus().plaintexts,
    run: (b) => void decodeBackupPlaintext(b),
    expected: isRecordError,
    maxLength: 20_000,
  },
  {
    name: 'backup-file',
    description: 'channel backup file as imported (openBackup: magic, version, AEAD, then the body); mutated bodies re-sealed',
    kind: 'bytes',
    seeds: () => backupCorpus().files,
    run: (b) => void openBackup(b, BACKUP_SECRET),
    expected: isRecordError,
    mutate: resealed,
    maxLength: 20_000,
  },
];

/** A backup file whose body is a mutated valid plaintext, sealed as the format says: passes the AEAD. */
function resealed(rng: Rng, _input: Uint8Array, _seeds: readonly Uint8Array[]): Uint8Array {
  const plaintexts = backupCorpus().plaintexts;
  let b = rng.pick(plaintexts);
  for (let k = 1 + rng.below(4); k > 0; k--) b = mutateBytes(rng, b, plaintexts, 20_000);
  return sealPlaintext(b, rng.below(2));
}

/** One key per upgrader row (a prefix row gets a key under it). */
const UPGRADE_KEYS = Object.entries(STORE_UPGRADES).map(([k, upgrade]) => [k.endsWith('/') ? `${k}${'00'.repeat(32)}` : k, upgrade] as const);

const DEK = new Uint8Array(32).fill(0xd7);
const ENVELOPE_KEY = 'channel/00';

/** Headers as the store writes them (scrypt bounds at both ends), and sealed records of every shape. */
function envelopeSeeds(): Uint8Array[] {
  const kek = new Uint8Array(32).fill(0x4b);
  const headers = [
    { log2N: 17, r: 8, p: 1 },
    { log2N: 10, r: 1, p: 1 },
    { log2N: 20, r: 8, p: 2 },
  ].map((params, i) => buildHeader(params, new Uint8Array(32).fill(i), kek, DEK, new Uint8Array(24).fill(i + 1)));
  const records = [new Uint8Array(0), Uint8Array.of(1), sampleRecordBytes().wallet].map((p, i) => sealRecord(DEK, ENVELOPE_KEY, p, new Uint8Array(24).fill(0x40 + i)));
  return [...headers, ...records];
}

/** A 126-byte header with mutated fields and a recomputed checksum: reaches the KDF/AEAD id and scrypt bound checks. */
function rechecksummedHeader(rng: Rng, input: Uint8Array, seeds: readonly Uint8Array[]): Uint8Array {
  const b = (input.length === 126 ? input : (seeds[rng.below(3)] as Uint8Array)).slice();
  for (let k = 1 + rng.below(3); k > 0; k--) b[rng.below(6)] = rng.chance(0.5) ? rng.below(256) : (b[rng.below(6)] as number) + rng.below(3) - 1;
  if (rng.chance(0.1)) b[0] = 1;
  const body = b.subarray(0, 110);
  return concatBytes(body, sha256(body).subarray(0, 16));
}
