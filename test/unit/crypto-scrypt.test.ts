/**
 * engine/crypto/scrypt.ts (RFC 7914 with ROMix in WebAssembly): the RFC 7914 §12 vectors, the
 * same output as @noble/hashes' scrypt for random parameters, progress, the fallback to noble
 * when WebAssembly is missing or cannot allocate, and the generated module matching its .wat.
 */
import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { afterEach, describe, expect, it, vi } from 'vitest';
import fc from 'fast-check';
import { scrypt as nobleScrypt } from '@noble/hashes/scrypt.js';
import { scrypt, type ScryptKdfParams } from '../../engine/crypto/scrypt.ts';
import { SCRYPT_ROMIX_WASM_HEX, SCRYPT_ROMIX_WASM_SHA256, SCRYPT_ROMIX_WAT_SHA256 } from '../../engine/crypto/scrypt-romix-wasm.ts';
import { bytesToHex, hexToBytes } from '../../engine/lib/bytes.ts';
import { ValidationError } from '../../engine/lib/errors.ts';
import { utf8Encode } from '../../engine/store/utf8.ts';

const RFC7914_VECTORS: readonly { P: string; S: string; log2N: number; r: number; p: number; dk: string; slow?: true }[] = [
  { P: '', S: '', log2N: 4, r: 1, p: 1, dk: '77d6576238657b203b19ca42c18a0497f16b4844e3074ae8dfdffa3fede21442fcd0069ded0948f8326a753a0fc81f17e8d3e0fb2e0d3628cf35e20c38d18906' },
  { P: 'password', S: 'NaCl', log2N: 10, r: 8, p: 16, dk: 'fdbabe1c9d3472007856e7190d01e9fe7c6ad7cbc8237830e77376634b3731622eaf30d92e22a3886ff109279d9830dac727afb94a83ee6d8360cbdfa2cc0640' },
  { P: 'pleaseletmein', S: 'SodiumChloride', log2N: 14, r: 8, p: 1, dk: '7023bdcb3afd7348461c06cd81fd38ebfda8fbba904f8e3ea9b543f6545da1f2d5432955613f0fcf62d49705242a9af9e61e85dc0d651e40dfcf017b45575887' },
  // N = 2^20: 1 GiB and a few seconds; skipped by default, run with GLINT_SCRYPT_SLOW=1.
  { P: 'pleaseletmein', S: 'SodiumChloride', log2N: 20, r: 8, p: 1, dk: '2101cb9b6a511aaeaddbbe09cf70f881ec568d574a2ffd4dabe5ee9820adaa478e56fd8f4ba5d09ffa1c6d927c40f4c337304049e8a952fbcbf45c6fa77a41a4', slow: true },
];

/** The WebAssembly global (tsconfig.node.json has lib ES2022 and @types/node, which type only the namespace). */
interface WasmGlobal {
  compile(bytes: Uint8Array): Promise<object>;
  instantiate(module: object, imports: object): Promise<object>;
  Module: { exports(module: object): { kind: string; name: string }[] };
}
const realWasm = (globalThis as unknown as { WebAssembly: WasmGlobal }).WebAssembly;

const wasm = (backends: string[]) => ({ onBackend: (b: string, why?: string) => backends.push(why ? `${b}: ${why}` : b) });

afterEach(() => {
  vi.unstubAllGlobals();
  vi.restoreAllMocks();
});

describe('scrypt: RFC 7914 §12 test vectors', () => {
  for (const v of RFC7914_VECTORS) {
    const run = v.slow && !process.env.GLINT_SCRYPT_SLOW ? it.skip : it;
    run(`P="${v.P}" S="${v.S}" N=2^${v.log2N} r=${v.r} p=${v.p}`, { timeout: 120_000 }, async () => {
      const backends: string[] = [];
      const dk = await scrypt(utf8Encode(v.P), utf8Encode(v.S), { log2N: v.log2N, r: v.r, p: v.p, dkLen: 64 }, wasm(backends));
      expect(bytesToHex(dk)).toBe(v.dk);
      expect(backends).toEqual(['wasm']);
    });
  }
});

describe('scrypt: same output as @noble/hashes', () => {
  it('random passwords, salts and parameters (log2N 1..10, r 1..8, p 1..3, dkLen 1..100)', async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.uint8Array({ maxLength: 80 }),
        fc.uint8Array({ maxLength: 80 }),
        fc.integer({ min: 1, max: 10 }),
        fc.integer({ min: 1, max: 8 }),
        fc.integer({ min: 1, max: 3 }),
        fc.integer({ min: 1, max: 100 }),
        async (password, salt, log2N, r, p, dkLen) => {
          const backends: string[] = [];
          const ours = await scrypt(password, salt, { log2N, r, p, dkLen }, wasm(backends));
          expect(backends).toEqual(['wasm']);
          expect(bytesToHex(ours)).toBe(bytesToHex(nobleScrypt(password, salt, { N: 2 ** log2N, r, p, dkLen })));
        },
      ),
      { numRuns: 60 },
    );
  });

  it('leaves its inputs unchanged', async () => {
    const password = utf8Encode('pass');
    const salt = utf8Encode('salt');
    await scrypt(password, salt, { log2N: 4, r: 2, p: 2, dkLen: 32 });
    expect(bytesToHex(password)).toBe(bytesToHex(utf8Encode('pass')));
    expect(bytesToHex(salt)).toBe(bytesToHex(utf8Encode('salt')));
  });
});

describe('scrypt: progress', () => {
  it('is non-decreasing, reported in slices, and ends at exactly 1', async () => {
    const seen: number[] = [];
    // yieldMs 0.1 → slices of 500 / r = 62 iterations at r = 8: 2·2^10·2 / 62 ≈ 66 reports
    await scrypt(utf8Encode('p'), utf8Encode('s'), { log2N: 10, r: 8, p: 2, dkLen: 32 }, { yieldMs: 0.1, onProgress: (f) => seen.push(f) });
    expect(seen.length).toBeGreaterThan(30);
    for (let i = 1; i < seen.length; i++) expect(seen[i]).toBeGreaterThanOrEqual(seen[i - 1] as number);
    expect(seen[0]).toBeGreaterThan(0);
    expect(seen.at(-1)).toBe(1);
  });

  it('yields between slices: a task queued during one slice runs before the next slice', async () => {
    const marks: string[] = [];
    const onProgress = (f: number) => {
      marks.push('slice');
      if (f < 1) queueMicrotask(() => marks.push('other'));
    };
    await scrypt(utf8Encode('p'), utf8Encode('s'), { log2N: 10, r: 8, p: 1, dkLen: 32 }, { yieldMs: 0.1, onProgress });
    expect(marks.length).toBeGreaterThan(40);
    for (let i = 1; i < marks.length; i++) expect(marks[i] === 'slice' && marks[i - 1] === 'slice').toBe(false);
  });

  it('a throwing onProgress rejects the call', async () => {
    const onProgress = () => {
      throw new Error('ui gone');
    };
    await expect(scrypt(utf8Encode('p'), utf8Encode('s'), { log2N: 4, r: 1, p: 1, dkLen: 32 }, { onProgress })).rejects.toThrow('ui gone');
  });
});

describe('scrypt: fallback to @noble/hashes', () => {
  const params: ScryptKdfParams = { log2N: 8, r: 4, p: 2, dkLen: 48 };
  const password = utf8Encode('correct horse');
  const salt = utf8Encode('battery staple');
  const expected = () => bytesToHex(nobleScrypt(password, salt, { N: 2 ** params.log2N, r: params.r, p: params.p, dkLen: params.dkLen }));

  it('when WebAssembly is missing: same result, progress still ends at 1', async () => {
    await scrypt(password, salt, params); // the module is compiled and cached first: the fallback must not depend on it
    vi.stubGlobal('WebAssembly', undefined);
    const backends: string[] = [];
    const seen: number[] = [];
    const dk = await scrypt(password, salt, params, { ...wasm(backends), onProgress: (f) => seen.push(f) });
    expect(bytesToHex(dk)).toBe(expected());
    expect(backends).toEqual(['noble: WebAssembly is not available']);
    for (let i = 1; i < seen.length; i++) expect(seen[i]).toBeGreaterThanOrEqual(seen[i - 1] as number);
    expect(seen.at(-1)).toBe(1);
  });

  it('when the Memory cannot be allocated', async () => {
    const real = realWasm;
    vi.stubGlobal('WebAssembly', {
      compile: real.compile,
      instantiate: real.instantiate,
      Memory: class {
        constructor() {
          throw new RangeError('WebAssembly.Memory(): could not allocate memory');
        }
      },
    });
    const backends: string[] = [];
    const dk = await scrypt(password, salt, params, wasm(backends));
    expect(bytesToHex(dk)).toBe(expected());
    expect(backends).toEqual(['noble: no instance: RangeError']);
  });
});

describe('scrypt: parameters', () => {
  it.each([
    [{ log2N: 0, r: 1, p: 1, dkLen: 32 }, 'scrypt.log2N'],
    [{ log2N: 1.5, r: 1, p: 1, dkLen: 32 }, 'scrypt.log2N'],
    [{ log2N: 4, r: 0, p: 1, dkLen: 32 }, 'scrypt.r'],
    [{ log2N: 4, r: 1, p: 0, dkLen: 32 }, 'scrypt.p'],
    [{ log2N: 4, r: 1, p: 1, dkLen: 0 }, 'scrypt.dkLen'],
    [{ log2N: 24, r: 128, p: 1, dkLen: 32 }, 'scrypt'],
  ])('%o is refused naming %s', async (params, field) => {
    const err = await scrypt(new Uint8Array(1), new Uint8Array(1), params).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(ValidationError);
    expect((err as ValidationError).field).toBe(field);
  });
});

describe('scrypt: the generated WebAssembly module', () => {
  it('was compiled from the current scrypt-romix.wat (run scripts/build-scrypt-wasm.mjs after editing it)', () => {
    const wat = readFileSync(new URL('../../engine/crypto/scrypt-romix.wat', import.meta.url), 'utf8');
    expect(createHash('sha256').update(wat, 'utf8').digest('hex')).toBe(SCRYPT_ROMIX_WAT_SHA256);
  });

  it('its bytes are the ones recorded, a valid module exporting fill and mix', async () => {
    const bytes = hexToBytes(SCRYPT_ROMIX_WASM_HEX);
    expect(createHash('sha256').update(bytes).digest('hex')).toBe(SCRYPT_ROMIX_WASM_SHA256);
    const exports = realWasm.Module.exports(await realWasm.compile(bytes)).map((e) => `${e.kind} ${e.name}`);
    expect(exports.sort()).toEqual(['function fill', 'function mix']);
  });
});
