/**
 * An independent script interpreter for the BOLT 3 tests: bcoin's (a full node's consensus and
 * standardness rules: witness, CSV, CLTV, MINIMALIF, NULLDUMMY, LOW_S, ...). A transaction our
 * builders produce must not only match the vectors' bytes but also spend what it claims to.
 */
import { createRequire } from 'node:module';

interface BcoinScript {
  readonly _brand?: 'script';
}
interface BcoinTx {
  checkInput(index: number, coin: { script: BcoinScript; value: number }, flags: number): void;
}
interface BcoinLib {
  TX: { fromRaw(raw: Buffer): BcoinTx };
  Script: { fromRaw(raw: Buffer): BcoinScript; flags: Record<string, number> };
}

const bcoin = createRequire(import.meta.url)('bcoin') as BcoinLib;

/**
 * Run input `index` of `txBytes` against the output it spends (`scriptPubKey`, `valueSat`) under
 * bcoin's STANDARD_VERIFY_FLAGS. Returns undefined when it passes, or the script error.
 */
export function scriptError(txBytes: Uint8Array, index: number, scriptPubKey: Uint8Array, valueSat: bigint): string | undefined {
  const tx = bcoin.TX.fromRaw(Buffer.from(txBytes));
  const coin = { script: bcoin.Script.fromRaw(Buffer.from(scriptPubKey)), value: Number(valueSat) };
  try {
    tx.checkInput(index, coin, bcoin.Script.flags.STANDARD_VERIFY_FLAGS as number);
    return undefined;
  } catch (err) {
    return (err as Error).message;
  }
}
