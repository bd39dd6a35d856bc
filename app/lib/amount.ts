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
