/** OnchainWallet on the in-memory chain: receive, send, change, dust, max, funding, errors, restore. */
import { afterEach, describe, expect, it, vi } from 'vitest';
import { Transaction } from 'bitcoinjs-lib';
import { bytesToHex } from '../../engine/lib/bytes.ts';
import { ValidationError } from '../../engine/lib/errors.ts';
import { Keychain } from '../../engine/keys/keychain.ts';
import { OnchainAccount } from '../../engine/keys/account.ts';
import { parseAddress } from '../../engine/wallet/addresses.ts';
import { InsufficientFundsError } from '../../engine/wallet/coinselect.ts';
import { p2wpkhScript, p2wshScript } from '../../engine/wallet/script.ts';
import { decodeWalletState, encodeWalletState } from '../../engine/wallet/state.ts';
import { OnchainWallet } from '../../engine/wallet/wallet.ts';
import { FakeChain } from '../harness/fake-chain.ts';
import { seededEntropy } from '../harness/loopback.ts';

const NET = 'regtest' as const;
const keychainOf = (name: string): Keychain => Keychain.fromSeed(seededEntropy(name).randomBytes(32), NET);
const spkOf = (address: string): Uint8Array => parseAddress(address, NET).scriptPubKey;
/** The outpoints a raw transaction spends, as the history lists them (`<display txid>:<vout>`). */
const spendsOf = (raw: Uint8Array): string[] => Transaction.fromBuffer(raw).ins.map((i) => `${bytesToHex(Uint8Array.from(i.hash).reverse())}:${i.index}`);

async function funded(chain: FakeChain, name: string, amounts: bigint[]): Promise<{ wallet: OnchainWallet; keychain: Keychain }> {
  const keychain = keychainOf(name);
  const wallet = OnchainWallet.restore(keychain, NET, chain);
  for (const a of amounts) chain.fund(spkOf(wallet.nextReceiveAddress().address), a);
  chain.mine();
  await wallet.sync();
  return { wallet, keychain };
}

function vsizeAndFee(chain: FakeChain, raw: Uint8Array): { vsize: number } {
  void chain;
  return { vsize: Transaction.fromBuffer(raw).virtualSize() };
}

afterEach(() => vi.restoreAllMocks());

describe('receive', () => {
  it('an incoming payment is unconfirmed (not spendable) until mined', async () => {
    const chain = new FakeChain();
    const wallet = OnchainWallet.restore(keychainOf('recv'), NET, chain);
    const a = wallet.nextReceiveAddress();
    expect(a.address.startsWith('bcrt1q')).toBe(true);
    expect(a.path).toBe("m/84'/1'/0'/0/0");
    expect(wallet.nextReceiveAddress().index).toBe(1); // successive calls hand out new addresses
    const txid = chain.fund(spkOf(a.address), 100_000n);
    await wallet.sync();
    expect(wallet.balance()).toEqual({ confirmedSat: 0n, unconfirmedSat: 100_000n, immatureSat: 0n, spendableSat: 0n });
    expect(wallet.history()).toEqual([{ txid, deltaSat: 100_000n, status: { confirmed: false }, spends: spendsOf(await chain.transaction(txid)) }]);
    chain.mine();
    await wallet.sync();
    expect(wallet.balance()).toEqual({ confirmedSat: 100_000n, unconfirmedSat: 0n, immatureSat: 0n, spendableSat: 100_000n });
    const h = wallet.history()[0];
    expect(h?.status.confirmed && h.status.blockHeight).toBe(chain.height);
    expect(wallet.utxos()).toHaveLength(1);
  });

  it('coinbase outputs become spendable after 100 confirmations', async () => {
    const chain = new FakeChain();
    const wallet = OnchainWallet.restore(keychainOf('coinbase'), NET, chain);
    chain.mine(1, { spk: spkOf(wallet.nextReceiveAddress().address), valueSat: 5_000_000_000n });
    await wallet.sync();
    expect(wallet.balance()).toMatchObject({ confirmedSat: 5_000_000_000n, immatureSat: 5_000_000_000n, spendableSat: 0n });
    chain.mine(98);
    await wallet.sync();
    expect(wallet.balance().spendableSat).toBe(0n);
    chain.mine(1);
    await wallet.sync();
    expect(wallet.balance()).toMatchObject({ immatureSat: 0n, spendableSat: 5_000_000_000n });
  });
});

describe('send', () => {
  it('pays another wallet, keeps trusted change, and the chain accepts the signatures', async () => {
    const chain = new FakeChain();
    const { wallet: alice } = await funded(chain, 'alice', [100_000n]);
    const bob = OnchainWallet.restore(keychainOf('bob'), NET, chain);
    const to = bob.nextReceiveAddress().address;
    const sent = await alice.send({ to, amountSat: 30_000n, feeRate: 2 });
    expect(chain.isInMempool(sent.txid)).toBe(true);
    expect(sent.amountSat).toBe(30_000n);
    expect(sent.vsize).toBe(vsizeAndFee(chain, sent.rawTx).vsize);
    expect(Number(sent.feeSat) / sent.vsize).toBeGreaterThanOrEqual(2);
    expect(Number(sent.feeSat) / sent.vsize).toBeLessThan(3);
    const change = 100_000n - 30_000n - sent.feeSat;
    // Before any sync the wallet already knows its own transaction.
    expect(alice.balance()).toEqual({ confirmedSat: 0n, unconfirmedSat: change, immatureSat: 0n, spendableSat: change });
    expect(alice.history()[0]).toEqual({ txid: sent.txid, deltaSat: -(30_000n + sent.feeSat), feeSat: sent.feeSat, status: { confirmed: false }, spends: spendsOf(sent.rawTx) });
    expect(alice.history()[0]?.spends).toHaveLength(1); // its one 100,000-sat coin
    await alice.sync();
    expect(alice.balance().spendableSat).toBe(change);
    await bob.sync();
    expect(bob.balance()).toMatchObject({ confirmedSat: 0n, unconfirmedSat: 30_000n, spendableSat: 0n });
    expect(bob.history()[0]).toEqual({ txid: sent.txid, deltaSat: 30_000n, status: { confirmed: false }, spends: spendsOf(sent.rawTx) });
    chain.mine();
    await Promise.all([alice.sync(), bob.sync()]);
    expect(alice.balance()).toMatchObject({ confirmedSat: change, unconfirmedSat: 0n });
    expect(bob.balance()).toMatchObject({ confirmedSat: 30_000n, spendableSat: 30_000n });
    // The change went to the first change address.
    const tx = Transaction.fromBuffer(sent.rawTx);
    expect(tx.outs.some((o) => bytesToHex(o.script) === bytesToHex(p2wpkhScript(keychainOf('alice').onchain().publicKey(1, 0))))).toBe(true);
    expect(tx.ins.every((i) => i.sequence === 0xfffffffd)).toBe(true);
    expect(tx.locktime).toBe(chain.height - 1);
  });

  it('can spend its own unconfirmed change right away', async () => {
    const chain = new FakeChain();
    const { wallet } = await funded(chain, 'chainer', [100_000n]);
    const dest = OnchainWallet.restore(keychainOf('dest'), NET, chain).nextReceiveAddress().address;
    const first = await wallet.send({ to: dest, amountSat: 20_000n, feeRate: 1 });
    const second = await wallet.send({ to: dest, amountSat: 20_000n, feeRate: 1 });
    expect(Transaction.fromBuffer(second.rawTx).ins.map((i) => bytesToHex(i.hash.slice().reverse()))).toContain(first.txid);
    expect(chain.isInMempool(second.txid)).toBe(true);
    // Two different change addresses were used.
    expect(first.changeIndex).toBe(0);
    expect(second.changeIndex).toBe(1);
  });

  it('pays a raw P2WSH script through fundChannel without broadcasting, reserving its coins', async () => {
    const chain = new FakeChain();
    const { wallet } = await funded(chain, 'funder', [80_000n, 70_000n]);
    const witnessScript = Uint8Array.of(0x52, 0x21, ...new Uint8Array(33).fill(2), 0x21, ...new Uint8Array(33).fill(3), 0x52, 0xae);
    const spk = p2wshScript(witnessScript);
    const broadcasts = chain.calls.broadcast;
    const funding = await wallet.fundChannel({ scriptPubKey: spk, valueSat: 100_000n, feeRate: 1 });
    expect(chain.calls.broadcast).toBe(broadcasts);
    expect(chain.isInMempool(funding.txid)).toBe(false);
    const tx = Transaction.fromBuffer(funding.rawTx);
    expect(tx.getId()).toBe(funding.txid);
    const out = tx.outs[funding.fundingOutputIndex];
    expect(bytesToHex(out?.script as Uint8Array)).toBe(bytesToHex(spk));
    expect(out?.value).toBe(100_000n);
    // The funding coins are reserved: both are needed, so nothing is spendable now.
    expect(wallet.balance().spendableSat).toBe(0n);
    const dest = OnchainWallet.restore(keychainOf('x'), NET, chain).nextReceiveAddress().address;
    await expect(wallet.send({ to: dest, amountSat: 10_000n, feeRate: 1 })).rejects.toBeInstanceOf(InsufficientFundsError);
    // Reservations survive a state round trip.
    expect(decodeWalletState(encodeWalletState(wallet.toState())).reservations).toEqual(wallet.toState().reservations);
    // Broadcasting records the transaction and releases the reservation.
    await wallet.broadcast(funding.rawTx);
    expect(chain.isInMempool(funding.txid)).toBe(true);
    expect(wallet.toState().reservations).toEqual([]);
    expect(wallet.history()[0]).toMatchObject({ txid: funding.txid, deltaSat: -(100_000n + funding.feeSat) });
  });

  it('cancelReservation frees the coins of an abandoned funding', async () => {
    const chain = new FakeChain();
    const { wallet } = await funded(chain, 'abandon', [80_000n]);
    const funding = await wallet.fundChannel({ scriptPubKey: p2wshScript(Uint8Array.of(0x51)), valueSat: 50_000n, feeRate: 1 });
    expect(wallet.balance().spendableSat).toBe(0n);
    expect(wallet.reservedTxids()).toEqual([funding.txid]);
    expect(wallet.cancelReservation(funding.txid)).toBe(true);
    expect(wallet.reservedTxids()).toEqual([]);
    expect(wallet.balance().spendableSat).toBe(80_000n);
    await expect(wallet.fundChannel({ scriptPubKey: p2wpkhScript(keychainOf('q').nodeId()), valueSat: 50_000n })).rejects.toThrow(/must be P2WSH/);
  });

  it('gives a sub-dust remainder to the fee instead of creating change', async () => {
    const chain = new FakeChain();
    const { wallet } = await funded(chain, 'dusty', [50_000n]);
    const dest = OnchainWallet.restore(keychainOf('y'), NET, chain).nextReceiveAddress().address;
    // 1-in 1-out at 1 sat/vB is at most 110 vB; leaving 250 sat over is below the 294-sat dust limit.
    const sent = await wallet.send({ to: dest, amountSat: 50_000n - 110n - 250n, feeRate: 1 });
    const tx = Transaction.fromBuffer(sent.rawTx);
    expect(tx.outs).toHaveLength(1);
    expect(sent.feeSat).toBe(360n);
    expect(sent.changeIndex).toBeUndefined();
    expect(wallet.balance()).toMatchObject({ confirmedSat: 0n, unconfirmedSat: 0n, spendableSat: 0n });
  });

  it('send max sweeps everything to one output', async () => {
    const chain = new FakeChain();
    const { wallet } = await funded(chain, 'sweeper', [10_000n, 20_000n, 30_000n]);
    const bob = OnchainWallet.restore(keychainOf('sweep-dest'), NET, chain);
    const sent = await wallet.send({ to: bob.nextReceiveAddress().address, amountSat: 'max', feeRate: 3 });
    const tx = Transaction.fromBuffer(sent.rawTx);
    expect(tx.ins).toHaveLength(3);
    expect(tx.outs).toHaveLength(1);
    expect(sent.amountSat).toBe(60_000n - sent.feeSat);
    expect(wallet.balance()).toMatchObject({ confirmedSat: 0n, unconfirmedSat: 0n, spendableSat: 0n });
    chain.mine();
    await bob.sync();
    expect(bob.balance().confirmedSat).toBe(sent.amountSat);
  });
});

describe('errors before signing', () => {
  const setup = async (): Promise<{ chain: FakeChain; wallet: OnchainWallet; to: string; signs: () => number }> => {
    const chain = new FakeChain();
    const { wallet } = await funded(chain, 'careful', [50_000n]);
    const to = OnchainWallet.restore(keychainOf('z'), NET, chain).nextReceiveAddress().address;
    const spy = vi.spyOn(OnchainAccount.prototype, 'secretKey');
    return { chain, wallet, to, signs: () => spy.mock.calls.length };
  };

  const rejects = async (p: Promise<unknown>, field: string, message: RegExp): Promise<void> => {
    const e = await p.then(() => undefined, (x: unknown) => x);
    expect(e).toBeInstanceOf(ValidationError);
    expect((e as ValidationError).field).toBe(field);
    expect((e as Error).message).toMatch(message);
  };

  it('bad amounts', async () => {
    const { chain, wallet, to, signs } = await setup();
    await rejects(wallet.send({ to, amountSat: 100n, feeRate: 1 }), 'amountSat', /below the dust limit of 294 sat/);
    await rejects(wallet.send({ to, amountSat: 60_000n, feeRate: 1 }), 'amountSat', /insufficient funds.*spendable 50000 sat/);
    await rejects(wallet.send({ to, amountSat: 49_950n, feeRate: 1 }), 'amountSat', /insufficient funds/); // fee does not fit
    await rejects(wallet.send({ to, amountSat: -1n, feeRate: 1 }), 'amountSat', /must not be negative/);
    await rejects(wallet.send({ to, amountSat: -1, feeRate: 1 }), 'amountSat', /must not be negative/);
    await rejects(wallet.send({ to, amountSat: 1.5, feeRate: 1 }), 'amountSat', /whole number of sats, got 1.5/);
    await rejects(wallet.send({ to, amountSat: Number.NaN, feeRate: 1 }), 'amountSat', /whole number/);
    await rejects(wallet.send({ to, amountSat: 0n, feeRate: 1 }), 'amountSat', /more than zero/);
    await rejects(wallet.send({ to, amountSat: 0, feeRate: 1 }), 'amountSat', /more than zero/);
    await rejects(wallet.send({ to, amountSat: '1000' as unknown as bigint, feeRate: 1 }), 'amountSat', /whole number of sats or "max"/);
    await rejects(wallet.send({ to, amountSat: 22_000_000n * 100_000_000n, feeRate: 1 }), 'amountSat', /21 million/);
    expect(signs()).toBe(0);
    expect(chain.calls.broadcast).toBe(0);
    expect(wallet.balance().spendableSat).toBe(50_000n);
  });

  it('bad destinations and fee rates', async () => {
    const { chain, wallet, to, signs } = await setup();
    await rejects(wallet.send({ to: 'bc1qw508d6qejxtdg4y5r3zarvary0c5xw7kv8f3t4', amountSat: 1000n }), 'to', /bitcoin mainnet address, but the wallet is on regtest/);
    await rejects(wallet.send({ to: `${to.slice(0, -1)}${to.endsWith('q') ? 'p' : 'q'}`, amountSat: 1000n }), 'to', /bad checksum/);
    await rejects(wallet.send({ to: 'tb1qrp33g0q5c5txsp9arysrx4k6zdkfs4nce4xj0gdcccefvpysxf3q0sl5k7', amountSat: 1000n }), 'to', /testnet or signet/);
    await rejects(wallet.send({ to: 'not an address', amountSat: 1000n }), 'to', /not a bitcoin address/);
    await rejects(wallet.send({ to, amountSat: 1000n, feeRate: 0.5 }), 'feeRate', /at least 1 sat\/vB/);
    await rejects(wallet.send({ to, amountSat: 1000n, feeRate: 100_000 }), 'feeRate', /at most 5000/);
    await rejects(wallet.send({ to, amountSat: 1000n, feeRate: Number.NaN }), 'feeRate', /must be a number/);
    await rejects(wallet.send({ to, amountSat: 1000n, target: 0 }), 'target', /blocks/);
    expect(signs()).toBe(0);
    expect(chain.calls.broadcast).toBe(0);
  });

  it('a rejected broadcast changes nothing', async () => {
    const { chain, wallet, to } = await setup();
    chain.broadcastError = new Error('min relay fee not met');
    await expect(wallet.send({ to, amountSat: 10_000n, feeRate: 1 })).rejects.toThrow(/min relay fee/);
    expect(wallet.balance().spendableSat).toBe(50_000n);
    expect(wallet.history()).toHaveLength(1);
  });
});

describe('fee rates from the server', () => {
  it('uses the estimate for the target, falling back when absent, absurd or failing', async () => {
    const chain = new FakeChain({ feeEstimates: new Map([[1, 30], [6, 4.2], [144, 1.5]]) });
    const { wallet } = await funded(chain, 'fees', [1_000_000n]);
    const to = OnchainWallet.restore(keychainOf('f'), NET, chain).nextReceiveAddress().address;
    const rateOf = async (choice: { target?: number }): Promise<number> => {
      const p = await wallet.prepareSend({ to, amountSat: 10_000n, ...choice });
      return Number(p.feeRate) / 1000;
    };
    expect(await rateOf({})).toBe(4.2); // default target 6
    expect(await rateOf({ target: 1 })).toBe(30);
    expect(await rateOf({ target: 10 })).toBe(4.2); // nearest faster target
    expect(await rateOf({ target: 1008 })).toBe(1.5);
    expect(await wallet.feeRates()).toEqual({ fast: 30, normal: 4.2, slow: 1.5 });
    chain.estimates = new Map();
    expect(await rateOf({})).toBe(1); // regtest fallback
    chain.estimates = new Map([[6, 1e9], [2, Number.NaN], [3, -4]]);
    expect(await rateOf({})).toBe(1);
    chain.estimates = new Map([[6, 0.2]]);
    expect(await rateOf({})).toBe(1); // clamped to the 1 sat/vB floor
    chain.feeEstimatesError = new Error('HTTP 429');
    expect(await rateOf({})).toBe(1);
    // prepareSend does not broadcast or record anything.
    expect(chain.calls.broadcast).toBe(0);
    expect(wallet.history()).toHaveLength(1);
  });
});

describe('restore and state', () => {
  it('a fresh restore from the seed finds the same coins and history', async () => {
    const chain = new FakeChain();
    const { wallet, keychain } = await funded(chain, 'restore-me', [40_000n, 50_000n, 60_000n]);
    const other = OnchainWallet.restore(keychainOf('elsewhere'), NET, chain);
    await wallet.send({ to: other.nextReceiveAddress().address, amountSat: 70_000n, feeRate: 2 });
    chain.mine();
    await wallet.send({ to: other.nextReceiveAddress().address, amountSat: 5_000n, feeRate: 2 });
    await wallet.sync();
    const restored = OnchainWallet.restore(keychain, NET, chain);
    expect(restored.balance().confirmedSat).toBe(0n);
    await restored.sync();
    expect(restored.balance()).toEqual(wallet.balance());
    expect(restored.utxos()).toEqual(wallet.utxos());
    expect(restored.history()).toEqual(wallet.history());
    // Restored, it hands out the next unused receive address, not a used one.
    expect(restored.nextReceiveAddress().index).toBe(3);
  });

  it('state round-trips through bytes, and a restart costs no raw transaction fetches', async () => {
    const chain = new FakeChain();
    const { wallet, keychain } = await funded(chain, 'persist', [40_000n, 50_000n]);
    await wallet.send({ to: OnchainWallet.restore(keychainOf('p2'), NET, chain).nextReceiveAddress().address, amountSat: 10_000n, feeRate: 1 });
    const bytes = encodeWalletState(wallet.toState());
    expect(bytes[0]).toBe(1); // version byte
    const state = decodeWalletState(bytes);
    expect(state).toEqual(wallet.toState());
    const again = OnchainWallet.restore(keychain, NET, chain, state);
    expect(again.balance()).toEqual(wallet.balance());
    expect(again.history()).toEqual(wallet.history());
    chain.resetCalls();
    await again.sync();
    expect(chain.calls.transaction).toBe(0);
    expect(again.balance()).toEqual(wallet.balance());
    expect(() => OnchainWallet.restore(keychain, NET, chain, { ...state, network: 'signet' })).toThrow(/state.network/);
    expect(() => OnchainWallet.restore(keychain, 'signet', chain)).toThrow(/keychain is for regtest/);
  });

  it('keeps a transaction recorded while a sync is in flight', async () => {
    const chain = new FakeChain({ latencyMs: 1 });
    const { wallet } = await funded(chain, 'racer', [40_000n]);
    const prepared = await wallet.prepareSend({ to: OnchainWallet.restore(keychainOf('r2'), NET, chain).nextReceiveAddress().address, amountSat: 10_000n, feeRate: 1 });
    const syncing = wallet.sync();
    await new Promise((r) => setTimeout(r, 5));
    await chain.broadcast(prepared.rawTx); // broadcast by someone else (the node), then recorded
    wallet.recordTransaction(prepared.rawTx);
    await syncing;
    expect(wallet.history().map((h) => h.txid)).toContain(prepared.txid);
    expect(wallet.balance().spendableSat).toBe(40_000n - 10_000n - prepared.feeSat);
  });

  it('forgets a broadcast transaction that the server dropped, after a few blocks', async () => {
    const chain = new FakeChain();
    const { wallet } = await funded(chain, 'evicted', [40_000n]);
    const sent = await wallet.send({ to: OnchainWallet.restore(keychainOf('e2'), NET, chain).nextReceiveAddress().address, amountSat: 10_000n, feeRate: 1 });
    chain.evict(sent.txid);
    await wallet.sync();
    expect(wallet.balance().spendableSat).toBe(40_000n - 10_000n - sent.feeSat); // still trusted as ours for now
    chain.mine(4);
    await wallet.sync();
    expect(wallet.balance()).toMatchObject({ confirmedSat: 40_000n, unconfirmedSat: 0n, spendableSat: 40_000n });
    expect(wallet.history()).toHaveLength(1);
  });
});
