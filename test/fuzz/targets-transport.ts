/**
 * Fuzz targets for BOLT 8, the first bytes a peer controls: the handshake acts (each read with the
 * state the vector handshake has at that point) and the encrypted frame stream after it.
 *
 * Speed: the handshake states are worked out once, so an input costs at most the one ECDH of the
 * act it reaches. The frame target keeps one live initiator/responder pair across inputs (the
 * session is stateful: nonces, key rotation every 1000 nonces) and rebuilds it only after an input
 * that was meant to kill it.
 */
import { aeadEncrypt } from '../../engine/crypto/aead.ts';
import { publicKeyOf } from '../../engine/crypto/secp256k1.ts';
import { concatBytes, equalBytes, hexToBytes } from '../../engine/lib/bytes.ts';
import { initHandshake, NoiseSession, readAct1, readAct2, readAct3, TransportError, writeAct1, writeAct2 } from '../../engine/transport/index.ts';
import { vector } from './corpus.ts';
import type { Rng } from './mutate.ts';
import type { FuzzTarget } from './runner.ts';

interface HandshakeTest {
  inputs: { ls_priv: string; e_priv: string; rs_pub?: string };
  steps: { act: string; kind: string; hex?: string }[];
}
interface TransportVector {
  responder_tests: HandshakeTest[];
  initiator_tests: HandshakeTest[];
  message_test: { outputs: { ciphertext: string }[] };
}

const v = vector<TransportVector>('bolt08-transport.json');
const R = (v.responder_tests[0] as HandshakeTest).inputs;
const I = (v.initiator_tests[0] as HandshakeTest).inputs;
const keysOf = (ls: string, e: string) => ({ localStaticSecret: hexToBytes(ls), localStaticPublic: publicKeyOf(hexToBytes(ls)), ephemeralSecret: hexToBytes(e) });
const RESPONDER_KEYS = keysOf(R.ls_priv, R.e_priv);
const INITIATOR_KEYS = keysOf(I.ls_priv, I.e_priv);
const RS = hexToBytes(I.rs_pub as string);
const step = (t: HandshakeTest, act: string): Uint8Array => hexToBytes(t.steps.find((s) => s.act === act)?.hex as string);
const ACT1 = step(v.responder_tests[0] as HandshakeTest, 'act1');

interface States {
  /** The responder waiting for act 1. */
  readonly r1: ReturnType<typeof initHandshake>;
  /** The initiator waiting for act 2 (after sending act 1). */
  readonly i2: ReturnType<typeof initHandshake>;
  /** The responder waiting for act 3 (after the vector's act 1 and its act 2). */
  readonly r3: ReturnType<typeof initHandshake>;
}
let states: States | undefined;
function handshakeStates(): States {
  if (states) return states;
  const r1 = initHandshake(RESPONDER_KEYS.localStaticPublic);
  const i2 = writeAct1(initHandshake(RS), INITIATOR_KEYS.ephemeralSecret, publicKeyOf(INITIATOR_KEYS.ephemeralSecret), RS).state;
  const read1 = readAct1(r1, RESPONDER_KEYS.localStaticSecret, ACT1);
  const r3 = writeAct2(read1.state, RESPONDER_KEYS.ephemeralSecret, publicKeyOf(RESPONDER_KEYS.ephemeralSecret), read1.remoteEphemeral).state;
  states = { r1, i2, r3 };
  return states;
}

/** An act 3 whose first AEAD (the encrypted static key) verifies, carrying fuzzed key bytes: reaches the key parse and the second MAC. */
function act3WithKey(rng: Rng, input: Uint8Array): Uint8Array {
  const { r3 } = handshakeStates();
  const key = input.length >= 33 && rng.chance(0.5) ? input.slice(0, 33) : rng.chance(0.5) ? publicKeyOf(Uint8Array.of(1, ...rng.bytes(31))) : rng.bytes(33);
  if (rng.chance(0.3)) key[0] = rng.pick([2, 3, 4, 0, 6]);
  const c = aeadEncrypt(r3.tempK, 1, r3.h, key);
  return concatBytes(Uint8Array.of(rng.chance(0.95) ? 0 : rng.below(256)), c, rng.bytes(16));
}

/** readAct3 at the vector handshake's act-3 state (the unit test checks act3WithKey gets past the first MAC). */
export function readVectorAct3(act: Uint8Array): Uint8Array {
  return readAct3(handshakeStates().r3, RESPONDER_KEYS.ephemeralSecret, act).remoteStaticPublic;
}

const isTransportError = (err: unknown): boolean => err instanceof TransportError;

// ---- frames ---------------------------------------------------------------------------------------

let pair: { send: NoiseSession; recv: NoiseSession } | undefined;
/** A completed handshake (the vector's keys): the initiator encrypts, the responder decrypts. */
function livePair(): { send: NoiseSession; recv: NoiseSession } {
  if (pair) return pair;
  const send = NoiseSession.initiator(INITIATOR_KEYS, RS);
  const recv = NoiseSession.responder(RESPONDER_KEYS);
  const a2 = recv.receive(send.start()).send;
  const a3 = send.receive(concatBytes(...a2)).send;
  recv.receive(concatBytes(...a3));
  if (!send.ready || !recv.ready) throw new Error('fuzz: the vector handshake did not complete');
  pair = { send, recv };
  return pair;
}

/** A little deterministic generator over the input's own bytes (the frame layout comes from the input). */
function cursor(b: Uint8Array): () => number {
  let i = 0;
  return () => (b.length === 0 ? 0 : (b[i++ % b.length] as number) ^ (i >> 8));
}

/**
 * Frames: the input is cut into messages (0 … 65535 bytes: a length byte may ask for a long one,
 * built by repeating the input), encrypted by the live initiator and fed to the responder in
 * chunks cut at input-chosen points. Every message must come out as sent; anything else is a
 * crash. An input starting 0x20 or 0x30, then a byte ≡ 0 mod 16, damages the stream (a flipped byte, or the connection ending mid-frame):
 * that must be a TransportError, and the pair is rebuilt.
 */
function runFrames(b: Uint8Array): void {
  const next = cursor(b);
  const messages: Uint8Array[] = [];
  let offset = 0;
  const count = 1 + (next() % 3);
  for (let k = 0; k < count; k++) {
    const sel = next();
    const len = sel < 8 ? 0 : sel === 255 && next() < 64 ? 60_000 + (((next() << 8) | next()) % 5536) : next() % 200;
    const m = new Uint8Array(len);
    for (let j = 0; j < len; j++) m[j] = b.length === 0 ? 0 : (b[(offset + j) % b.length] as number);
    offset += len;
    messages.push(m);
  }
  const { send, recv } = livePair();
  const stream = concatBytes(...messages.map((m) => send.encrypt(m)));
  const damage = b.length > 1 && ((b[0] as number) | 0x10) === 0x30 && ((b[1] as number) & 0x0f) === 0;
  if (damage) {
    pair = undefined;
    const at = ((next() << 8) | next()) % stream.length;
    if ((b[0] as number) & 0x10) {
      recv.receive(stream.subarray(0, at === 0 ? 1 : at));
      recv.end();
      // A cut exactly at a frame boundary is a clean end: damage the next byte instead.
      stream[at] = (stream[at] as number) ^ 1;
      recv.receive(stream.subarray(at));
    } else {
      stream[at] = (stream[at] as number) ^ (1 + (next() % 255));
      recv.receive(stream);
    }
    throw new Error('fuzz: a damaged frame stream was accepted');
  }
  const got: Uint8Array[] = [];
  let at = 0;
  try {
    while (at < stream.length) {
      const take = 1 + (((next() << 8) | next()) % Math.min(stream.length - at, next() < 128 && stream.length < 4096 ? 64 : 70_000));
      got.push(...recv.receive(stream.subarray(at, at + take)).messages);
      at += take;
    }
  } catch (err) {
    pair = undefined;
    throw new Error(`fuzz: intact frames refused: ${err instanceof Error ? err.message : String(err)}`);
  }
  if (got.length !== messages.length || got.some((m, i) => !equalBytes(m, messages[i] as Uint8Array))) {
    pair = undefined;
    throw new Error(`fuzz: ${messages.length} messages sent, ${got.length} received or not the same bytes`);
  }
}

export const TRANSPORT_TARGETS: readonly FuzzTarget[] = [
  {
    name: 'transport-handshake',
    description: 'BOLT 8 acts from a peer: act 1 and act 3 to a responder, act 2 to an initiator',
    kind: 'bytes',
    seeds: () => [ACT1, step(v.responder_tests[0] as HandshakeTest, 'act3'), step(v.initiator_tests[0] as HandshakeTest, 'act2'), ...v.responder_tests.flatMap((t) => t.steps.filter((s) => s.kind === 'input' && s.hex).map((s) => hexToBytes(s.hex as string)))],
    run: (b) => {
      const s = handshakeStates();
      const reads = [() => readAct1(s.r1, RESPONDER_KEYS.localStaticSecret, b), () => readAct2(s.i2, INITIATOR_KEYS.ephemeralSecret, b), () => readAct3(s.r3, RESPONDER_KEYS.ephemeralSecret, b)];
      for (const read of reads) {
        try {
          read();
        } catch (err) {
          if (!(err instanceof TransportError)) throw err;
        }
      }
    },
    expected: isTransportError,
    mutate: act3WithKey,
    maxLength: 200,
  },
  {
    name: 'transport-frames',
    description: 'BOLT 8 encrypted frames after the handshake: lengths 0–65535, any chunking, key rotation, damaged streams',
    kind: 'bytes',
    seeds: () => [new Uint8Array(0), Uint8Array.of(1, 2, 3, 4, 5), ...v.message_test.outputs.slice(0, 4).map((o) => hexToBytes(o.ciphertext)), Uint8Array.of(0x10, 255, 255, 9), Uint8Array.of(0x30, 0, 1, 2, 3, 4, 5, 6)],
    run: runFrames,
    expected: isTransportError,
    maxLength: 1024,
  },
];
