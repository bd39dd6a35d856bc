/**
 * Properties of the BOLT 8 transport: hostile bytes only ever raise TransportError, and framing is
 * transparent (encrypt → receive is the identity) whatever the chunking.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { sha256 } from '../../../engine/crypto/hash.ts';
import { publicKeyOf } from '../../../engine/crypto/secp256k1.ts';
import { NoiseSession, TransportError, type NoiseKeys } from '../../../engine/transport/index.ts';

function keys(seed: number): NoiseKeys {
  const ls = sha256(Uint8Array.of(seed & 0xff, seed >>> 8, 1));
  return { localStaticSecret: ls, localStaticPublic: publicKeyOf(ls), ephemeralSecret: sha256(ls) };
}

const ALICE = keys(1);
const BOB = keys(2);

/** A fresh pair of sessions that completed a handshake. */
function readyPair(): { init: NoiseSession; resp: NoiseSession } {
  const init = NoiseSession.initiator(ALICE, BOB.localStaticPublic);
  const resp = NoiseSession.responder(BOB);
  const act2 = resp.receive(init.start()).send[0] as Uint8Array;
  const act3 = init.receive(act2).send[0] as Uint8Array;
  resp.receive(act3);
  return { init, resp };
}

/** Split `bytes` at the given cut points (taken modulo its length). */
function split(bytes: Uint8Array, cuts: number[]): Uint8Array[] {
  const points = [...new Set(cuts.map((c) => (bytes.length === 0 ? 0 : c % (bytes.length + 1))))].sort((a, b) => a - b);
  const out: Uint8Array[] = [];
  let prev = 0;
  for (const p of [...points, bytes.length]) {
    out.push(bytes.subarray(prev, p));
    prev = p;
  }
  return out;
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

function sameBytes(a: Uint8Array, b: Uint8Array): boolean {
  if (a.length !== b.length) return false;
  for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) return false;
  return true;
}

/** Feed all chunks; true if it threw a TransportError, false if it never threw. Anything else fails. */
function feed(s: NoiseSession, chunks: Uint8Array[]): boolean {
  try {
    for (const c of chunks) s.receive(c);
    s.end();
    return false;
  } catch (err) {
    if (!(err instanceof TransportError)) throw err;
    // A dead session keeps failing with TransportError.
    expect(() => s.receive(Uint8Array.of(0))).toThrow(TransportError);
    return true;
  }
}

const chunks = fc.array(fc.uint8Array({ maxLength: 120 }), { maxLength: 6 });
const cuts = fc.array(fc.nat(), { maxLength: 8 });

describe('transport properties', () => {
  it('random bytes fed to a responder only ever raise TransportError', () => {
    fc.assert(
      fc.property(chunks, (cs) => {
        feed(NoiseSession.responder(BOB), cs);
      }),
      { numRuns: 300 },
    );
  });

  it('random bytes after a valid act 1 (so act 3 parsing is reached) only raise TransportError', () => {
    const act1 = NoiseSession.initiator(ALICE, BOB.localStaticPublic).start();
    fc.assert(
      fc.property(fc.uint8Array({ minLength: 66, maxLength: 90 }), cuts, fc.boolean(), (junk, cs, version0) => {
        if (version0) junk[0] = 0;
        const s = NoiseSession.responder(BOB);
        expect(feed(s, split(concat([act1, junk]), cs))).toBe(true);
      }),
      { numRuns: 100 },
    );
  });

  it('random bytes after a valid act 1 fed to the initiator only raise TransportError', () => {
    fc.assert(
      fc.property(chunks, (cs) => {
        const s = NoiseSession.initiator(ALICE, BOB.localStaticPublic);
        s.start();
        feed(s, cs);
      }),
      { numRuns: 100 },
    );
  });

  it('random bytes fed to a ready session only raise TransportError (possibly after valid frames)', () => {
    fc.assert(
      fc.property(
        fc.array(fc.uint8Array({ maxLength: 64 }), { maxLength: 3 }),
        fc.uint8Array({ minLength: 1, maxLength: 200 }),
        cuts,
        (valid, junk, cs) => {
          const { init, resp } = readyPair();
          const stream = concat([...valid.map((m) => init.encrypt(m)), junk]);
          const threw = feed(resp, split(stream, cs));
          // 18 random bytes pass the length MAC with probability 2^-128.
          if (junk.length >= 18) expect(threw).toBe(true);
        },
      ),
      { numRuns: 60 },
    );
  });

  it('encrypt → receive is the identity under random chunk splits', () => {
    const message = fc.oneof(
      { weight: 10, arbitrary: fc.uint8Array({ maxLength: 300 }) },
      { weight: 1, arbitrary: fc.uint8Array({ minLength: 65000, maxLength: 65535 }) },
    );
    // One long-lived pair (so runs also cross key rotations); rebuilt after a failing run so that
    // shrinking starts from sessions in sync.
    let pair: { init: NoiseSession; resp: NoiseSession } | undefined;
    fc.assert(
      fc.property(fc.array(message, { maxLength: 8 }), cuts, fc.boolean(), (msgs, cs, fromResponder) => {
        const { init, resp } = (pair ??= readyPair());
        try {
          const [from, to] = fromResponder ? [resp, init] : [init, resp];
          const stream = concat(msgs.map((m) => from.encrypt(m)));
          const got: Uint8Array[] = [];
          for (const c of split(stream, cs)) {
            const r = to.receive(c);
            expect(r.send).toEqual([]);
            got.push(...r.messages);
          }
          to.end();
          expect(got.length).toBe(msgs.length);
          got.forEach((m, i) => expect(sameBytes(m, msgs[i] as Uint8Array), `message ${i}`).toBe(true));
        } catch (err) {
          pair = undefined;
          throw err;
        }
      }),
      { numRuns: 150 },
    );
  });

  it('the handshake itself survives random chunk splits (acts and first messages coalesced)', () => {
    fc.assert(
      fc.property(cuts, cuts, fc.uint8Array({ maxLength: 100 }), (cs1, cs3, msg) => {
        const init = NoiseSession.initiator(ALICE, BOB.localStaticPublic);
        const resp = NoiseSession.responder(BOB);
        const act2: Uint8Array[] = [];
        for (const c of split(init.start(), cs1)) act2.push(...resp.receive(c).send);
        expect(act2.length).toBe(1);
        const act3 = init.receive(act2[0] as Uint8Array).send[0] as Uint8Array;
        const got: Uint8Array[] = [];
        for (const c of split(concat([act3, init.encrypt(msg)]), cs3)) got.push(...resp.receive(c).messages);
        expect(resp.ready).toBe(true);
        expect(got.length).toBe(1);
        expect(sameBytes(got[0] as Uint8Array, msg)).toBe(true);
      }),
      { numRuns: 40 },
    );
  });
});
