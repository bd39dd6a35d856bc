/**
 * BOLT 8 "Authenticated Key Exchange Handshake Specification": Noise_XK over secp256k1, as pure
 * functions. Each `writeActN` / `readActN` takes the handshake state left by the previous act and
 * returns the next one; nothing is mutated, nothing is random (ephemeral keys are arguments).
 *
 * `readActN` takes exactly the act's bytes and throws `TransportError` (stage `actN`) when they are
 * short, carry an unknown version, a bad public key, or a MAC that does not verify.
 */
import { aeadDecrypt, aeadEncrypt } from '../crypto/aead.ts';
import { hkdf2, sha256 } from '../crypto/hash.ts';
import { ecdh } from '../crypto/secp256k1.ts';
import { concatBytes } from '../lib/bytes.ts';
import { DecodeError, ValidationError } from '../lib/errors.ts';
import { TransportError, type TransportStage } from './errors.ts';

/** BOLT 8 "Handshake State": act lengths on the wire. */
export const ACT1_LENGTH = 50;
export const ACT2_LENGTH = 50;
export const ACT3_LENGTH = 66;
/** The only handshake version defined by BOLT 8. */
export const HANDSHAKE_VERSION = 0;

const EMPTY = new Uint8Array(0);
const ZERO_SECRET = new Uint8Array(32);

function ascii(s: string): Uint8Array {
  const out = new Uint8Array(s.length);
  for (let i = 0; i < s.length; i++) out[i] = s.charCodeAt(i);
  return out;
}

/** `protocolName` and `prologue` from BOLT 8 "Handshake State Initialization". */
const PROTOCOL_NAME = ascii('Noise_XK_secp256k1_ChaChaPoly_SHA256');
const PROLOGUE = ascii('lightning');

/** The handshake state between acts: handshake digest `h`, chaining key `ck`, and the temp key. */
export interface HandshakeState {
  readonly h: Uint8Array;
  readonly ck: Uint8Array;
  /** `temp_k1` after act 1, `temp_k2` after act 2 (act 3 encrypts the static key with it). */
  readonly tempK: Uint8Array;
}

/** The result of a completed handshake (BOLT 8 act 3, "sk, rk = HKDF(ck, zero)"). */
export interface TransportKeys {
  /** Sending key. */
  readonly sk: Uint8Array;
  /** Receiving key. */
  readonly rk: Uint8Array;
  /** Final chaining key; both directions start key rotation from it. */
  readonly ck: Uint8Array;
}

let baseState: { h: Uint8Array; ck: Uint8Array } | undefined;

/**
 * BOLT 8 "Handshake State Initialization": `h = SHA256(protocolName)`, `ck = h`,
 * `h = SHA256(h || prologue)`, `h = SHA256(h || rs.pub)` where `rs.pub` is the responder's static
 * key (the initiator's `rs`, the responder's own `ls`).
 */
export function initHandshake(responderStaticPublic: Uint8Array): HandshakeState {
  if (baseState === undefined) {
    const h0 = sha256(PROTOCOL_NAME);
    baseState = { ck: h0, h: mixHash(h0, PROLOGUE) };
  }
  return { h: mixHash(baseState.h, responderStaticPublic), ck: baseState.ck, tempK: ZERO_SECRET };
}

function mixHash(h: Uint8Array, data: Uint8Array): Uint8Array {
  return sha256(concatBytes(h, data));
}

/** ECDH where `pub` came from the peer: a malformed key is the peer's fault. */
function peerEcdh(secret: Uint8Array, pub: Uint8Array, stage: TransportStage, what: string): Uint8Array {
  try {
    return ecdh(secret, pub);
  } catch (err) {
    if (err instanceof DecodeError) throw new TransportError(`${stage}: bad ${what} public key`, stage);
    throw err;
  }
}

function checkAct(act: Uint8Array, length: number, stage: TransportStage): void {
  if (act.length !== length) {
    throw new TransportError(`${stage}: expected ${length} bytes, got ${act.length}`, stage);
  }
  if (act[0] !== HANDSHAKE_VERSION) throw new TransportError(`${stage}: bad version ${act[0]}`, stage);
}

function decryptOrThrow(key: Uint8Array, n: number, ad: Uint8Array, c: Uint8Array, stage: TransportStage, what: string): Uint8Array {
  try {
    return aeadDecrypt(key, n, ad, c);
  } catch {
    throw new TransportError(`${stage}: bad MAC${what}`, stage);
  }
}

/**
 * BOLT 8 "Act One", sender (initiator). `ephemeralPublic` must be `publicKeyOf(ephemeralSecret)`.
 * Throws `ValidationError` if `remoteStaticPublic` is not a valid key (a caller error, not a peer's).
 */
export function writeAct1(
  state: HandshakeState,
  ephemeralSecret: Uint8Array,
  ephemeralPublic: Uint8Array,
  remoteStaticPublic: Uint8Array,
): { act: Uint8Array; state: HandshakeState } {
  let h = mixHash(state.h, ephemeralPublic);
  let es: Uint8Array;
  try {
    es = ecdh(ephemeralSecret, remoteStaticPublic);
  } catch (err) {
    if (err instanceof DecodeError) throw new ValidationError('remoteStaticPublic', 'not a valid compressed secp256k1 public key');
    throw err;
  }
  const [ck, tempK] = hkdf2(state.ck, es);
  const c = aeadEncrypt(tempK, 0, h, EMPTY);
  h = mixHash(h, c);
  return { act: concatBytes(Uint8Array.of(HANDSHAKE_VERSION), ephemeralPublic, c), state: { h, ck, tempK } };
}

/** BOLT 8 "Act One", receiver (responder). Returns the state and the initiator's ephemeral key `re`. */
export function readAct1(
  state: HandshakeState,
  localStaticSecret: Uint8Array,
  act: Uint8Array,
): { state: HandshakeState; remoteEphemeral: Uint8Array } {
  checkAct(act, ACT1_LENGTH, 'act1');
  const re = act.slice(1, 34);
  const c = act.subarray(34, 50);
  let h = mixHash(state.h, re);
  const es = peerEcdh(localStaticSecret, re, 'act1', 'ephemeral');
  const [ck, tempK] = hkdf2(state.ck, es);
  decryptOrThrow(tempK, 0, h, c, 'act1', '');
  h = mixHash(h, c);
  return { state: { h, ck, tempK }, remoteEphemeral: re };
}

/** BOLT 8 "Act Two", sender (responder). */
export function writeAct2(
  state: HandshakeState,
  ephemeralSecret: Uint8Array,
  ephemeralPublic: Uint8Array,
  remoteEphemeral: Uint8Array,
): { act: Uint8Array; state: HandshakeState } {
  let h = mixHash(state.h, ephemeralPublic);
  const ee = peerEcdh(ephemeralSecret, remoteEphemeral, 'act1', 'ephemeral');
  const [ck, tempK] = hkdf2(state.ck, ee);
  const c = aeadEncrypt(tempK, 0, h, EMPTY);
  h = mixHash(h, c);
  return { act: concatBytes(Uint8Array.of(HANDSHAKE_VERSION), ephemeralPublic, c), state: { h, ck, tempK } };
}

/** BOLT 8 "Act Two", receiver (initiator). Returns the state and the responder's ephemeral key. */
export function readAct2(
  state: HandshakeState,
  ephemeralSecret: Uint8Array,
  act: Uint8Array,
): { state: HandshakeState; remoteEphemeral: Uint8Array } {
  checkAct(act, ACT2_LENGTH, 'act2');
  const re = act.slice(1, 34);
  const c = act.subarray(34, 50);
  let h = mixHash(state.h, re);
  const ee = peerEcdh(ephemeralSecret, re, 'act2', 'ephemeral');
  const [ck, tempK] = hkdf2(state.ck, ee);
  decryptOrThrow(tempK, 0, h, c, 'act2', '');
  h = mixHash(h, c);
  return { state: { h, ck, tempK }, remoteEphemeral: re };
}

/** BOLT 8 "Act Three", sender (initiator): sends our static key, encrypted, and derives sk/rk. */
export function writeAct3(
  state: HandshakeState,
  localStaticSecret: Uint8Array,
  localStaticPublic: Uint8Array,
  remoteEphemeral: Uint8Array,
): { act: Uint8Array; keys: TransportKeys } {
  const c = aeadEncrypt(state.tempK, 1, state.h, localStaticPublic);
  const h = mixHash(state.h, c);
  const se = peerEcdh(localStaticSecret, remoteEphemeral, 'act2', 'ephemeral');
  const [ck, tempK3] = hkdf2(state.ck, se);
  const t = aeadEncrypt(tempK3, 0, h, EMPTY);
  const [sk, rk] = hkdf2(ck, EMPTY);
  return { act: concatBytes(Uint8Array.of(HANDSHAKE_VERSION), c, t), keys: { sk, rk, ck } };
}

/**
 * BOLT 8 "Act Three", receiver (responder): authenticates the initiator and learns its static key
 * `rs`, parsed exactly once (by the ECDH).
 */
export function readAct3(
  state: HandshakeState,
  ephemeralSecret: Uint8Array,
  act: Uint8Array,
): { remoteStaticPublic: Uint8Array; keys: TransportKeys } {
  checkAct(act, ACT3_LENGTH, 'act3');
  const c = act.subarray(1, 50);
  const t = act.subarray(50, 66);
  const rs = decryptOrThrow(state.tempK, 1, state.h, c, 'act3', ' on the encrypted static key');
  const h = mixHash(state.h, c);
  const se = peerEcdh(ephemeralSecret, rs, 'act3', 'static');
  const [ck, tempK3] = hkdf2(state.ck, se);
  decryptOrThrow(tempK3, 0, h, t, 'act3', '');
  const [rk, sk] = hkdf2(ck, EMPTY);
  return { remoteStaticPublic: rs, keys: { sk, rk, ck } };
}
