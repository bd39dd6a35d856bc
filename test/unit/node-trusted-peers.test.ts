/**
 * The zero-conf trust list (`node/trusted-peers`, engine/node/trusted-peers.ts): peers the user
 * trusts get minimum_depth 0 on the channels they open to us. Round trip through the store, one
 * entry per node id, removal, invalid ids refused with nothing written, undecodable records refused.
 */
import { describe, expect, test } from 'vitest';
import { TRUSTED_PEERS_KEY, TrustedPeers, parseTrustedNodeId, trustedPeersCodec } from '../../engine/node/trusted-peers.ts';
import { recordSpecFor } from '../../engine/store/schema.ts';
import { MemoryKVStore } from '../../engine/store/memory.ts';
import { publicKeyOf } from '../../engine/crypto/secp256k1.ts';
import { bytesToHex, concatBytes } from '../../engine/lib/bytes.ts';

const pk = (n: number) => bytesToHex(publicKeyOf(new Uint8Array(32).fill(n)));

describe('TrustedPeers', () => {
  test('trust, reload, untrust; ids normalised to lowercase; the set is live', async () => {
    const store = new MemoryKVStore();
    const t = new TrustedPeers(store);
    await t.load();
    expect(t.list()).toEqual([]);
    expect(await t.setTrusted(pk(1).toUpperCase(), true)).toEqual([pk(1)]);
    expect(await t.setTrusted(pk(2), true)).toEqual([pk(1), pk(2)]);
    expect(await t.setTrusted(pk(1), true)).toEqual([pk(1), pk(2)]);
    expect(t.set.has(pk(2))).toBe(true);
    const again = new TrustedPeers(store);
    await again.load();
    expect(again.list()).toEqual([pk(1), pk(2)]);
    expect(await again.setTrusted(pk(1), false)).toEqual([pk(2)]);
    expect(again.set.has(pk(1))).toBe(false);
    const third = new TrustedPeers(store);
    await third.load();
    expect(third.list()).toEqual([pk(2)]);
  });

  test.each(['', 'zz', pk(1).slice(2), `04${pk(1).slice(2)}`, `${pk(1)}00`])('invalid node id %j is refused, nothing written', async (id) => {
    const store = new MemoryKVStore();
    const t = new TrustedPeers(store);
    await t.load();
    await expect(t.setTrusted(id, true)).rejects.toThrow(/nodeId/);
    expect(() => parseTrustedNodeId(id)).toThrow(/compressed public key/);
    expect(await store.get(TRUSTED_PEERS_KEY)).toBeUndefined();
  });

  test('the record carries its schema version and refuses what does not decode', () => {
    const bytes = trustedPeersCodec.encode([pk(3), pk(4)]);
    expect(bytes[0]).toBe(recordSpecFor(TRUSTED_PEERS_KEY)?.version);
    expect(trustedPeersCodec.decode(bytes)).toEqual([pk(3), pk(4)]);
    const one = trustedPeersCodec.encode([pk(3)]);
    expect(() => trustedPeersCodec.decode(concatBytes(one, Uint8Array.of(0)))).toThrow(/trailing/);
    expect(() => trustedPeersCodec.decode(one.subarray(0, one.length - 1))).toThrow();
    const twice = concatBytes(Uint8Array.of(1, 0, 2), one.subarray(3), one.subarray(3));
    expect(() => trustedPeersCodec.decode(twice)).toThrow(/twice/);
    const notKey = one.slice();
    notKey[3] = 0x04;
    expect(() => trustedPeersCodec.decode(notKey)).toThrow(/compressed/);
  });
});
