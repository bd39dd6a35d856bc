/**
 * Importing a channel backup file into a wallet restored from its seed (`glint backup import`,
 * the app's onboarding restore): decrypt it with the seed's backup key, check it is this node's,
 * refuse it when the store already holds any of its channels (that saved state is newer than any
 * backup: importing on top of a live wallet is a mistake, never silently half-done), then write
 * every channel as recovering (backup-restore.ts `restoreFromBackup`, one atomic write). The
 * node's next start redials the peers; each force-closes on our lost-state channel_reestablish
 * (BOLT 2 option_data_loss_protect) and our outputs are swept to the wallet.
 */
import { bytesToHex, hexToBytes } from '../lib/bytes.ts';
import { ValidationError } from '../lib/errors.ts';
import type { KVStore } from '../ports.ts';
import type { NetworkName } from '../wire/chains.ts';
import { openBackup } from './backup-codec.ts';
import { restoreFromBackup, type RestoreResult } from './backup-restore.ts';
import { CHANNEL_KEY_PREFIX, type ChannelKeySource } from './channel-ports.ts';

export interface BackupImporter extends ChannelKeySource {
  readonly network: NetworkName;
  /** Hex node id. */
  readonly nodeId: string;
  backupSecret(): Uint8Array;
}

/**
 * Restore the channels of backup `file` into `store` (the wallet's channel records). Throws
 * DecodeError (`backup.ciphertext`: wrong seed or corrupted file; `backup.magic`: not a backup
 * file …) or ValidationError (`backup.nodeId` / `backup.network`: another wallet's; `backup.channels`:
 * channels already in this wallet); nothing is written then.
 */
export async function importBackupFile(store: KVStore, file: Uint8Array, wallet: BackupImporter): Promise<RestoreResult> {
  const backup = openBackup(file, wallet.backupSecret());
  const existing: string[] = [];
  for (const ch of backup.channels) {
    const id = bytesToHex(ch.channelId);
    if ((await store.get(`${CHANNEL_KEY_PREFIX}${id}`)) !== undefined) existing.push(id);
  }
  if (existing.length > 0) {
    throw new ValidationError('backup.channels', `this wallet already has channel ${existing.join(', ')}: its saved state is newer than the backup, nothing was imported (import only into a wallet freshly restored from the seed)`);
  }
  return restoreFromBackup(store, backup, { network: wallet.network, nodeId: hexToBytes(wallet.nodeId), keys: wallet });
}
