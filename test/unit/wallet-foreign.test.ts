/**
 * OnchainWallet.spendWithForeignInputs (engine/wallet/foreign.ts): the wallet picks a coin, the
 * caller builds the transaction around it with its own signed inputs (here: an anchor CPFP
 * child, engine/channel/bolt5), the wallet signs only its input, broadcasts and records it.
 * Both inputs pass bcoin's script interpreter; bad builds are refused before any broadcast.
 * signWithForeignInputs (anchors HTLC tx fees): the same signing, coins reserved, nothing broadcast.
 */
import { Transaction } from 'bitcoinjs-lib';
import { describe, expect, it } from 'vitest';
import { publicKeyOf } from '../../engine/crypto/secp256k1.ts';
import { sha256 } from '../../engine/crypto/hash.ts';
import { hexToBytes } from '../../engine/lib/bytes.ts';
import { ValidationError } from '../../engine/lib/errors.ts';
import { Keychain } from '../../engine/keys/keychain.ts';
import { anchorScriptPubKey, buildAnchorCpfp } from '../../engine/channel/bolt5/anchor-cpfp.ts';
import { parseAddress } from '../../engine/wallet/addresses.ts';
import type { ForeignSpendCoin } from '../../engine/wallet/foreign.ts';
import { OnchainWallet } from '../../engine/wallet/wallet.ts';
import { FakeChain } from '../harness/fake-chain.ts';
import { seededEntropy } from '../harness/loopback.ts';
import { scriptError } from './bolt03-interpreter.ts';

const NET = 'regtest' as const;
const fundingKey = sha256(Uint8Array.of(0xf0));
const anchorSpk = anchorScriptPubKey(publicKeyOf(fundingKey));
const parent = { weight: 1124, feeSat: 284n };

/** The fake chain only checks P2WPKH inputs: accept ours as is (the test runs bcoin's interpreter on them instead). */
class AnyInputChain extends FakeChain {
  broadcasts = 0;
  override async broadcast(rawTx: Uint8Array): Promise<string> {
    this.broadcasts++;
    return (this as unknown as { accept(tx: Transaction): string }).accept(Transaction.fromBuffer(rawTx));
  }
}

async function setup() {
  const chain = new AnyInputChain();
  const wallet = OnchainWallet.restore(Keychain.fromSeed(seededEntropy('foreign').randomBytes(32), NET), NET, chain);
  for (const v of [50_000n, 200_000n]) chain.fund(parseAddress(wallet.nextReceiveAddress().address, NET).scriptPubKey, v);
  const anchorTxid = chain.fund(anchorSpk, 330n);
  chain.mine();
  await wallet.sync();
  const anchorIndex = Transaction.fromBuffer(await chain.transaction(anchorTxid)).outs.findIndex((o) => o.value === 330n);
  const child = (coin: ForeignSpendCoin, change: Uint8Array) =>
    buildAnchorCpfp({
      anchor: { txid: hexToBytes(anchorTxid).reverse(), index: anchorIndex, valueSat: 330n },
      fundingPrivkey: fundingKey,
      walletCoin: { txid: hexToBytes(coin.txid).reverse(), index: coin.vout, valueSat: coin.valueSat, scriptPubKey: coin.scriptPubKey },
      changeScriptPubKey: change,
      parent,
      targetFeeratePerKw: 5000,
    }).tx;
  return { chain, wallet, child };
}

function fieldOf(err: unknown): string | undefined {
  return err instanceof ValidationError ? err.field : undefined;
}

describe('OnchainWallet.spendWithForeignInputs', () => {
  it('picks the smallest coin that is enough, signs only its input, broadcasts and records the transaction; both inputs verify', async () => {
    const { chain, wallet, child } = await setup();
    let offered: ForeignSpendCoin | undefined;
    const { txid, rawTx } = await wallet.spendWithForeignInputs({
      minCoinSat: 60_000n,
      build: (coin, change) => {
        offered = coin;
        return child(coin, change).toBuffer();
      },
    });
    expect(offered?.valueSat).toBe(200_000n);
    const tx = Transaction.fromBuffer(rawTx);
    expect(tx.getId()).toBe(txid);
    expect(chain.broadcasts).toBe(1);
    expect(scriptError(rawTx, 0, anchorSpk, 330n)).toBeUndefined();
    expect(scriptError(rawTx, 1, offered!.scriptPubKey, offered!.valueSat)).toBeUndefined();
    expect(wallet.history().some((h) => h.txid === txid)).toBe(true);
    // The change is the wallet's: spendable (own unconfirmed change), the spent coin is gone.
    const utxos = wallet.utxos();
    expect(utxos.some((u) => u.txid === txid && u.vout === 0)).toBe(true);
    expect(utxos.some((u) => u.txid === offered!.txid && u.vout === offered!.vout)).toBe(false);
  });

  it('no coin large enough, a build that does not spend the coin or leaves an input unsigned: refused, nothing broadcast', async () => {
    const { chain, wallet, child } = await setup();
    const sent = () => chain.broadcasts;
    const before = sent();
    await expect(wallet.spendWithForeignInputs({ minCoinSat: 10_000_000n, build: () => new Uint8Array(0) })).rejects.toSatisfy((e) => fieldOf(e) === 'minCoinSat');
    await expect(
      wallet.spendWithForeignInputs({
        minCoinSat: 1n,
        build: (coin, change) => {
          const tx = child(coin, change);
          (tx.ins[1] as { index: number }).index += 1;
          return tx.toBuffer();
        },
      }),
    ).rejects.toSatisfy((e) => fieldOf(e) === 'rawTx');
    await expect(
      wallet.spendWithForeignInputs({
        minCoinSat: 1n,
        build: (coin, change) => {
          const tx = child(coin, change);
          tx.setWitness(0, []);
          return tx.toBuffer();
        },
      }),
    ).rejects.toSatisfy((e) => fieldOf(e) === 'rawTx');
    expect(sent()).toBe(before);
  });
});

describe('OnchainWallet.signWithForeignInputs (anchors HTLC tx fees: signed and reserved, not broadcast)', () => {
  it('offers confirmed coins largest first, signs the ones used, broadcasts nothing, reserves them until cancelled', async () => {
    const { chain, wallet, child } = await setup();
    const spendable = wallet.balance().spendableSat;
    let offered: readonly ForeignSpendCoin[] = [];
    const { txid, rawTx } = await wallet.signWithForeignInputs({
      build: (coins, change) => {
        offered = coins;
        return child(coins[0]!, change).toBuffer();
      },
    });
    expect(offered.map((c) => c.valueSat)).toEqual([200_000n, 50_000n]);
    expect(Transaction.fromBuffer(rawTx).getId()).toBe(txid);
    expect(chain.broadcasts).toBe(0);
    expect(scriptError(rawTx, 0, anchorSpk, 330n)).toBeUndefined();
    expect(scriptError(rawTx, 1, offered[0]!.scriptPubKey, offered[0]!.valueSat)).toBeUndefined();
    expect(wallet.history().some((h) => h.txid === txid)).toBe(false);
    // Reserved: not spendable, not offered again, kept in the saved state.
    expect(wallet.balance().spendableSat).toBe(spendable - 200_000n);
    expect(wallet.toState().reservations).toEqual([{ txid, outpoints: [{ txid: offered[0]!.txid, vout: offered[0]!.vout }] }]);
    let second: readonly ForeignSpendCoin[] = [];
    await expect(
      wallet.signWithForeignInputs({
        build: (coins) => {
          second = coins;
          throw new ValidationError('walletCoins', 'too small');
        },
      }),
    ).rejects.toSatisfy((e) => fieldOf(e) === 'walletCoins');
    expect(second.map((c) => c.valueSat)).toEqual([50_000n]);
    expect(wallet.cancelReservation(txid)).toBe(true);
    expect(wallet.balance().spendableSat).toBe(spendable);
  });

  it('no confirmed coin: refused naming walletCoins', async () => {
    const chain = new AnyInputChain();
    const wallet = OnchainWallet.restore(Keychain.fromSeed(seededEntropy('foreign-unconfirmed').randomBytes(32), NET), NET, chain);
    chain.fund(parseAddress(wallet.nextReceiveAddress().address, NET).scriptPubKey, 80_000n);
    await wallet.sync();
    await expect(wallet.signWithForeignInputs({ build: () => new Uint8Array(0) })).rejects.toSatisfy((e) => fieldOf(e) === 'walletCoins');
  });
});
