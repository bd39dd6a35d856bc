/**
 * BOLT 3 "Key Derivation": the per-commitment keys every commitment transaction and its HTLC
 * transactions are built from.
 *
 *   pubkey            = basepoint + SHA256(per_commitment_point || basepoint)·G
 *   privkey           = basepoint_secret + SHA256(per_commitment_point || basepoint)
 *   revocationpubkey  = revocation_basepoint·SHA256(revocation_basepoint || per_commitment_point)
 *                     + per_commitment_point·SHA256(per_commitment_point || revocation_basepoint)
 *   revocationprivkey = revocation_basepoint_secret·SHA256(revocation_basepoint || per_commitment_point)
 *                     + per_commitment_secret·SHA256(per_commitment_point || revocation_basepoint)
 *
 * https://github.com/lightning/bolts/blob/master/03-transactions.md#key-derivation
 */
import {
  pointAddTweak,
  pointMultiplyAdd,
  privateAdd,
  privateMultiply,
  publicKeyOf,
} from '../../crypto/secp256k1.ts';
import { computePoints, type PointJob } from '../../crypto/secp256k1-fast.ts';
import { sha256 } from '../../crypto/hash.ts';
import { concatBytes, equalBytes } from '../../lib/bytes.ts';
import { ValidationError } from '../../lib/errors.ts';
import { checkPubkey, checkSecret } from './check.ts';

/**
 * BOLT 3 `localpubkey`, `local_htlcpubkey`, `remote_htlcpubkey`, `local_delayedpubkey` and
 * `remote_delayedpubkey` derivation: `basepoint + SHA256(per_commitment_point || basepoint)·G`.
 */
export function derivePubkey(basepoint: Uint8Array, perCommitmentPoint: Uint8Array): Uint8Array {
  checkPubkey(basepoint, 'basepoint');
  checkPubkey(perCommitmentPoint, 'perCommitmentPoint');
  return pointAddTweak(basepoint, sha256(concatBytes(perCommitmentPoint, basepoint)));
}

/**
 * The private key of {@link derivePubkey}: `basepoint_secret + SHA256(per_commitment_point || basepoint)`.
 * `basepoint` is recomputed from the secret, so a mismatched pair cannot be passed.
 */
export function derivePrivkey(basepointSecret: Uint8Array, perCommitmentPoint: Uint8Array): Uint8Array {
  checkSecret(basepointSecret, 'basepointSecret');
  checkPubkey(perCommitmentPoint, 'perCommitmentPoint');
  const basepoint = publicKeyOf(basepointSecret);
  return privateAdd(basepointSecret, sha256(concatBytes(perCommitmentPoint, basepoint)));
}

/** BOLT 3 "`revocationpubkey` Derivation". */
export function deriveRevocationPubkey(revocationBasepoint: Uint8Array, perCommitmentPoint: Uint8Array): Uint8Array {
  checkPubkey(revocationBasepoint, 'revocationBasepoint');
  checkPubkey(perCommitmentPoint, 'perCommitmentPoint');
  const a = sha256(concatBytes(revocationBasepoint, perCommitmentPoint));
  const b = sha256(concatBytes(perCommitmentPoint, revocationBasepoint));
  return pointMultiplyAdd(revocationBasepoint, a, perCommitmentPoint, b);
}

/**
 * BOLT 3 revocation private key, computable once the commitment owner has revealed
 * `per_commitment_secret` (in `revoke_and_ack`).
 */
export function deriveRevocationPrivkey(revocationBasepointSecret: Uint8Array, perCommitmentSecret: Uint8Array): Uint8Array {
  checkSecret(revocationBasepointSecret, 'revocationBasepointSecret');
  checkSecret(perCommitmentSecret, 'perCommitmentSecret');
  const revocationBasepoint = publicKeyOf(revocationBasepointSecret);
  const perCommitmentPoint = publicKeyOf(perCommitmentSecret);
  const a = privateMultiply(revocationBasepointSecret, sha256(concatBytes(revocationBasepoint, perCommitmentPoint)));
  const b = privateMultiply(perCommitmentSecret, sha256(concatBytes(perCommitmentPoint, revocationBasepoint)));
  return privateAdd(a, b);
}

/** A node's channel basepoints (BOLT 2 `open_channel` / `accept_channel`). */
export interface ChannelBasepoints {
  readonly revocationBasepoint: Uint8Array;
  readonly paymentBasepoint: Uint8Array;
  readonly delayedPaymentBasepoint: Uint8Array;
  readonly htlcBasepoint: Uint8Array;
}

/**
 * The keys of one commitment transaction, in BOLT 3 terms: "local" is the commitment's owner
 * (the side that can broadcast it), "remote" is the countersignatory. For the peer's commitment,
 * the peer is local.
 */
export interface CommitmentKeys {
  /** The owner's `per_commitment_point` for this commitment number. */
  readonly perCommitmentPoint: Uint8Array;
  /** `revocationpubkey`, from the remote's `revocation_basepoint`. */
  readonly revocationPubkey: Uint8Array;
  /** `local_delayedpubkey`, from the owner's `delayed_payment_basepoint`. */
  readonly localDelayedPubkey: Uint8Array;
  /** `local_htlcpubkey`, from the owner's `htlc_basepoint`. */
  readonly localHtlcPubkey: Uint8Array;
  /** `remote_htlcpubkey`, from the remote's `htlc_basepoint`. */
  readonly remoteHtlcPubkey: Uint8Array;
  /** BOLT 3 "`remotepubkey` Derivation": the remote's `payment_basepoint` itself (static_remotekey). */
  readonly remotePaymentPubkey: Uint8Array;
}

/** The commitment keys at `perCommitmentPoint`, the revocation pubkey from `revocation`, all with one field inversion. */
function keysFrom(
  perCommitmentPoint: Uint8Array,
  revocation: PointJob,
  local: Pick<ChannelBasepoints, 'delayedPaymentBasepoint' | 'htlcBasepoint'>,
  remote: Pick<ChannelBasepoints, 'revocationBasepoint' | 'htlcBasepoint' | 'paymentBasepoint'>,
): CommitmentKeys {
  const tweaked = (basepoint: Uint8Array): PointJob => ({ kind: 'add-tweak', point: basepoint, tweak: sha256(concatBytes(perCommitmentPoint, basepoint)) });
  const [revocationPubkey, localDelayedPubkey, localHtlcPubkey, remoteHtlcPubkey] = computePoints([
    revocation,
    tweaked(checkPubkey(local.delayedPaymentBasepoint, 'local.delayedPaymentBasepoint')),
    tweaked(checkPubkey(local.htlcBasepoint, 'local.htlcBasepoint')),
    tweaked(checkPubkey(remote.htlcBasepoint, 'remote.htlcBasepoint')),
  ]) as [Uint8Array, Uint8Array, Uint8Array, Uint8Array];
  return Object.freeze({
    perCommitmentPoint,
    revocationPubkey,
    localDelayedPubkey,
    localHtlcPubkey,
    remoteHtlcPubkey,
    remotePaymentPubkey: checkPubkey(remote.paymentBasepoint, 'remote.paymentBasepoint'),
  });
}

/**
 * Derive every key of the commitment owned by `local` at `perCommitmentPoint` (BOLT 3 "Key
 * Derivation"). Compute this once per commitment and pass it to the builders: it costs four
 * point multiplications.
 */
export function deriveCommitmentKeys(
  perCommitmentPoint: Uint8Array,
  local: Pick<ChannelBasepoints, 'delayedPaymentBasepoint' | 'htlcBasepoint'>,
  remote: Pick<ChannelBasepoints, 'revocationBasepoint' | 'htlcBasepoint' | 'paymentBasepoint'>,
): CommitmentKeys {
  checkPubkey(perCommitmentPoint, 'perCommitmentPoint');
  try {
    const revocationBasepoint = checkPubkey(remote.revocationBasepoint, 'remote.revocationBasepoint');
    const a = sha256(concatBytes(revocationBasepoint, perCommitmentPoint));
    const b = sha256(concatBytes(perCommitmentPoint, revocationBasepoint));
    return keysFrom(perCommitmentPoint, { kind: 'multiply-add', p: revocationBasepoint, a, q: perCommitmentPoint, b }, local, remote);
  } catch (err) {
    if (err instanceof ValidationError) throw err;
    // A tweak outside [1, n) or an infinite sum: probability ~2^-128, but never a silent bad key.
    throw new ValidationError('perCommitmentPoint', `derives an invalid key (${(err as Error).message})`);
  }
}

/**
 * {@link deriveCommitmentKeys} for our own commitment, from its `per_commitment_secret`: the same
 * keys, cheaper, because `per_commitment_point·b = (per_commitment_secret·b)·G` lets the
 * `revocationpubkey` use the precomputed table for G instead of a variable-base multiplication.
 */
export function deriveLocalCommitmentKeys(
  perCommitmentSecret: Uint8Array,
  local: Pick<ChannelBasepoints, 'delayedPaymentBasepoint' | 'htlcBasepoint'>,
  remote: Pick<ChannelBasepoints, 'revocationBasepoint' | 'htlcBasepoint' | 'paymentBasepoint'>,
): CommitmentKeys {
  checkSecret(perCommitmentSecret, 'perCommitmentSecret');
  const perCommitmentPoint = publicKeyOf(perCommitmentSecret);
  const revocationBasepoint = checkPubkey(remote.revocationBasepoint, 'remote.revocationBasepoint');
  try {
    const a = sha256(concatBytes(revocationBasepoint, perCommitmentPoint));
    const b = sha256(concatBytes(perCommitmentPoint, revocationBasepoint));
    const c = privateMultiply(perCommitmentSecret, b);
    return keysFrom(perCommitmentPoint, { kind: 'multiply-add-base', p: revocationBasepoint, a, c }, local, remote);
  } catch (err) {
    if (err instanceof ValidationError) throw err;
    throw new ValidationError('perCommitmentSecret', `derives an invalid key (${(err as Error).message})`);
  }
}

/** Check a set of commitment keys (from storage or the channel layer) before scripts use them. */
export function checkCommitmentKeys(keys: CommitmentKeys, field = 'keys'): CommitmentKeys {
  if (keys === null || typeof keys !== 'object') throw new ValidationError(field, 'must be an object');
  checkPubkey(keys.perCommitmentPoint, `${field}.perCommitmentPoint`);
  checkPubkey(keys.revocationPubkey, `${field}.revocationPubkey`);
  checkPubkey(keys.localDelayedPubkey, `${field}.localDelayedPubkey`);
  checkPubkey(keys.localHtlcPubkey, `${field}.localHtlcPubkey`);
  checkPubkey(keys.remoteHtlcPubkey, `${field}.remoteHtlcPubkey`);
  checkPubkey(keys.remotePaymentPubkey, `${field}.remotePaymentPubkey`);
  return keys;
}

/** True when `secret` is the private key of `pubkey` (e.g. a derived key checked against its pubkey). */
export function isKeyPair(secret: Uint8Array, pubkey: Uint8Array): boolean {
  return equalBytes(publicKeyOf(secret), pubkey);
}
