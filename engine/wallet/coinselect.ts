/**
 * Deterministic coin selection over P2WPKH coins (the only kind this wallet holds).
 *
 * 1. Branch and bound (Bitcoin Core's `SelectCoinsBnB`, after Erhardt 2016): look for a set of
 *    coins that pays the outputs and fee with an excess no larger than the cost of a change
 *    output (creating it now plus spending it later), so no change is needed.
 * 2. Otherwise the smallest single coin that pays everything and leaves non-dust change.
 * 3. Otherwise largest-first accumulation.
 * Change is added only when it is at least the dust threshold of the change script (294 sat for
 * P2WPKH); a smaller remainder goes to the fee. "Send max" spends every coin worth more than its
 * own input fee and pays the rest, minus the fee, to the one recipient.
 *
 * Everything is bigint sats and integer weights: fee = ceil(vsize × rate / 1000) with
 * vsize = ceil(weight / 4), so the selected fee is never below the requested rate.
 *
 * https://github.com/bitcoin/bitcoin/blob/master/src/wallet/coinselection.cpp
 */
import { ValidationError } from '../lib/errors.ts';
import { feeForWeight, type FeeRate } from './fee.ts';
import { compactSizeLength, dustThreshold, outputBytes } from './script.ts';

/**
 * Weight of a P2WPKH input with the largest signature we can produce: 41 non-witness bytes × 4,
 * plus witness [count, len, 72-byte DER low-S signature with sighash byte, len, 33-byte key].
 */
export const P2WPKH_INPUT_WEIGHT = 41 * 4 + (1 + 1 + 72 + 1 + 33);
/** Standardness limit on transaction weight (Bitcoin Core MAX_STANDARD_TX_WEIGHT). */
export const MAX_STANDARD_TX_WEIGHT = 400_000;
const BNB_MAX_TRIES = 100_000;

export interface Coin {
  readonly txid: string;
  readonly vout: number;
  readonly valueSat: bigint;
}

export interface Recipient {
  readonly scriptPubKey: Uint8Array;
  readonly valueSat: bigint;
}

export interface SelectionRequest {
  readonly coins: readonly Coin[];
  /** Outputs to pay. With `sendMax`, the value of recipient 0 is ignored and computed. */
  readonly recipients: readonly Recipient[];
  readonly feeRate: FeeRate;
  /** Script a change output would pay (sizes the change output and its dust threshold). */
  readonly changeScript: Uint8Array;
  readonly sendMax?: boolean;
  /** Field named in errors about a single recipient's amount (default `amountSat`). */
  readonly amountField?: string;
}

export interface Selection {
  readonly inputs: readonly Coin[];
  /** Recipients (with the computed amount for send-max), then the change output if any. */
  readonly outputs: readonly Recipient[];
  /** Index of the change output in `outputs`, or -1. */
  readonly changeIndex: number;
  readonly feeSat: bigint;
  /** Upper bound on the signed transaction's weight. */
  readonly weight: number;
  readonly algorithm: 'bnb' | 'single' | 'largest-first' | 'max';
}

/** Asked to pay more than the spendable coins cover. */
export class InsufficientFundsError extends ValidationError {
  readonly neededSat: bigint;
  readonly availableSat: bigint;
  constructor(field: string, neededSat: bigint, availableSat: bigint) {
    super(field, `insufficient funds: need ${neededSat} sat including fee, spendable ${availableSat} sat`);
    this.neededSat = neededSat;
    this.availableSat = availableSat;
  }
}

/** Weight of a transaction with `nInputs` P2WPKH inputs and these output scripts (upper bound). */
export function txWeight(nInputs: number, outputScripts: readonly Uint8Array[]): number {
  let outBytes = 0;
  for (const s of outputScripts) outBytes += outputBytes(s);
  const nonWitness = 4 + compactSizeLength(nInputs) + 41 * nInputs + compactSizeLength(outputScripts.length) + outBytes + 4;
  const witness = nInputs > 0 ? 2 + (1 + 1 + 72 + 1 + 33) * nInputs : 0; // marker + flag, then per-input stacks
  return nonWitness * 4 + witness;
}

function checkAmount(v: bigint, spk: Uint8Array, field: string): void {
  if (typeof v !== 'bigint') throw new ValidationError(field, 'must be a bigint number of sats');
  if (v <= 0n) throw new ValidationError(field, 'must be positive');
  const dust = dustThreshold(spk);
  if (v < dust) throw new ValidationError(field, `${v} sat is below the dust limit of ${dust} sat for this output`);
}

/** Select coins for the request, or throw (ValidationError / InsufficientFundsError). */
export function selectCoins(req: SelectionRequest): Selection {
  if (req.recipients.length === 0) throw new ValidationError('outputs', 'at least one output is required');
  if (typeof req.feeRate !== 'bigint' || req.feeRate <= 0n) throw new ValidationError('feeRate', 'must be a positive sat/kvB bigint');
  const field = req.recipients.length === 1 ? (req.amountField ?? 'amountSat') : 'outputs';
  if (req.sendMax && req.recipients.length !== 1) throw new ValidationError(field, 'send max takes exactly one output');
  if (!req.sendMax) req.recipients.forEach((r, i) => checkAmount(r.valueSat, r.scriptPubKey, req.recipients.length === 1 ? field : `outputs[${i}].valueSat`));
  const scripts = req.recipients.map((r) => r.scriptPubKey);
  const withChange = [...scripts, req.changeScript];
  const fee = (n: number, change: boolean): bigint => feeForWeight(txWeight(n, change ? withChange : scripts), req.feeRate);
  // A coin is worth selecting only if it adds more than its own input fee (+1 sat rounding slack).
  const inputFee = feeForWeight(P2WPKH_INPUT_WEIGHT, req.feeRate) + 1n;
  const coins = [...req.coins]
    .filter((c) => c.valueSat > inputFee)
    .sort((a, b) => (a.valueSat !== b.valueSat ? (a.valueSat > b.valueSat ? -1 : 1) : a.txid < b.txid ? -1 : a.txid > b.txid ? 1 : a.vout - b.vout));
  const available = coins.reduce((s, c) => s + c.valueSat, 0n);

  if (req.sendMax) return selectMax(req, coins, available, fee, field);

  const payTotal = req.recipients.reduce((s, r) => s + r.valueSat, 0n);
  const changeDust = dustThreshold(req.changeScript);
  const costOfChange = fee(1, true) - fee(1, false) + inputFee;
  const finish = (inputs: Coin[], algorithm: Selection['algorithm']): Selection => {
    const n = inputs.length;
    const sum = inputs.reduce((s, c) => s + c.valueSat, 0n);
    const change = sum - payTotal - fee(n, true);
    // A branch-and-bound match is changeless by construction: its excess is worth less than
    // creating and later spending a change output.
    if (algorithm !== 'bnb' && change >= changeDust) {
      const weight = txWeight(n, withChange);
      if (weight > MAX_STANDARD_TX_WEIGHT) throw tooBig(field);
      const outputs = [...req.recipients, { scriptPubKey: req.changeScript, valueSat: change }];
      return { inputs, outputs, changeIndex: req.recipients.length, feeSat: sum - payTotal - change, weight, algorithm };
    }
    const weight = txWeight(n, scripts);
    if (weight > MAX_STANDARD_TX_WEIGHT) throw tooBig(field);
    return { inputs, outputs: [...req.recipients], changeIndex: -1, feeSat: sum - payTotal, weight, algorithm };
  };

  // Every coin adds more than its fee, so if all of them cannot pay, no subset can.
  const neededWithAll = payTotal + fee(Math.max(1, coins.length), false);
  if (available < neededWithAll) throw new InsufficientFundsError(field, neededWithAll, available);

  const bnb = branchAndBound(coins, (n) => payTotal + fee(n, false), costOfChange);
  if (bnb) return finish(bnb, 'bnb');

  for (let i = coins.length - 1; i >= 0; i--) {
    const c = coins[i] as Coin;
    if (c.valueSat - payTotal - fee(1, true) >= changeDust) return finish([c], 'single');
  }

  const picked: Coin[] = [];
  let sum = 0n;
  for (const c of coins) {
    picked.push(c);
    sum += c.valueSat;
    if (sum >= payTotal + fee(picked.length, false)) return finish(picked, 'largest-first');
  }
  throw new InsufficientFundsError(field, neededWithAll, available);
}

function tooBig(field: string): ValidationError {
  return new ValidationError(field, 'the transaction would need too many inputs (over the standard weight limit); consolidate coins first');
}

function selectMax(req: SelectionRequest, coins: Coin[], available: bigint, fee: (n: number, change: boolean) => bigint, field: string): Selection {
  const r = req.recipients[0] as Recipient;
  if (coins.length === 0) throw new InsufficientFundsError(field, fee(1, false) + dustThreshold(r.scriptPubKey), available);
  const weight = txWeight(coins.length, [r.scriptPubKey]);
  if (weight > MAX_STANDARD_TX_WEIGHT) throw tooBig(field);
  const feeSat = fee(coins.length, false);
  const amount = available - feeSat;
  const dust = dustThreshold(r.scriptPubKey);
  if (amount < dust) throw new InsufficientFundsError(field, feeSat + dust, available);
  return { inputs: coins, outputs: [{ scriptPubKey: r.scriptPubKey, valueSat: amount }], changeIndex: -1, feeSat, weight, algorithm: 'max' };
}

/**
 * Depth-first search over coins (sorted by value, descending) for a subset whose sum lies in
 * [need(n), need(n) + costOfChange], where n is the subset's size. Returns the subset with the
 * least excess (ties: fewer inputs; then the first found, which is deterministic), or undefined.
 */
function branchAndBound(coins: readonly Coin[], need: (n: number) => bigint, costOfChange: bigint): Coin[] | undefined {
  const n = coins.length;
  const suffix: bigint[] = new Array<bigint>(n + 1).fill(0n);
  for (let i = n - 1; i >= 0; i--) suffix[i] = (suffix[i + 1] as bigint) + (coins[i] as Coin).valueSat;
  let best: { picks: number[]; excess: bigint } | undefined;
  let tries = 0;
  const picks: number[] = [];

  const search = (i: number, sum: bigint): void => {
    if (++tries > BNB_MAX_TRIES) return;
    const target = need(picks.length);
    if (sum >= target) {
      const excess = sum - target;
      if (excess <= costOfChange && (!best || excess < best.excess || (excess === best.excess && picks.length < best.picks.length))) {
        best = { picks: [...picks], excess };
      }
      return; // adding coins only raises the excess (each coin is worth more than its fee)
    }
    if (i >= n) return;
    // Even every remaining coin cannot reach the target.
    if (sum + (suffix[i] as bigint) < need(picks.length + (n - i))) return;
    picks.push(i);
    search(i + 1, sum + (coins[i] as Coin).valueSat);
    picks.pop();
    // Skipping coin i: skip equal-valued siblings too (they lead to the same sums).
    let j = i + 1;
    while (j < n && (coins[j] as Coin).valueSat === (coins[i] as Coin).valueSat) j++;
    search(j, sum);
  };
  search(0, 0n);
  return best?.picks.map((k) => coins[k] as Coin);
}
