// The wallet screens' shape checks and formatting (app/lib/wallet-input.ts, app/lib/amount.ts):
// clear messages for the common mistakes, amounts never through floating point.
import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { checkAddress, checkAmount, checkEsploraUrl, checkFeeRate, checkMnemonic, checkNewPassphrase, DUST_LIMIT_SAT } from '../../app/lib/wallet-input.ts';
import { formatBtc, formatFeeRate, formatSats } from '../../app/lib/amount.ts';
import { pickPositions } from '../../app/state/word-quiz.svelte.ts';
import { parseRoute, routeHref } from '../../app/lib/route.ts';

const err = (r: { ok: boolean; error?: string }): string => (r.ok ? '' : (r.error ?? ''));

describe('amount formatting', () => {
  it('thousands separators and BTC with eight decimals', () => {
    expect(formatSats('0')).toBe('0');
    expect(formatSats('999')).toBe('999');
    expect(formatSats('1000')).toBe('1,000');
    expect(formatSats(120_000n)).toBe('120,000');
    expect(formatSats('2100000000000000')).toBe('2,100,000,000,000,000');
    expect(formatSats('-20141')).toBe('−20,141');
    expect(formatSats('20141', { signed: true })).toBe('+20,141');
    expect(formatBtc('100000')).toBe('0.00100000');
    expect(formatBtc(123_456_789n)).toBe('1.23456789');
    expect(formatBtc('-1')).toBe('−0.00000001');
    expect(formatBtc('2100000000000000')).toBe('21,000,000.00000000');
    expect(formatFeeRate(1.25)).toBe('1.25 sat/vB');
    expect(formatFeeRate(12)).toBe('12 sat/vB');
  });

  it('BTC and sats agree for any amount', () => {
    fc.assert(
      fc.property(fc.bigInt({ min: 0n, max: 2_100_000_000_000_000n }), (n) => {
        expect(BigInt(formatBtc(n).replace(/[,.]/g, ''))).toBe(n);
        expect(BigInt(formatSats(n).replace(/,/g, ''))).toBe(n);
      }),
    );
  });
});

describe('send inputs', () => {
  it('addresses: network, case, characters', () => {
    expect(checkAddress(' bcrt1qw508d6qejxtdg4y5r3zarvary0c5xw7kygt080 ', 'regtest')).toEqual({ ok: true, value: 'bcrt1qw508d6qejxtdg4y5r3zarvary0c5xw7kygt080' });
    expect(checkAddress('BCRT1QW508D6QEJXTDG4Y5R3ZARVARY0C5XW7KYGT080', 'regtest')).toMatchObject({ ok: true, value: 'bcrt1qw508d6qejxtdg4y5r3zarvary0c5xw7kygt080' });
    expect(checkAddress('bitcoin:bcrt1qw508d6qejxtdg4y5r3zarvary0c5xw7kygt080?amount=0.001', 'regtest')).toMatchObject({ ok: true });
    expect(err(checkAddress('', 'regtest'))).toContain('Enter the Bitcoin address');
    expect(err(checkAddress('bc1qw508d6qejxtdg4y5r3zarvary0c5xw7kv8f3t4', 'regtest'))).toContain('mainnet (bitcoin) address; this wallet is on regtest');
    expect(err(checkAddress('tb1qw508d6qejxtdg4y5r3zarvary0c5xw7kxpjzsx', 'bitcoin'))).toContain('testnet/signet');
    expect(err(checkAddress('bcrt1qW508d6qejxtdg4y5r3zarvary0c5xw7kygt080', 'regtest'))).toContain('not mixed');
    expect(err(checkAddress('bcrt1qb508d6qejxtdg4y5r3zarvary0c5xw7kygt080', 'regtest'))).toContain('cannot contain');
    expect(err(checkAddress('1BvBMSEYstWetqTFn5Au4m4GFg7xJaNVN2', 'signet'))).toContain('mainnet');
    expect(checkAddress('mipcBbFg9gMiCh81Kj8tqqdgoZub1ZJRfn', 'signet')).toMatchObject({ ok: true });
    expect(err(checkAddress('hello world', 'regtest'))).toContain('no spaces');
    expect(err(checkAddress('hello', 'regtest'))).toContain('start with bcrt1q');
  });

  it('amounts: integer, dust, balance', () => {
    expect(checkAmount('20000', 100_000n)).toEqual({ ok: true, value: 20_000n });
    expect(checkAmount('20,000', null)).toEqual({ ok: true, value: 20_000n });
    expect(checkAmount('1 000 000', null)).toEqual({ ok: true, value: 1_000_000n });
    expect(checkAmount(String(DUST_LIMIT_SAT), null)).toMatchObject({ ok: true });
    expect(err(checkAmount('', null))).toContain('Enter an amount');
    expect(err(checkAmount('1.5', null))).toContain('whole sats');
    expect(err(checkAmount('0,5', null))).toContain('whole sats');
    expect(err(checkAmount('abc', null))).toContain('whole number of sats');
    expect(err(checkAmount('-5', null))).toContain('positive');
    expect(err(checkAmount('293', null))).toContain('at least 294 sats');
    expect(err(checkAmount('100001', 100_000n))).toContain('more than your balance of 100,000 sats');
    expect(err(checkAmount('2100000000000001', null))).toContain('21 million');
  });

  it('fee rates', () => {
    expect(checkFeeRate('12')).toEqual({ ok: true, value: 12 });
    expect(checkFeeRate('1,5')).toEqual({ ok: true, value: 1.5 });
    expect(err(checkFeeRate(''))).toContain('Enter a fee rate');
    expect(err(checkFeeRate('0.5'))).toContain('at least 1 sat/vB');
    expect(err(checkFeeRate('fast'))).toContain('number of sat/vB');
    expect(err(checkFeeRate('20000'))).toContain('at most 10,000');
  });
});

describe('onboarding and settings inputs', () => {
  it('new passphrase twice', () => {
    expect(checkNewPassphrase('', '')).toEqual({ first: 'Choose a passphrase.', second: 'Type the passphrase again.' });
    expect(checkNewPassphrase('short', 'short').first).toContain('at least 8');
    expect(checkNewPassphrase('long enough', 'long enougH').second).toContain('do not match');
    expect(checkNewPassphrase('long enough', 'long enough')).toEqual({ first: null, second: null });
  });

  it('recovery words', () => {
    const words = Array.from({ length: 24 }, () => 'abandon');
    expect(checkMnemonic(`  ${words.join('  ')}\n`)).toEqual({ ok: true, value: words.join(' ') });
    expect(checkMnemonic(words.slice(0, 12).join(' ').toUpperCase())).toMatchObject({ ok: true });
    expect(err(checkMnemonic(''))).toContain('Enter your recovery words');
    expect(err(checkMnemonic(words.slice(0, 23).join(' ')))).toContain('this has 23');
    expect(err(checkMnemonic(`abandon ab4ndon ${words.slice(2).join(' ')}`))).toContain('Word 2');
  });

  it('Esplora URLs', () => {
    expect(checkEsploraUrl('https://mempool.space/signet/api/')).toEqual({ ok: true, value: 'https://mempool.space/signet/api' });
    expect(checkEsploraUrl('http://127.0.0.1:3002', 'https:')).toMatchObject({ ok: true });
    expect(err(checkEsploraUrl('http://esplora.example', 'https:'))).toContain('block');
    expect(checkEsploraUrl('http://esplora.example', 'http:')).toMatchObject({ ok: true });
    expect(err(checkEsploraUrl('mempool.space/api'))).toContain('https://');
    expect(err(checkEsploraUrl('https://x/api?key=1'))).toContain('without ?query');
    expect(err(checkEsploraUrl(''))).toContain('default');
  });

  it('word quiz positions are distinct, sorted, in range', () => {
    fc.assert(
      fc.property(fc.array(fc.nat(), { minLength: 30, maxLength: 30 }), (seq) => {
        let i = 0;
        const p = pickPositions(24, 3, (n) => (seq[i++ % seq.length] as number) % n);
        expect(new Set(p).size).toBe(3);
        expect([...p].sort((a, b) => a - b)).toEqual(p);
        expect(p.every((x) => x >= 0 && x < 24)).toBe(true);
      }),
    );
  });

  it('hash routes', () => {
    expect(parseRoute('')).toEqual({ tab: 'wallet', view: 'home' });
    expect(parseRoute('#/wallet/send')).toEqual({ tab: 'wallet', view: 'send' });
    expect(parseRoute('#/peers')).toEqual({ tab: 'peers', view: 'home' });
    expect(parseRoute('#/settings/x')).toEqual({ tab: 'settings', view: 'home' });
    expect(parseRoute('#/nope')).toEqual({ tab: 'wallet', view: 'home' });
    expect(routeHref('wallet', 'receive')).toBe('#/wallet/receive');
    expect(routeHref('peers')).toBe('#/peers');
  });
});
