/**
 * The node's address book (`node/peers`, engine/node/peer-book.ts): how each dialled peer was
 * reached, so `glint run` redials channel peers after a restart. Round trip through the store,
 * normalised URIs, one entry per node id, and records that do not decode are refused (never guessed).
 */
import { describe, expect, test } from 'vitest';
import { PEER_BOOK_KEY, PeerBook, peerBookCodec } from '../../engine/node/peer-book.ts';
import { MemoryKVStore } from '../../engine/store/memory.ts';
import { publicKeyOf } from '../../engine/crypto/secp256k1.ts';
import { bytesToHex } from '../../engine/lib/bytes.ts';

const pk = (n: number) => bytesToHex(publicKeyOf(new Uint8Array(32).fill(n)));

describe('PeerBook', () => {
  test('remembers, reloads, replaces by node id, normalises the URI', async () => {
    const store = new MemoryKVStore();
    const book = new PeerBook(store);
    await book.load();
    expect(book.list()).toEqual([]);
    await book.remember(`${pk(1).toUpperCase()}@127.0.0.1:9735`, undefined);
    await book.remember(`${pk(2)}@node.example:9735`, 'wss://proxy.example');
    await book.remember(`${pk(1)}@10.0.0.1:9736`, undefined);
    const again = new PeerBook(store);
    await again.load();
    expect(again.list()).toEqual([
      { nodeId: pk(2), uri: `${pk(2)}@node.example:9735`, proxy: 'wss://proxy.example' },
      { nodeId: pk(1), uri: `${pk(1)}@10.0.0.1:9736` },
    ]);
    expect(again.get(pk(1))?.uri).toBe(`${pk(1)}@10.0.0.1:9736`);
  });

  test('an invalid URI is refused and nothing is written', async () => {
    const store = new MemoryKVStore();
    const book = new PeerBook(store);
    await book.load();
    await expect(book.remember('nobody@127.0.0.1:1', undefined)).rejects.toThrow(/node id/);
    expect(await store.get(PEER_BOOK_KEY)).toBeUndefined();
  });

  test('records that do not decode are refused', () => {
    const good = peerBookCodec.encode([{ nodeId: pk(3), uri: `${pk(3)}@h:1` }]);
    expect(peerBookCodec.decode(good)).toEqual([{ nodeId: pk(3), uri: `${pk(3)}@h:1` }]);
    expect(() => peerBookCodec.decode(Uint8Array.of(...good, 0))).toThrow(/trailing/);
    expect(() => peerBookCodec.decode(good.subarray(0, good.length - 3))).toThrow();
    // The URI names another node than the entry.
    const other = peerBookCodec.encode([{ nodeId: pk(4), uri: `${pk(4)}@h:1` }]);
    const swapped = Uint8Array.from(other);
    swapped.set(publicKeyOf(new Uint8Array(32).fill(5)), 3);
    expect(() => peerBookCodec.decode(swapped)).toThrow(/does not name/);
    // Non-ASCII in the URI.
    const bad = Uint8Array.from(good);
    bad[bad.length - 3] = 0xff;
    expect(() => peerBookCodec.decode(bad)).toThrow(/ASCII/);
    // A newer version than we know.
    expect(() => peerBookCodec.decode(Uint8Array.of(2, ...good.subarray(1)))).toThrow(/newer|version/i);
  });
});
