/**
 * A Glint node as a killable "process", for the crash-consistency suite (issue 7 item 1,
 * test/interop/crash-*.test.ts) and the restart-to-ready bench.
 *
 * `CrashableProcess` wraps every port the node reaches the world through: the raw KVStore (the
 * "disk"), the Dialer and its sockets, the Clock and the chain's fetch. `kill()` is a process
 * death at that instant: open sockets are dropped (destroyed, no BOLT goodbye, nothing queued is
 * flushed), no timer fires again, no store call, socket byte or chain request leaves any more, and
 * every call in flight or made later never answers (its promise stays pending), so the dead node's
 * remaining JavaScript can change nothing outside its own memory. What survives is the raw store's
 * contents, exactly as its last completed write left them.
 *
 * `bootGlint` builds a GlintNode (engine/node/glint-node.ts) in such a process over a disk, with a
 * crash hook (PersistenceBarrier `crashHook`, engine/node/executor.ts) that records every
 * persistence point and kills the process at the one `crashAt` picks, right there: the barrier
 * stops in the same call. A restart is simply `bootGlint` again over the same disk.
 */
import {
  EsploraClient,
  GlintNode,
  MemoryKVStore,
  WalletService,
  generateMnemonic,
  type Clock,
  type CrashPoint,
  type Dialer,
  type FetchLike,
  type KVBatch,
  type KVStore,
  type Socket,
} from '../../engine/index.ts';
import { DEFAULT_CHANNEL_CONFIG } from '../../engine/channel/types.ts';
import { nodeClock, nodeEntropy } from '../../cli/adapters/clock.ts';
import { nodeDialer } from '../../cli/adapters/tcp-socket.ts';
import { PASSPHRASE, SCRYPT, logger, nodeFetch, type Env } from './glint-ldk.ts';

/** A promise that never settles: what a dead process's I/O answers. */
const never = <T>(): Promise<T> => new Promise<T>(() => {});

export class CrashableProcess {
  private dead = false;
  private readonly sockets = new Set<Socket>();
  private readonly timers = new Set<() => void>();

  get killed(): boolean {
    return this.dead;
  }

  /** Die now: drop every socket abruptly, stop every timer; all later I/O never answers. */
  kill(): void {
    if (this.dead) return;
    this.dead = true;
    for (const cancel of this.timers) cancel();
    this.timers.clear();
    // tcpSocket.close is node:net `destroy()`: the kernel closes the stream, unsent bytes are lost.
    for (const s of this.sockets) s.close();
    this.sockets.clear();
  }

  /** The disk: reads and writes pass through while alive. */
  store(inner: KVStore): KVStore {
    return {
      get: (key: string) => (this.dead ? never() : this.after(inner.get(key))),
      keys: (prefix: string) => (this.dead ? never() : this.after(inner.keys(prefix))),
      write: (batch: KVBatch) => (this.dead ? never() : this.after(inner.write(batch))),
      // Closing is the node's clean shutdown; the disk itself outlives the process.
      close: () => Promise.resolve(),
    };
  }

  dialer(inner: Dialer): Dialer {
    return {
      dial: async (target, timeoutMs) => {
        if (this.dead) return never();
        const socket = await inner.dial(target, timeoutMs);
        if (this.dead) {
          socket.close();
          return never();
        }
        return this.socket(socket);
      },
    };
  }

  clock(inner: Clock): Clock {
    return {
      now: () => inner.now(),
      setTimer: (ms, fn) => {
        if (this.dead) return () => {};
        const cancel = inner.setTimer(ms, () => {
          this.timers.delete(cancel);
          if (!this.dead) fn();
        });
        this.timers.add(cancel);
        return () => {
          this.timers.delete(cancel);
          cancel();
        };
      },
    };
  }

  /** The chain's HTTP: a request made before the death may still reach the server; no answer comes back. */
  fetch(inner: FetchLike): FetchLike {
    return (url, init) => (this.dead ? never() : this.after(inner(url, init)));
  }

  private socket(inner: Socket): Socket {
    this.sockets.add(inner);
    return {
      remote: inner.remote,
      start: (h) =>
        inner.start({
          data: (bytes) => {
            if (!this.dead) h.data(bytes);
          },
          closed: (reason) => {
            this.sockets.delete(inner);
            if (!this.dead) h.closed(reason);
          },
        }),
      write: (bytes) => {
        if (!this.dead) inner.write(bytes);
      },
      close: () => {
        if (this.dead) return;
        this.sockets.delete(inner);
        inner.close();
      },
    };
  }

  /** `p`'s answer, unless the process died meanwhile (then none). */
  private after<T>(p: Promise<T>): Promise<T> {
    return p.then(
      (v) => (this.dead ? never<T>() : v),
      (err: unknown) => (this.dead ? never<T>() : Promise.reject(err)),
    );
  }
}

/** A persistence point as the suite names it across runs: what the batch does, where it stands. */
export function pointSignature(p: CrashPoint): string {
  const scope = p.scope.startsWith('channel:') ? 'channel' : p.scope;
  // Ids and txids differ from run to run; the shape of the batch does not.
  return `${scope} ${p.phase}${p.ran !== undefined ? `#${p.ran}` : ''} [${p.keys.join(',')}] ${p.effects.join('; ')}`.replace(/[0-9a-f]{64}/g, '<id>');
}

/** Picks the `occurrence`-th (1-based) point with `signature`. */
export interface CrashTarget {
  readonly signature: string;
  readonly occurrence: number;
}

/** Every recorded point with its occurrence number among points of the same signature. */
export function targetsOf(points: readonly CrashPoint[]): CrashTarget[] {
  const seen = new Map<string, number>();
  return points.map((p) => {
    const signature = pointSignature(p);
    const occurrence = (seen.get(signature) ?? 0) + 1;
    seen.set(signature, occurrence);
    return { signature, occurrence };
  });
}

export interface GlintProcess {
  readonly node: GlintNode;
  readonly wallet: WalletService;
  readonly process: CrashableProcess;
  /** The disk the process runs over (it outlives the process). */
  readonly disk: MemoryKVStore;
  /** Points hit while `armed` (all of them, crash or not), in order. */
  readonly points: CrashPoint[];
  /** Start recording (and crashing, at `crashAt` if given here or at boot): points before this are not counted. */
  arm(crashAt?: CrashTarget): void;
  /** Resolves with the point the process died at. */
  readonly crashed: Promise<CrashPoint>;
  /** Stop the node cleanly (a process that is not killed). */
  stop(): Promise<void>;
}

export interface BootOptions {
  /** Make a new wallet (24 fresh words) on the empty disk instead of unlocking the one there. */
  readonly create?: boolean;
  /** Kill the process at the first armed point matching this target. */
  readonly crashAt?: CrashTarget;
  /** Record and crash from the first point (default: only after `arm()`). */
  readonly armed?: boolean;
  /** Chain tip poll cadence (default 0: the test drives `node.poll()`). */
  readonly pollIntervalMs?: number;
}

/** A GlintNode in a CrashableProcess over `disk` (see the file comment), started (peers redialled). */
export async function bootGlint(env: Env, disk: MemoryKVStore, opts: BootOptions = {}): Promise<GlintProcess> {
  const proc = new CrashableProcess();
  const raw = proc.store(disk);
  const wallet = opts.create
    ? await WalletService.create({ raw, passphrase: PASSPHRASE, network: 'regtest', entropy: nodeEntropy, mnemonic: generateMnemonic(nodeEntropy, 24), scrypt: SCRYPT })
    : await WalletService.open({ raw, passphrase: PASSPHRASE, entropy: nodeEntropy });
  const clock = proc.clock(nodeClock);
  const chain = new EsploraClient({ baseUrl: env.esplora.url, fetch: proc.fetch(nodeFetch), clock, abort: () => new AbortController(), timeoutMs: 10_000, network: 'regtest' });
  const points: CrashPoint[] = [];
  const seen = new Map<string, number>();
  let armed = opts.armed ?? false;
  let crashAt = opts.crashAt;
  let onCrash: (p: CrashPoint) => void = () => {};
  const crashed = new Promise<CrashPoint>((resolve) => (onCrash = resolve));
  const node = new GlintNode({
    wallet,
    chain,
    dialer: proc.dialer(nodeDialer),
    clock,
    entropy: nodeEntropy,
    logger,
    pollIntervalMs: opts.pollIntervalMs ?? 0,
    session: { pingIntervalMs: 0 },
    feeratePerKw: 253,
    fundingFee: { feeRate: 2 },
    channelConfig: { ...DEFAULT_CHANNEL_CONFIG, minimumDepth: 1 },
    crashHook: (p) => {
      if (!armed) return undefined;
      points.push(p);
      const signature = pointSignature(p);
      const n = (seen.get(signature) ?? 0) + 1;
      seen.set(signature, n);
      if (crashAt && crashAt.signature === signature && crashAt.occurrence === n) {
        proc.kill();
        onCrash(p);
        return 'crash';
      }
      return undefined;
    },
  });
  await node.start();
  return {
    node,
    wallet,
    process: proc,
    disk,
    points,
    arm: (target) => {
      armed = true;
      if (target) crashAt = target;
    },
    crashed,
    stop: () => node.stop(),
  };
}

/** A new disk holding a fresh wallet with `fundSat` faucet coins (none for 0; confirmed once the caller mines). */
export async function newDisk(env: Env, fundSat: number): Promise<MemoryKVStore> {
  const disk = new MemoryKVStore();
  const p = await bootGlint(env, disk, { create: true });
  if (fundSat > 0) await env.chain.faucet(await p.node.receiveAddress(), fundSat, { mine: false });
  await p.stop();
  return disk;
}
