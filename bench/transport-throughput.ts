/**
 * BOLT 8 transport throughput: one message encrypted by one NoiseSession and its frame fed to the
 * peer session's `receive` (two AEAD seals and two opens per message: length header and body),
 * against bare ChaCha20-Poly1305 seal + open of the same message bytes (one of each) with
 * @noble/ciphers (the library we build on) and with Node's native OpenSSL implementation.
 *
 * For small messages the protocol itself costs about 2x a single AEAD (the 18-byte length header is
 * a full seal/open of its own), so `-vs-2aead` also compares with noble doing exactly that work
 * without any framing: that ratio is our session overhead alone.
 */
import { createCipheriv, createDecipheriv } from 'node:crypto';
import { chacha20poly1305 } from '@noble/ciphers/chacha.js';
import { sha256 } from '../engine/crypto/hash.ts';
import { publicKeyOf } from '../engine/crypto/secp256k1.ts';
import { NoiseSession, type NoiseKeys } from '../engine/transport/index.ts';
import { megabytesPerSecond, result, timeAll, type BenchResult, type Timing } from './lib.ts';

const SIZES = [100, 65535];

function keys(tag: number): NoiseKeys {
  const ls = sha256(Uint8Array.of(tag));
  return { localStaticSecret: ls, localStaticPublic: publicKeyOf(ls), ephemeralSecret: sha256(ls) };
}

function pair(): { init: NoiseSession; resp: NoiseSession } {
  const a = keys(1);
  const b = keys(2);
  const init = NoiseSession.initiator(a, b.localStaticPublic);
  const resp = NoiseSession.responder(b);
  const act2 = resp.receive(init.start()).send[0] as Uint8Array;
  const act3 = init.receive(act2).send[0] as Uint8Array;
  resp.receive(act3);
  return { init, resp };
}

function message(size: number): Uint8Array {
  const m = new Uint8Array(size);
  for (let i = 0; i < size; i++) m[i] = (i * 7) & 0xff;
  return m;
}

/** A 12-byte nonce with a little-endian counter in bytes 4..12, as BOLT 8 lays it out. */
function nonceOf(n: number, out: Uint8Array): Uint8Array {
  out[4] = n & 0xff;
  out[5] = (n >>> 8) & 0xff;
  out[6] = (n >>> 16) & 0xff;
  out[7] = (n >>> 24) & 0xff;
  return out;
}

export async function run(): Promise<BenchResult[]> {
  const out: BenchResult[] = [];
  const key = sha256(Uint8Array.of(3));
  for (const size of SIZES) {
    const msg = message(size);
    const label = `transport-throughput/${size}B`;

    const { init, resp } = pair();
    let sink = 0;
    const oursFn = () => {
      const r = resp.receive(init.encrypt(msg));
      sink += (r.messages[0] as Uint8Array).length;
    };

    let n = 0;
    const nonce = new Uint8Array(12);
    const nobleFn = () => {
      nonceOf(n++, nonce);
      const c = chacha20poly1305(key, nonce).encrypt(msg);
      sink += chacha20poly1305(key, nonce).decrypt(c).length;
    };

    // The same AEAD work BOLT 8 framing needs (seal/open the 2-byte length, then the body), with
    // no framing: isolates our session overhead from the protocol's inherent second AEAD.
    const len = Uint8Array.of(size >>> 8, size & 0xff);
    const nonce2 = new Uint8Array(12);
    const noble2Fn = () => {
      nonceOf(n++, nonce);
      nonceOf(n++, nonce2);
      const lc = chacha20poly1305(key, nonce).encrypt(len);
      const c = chacha20poly1305(key, nonce2).encrypt(msg);
      sink += chacha20poly1305(key, nonce).decrypt(lc).length;
      sink += chacha20poly1305(key, nonce2).decrypt(c).length;
    };

    const nativeFn = () => {
      nonceOf(n++, nonce);
      const enc = createCipheriv('chacha20-poly1305', key, nonce, { authTagLength: 16 });
      const c = Buffer.concat([enc.update(msg), enc.final()]);
      const tag = enc.getAuthTag();
      const dec = createDecipheriv('chacha20-poly1305', key, nonce, { authTagLength: 16 });
      dec.setAuthTag(tag);
      const p = Buffer.concat([dec.update(c), dec.final()]);
      sink += p.length;
    };

    const [ours, noble, noble2, native] = timeAll([oursFn, nobleFn, noble2Fn, nativeFn], { minTimeMs: 600 }) as [Timing, Timing, Timing, Timing];
    if (sink === 0) throw new Error('benchmark did no work');

    const oursMBs = megabytesPerSecond(size, ours);
    out.push(result(label, 'MB/s', oursMBs, megabytesPerSecond(size, noble), 'noble-chacha20poly1305'));
    out.push(result(`${label}-vs-2aead`, 'MB/s', oursMBs, megabytesPerSecond(size, noble2), 'noble-chacha20poly1305-length+body'));
    out.push(result(`${label}-vs-native`, 'MB/s', oursMBs, megabytesPerSecond(size, native), 'node-native-chacha20poly1305'));
  }
  return out;
}
