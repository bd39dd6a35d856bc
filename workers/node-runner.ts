/**
 * Runs the Lightning node (the engine's GlintNode) on the open wallet: one node per wallet, built
 * when the wallet opens (or its chain source changes) and stopped before the wallet closes. Its
 * peer and channel events go to the UI; while it runs it is the node the Peers screen talks to
 * (one identity on the wire: the wallet's key).
 *
 * A node that fails to start (Esplora unreachable for its first sync, say) is retried on the
 * wallet's next successful sync, and its reason is what channel calls report meanwhile.
 */
import { errorMessage, type Logger, type PeerInfo } from '../engine/index.ts';
import type { ChannelEngine, EngineEvent } from './channel-host.ts';
import type { WalletEngine } from './wallet-host.ts';

/** What the runner needs of a started node (GlintNode satisfies it). */
export interface RunningNode extends ChannelEngine {
  readonly nodeId: string;
  start(): Promise<void>;
  stop(): Promise<void>;
  subscribe(fn: (e: EngineEvent) => void): () => void;
  peers(): PeerInfo[];
  connect(uri: string, opts?: { proxy?: string }): Promise<PeerInfo>;
  /** Not every build of GlintNode has these; the Peers screen says so when missing. */
  disconnect?(nodeId: string): void;
  ping?(nodeId: string): Promise<number>;
}

export interface NodeRunnerOptions {
  /** Build (not start) a node on `wallet` reading `chain`. */
  build(wallet: WalletEngine, chain: unknown): RunningNode;
  logger: Logger;
  /** The node now serving (or null). */
  onNode(node: RunningNode | null): void;
  onEvent(e: EngineEvent): void;
}

export class NodeRunner {
  readonly #o: NodeRunnerOptions;
  #node: RunningNode | null = null;
  /** The node being started (its peers may connect before its start resolves). */
  #startingNode: RunningNode | null = null;
  #starting: Promise<void> | null = null;
  #unsubscribe: (() => void) | null = null;
  #wallet: WalletEngine | null = null;
  #chain: unknown = null;
  #error: string | null = null;

  constructor(options: NodeRunnerOptions) {
    this.#o = options;
  }

  /** The running node, or null (no wallet open, still starting, or failed: see `error`). */
  get node(): RunningNode | null {
    return this.#node;
  }

  get error(): string | null {
    return this.#error;
  }

  get starting(): boolean {
    return this.#starting !== null;
  }

  /** The connected peers of the running node, or of the one still starting (it redials first). */
  peers(): PeerInfo[] {
    return (this.#node ?? this.#startingNode)?.peers() ?? [];
  }

  /**
   * The wallet opened (or changed chain source): start a node on it. Resolves when that start
   * has finished, well or not (never rejects; a failure is in `error`).
   */
  opened(wallet: WalletEngine, chain: unknown): Promise<void> {
    this.#wallet = wallet;
    this.#chain = chain;
    this.#error = null;
    return this.#start();
  }

  /** Try again after a failed start (the wallet synced fine since). */
  retry(): void {
    if (this.#wallet && !this.#node && !this.#starting && this.#error !== null) void this.#start();
  }

  /** Stop the node before the wallet closes. */
  async closing(): Promise<void> {
    this.#wallet = null;
    this.#chain = null;
    await this.#starting?.catch(() => {});
    const node = this.#node;
    const unsubscribe = this.#unsubscribe;
    this.#node = null;
    this.#unsubscribe = null;
    this.#error = null;
    if (!node) return;
    this.#o.onNode(null);
    try {
      // Still listening while it stops: its peers' disconnections reach the UI.
      await node.stop();
    } catch (err) {
      this.#o.logger.log('warn', `lightning node: stop failed: ${errorMessage(err)}`);
    } finally {
      unsubscribe?.();
    }
  }

  #start(): Promise<void> {
    const wallet = this.#wallet;
    if (!wallet || this.#starting) return this.#starting ?? Promise.resolve();
    const run = (async () => {
      let node: RunningNode;
      try {
        node = this.#o.build(wallet, this.#chain);
      } catch (err) {
        this.#error = errorMessage(err);
        this.#o.logger.log('warn', `lightning node: could not be built: ${this.#error}`);
        return;
      }
      const unsubscribe = node.subscribe((e) => this.#o.onEvent(e));
      this.#startingNode = node;
      try {
        await node.start();
      } catch (err) {
        unsubscribe();
        this.#error = errorMessage(err);
        this.#o.logger.log('warn', `lightning node: did not start (${this.#error}); retrying after the next wallet sync`);
        return;
      }
      if (this.#wallet !== wallet) {
        // Closed (or reopened) while starting.
        unsubscribe();
        await node.stop().catch(() => {});
        return;
      }
      this.#node = node;
      this.#unsubscribe = unsubscribe;
      this.#error = null;
      this.#o.logger.log('info', `lightning node ${node.nodeId.slice(0, 16)}… running: ${node.channels().length} channel(s)`);
      this.#o.onNode(node);
    })();
    this.#starting = run.finally(() => {
      this.#starting = null;
      this.#startingNode = null;
    });
    return this.#starting;
  }
}
