/**
 * BOLT 3 Appendix C setup shared by the commitment vector tests (Appendix C and F): the keys,
 * derived from the spec's INTERNAL secrets exactly as a node would, and the HTLC set.
 */
import vectors from '../vectors/bolt03-commitment-tx.json' with { type: 'json' };
import { hexToBytes } from '../../engine/lib/bytes.ts';
import { publicKeyOf } from '../../engine/crypto/secp256k1.ts';
import { sha256 } from '../../engine/crypto/hash.ts';
import { type CommitmentKeys, deriveCommitmentKeys, derivePrivkey } from '../../engine/channel/bolt3/keys.ts';
import { obscuringFactor } from '../../engine/channel/bolt3/commitment-number.ts';
import type { ChannelType, CommitmentHtlc } from '../../engine/channel/bolt3/types.ts';
import type { CommitmentParams } from '../../engine/channel/bolt3/commitment.ts';

/** Spec private keys carry a trailing 01 (compressed-key marker): drop it. */
export function privkey(hex: string): Uint8Array {
  if (hex.length !== 66 || !hex.endsWith('01')) throw new Error(`not a 32-byte key + 01: ${hex}`);
  return hexToBytes(hex.slice(0, 64));
}

/** Hex of a display-order txid in internal byte order. */
export function txidInternal(displayHex: string): Uint8Array {
  return hexToBytes(displayHex).reverse();
}

const iv = vectors.internal_values;
const k = vectors.keys;

export const secrets = {
  localFunding: privkey(k.local_funding_privkey),
  remoteFunding: privkey(iv.remote_funding_privkey),
  localPaymentBasepoint: privkey(iv.local_payment_basepoint_secret),
  remotePaymentBasepoint: privkey(iv.remote_payment_basepoint_secret),
  remoteRevocationBasepoint: privkey(iv.remote_revocation_basepoint_secret),
  localDelayedPaymentBasepoint: privkey(iv.local_delayed_payment_basepoint_secret),
  localPerCommitment: privkey(iv.x_local_per_commitment_secret),
} as const;

export const perCommitmentPoint: Uint8Array = publicKeyOf(secrets.localPerCommitment);

/** The local commitment's keys, derived from the basepoints (HTLC basepoints = payment basepoints in App. C). */
export const commitmentKeys: CommitmentKeys = deriveCommitmentKeys(
  perCommitmentPoint,
  { delayedPaymentBasepoint: publicKeyOf(secrets.localDelayedPaymentBasepoint), htlcBasepoint: hexToBytes(k.local_htlc_basepoint) },
  {
    revocationBasepoint: publicKeyOf(secrets.remoteRevocationBasepoint),
    htlcBasepoint: hexToBytes(k.remote_htlc_basepoint),
    paymentBasepoint: hexToBytes(k.remote_payment_basepoint),
  },
);

/** HTLC private keys: local from local_htlc_basepoint_secret (= payment basepoint secret), remote likewise. */
export const localHtlcPrivkey: Uint8Array = derivePrivkey(secrets.localPaymentBasepoint, perCommitmentPoint);
export const remoteHtlcPrivkey: Uint8Array = derivePrivkey(secrets.remotePaymentBasepoint, perCommitmentPoint);

/** An Appendix C HTLC, with the spec's id and preimage. */
export interface VectorHtlc extends CommitmentHtlc {
  readonly id: number;
  readonly preimage: Uint8Array;
}

export const allHtlcs: readonly VectorHtlc[] = vectors.htlcs.map((h) => {
  const preimage = hexToBytes(h.payment_preimage);
  return {
    id: h.id,
    // "local->remote" is offered by the local (owner) side; "remote->local" is received.
    direction: h.direction === 'local->remote' ? 'offered' : 'received',
    amountMsat: BigInt(h.amount_msat),
    paymentHash: sha256(preimage),
    cltvExpiry: h.expiry,
    preimage,
  };
});

export function htlcsById(ids: readonly number[]): VectorHtlc[] {
  return ids.map((id) => {
    const h = allHtlcs.find((x) => x.id === id);
    if (!h) throw new Error(`no htlc ${id}`);
    return h;
  });
}

const c = vectors.common;

/** Commitment parameters for one vector (local is the opener; `toSelfDelay` is local_delay). */
export function commitmentParams(args: {
  channelType: ChannelType;
  toLocalMsat: bigint;
  toRemoteMsat: bigint;
  feeratePerKw: number;
  dustLimitSatoshis: bigint;
  htlcs: readonly VectorHtlc[];
}): CommitmentParams<VectorHtlc> {
  return {
    channelType: args.channelType,
    fundingOutpoint: { txid: txidInternal(c.funding_tx_id), index: c.funding_output_index },
    fundingSatoshis: BigInt(c.funding_amount_satoshi),
    localFundingPubkey: hexToBytes(k.local_funding_pubkey),
    remoteFundingPubkey: hexToBytes(k.remote_funding_pubkey),
    obscuringFactor: obscuringFactor(hexToBytes(vectors.obscuring.local_payment_basepoint), hexToBytes(vectors.obscuring.remote_payment_basepoint)),
    commitmentNumber: c.commitment_number,
    localIsFunder: true,
    toSelfDelay: c.local_delay,
    dustLimitSatoshis: args.dustLimitSatoshis,
    feeratePerKw: args.feeratePerKw,
    toLocalMsat: args.toLocalMsat,
    toRemoteMsat: args.toRemoteMsat,
    htlcs: args.htlcs,
    keys: commitmentKeys,
  };
}

export { vectors as appendixC };
