/**
 * BOLT 8 Appendix A "Transport Test Vectors": Initiator Tests, Responder Tests, Message Encryption
 * Tests (test/vectors/bolt08-transport.json), plus framing behaviour the spec requires of a stream.
 */
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { bytesToHex, hexToBytes } from '../../engine/lib/bytes.ts';
import { publicKeyOf } from '../../engine/crypto/secp256k1.ts';
import {
  CipherState,
  initHandshake,
  NoiseSession,
  readAct1,
  readAct2,
  readAct3,
  TransportError,
  writeAct1,
  writeAct2,
  writeAct3,
  type NoiseKeys,
} from '../../engine/transport/index.ts';

interface Step {
  act: 'act1' | 'act2' | 'act3' | 'final';
  kind: 'input' | 'output';
  hex?: string;
  error?: string;
  error_text?: string;
  keys?: { sk: string; rk: string };
}
interface HandshakeCase {
  name: string;
  role: 'initiator' | 'responder';
  inputs: { rs_pub?: string; ls_priv: string; ls_pub: string; e_priv: string; e_pub: string };
  steps: Step[];
  expected: { result: 'success'; sk: string; rk: string } | { result: 'error'; error: string; failing_act: string };
}
interface Vectors {
  initiator_tests: HandshakeCase[];
  responder_tests: HandshakeCase[];
  message_test: {
    plaintext_hex: string;
    ck: string;
    sk: string;
    rk: string;
    outputs: { message_index: number; ciphertext: string }[];
  };
}

const vectors = JSON.parse(
  readFileSync(new URL('../vectors/bolt08-transport.json', import.meta.url), 'utf8'),
) as Vectors;

const h = hexToBytes;
const hex = bytesToHex;

function keysOf(c: HandshakeCase): NoiseKeys {
  return {
    localStaticSecret: h(c.inputs.ls_priv),
    localStaticPublic: h(c.inputs.ls_pub),
    ephemeralSecret: h(c.inputs.e_priv),
  };
}

function sessionOf(c: HandshakeCase): NoiseSession {
  return c.role === 'initiator'
    ? NoiseSession.initiator(keysOf(c), h(c.inputs.rs_pub as string))
    : NoiseSession.responder(keysOf(c));
}

function expectTransportError(fn: () => unknown, act: string): TransportError {
  let caught: unknown;
  try {
    fn();
  } catch (err) {
    caught = err;
  }
  expect(caught).toBeInstanceOf(TransportError);
  const err = caught as TransportError;
  expect(err.stage).toBe(act);
  if (act.startsWith('act')) expect(err.message.startsWith(`${act}:`)).toBe(true);
  return err;
}

/** The spec's error label (ACT2_BAD_VERSION, ...) as the message we give. */
function patternFor(label: string, streaming = false): RegExp {
  const kind = label.replace(/^ACT\d_/, '');
  const pattern = {
    READ_FAILED: streaming ? /connection ended after \d+ of \d+ bytes/ : /expected \d+ bytes, got \d+/,
    BAD_VERSION: /bad version \d+$/,
    BAD_PUBKEY: /bad (ephemeral|static) public key$/,
    BAD_TAG: /bad MAC$/,
    BAD_CIPHERTEXT: /bad MAC on the encrypted static key$/,
  }[kind];
  if (pattern === undefined) throw new Error(`unknown spec error label ${label}`);
  return pattern;
}

/**
 * Drive a NoiseSession through the vector's steps. A short read ("ACTn_READ_FAILED") is a stream
 * that ends before the act is complete: receive() waits for more, and end() reports the failure.
 */
function runThroughSession(c: HandshakeCase): NoiseSession {
  const s = sessionOf(c);
  let produced: Uint8Array[] = [s.start()].filter((b) => b.length > 0);
  for (let i = 0; i < c.steps.length; i++) {
    const step = c.steps[i] as Step;
    const next = c.steps[i + 1];
    if (step.kind === 'input') {
      const bytes = h(step.hex as string);
      if (next?.error !== undefined) {
        if (next.error.endsWith('_READ_FAILED')) {
          const r = s.receive(bytes);
          expect(r.send).toEqual([]);
          expect(r.messages).toEqual([]);
          expect(s.ready).toBe(false);
          expect(expectTransportError(() => s.end(), step.act).message).toMatch(patternFor(next.error, true));
        } else {
          expect(expectTransportError(() => s.receive(bytes), step.act).message).toMatch(patternFor(next.error));
        }
        expect(s.ready).toBe(false);
        // Dead for good: any later input fails again.
        expect(() => s.receive(new Uint8Array(1))).toThrow(TransportError);
        return s;
      }
      const r = s.receive(bytes);
      expect(r.messages).toEqual([]);
      produced = r.send;
    } else if (step.hex !== undefined) {
      expect(produced.length).toBe(1);
      expect(hex(produced[0] as Uint8Array)).toBe(step.hex);
      produced = [];
    } else if (step.keys !== undefined) {
      expect(s.ready).toBe(true);
    }
  }
  return s;
}

/** The same handshake through the pure act functions; returns the final keys or throws. */
function runThroughActs(c: HandshakeCase): { sk: string; rk: string } | undefined {
  const ls = h(c.inputs.ls_priv);
  const lsPub = h(c.inputs.ls_pub);
  const e = h(c.inputs.e_priv);
  const ePub = publicKeyOf(e);
  expect(hex(ePub)).toBe(c.inputs.e_pub);
  expect(hex(publicKeyOf(ls))).toBe(c.inputs.ls_pub);
  const input = (act: string) => h(c.steps.find((s) => s.act === act && s.kind === 'input')?.hex as string);
  if (c.role === 'initiator') {
    const rs = h(c.inputs.rs_pub as string);
    const a1 = writeAct1(initHandshake(rs), e, ePub, rs);
    const r2 = readAct2(a1.state, e, input('act2'));
    const a3 = writeAct3(r2.state, ls, lsPub, r2.remoteEphemeral);
    return { sk: hex(a3.keys.sk), rk: hex(a3.keys.rk) };
  }
  const r1 = readAct1(initHandshake(lsPub), ls, input('act1'));
  const a2 = writeAct2(r1.state, e, ePub, r1.remoteEphemeral);
  const act3 = c.steps.find((s) => s.act === 'act3' && s.kind === 'input');
  if (act3 === undefined) return undefined;
  const r3 = readAct3(a2.state, e, h(act3.hex as string));
  expect(hex(r3.remoteStaticPublic)).toBe(vectors.initiator_tests[0]?.inputs.ls_pub);
  return { sk: hex(r3.keys.sk), rk: hex(r3.keys.rk) };
}

for (const [title, cases] of [
  ['BOLT 8 Appendix A: Initiator Tests', vectors.initiator_tests],
  ['BOLT 8 Appendix A: Responder Tests', vectors.responder_tests],
] as const) {
  describe(title, () => {
    it('has the expected cases', () => {
      expect(cases.length).toBe(title.includes('Initiator') ? 5 : 10);
    });
    for (const c of cases) {
      it(`${c.name}: session`, () => {
        const s = runThroughSession(c);
        if (c.expected.result === 'success') {
          expect(s.ready).toBe(true);
          const peerPub =
            c.role === 'initiator' ? c.inputs.rs_pub : vectors.initiator_tests[0]?.inputs.ls_pub;
          expect(hex(s.remoteStaticPublic as Uint8Array)).toBe(peerPub);
        }
      });
      it(`${c.name}: act functions`, () => {
        const expected = c.expected;
        if (expected.result === 'success') {
          expect(runThroughActs(c)).toEqual({ sk: expected.sk, rk: expected.rk });
          const final = c.steps.find((s) => s.act === 'final')?.keys;
          expect(final).toEqual({ sk: expected.sk, rk: expected.rk });
        } else {
          const err = expectTransportError(() => runThroughActs(c), expected.failing_act);
          expect(err.message).toMatch(patternFor(expected.error));
        }
      });
    }
  });
}

/** Initiator and responder sessions after the spec's successful handshake. */
function specPair(): { init: NoiseSession; resp: NoiseSession } {
  const ic = vectors.initiator_tests[0] as HandshakeCase;
  const rc = vectors.responder_tests[0] as HandshakeCase;
  const init = sessionOf(ic);
  const resp = sessionOf(rc);
  const act2 = resp.receive(init.start()).send;
  const act3 = init.receive(act2[0] as Uint8Array).send;
  resp.receive(act3[0] as Uint8Array);
  expect(init.ready && resp.ready).toBe(true);
  return { init, resp };
}

describe('BOLT 8 Appendix A: Message Encryption Tests', () => {
  const mt = vectors.message_test;
  const wanted = new Map(mt.outputs.map((o) => [o.message_index, o.ciphertext]));
  const last = Math.max(...wanted.keys());

  it('lists message indexes 0, 1, 500, 501, 1000, 1001', () => {
    expect([...wanted.keys()]).toEqual([0, 1, 500, 501, 1000, 1001]);
  });

  it('the handshake keys are the message test keys', () => {
    expect(mt.sk).toBe(vectors.initiator_tests[0]?.expected.result === 'success' && vectors.initiator_tests[0].expected.sk);
    expect(mt.rk).toBe(vectors.initiator_tests[0]?.expected.result === 'success' && vectors.initiator_tests[0].expected.rk);
  });

  it('CipherState from ck/sk: length and body ciphertexts with two key rotations', () => {
    const cs = new CipherState(h(mt.sk), h(mt.ck));
    const m = h(mt.plaintext_hex);
    for (let i = 0; i <= last; i++) {
      const out = hex(cs.encrypt(Uint8Array.of(0, m.length))) + hex(cs.encrypt(m));
      const want = wanted.get(i);
      if (want !== undefined) expect(out, `message ${i}`).toBe(want);
    }
    expect(cs.nonce).toBe(((last + 1) * 2) % 1000);
  });

  it('initiator session encrypt() produces the spec outputs; the responder decrypts them all', () => {
    const { init, resp } = specPair();
    const m = h(mt.plaintext_hex);
    for (let i = 0; i <= last; i++) {
      const frame = init.encrypt(m);
      expect(frame.length).toBe(18 + 5 + 16);
      const want = wanted.get(i);
      if (want !== undefined) expect(hex(frame), `message ${i}`).toBe(want);
      const r = resp.receive(frame);
      expect(r.messages.length).toBe(1);
      expect(hex(r.messages[0] as Uint8Array)).toBe(mt.plaintext_hex);
    }
  });
});
