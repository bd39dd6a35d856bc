/**
 * scrypt (RFC 7914) with ROMix in WebAssembly (engine/crypto/scrypt-romix.wat) and the rest in
 * @noble/hashes. Same output as @noble/hashes' scrypt for every parameter set (property-tested
 * in test/unit/crypto-scrypt.test.ts). At N = 2^17, r = 8, p = 1 on the 2-core dev machine: ~0.39 s
 * against noble's ~0.69 s in Node 20, 0.41–0.57 s against 0.71–1.26 s in a Chromium worker
 * (test/e2e/store.spec.ts, machine shared and loaded).
 *
 *   B  = PBKDF2-HMAC-SHA256(P, S, c = 1, p · 128 · r)          (RFC 7914 §6 step 1)
 *   B_i = scryptROMix(r, B_i, N) for each of the p lanes       (§5, step 2; in WebAssembly)
 *   DK = PBKDF2-HMAC-SHA256(P, B, c = 1, dkLen)                (step 3)
 *
 * The WebAssembly module is compiled once and cached, and checked once against the RFC 7914 §12
 * first test vector before it is trusted. Each call gets a fresh Memory of 128 · r · (N + 2)
 * bytes that is zeroed before it is dropped. Where WebAssembly is missing, fails its check, or
 * the Memory cannot be allocated, the call runs @noble/hashes' scryptAsync instead (same result,
 * slower; imported on demand, so the worker's startup bundle does not carry it); `onBackend`
 * says which ran and why, with nothing secret in the reason.
 *
 * Slices: ROMix runs in slices between which progress is reported and the event loop gets a
 * turn (a resolved-promise yield, as noble's asyncTick does). engine/ has no clock (DESIGN rule
 * 1), so a slice is sized by work, not measured time: `yieldMs` is converted with WORK_PER_MS.
 */
import { pbkdf2 } from '@noble/hashes/pbkdf2.js';
import { sha256 } from '@noble/hashes/sha2.js';
import { bytesToHex, hexToBytes } from '../lib/bytes.ts';
import { ValidationError } from '../lib/errors.ts';
import { SCRYPT_ROMIX_WASM_HEX } from './scrypt-romix-wasm.ts';

/** RFC 7914 §2 parameters: N = 2^log2N, block size r, parallelism p, output length dkLen. */
export interface ScryptKdfParams {
  readonly log2N: number;
  readonly r: number;
  readonly p: number;
  readonly dkLen: number;
}

export interface ScryptOptions {
  /** Fraction done, 0..1: non-decreasing, and the last call is exactly 1. */
  readonly onProgress?: (fraction: number) => void;
  /** Target length of a slice of work between yields, in ms on the dev machine (default 50). */
  readonly yieldMs?: number;
  /** Which implementation ran; `reason` (why WebAssembly was not used) holds no secret. */
  readonly onBackend?: (backend: 'wasm' | 'noble', reason?: string) => void;
}

/** Memory (128 · r · (N + 2) bytes) allowed per call; RFC 7914 §12's N = 2^20 vector needs 1 GiB. */
const MAX_BYTES = 2 ** 31;
/**
 * BlockMix work per millisecond, in units of r (one BlockMix at r = 8 is 8 units): measured
 * ~5,400 in Node 20 and ~4,500 in Chromium on the 2-core dev machine, so a 50 ms slice is
 * ~31,000 iterations at r = 8 (ten slices at N = 2^17). A slower device makes longer slices.
 */
const WORK_PER_MS = 5000;

/** The part of the WebAssembly JS API used here (engine/ compiles with lib ES2022, no DOM types). */
interface WasmApi {
  compile(bytes: Uint8Array): Promise<object>;
  instantiate(module: object, imports: object): Promise<{ readonly exports: object }>;
  Memory: new (descriptor: { initial: number; maximum: number }) => { readonly buffer: ArrayBuffer };
}
interface RomixExports {
  /** RFC 7914 §6 step 2, iterations [from, to) of n. */
  fill(from: number, to: number, r: number, n: number): void;
  /** RFC 7914 §6 step 3, iterations [from, to) of n. */
  mix(from: number, to: number, r: number, n: number): void;
}
declare const WebAssembly: WasmApi | undefined;

function checkParams({ log2N, r, p, dkLen }: ScryptKdfParams): void {
  const int = (v: number, lo: number, hi: number, field: string) => {
    if (!Number.isInteger(v) || v < lo || v > hi) throw new ValidationError(field, `must be an integer in ${lo}..${hi}, got ${v}`);
  };
  int(log2N, 1, 30, 'scrypt.log2N');
  int(r, 1, 2 ** 20, 'scrypt.r');
  int(p, 1, Math.floor((2 ** 30 - 1) / r), 'scrypt.p'); // RFC 7914 §2: p ≤ (2^32 − 1) · hLen / MFLen
  int(dkLen, 1, 2 ** 32 - 1, 'scrypt.dkLen');
  const bytes = 128 * r * (2 ** log2N + 2);
  if (bytes > MAX_BYTES) throw new ValidationError('scrypt', `needs ${Math.ceil(bytes / 2 ** 20)} MiB, over the ${MAX_BYTES / 2 ** 20} MiB limit`);
}

const tick = (): Promise<void> => Promise.resolve();

/** The RFC 7914 §12 first vector (P = S = "", N = 16, r = 1, p = 1), first 16 bytes. */
const SELF_TEST = { params: { log2N: 4, r: 1, p: 1, dkLen: 16 }, dk: '77d6576238657b203b19ca42c18a0497' } as const;

let cached: Promise<object | string> | undefined;

/** The compiled module, or why it cannot be used (compiled and self-tested once). */
function romixModule(wasm: WasmApi): Promise<object | string> {
  cached ??= (async () => {
    let module: object;
    try {
      module = await wasm.compile(hexToBytes(SCRYPT_ROMIX_WASM_HEX));
    } catch (err) {
      return `compile failed: ${(err as Error).name}`;
    }
    const empty = new Uint8Array(0);
    try {
      const dk = await wasmScrypt(wasm, module, empty, empty, SELF_TEST.params, () => {}, 1);
      if (typeof dk === 'string') return dk;
      return bytesToHex(dk) === SELF_TEST.dk ? module : 'self-test failed (RFC 7914 §12 vector 1)';
    } catch (err) {
      return `self-test threw: ${(err as Error).name}`;
    }
  })();
  return cached;
}

/** scrypt via the WebAssembly ROMix; a string (the reason) if the Memory or instance cannot be made. */
async function wasmScrypt(
  wasm: WasmApi,
  module: object,
  password: Uint8Array,
  salt: Uint8Array,
  { log2N, r, p, dkLen }: ScryptKdfParams,
  progress: (fraction: number) => void,
  sliceIters: number,
): Promise<Uint8Array | string> {
  const n = 2 ** log2N;
  const blk = 128 * r;
  let memory: { readonly buffer: ArrayBuffer };
  let romix: RomixExports;
  try {
    const pages = Math.ceil((blk * (n + 2)) / 65536);
    memory = new wasm.Memory({ initial: pages, maximum: pages });
    romix = (await wasm.instantiate(module, { env: { mem: memory } })).exports as RomixExports;
  } catch (err) {
    return `no instance: ${(err as Error).name}`;
  }
  const mem = new Uint8Array(memory.buffer);
  const b = pbkdf2(sha256, password, salt, { c: 1, dkLen: p * blk });
  try {
    const total = 2 * n * p;
    for (let lane = 0; lane < p; lane++) {
      mem.set(b.subarray(lane * blk, (lane + 1) * blk), 2 * blk); // V_0 = B_lane
      for (const step of [romix.fill, romix.mix]) {
        for (let i = 0; i < n; i += sliceIters) {
          step(i, Math.min(n, i + sliceIters), r, n);
          progress((lane * 2 * n + (step === romix.fill ? 0 : n) + Math.min(n, i + sliceIters)) / total);
          await tick();
        }
      }
      b.set(mem.subarray(0, blk), lane * blk); // B_lane = X
    }
    return pbkdf2(sha256, password, b, { c: 1, dkLen });
  } finally {
    mem.fill(0); // V, X and Y: every V_i checks a passphrase guess without the memory-hard part
    b.fill(0);
  }
}

/**
 * scrypt(password, salt) per RFC 7914 §6. Throws ValidationError naming the bad parameter.
 * Progress is reported after every slice and ends with exactly 1.
 */
export async function scrypt(password: Uint8Array, salt: Uint8Array, params: ScryptKdfParams, options: ScryptOptions = {}): Promise<Uint8Array> {
  checkParams(params);
  if (!(password instanceof Uint8Array)) throw new ValidationError('password', 'must be a Uint8Array');
  if (!(salt instanceof Uint8Array)) throw new ValidationError('salt', 'must be a Uint8Array');
  const yieldMs = options.yieldMs ?? 50;
  if (!(yieldMs > 0 && yieldMs <= 60_000)) throw new ValidationError('yieldMs', `must be in (0, 60000], got ${yieldMs}`);
  let last = 0;
  const progress = (f: number) => {
    if (f < last) return;
    last = f;
    options.onProgress?.(f);
  };

  let reason = 'WebAssembly is not available';
  if (typeof WebAssembly === 'object' && WebAssembly !== null) {
    const module = await romixModule(WebAssembly);
    if (typeof module === 'string') reason = module;
    else {
      const sliceIters = Math.max(1, Math.floor((yieldMs * WORK_PER_MS) / params.r));
      const dk = await wasmScrypt(WebAssembly, module, password, salt, params, progress, sliceIters);
      if (typeof dk !== 'string') {
        options.onBackend?.('wasm');
        return dk;
      }
      reason = dk;
    }
  }
  options.onBackend?.('noble', reason);
  // Loaded only here: where WebAssembly works (every current browser and Node) the worker
  // never fetches noble's scrypt, which keeps it out of the bundle loaded before home.
  const { scryptAsync } = await import('@noble/hashes/scrypt.js');
  const dk = await scryptAsync(password, salt, {
    N: 2 ** params.log2N,
    r: params.r,
    p: params.p,
    dkLen: params.dkLen,
    maxmem: MAX_BYTES + 128 * params.r * params.p,
    asyncTick: yieldMs,
    onProgress: progress,
  });
  if (last !== 1) progress(1);
  return dk;
}
