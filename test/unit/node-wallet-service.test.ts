/**
 * WalletService as the node's channel side: `channelStore()` is the same encrypted store limited
 * to the channel records (`channel/`, `node/`), so the ChannelManager never reads or overwrites the
 * seed or the on-chain state; `channelKeys` are the keychain's (the node key stays the BOLT 8 one).
 */
import { describe, expect, test } from 'vitest';
import { Keychain, MemoryKVStore, WalletService, bytesToHex, generateMnemonic } from '../../engine/index.ts';
import { nodeEntropy } from '../../cli/adapters/clock.ts';
import { parseAddress } from '../../engine/wallet/addresses.ts';
import { FakeChain } from '../harness/fake-chain.ts';

const SCRYPT = { log2N: 10, r: 8, p: 1 };

async function wallet(): Promise<{ w: WalletService; raw: MemoryKVStore; mnemonic: string }> {
  const raw = new MemoryKVStore();
  const mnemonic = generateMnemonic(nodeEntropy, 24);
  const w = await WalletService.create({ raw, passphrase: 'p', network: 'regtest', entropy: nodeEntropy, mnemonic, scrypt: SCRYPT });
  return { w, raw, mnemonic };
}

describe('WalletService.channelStore', () => {
  test('reads and writes channel records, encrypted in the wallet store', async () => {
    const { w, raw } = await wallet();
    const s = w.channelStore();
    await s.write({ put: [['channel/ab', Uint8Array.of(1, 2, 3)], ['node/peers', Uint8Array.of(9)]] });
    expect(await s.get('channel/ab')).toEqual(Uint8Array.of(1, 2, 3));
    expect(await s.keys('channel/')).toEqual(['channel/ab']);
    // Encrypted at rest: the raw bytes are not the plaintext.
    const stored = await raw.get('channel/ab');
    expect(stored).toBeDefined();
    expect(bytesToHex(stored!)).not.toContain('010203');
    // close() is the wallet's business: the view's close leaves the store open.
    await s.close();
    expect(await s.get('node/peers')).toEqual(Uint8Array.of(9));
    await w.close();
  });

  test.each(['wallet/seed', 'wallet/onchain', 'glint/header', 'channels', ''])('refuses %j', async (key) => {
    const { w } = await wallet();
    const s = w.channelStore();
    await expect(s.get(key)).rejects.toThrow(/outside the channel records/);
    await expect(s.keys(key)).rejects.toThrow(/outside the channel records/);
    await expect(s.write({ put: [[key, Uint8Array.of(0)]] })).rejects.toThrow(/outside the channel records/);
    await expect(s.write({ put: [['channel/ok', Uint8Array.of(0)]], del: [key] })).rejects.toThrow(/outside the channel records/);
    // Nothing of a refused batch was written.
    expect(await s.get('channel/ok')).toBeUndefined();
    await w.close();
  });

  test('channelKeys are the keychain keys of the wallet seed', async () => {
    const { w, mnemonic } = await wallet();
    const k = await Keychain.fromMnemonic(mnemonic, '', 'regtest');
    expect(bytesToHex(w.channelKeys(7).fundingPubkey)).toBe(bytesToHex(k.channelKeys(7).fundingPubkey));
    expect(w.nodeId).toBe(bytesToHex(k.nodeId()));
    await w.close();
  });

  test('the channel wallet calls need a chain first', async () => {
    const { w } = await wallet();
    await expect(w.shutdownScript()).rejects.toThrow(/esplora|chain/i);
    await expect(w.fundChannel({ scriptPubKey: new Uint8Array(34), valueSat: 1000n })).rejects.toThrow(/esplora|chain/i);
    await w.close();
  });
});

describe('WalletService.sync persistence', () => {
  test('an idle sync that learnt nothing writes nothing; a change is written', async () => {
    const { w, raw } = await wallet();
    const chain = new FakeChain();
    chain.mine();
    w.attachChain(chain);
    await w.sync();
    const afterFirst = raw.writes;
    await w.sync();
    await w.sync({ quick: true });
    expect(raw.writes).toBe(afterFirst);
    // A payment to the wallet changes its state: the next sync writes it.
    const address = await w.receiveAddress();
    chain.fund(parseAddress(address, 'regtest').scriptPubKey, 50_000n);
    chain.mine();
    await w.sync();
    expect(raw.writes).toBeGreaterThan(afterFirst);
    expect(w.balance().confirmedSat).toBe(50_000n);
    await w.close();
  });
});
