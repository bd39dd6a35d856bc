/**
 * BOLT 2 "Channel Close" helpers for the reducer: which `shutdown` scripts are acceptable, our
 * `closing_signed` fee range, and building / signing / checking the legacy closing transaction
 * (engine/channel/bolt3/closing.ts) from `Commitments`. "Local" is us.
 *
 * https://github.com/lightning/bolts/blob/master/02-peer-protocol.md#closing-initiation-shutdown
 * https://github.com/lightning/bolts/blob/master/02-peer-protocol.md#closing-negotiation-closing_signed
 */
import { Transaction } from 'bitcoinjs-lib';
import type { ChannelKeys } from '../keys/keychain.ts';
import type { ClosingSignedMessage } from '../wire/messages/channel-close.ts';
import { type ClosingTx, buildLegacyClosingTx, finalizeClosing, signClosing, verifyClosingSignature } from './bolt3/closing.ts';
import { p2wpkh } from './bolt3/scripts.ts';
import { isLowS } from './commitments.ts';
import { type ClosingProposal, type Commitments, MIN_FEERATE_PER_KW } from './types.ts';

const OP_0 = 0x00;
const OP_1 = 0x51;
const OP_16 = 0x60;
const OP_RETURN = 0x6a;
const OP_PUSHDATA1 = 0x4c;

/** Depth at which a mutual close is final (`closing` → `closed`). */
export const CLOSING_CONFIRMATION_DEPTH = 6;

/**
 * BOLT 2 `shutdown.scriptpubkey` forms: P2WPKH, P2WSH; with `option_shutdown_anysegwit` any
 * witness program OP_1..OP_16 with a 2–40 byte push (P2TR is OP_1 <32>); with
 * `option_simple_close` only, an OP_RETURN of 6–80 bytes (never in the legacy negotiation here).
 */
export function isValidShutdownScript(s: Uint8Array, opts: { anySegwit: boolean; simpleClose?: boolean }): boolean {
  if (s.length === 22 && s[0] === OP_0 && s[1] === 20) return true;
  if (s.length === 34 && s[0] === OP_0 && s[1] === 32) return true;
  if (opts.anySegwit && s.length >= 4 && s.length <= 42) {
    const v = s[0] as number;
    const n = s[1] as number;
    if (v >= OP_1 && v <= OP_16 && n >= 2 && n <= 40 && s.length === n + 2) return true;
  }
  if (opts.simpleClose === true && s[0] === OP_RETURN) {
    const n = s[1];
    if (n !== undefined && n >= 6 && n <= 75 && s.length === n + 2) return true;
    if (n === OP_PUSHDATA1 && s.length >= 3 && (s[2] as number) >= 76 && (s[2] as number) <= 80 && s.length === (s[2] as number) + 3) return true;
  }
  return false;
}

/** Our fallback shutdown script: P2WPKH of our payment basepoint (its key is derived from the seed). */
export function fallbackShutdownScript(c: Commitments): Uint8Array {
  return p2wpkh(c.localParams.paymentBasepoint);
}

export interface ClosingScripts {
  readonly localShutdownScript: Uint8Array;
  readonly remoteShutdownScript: Uint8Array;
}

/** The legacy closing transaction paying `feeSat` (by the funder), with `dustLimitSat` the signer's own. */
export function closingTx(c: Commitments, s: ClosingScripts, feeSat: bigint, dustLimitSat: bigint): ClosingTx {
  return buildLegacyClosingTx({
    fundingOutpoint: c.fundingOutpoint,
    fundingSatoshis: c.fundingSat,
    localFundingPubkey: c.localParams.fundingPubkey,
    remoteFundingPubkey: c.remoteParams.fundingPubkey,
    toLocalMsat: c.localCommit.spec.toLocalMsat,
    toRemoteMsat: c.localCommit.spec.toRemoteMsat,
    feeSatoshis: feeSat,
    localScriptPubkey: s.localShutdownScript,
    remoteScriptPubkey: s.remoteShutdownScript,
    localIsFunder: c.isFunder,
    dustLimitSatoshis: dustLimitSat,
  });
}

/** The funder's balance in whole satoshis: the most it can pay as a closing fee. */
export function funderBalanceSat(c: Commitments): bigint {
  const spec = c.localCommit.spec;
  return (c.isFunder ? spec.toLocalMsat : spec.toRemoteMsat) / 1000n;
}

/** The weight of the signed closing transaction (2-of-2 witness with two 73-byte signatures). */
export function closingWeight(tx: Transaction): number {
  // Non-witness bytes × 4, plus marker and flag (2), plus the witness: count, empty, 2 × (1 + 73), (1 + 71).
  return tx.byteLength(false) * 4 + 2 + 1 + 1 + 2 * 74 + 72;
}

function feeAt(feeratePerKw: number, weight: number): bigint {
  return (BigInt(Math.max(MIN_FEERATE_PER_KW, Math.floor(feeratePerKw))) * BigInt(weight)) / 1000n;
}

/**
 * Our `closing_signed` proposal at our feerate estimate: fee = feerate × weight, range
 * [feerate / 2, feerate × 2] (never below the relay minimum); the funder's range is capped at
 * what it can pay.
 */
export function ourClosingProposal(c: Commitments, s: ClosingScripts, feeratePerKw: number): ClosingProposal {
  const draft = closingTx(c, s, 0n, c.localParams.dustLimitSat);
  const weight = closingWeight(draft.tx);
  const cap = funderBalanceSat(c);
  const clip = (v: bigint): bigint => (v > cap ? cap : v);
  const minFeeSat = clip(feeAt(feeratePerKw / 2, weight));
  const feeSat = clip(feeAt(feeratePerKw, weight));
  const maxFeeSat = clip(feeAt(feeratePerKw * 2, weight));
  return { feeSat, minFeeSat, maxFeeSat };
}

/** Our signed `closing_signed` for `p` (signing the variant with our dust limit, or `tx` if given). */
export function ourClosingSigned(c: Commitments, s: ClosingScripts, p: ClosingProposal, keys: ChannelKeys, tx?: ClosingTx): ClosingSignedMessage {
  const closing = tx ?? closingTx(c, s, p.feeSat, c.localParams.dustLimitSat);
  return {
    type: 'closing_signed',
    channelId: c.channelId,
    feeSatoshis: p.feeSat,
    signature: signClosing(closing, keys.fundingSecret),
    feeRange: { minFeeSatoshis: p.minFeeSat, maxFeeSatoshis: p.maxFeeSat },
  };
}

/**
 * The closing transaction the peer's `closing_signed` signs (BOLT 3: built with the signer's
 * dust limit; BOLT 2: valid for "either variant"), or a reason. The signature must be LOW-S.
 */
export function checkPeerClosingSigned(c: Commitments, s: ClosingScripts, m: ClosingSignedMessage): ClosingTx | string {
  if (m.feeSatoshis > funderBalanceSat(c)) return `fee_satoshis ${m.feeSatoshis} is more than the funder's ${funderBalanceSat(c)} sat`;
  if (!isLowS(m.signature)) return 'closing_signed signature is not LOW-S';
  const variants = [c.remoteParams.dustLimitSat, c.localParams.dustLimitSat];
  for (const dust of variants) {
    let tx: ClosingTx;
    try {
      tx = closingTx(c, s, m.feeSatoshis, dust);
    } catch (err) {
      return `closing transaction at fee ${m.feeSatoshis} sat cannot be built (${(err as Error).message})`;
    }
    if (verifyClosingSignature(tx, m.signature, 'remote')) return tx;
  }
  return `closing_signed signature is not valid for the closing transaction at fee ${m.feeSatoshis} sat`;
}

/** The unsigned closing transaction with txid `txid` at `feeSat` (either dust-limit variant), or undefined. */
export function agreedClosingTx(c: Commitments, s: ClosingScripts, feeSat: bigint, txid: Uint8Array): ClosingTx | undefined {
  for (const dust of [c.localParams.dustLimitSat, c.remoteParams.dustLimitSat]) {
    const tx = closingTx(c, s, feeSat, dust);
    if (tx.txid.every((b, i) => b === txid[i])) return tx;
  }
  return undefined;
}

/** The broadcastable mutual close: our signature on the very transaction the peer signed. */
export function finalMutualClose(tx: ClosingTx, remoteSig: Uint8Array, keys: ChannelKeys): Transaction {
  return finalizeClosing(tx, signClosing(tx, keys.fundingSecret), remoteSig);
}
