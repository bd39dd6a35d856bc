/**
 * BIP 44 account discovery with a gap limit, over `ChainSource.scriptHistory`. For each chain
 * (receive, change) addresses are scanned from index 0 until `gapLimit` consecutive addresses
 * have no history; a restore on a fresh state therefore finds every coin the seed ever received
 * below that gap.
 *
 * Requests are the minimum possible: every address is asked about exactly once, and an address
 * is only asked about when it is certainly inside the final scan window (its index is at most
 * the highest used index seen so far plus the gap limit). So a chain whose last used index is L
 * costs exactly L + 1 + gapLimit requests, however many run concurrently, and the total is the
 * lower bound `discoveryLowerBound`.
 *
 * https://github.com/bitcoin/bips/blob/master/bip-0044.mediawiki#address-gap-limit
 */
import type { ChainSource, ScriptTx } from '../chain/source.ts';
import { ValidationError } from '../lib/errors.ts';
import { CHANGE_CHAIN, RECEIVE_CHAIN, type AddressChain } from '../keys/derivation.ts';

/** BIP 44's gap limit: stop after this many unused addresses in a row. */
export const GAP_LIMIT = 20;
/** Concurrent `scriptHistory` requests during a scan (public Esplora servers rate-limit). */
export const DISCOVERY_CONCURRENCY = 4;

/** The scan result for one chain. */
export interface ChainScan {
  readonly chain: AddressChain;
  /** Highest index with any history, or -1. */
  readonly lastUsed: number;
  /** Number of addresses asked about (indexes 0 … scanned − 1). */
  readonly scanned: number;
  /** History of every used address, by index. Unused addresses are absent. */
  readonly histories: ReadonlyMap<number, readonly ScriptTx[]>;
}

export interface DiscoveryResult {
  readonly receive: ChainScan;
  readonly change: ChainScan;
  /** `scriptHistory` calls made. */
  readonly requests: number;
}

export interface DiscoveryOptions {
  readonly gapLimit?: number;
  readonly concurrency?: number;
  /**
   * Highest used index known from a previous scan, per chain. Lets the scan start requests up
   * to `hint + gapLimit` at once; a wrong (too high) hint only costs extra requests.
   */
  readonly lastUsedHint?: { readonly receive?: number; readonly change?: number };
}

/** The fewest requests any gap-limit scan can make, given the last used index of each chain. */
export function discoveryLowerBound(lastUsedReceive: number, lastUsedChange: number, gapLimit = GAP_LIMIT): number {
  return lastUsedReceive + 1 + gapLimit + (lastUsedChange + 1 + gapLimit);
}

interface ChainState {
  chain: AddressChain;
  next: number;
  lastUsed: number;
  bound: number;
  histories: Map<number, readonly ScriptTx[]>;
}

/**
 * Scan both chains. `scriptOf(chain, index)` gives each address's scriptPubKey (the caller
 * caches the derivation). Rejects with the first request error, after in-flight requests settle.
 */
export function discover(
  source: Pick<ChainSource, 'scriptHistory'>,
  scriptOf: (chain: AddressChain, index: number) => Uint8Array,
  options: DiscoveryOptions = {},
): Promise<DiscoveryResult> {
  const gap = options.gapLimit ?? GAP_LIMIT;
  const concurrency = options.concurrency ?? DISCOVERY_CONCURRENCY;
  if (!Number.isSafeInteger(gap) || gap < 1) throw new ValidationError('gapLimit', 'must be a positive integer');
  if (!Number.isSafeInteger(concurrency) || concurrency < 1) throw new ValidationError('concurrency', 'must be a positive integer');
  const hint = (h: number | undefined): number => (Number.isSafeInteger(h) && (h as number) >= 0 ? (h as number) : -1);
  const chains: ChainState[] = [
    { chain: RECEIVE_CHAIN, next: 0, lastUsed: -1, bound: hint(options.lastUsedHint?.receive), histories: new Map() },
    { chain: CHANGE_CHAIN, next: 0, lastUsed: -1, bound: hint(options.lastUsedHint?.change), histories: new Map() },
  ];
  let inFlight = 0;
  let requests = 0;
  let failure: { error: unknown } | undefined;
  let turn = 0;

  return new Promise<DiscoveryResult>((resolve, reject) => {
    const nextJob = (): [ChainState, number] | undefined => {
      for (let k = 0; k < chains.length; k++) {
        const c = chains[(turn + k) % chains.length] as ChainState;
        if (c.next <= Math.max(c.lastUsed, c.bound) + gap) {
          turn = (turn + k + 1) % chains.length;
          return [c, c.next++];
        }
      }
      return undefined;
    };

    const finish = (): void => {
      if (failure) return reject(failure.error);
      const scan = (c: ChainState): ChainScan => ({ chain: c.chain, lastUsed: c.lastUsed, scanned: c.next, histories: c.histories });
      resolve({ receive: scan(chains[0] as ChainState), change: scan(chains[1] as ChainState), requests });
    };

    const pump = (): void => {
      while (!failure && inFlight < concurrency) {
        const job = nextJob();
        if (!job) break;
        const [c, index] = job;
        let spk: Uint8Array;
        try {
          spk = scriptOf(c.chain, index);
        } catch (error) {
          failure = { error };
          break;
        }
        inFlight++;
        requests++;
        source.scriptHistory(spk).then(
          (history) => {
            inFlight--;
            if (history.length > 0) {
              c.histories.set(index, history);
              if (index > c.lastUsed) c.lastUsed = index;
            }
            pump();
          },
          (error: unknown) => {
            inFlight--;
            failure ??= { error };
            pump();
          },
        );
      }
      if (inFlight === 0) finish();
    };

    pump();
  });
}
