/**
 * BOLT 3 "Per-commitment Secret Requirements": generating per-commitment secrets from a seed, and
 * storing the counterparty's revealed secrets in O(log n) space (49 slots), checking on every
 * insert that the new secret derives all the earlier ones it should.
 *
 * Indexes count down: commitment number n uses index I = 2^48 − 1 − n.
 *
 * https://github.com/lightning/bolts/blob/master/03-transactions.md#per-commitment-secret-requirements
 */
import { publicKeyOf } from '../crypto/secp256k1.ts';
import { sha256 } from '../crypto/hash.ts';
import { equalBytes } from '../lib/bytes.ts';
import { DecodeError, ProtocolError, ValidationError } from '../lib/errors.ts';
import { ByteReader } from '../wire/reader.ts';
import { ByteWriter } from '../wire/writer.ts';

/** The first index used (commitment number 0): 2^48 − 1. */
export const SHACHAIN_START_INDEX = 2 ** 48 - 1;
/** Commitment numbers are 48 bits. */
export const MAX_COMMITMENT_NUMBER = 2 ** 48 - 1;

function checkIndex(index: number, field: string): bigint {
  if (!Number.isSafeInteger(index) || index < 0 || index > SHACHAIN_START_INDEX) {
    throw new ValidationError(field, `must be an integer from 0 to 2^48-1, got ${String(index)}`);
  }
  return BigInt(index);
}

function check32(bytes: Uint8Array, field: string): void {
  if (!(bytes instanceof Uint8Array) || bytes.length !== 32) throw new ValidationError(field, 'must be 32 bytes');
}

/**
 * BOLT 3 `derive_secret(base, bits, I)`: for B from bits−1 down to 0, if bit B of I is set,
 * flip bit B of the value and hash it.
 */
function deriveSecret(base: Uint8Array, bits: number, index: bigint): Uint8Array {
  let p: Uint8Array = base.slice();
  for (let b = bits - 1; b >= 0; b--) {
    if ((index >> BigInt(b)) & 1n) {
      p[b >> 3] = (p[b >> 3] as number) ^ (1 << (b & 7));
      p = sha256(p);
    }
  }
  return p;
}

/** BOLT 3 `generate_from_seed(seed, I)`: the secret at shachain index `index`. */
export function shachainSecret(seed: Uint8Array, index: number): Uint8Array {
  check32(seed, 'seed');
  return deriveSecret(seed, 48, checkIndex(index, 'index'));
}

/** Per-commitment secret of commitment number `n` (index 2^48 − 1 − n). */
export function perCommitmentSecret(seed: Uint8Array, commitmentNumber: number): Uint8Array {
  checkIndex(commitmentNumber, 'commitmentNumber');
  return shachainSecret(seed, SHACHAIN_START_INDEX - commitmentNumber);
}

const POINT_CACHE_LIMIT = 256;
/** Recent per-commitment points by SHA256(seed) and commitment number (points are public; the seed is not kept). */
const pointCache = new Map<string, Uint8Array>();

/**
 * Per-commitment point of commitment number `n`: `per_commitment_secret · G`. The channel asks for
 * each point twice (as `next_per_commitment_point` in `revoke_and_ack`, then to build that
 * commitment), so recent points are cached.
 */
export function perCommitmentPoint(seed: Uint8Array, commitmentNumber: number): Uint8Array {
  checkIndex(commitmentNumber, 'commitmentNumber');
  check32(seed, 'seed');
  let key = '';
  for (const b of sha256(seed)) key += b.toString(16).padStart(2, '0');
  key += ':' + commitmentNumber;
  const hit = pointCache.get(key);
  if (hit) return hit.slice();
  const point = publicKeyOf(perCommitmentSecret(seed, commitmentNumber));
  if (pointCache.size >= POINT_CACHE_LIMIT) pointCache.delete(pointCache.keys().next().value as string);
  pointCache.set(key, point.slice());
  return point;
}

/** BOLT 3 `where_to_put_secret(I)`: the number of trailing zero bits of I (48 for I = 0). */
function slotOf(index: bigint): number {
  for (let b = 0; b < 48; b++) if ((index >> BigInt(b)) & 1n) return b;
  return 48;
}

const STORE_VERSION = 1;

interface Slot {
  readonly index: bigint;
  readonly secret: Uint8Array;
}

/**
 * The counterparty's revealed per-commitment secrets in the BOLT 3 compact form. Secrets must
 * arrive in order (index 2^48−1, then 2^48−2, …): that is the order `revoke_and_ack` reveals them.
 */
export class ShachainStore {
  private readonly slots: (Slot | undefined)[] = new Array<Slot | undefined>(49).fill(undefined);
  private next: bigint | undefined;

  /** The index the next insert must have (`undefined` before the first). */
  get nextIndex(): number | undefined {
    return this.next === undefined ? undefined : Number(this.next);
  }

  /**
   * BOLT 3 `insert_secret(secret, I)`. Throws ProtocolError (the peer revealed a secret that does
   * not derive one it revealed earlier, so the channel must fail) and leaves the store unchanged.
   */
  insert(secret: Uint8Array, index: number): void {
    check32(secret, 'per_commitment_secret');
    const i = checkIndex(index, 'index');
    if (this.next !== undefined && i !== this.next) {
      throw new ProtocolError(`per_commitment_secret: expected index ${this.next}, got ${i}`);
    }
    const slot = slotOf(i);
    for (let b = 0; b < slot; b++) {
      const known = this.slots[b];
      if (!known) continue;
      const derived = deriveSecret(secret, slot, known.index);
      if (!equalBytes(derived, known.secret)) {
        throw new ProtocolError(`per_commitment_secret: secret for index ${i} does not derive the earlier secret for index ${known.index}`);
      }
    }
    this.slots[slot] = { index: i, secret: secret.slice() };
    this.next = i - 1n;
  }

  /** Insert the secret of commitment number `n` (index 2^48 − 1 − n). */
  insertCommitment(secret: Uint8Array, commitmentNumber: number): void {
    checkIndex(commitmentNumber, 'commitmentNumber');
    this.insert(secret, SHACHAIN_START_INDEX - commitmentNumber);
  }

  /** BOLT 3 `derive_old_secret(I)`: a secret already revealed, or undefined if not yet. */
  secretAt(index: number): Uint8Array | undefined {
    const i = checkIndex(index, 'index');
    for (let b = 0; b < 49; b++) {
      const known = this.slots[b];
      if (!known) continue;
      const mask = ~((1n << BigInt(b)) - 1n);
      if ((i & mask) === known.index) return deriveSecret(known.secret, b, i);
    }
    return undefined;
  }

  /** The revealed secret of commitment number `n`, if it has been revealed. */
  secretOfCommitment(commitmentNumber: number): Uint8Array | undefined {
    checkIndex(commitmentNumber, 'commitmentNumber');
    return this.secretAt(SHACHAIN_START_INDEX - commitmentNumber);
  }

  /** Versioned bytes: u8 version, u8 count, then per slot u8 slot, u64 index, 32-byte secret. */
  toBytes(): Uint8Array {
    const w = new ByteWriter(2 + 49 * 41);
    const filled = this.slots.flatMap((s, b) => (s ? [[b, s] as const] : []));
    w.u8(STORE_VERSION).u8(filled.length);
    for (const [b, s] of filled) w.u8(b).u64(s.index).bytes(s.secret);
    return w.finish();
  }

  /** Decode `toBytes`, checking that each slot's index has the trailing zeros its slot implies. */
  static fromBytes(bytes: Uint8Array): ShachainStore {
    const r = new ByteReader(bytes);
    const version = r.u8('shachain.version');
    if (version !== STORE_VERSION) throw new DecodeError('shachain.version', `unknown version ${version}`);
    const count = r.u8('shachain.count');
    if (count > 49) throw new DecodeError('shachain.count', `at most 49 slots, got ${count}`);
    const store = new ShachainStore();
    let lowest: bigint | undefined;
    for (let k = 0; k < count; k++) {
      const b = r.u8('shachain.slot');
      const index = r.u64('shachain.index');
      const secret = r.take(32, 'shachain.secret');
      if (b > 48 || store.slots[b] || index > BigInt(SHACHAIN_START_INDEX) || slotOf(index) !== b) {
        throw new DecodeError('shachain.slot', `slot ${b} with index ${index} is inconsistent`);
      }
      store.slots[b] = { index, secret: secret.slice() };
      if (lowest === undefined || index < lowest) lowest = index;
    }
    if (!r.done) throw new DecodeError('shachain', 'trailing bytes');
    store.next = lowest === undefined ? undefined : lowest - 1n;
    return store;
  }
}
