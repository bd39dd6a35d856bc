/**
 * Loading LDK's WASM bindings (npm `lightningdevkit`) in Node.
 *
 * The package's JS glue must be initialized with the 12 MB `liblightningjs.wasm` before any LDK
 * constructor is called. Both the import (≈1430 ES modules, ≈0.7 s) and the instantiation
 * (≈0.2 s) are expensive, so this happens once per process and every caller shares the result.
 *
 * The package is imported lazily (dynamic `import()`), so modules that merely reference the
 * harness types do not pay the import cost.
 */
import { readFile } from 'node:fs/promises';
import { createRequire } from 'node:module';

/** The `lightningdevkit` module namespace. */
export type Ldk = typeof import('lightningdevkit');

let loading: Promise<Ldk> | undefined;

/** Absolute path of the package's `.wasm` file (the package has no `exports` map, so this resolves). */
export function ldkWasmPath(): string {
  return createRequire(import.meta.url).resolve('lightningdevkit/liblightningjs.wasm');
}

/**
 * Import `lightningdevkit` and initialize its WASM instance. Safe to call any number of times:
 * the first call does the work and later calls get the same promise. A failed load is not
 * cached, so a later call retries.
 */
export function loadLdk(): Promise<Ldk> {
  loading ??= (async () => {
    const [ldk, wasm] = await Promise.all([import('lightningdevkit'), readFile(ldkWasmPath())]);
    await ldk.initializeWasmFromBinary(new Uint8Array(wasm.buffer, wasm.byteOffset, wasm.byteLength));
    return ldk;
  })().catch((error: unknown) => {
    loading = undefined;
    throw new Error(`could not load the LDK WASM bindings: ${String(error)}`, { cause: error });
  });
  return loading;
}

/**
 * A Rust panic inside the WASM surfaces in JS as `RuntimeError: unreachable` (the panic text goes
 * to stderr through WASI `fd_write`). After one, the shared WASM instance is in an undefined state
 * and the process should be restarted.
 */
export function isLdkPanic(error: unknown): boolean {
  // WebAssembly.RuntimeError (not declared as a value by this project's libs).
  return error instanceof Error && error.name === 'RuntimeError';
}
