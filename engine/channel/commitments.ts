/**
 * The bridge from channel state to BOLT 3: build our and the peer's commitment transactions from
 * `Commitments`, sign them with the channel's keys, check the peer's signatures, and the small
 * funding helpers (funding script, funding-tx check, short_channel_id).
 *
 * "Local" is always us: our commitment is built with us as the BOLT 3 owner, the peer's with the
 * peer as owner (its balance as to_local, its dust limit, our `to_self_delay` on its outputs).
 */
import { Transaction } from 'bitcoinjs-lib';
import { equalBytes } from '../lib/bytes.ts';
import { ShachainStore, perCommitmentSecret } from '../keys/shachain.ts';
import type { ChannelKeys } from '../keys/keychain.ts';
import { type Commitment, buildCommitment, finalizeCommitment, signCommitment, verifyCommitmentSignature } from './bolt3/commitment.ts';
import { obscuringFactor } from './bolt3/commitment-number.ts';
import { funderCommitmentCost } from './bolt3/fees.ts';
import { fundingScript } from './bolt3/funding.ts';
import { deriveCommitmentKeys, deriveLocalCommitmentKeys } from './bolt3/keys.ts';
import { newHtlcLog } from './htlc-log.ts';
import type { ChannelParams, CommitmentSpec, Commitments, FundingOutpoint, NegotiatedParams, SpecHtlc } from './types.ts';
import { buildHtlcTxs, signHtlcTx, verifyHtlcSignature } from './bolt3/htlc-tx.ts';
import { privateAdd } from '../crypto/secp256k1.ts';
import { sha256 } from '../crypto/hash.ts';
import { concatBytes } from '../lib/bytes.ts';

/** `remoteSecrets` before the peer revealed any secret. */
export const EMPTY_REMOTE_SECRETS: Uint8Array = new ShachainStore().toBytes();

/** What both commitment builders need: the fields of `Commitments` that never change. */
export type CommitmentInputs = Pick<Commitments, 'channelType' | 'isFunder' | 'localParams' | 'remoteParams' | 'fundingOutpoint' | 'fundingSat'>;

function factorOf(c: CommitmentInputs): bigint {
  const local = c.localParams.paymentBasepoint;
  const remote = c.remoteParams.paymentBasepoint;
  return c.isFunder ? obscuringFactor(local, remote) : obscuringFactor(remote, local);
}

/** Our commitment number `index` (BOLT 3, us as owner, our per-commitment point from the shachain seed). */
export function buildLocalCommitment(c: CommitmentInputs, keys: ChannelKeys, index: number, spec: CommitmentSpec): Commitment<SpecHtlc> {
  return buildCommitment({
    channelType: c.channelType,
    fundingOutpoint: c.fundingOutpoint,
    fundingSatoshis: c.fundingSat,
    localFundingPubkey: c.localParams.fundingPubkey,
    remoteFundingPubkey: c.remoteParams.fundingPubkey,
    obscuringFactor: factorOf(c),
    commitmentNumber: index,
    localIsFunder: c.isFunder,
    toSelfDelay: c.remoteParams.toSelfDelay,
    dustLimitSatoshis: c.localParams.dustLimitSat,
    feeratePerKw: spec.feeratePerKw,
    toLocalMsat: spec.toLocalMsat,
    toRemoteMsat: spec.toRemoteMsat,
    htlcs: spec.htlcs,
    keys: deriveLocalCommitmentKeys(perCommitmentSecret(keys.shachainSeed, index), c.localParams, c.remoteParams),
  });
}

/** The peer's commitment number `index` at its per-commitment point `remotePoint` (the peer as BOLT 3 owner). */
export function buildRemoteCommitment(c: CommitmentInputs, index: number, spec: CommitmentSpec, remotePoint: Uint8Array): Commitment<SpecHtlc> {
  return buildCommitment({
    channelType: c.channelType,
    fundingOutpoint: c.fundingOutpoint,
    fundingSatoshis: c.fundingSat,
    localFundingPubkey: c.remoteParams.fundingPubkey,
    remoteFundingPubkey: c.localParams.fundingPubkey,
    obscuringFactor: factorOf(c),
    commitmentNumber: index,
    localIsFunder: !c.isFunder,
    toSelfDelay: c.localParams.toSelfDelay,
    dustLimitSatoshis: c.remoteParams.dustLimitSat,
    feeratePerKw: spec.feeratePerKw,
    toLocalMsat: spec.toLocalMsat,
    toRemoteMsat: spec.toRemoteMsat,
    htlcs: spec.htlcs,
    keys: deriveCommitmentKeys(remotePoint, c.remoteParams, c.localParams),
  });
}

/** The keys of this channel, checked against the public keys the state announced (a wrong index must not sign). */
export function keysFor(localParams: ChannelParams, keys: ChannelKeys): ChannelKeys {
  if (
    !equalBytes(keys.fundingPubkey, localParams.fundingPubkey) ||
    !equalBytes(keys.revocationBasepoint, localParams.revocationBasepoint) ||
    !equalBytes(keys.paymentBasepoint, localParams.paymentBasepoint) ||
    !equalBytes(keys.delayedPaymentBasepoint, localParams.delayedPaymentBasepoint) ||
    !equalBytes(keys.htlcBasepoint, localParams.htlcBasepoint)
  ) {
    throw new Error('channel keys do not match the basepoints this channel announced (wrong channelIndex or seed)');
  }
  return keys;
}

/** Sign the peer's commitment: our `funding_created` / `funding_signed` / `commitment_signed` signature. */
export function signRemoteCommitment(commitment: Commitment, keys: ChannelKeys): Uint8Array {
  return signCommitment(commitment, keys.fundingSecret);
}

/**
 * Our `htlc_signatures` for the peer's commitment (BOLT 2 `commitment_signed`): one per HTLC
 * output in output order, signed with our HTLC key for the peer's per-commitment point (BOLT 3
 * "Key Derivation": basepoint secret + SHA256(per_commitment_point ‖ basepoint), from the stored
 * basepoint: no extra point multiplication) — with anchors SIGHASH_SINGLE|ANYONECANPAY.
 */
export function signRemoteHtlcs(commitment: Commitment<SpecHtlc>, keys: ChannelKeys): Uint8Array[] {
  const txs = buildHtlcTxs(commitment);
  if (txs.length === 0) return [];
  const htlcKey = privateAdd(keys.htlcBasepointSecret, sha256(concatBytes(commitment.keys.perCommitmentPoint, keys.htlcBasepoint)));
  return txs.map((t) => signHtlcTx(t, htlcKey, 'remote'));
}

/** The index of the first of the peer's `htlc_signatures` that does not sign our HTLC transaction (or is not LOW-S); -1 if all do. */
export function badRemoteHtlcSignature(ours: Commitment<SpecHtlc>, signatures: readonly Uint8Array[]): number {
  const txs = buildHtlcTxs(ours);
  return txs.findIndex((t, i) => {
    const sig = signatures[i] as Uint8Array;
    return !isLowS(sig) || !verifyHtlcSignature(t, sig, 'remote');
  });
}

const CURVE_N = 0xfffffffffffffffffffffffffffffffebaaedce6af48a03bbfd25e8cd0364141n;

/** BOLT 2: a signature must also be LOW-S (s ≤ n/2). */
export function isLowS(signature: Uint8Array): boolean {
  if (signature.length !== 64) return false;
  let s = 0n;
  for (let i = 32; i < 64; i++) s = (s << 8n) | BigInt(signature[i] as number);
  return s > 0n && s <= CURVE_N >> 1n;
}

/** The peer's signature on our commitment is valid and LOW-S. */
export function checkRemoteSignature(ourCommitment: Commitment, signature: Uint8Array): boolean {
  return isLowS(signature) && verifyCommitmentSignature(ourCommitment, signature, 'remote');
}

/** Our commitment with both signatures: the transaction we broadcast when we fail the channel. */
export function signedLocalCommitment(c: Commitments, keys: ChannelKeys): Transaction {
  const commitment = buildLocalCommitment(c, keys, c.localCommit.index, c.localCommit.spec);
  return finalizeCommitment(commitment, signCommitment(commitment, keys.fundingSecret), c.localCommit.remoteSig);
}

/** The funding output's scriptPubKey. */
export function fundingScriptPubKey(localParams: ChannelParams, remoteParams: ChannelParams): Uint8Array {
  return fundingScript(localParams.fundingPubkey, remoteParams.fundingPubkey).scriptPubKey;
}

/** The two balances of commitment #0 from our point of view. */
export function initialSpec(n: Pick<NegotiatedParams, 'fundingSat' | 'pushMsat' | 'feeratePerKw'>, isFunder: boolean): CommitmentSpec {
  const funder = n.fundingSat * 1000n - n.pushMsat;
  return isFunder
    ? { toLocalMsat: funder, toRemoteMsat: n.pushMsat, feeratePerKw: n.feeratePerKw, htlcs: [] }
    : { toLocalMsat: n.pushMsat, toRemoteMsat: funder, feeratePerKw: n.feeratePerKw, htlcs: [] };
}

/** The spec of the peer's commitment mirroring ours. */
export function mirrorSpec(spec: CommitmentSpec): CommitmentSpec {
  const flipped = spec.htlcs.map((h) => ({ ...h, direction: h.direction === 'offered' ? ('received' as const) : ('offered' as const) }));
  return { toLocalMsat: spec.toRemoteMsat, toRemoteMsat: spec.toLocalMsat, feeratePerKw: spec.feeratePerKw, htlcs: [...flipped.filter((h) => h.direction === 'offered'), ...flipped.filter((h) => h.direction === 'received')] };
}

/** BOLT 2: the funder must pay the whole initial commitment fee (and both anchors); a reason or undefined. */
export function checkFunderPaysFee(n: Pick<NegotiatedParams, 'fundingSat' | 'pushMsat' | 'feeratePerKw' | 'channelType'>): string | undefined {
  const cost = funderCommitmentCost(n.feeratePerKw, n.channelType, 0);
  const funderSat = (n.fundingSat * 1000n - n.pushMsat) / 1000n;
  if (funderSat < cost) return `the funder's ${funderSat} sat cannot pay the initial commitment fee of ${cost} sat at ${n.feeratePerKw} sat/kw`;
  return undefined;
}

/**
 * BOLT 2 initial-commitment checks: the funder pays the fee ({@link checkFunderPaysFee}), and not
 * both sides may start at or below the reserve the other side requires of them. A reason or undefined.
 */
export function checkInitialBalances(
  n: Pick<NegotiatedParams, 'fundingSat' | 'pushMsat' | 'feeratePerKw' | 'channelType'>,
  funderReserveSat: bigint,
  fundeeReserveSat: bigint,
): string | undefined {
  const fee = checkFunderPaysFee(n);
  if (fee) return fee;
  const funderSat = (n.fundingSat * 1000n - n.pushMsat) / 1000n - funderCommitmentCost(n.feeratePerKw, n.channelType, 0);
  const fundeeSat = n.pushMsat / 1000n;
  if (funderSat <= funderReserveSat && fundeeSat <= fundeeReserveSat) {
    return `both initial balances are at or below their reserves (funder ${funderSat} sat <= ${funderReserveSat} sat, fundee ${fundeeSat} sat <= ${fundeeReserveSat} sat)`;
  }
  return undefined;
}

/** A parsed funding transaction: its txid and the output at `index`. */
export interface FundingTxOutput {
  readonly txid: Uint8Array;
  readonly scriptPubKey: Uint8Array;
  readonly valueSat: bigint;
  readonly allInputsSegwit: boolean;
}

/** Parse `rawTx` and read output `index`; a reason string when it cannot be read. */
export function readFundingOutput(rawTx: Uint8Array, index: number): FundingTxOutput | string {
  let tx: Transaction;
  try {
    tx = Transaction.fromBuffer(rawTx);
  } catch (err) {
    return `funding transaction does not decode (${(err as Error).message})`;
  }
  const out = tx.outs[index];
  if (!Number.isInteger(index) || index < 0 || index > 0xffff || !out) return `funding transaction has no output ${index}`;
  const allInputsSegwit = tx.ins.length > 0 && tx.ins.every((i) => i.witness.length > 0 && i.script.length === 0);
  return { txid: tx.getHash(), scriptPubKey: out.script, valueSat: out.value, allInputsSegwit };
}

/** Check that output `o.index` of `rawTx` is our funding output; a reason or undefined. */
export function checkFundingTx(rawTx: Uint8Array, outpoint: FundingOutpoint, scriptPubKey: Uint8Array, fundingSat: bigint): string | undefined {
  const out = readFundingOutput(rawTx, outpoint.index);
  if (typeof out === 'string') return out;
  if (!equalBytes(out.txid, outpoint.txid)) return 'funding transaction has a different txid';
  if (!equalBytes(out.scriptPubKey, scriptPubKey)) return `funding output ${outpoint.index} does not pay the 2-of-2 funding script`;
  if (out.valueSat !== fundingSat) return `funding output ${outpoint.index} pays ${out.valueSat} sat, not funding_satoshis ${fundingSat}`;
  return undefined;
}

/** BOLT 7 `short_channel_id`: block height (3 bytes), transaction index (3 bytes), output index (2 bytes). */
export function shortChannelId(blockHeight: number, txIndex: number, outputIndex: number): bigint {
  for (const [v, max, name] of [
    [blockHeight, 0xffffff, 'blockHeight'],
    [txIndex, 0xffffff, 'txIndex'],
    [outputIndex, 0xffff, 'outputIndex'],
  ] as const) {
    if (!Number.isInteger(v) || v < 0 || v > max) throw new RangeError(`short_channel_id: ${name} ${v} out of range`);
  }
  return (BigInt(blockHeight) << 40n) | (BigInt(txIndex) << 16n) | BigInt(outputIndex);
}


/** Both commitments #0 of a new channel, and the `Commitments` they make once the peer's signature is in. */
export interface InitialCommitments {
  readonly local: Commitment;
  readonly remote: Commitment;
  readonly withRemoteSig: (remoteSig: Uint8Array) => Commitments;
}

/** Build both commitment transactions #0 from the negotiated parameters and the funding outpoint. */
export function initialCommitments(
  n: NegotiatedParams,
  isFunder: boolean,
  channelId: Uint8Array,
  fundingOutpoint: FundingOutpoint,
  keys: ChannelKeys,
): InitialCommitments {
  const inputs: CommitmentInputs = {
    channelType: n.channelType,
    isFunder,
    localParams: n.localParams,
    remoteParams: n.remoteParams,
    fundingOutpoint,
    fundingSat: n.fundingSat,
  };
  const localSpec = initialSpec(n, isFunder);
  const remoteSpec = mirrorSpec(localSpec);
  const local = buildLocalCommitment(inputs, keys, 0, localSpec);
  const remote = buildRemoteCommitment(inputs, 0, remoteSpec, n.remoteFirstPerCommitmentPoint);
  return {
    local,
    remote,
    withRemoteSig: (remoteSig) => ({
      channelId,
      channelType: n.channelType,
      isFunder,
      channelFlags: n.channelFlags,
      channelIndex: n.channelIndex,
      peerNodeId: n.peerNodeId,
      localParams: n.localParams,
      remoteParams: n.remoteParams,
      fundingOutpoint,
      fundingSat: n.fundingSat,
      localCommit: { index: 0, spec: localSpec, txid: local.txid, remoteSig, htlcSignatures: [] },
      remoteCommit: { index: 0, spec: remoteSpec, txid: remote.txid, remotePerCommitmentPoint: n.remoteFirstPerCommitmentPoint },
      log: newHtlcLog(isFunder, 0, 0, n.feeratePerKw),
      remoteSecrets: EMPTY_REMOTE_SECRETS,
    }),
  };
}
