/**
 * `glint backup export [--out <file>]` and `glint backup import <file>` (issue 7 item 4).
 *
 * export: the channel backup file (engine/node/backup-codec.ts: encrypted with a key from the
 * seed; peers, channel ids, funding outpoints, basepoints — no secret, no commitment state) of
 * what the wallet holds now, written atomically to `--out` (default `<data>/backup.glint`, the
 * file the node also rewrites after every channel open or close). Prints {"file", "channels"}.
 * Through a running `glint run` when one answers (it seals the file, this process writes it).
 *
 * import: into a wallet restored from the same seed (`glint init --mnemonic-file`), write each
 * backed-up channel as recovering (engine/node/backup-import.ts). Refused with a clear error for
 * another seed's or a corrupted file, or a wallet that already has one of its channels. The
 * next `glint run` redials the peers; each force-closes on our lost-state channel_reestablish
 * and our outputs are swept to the wallet. Prints {"channels", "recovering"}.
 */
import { readFile } from 'node:fs/promises';
import { resolve } from 'node:path';
import { importBackupFile, sealStoreBackup, ValidationError } from '../engine/index.ts';
import { nodeClock, nodeEntropy } from './adapters/clock.ts';
import { callRunningNode, NO_API } from './api-client.ts';
import { allowOnly, stringFlag, type ParsedCommand } from './args.ts';
import { defaultBackupPath, writeFileAtomic } from './backup-file.ts';
import type { Env } from './node-host.ts';
import { requireData, withWallet } from './wallet.ts';

const USAGE = 'usage: glint backup export [--out <file>] | glint backup import <file>';

export async function backupCommand(cmd: ParsedCommand, env: Env): Promise<unknown> {
  const [sub, ...rest] = cmd.positional;
  if (sub === 'export') {
    allowOnly(cmd.flags, ['--out', '--passphrase-file']);
    if (rest.length > 0) throw new ValidationError('backup', USAGE);
    return exportBackup(cmd, env);
  }
  if (sub === 'import') {
    allowOnly(cmd.flags, ['--passphrase-file']);
    if (rest.length !== 1) throw new ValidationError('backup', USAGE);
    return importBackup(cmd, env, rest[0]!);
  }
  throw new ValidationError('backup', USAGE);
}

async function exportBackup(cmd: ParsedCommand, env: Env): Promise<{ file: string; channels: number }> {
  const dir = requireData(cmd);
  const out = resolve(stringFlag(cmd.flags, '--out') ?? defaultBackupPath(dir));
  const remote = await callRunningNode(dir, { method: 'GET', path: '/v1/backup' });
  let sealed: { file: Uint8Array; channels: number };
  if (remote !== NO_API) {
    const r = remote as { file?: unknown; channels?: unknown };
    if (typeof r.file !== 'string' || typeof r.channels !== 'number') throw new Error('the running node answered /v1/backup without a file');
    sealed = { file: Uint8Array.from(Buffer.from(r.file, 'base64')), channels: r.channels };
  } else {
    sealed = await withWallet(cmd, env, (w) => sealStoreBackup(w.channelStore(), w, nodeClock, nodeEntropy));
  }
  try {
    await writeFileAtomic(out, sealed.file);
  } catch (err) {
    throw new ValidationError('--out', `cannot write ${out}: ${(err as Error).message}`);
  }
  return { file: out, channels: sealed.channels };
}

async function importBackup(cmd: ParsedCommand, env: Env, path: string): Promise<{ channels: number; recovering: string[] }> {
  let bytes: Uint8Array;
  try {
    bytes = new Uint8Array(await readFile(path));
  } catch (err) {
    throw new ValidationError('file', `cannot read ${path}: ${(err as Error).message}`);
  }
  return withWallet(cmd, env, async (w) => {
    const r = await importBackupFile(w.channelStore(), bytes, w);
    return { channels: r.recovering.length, recovering: r.recovering };
  });
}
