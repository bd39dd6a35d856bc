/**
 * The `glint` CLI as a child process, for the CLI interop tests (test/interop/cli-*.test.ts):
 * `glint(args)` runs one command to its exit, and `CliLdkRig` is a regtest chain + Esplora + one
 * listening LDK node + a data dir, with `glint run` in the background (`startRun`).
 * No mocks: the CLI is the real cli/glint.ts, the chain is bcoin, the peer is LDK over TCP.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { access, mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { RegtestChain, createLdkNodeAtTip, startEsplora, type EsploraServer, type LdkFeed } from '../../playground/chain/index.ts';
import type { LdkNodeConfig } from '../../playground/ldk/config.ts';
import type { LdkNode } from '../../playground/ldk/node.ts';
import { nodeEntropy } from '../../cli/adapters/clock.ts';
import { FileKVStore } from '../../cli/adapters/file-store.ts';
import { WalletService } from '../../engine/node/wallet-service.ts';

export const PASSPHRASE = 'correct horse battery staple';

export interface Result {
  code: number | null;
  stdout: string;
  stderr: string;
  /** stdout parsed as JSON; undefined when empty or not JSON. */
  json: unknown;
}

/** Run `glint <args>` (GLINT_PASSPHRASE set unless `env` overrides it) to its exit. */
export function glint(args: string[], env: Record<string, string> = {}): Promise<Result> {
  return new Promise((resolve) => {
    const child = spawn(process.execPath, ['--import', 'tsx', 'cli/glint.ts', ...args], {
      stdio: ['ignore', 'pipe', 'pipe'],
      env: { ...process.env, GLINT_PASSPHRASE: PASSPHRASE, ...env },
    });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d) => (stdout += d));
    child.stderr.on('data', (d) => (stderr += d));
    child.on('close', (code) => {
      let json: unknown;
      try {
        json = stdout.trim() ? JSON.parse(stdout) : undefined;
      } catch {
        json = undefined;
      }
      resolve({ code, stdout, stderr, json });
    });
  });
}

/**
 * A wallet in `dir` as `glint init` writes it (FileKVStore + WalletService), made in-process with
 * cheap scrypt (log2N 10). The parameters are recorded in the store header, so every spawned
 * command unlocks with them: the default N = 2^17 costs ~1 s of CPU per unlock in every child,
 * which made the CLI tests slow and, on a loaded machine, time out. `glint init` itself, at the
 * default cost, is tested in cli-wallet.test.ts.
 */
export async function initWallet(dir: string, network: 'regtest' | 'bitcoin' = 'regtest'): Promise<{ nodeId: string }> {
  const raw = await FileKVStore.open(dir);
  const w = await WalletService.create({ raw, passphrase: PASSPHRASE, network, entropy: nodeEntropy, scrypt: { log2N: 10, r: 8, p: 1 } });
  const nodeId = w.nodeId;
  await w.close();
  return { nodeId };
}

export async function exists(path: string): Promise<boolean> {
  return access(path).then(
    () => true,
    () => false,
  );
}

/** A row of `glint channels`. */
export interface ChannelRow {
  channelId: string;
  peer: string;
  state: string;
  type: string | null;
  capacitySat: number;
  localMsat: number;
  remoteMsat: number;
  usable: boolean;
}

/** A regtest chain with its Esplora, one listening LDK node at the tip, and a Glint data dir (`data`). */
export class CliLdkRig {
  run: ChildProcess | undefined;
  runExit: Promise<number | null> | undefined;
  /** The node's JSON log of the latest `glint run` (stderr). */
  runLog = '';

  readonly chain: RegtestChain;
  readonly esplora: EsploraServer;
  readonly peer: { node: LdkNode; feed: LdkFeed; port: number };
  readonly dir: string;
  readonly data: string;

  private constructor(chain: RegtestChain, esplora: EsploraServer, peer: { node: LdkNode; feed: LdkFeed; port: number }, dir: string, data: string) {
    this.chain = chain;
    this.esplora = esplora;
    this.peer = peer;
    this.dir = dir;
    this.data = data;
  }

  /** `alias`/`config` for the LDK node; the data dir is `<tmp>/<dirPrefix>XXXXXX/alice`. */
  static async start(opts: { alias: string; config: LdkNodeConfig; dirPrefix: string }): Promise<CliLdkRig> {
    const chain = await RegtestChain.create();
    const esplora = await startEsplora(chain, { port: 0 });
    const ldk = await createLdkNodeAtTip(chain, { alias: opts.alias, config: opts.config });
    const peer = { ...ldk, port: await ldk.node.listen() };
    const dir = await mkdtemp(join(tmpdir(), opts.dirPrefix));
    return new CliLdkRig(chain, esplora, peer, dir, join(dir, 'alice'));
  }

  /** Kill a `glint run` still going, stop LDK, the Esplora and the chain, remove the dir. */
  async close(): Promise<void> {
    if (this.run && this.run.exitCode === null) {
      this.run.kill('SIGKILL');
      await this.runExit;
    }
    this.peer.feed.detach();
    await this.peer.node.stop();
    await this.esplora.close();
    await this.chain.close();
    await rm(this.dir, { recursive: true, force: true });
  }

  /** `--data <data> --esplora <url> ...args`. */
  node(...args: string[]): string[] {
    return ['--data', this.data, '--esplora', this.esplora.url, ...args];
  }

  /** Poll `probe` every 200 ms until it answers; the run log and LDK log tails on timeout. */
  async until<T>(probe: () => Promise<T | undefined>, what: string, timeoutMs = 30_000): Promise<T> {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      const v = await probe();
      if (v !== undefined) return v;
      if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}\nglint run log tail:\n${this.runLog.split('\n').slice(-20).join('\n')}\nLDK log tail:\n${this.peer.node.logs.slice(-10).join('\n')}`);
      await new Promise((r) => setTimeout(r, 200));
    }
  }

  /** Start `glint run` and resolve with its start line once its API is up. */
  async startRun(): Promise<{ nodeId: string; apiPort: number }> {
    this.runLog = '';
    const child = spawn(process.execPath, ['--import', 'tsx', 'cli/glint.ts', '--log-level', process.env['GLINT_LOG'] ?? 'info', ...this.node('run')], {
      stdio: ['ignore', 'pipe', 'pipe'],
      env: { ...process.env, GLINT_PASSPHRASE: PASSPHRASE, GLINT_POLL_MS: '200' },
    });
    this.run = child;
    const runExit = new Promise<number | null>((resolve) => child.on('exit', (code) => resolve(code)));
    this.runExit = runExit;
    child.stderr.on('data', (d) => (this.runLog += d));
    let out = '';
    return new Promise((resolve, reject) => {
      child.stdout.on('data', (d) => {
        out += d;
        const line = out.split('\n')[0];
        if (out.includes('\n') && line) {
          try {
            resolve(JSON.parse(line) as { nodeId: string; apiPort: number });
          } catch (err) {
            reject(err as Error);
          }
        }
      });
      void runExit.then((code) => reject(new Error(`glint run exited (${code}) before starting:\n${this.runLog}`)));
    });
  }
}
