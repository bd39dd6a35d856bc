/** Gap-limit discovery: finds past funds, costs exactly the lower bound, bounded concurrency; quick sync cost. */
import { describe, expect, it } from 'vitest';
import { Keychain } from '../../engine/keys/keychain.ts';
import { discover, discoveryLowerBound, GAP_LIMIT } from '../../engine/wallet/discovery.ts';
import { countRequests, measureRestore } from '../../engine/wallet/request-count.ts';
import { p2wpkhScript } from '../../engine/wallet/script.ts';
import { OnchainWallet } from '../../engine/wallet/wallet.ts';
import { FakeChain } from '../harness/fake-chain.ts';
import { seededEntropy } from '../harness/loopback.ts';

const NET = 'regtest' as const;
const keychainOf = (name: string): Keychain => Keychain.fromSeed(seededEntropy(name).randomBytes(32), NET);

function fundIndexes(chain: FakeChain, keychain: Keychain, chainIndex: 0 | 1, indexes: number[], valueSat = 10_000n): void {
  const account = keychain.onchain();
  for (const i of indexes) chain.fund(p2wpkhScript(account.publicKey(chainIndex, i)), valueSat);
  chain.mine();
}

describe('restore discovery', () => {
  it('40 used addresses: finds all funds with exactly the lower bound of scriptHistory calls', async () => {
    const chain = new FakeChain({ latencyMs: 1 });
    const keychain = keychainOf('forty');
    fundIndexes(chain, keychain, 0, Array.from({ length: 40 }, (_, i) => i));
    chain.resetCalls();
    const m = await measureRestore(keychain, NET, chain);
    expect(m.receiveLastUsed).toBe(39);
    expect(m.changeLastUsed).toBe(-1);
    expect(m.scriptHistoryLowerBound).toBe(40 + GAP_LIMIT + GAP_LIMIT);
    expect(m.counts.scriptHistory).toBe(m.scriptHistoryLowerBound);
    expect(chain.calls.scriptHistory).toBe(80);
    expect(m.counts.transaction).toBe(40); // each funding transaction fetched once
    expect(m.counts.tip).toBe(1);
    expect(m.total).toBe(80 + 40 + 1);
    // Concurrent, but within the limit.
    expect(chain.maxInFlight).toBeGreaterThan(1);
    expect(chain.maxInFlight).toBeLessThanOrEqual(4);
    const wallet = OnchainWallet.restore(keychain, NET, chain);
    await wallet.sync();
    expect(wallet.balance().confirmedSat).toBe(400_000n);
  });

  it('finds addresses up to the gap limit past the last used one, and not beyond', async () => {
    const chain = new FakeChain();
    const keychain = keychainOf('gaps');
    fundIndexes(chain, keychain, 0, [0, 5, 25]); // 25 ≤ 5 + 20: found
    fundIndexes(chain, keychain, 0, [46]); // 46 > 25 + 20: beyond the gap, not found
    fundIndexes(chain, keychain, 1, [3]);
    const counted = countRequests(chain);
    const wallet = OnchainWallet.restore(keychain, NET, counted.chain);
    const report = await wallet.sync();
    expect(wallet.toState().receiveLastUsed).toBe(25);
    expect(wallet.toState().changeLastUsed).toBe(3);
    expect(wallet.balance().confirmedSat).toBe(40_000n);
    expect(report.scriptRequests).toBe(discoveryLowerBound(25, 3));
    expect(counted.counts.scriptHistory).toBe(26 + 20 + 4 + 20);
  });

  it('a request error rejects the scan after in-flight requests settle', async () => {
    let calls = 0;
    let inFlight = 0;
    const source = {
      scriptHistory: async (): Promise<never[]> => {
        calls++;
        inFlight++;
        await new Promise((r) => setTimeout(r, 1));
        inFlight--;
        if (calls === 3) throw new Error('HTTP 500');
        return [];
      },
    };
    await expect(discover(source, () => new Uint8Array(22), { concurrency: 2 })).rejects.toThrow('HTTP 500');
    expect(inFlight).toBe(0);
    expect(calls).toBeLessThan(2 * GAP_LIMIT);
  });

  it('validates its options', () => {
    expect(() => discover({ scriptHistory: async () => [] }, () => new Uint8Array(22), { gapLimit: 0 })).toThrow(/gapLimit/);
    expect(() => discover({ scriptHistory: async () => [] }, () => new Uint8Array(22), { concurrency: 0 })).toThrow(/concurrency/);
  });
});

describe('quick sync (idle tick)', () => {
  it('costs one tipHash call plus one scriptHistory per outstanding receive address', async () => {
    const chain = new FakeChain();
    const keychain = keychainOf('idle');
    const wallet = OnchainWallet.restore(keychain, NET, chain);
    await wallet.sync();
    chain.resetCalls();
    await wallet.sync({ quick: true });
    expect(chain.totalCalls).toBe(1);
    expect(chain.calls.tipHash).toBe(1);

    const addr = wallet.nextReceiveAddress();
    chain.resetCalls();
    await wallet.sync({ quick: true });
    expect(chain.calls).toMatchObject({ tipHash: 1, scriptHistory: 1 });
    expect(chain.totalCalls).toBe(2);

    // A payment to the handed-out address shows up on the next quick sync …
    chain.fund(p2wpkhScript(keychain.onchain().publicKey(0, addr.index)), 25_000n);
    await wallet.sync({ quick: true });
    expect(wallet.balance().unconfirmedSat).toBe(25_000n);
    // … and its confirmation once the tip moves.
    chain.mine();
    chain.resetCalls();
    await wallet.sync({ quick: true });
    expect(wallet.balance()).toMatchObject({ confirmedSat: 25_000n, unconfirmedSat: 0n, spendableSat: 25_000n });
    expect(chain.calls.tipHash).toBe(1);
    expect(chain.calls.tip).toBe(1);
    // Nothing outstanding any more: back to one request.
    chain.resetCalls();
    await wallet.sync({ quick: true });
    expect(chain.totalCalls).toBe(1);
  });

  it('hands out at most the gap limit of unused addresses, then cycles', () => {
    const wallet = OnchainWallet.restore(keychainOf('cycle'), NET, new FakeChain());
    const indexes = Array.from({ length: GAP_LIMIT + 3 }, () => wallet.nextReceiveAddress().index);
    expect(indexes.slice(0, GAP_LIMIT)).toEqual(Array.from({ length: GAP_LIMIT }, (_, i) => i));
    expect(indexes.slice(GAP_LIMIT)).toEqual([0, 1, 2]);
  });
});
