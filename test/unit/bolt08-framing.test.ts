/**
 * BOLT 8 "Encrypting and Sending Messages" / "Receiving and Decrypting Messages" over a byte
 * stream: any chunking, acts coalesced with the first messages, tampering, limits.
 */
import { describe, expect, it } from 'vitest';
import { bytesToHex as hex, hexToBytes as h } from '../../engine/lib/bytes.ts';
import { sha256 } from '../../engine/crypto/hash.ts';
import { publicKeyOf } from '../../engine/crypto/secp256k1.ts';
import { NoiseSession, TransportError, type NoiseKeys } from '../../engine/transport/index.ts';

/** Deterministic PRNG (xorshift32) so failures reproduce. */
function prng(seed: number): (n: number) => number {
  let x = seed >>> 0 || 1;
  return (n) => {
    x ^= x << 13;
    x >>>= 0;
    x ^= x >>> 17;
    x ^= x << 5;
    x >>>= 0;
    return x % n;
  };
}

function randomKeys(tag: string): NoiseKeys {
  const ls = sha256(new Uint8Array([...tag].map((ch) => ch.charCodeAt(0))));
  const e = sha256(ls);
  return { localStaticSecret: ls, localStaticPublic: publicKeyOf(ls), ephemeralSecret: e };
}

function concat(parts: Uint8Array[]): Uint8Array {
  const out = new Uint8Array(parts.reduce((n, p) => n + p.length, 0));
  let o = 0;
  for (const p of parts) {
    out.set(p, o);
    o += p.length;
  }
  return out;
}

/** Feed `bytes` to `s` in random-sized chunks; collect everything it returns. */
function feedChunked(s: NoiseSession, bytes: Uint8Array, rnd: (n: number) => number, maxChunk: number) {
  const send: Uint8Array[] = [];
  const messages: Uint8Array[] = [];
  for (let o = 0; o < bytes.length; ) {
    const n = 1 + rnd(maxChunk);
    const r = s.receive(bytes.subarray(o, o + n));
    send.push(...r.send);
    messages.push(...r.messages);
    o += n;
  }
  return { send, messages };
}

/** A pair of sessions after a normal handshake. */
function readyPair(tag: string): { init: NoiseSession; resp: NoiseSession } {
  const a = randomKeys(`${tag}-a`);
  const b = randomKeys(`${tag}-b`);
  const init = NoiseSession.initiator(a, b.localStaticPublic);
  const resp = NoiseSession.responder(b);
  const act2 = resp.receive(init.start()).send;
  const act3 = init.receive(act2[0] as Uint8Array).send;
  resp.receive(act3[0] as Uint8Array);
  expect(init.ready && resp.ready).toBe(true);
  return { init, resp };
}

function expectMessageError(fn: () => unknown, message: string): TransportError {
  let caught: unknown;
  try {
    fn();
  } catch (err) {
    caught = err;
  }
  expect(caught).toBeInstanceOf(TransportError);
  expect((caught as TransportError).stage).toBe('message');
  expect((caught as TransportError).message).toBe(message);
  return caught as TransportError;
}

describe('BOLT 8 stream framing', () => {
  function handshakeByteByByte(tagA: string, tagB: string): { init: NoiseSession; resp: NoiseSession } {
    const a = randomKeys(tagA);
    const b = randomKeys(tagB);
    const init = NoiseSession.initiator(a, b.localStaticPublic);
    const resp = NoiseSession.responder(b);
    expect(resp.start().length).toBe(0);
    expect(resp.remoteStaticPublic).toBeUndefined();
    expect(hex(init.remoteStaticPublic as Uint8Array)).toBe(hex(b.localStaticPublic));
    const act1 = init.start();
    expect(act1.length).toBe(50);
    const act2 = feedChunked(resp, act1, () => 0, 1).send;
    expect(act2.map((x) => x.length)).toEqual([50]);
    const act3 = feedChunked(init, act2[0] as Uint8Array, () => 0, 1).send;
    expect(act3.map((x) => x.length)).toEqual([66]);
    expect(init.ready).toBe(true);
    expect(resp.ready).toBe(false);
    feedChunked(resp, act3[0] as Uint8Array, () => 0, 1);
    expect(resp.ready).toBe(true);
    expect(hex(resp.remoteStaticPublic as Uint8Array)).toBe(hex(a.localStaticPublic));
    return { init, resp };
  }

  for (const maxChunk of [1, 40, 5000, 200_000]) {
    it(`round trip initiator <-> responder, chunks of 1..${maxChunk} bytes`, () => {
      const { init, resp } = handshakeByteByByte(`alice${maxChunk}`, `bob${maxChunk}`);
      const rnd = prng(maxChunk);
      for (const [from, to] of [
        [init, resp],
        [resp, init],
      ] as const) {
        const sizes = [0, 1, 2, 17, 18, 100, 1000, 65535, 3, 65534, 40000];
        // Enough messages to cross a key rotation (every 500 messages) in each direction.
        for (let i = 0; i < 1100; i++) sizes.push(rnd(300));
        const msgs = sizes.map((n, i) => {
          const m = new Uint8Array(n);
          for (let j = 0; j < n; j++) m[j] = (i * 31 + j) & 0xff;
          return m;
        });
        const stream = concat(msgs.map((m) => from.encrypt(m)));
        const got = feedChunked(to, stream, rnd, maxChunk);
        expect(got.send).toEqual([]);
        expect(got.messages.length).toBe(msgs.length);
        for (let i = 0; i < msgs.length; i++) {
          if (hex(got.messages[i] as Uint8Array) !== hex(msgs[i] as Uint8Array)) expect.fail(`message ${i} differs`);
        }
        to.end(); // at a frame boundary: fine
      }
    });
  }

  it('act 2 and the first message in one chunk reach the initiator; act 3 and a message reach the responder', () => {
    const a = randomKeys('carol');
    const b = randomKeys('dave');
    const init = NoiseSession.initiator(a, b.localStaticPublic);
    const resp = NoiseSession.responder(b);
    const act2 = resp.receive(init.start()).send[0] as Uint8Array;
    // The responder cannot encrypt before act 3, so build the "act 2 + message" chunk from a twin
    // responder that completes the same handshake.
    const twinInit = NoiseSession.initiator({ ...a }, b.localStaticPublic);
    const twinResp = NoiseSession.responder({ ...b });
    twinResp.receive(twinInit.start());
    const r = twinInit.receive(act2);
    twinResp.receive(r.send[0] as Uint8Array);
    const first = twinResp.encrypt(Uint8Array.of(1, 2, 3));
    const got = init.receive(concat([act2, first]));
    expect(got.send.length).toBe(1);
    expect(got.messages.map(hex)).toEqual(['010203']);
    const act3 = got.send[0] as Uint8Array;
    const got2 = resp.receive(concat([act3, init.encrypt(Uint8Array.of(9)), init.encrypt(new Uint8Array(0))]));
    expect(got2.messages.map(hex)).toEqual(['09', '']);
    expect(resp.ready).toBe(true);
  });

  it('rejects a frame whose length MAC was tampered with, and stays dead', () => {
    const { init, resp } = readyPair('tamper');
    const frame = init.encrypt(Uint8Array.of(1, 2, 3));
    frame[17] = (frame[17] as number) ^ 1; // last byte of the length MAC
    const err = expectMessageError(() => resp.receive(frame), 'message length MAC failed');
    expect(resp.ready).toBe(false);
    expect(() => resp.receive(init.encrypt(Uint8Array.of(1)))).toThrow(err);
    expect(() => resp.encrypt(Uint8Array.of(1))).toThrow(TransportError);
  });

  it('rejects a frame whose encrypted length was tampered with (before reading the body)', () => {
    const { init, resp } = readyPair('tamper');
    const frame = init.encrypt(new Uint8Array(10));
    frame[0] = (frame[0] as number) ^ 0x80;
    expectMessageError(() => resp.receive(frame.subarray(0, 18)), 'message length MAC failed');
  });

  it('rejects a frame whose body MAC was tampered with', () => {
    const { init, resp } = readyPair('tamper');
    const frame = init.encrypt(new Uint8Array(100));
    frame[frame.length - 1] = (frame[frame.length - 1] as number) ^ 1;
    expectMessageError(() => resp.receive(frame), 'message body MAC failed');
  });

  it('encrypt throws RangeError for a message over 65535 bytes, and Error before the handshake', () => {
    const { init } = readyPair('oversize');
    expect(() => init.encrypt(new Uint8Array(65536))).toThrow(RangeError);
    expect(init.encrypt(new Uint8Array(65535)).length).toBe(18 + 65535 + 16);
    const fresh = NoiseSession.responder(randomKeys('erin'));
    expect(() => fresh.encrypt(new Uint8Array(1))).toThrow(/before the handshake/);
  });

  it('end() reports a stream cut in the middle of a frame', () => {
    const { init, resp } = readyPair('tamper');
    const frame = init.encrypt(new Uint8Array(100));
    expect(resp.receive(frame.subarray(0, 50)).messages).toEqual([]);
    expect(() => resp.end()).toThrow(/middle of a frame/);
  });

  it('an invalid remote static key is the caller error, not a transport error', () => {
    const bad = h('02' + '00'.repeat(32));
    expect(() => NoiseSession.initiator(randomKeys('frank'), bad)).toThrow(/remoteStaticPublic/);
  });
});
