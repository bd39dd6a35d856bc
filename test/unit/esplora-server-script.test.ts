/**
 * The script helpers behind the regtest Esplora server: script types and ASM as electrs prints
 * them, regtest addresses (bcrt1 / base58) agreeing with bitcoinjs-lib, and Electrum-format
 * merkle branches.
 */
import { createHash } from 'node:crypto';
import { describe, expect, test } from 'vitest';
import { address as btcAddress, networks, payments } from 'bitcoinjs-lib';
import { merkleBranch } from '../../playground/chain/esplora.ts';
import { addressToScript, scriptAddress, scriptAsm, scriptType, scripthashOf } from '../../playground/chain/script.ts';

const h = (hex: string): Uint8Array => Uint8Array.from(Buffer.from(hex, 'hex'));
const pubkey = h('0279be667ef9dcbbac55a06295ce870b07029bfcdb2dce28d959f2815b16f81798');
const hash20 = h('11'.repeat(20));
const sha256d = (b: Buffer): Buffer => createHash('sha256').update(createHash('sha256').update(b).digest()).digest();

describe('script types, addresses and ASM', () => {
  const cases = [
    { name: 'p2pkh', spk: payments.p2pkh({ hash: hash20 }).output!, type: 'p2pkh', asm: `OP_DUP OP_HASH160 OP_PUSHBYTES_20 ${'11'.repeat(20)} OP_EQUALVERIFY OP_CHECKSIG` },
    { name: 'p2sh', spk: payments.p2sh({ hash: hash20 }).output!, type: 'p2sh', asm: `OP_HASH160 OP_PUSHBYTES_20 ${'11'.repeat(20)} OP_EQUAL` },
    { name: 'p2wpkh', spk: payments.p2wpkh({ hash: hash20 }).output!, type: 'v0_p2wpkh', asm: `OP_0 OP_PUSHBYTES_20 ${'11'.repeat(20)}` },
    { name: 'p2wsh', spk: payments.p2wsh({ hash: h('22'.repeat(32)) }).output!, type: 'v0_p2wsh', asm: `OP_0 OP_PUSHBYTES_32 ${'22'.repeat(32)}` },
  ];
  for (const c of cases) {
    test(`${c.name}: type, ASM, and the address bitcoinjs-lib gives (both ways)`, () => {
      expect(scriptType(c.spk)).toBe(c.type);
      expect(scriptAsm(c.spk)).toBe(c.asm);
      const expected = btcAddress.fromOutputScript(c.spk, networks.regtest);
      expect(scriptAddress(c.spk)).toBe(expected);
      expect(Buffer.from(addressToScript(expected)).equals(Buffer.from(c.spk))).toBe(true);
    });
  }

  test('p2tr: bech32m bcrt1p address round-trips (bitcoinjs needs an ECC lib for it, we do not)', () => {
    const spk = h(`5120${'79be667ef9dcbbac55a06295ce870b07029bfcdb2dce28d959f2815b16f81798'}`);
    expect(scriptType(spk)).toBe('v1_p2tr');
    expect(scriptAsm(spk)).toBe('OP_PUSHNUM_1 OP_PUSHBYTES_32 79be667ef9dcbbac55a06295ce870b07029bfcdb2dce28d959f2815b16f81798');
    const addr = scriptAddress(spk)!;
    expect(addr).toMatch(/^bcrt1p/);
    expect(Buffer.from(addressToScript(addr)).equals(Buffer.from(spk))).toBe(true);
  });

  test('other scripts: p2pk, op_return, empty, unknown; ASM of CLTV and pushdata', () => {
    expect(scriptType(Uint8Array.from([0x21, ...pubkey, 0xac]))).toBe('p2pk');
    expect(scriptType(h('6a04deadbeef'))).toBe('op_return');
    expect(scriptAsm(h('6a04deadbeef'))).toBe('OP_RETURN OP_PUSHBYTES_4 deadbeef');
    expect(scriptType(new Uint8Array(0))).toBe('empty');
    expect(scriptType(h('52ae'))).toBe('unknown');
    expect(scriptAddress(h('6a04deadbeef'))).toBeUndefined();
    expect(scriptAsm(h('0105b175ac'))).toBe('OP_PUSHBYTES_1 05 OP_CLTV OP_DROP OP_CHECKSIG');
    expect(scriptAsm(h('4c02abcd00b2'))).toBe('OP_PUSHDATA1 abcd OP_0 OP_CSV');
    expect(scriptAsm(h('05abcd'))).toBe('OP_PUSHBYTES_5 <push past end>');
  });

  test('addresses of other networks are refused as such; bcoin\'s rb1 is not an address here', () => {
    const spk = payments.p2wpkh({ hash: hash20 }).output!;
    expect(() => addressToScript(btcAddress.fromOutputScript(spk, networks.bitcoin))).toThrow('Address on invalid network');
    expect(() => addressToScript(btcAddress.fromOutputScript(spk, networks.testnet))).toThrow('Address on invalid network');
    // Base58 prefixes are shared by testnet and regtest, as rust-bitcoin accepts them for regtest.
    const p2pkh = payments.p2pkh({ hash: hash20 }).output!;
    expect(Buffer.from(addressToScript(btcAddress.fromOutputScript(p2pkh, networks.testnet))).equals(Buffer.from(p2pkh))).toBe(true);
    expect(() => addressToScript('rb1q0t6euegely3g9y2wf5ygglvu82fyj0s8g59e00')).toThrow(/invalid address/);
  });

  test('scripthash is sha256(scriptPubKey), plain hex', () => {
    const spk = payments.p2wpkh({ hash: hash20 }).output!;
    expect(scripthashOf(spk)).toBe(createHash('sha256').update(spk).digest('hex'));
  });
});

describe('merkle branches (Electrum format, as electrs serves /tx/:txid/merkle-proof)', () => {
  test('every position folds to the merkle root, for odd and even tx counts', () => {
    for (const count of [1, 2, 3, 4, 5, 7]) {
      const txids = Array.from({ length: count }, (_, i) => createHash('sha256').update(`tx${i}`).digest('hex'));
      // Reference root: Bitcoin's tree over internal-order hashes, duplicating the last of odd levels.
      let level: Buffer[] = txids.map((t) => Buffer.from(t, 'hex').reverse());
      while (level.length > 1) {
        if (level.length % 2) level.push(level[level.length - 1]!);
        const next: Buffer[] = [];
        for (let i = 0; i < level.length; i += 2) next.push(sha256d(Buffer.concat([level[i]!, level[i + 1]!])));
        level = next;
      }
      const root = level[0]!;
      for (let pos = 0; pos < count; pos++) {
        let node: Buffer = Buffer.from(txids[pos]!, 'hex').reverse();
        let index = pos;
        for (const sibling of merkleBranch(txids, pos)) {
          const s = Buffer.from(sibling, 'hex').reverse();
          node = sha256d(index & 1 ? Buffer.concat([s, node]) : Buffer.concat([node, s]));
          index >>= 1;
        }
        expect(node.equals(root), `count ${count} pos ${pos}`).toBe(true);
      }
    }
  });
});
