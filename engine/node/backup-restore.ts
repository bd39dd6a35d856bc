/**
 * Channel backups between the store and the backup file (engine/node/backup-codec.ts):
 *
 *   - `backupFromStore`: the static data of every channel the store holds that has a funding
 *     outpoint and is not closed (read from the durable `channel/` snapshots, so it never names
 *     a state that was not saved), the peers' addresses from the address book (`node/peers`) and
 *     the next channel key index.
 *   - `restoreFromBackup`: on a wallet restored from the same seed, each backed-up channel the
 *     store does not hold yet is written as a `wait-for-remote-publish` snapshot (reported as
 *     "recovering": engine/channel/states/wait-for-remote-publish.ts `lostStateChannel`), its peer
 *     added to the address book, and the channel key index moved past every index the backup
 *     used — all in one atomic store write. A channel the store already has is never written over
 *     (its saved state is newer than any backup). Once a node runs (ChannelManager loads the
 *     snapshots, GlintNode redials the peers), each peer is sent a lost-state
 *     channel_reestablish, force-closes, and our to_remote is swept to the wallet (BOLT 5) by the
 *     force-closing code every channel uses.
 */
import { decodeChannelState, encodeChannelState, lostStateChannel, type ChannelState } from '../channel/index.ts';
import { bytesToHex } from '../lib/bytes.ts';
import { ValidationError, errorMessage } from '../lib/errors.ts';
import type { KVStore } from '../ports.ts';
import type { NetworkName } from '../wire/chains.ts';
import { type BackupChannel, type ChannelBackup, checkBackupOwner } from './backup-codec.ts';
import { decodeIndex, encodeIndex } from './channel-inspect.ts';
import { CHANNEL_INDEX_KEY, CHANNEL_KEY_PREFIX, type ChannelKeySource } from './channel-ports.ts';
import { PEER_BOOK_KEY, type PeerBookEntry, peerBookCodec } from './peer-book.ts';

/** The channel states a backup lists: funded (a funding outpoint exists) and not finished. */
function backedUp(state: ChannelState): state is Extract<ChannelState, { commitments: unknown }> {
  return 'commitments' in state && state.type !== 'closing';
}

async function peerBook(store: KVStore): Promise<PeerBookEntry[]> {
  const bytes = await store.get(PEER_BOOK_KEY);
  return bytes ? peerBookCodec.decode(bytes) : [];
}

async function nextIndex(store: KVStore): Promise<number> {
  const bytes = await store.get(CHANNEL_INDEX_KEY);
  return bytes ? decodeIndex(bytes) : 0;
}

/** The backup of what `store` (the channel records, WalletService.channelStore) holds now. */
export async function backupFromStore(store: KVStore, node: { network: NetworkName; nodeId: Uint8Array; createdAtSec: number }): Promise<ChannelBackup> {
  const book = new Map((await peerBook(store)).map((e) => [e.nodeId, e]));
  const channels: BackupChannel[] = [];
  let next = await nextIndex(store);
  for (const key of (await store.keys(CHANNEL_KEY_PREFIX)).sort()) {
    const bytes = await store.get(key);
    if (!bytes) continue;
    let state: ChannelState;
    try {
      state = decodeChannelState(bytes);
    } catch (err) {
      throw new ValidationError(key, `does not decode, so it cannot be backed up: ${errorMessage(err)}`);
    }
    if (!backedUp(state)) continue;
    const c = state.commitments;
    next = Math.max(next, c.channelIndex + 1);
    const peer = book.get(bytesToHex(c.peerNodeId));
    channels.push({
      channelId: c.channelId,
      channelType: c.channelType,
      isFunder: c.isFunder,
      channelFlags: c.channelFlags,
      channelIndex: c.channelIndex,
      peerNodeId: c.peerNodeId,
      peerUri: peer?.uri ?? '',
      proxy: peer?.proxy ?? '',
      fundingOutpoint: c.fundingOutpoint,
      fundingSat: c.fundingSat,
      localParams: c.localParams,
      remoteParams: c.remoteParams,
    });
  }
  return { network: node.network, nodeId: node.nodeId, createdAtSec: node.createdAtSec, nextChannelIndex: next, channels };
}

export interface RestoreResult {
  /** Channel ids (hex) written as recovering (`wait-for-remote-publish`). */
  readonly recovering: string[];
  /** Channel ids (hex) the store already held: left as they are. */
  readonly kept: string[];
}

/**
 * Write the backed-up channels `store` does not hold yet (see the file comment). Throws a
 * ValidationError naming the field when the backup is another node's or network's, or a
 * channel's basepoints are not this seed's; then nothing is written.
 */
export async function restoreFromBackup(store: KVStore, backup: ChannelBackup, node: { network: NetworkName; nodeId: Uint8Array; keys: ChannelKeySource }): Promise<RestoreResult> {
  checkBackupOwner(backup, node.network, node.nodeId);
  const put: [string, Uint8Array][] = [];
  const recovering: string[] = [];
  const kept: string[] = [];
  const book = new Map((await peerBook(store)).map((e) => [e.nodeId, e]));
  let bookChanged = false;
  backup.channels.forEach((ch, i) => {
    try {
      node.keys.channelKeys(ch.channelIndex);
    } catch (err) {
      throw new ValidationError(`backup.channels[${i}].channelIndex`, errorMessage(err));
    }
  });
  for (const [i, ch] of backup.channels.entries()) {
    const id = bytesToHex(ch.channelId);
    const key = `${CHANNEL_KEY_PREFIX}${id}`;
    if ((await store.get(key)) !== undefined) {
      kept.push(id);
      continue;
    }
    let state;
    try {
      state = lostStateChannel(ch, { channelKeys: (n) => node.keys.channelKeys(n) });
    } catch (err) {
      throw new ValidationError(`backup.channels[${i}].localParams`, errorMessage(err));
    }
    put.push([key, encodeChannelState(state)]);
    recovering.push(id);
    const peer = bytesToHex(ch.peerNodeId);
    if (ch.peerUri !== '' && !book.has(peer)) {
      book.set(peer, { nodeId: peer, uri: ch.peerUri, ...(ch.proxy !== '' ? { proxy: ch.proxy } : {}) });
      bookChanged = true;
    }
  }
  const next = Math.max(await nextIndex(store), backup.nextChannelIndex, ...backup.channels.map((c) => c.channelIndex + 1));
  put.push([CHANNEL_INDEX_KEY, encodeIndex(next)]);
  if (bookChanged) put.push([PEER_BOOK_KEY, peerBookCodec.encode([...book.values()])]);
  await store.write({ put });
  return { recovering, kept };
}
