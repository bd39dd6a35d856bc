// The consensus checks the light client does itself (engine/chain/bitcoin.ts): header hash and
// proof of work against compact bits, txid from raw bytes, electrs merkle branches.
import { describe, expect, it } from 'vitest';
import { Transaction } from 'bitcoinjs-lib';
import { hexToBytes } from '@noble/hashes/utils.js';
import { merkleProblem, parseHeader, parseTx, POW_LIMIT, proofOfWorkProblem, targetFromBits } from '../../engine/chain/bitcoin.ts';
import { FakeChain, merkleBranch, mineHeader, scriptFor, sha256d, toDisplay } from '../harness/fake-esplora.ts';

// Bitcoin mainnet genesis block: header and coinbase.
const GENESIS_HEADER =
  '0100000000000000000000000000000000000000000000000000000000000000000000003ba3edfd7a7b12b27ac72c3e67768f617fc81bc3888a51323a9fb8aa4b1e5e4a29ab5f49ffff001d1dac2b7c';
const GENESIS_HASH = '000000000019d6689c085ae165831e934ff763ae46a2a6c172b3f1b60a8ce26f';
const GENESIS_COINBASE =
  '01000000010000000000000000000000000000000000000000000000000000000000000000ffffffff4d04ffff001d0104455468652054696d65732030332f4a616e2f32303039204368616e63656c6c6f72206f6e206272696e6b206f66207365636f6e64206261696c6f757420666f722062616e6b73ffffffff0100f2052a01000000434104678afdb0fe5548271967f1a67130b7105cd6a828e03909a67962e0ea1f61deb649f6bc3f4cef38c4f35504e51ec112de5c384df7ba0b8d578a4c702b6bf11d5fac00000000';
const GENESIS_TXID = '4a5e1e4baab89f3a32518a88c31bc87f618f76673e2cc77ab2127b7afdeda33b';

describe('block headers', () => {
  it('parses the mainnet genesis header and checks its proof of work', () => {
    const h = parseHeader(hexToBytes(GENESIS_HEADER));
    expect(h.hash).toBe(GENESIS_HASH);
    expect(h.prevHash).toBe('0'.repeat(64));
    expect(toDisplay(h.merkleRoot)).toBe(GENESIS_TXID);
    expect(h.bits).toBe(0x1d00ffff);
    expect(h.time).toBe(1231006505);
    expect(h.nonce).toBe(2083236893);
    expect(proofOfWorkProblem(h, POW_LIMIT.bitcoin)).toBeUndefined();
  });

  it('rejects a header that misses its target, and bits easier than the network allows', () => {
    const bytes = hexToBytes(GENESIS_HEADER);
    bytes[76] ^= 1; // another nonce
    expect(proofOfWorkProblem(parseHeader(bytes), POW_LIMIT.bitcoin)).toMatch(/does not meet its target/);
    const regtestHeader = parseHeader(mineHeader('00'.repeat(32), new Uint8Array(32), 1_700_000_000));
    expect(proofOfWorkProblem(regtestHeader, POW_LIMIT.regtest)).toBeUndefined();
    expect(proofOfWorkProblem(regtestHeader, POW_LIMIT.bitcoin)).toMatch(/easier than the network allows/);
    expect(() => parseHeader(new Uint8Array(79))).toThrow(RangeError);
    expect(() => parseHeader(new Uint8Array(81))).toThrow(RangeError);
  });

  it('decodes compact bits as Bitcoin Core does', () => {
    expect(targetFromBits(0x1d00ffff)).toBe(0xffffn << 208n);
    expect(targetFromBits(0x01123456)).toBe(0x12n);
    expect(targetFromBits(0x02123456)).toBe(0x1234n);
    expect(targetFromBits(0x03123456)).toBe(0x123456n);
    expect(targetFromBits(0x04123456)).toBe(0x12345600n);
    expect(targetFromBits(0x05009234)).toBe(0x92340000n);
    expect(targetFromBits(0x20123456)).toBe(0x123456n << 232n);
    expect(targetFromBits(0x207fffff)).toBe(POW_LIMIT.regtest >> 232n << 232n);
    expect(targetFromBits(0x01003456)).toBe(0n);
    expect(targetFromBits(0x04923456)).toBeUndefined(); // negative
    expect(targetFromBits(0x00000000)).toBeUndefined();
    expect(targetFromBits(0xff123456)).toBeUndefined(); // overflow
    expect(targetFromBits(0x22010000)).toBeUndefined();
    const zeroTarget = parseHeader(mineHeader('00'.repeat(32), new Uint8Array(32), 0, 0x01003456));
    expect(proofOfWorkProblem(zeroTarget, POW_LIMIT.regtest)).toMatch(/not a valid target/);
  });
});

describe('transactions', () => {
  it('computes the genesis coinbase txid', () => {
    const p = parseTx(hexToBytes(GENESIS_COINBASE));
    expect(p.txid).toBe(GENESIS_TXID);
    expect(p.strippedLength).toBe(GENESIS_COINBASE.length / 2);
  });

  it('hashes the non-witness serialization of a segwit tx (txid ≠ wtxid)', () => {
    const chain = new FakeChain();
    const cb = chain.mine(1)[0]!;
    const tx = chain.spend([{ txid: cb.txids[0]!, vout: 0 }], [{ script: scriptFor('a'), value: 1000n }]);
    const raw = tx.toBuffer();
    const p = parseTx(raw);
    expect(p.txid).toBe(tx.getId());
    expect(p.txid).not.toBe(toDisplay(sha256d(raw)));
    expect(p.strippedLength).toBe(tx.byteLength(false));
    expect(() => parseTx(new Uint8Array([1, 2, 3]))).toThrow();
    expect(() => parseTx(new Uint8Array([...raw, 0]))).toThrow(); // trailing bytes
  });
});

describe('merkle branches', () => {
  it('every position of trees of 1…9 leaves proves, and nothing else does', () => {
    for (let n = 1; n <= 9; n++) {
      const leaves = Array.from({ length: n }, (_, i) => sha256d(new Uint8Array([n, i])));
      const header = parseHeader(mineHeader('00'.repeat(32), rootOf(leaves), 1));
      for (let pos = 0; pos < n; pos++) {
        const txid = toDisplay(leaves[pos]!);
        const branch = merkleBranch(leaves, pos);
        expect(merkleProblem(txid, branch, pos, header.merkleRoot)).toBeUndefined();
        if (n > 1) {
          // A leaf paired with itself (last of an odd level) proves at either position; others do not.
          if (branch[0] !== txid) expect(merkleProblem(txid, branch, pos ^ 1, header.merkleRoot)).toBeDefined();
          const tampered = [...branch];
          tampered[0] = tampered[0]!.replace(/^./, (c) => (c === '0' ? '1' : '0'));
          expect(merkleProblem(txid, tampered, pos, header.merkleRoot)).toBeDefined();
          expect(merkleProblem(txid, branch.slice(1), pos >> 1, header.merkleRoot)).toBeDefined();
        }
        expect(merkleProblem(txid, branch, pos + 2 ** branch.length, header.merkleRoot)).toMatch(/does not fit/);
        expect(merkleProblem(toDisplay(sha256d(new Uint8Array([99]))), branch, pos, header.merkleRoot)).toBeDefined();
      }
    }
  });

  it("a real block: the fake chain's merkle tree matches bitcoinjs", () => {
    const chain = new FakeChain();
    const cb = chain.mine(1)[0]!;
    for (let i = 0; i < 4; i++) chain.spend([{ txid: cb.txids[0]!, vout: 0 }], [{ script: scriptFor(`x${i}`), value: 1000n }]);
    const block = chain.mine(1)[0]!;
    const header = parseHeader(block.header);
    expect(header.hash).toBe(block.hash);
    block.txids.forEach((txid, pos) => {
      expect(merkleProblem(txid, merkleBranch(block.txs.map((t) => t.getHash()), pos), pos, header.merkleRoot)).toBeUndefined();
    });
    expect(Transaction.fromBuffer(block.txs[1]!.toBuffer()).getId()).toBe(block.txids[1]);
  });
});

function rootOf(leaves: Uint8Array[]): Uint8Array {
  let level = leaves;
  while (level.length > 1) {
    const next: Uint8Array[] = [];
    for (let i = 0; i < level.length; i += 2) {
      const a = level[i]!;
      const b = level[i + 1] ?? a;
      const both = new Uint8Array(64);
      both.set(a, 0);
      both.set(b, 32);
      next.push(sha256d(both));
    }
    level = next;
  }
  return level[0]!;
}
