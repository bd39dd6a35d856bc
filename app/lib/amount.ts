/**
 * Amounts for display (pure). On-chain amounts arrive from the worker as decimal strings of sats
 * and are handled as bigint here; nothing goes through floating point.
 */

const SATS_PER_BTC = 100_000_000n;

function toBig(v: bigint | string): bigint {
  return typeof v === 'bigint' ? v : BigInt(v);
}

/** Thousands separators on a digit string: `1234567` → `1,234,567`. */
function group(digits: string): string {
  return digits.replace(/\B(?=(\d{3})+(?!\d))/g, ',');
}

/** `120000` → `120,000` (negative amounts keep their minus sign; `signed` adds a `+`). */
export function formatSats(v: bigint | string, opts: { signed?: boolean } = {}): string {
  const n = toBig(v);
  const sign = n < 0n ? '−' : opts.signed && n > 0n ? '+' : '';
  return `${sign}${group((n < 0n ? -n : n).toString())}`;
}

/** `120000` → `0.00120000` BTC, always eight decimals. */
export function formatBtc(v: bigint | string): string {
  const n = toBig(v);
  const abs = n < 0n ? -n : n;
  const whole = abs / SATS_PER_BTC;
  const frac = (abs % SATS_PER_BTC).toString().padStart(8, '0');
  return `${n < 0n ? '−' : ''}${group(whole.toString())}.${frac}`;
}

/** `sat` or `sats`. */
export function satUnit(v: bigint | string): string {
  const n = toBig(v);
  return n === 1n || n === -1n ? 'sat' : 'sats';
}

/** A fee rate for display: `12 sat/vB`, `1.5 sat/vB`. */
export function formatFeeRate(rate: number): string {
  const r = Math.round(rate * 100) / 100;
  return `${r.toLocaleString('en-US', { maximumFractionDigits: 2 })} sat/vB`;
}

/** The unit amounts are shown in (a setting: app/state/units.svelte.ts). */
export type AmountUnit = 'sat' | 'btc';
export const AMOUNT_UNITS: readonly AmountUnit[] = ['sat', 'btc'];
export const DEFAULT_UNIT: AmountUnit = 'sat';

/** A stored unit setting, if it is a unit we know; anything else (absent, edited by hand) is the default. */
export function parseUnit(text: string | null | undefined): AmountUnit {
  return (AMOUNT_UNITS as readonly string[]).includes(text ?? '') ? (text as AmountUnit) : DEFAULT_UNIT;
}

/** An amount in whole sats (on-chain) or in millisatoshis (Lightning, BOLT 11 `amount` is msat). */
export type Amount = { readonly sat: bigint | string } | { readonly msat: bigint | string };

const MSAT_PER_SAT = 1000n;

/** An amount in msat (bigint; a sat amount is exact in msat). */
export function amountMsat(a: Amount): bigint {
  return 'msat' in a ? toBig(a.msat) : toBig(a.sat) * MSAT_PER_SAT;
}

/** The number and its unit label apart (the balance shows them in different sizes). */
export interface AmountParts {
  /** With its sign (`−`, or `+` when asked) and thousands separators. */
  readonly num: string;
  /** `sat`, `sats` or `BTC`. */
  readonly unit: string;
}

/**
 * The one formatter for amounts on screen. Nothing is rounded, and nothing goes through floating
 * point: sats show the millisatoshis when there are some (`1,500.5 sats`, as formatMsat); BTC
 * shows eight decimals (`0.00001500 BTC`, as formatBtc), extended to as many as eleven when the
 * amount has millisatoshis (`0.000015005 BTC`) — a Lightning amount is exact to the msat
 * (BOLT 11), so showing it rounded would show a different amount than the one paid.
 */
export function amountParts(a: Amount, unit: AmountUnit, opts: { signed?: boolean } = {}): AmountParts {
  const msat = amountMsat(a);
  const abs = msat < 0n ? -msat : msat;
  const sign = msat < 0n ? '−' : opts.signed && msat > 0n ? '+' : '';
  const sats = abs / MSAT_PER_SAT;
  const rest = abs % MSAT_PER_SAT;
  if (unit === 'btc') {
    const base = formatBtc(sats);
    const extra = rest === 0n ? '' : rest.toString().padStart(3, '0').replace(/0+$/, '');
    return { num: `${sign}${base}${extra}`, unit: 'BTC' };
  }
  const frac = rest === 0n ? '' : `.${rest.toString().padStart(3, '0').replace(/0+$/, '')}`;
  return { num: `${sign}${formatSats(sats)}${frac}`, unit: abs === MSAT_PER_SAT ? 'sat' : 'sats' };
}

/** `1,500 sats`, `1,500.5 sats`, `0.00001500 BTC` (see amountParts). */
export function formatAmount(a: Amount, unit: AmountUnit, opts: { signed?: boolean } = {}): string {
  const p = amountParts(a, unit, opts);
  return `${p.num} ${p.unit}`;
}
