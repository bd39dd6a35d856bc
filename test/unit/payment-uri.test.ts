/**
 * Payment texts: a bare BOLT 11 invoice (any case), `lightning:` URIs (BOLT 11 "Encoding
 * Overview"), BIP 21 `bitcoin:` URIs with `amount`, `label`, `message` and `lightning` parameters,
 * and bare on-chain addresses.
 */
import { describe, expect, it } from 'vitest';
import vectors from '../vectors/bolt11-invoices.json' with { type: 'json' };
import { InvoiceError, parseBip21Amount, parsePaymentText } from '../../engine/invoice/index.ts';

const INV = vectors.valid[1]!.invoice;

function field(f: () => unknown): string {
  try {
    f();
  } catch (e) {
    expect(e).toBeInstanceOf(InvoiceError);
    expect((e as InvoiceError).code).toBe('invalid_payment_text');
    return (e as InvoiceError).field;
  }
  return 'accepted';
}

describe('bare invoices and lightning: URIs', () => {
  it('returns the invoice lowercased, whitespace trimmed', () => {
    expect(parsePaymentText(INV)).toEqual({ invoice: INV });
    expect(parsePaymentText(`  ${INV.toUpperCase()} \n`)).toEqual({ invoice: INV });
    expect(parsePaymentText(`lightning:${INV}`)).toEqual({ invoice: INV });
    expect(parsePaymentText(`LIGHTNING:${INV.toUpperCase()}`)).toEqual({ invoice: INV });
    expect(parsePaymentText(`lightning://${INV}`)).toEqual({ invoice: INV });
  });
  it('names what is wrong', () => {
    expect(field(() => parsePaymentText(''))).toBe('text');
    expect(field(() => parsePaymentText('lightning:hello'))).toBe('invoice');
    expect(field(() => parsePaymentText('hello world'))).toBe('text');
  });
});

describe('BIP 21 bitcoin: URIs', () => {
  it('reads address, amount (BTC → sat exactly), label, message and lightning', () => {
    const uri = `bitcoin:bc1qw508d6qejxtdg4y5r3zarvary0c5xw7kv8f3t4?amount=0.001&label=Luke%20Jr&message=Donation+for+project&lightning=${INV}`;
    expect(parsePaymentText(uri)).toEqual({
      invoice: INV,
      address: 'bc1qw508d6qejxtdg4y5r3zarvary0c5xw7kv8f3t4',
      amountSat: 100_000n,
      label: 'Luke Jr',
      message: 'Donation for project',
    });
  });
  it('accepts upper-case QR forms and a lightning parameter without an address', () => {
    const uri = `BITCOIN:BC1QW508D6QEJXTDG4Y5R3ZARVARY0C5XW7KV8F3T4?AMOUNT=20.3&LIGHTNING=${INV.toUpperCase()}`;
    expect(parsePaymentText(uri)).toEqual({ invoice: INV, address: 'bc1qw508d6qejxtdg4y5r3zarvary0c5xw7kv8f3t4', amountSat: 2_030_000_000n });
    expect(parsePaymentText(`bitcoin:?lightning=${INV}`)).toEqual({ invoice: INV });
    expect(parsePaymentText('bitcoin:175tWpb8K1S7NmH4Zx6rewF9WQrcZv245W')).toEqual({ address: '175tWpb8K1S7NmH4Zx6rewF9WQrcZv245W' });
  });
  it('converts BTC decimals to satoshis without floating point', () => {
    expect(parseBip21Amount('0.00000001')).toBe(1n);
    expect(parseBip21Amount('1')).toBe(100_000_000n);
    expect(parseBip21Amount('.5')).toBe(50_000_000n);
    expect(parseBip21Amount('20999999.99999999')).toBe(2_099_999_999_999_999n);
    expect(parseBip21Amount('0.1')).toBe(10_000_000n);
    expect(parseBip21Amount('0.3')).toBe(30_000_000n);
  });
  it('refuses bad amounts, unknown required parameters and missing targets, naming the field', () => {
    expect(field(() => parseBip21Amount('0.000000001'))).toBe('amount');
    expect(field(() => parseBip21Amount('1e-3'))).toBe('amount');
    expect(field(() => parseBip21Amount('-1'))).toBe('amount');
    expect(field(() => parseBip21Amount('.'))).toBe('amount');
    expect(field(() => parseBip21Amount('21000000.00000001'))).toBe('amount');
    expect(field(() => parsePaymentText('bitcoin:bc1qw508d6qejxtdg4y5r3zarvary0c5xw7kv8f3t4?amount=abc'))).toBe('amount');
    expect(field(() => parsePaymentText('bitcoin:bc1qw508d6qejxtdg4y5r3zarvary0c5xw7kv8f3t4?req-somethingyoudontunderstand=50'))).toBe(
      'req-somethingyoudontunderstand',
    );
    expect(parsePaymentText('bitcoin:bc1qw508d6qejxtdg4y5r3zarvary0c5xw7kv8f3t4?somethingyoudontunderstand=50')).toEqual({
      address: 'bc1qw508d6qejxtdg4y5r3zarvary0c5xw7kv8f3t4',
    });
    expect(field(() => parsePaymentText('bitcoin:'))).toBe('address');
    expect(field(() => parsePaymentText('bitcoin:not-an-address'))).toBe('address');
    expect(field(() => parsePaymentText('bitcoin:bc1qw508d6qejxtdg4y5r3zarvary0c5xw7kv8f3t4?lightning=nope'))).toBe('lightning');
    expect(field(() => parsePaymentText('bitcoin:bc1qw508d6qejxtdg4y5r3zarvary0c5xw7kv8f3t4?label=%E0%A4%A'))).toBe('label');
  });
});

describe('bare on-chain addresses', () => {
  it('returns segwit addresses lowercased and base58 ones as given', () => {
    expect(parsePaymentText('BCRT1QW508D6QEJXTDG4Y5R3ZARVARY0C5XW7KYGT080')).toEqual({ address: 'bcrt1qw508d6qejxtdg4y5r3zarvary0c5xw7kygt080' });
    expect(parsePaymentText('mk2QpYatsKicvFVuTAQLBryyccRXMUaGHP')).toEqual({ address: 'mk2QpYatsKicvFVuTAQLBryyccRXMUaGHP' });
  });
});
