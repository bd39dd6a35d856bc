/**
 * Restoring channels from a backup (engine/node/backup-restore.ts, the reducer's
 * `lostStateChannel` / `wait-for-remote-publish`): a store's channels backed up, written into a
 * fresh store as recovering (never over a channel the store holds), the key index moved on, the
 * peers' addresses kept; the restored channel sends the lost-state channel_reestablish, answers
 * the peer's with an error, never broadcasts, and sweeps its to_remote from the peer's
 * commitment — both channel types, the sweep checked by bcoin's script interpreter.
 */
import { Transaction, payments } from 'bitcoinjs-lib';
import { describe, expect, it } from 'vitest';
import { sha256 } from '../../engine/crypto/hash.ts';
import { bytesToHex } from '../../engine/lib/bytes.ts';
import { ValidationError } from '../../engine/lib/errors.ts';
import { decodeChannelState, encodeChannelState, lostStateChannel } from '../../engine/channel/index.ts';
import type { ChannelType, ForceClosingState, NormalState } from '../../engine/channel/types.ts';
import { MemoryKVStore } from '../../engine/store/memory.ts';
import { openBackup, sealBackup } from '../../engine/node/backup-codec.ts';
import { backupFromStore, restoreFromBackup } from '../../engine/node/backup-restore.ts';
import { CHANNEL_INDEX_KEY } from '../../engine/node/channel-ports.ts';
import { decodeIndex } from '../../engine/node/channel-inspect.ts';
import { PEER_BOOK_KEY, peerBookCodec } from '../../engine/node/peer-book.ts';
import { ChannelPair } from '../harness/channel-pair.ts';
import { scriptError } from './bolt03-interpreter.ts';

const SWEEP_A = payments.p2wpkh({ hash: sha256(Uint8Array.of(0xa5)).subarray(0, 20) }).output as Uint8Array;

function normalPair(channelType: ChannelType): ChannelPair {
  const pair = new ChannelPair();
  pair.openToNormal({ channelType, pushMsat: 300_000_000n });
  pair.a.sweepScriptPubKey = SWEEP_A;
  return pair;
}

/** A's store as a node would hold it: its channel snapshot, the key index and B's address. */
async function storeOf(pair: ChannelPair): Promise<MemoryKVStore> {
  const s = pair.a.state as NormalState;
  const store = new MemoryKVStore();
  const uri = `${bytesToHex(s.commitments.peerNodeId)}@127.0.0.1:9735`;
  await store.write({
    put: [
      [`channel/${bytesToHex(s.commitments.channelId)}`, encodeChannelState(s)],
      [CHANNEL_INDEX_KEY, Uint8Array.of(1, 0, 0, 0, 8)],
      [PEER_BOOK_KEY, peerBookCodec.encode([{ nodeId: bytesToHex(s.commitments.peerNodeId), uri }])],
    ],
  });
  return store;
}

const node = (pair: ChannelPair) => ({ network: 'regtest' as const, nodeId: pair.a.keychain.nodeId(), keys: pair.a.keychain });

describe('restore from a channel backup', () => {
  it('store → file → fresh store: recovering snapshot, key index past the backup, peer address; an existing record is never written over', async () => {
    const pair = normalPair('static_remotekey');
    const n = pair.a.state as NormalState;
    const backup = await backupFromStore(await storeOf(pair), { ...node(pair), createdAtSec: 1_800_000_000 });
    expect(backup.channels).toHaveLength(1);
    expect(backup.nextChannelIndex).toBe(8);
    const file = sealBackup(backup, pair.a.keychain.backupSecret(), new Uint8Array(32).fill(1));

    const fresh = new MemoryKVStore();
    const r = await restoreFromBackup(fresh, openBackup(file, pair.a.keychain.backupSecret()), node(pair));
    const id = bytesToHex(n.commitments.channelId);
    expect(r).toEqual({ recovering: [id], kept: [] });
    const saved = decodeChannelState((await fresh.get(`channel/${id}`))!);
    expect(saved.type).toBe('wait-for-remote-publish');
    if (saved.type !== 'wait-for-remote-publish') throw new Error('unreachable');
    expect(bytesToHex(saved.commitments.fundingOutpoint.txid)).toBe(bytesToHex(n.commitments.fundingOutpoint.txid));
    expect(saved.commitments.localParams).toEqual(n.commitments.localParams);
    expect(saved.commitments.remoteParams).toEqual(n.commitments.remoteParams);
    expect(decodeIndex((await fresh.get(CHANNEL_INDEX_KEY))!)).toBe(8);
    expect(peerBookCodec.decode((await fresh.get(PEER_BOOK_KEY))!)).toEqual([{ nodeId: bytesToHex(n.commitments.peerNodeId), uri: `${bytesToHex(n.commitments.peerNodeId)}@127.0.0.1:9735` }]);

    // Importing again, or into the store that has the channel: kept, not overwritten.
    const again = await restoreFromBackup(fresh, backup, node(pair));
    expect(again).toEqual({ recovering: [], kept: [id] });
    const original = await storeOf(pair);
    expect(await restoreFromBackup(original, backup, node(pair))).toEqual({ recovering: [], kept: [id] });
    expect(decodeChannelState((await original.get(`channel/${id}`))!).type).toBe('normal');
  });

  it("another seed's wallet, another network, or basepoints that are not this seed's: refused by name, nothing written", async () => {
    const pair = normalPair('static_remotekey');
    const backup = await backupFromStore(await storeOf(pair), { ...node(pair), createdAtSec: 0 });
    const fresh = new MemoryKVStore();
    await expect(restoreFromBackup(fresh, backup, { ...node(pair), nodeId: pair.b.keychain.nodeId() })).rejects.toThrow(/backup\.nodeId/);
    await expect(restoreFromBackup(fresh, backup, { ...node(pair), network: 'signet' })).rejects.toThrow(/backup\.network/);
    const err = await restoreFromBackup(fresh, backup, { ...node(pair), keys: pair.b.keychain }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(ValidationError);
    expect((err as ValidationError).field).toBe('backup.channels[0].localParams');
    expect(await fresh.keys('')).toEqual([]);
  });

  for (const channelType of ['static_remotekey', 'anchors_zero_fee_htlc_tx'] as ChannelType[]) {
    it(`${channelType}: lost-state channel_reestablish on connect, error on the peer's, never a broadcast; the peer's commitment → to_remote swept`, () => {
      const pair = normalPair(channelType);
      const n = pair.a.state as NormalState;
      const c = n.commitments;
      const lost = lostStateChannel(c, { channelKeys: (i) => pair.a.keychain.channelKeys(i) });
      expect(decodeChannelState(encodeChannelState(lost))).toEqual(lost);
      pair.a.state = lost;

      const connected = pair.step('A', { type: 'peer-connected' });
      const re = connected.actions.find((a) => a.type === 'send');
      expect(re && re.type === 'send' ? re.message : undefined).toMatchObject({ type: 'channel_reestablish', nextCommitmentNumber: 0n, nextRevocationNumber: 0n, yourLastPerCommitmentSecret: new Uint8Array(32) });
      pair.inFlight.length = 0;
      const theirPoint = c.remoteCommit.remotePerCommitmentPoint;
      const answered = pair.step('A', { type: 'message', message: { type: 'channel_reestablish', channelId: c.channelId, nextCommitmentNumber: 2n, nextRevocationNumber: 1n, yourLastPerCommitmentSecret: new Uint8Array(32), myCurrentPerCommitmentPoint: theirPoint } });
      expect(answered.actions.map((a) => (a.type === 'send' ? `send:${a.message.type}` : a.type))).toEqual(['persist', 'send:error']);
      expect(pair.a.state.type).toBe('wait-for-remote-publish');
      expect(pair.step('A', { type: 'force-close' }).actions.map((a) => a.type)).toEqual(['emit']);
      expect(pair.a.broadcasts.map((b) => b.kind)).toEqual(['funding']);

      pair.step('B', { type: 'force-close' });
      const theirs = pair.b.broadcasts.find((b) => b.kind === 'commitment')!.rawTx;
      pair.blockHeight += 1;
      pair.step('A', { type: 'funding-spent', rawTx: theirs, blockHeight: pair.blockHeight, depth: 1 });
      const s = pair.side('A').state as ForceClosingState;
      expect(s.type).toBe('force-closing');
      expect(s.spend?.commitment).toBe('remote-other');
      expect(s.commitmentTx).toBeUndefined();
      const sweeps = pair.a.broadcasts.filter((b) => b.kind === 'sweep');
      expect(sweeps).toHaveLength(1);
      const sweep = Transaction.fromBuffer(sweeps[0]!.rawTx);
      const parent = Transaction.fromBuffer(theirs);
      const prev = parent.outs[sweep.ins[0]!.index]!;
      expect(scriptError(sweeps[0]!.rawTx, 0, prev.script, prev.value)).toBeUndefined();
      expect(sweep.ins[0]!.sequence).toBe(channelType === 'anchors_zero_fee_htlc_tx' ? 1 : 0xfffffffd);
      expect(bytesToHex(sweep.outs[0]!.script)).toBe(bytesToHex(SWEEP_A));
      // Our to_remote on B's commitment: P2WPKH of our payment basepoint, or (anchors) its P2WSH with CSV 1.
      expect(prev.script.length).toBe(channelType === 'anchors_zero_fee_htlc_tx' ? 34 : 22);
      expect(sweep.outs[0]!.value).toBeLessThan(prev.value);
    });
  }
});
