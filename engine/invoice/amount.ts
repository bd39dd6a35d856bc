/**
 * The human-readable part of a BOLT 11 invoice ("Human-Readable Part"): `ln` + the BIP 173
 * currency prefix + an optional amount in bitcoin with an optional multiplier m/u/n/p.
 */
import { InvoiceError } from './errors.ts';
import type { InvoiceNetwork } from './types.ts';

/** BIP 173 currency prefixes, longest first so `lntbs` is signet and `lnbcrt` regtest. */
const CURRENCIES: readonly (readonly [string, InvoiceNetwork])[] = [
  ['bcrt', 'regtest'],
  ['tbs', 'signet'],
  ['bc', 'bitcoin'],
  ['tb', 'testnet'],
];

/** msat per unit of each multiplier, times 10 so pico (0.1 msat) is an integer. */
const MSAT_X10: Readonly<Record<string, bigint>> = {
  '': 1_000_000_000_000n, // 1 BTC = 10^11 msat
  m: 1_000_000_000n,
  u: 1_000_000n,
  n: 1_000n,
  p: 1n,
};

/** 21 million BTC in msat: no real invoice asks for more. */
export const MAX_INVOICE_AMOUNT_MSAT = 21_000_000n * 100_000_000_000n;

export function hrpPrefix(network: InvoiceNetwork): string {
  const c = CURRENCIES.find(([, n]) => n === network);
  if (!c) throw new InvoiceError('unknown_prefix', 'network', `unknown network "${String(network)}"`);
  return `ln${c[0]}`;
}

/** Network and amount of an hrp such as `lnbc2500u`; throws InvoiceError naming the problem. */
export function parseHrp(hrp: string): { network: InvoiceNetwork; amountMsat?: bigint } {
  if (!hrp.startsWith('ln')) throw new InvoiceError('unknown_prefix', 'prefix', `"${hrp}" does not start with "ln"`);
  const rest = hrp.slice(2);
  for (const [code, network] of CURRENCIES) {
    if (!rest.startsWith(code)) continue;
    const amountText = rest.slice(code.length);
    // An amount starts with a digit, so "lntbs" can only be signet, never lntb + amount "s".
    if (amountText !== '' && !/^[0-9]/.test(amountText)) continue;
    if (amountText === '') return { network };
    return { network, amountMsat: parseAmount(amountText) };
  }
  throw new InvoiceError('unknown_prefix', 'prefix', `"${hrp}" is not lnbc, lntb, lntbs or lnbcrt (unknown currency)`);
}

function parseAmount(text: string): bigint {
  const m = /^([0-9]+)([a-z]?)$/.exec(text);
  if (!m) throw new InvoiceError('invalid_multiplier', 'amount', `"${text}" is not digits followed by m, u, n or p`);
  const digits = m[1] as string;
  const multiplier = m[2] as string;
  const factor = MSAT_X10[multiplier];
  if (factor === undefined) throw new InvoiceError('invalid_multiplier', 'amount', `unknown multiplier "${multiplier}" (m, u, n or p)`);
  if (digits.length > 1 && digits.startsWith('0')) throw new InvoiceError('invalid_amount', 'amount', 'has a leading zero');
  if (digits.length > 30) throw new InvoiceError('amount_too_large', 'amount', 'is more than 21 million bitcoin');
  const value = BigInt(digits);
  if (value === 0n) throw new InvoiceError('invalid_amount', 'amount', 'is zero (omit it for an any-amount invoice)');
  const x10 = value * factor;
  if (x10 % 10n !== 0n) throw new InvoiceError('sub_millisatoshi_precision', 'amount', `${text} is not a whole number of millisatoshis`);
  const msat = x10 / 10n;
  if (msat > MAX_INVOICE_AMOUNT_MSAT) throw new InvoiceError('amount_too_large', 'amount', 'is more than 21 million bitcoin');
  return msat;
}

/** Shortest BOLT 11 amount text for `msat` (largest multiplier that divides it exactly). */
export function formatAmount(msat: bigint): string {
  if (msat <= 0n || msat > MAX_INVOICE_AMOUNT_MSAT) throw new InvoiceError('invalid_field', 'amountMsat', 'must be 1 msat to 21 million bitcoin');
  const x10 = msat * 10n;
  for (const mult of ['', 'm', 'u', 'n', 'p']) {
    const f = MSAT_X10[mult] as bigint;
    if (x10 % f === 0n) return `${x10 / f}${mult}`;
  }
  throw new Error('unreachable: p divides every msat amount');
}
