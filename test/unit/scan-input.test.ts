/**
 * The scanner's classifier (app/lib/scan-input.ts): every text a QR code or a paste can bring —
 * BOLT 11 invoices (the spec's vectors, and a regtest one signed by our encoder), `lightning:` URIs,
 * BIP 21 `bitcoin:` URIs with and without `lightning=`, plain addresses of every network, node
 * URIs, LNURL (LUD-01/17) and Lightning Addresses (LUD-16) — and garbage, with wrong networks,
 * whitespace and upper case.
 */
import { describe, expect, it } from 'vitest';
import vectors from '../vectors/bolt11-invoices.json' with { type: 'json' };
import { hexToBytes } from '../../engine/lib/bytes.ts';
import { encodeInvoice, signInvoiceDigest } from '../../engine/invoice/index.ts';
import { classifyScan, describeScan } from '../../app/lib/scan-input.ts';

const MAINNET_ANY = vectors.valid[0]!.invoice; // lnbc1… no amount
const MAINNET_2500U = vectors.valid[1]!.invoice; // lnbc2500u1…: 250,000,000 msat
const TESTNET_20M = vectors.valid[4]!.invoice; // lntb20m1…
const UPPER_25M = vectors.valid[12]!.invoice; // LNBC25M1… as the spec gives it
const KEY = hexToBytes(vectors.signing_privkey);
const REGTEST = encodeInvoice(
  {
    network: 'regtest',
    amountMsat: 25_000_000n,
    timestampSec: 1_700_000_000,
    paymentHash: new Uint8Array(32).fill(1),
    paymentSecret: new Uint8Array(32).fill(2),
    description: 'T-shirt',
    features: Uint8Array.of(0x41, 0x00),
  },
  (d) => signInvoiceDigest(d, KEY),
);

const MAIN_ADDR = 'bc1qw508d6qejxtdg4y5r3zarvary0c5xw7kv8f3t4';
const TEST_ADDR = 'tb1qw508d6qejxtdg4y5r3zarvary0c5xw7kxpjzsx';
const REG_ADDR = 'bcrt1qw508d6qejxtdg4y5r3zarvary0c5xw7kygt080';
const P2PKH_MAIN = '175tWpb8K1S7NmH4Zx6rewF9WQrcZv245W';
const NODE = '03e7156ae33b0a208d0744199163177e909e80176e55d97a2f221ede0f934dd9ad';
const LNURL = 'LNURL1DP68GURN8GHJ7UM9WFMXJCM99E3K7MF0V9CXJ0M385EKVCENXC6R2C35XVUKXEFCV5MKVV34X5EKZD3EV56NYD3HXQURZEPEXEJXXEPNXSCRVWFNV9NXZCN9XQ6XYEFHVGCXXCMYXYMNSERXFQ5FNS';

describe('BOLT 11 invoices and lightning: URIs lead to the Lightning review', () => {
  it('reads the spec vectors, lowercased', () => {
    expect(classifyScan(MAINNET_2500U, 'bitcoin')).toEqual({ kind: 'lightning', invoice: MAINNET_2500U, sendText: MAINNET_2500U, network: 'bitcoin' });
    expect(classifyScan(MAINNET_ANY, 'bitcoin')).toEqual({ kind: 'lightning', invoice: MAINNET_ANY, sendText: MAINNET_ANY, network: 'bitcoin' });
    expect(classifyScan(UPPER_25M, 'bitcoin')).toMatchObject({ kind: 'lightning', invoice: UPPER_25M.toLowerCase() });
    expect(classifyScan(TESTNET_20M, 'testnet')).toMatchObject({ kind: 'lightning', network: 'testnet', invoice: TESTNET_20M });
  });
  it('reads a regtest invoice signed by our encoder, in a QR code’s upper-case lightning: form', () => {
    expect(REGTEST.startsWith('lnbcrt250u1')).toBe(true);
    const scanned = `LIGHTNING:${REGTEST.toUpperCase()}`;
    expect(classifyScan(scanned, 'regtest')).toEqual({ kind: 'lightning', invoice: REGTEST, sendText: REGTEST, network: 'regtest' });
    expect(classifyScan(`lightning:${REGTEST}`, 'regtest')).toMatchObject({ kind: 'lightning', invoice: REGTEST });
  });
  it('ignores surrounding whitespace and line breaks inside', () => {
    const broken = `\n  ${REGTEST.slice(0, 40)}\n${REGTEST.slice(40, 90)} \r\n${REGTEST.slice(90)}\t `;
    expect(classifyScan(broken, 'regtest')).toMatchObject({ kind: 'lightning', invoice: REGTEST });
  });
  it('refuses an invoice for another network, naming both', () => {
    const r = classifyScan(MAINNET_2500U, 'regtest');
    expect(r).toMatchObject({ kind: 'invalid', field: 'network' });
    expect(describeScan(r)).toBe('That is a mainnet (bitcoin) Lightning invoice; this wallet is on regtest.');
    expect(classifyScan(REGTEST, 'bitcoin')).toMatchObject({ kind: 'invalid', field: 'network', message: expect.stringContaining('regtest Lightning invoice') });
    expect(classifyScan(TESTNET_20M, 'signet')).toMatchObject({ kind: 'invalid', field: 'network', message: expect.stringContaining('testnet') });
  });
  it('refuses a lightning: URI without an invoice and an unknown currency prefix', () => {
    expect(classifyScan('lightning:hello', 'regtest')).toMatchObject({ kind: 'invalid', field: 'invoice' });
    expect(classifyScan('lnxy1qqqqqqqqqqqq', 'regtest')).toMatchObject({ kind: 'invalid', field: 'invoice', message: expect.stringContaining('lnbc, lntb, lntbs or lnbcrt') });
    expect(classifyScan('lnbcrt1qqqqb!!', 'regtest')).toMatchObject({ kind: 'invalid', field: 'invoice' });
  });
});

describe('BIP 21 bitcoin: URIs', () => {
  it('prefer lightning= and keep the address as the on-chain fallback', () => {
    const uri = `bitcoin:${REG_ADDR}?amount=0.00025&label=Shop&lightning=${REGTEST}`;
    expect(classifyScan(uri, 'regtest')).toEqual({
      kind: 'lightning',
      invoice: REGTEST,
      sendText: REGTEST,
      network: 'regtest',
      fallback: { address: REG_ADDR, amountSat: 25_000n },
    });
    expect(classifyScan(`BITCOIN:${REG_ADDR.toUpperCase()}?AMOUNT=0.00025&LIGHTNING=${REGTEST.toUpperCase()}`, 'regtest')).toMatchObject({
      kind: 'lightning',
      invoice: REGTEST,
      fallback: { address: REG_ADDR, amountSat: 25_000n },
    });
    expect(classifyScan(`bitcoin:?lightning=${REGTEST}`, 'regtest')).toEqual({ kind: 'lightning', invoice: REGTEST, sendText: REGTEST, network: 'regtest' });
  });
  it('go on chain without lightning=, with the amount (label and message ignored)', () => {
    expect(classifyScan(`bitcoin:${MAIN_ADDR}?amount=0.001&label=Luke%20Jr&message=Donation+for+project`, 'bitcoin')).toEqual({
      kind: 'onchain',
      address: MAIN_ADDR,
      amountSat: 100_000n,
    });
    expect(classifyScan(`BITCOIN:${MAIN_ADDR.toUpperCase()}?AMOUNT=20.3`, 'bitcoin')).toEqual({ kind: 'onchain', address: MAIN_ADDR, amountSat: 2_030_000_000n });
    expect(classifyScan(`bitcoin:${REG_ADDR}`, 'regtest')).toEqual({ kind: 'onchain', address: REG_ADDR });
  });
  it('refuse a bad amount, an unknown req- parameter, a bad lightning= and an address of another network', () => {
    expect(classifyScan(`bitcoin:${REG_ADDR}?amount=1.123456789`, 'regtest')).toMatchObject({ kind: 'invalid', field: 'amount', message: expect.stringContaining('8 decimals') });
    expect(classifyScan(`bitcoin:${REG_ADDR}?req-somethingnew=1`, 'regtest')).toMatchObject({ kind: 'invalid', field: 'req-somethingnew' });
    expect(classifyScan(`bitcoin:${REG_ADDR}?lightning=hello`, 'regtest')).toMatchObject({ kind: 'invalid', field: 'invoice' });
    expect(classifyScan('bitcoin:?label=x', 'regtest')).toMatchObject({ kind: 'invalid', field: 'address' });
    expect(classifyScan(`bitcoin:${MAIN_ADDR}`, 'regtest')).toMatchObject({ kind: 'invalid', field: 'address', message: 'That is a mainnet (bitcoin) address; this wallet is on regtest.' });
  });
  it('a foreign fallback address only loses the fallback; a foreign invoice refuses the URI', () => {
    const r = classifyScan(`bitcoin:${MAIN_ADDR}?lightning=${REGTEST}`, 'regtest');
    expect(r).toMatchObject({ kind: 'lightning', invoice: REGTEST });
    expect('fallback' in r).toBe(false);
    expect(classifyScan(`bitcoin:${REG_ADDR}?lightning=${MAINNET_2500U}`, 'regtest')).toMatchObject({ kind: 'invalid', field: 'network' });
  });
});

describe('plain addresses of every network', () => {
  it('accepts the wallet’s own network (bech32 in either case, base58)', () => {
    expect(classifyScan(MAIN_ADDR, 'bitcoin')).toEqual({ kind: 'onchain', address: MAIN_ADDR });
    expect(classifyScan(MAIN_ADDR.toUpperCase(), 'bitcoin')).toEqual({ kind: 'onchain', address: MAIN_ADDR });
    expect(classifyScan(P2PKH_MAIN, 'bitcoin')).toEqual({ kind: 'onchain', address: P2PKH_MAIN });
    expect(classifyScan(TEST_ADDR, 'testnet')).toEqual({ kind: 'onchain', address: TEST_ADDR });
    expect(classifyScan(TEST_ADDR, 'signet')).toEqual({ kind: 'onchain', address: TEST_ADDR });
    expect(classifyScan(` ${REG_ADDR}\n`, 'regtest')).toEqual({ kind: 'onchain', address: REG_ADDR });
  });
  it('refuses another network’s address with both networks named', () => {
    expect(classifyScan(MAIN_ADDR, 'regtest')).toMatchObject({ kind: 'invalid', field: 'address', message: 'That is a mainnet (bitcoin) address; this wallet is on regtest.' });
    expect(classifyScan(REG_ADDR, 'bitcoin')).toMatchObject({ kind: 'invalid', field: 'address', message: 'That is a regtest address; this wallet is on bitcoin.' });
    expect(classifyScan(TEST_ADDR, 'bitcoin')).toMatchObject({ kind: 'invalid', field: 'address', message: expect.stringContaining('testnet/signet') });
    expect(classifyScan(P2PKH_MAIN, 'testnet')).toMatchObject({ kind: 'invalid', field: 'address', message: expect.stringContaining('mainnet') });
  });
});

describe('node URIs lead to the open-channel form', () => {
  it('reads <node id>@host:port, [v6]:port and ws:// peers', () => {
    expect(classifyScan(`${NODE}@127.0.0.1:9735`, 'regtest')).toEqual({ kind: 'node', uri: `${NODE}@127.0.0.1:9735`, nodeId: NODE });
    expect(classifyScan(` ${NODE.toUpperCase()}@node.example.com:9735 `, 'bitcoin')).toMatchObject({ kind: 'node', nodeId: NODE });
    expect(classifyScan(`${NODE}@[2001:db8::1]:9735`, 'bitcoin')).toMatchObject({ kind: 'node', nodeId: NODE });
    expect(classifyScan(`${NODE}@wss://node.example.com/ln`, 'bitcoin')).toMatchObject({ kind: 'node', nodeId: NODE });
  });
  it('says what is missing from a node id without an address, port, or with a bad port', () => {
    expect(classifyScan(NODE, 'regtest')).toMatchObject({ kind: 'invalid', field: 'node', message: expect.stringContaining('@<host>:<port>') });
    expect(classifyScan(`${NODE}@127.0.0.1`, 'regtest')).toMatchObject({ kind: 'invalid', field: 'node', message: expect.stringContaining('needs a port') });
    expect(classifyScan(`${NODE}@127.0.0.1:70000`, 'regtest')).toMatchObject({ kind: 'invalid', field: 'node', message: expect.stringContaining('65535') });
    expect(classifyScan(`04${NODE.slice(2)}@127.0.0.1:9735`, 'regtest')).toMatchObject({ kind: 'invalid', field: 'node', message: expect.stringContaining('02 or 03') });
  });
});

describe('LNURL and Lightning Addresses are recognised and reported as coming soon', () => {
  it('bech32 LNURL bare, lowercased and behind lightning:', () => {
    for (const text of [LNURL, LNURL.toLowerCase(), `lightning:${LNURL}`, `LIGHTNING:${LNURL}`]) {
      const r = classifyScan(text, 'bitcoin');
      expect(r, text).toMatchObject({ kind: 'lnurl', lnurl: 'lnurl' });
      expect(describeScan(r)).toMatch(/^Coming soon: LNURL codes cannot be paid yet/);
    }
  });
  it('LUD-17 schemes and a Lightning Address', () => {
    expect(classifyScan('lnurlp://service.com/api/pay?x=1', 'bitcoin')).toMatchObject({ kind: 'lnurl', lnurl: 'lnurlp', message: expect.stringContaining('Coming soon') });
    expect(classifyScan('LNURLW://abc.onion/w', 'bitcoin')).toMatchObject({ kind: 'lnurl', lnurl: 'lnurlw' });
    expect(classifyScan('keyauth://site.com/login?k1=00', 'bitcoin')).toMatchObject({ kind: 'lnurl', lnurl: 'keyauth' });
    expect(classifyScan('Satoshi@Example.com', 'regtest')).toMatchObject({ kind: 'lnurl', lnurl: 'lightning-address', message: expect.stringContaining('Coming soon: Lightning Addresses') });
  });
  it('a malformed LNURL is named; a user@host without a domain is not a Lightning Address', () => {
    expect(classifyScan('lnurl1bbbbbbbbbb', 'bitcoin')).toMatchObject({ kind: 'invalid', field: 'lnurl' });
    expect(classifyScan('lnurlp://', 'bitcoin')).toMatchObject({ kind: 'invalid', field: 'lnurl' });
    expect(classifyScan('user@localhost', 'bitcoin')).toMatchObject({ kind: 'invalid', field: 'text' });
  });
});

describe('garbage gets a clear message and is never mistaken for a payment', () => {
  it('empty, words, URLs, JSON, binary-looking data, a BOLT 12 offer', () => {
    expect(classifyScan('', 'regtest')).toEqual({ kind: 'invalid', field: 'text', message: 'The code is empty.' });
    expect(classifyScan(' \n\t ', 'regtest')).toMatchObject({ kind: 'invalid', field: 'text' });
    for (const junk of ['hello world', 'https://example.com/pay', '{"amount":1}', '\u0000\u0001\u00ff', 'bitcoin:', 'lno1pg257enxv4ezqcneype82um50ynhxgrwdajx283qfwdpl28qqmc78ymlvhmxcsywdk5wrjnj36jryg488qwlrnzyjczs']) {
      const r = classifyScan(junk, 'regtest');
      expect(r.kind, junk).toBe('invalid');
      if (r.kind !== 'invalid') continue;
      expect(r.message, junk).toMatch(/^[A-Z].*\.$/);
    }
    expect(classifyScan('hello world', 'regtest')).toEqual({
      kind: 'invalid',
      field: 'text',
      message: 'This code is not a Lightning invoice, a bitcoin address or a node.',
    });
    expect(classifyScan('lno1pg257enxv4ezqcneype82um50ynhxgrwdajx283qfwdpl28qqmc78ymlvhmxcsywdk5wrjnj36jryg488qwlrnzyjczs', 'regtest')).toMatchObject({ message: expect.stringContaining('BOLT 12') });
    expect(classifyScan('x'.repeat(20_000), 'regtest')).toMatchObject({ kind: 'invalid', field: 'text', message: expect.stringContaining('too long') });
  });
  it('a non-string (a detector returning something odd) is refused, not thrown', () => {
    expect(classifyScan(undefined as unknown as string, 'regtest')).toMatchObject({ kind: 'invalid', field: 'text' });
  });
});
