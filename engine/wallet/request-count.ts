/**
 * Counting what a wallet asks its chain server. Public Esplora servers rate-limit (DESIGN.md
 * "Chain"), so request counts are a first-class cost: the `wallet-restore-requests` benchmark and
 * the discovery tests wrap a `ChainSource` with `countRequests` and compare the count with
 * `discoveryLowerBound` (discovery.ts).
 */
import type { ChainSource } from '../chain/source.ts';
import type { Keychain } from '../keys/keychain.ts';
import type { NetworkName } from '../wire/chains.ts';
import { discoveryLowerBound } from './discovery.ts';
import { OnchainWallet } from './wallet.ts';

export type ChainMethod = keyof ChainSource;

export interface CountedChain {
  /** The wrapped source: use it in place of the original. */
  readonly chain: ChainSource;
  /** Calls so far, per method. */
  readonly counts: Readonly<Record<ChainMethod, number>>;
  /** Calls so far, all methods. */
  total(): number;
  reset(): void;
}

// A record so the compiler flags a ChainSource method missing here.
const ALL: Record<ChainMethod, true> = {
  tip: true, tipHash: true, blockStatus: true, blockHeader: true, blockHashAtHeight: true, scriptHistory: true,
  scriptUtxos: true, transaction: true, txStatus: true, verifyConfirmed: true, outSpend: true, feeEstimates: true, broadcast: true,
};
const METHODS = Object.keys(ALL) as ChainMethod[];

/** Wrap `source` so every call is counted (calls pass straight through). */
export function countRequests(source: ChainSource): CountedChain {
  const counts = Object.fromEntries(METHODS.map((m) => [m, 0])) as Record<ChainMethod, number>;
  const wrapped = {} as Record<ChainMethod, unknown>;
  for (const m of METHODS) {
    const fn = source[m] as (...args: unknown[]) => Promise<unknown>;
    wrapped[m] = (...args: unknown[]): Promise<unknown> => {
      counts[m]++;
      return fn.apply(source, args);
    };
  }
  return {
    chain: wrapped as unknown as ChainSource,
    counts,
    total: () => METHODS.reduce((s, m) => s + counts[m], 0),
    reset: () => {
      for (const m of METHODS) counts[m] = 0;
    },
  };
}

export interface RestoreMeasurement {
  /** Calls per method during the restore (tip, scriptHistory, transaction, …). */
  readonly counts: Readonly<Record<ChainMethod, number>>;
  readonly total: number;
  /** The fewest `scriptHistory` calls any gap-limit scan could make for what was found. */
  readonly scriptHistoryLowerBound: number;
  readonly receiveLastUsed: number;
  readonly changeLastUsed: number;
}

/**
 * Restore `keychain`'s wallet from nothing against `source` and report what it cost: the
 * `wallet-restore-requests` benchmark. `scriptHistory` should equal the lower bound exactly.
 */
export async function measureRestore(keychain: Keychain, network: NetworkName, source: ChainSource): Promise<RestoreMeasurement> {
  const counted = countRequests(source);
  const wallet = OnchainWallet.restore(keychain, network, counted.chain);
  await wallet.sync();
  const s = wallet.toState();
  return {
    counts: { ...counted.counts },
    total: counted.total(),
    scriptHistoryLowerBound: discoveryLowerBound(s.receiveLastUsed, s.changeLastUsed),
    receiveLastUsed: s.receiveLastUsed,
    changeLastUsed: s.changeLastUsed,
  };
}
