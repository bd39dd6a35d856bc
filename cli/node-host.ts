/**
 * Hosting a `GlintNode` in this process: the wallet in `--data` (FileKVStore + its lock), the
 * Esplora client of `--esplora`, TCP peers, the Node clock. Used by `glint run` and by every
 * channel command when no `glint run` answers on the same `--data`.
 */
import { GlintNode, type Logger, type StartOptions, type WalletService } from '../engine/index.ts';
import { nodeClock, nodeEntropy, stderrLogger } from './adapters/clock.ts';
import { nodeDialer } from './adapters/tcp-socket.ts';
import type { ParsedCommand } from './args.ts';
import { fileBackupSink } from './backup-file.ts';
import { esploraFor, requireData, withWallet } from './wallet.ts';

export type Env = Readonly<Record<string, string | undefined>>;

export interface HostOptions extends StartOptions {
  readonly logger?: Logger;
  /** Chain poll cadence (default the node's, 10 s; GLINT_POLL_MS overrides it). */
  readonly pollIntervalMs?: number;
  /** Claim keysend (spontaneous) payments sent to us (default true; `glint run --no-keysend` refuses them). */
  readonly acceptKeysend?: boolean;
}

/** Build the node on the wallet in `--data`. */
export function buildNode(cmd: ParsedCommand, env: Env, wallet: WalletService, opts: HostOptions = {}): GlintNode {
  const poll = opts.pollIntervalMs ?? pollFromEnv(env);
  return new GlintNode({
    wallet,
    chain: esploraFor(cmd, wallet.network),
    dialer: nodeDialer,
    clock: nodeClock,
    entropy: nodeEntropy,
    logger: opts.logger ?? stderrLogger(cmd.global.logLevel),
    // <data>/backup.glint is rewritten at start and after every channel open or close.
    backupSink: fileBackupSink(requireData(cmd)),
    ...(poll !== undefined ? { pollIntervalMs: poll } : {}),
    ...(opts.acceptKeysend !== undefined ? { acceptKeysend: opts.acceptKeysend } : {}),
  });
}

function pollFromEnv(env: Env): number | undefined {
  const v = env.GLINT_POLL_MS;
  if (v === undefined || v === '') return undefined;
  if (!/^[0-9]+$/.test(v)) throw new Error(`GLINT_POLL_MS must be a whole number of milliseconds, got "${v}"`);
  return Number(v);
}

/** Open the wallet, start a node on it, run `fn`, then stop the node and close the wallet (releasing the lock). */
export function withNode<T>(cmd: ParsedCommand, env: Env, opts: HostOptions, fn: (node: GlintNode) => Promise<T>): Promise<T> {
  return withWallet(cmd, env, async (wallet) => {
    const node = buildNode(cmd, env, wallet, opts);
    await node.start(opts);
    try {
      return await fn(node);
    } finally {
      await node.stop();
    }
  });
}
