/**
 * The consensus facts a light client checks itself instead of believing the server: a block
 * header's hash and proof of work, a transaction's txid from its bytes, and a merkle branch from a
 * txid to a header's merkle root. Hashes at this boundary are display-order hex (reversed).
 */
import { Transaction } from 'bitcoinjs-lib';
import { bytesToHex, concatBytes, equalBytes, hexToBytes } from '../lib/bytes.ts';
import { sha256d } from '../crypto/hash.ts';
import type { NetworkName } from '../wire/chains.ts';

export interface BlockHeader {
  readonly version: number;
  /** Display-order hex of the previous block's hash. */
  readonly prevHash: string;
  /** Merkle root in internal byte order (as it sits in the header). */
  readonly merkleRoot: Uint8Array;
  readonly time: number;
  readonly bits: number;
  readonly nonce: number;
  /** Display-order hex of this header's hash. */
  readonly hash: string;
}

/** The highest target each network allows (its `powLimit`). */
export const POW_LIMIT: Readonly<Record<NetworkName, bigint>> = Object.freeze({
  bitcoin: 0x00000000ffffffffffffffffffffffffffffffffffffffffffffffffffffffffn,
  testnet: 0x00000000ffffffffffffffffffffffffffffffffffffffffffffffffffffffffn,
  signet: 0x00000377ae000000000000000000000000000000000000000000000000000000n,
  regtest: 0x7fffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffn,
});

/** Display-order hex of a double-SHA256 (block hashes, txids). */
export function hashToHex(hash: Uint8Array): string {
  return bytesToHex(hash.slice().reverse());
}

/** Internal byte order of a display-order hex hash. */
export function hexToHash(hex: string): Uint8Array {
  return hexToBytes(hex).reverse();
}

function u32le(b: Uint8Array, off: number): number {
  return ((b[off] as number) | ((b[off + 1] as number) << 8) | ((b[off + 2] as number) << 16) | ((b[off + 3] as number) << 24)) >>> 0;
}

/** Parse an 80-byte block header. Throws a RangeError on any other length. */
export function parseHeader(bytes: Uint8Array): BlockHeader {
  if (bytes.length !== 80) throw new RangeError(`a block header is 80 bytes, got ${bytes.length}`);
  return {
    version: u32le(bytes, 0) | 0,
    prevHash: hashToHex(bytes.subarray(4, 36)),
    merkleRoot: bytes.slice(36, 68),
    time: u32le(bytes, 68),
    bits: u32le(bytes, 72),
    nonce: u32le(bytes, 76),
    hash: hashToHex(sha256d(bytes)),
  };
}

/**
 * The target encoded by compact `bits` (Bitcoin Core `arith_uint256::SetCompact`), or undefined
 * when the encoding is negative, zero or overflows 256 bits (all invalid in a header).
 */
export function targetFromBits(bits: number): bigint | undefined {
  const exponent = bits >>> 24;
  const mantissa = bits & 0x007fffff;
  if (mantissa === 0) return undefined;
  if (bits & 0x00800000) return undefined;
  if (exponent > 34 || (mantissa > 0xff && exponent > 33) || (mantissa > 0xffff && exponent > 32)) return undefined;
  const m = BigInt(mantissa);
  return exponent <= 3 ? m >> BigInt(8 * (3 - exponent)) : m << BigInt(8 * (exponent - 3));
}

/**
 * Why a header fails proof of work against its own `bits`, or undefined if it passes: the target
 * must be a valid encoding no easier than `powLimit`, and the hash (a little-endian 256-bit
 * number) must not exceed it.
 */
export function proofOfWorkProblem(header: BlockHeader, powLimit: bigint): string | undefined {
  const target = targetFromBits(header.bits);
  if (target === undefined || target === 0n) return `bits 0x${header.bits.toString(16)} is not a valid target`;
  if (target > powLimit) return `bits 0x${header.bits.toString(16)} is easier than the network allows`;
  if (BigInt(`0x${header.hash}`) > target) return `hash ${header.hash} does not meet its target (bits 0x${header.bits.toString(16)})`;
  return undefined;
}

export interface ParsedTx {
  readonly tx: Transaction;
  /** Display-order txid: the double-SHA256 of the non-witness serialization, reversed. */
  readonly txid: string;
  /** Length of the non-witness serialization (64 is the merkle second-preimage shape). */
  readonly strippedLength: number;
}

/** Parse raw transaction bytes and compute the txid ourselves. Throws on anything unparsable. */
export function parseTx(raw: Uint8Array): ParsedTx {
  const tx = Transaction.fromBuffer(raw);
  const stripped = tx.clone();
  stripped.stripWitnesses();
  const bytes = stripped.toBuffer();
  return { tx, txid: hashToHex(sha256d(bytes)), strippedLength: bytes.length };
}

/** The display-order txid an input spends (bitcoinjs keeps it in internal order). */
export function inputPrevTxid(tx: Transaction, index: number): string | undefined {
  const input = tx.ins[index];
  return input ? hashToHex(input.hash) : undefined;
}

/**
 * Fold an electrs `merkle-proof` branch (display-order sibling hashes, leaf upwards) from `txid`
 * at position `pos` to the merkle root, in internal byte order.
 */
export function merkleRootFromBranch(txid: string, branch: readonly string[], pos: number): Uint8Array {
  let node = hexToHash(txid);
  let index = pos;
  for (const sibling of branch) {
    const s = hexToHash(sibling);
    node = sha256d(index & 1 ? concatBytes(s, node) : concatBytes(node, s));
    index = Math.floor(index / 2);
  }
  return node;
}

/**
 * Why a merkle proof fails, or undefined when `txid` at `pos` with `branch` reaches `merkleRoot`.
 * `pos` must fit the branch depth (no leftover bits that the fold would silently ignore).
 */
export function merkleProblem(txid: string, branch: readonly string[], pos: number, merkleRoot: Uint8Array): string | undefined {
  if (branch.length > 32) return `merkle branch of ${branch.length} levels is deeper than any block`;
  if (pos >= 2 ** branch.length) return `pos ${pos} does not fit a branch of ${branch.length} levels`;
  if (!equalBytes(merkleRootFromBranch(txid, branch, pos), merkleRoot)) return 'merkle branch does not lead to the header merkle root';
  return undefined;
}
