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
import { decodeWalletState } from '../../engine/wallet/state.ts';
import { sampleRecordBytes } from '../harness/sample-records.ts';
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
];
