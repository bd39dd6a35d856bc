/** Address parsing (BIP 173/350, base58check): each rejection says what is wrong. */
import { describe, expect, it } from 'vitest';
import { bech32, bech32m } from '@scure/base';
import { address as baddress, networks, payments } from 'bitcoinjs-lib';
import { bytesToHex, hexToBytes } from '../../engine/lib/bytes.ts';
import { ValidationError } from '../../engine/lib/errors.ts';
import { addressFromScript, parseAddress } from '../../engine/wallet/addresses.ts';
import { classifyScript, dustThreshold } from '../../engine/wallet/script.ts';

const err = (text: unknown, network: 'bitcoin' | 'testnet' | 'signet' | 'regtest' = 'bitcoin'): string => {
  try {
    parseAddress(text, network);
  } catch (e) {
    expect(e).toBeInstanceOf(ValidationError);
    expect((e as ValidationError).field).toBe('address');
    return (e as Error).message;
  }
  throw new Error(`parsed: ${String(text)}`);
};

// BIP 173 / BIP 350 valid test vectors (address → scriptPubKey) that are standard types.
const VALID = [
  ['BC1QW508D6QEJXTDG4Y5R3ZARVARY0C5XW7KV8F3T4', 'bitcoin', '0014751e76e8199196d454941c45d1b3a323f1433bd6', 'p2wpkh'],
  ['tb1qrp33g0q5c5txsp9arysrx4k6zdkfs4nce4xj0gdcccefvpysxf3q0sl5k7', 'testnet', '00201863143c14c5166804bd19203356da136c985678cd4d27a1b8c6329604903262', 'p2wsh'],
  ['tb1qqqqqp399et2xygdj5xreqhjjvcmzhxw4aywxecjdzew6hylgvsesrxh6hy', 'testnet', '0020000000c4a5cad46221b2a187905e5266362b99d5e91c6ce24d165dab93e86433', 'p2wsh'],
  ['bc1p0xlxvlhemja6c4dqv22uapctqupfhlxm9h8z3k2e72q4k9hcz7vqzk5jj0', 'bitcoin', '512079be667ef9dcbbac55a06295ce870b07029bfcdb2dce28d959f2815b16f81798', 'p2tr'],
  ['1BvBMSEYstWetqTFn5Au4m4GFg7xJaNVN2', 'bitcoin', '76a91477bff20c60e522dfaa3350c39b030a5d004e839a88ac', 'p2pkh'],
  ['3J98t1WpEZ73CNmQviecrnyiWrnqRhWNLy', 'bitcoin', 'a914b472a266d0bd89c13706a4132ccfb16f7c3b9fcb87', 'p2sh'],
] as const;

describe('parseAddress', () => {
  for (const [addr, network, spk, type] of VALID) {
    it(`accepts ${addr.slice(0, 14)}… (${type})`, () => {
      const p = parseAddress(addr, network);
      expect(bytesToHex(p.scriptPubKey)).toBe(spk);
      expect(p.type).toBe(type);
      expect(classifyScript(p.scriptPubKey)).toBe(type);
      // Independent check with bitcoinjs-lib.
      if (type !== 'p2tr') expect(bytesToHex(baddress.toOutputScript(addr, network === 'bitcoin' ? networks.bitcoin : networks.testnet))).toBe(spk);
      else expect(bytesToHex(baddress.fromBech32(addr).data)).toBe(spk.slice(4));
      expect(addressFromScript(p.scriptPubKey, network)).toBe(p.address);
    });
  }

  it('accepts regtest bcrt addresses and whitespace around', () => {
    const spk = hexToBytes('0014751e76e8199196d454941c45d1b3a323f1433bd6');
    const a = payments.p2wpkh({ output: spk, network: networks.regtest }).address as string;
    expect(a.startsWith('bcrt1q')).toBe(true);
    expect(bytesToHex(parseAddress(`  ${a}\n`, 'regtest').scriptPubKey)).toBe(bytesToHex(spk));
    expect(addressFromScript(spk, 'regtest')).toBe(a);
  });

  it('wrong network: names both networks', () => {
    expect(err('bc1qw508d6qejxtdg4y5r3zarvary0c5xw7kv8f3t4', 'regtest')).toMatch(/bitcoin mainnet address, but the wallet is on regtest/);
    expect(err('tb1qrp33g0q5c5txsp9arysrx4k6zdkfs4nce4xj0gdcccefvpysxf3q0sl5k7', 'bitcoin')).toMatch(/testnet or signet address, but the wallet is on bitcoin/);
    const rt = payments.p2wpkh({ output: hexToBytes('0014751e76e8199196d454941c45d1b3a323f1433bd6'), network: networks.regtest }).address as string;
    expect(err(rt, 'signet')).toMatch(/regtest address, but the wallet is on signet/);
    expect(err('1BvBMSEYstWetqTFn5Au4m4GFg7xJaNVN2', 'testnet')).toMatch(/bitcoin mainnet address, but the wallet is on testnet/);
    const tpkh = baddress.toBase58Check(new Uint8Array(20), networks.testnet.pubKeyHash);
    expect(err(tpkh, 'bitcoin')).toMatch(/testnet, signet or regtest address/);
    // testnet and signet share addresses
    expect(parseAddress('tb1qrp33g0q5c5txsp9arysrx4k6zdkfs4nce4xj0gdcccefvpysxf3q0sl5k7', 'signet').type).toBe('p2wsh');
  });

  it('bad checksum: one character changed', () => {
    expect(err('bc1qw508d6qejxtdg4y5r3zarvary0c5xw7kv8f3t5')).toMatch(/bad checksum/);
    expect(err('1BvBMSEYstWetqTFn5Au4m4GFg7xJaNVN3')).toMatch(/bad checksum/);
    expect(err('3J98t1WpEZ73CNmQviecrnyiWrnqRhWNLz')).toMatch(/bad checksum/);
    // BIP 350: v0 program with a bech32m checksum, v1 with bech32.
    expect(err('bc1qw508d6qejxtdg4y5r3zarvary0c5xw7kemeawh')).toMatch(/bad checksum: witness v0 must use bech32/);
    const v1WithBech32 = bech32.encode('bc', [1, ...bech32.toWords(hexToBytes('79be667ef9dcbbac55a06295ce870b07029bfcdb2dce28d959f2815b16f81798'))]);
    expect(err(v1WithBech32)).toMatch(/bad checksum: witness v1 must use bech32m/);
    expect(err('tb1z0xlxvlhemja6c4dqv22uapctqupfhlxm9h8z3k2e72q4k9hcz7vqglt7rf', 'testnet')).toMatch(/witness v2 must use bech32m/);
  });

  it('unsupported types: future witness versions, odd program lengths', () => {
    // BIP 350 valid vectors for versions 16 and 2 (bech32m), and v1 with a 2-byte program.
    expect(err('BC1SW50QGDZ25J')).toMatch(/unsupported address type: witness v16/);
    expect(err('bc1zw508d6qejxtdg4y5r3zarvaryvaxxpcs')).toMatch(/unsupported address type: witness v2/);
    const v1Short = bech32m.encode('bc', [1, ...bech32m.toWords(new Uint8Array(20).fill(7))]);
    expect(err(v1Short)).toMatch(/unsupported address type: witness v1 with a 20-byte program/);
    const v0Odd = bech32.encode('bc', [0, ...bech32.toWords(new Uint8Array(24).fill(7))]);
    expect(err(v0Odd)).toMatch(/invalid witness v0 program length 24/);
    expect(err('bc1qr508d6qejxtdg4y5r3zarvary0c5xw7kv8f3t4')).toMatch(/bad checksum/);
  });

  it('not an address at all', () => {
    expect(err('')).toMatch(/is empty/);
    expect(err(42)).toMatch(/must be a string/);
    expect(err('hello world')).toMatch(/not a bitcoin address/);
    expect(err('bitcoin:bc1qw508d6qejxtdg4y5r3zarvary0c5xw7kv8f3t4?amount=1')).toMatch(/BIP 21/);
    expect(err('lnbc1pvjluezpp5qqqsyqcyq5rqwzqfqqqsyqcyq5rqwzqfqqqsyqcyq5rqwzqfqypq')).toMatch(/Lightning invoice/);
    expect(err('Bc1qw508d6qejxtdg4y5r3zarvary0c5xw7kv8f3t4')).toMatch(/mixes upper and lower case/);
    expect(err('bc1qw508d6qejxtdg4y5r3zarvary0c5xw7kv8f3tb')).toMatch(/invalid character "b"/);
    expect(err('1111111111')).toMatch(/wrong length/);
  });
});

describe('dust thresholds (Bitcoin Core at 3 sat/vB)', () => {
  it('matches Core for each standard type', () => {
    const t = (a: string, n: 'bitcoin' | 'testnet' = 'bitcoin'): bigint => dustThreshold(parseAddress(a, n).scriptPubKey);
    expect(t('bc1qw508d6qejxtdg4y5r3zarvary0c5xw7kv8f3t4')).toBe(294n);
    expect(t('tb1qrp33g0q5c5txsp9arysrx4k6zdkfs4nce4xj0gdcccefvpysxf3q0sl5k7', 'testnet')).toBe(330n);
    expect(t('bc1p0xlxvlhemja6c4dqv22uapctqupfhlxm9h8z3k2e72q4k9hcz7vqzk5jj0')).toBe(330n);
    expect(t('1BvBMSEYstWetqTFn5Au4m4GFg7xJaNVN2')).toBe(546n);
    expect(t('3J98t1WpEZ73CNmQviecrnyiWrnqRhWNLy')).toBe(540n);
  });
});
