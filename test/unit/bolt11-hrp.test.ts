/**
 * BOLT 11 "Human-Readable Part": currency prefixes (lnbc, lntb, lntbs, lnbcrt), amounts with the
 * m/u/n/p multipliers, and the reader requirements on them; plus network and URI-prefix handling.
 */
import { describe, expect, it } from 'vitest';
import vectors from '../vectors/bolt11-invoices.json' with { type: 'json' };
import { hexToBytes } from '../../engine/lib/bytes.ts';
import { formatAmount, parseHrp } from '../../engine/invoice/amount.ts';
import { decodeInvoice, encodeInvoice, InvoiceError, signInvoiceDigest, type InvoiceNetwork } from '../../engine/invoice/index.ts';

function code(f: () => unknown): string {
  try {
    f();
  } catch (e) {
    if (e instanceof InvoiceError) return e.code;
    throw e;
  }
  return 'accepted';
}

describe('BOLT 11 prefix', () => {
  it('maps each BIP 173 currency prefix to its network, longest first', () => {
    expect(parseHrp('lnbc')).toEqual({ network: 'bitcoin' });
    expect(parseHrp('lntb')).toEqual({ network: 'testnet' });
    expect(parseHrp('lntbs')).toEqual({ network: 'signet' });
    expect(parseHrp('lnbcrt')).toEqual({ network: 'regtest' });
    expect(parseHrp('lntbs10u')).toEqual({ network: 'signet', amountMsat: 1_000_000n });
    expect(parseHrp('lnbcrt25m')).toEqual({ network: 'regtest', amountMsat: 2_500_000_000n });
    expect(parseHrp('lntb10p')).toEqual({ network: 'testnet', amountMsat: 1n });
  });
  it('refuses prefixes it does not understand', () => {
    expect(code(() => parseHrp('lnsb10u'))).toBe('unknown_prefix');
    expect(code(() => parseHrp('bc'))).toBe('unknown_prefix');
    expect(code(() => parseHrp('lnltc'))).toBe('unknown_prefix');
    expect(code(() => parseHrp('lnbcx'))).toBe('unknown_prefix');
  });
});

describe('BOLT 11 amount', () => {
  it('multiplies by m, u, n, p (p in tenths of a millisatoshi)', () => {
    expect(parseHrp('lnbc1').amountMsat).toBe(100_000_000_000n);
    expect(parseHrp('lnbc20m').amountMsat).toBe(2_000_000_000n);
    expect(parseHrp('lnbc2500u').amountMsat).toBe(250_000_000n);
    expect(parseHrp('lnbc1n').amountMsat).toBe(100n);
    expect(parseHrp('lnbc9678785340p').amountMsat).toBe(967_878_534n);
  });
  it('refuses a p amount not ending in 0, leading zeros, zero, bad multipliers and more than 21M BTC', () => {
    expect(code(() => parseHrp('lnbc2500000001p'))).toBe('sub_millisatoshi_precision');
    expect(code(() => parseHrp('lnbc01m'))).toBe('invalid_amount');
    expect(code(() => parseHrp('lnbc0'))).toBe('invalid_amount');
    expect(code(() => parseHrp('lnbc2500x'))).toBe('invalid_multiplier');
    expect(code(() => parseHrp('lnbc25mm'))).toBe('invalid_multiplier');
    expect(code(() => parseHrp('lnbc21000000'))).toBe('accepted');
    expect(code(() => parseHrp('lnbc21000001'))).toBe('amount_too_large');
    expect(code(() => parseHrp(`lnbc${'9'.repeat(40)}`))).toBe('amount_too_large');
  });
  it('writes the shortest representation', () => {
    expect(formatAmount(250_000_000n)).toBe('2500u');
    expect(formatAmount(2_000_000_000n)).toBe('20m');
    expect(formatAmount(100_000_000_000n)).toBe('1');
    expect(formatAmount(967_878_534n)).toBe('9678785340p');
    expect(formatAmount(1_000n)).toBe('10n');
    for (const msat of [1n, 7n, 10n, 999n, 123_456_789n, 2_100_000_000_000_000_000n]) {
      expect(parseHrp(`lnbc${formatAmount(msat)}`).amountMsat).toBe(msat);
    }
  });
});

describe('BOLT 11 text handling', () => {
  const inv = vectors.valid[1]!.invoice;
  it('accepts lightning: and LIGHTNING: prefixes and surrounding whitespace', () => {
    expect(decodeInvoice(`lightning:${inv}`).bolt11).toBe(inv);
    expect(decodeInvoice(`  LIGHTNING:${inv.toUpperCase()}\n`).bolt11).toBe(inv);
  });
  it('refuses an invoice for another network when the node names its own', () => {
    expect(code(() => decodeInvoice(inv, { network: 'regtest' }))).toBe('wrong_network');
    expect(decodeInvoice(inv, { network: 'bitcoin' }).network).toBe('bitcoin');
  });
  it('reads lntbs as signet and lnbcrt as regtest end to end', () => {
    const key = hexToBytes(vectors.signing_privkey);
    for (const network of ['signet', 'regtest', 'testnet'] as InvoiceNetwork[]) {
      const text = encodeInvoice(
        { network, amountMsat: 10n, timestampSec: 1, paymentHash: new Uint8Array(32), paymentSecret: new Uint8Array(32), description: '' },
        (d) => signInvoiceDigest(d, key),
      );
      const inv = decodeInvoice(text);
      expect(inv.network).toBe(network);
      expect(inv.amountMsat).toBe(10n);
      expect(inv.description).toBe('');
    }
  });
  it('refuses non-strings, empty and overlong text', () => {
    expect(code(() => decodeInvoice(42 as unknown as string))).toBe('not_a_string');
    expect(code(() => decodeInvoice('   '))).toBe('empty');
    expect(code(() => decodeInvoice(`lnbc1${'q'.repeat(20_000)}`))).toBe('too_long');
  });
});
