/**
 * Every record Glint stores, with its current format version and owner. A record is either one
 * exact key (`wallet/meta`) or a family under a prefix ending in '/' (`channel/` + channel id).
 * Add a row when you add a record (and its RecordCodec, whose version must match); bump the
 * version here and in the codec together, with a migration from the old one. The unit test
 * checks that rows are unique and no prefix swallows another row.
 *
 * Keys under `glint/` belong to the store itself (the envelope); the rest are encrypted opaque
 * bytes to the store and belong to the module named as owner.
 */
import { HEADER_KEY, HEADER_VERSION, RECORD_VERSION } from './envelope.ts';

export interface RecordSpec {
  /** An exact key, or a prefix ending in '/' for a family of records. */
  readonly key: string;
  /** Current format version of the value (first byte of the value). */
  readonly version: number;
  /** The module that writes and reads it. */
  readonly owner: string;
  /** Stored in the clear (only the envelope header). */
  readonly plaintext?: boolean;
  readonly description: string;
}

/** Version of the envelope around every encrypted value (envelope.ts). */
export const ENVELOPE_RECORD_VERSION = RECORD_VERSION;

export const SCHEMA: readonly RecordSpec[] = Object.freeze([
  {
    key: HEADER_KEY,
    version: HEADER_VERSION,
    owner: 'engine/store/envelope.ts',
    plaintext: true,
    description: 'KDF parameters, salt and the passphrase-wrapped data key',
  },
  {
    key: 'store/schema',
    version: 1,
    owner: 'engine/store/migrations.ts',
    description: 'the store schema version (u16); absent in stores of schema 1; upgraded by migrateStore at unlock',
  },
  {
    key: 'wallet/seed',
    version: 1,
    owner: 'engine/node/wallet-service.ts',
    description: 'network, BIP 39 mnemonic and BIP 39 passphrase',
  },
  {
    key: 'wallet/onchain',
    version: 1,
    owner: 'engine/wallet/state.ts',
    description: 'on-chain wallet state: address indexes, known transactions, coin reservations (no secrets)',
  },
  {
    key: 'channel/',
    version: 8,
    owner: 'engine/channel/codec.ts (written by engine/node/channels.ts)',
    description: 'one channel state snapshot per channel id',
  },
  {
    key: 'channel-revoked/',
    version: 1,
    owner: 'engine/channel/bolt5/revoked.ts (written by engine/node/channel-watches.ts)',
    description: 'per channel id and commitment number: what we knew of a revoked commitment with HTLC outputs (to punish it if it is ever published, BOLT 5)',
  },
  {
    key: 'node/next-channel-index',
    version: 1,
    owner: 'engine/node/channels.ts',
    description: 'the next unused per-channel key index (saved before the index is first used)',
  },
  {
    key: 'node/peers',
    version: 1,
    owner: 'engine/node/peer-book.ts',
    description: 'address book: how each dialled peer was reached (URI, proxy), to redial channel peers after a restart',
  },
  {
    key: 'node/trusted-peers',
    version: 1,
    owner: 'engine/node/trusted-peers.ts',
    description: 'node ids the user trusts for zero-conf channels (their opens get minimum_depth 0)',
  },
  {
    key: 'node/backup-latest',
    version: 1,
    owner: 'engine/node/backup-latest.ts',
    description: 'the browser node\'s newest channel backup file (already encrypted with the seed\'s backup key), its content fingerprint, and whether it changed since the user last downloaded it',
  },
  {
    key: 'node/payments/out/',
    version: 1,
    owner: 'engine/node/payments/records.ts',
    description: 'one outgoing payment per payment hash: status, parts (route, HTLC, onion shared secrets), preimage once paid',
  },
  {
    key: 'node/payments/in/',
    version: 1,
    owner: 'engine/node/payments/records.ts',
    description: 'one invoice we issued (preimage, payment_secret) or keysend we claimed per payment hash, with the HTLCs that paid it',
  },
]);

/** The schema row a key belongs to (exact match first, then the longest prefix). */
export function recordSpecFor(key: string, schema: readonly RecordSpec[] = SCHEMA): RecordSpec | undefined {
  const exact = schema.find((s) => s.key === key);
  if (exact) return exact;
  let best: RecordSpec | undefined;
  for (const s of schema) if (s.key.endsWith('/') && key.startsWith(s.key) && (!best || s.key.length > best.key.length)) best = s;
  return best;
}

/** Problems with a schema table (duplicate keys, bad versions, prefixes that cover other rows). */
export function schemaProblems(schema: readonly RecordSpec[] = SCHEMA): string[] {
  const problems: string[] = [];
  const seen = new Set<string>();
  for (const s of schema) {
    if (seen.has(s.key)) problems.push(`${s.key}: listed twice`);
    seen.add(s.key);
    if (!Number.isInteger(s.version) || s.version < 1 || s.version > 255) problems.push(`${s.key}: version ${s.version} is not 1..255`);
    for (const o of schema) {
      if (o !== s && s.key.endsWith('/') && o.key.startsWith(s.key)) problems.push(`${o.key}: falls under the prefix ${s.key}`);
    }
  }
  return problems;
}
