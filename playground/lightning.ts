/**
 * The playground's two LDK nodes on the regtest chain:
 *
 * - **hub**: the Glint user's peer. It accepts the channels Glint opens (minimum_depth 1), opens
 *   channels to Glint on request (inbound liquidity; zero-conf when Glint trusts the hub, BOLT 2
 *   `channel_type` option_zeroconf, as test/interop/bolt02-zero-conf-ldk.test.ts shows), pays
 *   Glint invoices and keysends, and forwards (BOLT 4) to the shop.
 * - **shop**: has one confirmed channel from the hub (the hub funds it, so the hub can forward to
 *   it); its BOLT 11 invoices carry a route hint for that unannounced channel, so Glint pays it
 *   through the hub.
 *
 * Funding comes from the chain's faucet to one regtest wallet per funder (RegtestWallet), spent in
 * full by the funding tx. `log` keeps what the nodes saw (their LDK events) for the page.
 */
import type { Event } from 'lightningdevkit';
import { createLdkNodeAtTip, RegtestWallet } from './chain/index.ts';
import type { LdkFeed, RegtestChain } from './chain/index.ts';
import type { LdkNode } from './ldk/node.ts';
import type { LdkNodeFiles } from './ldk/node-files.ts';

export interface PlaygroundPeer {
  readonly name: 'hub' | 'shop';
  readonly node: LdkNode;
  readonly feed: LdkFeed;
  /** The TCP port it listens on. */
  readonly port: number;
  /** It came back from the state in `--data` (same keys, same channels). */
  readonly restored: boolean;
}

export interface LogLine {
  /** Unix milliseconds. */
  readonly at: number;
  readonly node: 'hub' | 'shop' | 'chain' | 'playground';
  readonly text: string;
}

/** What the nodes and the playground saw, newest last (bounded). */
export class PlaygroundLog {
  readonly lines: LogLine[] = [];
  private seq = 0;
  private readonly max: number;
  private readonly echo: ((line: LogLine) => void) | undefined;
  constructor(max = 500, echo?: (line: LogLine) => void) {
    this.max = max;
    this.echo = echo;
  }
  add(node: LogLine['node'], text: string): void {
    const line = { at: Date.now(), node, text };
    this.lines.push(line);
    this.seq++;
    if (this.lines.length > this.max) this.lines.splice(0, this.lines.length - this.max);
    this.echo?.(line);
  }
  /** Lines after the `since`-th one ever added (a cursor for polling), and the new cursor. */
  after(since: number): { lines: LogLine[]; next: number } {
    const dropped = this.seq - this.lines.length;
    return { lines: this.lines.slice(Math.max(0, since - dropped)), next: this.seq };
  }
}

const hexOf = (b: Uint8Array): string => Buffer.from(b).toString('hex');

/** One line per LDK event that tells a user something (the rest are LDK housekeeping). */
export function describeEvent(event: Event): string | undefined {
  const name = event.constructor.name.replace(/^Event_/, '');
  const e = event as unknown as Record<string, unknown>;
  const sat = (msat: unknown): string => (typeof msat === 'bigint' ? `${msat / 1000n} sat` : '');
  switch (name) {
    case 'PaymentClaimed':
      return `received ${sat(e.amount_msat)} (payment ${hexOf(e.payment_hash as Uint8Array).slice(0, 16)}…)`;
    case 'PaymentSent':
      return `payment ${hexOf(e.payment_hash as Uint8Array).slice(0, 16)}… sent`;
    case 'PaymentFailed': {
      // payment_hash is an Option here (None for a failed BOLT 12 invoice request).
      const hash = (e.payment_hash as { some?: unknown } | undefined)?.some;
      return hash instanceof Uint8Array ? `payment ${hexOf(hash).slice(0, 16)}… failed` : 'a payment failed';
    }
    case 'PaymentForwarded': {
      const amount = (e.outbound_amount_forwarded_msat as { some?: unknown } | undefined)?.some;
      const fee = (e.total_fee_earned_msat as { some?: unknown } | undefined)?.some;
      return `forwarded ${sat(amount)}${typeof fee === 'bigint' ? ` (fee ${fee} msat)` : ''}`.trim();
    }
    case 'ChannelPending':
      return `channel ${hexOf((e.channel_id as { get_a(): Uint8Array }).get_a()).slice(0, 16)}… pending with ${hexOf(e.counterparty_node_id as Uint8Array).slice(0, 16)}…`;
    case 'ChannelReady':
      return `channel ${hexOf((e.channel_id as { get_a(): Uint8Array }).get_a()).slice(0, 16)}… ready with ${hexOf(e.counterparty_node_id as Uint8Array).slice(0, 16)}…`;
    case 'ChannelClosed':
      return `channel ${hexOf((e.channel_id as { get_a(): Uint8Array }).get_a()).slice(0, 16)}… closed`;
    case 'HTLCHandlingFailed':
      return 'failed an HTLC back';
    case 'PaymentClaimable':
    case 'PendingHTLCsForwardable':
    case 'PaymentPathSuccessful':
    case 'PaymentPathFailed':
    case 'FundingGenerationReady':
    case 'SpendableOutputs':
    case 'DiscardFunding':
      return name;
    default:
      return undefined;
  }
}

/**
 * A listening LDK node at the chain tip, fed every block; its events go to `log`. With `files`
 * (`--data`) its seed and state come from there (restored, then caught up from its own best
 * block) and everything it persists is written there; without, it gets `seed`.
 */
export async function startPeer(chain: RegtestChain, name: 'hub' | 'shop', port: number, host: string, log: PlaygroundLog, seed: Uint8Array, files?: LdkNodeFiles): Promise<PlaygroundPeer> {
  let made: Awaited<ReturnType<typeof createLdkNodeAtTip>>;
  let restore: ReturnType<LdkNodeFiles['load']>;
  try {
    restore = files?.load();
    made = await createLdkNodeAtTip(chain, {
      alias: `playground-${name}`,
      seed: files ? files.seed() : seed,
      ...(restore ? { restore } : {}),
      ...(files ? { persist: files } : {}),
      // Glint's channels need one confirmation; the hub may hold the whole channel in HTLCs; it
      // forwards into unannounced channels (Glint's and the shop's are private).
      config: { minimumDepth: 1, maxInboundHtlcValueInFlightPercent: 100, acceptForwardsToPrivChannels: true },
    });
  } catch (error) {
    if (!files) throw error;
    throw new Error(`${name}: cannot start from ${files.dir}: ${(error as Error).message}`, { cause: error });
  }
  const { node, feed } = made;
  node.onEvent((event) => {
    let text: string | undefined;
    try {
      text = describeEvent(event);
    } catch (error) {
      text = `${event.constructor.name} (not described: ${(error as Error).message})`;
    }
    if (text) log.add(name, text);
  });
  let bound: number;
  try {
    bound = await node.listen(port, host);
  } catch (error) {
    feed.detach();
    await node.stop();
    throw new Error(`${name}: cannot listen on ${host}:${port}: ${(error as Error).message}`, { cause: error });
  }
  return { name, node, feed, port: bound, restored: restore !== undefined };
}

/** Is a channel of `node` with `peerHex` usable (LDK `list_usable_channels`)? */
export function usableWith(node: LdkNode, peerHex: string): boolean {
  return node.payments.channelBalances().some((c) => c.counterparty === peerHex && c.usable);
}

/** Poll `check` (after LDK pumps) until it holds. */
export async function waitUntil(check: () => boolean, what: string, timeoutMs = 30_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!check()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

/**
 * `from` opens a `fundingSat` channel to the connected peer `to` (node id), funded by a fresh
 * faucet coin of `from`'s funding wallet; resolves once the funding tx is in the mempool.
 */
export async function openFrom(chain: RegtestChain, from: PlaygroundPeer, to: Uint8Array, fundingSat: bigint, pushMsat = 0n): Promise<{ channelId: string; fundingTxid: string }> {
  const wallet = RegtestWallet.fromSeed(`glint playground ${from.name} funding ${hexOf(to)} ${Date.now()} ${Math.random()}`);
  const coinValue = Number(fundingSat) + 10_000;
  const coin = await chain.faucet(wallet.script, coinValue, { mine: false });
  let fundingTxid = '';
  const opened = await from.node.openChannelTo(
    to,
    fundingSat,
    (script, valueSat) => {
      const tx = wallet.pay({ inputs: [{ txid: coin.txid, vout: coin.vout, value: coinValue }], outputs: [{ script, value: Number(valueSat) }] });
      fundingTxid = tx.txid;
      return tx.raw;
    },
    pushMsat > 0n ? { pushMsat } : {},
  );
  await waitUntil(() => chain.mempoolTxids().includes(fundingTxid), 'the funding tx in the mempool');
  return { channelId: opened.channelId, fundingTxid };
}

/**
 * The hub opens a channel to the shop and it is mined until usable on both (its channel_update
 * exchanged, so the shop's invoices carry a route hint through the hub).
 */
export async function connectShop(chain: RegtestChain, hub: PlaygroundPeer, shop: PlaygroundPeer, fundingSat: bigint): Promise<string> {
  await hub.node.connect(shop.node.nodeId, '127.0.0.1', shop.port);
  await shop.node.waitForPeer(hub.node.nodeIdHex);
  // Restored from --data: the channel is there already (reestablished on connect), not opened again.
  const existing = hub.node.payments.channelBalances().find((c) => c.counterparty === shop.node.nodeIdHex);
  if (existing) {
    await waitUntil(() => usableWith(hub.node, shop.node.nodeIdHex) && usableWith(shop.node, hub.node.nodeIdHex), 'the restored hub→shop channel usable on both');
    return existing.channelId;
  }
  const { channelId } = await openFrom(chain, hub, shop.node.nodeId, fundingSat);
  await chain.mine(1);
  await waitUntil(() => usableWith(hub.node, shop.node.nodeIdHex) && usableWith(shop.node, hub.node.nodeIdHex), 'the hub→shop channel usable on both');
  return channelId;
}
