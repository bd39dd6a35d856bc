/**
 * Loading bcoin 1.0.2 (CommonJS, lazily, so importing playground/chain for its types is free)
 * and choosing the regtest soft-fork activation rules.
 *
 * bcoin's regtest keeps OLD Bitcoin Core activation rules: segwit and CSV are BIP9 deployments
 * that become ACTIVE only at block 432, and CLTV is enforced in blocks only from height 1351
 * (the mempool enforces it from the start). Two modes:
 *
 * - `patched` (the default): the regtest Network object gets BIP9 window 1 / threshold 1 and
 *   BIP65/BIP66 height 1, so CLTV (and strict DER) hold from block 1 and CSV + segwit are ACTIVE
 *   from block 3 — close to today's Core regtest, and a 110-block bootstrap takes ~0.15 s.
 * - `legacy`: bcoin's stock parameters; the chain must then mine 1351 blocks (~1.5–2.5 s) before
 *   CLTV is enforced in blocks.
 *
 * The patch mutates bcoin's PROCESS-GLOBAL `Network.get('regtest')`: every chain in one process
 * must use the same mode. Switching mode while a chain is open throws; switching when none is
 * open restores or re-applies the parameters.
 */
import { createRequire } from 'node:module';

export type Bcoin = typeof import('bcoin');
export type ActivationMode = 'patched' | 'legacy';

let bcoin: Bcoin | undefined;
let original: { activationThreshold: number; minerWindow: number; bip65height: number; bip66height: number } | undefined;
let currentMode: ActivationMode | undefined;
let openChains = 0;

function load(): Bcoin {
  bcoin ??= createRequire(import.meta.url)('bcoin') as Bcoin;
  return bcoin;
}

/** Load bcoin with the regtest parameters for `mode`; pair with `releaseBcoin()` when the chain closes. */
export function acquireBcoin(mode: ActivationMode): Bcoin {
  const lib = load();
  if (openChains > 0 && currentMode !== mode) {
    throw new Error(
      `bcoin's regtest parameters are process-global: a chain with activation "${currentMode}" is open, cannot create one with "${mode}"`,
    );
  }
  const net = lib.Network.get('regtest');
  original ??= {
    activationThreshold: net.activationThreshold,
    minerWindow: net.minerWindow,
    bip65height: net.block.bip65height,
    bip66height: net.block.bip66height,
  };
  if (mode === 'patched') {
    net.activationThreshold = 1;
    net.minerWindow = 1;
    net.block.bip65height = 1;
    net.block.bip66height = 1;
  } else {
    net.activationThreshold = original.activationThreshold;
    net.minerWindow = original.minerWindow;
    net.block.bip65height = original.bip65height;
    net.block.bip66height = original.bip66height;
  }
  currentMode = mode;
  openChains++;
  return lib;
}

export function releaseBcoin(): void {
  if (openChains > 0) openChains--;
}

/** The mode in force (undefined before the first chain). */
export function activationMode(): ActivationMode | undefined {
  return currentMode;
}
