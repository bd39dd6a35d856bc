/**
 * BIP 32 hierarchical deterministic keys on the engine's own secp256k1 (engine/crypto) and
 * @noble/hashes: master key from a seed, private (hardened and normal) and public child
 * derivation, key identifiers and fingerprints, and the 78-byte extended key serialization with
 * any version bytes (xpub/xprv, tpub/tprv, SLIP 132 zpub/vpub…).
 *
 * Each node computes its public key at most once, and only when asked (a leaf whose secret is
 * all the signer needs costs one HMAC and one scalar addition, no elliptic-curve multiplication).
 *
 * https://github.com/bitcoin/bips/blob/master/bip-0032.mediawiki
 */
import { hmac } from '@noble/hashes/hmac.js';
import { sha512 } from '@noble/hashes/sha2.js';
import { createBase58check } from '@scure/base';
import { hash160, sha256 } from '../crypto/hash.ts';
import { isValidPublicKey, isValidSecretKey, pointAddTweak, privateAdd, publicKeyOf } from '../crypto/secp256k1.ts';
import { concatBytes } from '../lib/bytes.ts';
import { ValidationError } from '../lib/errors.ts';
import { HARDENED } from './derivation.ts';

/** The 4-byte version prefixes of a serialized extended key (BIP 32 "Serialization format"). */
export interface Versions {
  readonly public: number;
  readonly private: number;
}

/** BIP 32 mainnet versions: xpub (0x0488B21E) and xprv (0x0488ADE4). */
export const BITCOIN_VERSIONS: Versions = Object.freeze({ public: 0x0488b21e, private: 0x0488ade4 });

/** BIP 32 "Master key generation": the HMAC-SHA512 key. */
const MASTER_SECRET = Uint8Array.from('Bitcoin seed', (c) => c.charCodeAt(0));

/** BIP 32 "Serialization format": 4+1+4+4+32+33 bytes before the base58check checksum. */
const SERIALIZED_LENGTH = 78;

const base58check = createBase58check(sha256);

function u32be(n: number): Uint8Array {
  const out = new Uint8Array(4);
  new DataView(out.buffer).setUint32(0, n >>> 0, false);
  return out;
}

function readU32be(bytes: Uint8Array, offset: number): number {
  return new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength).getUint32(offset, false);
}

function checkIndex(index: number): void {
  if (!Number.isSafeInteger(index) || index < 0 || index > 0xffffffff) {
    throw new ValidationError('index', `must be a BIP 32 child number from 0 to 2^32-1, got ${String(index)}`);
  }
}

interface NodeFields {
  readonly versions: Versions;
  readonly depth: number;
  readonly index: number;
  /** The parent's fingerprint, or the parent itself (its fingerprint is then computed when first asked). */
  readonly parent: number | HDNode;
  readonly chainCode: Uint8Array;
  readonly privateKey?: Uint8Array;
  readonly publicKey?: Uint8Array;
}

/**
 * One extended key: a private node (secret key + chain code; its public key derived on demand)
 * or a public-only node (public key + chain code). Immutable; byte getters return copies.
 */
export class HDNode {
  readonly versions: Versions;
  /** 0 for the master node, one more per level. */
  readonly depth: number;
  /** The child number this node was derived with (≥ 2^31: hardened); 0 for the master. */
  readonly index: number;
  readonly #chainCode: Uint8Array;
  readonly #privateKey: Uint8Array | undefined;
  #publicKey: Uint8Array | undefined;
  #identifier: Uint8Array | undefined;
  #parent: number | HDNode;

  private constructor(f: NodeFields) {
    this.versions = f.versions;
    this.depth = f.depth;
    this.index = f.index;
    this.#parent = f.parent;
    this.#chainCode = f.chainCode;
    this.#privateKey = f.privateKey;
    this.#publicKey = f.publicKey;
  }

  /**
   * BIP 32 "Master key generation": I = HMAC-SHA512("Bitcoin seed", S); IL is the master secret
   * key, IR the master chain code. The seed must be 16…64 bytes (128…512 bits).
   */
  static fromMasterSeed(seed: Uint8Array, versions: Versions = BITCOIN_VERSIONS): HDNode {
    if (!(seed instanceof Uint8Array) || seed.length < 16 || seed.length > 64) {
      throw new ValidationError('seed', 'must be 16 to 64 bytes (BIP 32)');
    }
    const i = hmac(sha512, MASTER_SECRET, seed);
    const privateKey = i.slice(0, 32);
    // BIP 32: "In case parse256(IL) is 0 or parse256(IL) ≥ n, the master key is invalid."
    if (!isValidSecretKey(privateKey)) throw new ValidationError('seed', 'gives an invalid BIP 32 master key; use another seed');
    return new HDNode({ versions, depth: 0, index: 0, parent: 0, chainCode: i.slice(32), privateKey });
  }

  /**
   * Parse a serialized extended key (BIP 32 "Serialization format") whose version is one of
   * `versions`. Rejects, naming what is wrong, every invalid key of BIP 32 Test Vector 5: bad
   * checksum or length, unknown version, a private version with a public key or the reverse, a
   * bad key prefix, a private key outside [1, n-1], a public key not on the curve, and a master
   * (depth 0) with a parent fingerprint or child number.
   */
  static fromExtendedKey(text: string, versions: Versions = BITCOIN_VERSIONS, field = 'extendedKey'): HDNode {
    if (typeof text !== 'string') throw new ValidationError(field, 'must be a string');
    let raw: Uint8Array;
    try {
      raw = base58check.decode(text);
    } catch {
      throw new ValidationError(field, 'not a base58check string (invalid checksum or character)');
    }
    if (raw.length !== SERIALIZED_LENGTH) throw new ValidationError(field, `must encode ${SERIALIZED_LENGTH} bytes, got ${raw.length}`);
    const version = readU32be(raw, 0);
    const depth = raw[4] as number;
    const parentFingerprint = readU32be(raw, 5);
    const index = readU32be(raw, 9);
    const chainCode = raw.slice(13, 45);
    const key = raw.slice(45, 78);
    if (version !== versions.public && version !== versions.private) {
      throw new ValidationError(field, `unknown extended key version 0x${version.toString(16).padStart(8, '0')}`);
    }
    if (depth === 0 && parentFingerprint !== 0) throw new ValidationError(field, 'zero depth with a non-zero parent fingerprint');
    if (depth === 0 && index !== 0) throw new ValidationError(field, 'zero depth with a non-zero child number');
    const common = { versions, depth, index, parent: parentFingerprint, chainCode };
    if (version === versions.private) {
      if (key[0] === 2 || key[0] === 3) throw new ValidationError(field, 'private key version with a public key');
      if (key[0] !== 0) throw new ValidationError(field, `invalid private key prefix 0x${(key[0] as number).toString(16).padStart(2, '0')} (must be 0x00)`);
      const privateKey = key.slice(1);
      if (!isValidSecretKey(privateKey)) throw new ValidationError(field, 'private key not in [1, n-1]');
      return new HDNode({ ...common, privateKey });
    }
    if (key[0] === 0) throw new ValidationError(field, 'public key version with a private key');
    if (key[0] !== 2 && key[0] !== 3) throw new ValidationError(field, `invalid public key prefix 0x${(key[0] as number).toString(16).padStart(2, '0')} (must be 0x02 or 0x03)`);
    if (!isValidPublicKey(key)) throw new ValidationError(field, 'public key is not a point on secp256k1');
    return new HDNode({ ...common, publicKey: key });
  }

  /**
   * First 4 bytes of the parent's identifier as a u32 (0 for the master). Computed when first
   * asked: deriving a hardened child needs no parent public key, so a path of hardened levels
   * costs no elliptic-curve multiplication until something is serialized.
   */
  get parentFingerprint(): number {
    if (typeof this.#parent !== 'number') this.#parent = this.#parent.fingerprint;
    return this.#parent;
  }

  /** The 32-byte chain code. */
  get chainCode(): Uint8Array {
    return this.#chainCode.slice();
  }

  /** The 32-byte secret key, or undefined for a public-only node. */
  get privateKey(): Uint8Array | undefined {
    return this.#privateKey?.slice();
  }

  /** The 33-byte compressed public key, serP(point(k)) (computed once). */
  get publicKey(): Uint8Array {
    return this.#point().slice();
  }

  /** BIP 32 "Key identifiers": HASH160(serP(K)). */
  get identifier(): Uint8Array {
    this.#identifier ??= hash160(this.#point());
    return this.#identifier.slice();
  }

  /** The first 32 bits of the identifier, as a u32. */
  get fingerprint(): number {
    return readU32be(this.identifier, 0);
  }

  /**
   * Child `index` (≥ 2^31 is hardened). From a private node: BIP 32 "Private parent key →
   * private child key" (CKDpriv); from a public-only node: "Public parent key → public child
   * key" (CKDpub, normal children only). In the rare case BIP 32 calls the child invalid
   * (parse256(IL) ≥ n, or a zero key / point at infinity; probability below 2^-127) this throws
   * rather than skip to the next index, so no caller ever gets a key at a path it did not ask for.
   */
  deriveChild(index: number): HDNode {
    checkIndex(index);
    if (this.depth >= 255) throw new ValidationError('index', 'BIP 32 depth is at most 255');
    const hardened = index >= HARDENED;
    if (hardened && !this.#privateKey) throw new ValidationError('index', 'cannot derive a hardened child from a public key (BIP 32 CKDpub)');
    // Hardened: 0x00 || ser256(kpar) || ser32(i). Normal: serP(point(kpar)) || ser32(i).
    const data = hardened ? concatBytes(Uint8Array.of(0), this.#privateKey as Uint8Array, u32be(index)) : concatBytes(this.#point(), u32be(index));
    const i = hmac(sha512, this.#chainCode, data);
    const il = i.slice(0, 32);
    const common = { versions: this.versions, depth: this.depth + 1, index, parent: this as HDNode, chainCode: i.slice(32) };
    try {
      if (this.#privateKey) {
        // ki = parse256(IL) + kpar (mod n); privateAdd rejects IL ≥ n and a zero sum.
        return new HDNode({ ...common, privateKey: privateAdd(il, this.#privateKey) });
      }
      // Ki = point(parse256(IL)) + Kpar; pointAddTweak rejects IL ≥ n and the point at infinity.
      return new HDNode({ ...common, publicKey: pointAddTweak(this.#point(), il) });
    } catch (err) {
      throw new Error(`BIP 32: child ${index} is invalid (${err instanceof Error ? err.message : String(err)}); use another index`);
    }
  }

  /** The same key with other version bytes (e.g. SLIP 132 zpub for a BIP 84 account). */
  withVersions(versions: Versions): HDNode {
    const { depth, index } = this;
    return new HDNode({ versions, depth, index, parent: this.#parent, chainCode: this.#chainCode, privateKey: this.#privateKey, publicKey: this.#point() });
  }

  /** The public-only node ("neutered" extended key N(k, c) of BIP 32). */
  publicNode(): HDNode {
    const { versions, depth, index } = this;
    return new HDNode({ versions, depth, index, parent: this.#parent, chainCode: this.#chainCode, publicKey: this.#point() });
  }

  /** Serialized extended public key (version `versions.public`). */
  get publicExtendedKey(): string {
    return this.#serialize(this.versions.public, this.#point());
  }

  /** Serialized extended private key (version `versions.private`); throws for a public-only node. */
  get privateExtendedKey(): string {
    if (!this.#privateKey) throw new ValidationError('privateKey', 'this is a public-only extended key');
    return this.#serialize(this.versions.private, concatBytes(Uint8Array.of(0), this.#privateKey));
  }

  #serialize(version: number, key: Uint8Array): string {
    const raw = concatBytes(u32be(version), Uint8Array.of(this.depth), u32be(this.parentFingerprint), u32be(this.index), this.#chainCode, key);
    return base58check.encode(raw);
  }

  #point(): Uint8Array {
    this.#publicKey ??= publicKeyOf(this.#privateKey as Uint8Array);
    return this.#publicKey;
  }
}
