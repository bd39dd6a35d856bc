// Amounts on screen (app/lib/amount.ts formatAmount) in both units, exact to the millisatoshi and
// never through floating point; the unit setting's parsing (the stored value of app/state/units.svelte.ts); and the
// Receive screen's QR texts (app/lib/payment-input.ts): the unified BIP21 URI with `lightning=`.
import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { amountMsat, amountParts, formatAmount, parseUnit } from '../../app/lib/amount.ts';
import { addressQrValue, bip21Amount, classifySendText, formatMsat, unifiedQrValue } from '../../app/lib/payment-input.ts';

/** Reads a formatted amount back to msat with bigint arithmetic only (the inverse the tests hold formatAmount to). */
function parseBack(text: string): bigint {
  const m = /^([−+]?)([\d,]+)(?:\.(\d+))? (sats?|BTC)$/.exec(text);
  if (!m) throw new Error(`not an amount: ${text}`);
  const [, sign, whole = '', frac = '', unit] = m;
  const digits = BigInt(whole.replace(/,/g, ''));
  const v = unit === 'BTC' ? digits * 100_000_000_000n + BigInt(frac.padEnd(11, '0')) : digits * 1000n + BigInt(frac.padEnd(3, '0'));
  return sign === '−' ? -v : v;
}

describe('formatAmount: sats', () => {
  it('whole sats with thousands separators and sat/sats', () => {
    expect(formatAmount({ sat: 0n }, 'sat')).toBe('0 sats');
    expect(formatAmount({ sat: 1n }, 'sat')).toBe('1 sat');
    expect(formatAmount({ sat: '1234567' }, 'sat')).toBe('1,234,567 sats');
    expect(formatAmount({ sat: -1500n }, 'sat')).toBe('−1,500 sats');
    expect(formatAmount({ sat: 1500n }, 'sat', { signed: true })).toBe('+1,500 sats');
  });

  it('msat amounts keep their millisatoshis, trailing zeros dropped, never rounded', () => {
    expect(formatAmount({ msat: 1_500_500n }, 'sat')).toBe('1,500.5 sats');
    expect(formatAmount({ msat: 1n }, 'sat')).toBe('0.001 sats');
    expect(formatAmount({ msat: 999n }, 'sat')).toBe('0.999 sats');
    expect(formatAmount({ msat: 1000n }, 'sat')).toBe('1 sat');
    expect(formatAmount({ msat: '3000000' }, 'sat')).toBe('3,000 sats');
    expect(formatAmount({ msat: -1_200_010n }, 'sat')).toBe('−1,200.01 sats');
  });

  it('agrees with formatMsat, which the Lightning screens used before', () => {
    fc.assert(fc.property(fc.bigInt({ min: -(10n ** 18n), max: 10n ** 18n }), (msat) => amountParts({ msat }, 'sat').num === formatMsat(msat)));
  });
});

describe('formatAmount: BTC', () => {
  it('eight decimals for whole sats', () => {
    expect(formatAmount({ sat: 0n }, 'btc')).toBe('0.00000000 BTC');
    expect(formatAmount({ sat: 100_000n }, 'btc')).toBe('0.00100000 BTC');
    expect(formatAmount({ sat: 2_100_000_000_000_000n }, 'btc')).toBe('21,000,000.00000000 BTC');
    expect(formatAmount({ sat: -1n }, 'btc')).toBe('−0.00000001 BTC');
    expect(formatAmount({ sat: 5n }, 'btc', { signed: true })).toBe('+0.00000005 BTC');
  });

  it('msat beyond the eighth decimal are shown (up to eleven decimals), not rounded away', () => {
    expect(formatAmount({ msat: 1_500_500n }, 'btc')).toBe('0.000015005 BTC');
    expect(formatAmount({ msat: 1n }, 'btc')).toBe('0.00000000001 BTC');
    expect(formatAmount({ msat: 999n }, 'btc')).toBe('0.00000000999 BTC');
    expect(formatAmount({ msat: 1_000n }, 'btc')).toBe('0.00000001 BTC');
  });

  it('a sat amount and the same amount in msat read the same', () => {
    fc.assert(fc.property(fc.bigInt({ min: 0n, max: 2_100_000_000_000_000n }), fc.constantFrom('sat' as const, 'btc' as const), (sat, unit) => formatAmount({ sat }, unit) === formatAmount({ msat: sat * 1000n }, unit)));
  });

  it('every formatted amount reads back to exactly the msat it was made from, in either unit', () => {
    fc.assert(
      fc.property(fc.bigInt({ min: -(2n ** 61n), max: 2n ** 61n }), fc.constantFrom('sat' as const, 'btc' as const), (msat, unit) => {
        expect(parseBack(formatAmount({ msat }, unit))).toBe(msat);
      }),
    );
  });

  it('amountMsat: sats are exact in msat', () => {
    expect(amountMsat({ sat: '21' })).toBe(21_000n);
    expect(amountMsat({ msat: '21' })).toBe(21n);
  });
});

describe('the units setting', () => {
  it('reads sat or btc, and anything else as the default (sat)', () => {
    expect(parseUnit('btc')).toBe('btc');
    expect(parseUnit('sat')).toBe('sat');
    expect(parseUnit(null)).toBe('sat');
    expect(parseUnit(undefined)).toBe('sat');
    expect(parseUnit('BTC')).toBe('sat');
    expect(parseUnit('{"unit":"btc"}')).toBe('sat');
  });
});

const ADDRESS = 'bcrt1qw508d6qejxtdg4y5r3zarvary0c5xw7kygt080';
const LEGACY = 'mipcBbFg9gMiCh81Kj8tqqdgoZub1ZJRfn';
const INVOICE = 'lnbcrt30u1pjexample0qqqsyqcyq5rqwzqfqqqsyqcyq5rqwzqfqqqsyqcyq5rqwzqfqypq';

describe('the unified QR (BIP21 with lightning=)', () => {
  it('bitcoin:<ADDRESS>?amount=<btc>&lightning=<INVOICE>, bech32 in upper case', () => {
    expect(unifiedQrValue(ADDRESS, INVOICE, 3_000_000n)).toBe(`bitcoin:${ADDRESS.toUpperCase()}?amount=0.00003&lightning=${INVOICE.toUpperCase()}`);
  });

  it('no amount parameter for an any-amount invoice', () => {
    expect(unifiedQrValue(ADDRESS, INVOICE, null)).toBe(`bitcoin:${ADDRESS.toUpperCase()}?lightning=${INVOICE.toUpperCase()}`);
  });

  it('a legacy base58 address keeps its case (it is case-sensitive)', () => {
    expect(unifiedQrValue(LEGACY, INVOICE, null)).toBe(`bitcoin:${LEGACY}?lightning=${INVOICE.toUpperCase()}`);
    expect(addressQrValue(LEGACY)).toBe(`bitcoin:${LEGACY}`);
    expect(addressQrValue(ADDRESS)).toBe(`bitcoin:${ADDRESS.toUpperCase()}`);
  });

  it('a mixed-case string is not bech32 and is left alone', () => {
    const mixed = 'bcrt1QW508d6qejxtdg4y5r3zarvary0c5xw7kygt080';
    expect(addressQrValue(mixed)).toBe(`bitcoin:${mixed}`);
  });

  it('BIP21 amounts: decimal BTC, trailing zeros dropped, a fraction of a sat rounded up', () => {
    expect(bip21Amount(100_000_000_000n)).toBe('1');
    expect(bip21Amount(150_000_000_000n)).toBe('1.5');
    expect(bip21Amount(1_000n)).toBe('0.00000001');
    expect(bip21Amount(1n)).toBe('0.00000001');
    expect(bip21Amount(1_500_500n)).toBe('0.00001501');
    expect(bip21Amount(2_100_000_000_000_000_000n)).toBe('21000000');
  });

  it('our own Send screen reads the unified URI as Lightning, and without lightning= as the address and amount', () => {
    const uri = unifiedQrValue(ADDRESS, INVOICE, 3_000_000n);
    expect(classifySendText(uri)).toEqual({ kind: 'lightning', text: uri });
    const onchainOnly = uri.slice(0, uri.indexOf('&lightning='));
    expect(classifySendText(onchainOnly)).toEqual({ kind: 'onchain', address: ADDRESS.toUpperCase(), amountSat: 3000n });
  });

  it('any amount: the BIP21 amount reads back to the sats the invoice asks for, rounded up', () => {
    fc.assert(
      fc.property(fc.bigInt({ min: 1n, max: 2_100_000_000_000_000_000n }), (msat) => {
        const t = classifySendText(unifiedQrValue(ADDRESS, INVOICE, msat).replace(/&lightning=.*$/, ''));
        expect(t).toEqual({ kind: 'onchain', address: ADDRESS.toUpperCase(), amountSat: (msat + 999n) / 1000n });
      }),
    );
  });
});
