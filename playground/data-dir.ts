/**
 * `npm start -- --data <dir>`: the whole playground world kept across restarts.
 *
 *   <dir>/LOCK, <dir>/store.log   the playground's own FileKVStore (cli/adapters/file-store.ts):
 *                                 its LOCK ({"pid","host","since"}) lets one playground at a time
 *                                 use the directory (a stale lock from a dead pid is taken over);
 *                                 it holds what the nodes were paid (`claimed/<node>/<hash>`), so a
 *                                 shop order paid before a restart still shows paid
 *   <dir>/chain/                  the regtest chain's FileKVStore (chain/chain-store.ts)
 *   <dir>/hub/, <dir>/shop/       each LDK node's seed, ChannelManager, ChannelMonitors (ldk/node-files.ts)
 *
 * Without `--data` none of this exists and nothing is written.
 */
import { accessSync, constants as fsc, mkdirSync, readFileSync, statSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { FileKVStore, StoreLockedError } from '../cli/adapters/file-store.ts';
import { LdkNodeFiles } from './ldk/node-files.ts';
import type { LdkClaimedPayment } from './ldk/payments.ts';

/** `--data <dir>` cannot be used; names the directory and why. */
export class DataDirError extends Error {
  override readonly name = 'DataDirError';
}

export interface PlaygroundData {
  readonly dir: string;
  /** The playground's own records (and the directory's lock). */
  readonly root: FileKVStore;
  readonly chain: FileKVStore;
  readonly hub: LdkNodeFiles;
  readonly shop: LdkNodeFiles;
  /** Close the stores and release the lock (after the chain and nodes have stopped). */
  close(): Promise<void>;
}

const fail = (dir: string, why: string, cause?: unknown): DataDirError => new DataDirError(`--data ${dir}: ${why}`, cause === undefined ? undefined : { cause });

/** Check that `dir` is (or can be made) a writable directory, then lock it and open its parts. */
export async function openDataDir(dir: string): Promise<PlaygroundData> {
  const path = resolve(dir);
  let isDir: boolean;
  try {
    isDir = statSync(path).isDirectory();
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== 'ENOENT') throw fail(dir, `cannot be read (${(error as Error).message})`, error);
    try {
      mkdirSync(path, { recursive: true, mode: 0o700 });
    } catch (e) {
      throw fail(dir, `cannot be created (${(e as Error).message})`, e);
    }
    isDir = true;
  }
  if (!isDir) throw fail(dir, 'is not a directory');
  try {
    accessSync(path, fsc.R_OK | fsc.W_OK | fsc.X_OK);
  } catch (error) {
    throw fail(dir, 'is not writable', error);
  }
  let root: FileKVStore;
  try {
    root = await FileKVStore.open(path);
  } catch (error) {
    if (error instanceof StoreLockedError) throw fail(dir, `another playground is using it${lockHolder(path)}; stop it first (${error.message})`, error);
    throw fail(dir, `cannot be used (${(error as Error).message})`, error);
  }
  let chain: FileKVStore | undefined;
  try {
    chain = await FileKVStore.open(resolve(path, 'chain'));
    const hub = LdkNodeFiles.open(resolve(path, 'hub'));
    const shop = LdkNodeFiles.open(resolve(path, 'shop'));
    const opened = chain;
    const orphan = [hub, shop].find((n) => n.hasState());
    if (orphan && (await chain.keys('')).length === 0) {
      throw new DataDirError(`${orphan.dir} holds a node's state but ${resolve(path, 'chain')} holds no chain (was it deleted?): its channels cannot be followed on a new chain; move the directory aside to start a new world`);
    }
    return {
      dir: path,
      root,
      chain: opened,
      hub,
      shop,
      close: async () => {
        await opened.close().catch(() => {});
        await root.close();
      },
    };
  } catch (error) {
    await chain?.close().catch(() => {});
    await root.close().catch(() => {});
    throw fail(dir, error instanceof DataDirError ? error.message : `cannot be used (${(error as Error).message})`, error);
  }
}

/** ` (pid N since T)` from `<dir>/LOCK`, or '' when it cannot be read. */
function lockHolder(path: string): string {
  try {
    const lock = JSON.parse(readFileSync(join(path, 'LOCK'), 'utf8')) as { pid?: unknown; since?: unknown };
    return Number.isInteger(lock.pid) ? ` (pid ${String(lock.pid)}${typeof lock.since === 'string' ? ` since ${lock.since}` : ''})` : '';
  } catch {
    return '';
  }
}

const claimedKey = (node: string, paymentHash: string): string => `claimed/${node}/${paymentHash}`;

export function encodeClaimed(c: LdkClaimedPayment): Uint8Array {
  return new TextEncoder().encode(JSON.stringify({ v: 1, paymentHash: c.paymentHash, amountMsat: c.amountMsat.toString(), purpose: c.purpose, parts: c.parts }));
}

/** A stored claim, or undefined for a record this code does not understand (skipped, not fatal). */
export function decodeClaimed(bytes: Uint8Array): LdkClaimedPayment | undefined {
  try {
    const v = JSON.parse(new TextDecoder('utf-8', { fatal: true }).decode(bytes)) as Record<string, unknown>;
    if (v.v !== 1 || typeof v.paymentHash !== 'string' || !/^[0-9a-f]{64}$/.test(v.paymentHash)) return undefined;
    if (typeof v.amountMsat !== 'string' || !/^\d{1,20}$/.test(v.amountMsat)) return undefined;
    if (v.purpose !== 'invoice' && v.purpose !== 'keysend') return undefined;
    if (!Number.isSafeInteger(v.parts) || (v.parts as number) < 1) return undefined;
    return { paymentHash: v.paymentHash, amountMsat: BigInt(v.amountMsat), purpose: v.purpose, parts: v.parts as number };
  } catch {
    return undefined;
  }
}

/** What `node` was paid in earlier runs (by payment hash). */
export async function loadClaimed(root: FileKVStore, node: string): Promise<LdkClaimedPayment[]> {
  const out: LdkClaimedPayment[] = [];
  for (const key of await root.keys(`claimed/${node}/`)) {
    const claim = decodeClaimed((await root.get(key))!);
    if (claim) out.push(claim);
  }
  return out;
}

/** Record a payment `node` claimed (durable when the promise resolves). */
export function saveClaimed(root: FileKVStore, node: string, claim: LdkClaimedPayment): Promise<void> {
  return root.write({ put: [[claimedKey(node, claim.paymentHash), encodeClaimed(claim)]] });
}
