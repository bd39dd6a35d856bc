/**
 * Feeding a `RegtestChain` to LDK nodes, and LDK's broadcasts back into the chain's mempool.
 *
 * Per connected block, on BOTH `channelManager.as_Confirm()` and `chainMonitor.as_Confirm()`
 * (the monitor is what watches for on-chain closes): `transactions_confirmed(header, every tx of
 * the block with its index, height)` then `best_block_updated(header, height)`. Per disconnected
 * block: `transaction_unconfirmed(txid)` for each of its txs, then `best_block_updated` with the
 * new tip. Each block goes in through `node.run`, which pumps LDK afterwards. (LDK's Listen API
 * panics on an unlinked header; the Confirm API is the one that takes reorgs.)
 *
 * Broadcasts: `LdkNode` collects what its BroadcasterInterface gets in `node.broadcasts`; the feed
 * wraps that array's `push` to submit each new tx to the chain (asynchronously — LDK is inside
 * its own call at that moment). Results are kept in `feed.submissions`; a rejection (e.g. a
 * rebroadcast of a confirmed tx, or the second commitment after both sides force-close) is normal.
 */
import type { LdkNode, LdkNodeOptions } from '../ldk/node.ts';
import type { BlockEvent, ChainBlock, ChainTipInfo, RegtestChain, SubmitResult } from './regtest-chain.ts';

export interface LdkFeedOptions {
  /** Submit what the node broadcasts to the chain's mempool (default true). */
  submitBroadcasts?: boolean;
  /** Also submit what the node broadcast before it was attached (default true). */
  submitExisting?: boolean;
  /** Called with each submission's result. */
  onSubmission?: (submission: BroadcastSubmission) => void;
}

export interface BroadcastSubmission {
  readonly raw: Uint8Array;
  readonly result: SubmitResult;
}

export interface LdkFeed {
  readonly node: LdkNode;
  /** Every broadcast submitted to the chain so far, with its result, oldest first. */
  readonly submissions: readonly BroadcastSubmission[];
  /** Resolves once every broadcast seen so far has been submitted. */
  flush(): Promise<void>;
  /** Stop feeding blocks and submitting broadcasts. */
  detach(): void;
}

/** The chain tip as LdkNode's `bestBlock` option wants it (hash in LDK's = internal byte order). */
export function ldkBestBlock(chain: RegtestChain): { hash: Uint8Array; height: number } {
  return { hash: internalBytes(chain.tipHash), height: chain.height };
}

/** Create an LdkNode that starts at the chain's current tip, and attach it. */
export async function createLdkNodeAtTip(
  chain: RegtestChain,
  options: Omit<LdkNodeOptions, 'network' | 'bestBlock'> = {},
  feedOptions: LdkFeedOptions = {},
): Promise<{ node: LdkNode; feed: LdkFeed }> {
  const { LdkNode } = await import('../ldk/node.ts');
  await chain.idle();
  const node = await LdkNode.create({ ...options, network: 'regtest', bestBlock: ldkBestBlock(chain) });
  try {
    return { node, feed: attachLdk(chain, node, feedOptions) };
  } catch (error) {
    // E.g. a restored node whose best block is not on this chain: stop it, nothing left running.
    await node.stop();
    throw error;
  }
}

const internalBytes = (displayHex: string): Uint8Array => Uint8Array.from(Buffer.from(displayHex, 'hex').reverse());
const displayHex = (internal: Uint8Array): string => Buffer.from(internal).reverse().toString('hex');

/**
 * Feed every future block of `chain` to `node`. A node whose best block is an ancestor of the
 * chain tip (e.g. a fresh node at genesis) is first caught up block by block; a node whose best
 * block is not on this chain is refused.
 */
export function attachLdk(chain: RegtestChain, node: LdkNode, options: LdkFeedOptions = {}): LdkFeed {
  const ldk = node.ldk;
  const confirms = [node.channelManager.as_Confirm(), node.chainMonitor.as_Confirm()];

  /** A stopped node just stops listening; any other failure (e.g. an LDK panic) propagates. */
  const feeding = (work: () => void): void => {
    try {
      work();
    } catch (error) {
      if (error instanceof Error && error.message === `${node.alias}: stopped`) return feed.detach();
      throw error;
    }
  };
  const connect = (block: ChainBlock): void =>
    feeding(() =>
      node.run(() => {
        for (const confirm of confirms) {
          const txdata = block.txs.map((tx, index) => ldk.TwoTuple_usizeTransactionZ.constructor_new(index, tx.raw));
          confirm.transactions_confirmed(block.header, txdata, block.height);
          confirm.best_block_updated(block.header, block.height);
        }
      }),
    );
  const disconnect = (block: ChainBlock, tip: ChainTipInfo): void =>
    feeding(() =>
      node.run(() => {
        for (const confirm of confirms) {
          for (const tx of block.txs) confirm.transaction_unconfirmed(internalBytes(tx.txid));
          confirm.best_block_updated(tip.header, tip.height);
        }
      }),
    );

  const best = node.channelManager.current_best_block();
  const bestHeight = best.get_height();
  const bestHash = displayHex(best.get_block_hash());
  if (chain.index.blockAt(bestHeight)?.hash !== bestHash) {
    throw new Error(`${node.alias}: its best block ${bestHash} at height ${bestHeight} is not on this chain (tip ${chain.tipHash} at ${chain.height})`);
  }
  let unsubscribe = (): void => {};

  // Broadcasts.
  const submissions: BroadcastSubmission[] = [];
  let pending: Promise<void> = Promise.resolve();
  let detached = false;
  const submit = (raw: Uint8Array): void => {
    const copy = Uint8Array.from(raw);
    pending = pending.then(async () => {
      if (detached) return;
      const result = await chain.submit(copy).catch((error: unknown): SubmitResult => ({ ok: false, code: 0, message: String(error) }));
      const submission = { raw: copy, result };
      submissions.push(submission);
      options.onSubmission?.(submission);
    });
  };
  const broadcasts = node.broadcasts;
  const hadOwnPush = Object.prototype.hasOwnProperty.call(broadcasts, 'push');
  const previousPush = broadcasts.push;
  if (options.submitBroadcasts ?? true) {
    if (options.submitExisting ?? true) for (const raw of broadcasts) submit(raw);
    broadcasts.push = function push(this: Uint8Array[], ...txs: Uint8Array[]): number {
      const length = previousPush.apply(this, txs);
      for (const raw of txs) submit(raw);
      return length;
    };
  }

  const feed: LdkFeed = {
    node,
    submissions,
    flush: async () => {
      let seen: Promise<void> | undefined;
      while (seen !== pending) {
        seen = pending;
        await seen;
      }
    },
    detach: () => {
      if (detached) return;
      detached = true;
      unsubscribe();
      if (hadOwnPush) broadcasts.push = previousPush;
      else delete (broadcasts as { push?: unknown }).push;
    },
  };

  // Catch up from the node's best block, then follow the chain.
  for (let height = bestHeight + 1; height <= chain.height; height++) connect(chain.block(height)!);
  unsubscribe = chain.onBlock((event: BlockEvent) => {
    if (event.type === 'connect') connect(event.block);
    else disconnect(event.block, event.tip);
  });
  return feed;
}
