/**
 * BOLT 3 mutual closing transactions, both variants:
 * - "Legacy Closing Transaction" (`closing_signed`): the funder pays `fee_satoshis`, outputs below
 *   the signer's `dust_limit_satoshis` are dropped, locktime 0, nSequence 0xFFFFFFFF;
 * - "Closing Transaction" (`option_simple_close`: `closing_complete` / `closing_sig`): the closer
 *   pays, `OP_RETURN` outputs carry 0 sat, locktime from `closing_complete`, nSequence 0xFFFFFFFD.
 * Outputs are in BOLT 3 "Transaction Output Ordering" (BIP 69). Here "local" is us.
 *
 * https://github.com/lightning/bolts/blob/master/03-transactions.md#legacy-closing-transaction
 * https://github.com/lightning/bolts/blob/master/03-transactions.md#closing-transaction
 */
import { Transaction } from 'bitcoinjs-lib';
import { ValidationError } from '../../lib/errors.ts';
import { checkAmount, checkBytes, checkPubkey, checkScript, checkU32 } from './check.ts';
import { fundingScript } from './funding.ts';
import { sortOutputs } from './ordering.ts';
import { type FundingSpend, finalizeFundingSpend, signFundingSpend, verifyFundingSpend } from './sign.ts';
import type { Outpoint } from './types.ts';

const MAX_SAT = 21_000_000n * 100_000_000n;
const OP_RETURN = 0x6a;

/** What both closing variants share. */
export interface ClosingBase {
  readonly fundingOutpoint: Outpoint;
  readonly fundingSatoshis: bigint;
  readonly localFundingPubkey: Uint8Array;
  readonly remoteFundingPubkey: Uint8Array;
  /** Final balances (no HTLCs remain at closing): they must add up to the funding amount. */
  readonly toLocalMsat: bigint;
  readonly toRemoteMsat: bigint;
  readonly feeSatoshis: bigint;
}

/** BOLT 3 "Legacy Closing Transaction" inputs. */
export interface LegacyClosingParams extends ClosingBase {
  /** The `scriptpubkey`s of the two `shutdown` messages. */
  readonly localScriptPubkey: Uint8Array;
  readonly remoteScriptPubkey: Uint8Array;
  readonly localIsFunder: boolean;
  /** The signer's own `dust_limit_satoshis` (the two sides may build different variants). */
  readonly dustLimitSatoshis: bigint;
  /** "MAY eliminate its own output". */
  readonly omitLocalOutput?: boolean | undefined;
}

/** BOLT 3 "Closing Transaction" (`option_simple_close`) inputs. */
export interface SimpleClosingParams extends ClosingBase {
  /** True when we send `closing_complete` and so pay the fee. */
  readonly localIsCloser: boolean;
  /** `closing_complete.locktime`. */
  readonly locktime: number;
  /** Our output's script, or null when `closing_complete` omits it. */
  readonly localScriptPubkey: Uint8Array | null;
  readonly remoteScriptPubkey: Uint8Array | null;
}

/** One output of a closing transaction. */
export interface ClosingOutput {
  readonly index: number;
  readonly owner: 'local' | 'remote';
  readonly valueSat: bigint;
  readonly scriptPubKey: Uint8Array;
}

/** A built, unsigned closing transaction. Do not mutate `tx`; {@link finalizeClosing} copies it. */
export interface ClosingTx extends FundingSpend {
  readonly tx: Transaction;
  /** Internal byte order. */
  readonly txid: Uint8Array;
  readonly outputs: readonly ClosingOutput[];
  /** Funding amount minus the outputs: `fee_satoshis` plus whatever was dropped or rounded. */
  readonly feeSat: bigint;
}

function checkBase(p: ClosingBase): void {
  if (p === null || typeof p !== 'object') throw new ValidationError('params', 'must be an object');
  if (p.fundingOutpoint === null || typeof p.fundingOutpoint !== 'object') throw new ValidationError('fundingOutpoint', 'must be an object');
  checkBytes(p.fundingOutpoint.txid, 32, 'fundingOutpoint.txid');
  checkU32(p.fundingOutpoint.index, 'fundingOutpoint.index');
  checkAmount(p.fundingSatoshis, 'fundingSatoshis', MAX_SAT);
  checkPubkey(p.localFundingPubkey, 'localFundingPubkey');
  checkPubkey(p.remoteFundingPubkey, 'remoteFundingPubkey');
  checkAmount(p.toLocalMsat, 'toLocalMsat');
  checkAmount(p.toRemoteMsat, 'toRemoteMsat');
  checkAmount(p.feeSatoshis, 'feeSatoshis', MAX_SAT);
  if (p.toLocalMsat + p.toRemoteMsat !== p.fundingSatoshis * 1000n) {
    throw new ValidationError('toLocalMsat', `balances add up to ${p.toLocalMsat + p.toRemoteMsat} msat, not the funding amount ${p.fundingSatoshis * 1000n} msat`);
  }
}

/** The fee-paying side's balance in whole satoshis minus the fee, or a ValidationError if it cannot pay. */
function payFee(balanceSat: bigint, feeSat: bigint): bigint {
  if (balanceSat < feeSat) throw new ValidationError('feeSatoshis', `${feeSat} sat is more than the paying side's ${balanceSat} sat`);
  return balanceSat - feeSat;
}

function assemble(p: ClosingBase, drafts: Omit<ClosingOutput, 'index'>[], locktime: number, sequence: number): ClosingTx {
  if (drafts.length === 0) throw new ValidationError('outputs', 'a closing transaction needs at least one output');
  const tx = new Transaction();
  tx.version = 2;
  tx.locktime = locktime;
  tx.addInput(p.fundingOutpoint.txid.slice(), p.fundingOutpoint.index, sequence);
  const outputs = sortOutputs(drafts).map((d, index) => {
    tx.addOutput(d.scriptPubKey, d.valueSat);
    return Object.freeze({ index, ...d });
  });
  return Object.freeze({
    tx,
    txid: tx.getHash(),
    fundingWitnessScript: fundingScript(p.localFundingPubkey, p.remoteFundingPubkey).witnessScript,
    fundingSatoshis: p.fundingSatoshis,
    localFundingPubkey: p.localFundingPubkey,
    remoteFundingPubkey: p.remoteFundingPubkey,
    outputs,
    feeSat: p.fundingSatoshis - outputs.reduce((s, o) => s + o.valueSat, 0n),
  });
}

/**
 * BOLT 3 "Legacy Closing Transaction": round down, subtract `fee_satoshis` from the funder's
 * output, drop outputs below our dust limit (and ours if `omitLocalOutput`), sort BIP 69.
 */
export function buildLegacyClosingTx(params: LegacyClosingParams): ClosingTx {
  checkBase(params);
  checkScript(params.localScriptPubkey, 'localScriptPubkey');
  checkScript(params.remoteScriptPubkey, 'remoteScriptPubkey');
  if (typeof params.localIsFunder !== 'boolean') throw new ValidationError('localIsFunder', 'must be a boolean');
  checkAmount(params.dustLimitSatoshis, 'dustLimitSatoshis', MAX_SAT);
  let local = params.toLocalMsat / 1000n;
  let remote = params.toRemoteMsat / 1000n;
  if (params.localIsFunder) local = payFee(local, params.feeSatoshis);
  else remote = payFee(remote, params.feeSatoshis);
  const drafts: Omit<ClosingOutput, 'index'>[] = [];
  if (local >= params.dustLimitSatoshis && params.omitLocalOutput !== true) {
    drafts.push({ owner: 'local', valueSat: local, scriptPubKey: params.localScriptPubkey });
  }
  if (remote >= params.dustLimitSatoshis) drafts.push({ owner: 'remote', valueSat: remote, scriptPubKey: params.remoteScriptPubkey });
  return assemble(params, drafts, 0, 0xffffffff);
}

/**
 * BOLT 3 "Closing Transaction" (`option_simple_close`): the closer's output is its balance minus
 * `fee_satoshis`, the closee's its balance, both rounded down; an `OP_RETURN` output carries 0.
 * Which outputs exist is the BOLT 2 negotiation's call (a null script omits that side).
 */
export function buildClosingTx(params: SimpleClosingParams): ClosingTx {
  checkBase(params);
  if (typeof params.localIsCloser !== 'boolean') throw new ValidationError('localIsCloser', 'must be a boolean');
  checkU32(params.locktime, 'locktime');
  if (params.localScriptPubkey !== null) checkScript(params.localScriptPubkey, 'localScriptPubkey');
  if (params.remoteScriptPubkey !== null) checkScript(params.remoteScriptPubkey, 'remoteScriptPubkey');
  let local = params.toLocalMsat / 1000n;
  let remote = params.toRemoteMsat / 1000n;
  if (params.localIsCloser) local = payFee(local, params.feeSatoshis);
  else remote = payFee(remote, params.feeSatoshis);
  const drafts: Omit<ClosingOutput, 'index'>[] = [];
  const add = (owner: 'local' | 'remote', spk: Uint8Array | null, value: bigint): void => {
    if (spk === null) return;
    drafts.push({ owner, valueSat: spk[0] === OP_RETURN ? 0n : value, scriptPubKey: spk });
  };
  add('local', params.localScriptPubkey, local);
  add('remote', params.remoteScriptPubkey, remote);
  return assemble(params, drafts, params.locktime, 0xfffffffd);
}

/** Our signature on a closing transaction (SIGHASH_ALL over the funding script). */
export function signClosing(closing: ClosingTx, fundingPrivkey: Uint8Array): Uint8Array {
  return signFundingSpend(closing, fundingPrivkey);
}

/** Check the peer's (`'remote'`) or our signature on a closing transaction. */
export function verifyClosingSignature(closing: ClosingTx, signature: Uint8Array, signer: 'local' | 'remote'): boolean {
  return verifyFundingSpend(closing, signature, signer);
}

/** The broadcastable closing transaction (both signatures verified, funding-pubkey order). */
export function finalizeClosing(closing: ClosingTx, localSignature: Uint8Array, remoteSignature: Uint8Array): Transaction {
  return finalizeFundingSpend(closing, localSignature, remoteSignature);
}
