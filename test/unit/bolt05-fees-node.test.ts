/**
 * The node side of a BOLT 5 claim bump (engine/node/claim-bump.ts `runClaimBump`) over a
 * policy-enforcing fake chain (test/harness/fake-chain.ts: conflicts refused as
 * `txn-mempool-conflict`, like bcoin; every P2WPKH signature verified) and a real OnchainWallet:
 * the replacement is published when the chain takes it; when it is refused, the wallet spends
 * the claim's own output (it pays a wallet script) in a CPFP child that lifts the package to the
 * target, chaining on its earlier children, never above the fee cap; a claim already in a block
 * is left alone. Also OnchainWallet.spendOwnOutput's refusals.
 */
import { Transaction } from 'bitcoinjs-lib';
import { describe, expect, it } from 'vitest';
import { sha256 } from '../../engine/crypto/hash.ts';
import { publicKeyOf } from '../../engine/crypto/secp256k1.ts';
import { hexToBytes } from '../../engine/lib/bytes.ts';
import { ValidationError } from '../../engine/lib/errors.ts';
import { Keychain } from '../../engine/keys/keychain.ts';
import type { RequestClaimBumpAction, RequestHtlcTxCpfpAction } from '../../engine/channel/actions.ts';
import { feeForWeight } from '../../engine/channel/bolt5/weights.ts';
import type { Logger } from '../../engine/ports.ts';
import { CLAIM_CPFP_CHILD_WEIGHT, runClaimBump, runHtlcTxCpfp } from '../../engine/node/claim-bump.ts';
import type { ChannelChain, ChannelWallet } from '../../engine/node/channel-ports.ts';
import { parseAddress } from '../../engine/wallet/addresses.ts';
import { signCoinInput, signCoinInputs } from '../../engine/wallet/foreign.ts';
import { p2wpkhScript } from '../../engine/wallet/script.ts';
import { OnchainWallet } from '../../engine/wallet/wallet.ts';
import { FakeChain } from '../harness/fake-chain.ts';
import { seededEntropy } from '../harness/loopback.ts';

const NET = 'regtest' as const;
const claimKey = sha256(Uint8Array.of(0xc1));
const claimSpk = p2wpkhScript(publicKeyOf(claimKey));
const OUTPUT_SAT = 100_000n;
const quiet: Logger = { log: () => undefined };

/** A claim version: spends the "commitment output" into `to` paying `feeSat`, nLockTime `locktime`. */
function claimVersion(commitment: { txid: string; vout: number }, to: Uint8Array, feeSat: bigint, locktime: number): Uint8Array {
  const tx = new Transaction();
  tx.version = 2;
  tx.locktime = locktime;
  tx.addInput(hexToBytes(commitment.txid).reverse(), commitment.vout, 0xfffffffd);
  tx.addOutput(to, OUTPUT_SAT - feeSat);
  return signCoinInput(tx.toBuffer(), { txid: commitment.txid, vout: commitment.vout, valueSat: OUTPUT_SAT, scriptPubKey: claimSpk }, claimKey);
}

async function setup() {
  const chain = new FakeChain();
  const wallet = OnchainWallet.restore(Keychain.fromSeed(seededEntropy('claim-bump').randomBytes(32), NET), NET, chain);
  const sweepTo = parseAddress(wallet.nextReceiveAddress().address, NET).scriptPubKey;
  const commitmentTxid = chain.fund(claimSpk, OUTPUT_SAT);
  chain.mine();
  await wallet.sync();
  const commitment = { txid: commitmentTxid, vout: 0 };
  const deps = { chain: chain as unknown as ChannelChain, wallet: wallet as unknown as ChannelWallet };
  const action = (raw: Uint8Array, targetFeeratePerKw: number, maxFeeSat = OUTPUT_SAT / 2n): RequestClaimBumpAction => {
    const tx = Transaction.fromBuffer(raw);
    return { type: 'request-claim-bump', kind: 'justice', replacement: raw, replacementTxid: tx.getHash(), spentOutpoint: { txid: tx.ins[0]!.hash, index: 0 }, inputValueSat: OUTPUT_SAT, targetFeeratePerKw, maxFeeSat };
  };
  return { chain, wallet, sweepTo, commitment, deps, action };
}

/** Fee and weight of `txid` and of every tx chained on its output 0, as the fake chain holds them. */
async function packageOf(chain: FakeChain, txid: string): Promise<{ feeSat: bigint; weight: number; txs: Transaction[] }> {
  let tx = Transaction.fromBuffer(await chain.transaction(txid));
  let feeSat = OUTPUT_SAT - tx.outs[0]!.value;
  let weight = tx.weight();
  const txs = [tx];
  for (;;) {
    const s = await chain.outSpend(tx.getId(), 0);
    if (!s.spent) break;
    const child = Transaction.fromBuffer(await chain.transaction(s.txid));
    feeSat += tx.outs[0]!.value - child.outs[0]!.value;
    weight += child.weight();
    txs.push(child);
    tx = child;
  }
  return { feeSat, weight, txs };
}

describe('runClaimBump', () => {
  it('the chain refuses the replacement (conflict) → a CPFP child of the version in the mempool, from its own output, lifts the package to the target; a second bump chains on it', async () => {
    const { chain, sweepTo, commitment, deps, action } = await setup();
    const v1 = claimVersion(commitment, sweepTo, 200n, 501);
    const v1txid = await chain.broadcast(v1);
    const v2 = claimVersion(commitment, sweepTo, 1_000n, 520);
    const broadcasts = new Map([[v1txid, { raw: v1, wallet: false }]]);
    expect(await runClaimBump(deps, quiet, action(v2, 2_000), broadcasts)).toBe('cpfp');
    expect((await chain.outSpend(commitment.txid, 0)) as unknown).toMatchObject({ spent: true, txid: v1txid }); // v2 refused
    let pkg = await packageOf(chain, v1txid);
    expect(pkg.txs).toHaveLength(2);
    expect(pkg.txs[1]!.weight()).toBeLessThanOrEqual(CLAIM_CPFP_CHILD_WEIGHT);
    expect(pkg.feeSat).toBe(feeForWeight(Transaction.fromBuffer(v1).weight() + CLAIM_CPFP_CHILD_WEIGHT, 2_000));
    expect(Number(pkg.feeSat * 1000n) / pkg.weight).toBeGreaterThanOrEqual(2_000);
    expect([...broadcasts.keys()]).toEqual([v1txid]); // the version the mempool holds stays the one re-published

    const v3 = claimVersion(commitment, sweepTo, 4_000n, 530);
    expect(await runClaimBump(deps, quiet, action(v3, 4_000), broadcasts)).toBe('cpfp');
    pkg = await packageOf(chain, v1txid);
    expect(pkg.txs).toHaveLength(3);
    expect(Number(pkg.feeSat * 1000n) / pkg.weight).toBeGreaterThanOrEqual(4_000);
    // Already at the target: nothing more.
    expect(await runClaimBump(deps, quiet, action(v3, 4_000), broadcasts)).toBeUndefined();
  });

  it('never past the cap on all fees; a claim already in a block is left alone', async () => {
    const { chain, sweepTo, commitment, deps, action } = await setup();
    const v1 = claimVersion(commitment, sweepTo, 200n, 501);
    const v1txid = await chain.broadcast(v1);
    const v2 = claimVersion(commitment, sweepTo, 5_000n, 520);
    expect(await runClaimBump(deps, quiet, action(v2, 50_000, 300n), new Map())).toBeUndefined(); // 200 paid, a child costs more than the 100 left
    expect((await packageOf(chain, v1txid)).txs).toHaveLength(1);
    expect(await runClaimBump(deps, quiet, action(v2, 50_000, 2_000n), new Map())).toBe('cpfp');
    expect((await packageOf(chain, v1txid)).feeSat).toBe(2_000n); // capped
    chain.mine();
    const broadcastsBefore = chain.calls.broadcast;
    expect(await runClaimBump(deps, quiet, action(claimVersion(commitment, sweepTo, 9_000n, 530), 90_000), new Map())).toBeUndefined();
    expect(chain.calls.broadcast).toBe(broadcastsBefore);
  });

  it('a chain that takes the replacement: it is published and re-published instead of the version it replaced', async () => {
    const { chain, sweepTo, commitment, deps, action } = await setup();
    const v1 = claimVersion(commitment, sweepTo, 200n, 501); // never reached the mempool
    const v2 = claimVersion(commitment, sweepTo, 1_000n, 520);
    const v1txid = Transaction.fromBuffer(v1).getId();
    const broadcasts = new Map([[v1txid, { raw: v1, wallet: false }]]);
    expect(await runClaimBump(deps, quiet, action(v2, 2_000), broadcasts)).toBe('replaced');
    const v2txid = Transaction.fromBuffer(v2).getId();
    expect((await chain.outSpend(commitment.txid, 0)) as unknown).toMatchObject({ spent: true, txid: v2txid });
    expect([...broadcasts.keys()]).toEqual([v2txid]);
  });
});

describe('runHtlcTxCpfp (anchors: our wallet-funded HTLC tx, CPFP from its change)', () => {
  const COIN_SAT = 50_000n;
  const delayed = p2wpkhScript(publicKeyOf(sha256(Uint8Array.of(0xd1))));

  /** An "HTLC tx": the HTLC output (OUTPUT_SAT) plus a wallet-side coin in; the HTLC value to a delayed script, the change to the wallet, paying `feeSat`. */
  async function htlcTx(chain: FakeChain, changeTo: Uint8Array, feeSat: bigint) {
    const htlc = { txid: chain.fund(claimSpk, OUTPUT_SAT), vout: 0 };
    const coin = { txid: chain.fund(claimSpk, COIN_SAT), vout: 0 };
    chain.mine();
    const tx = new Transaction();
    tx.version = 2;
    tx.addInput(hexToBytes(htlc.txid).reverse(), 0, 1);
    tx.addInput(hexToBytes(coin.txid).reverse(), 0, 0xfffffffd);
    tx.addOutput(delayed, OUTPUT_SAT);
    tx.addOutput(changeTo, COIN_SAT - feeSat);
    const raw = signCoinInputs(tx.toBuffer(), [
      { coin: { ...htlc, valueSat: OUTPUT_SAT, scriptPubKey: claimSpk }, secret: claimKey },
      { coin: { ...coin, valueSat: COIN_SAT, scriptPubKey: claimSpk }, secret: claimKey },
    ]);
    return { raw, htlc };
  }
  const request = (raw: Uint8Array, targetFeeratePerKw: number, maxFeeSat = OUTPUT_SAT / 2n): RequestHtlcTxCpfpAction => ({
    type: 'request-htlc-tx-cpfp',
    outputIndex: 0,
    htlcTx: raw,
    changeVout: 1,
    htlcValueSat: OUTPUT_SAT,
    targetFeeratePerKw,
    maxFeeSat,
  });

  it('in the mempool → a child of its change lifts the package to the target (the HTLC output untouched); the next one to at least double; capped; left alone once mined or when not in the mempool', async () => {
    const { chain, sweepTo, deps } = await setup();
    const { raw } = await htlcTx(chain, sweepTo, 300n);
    const parent = Transaction.fromBuffer(raw);
    // Not in the mempool: nothing (the channel re-publishes it).
    expect(await runHtlcTxCpfp(deps, quiet, request(raw, 2_000))).toBeUndefined();
    await chain.broadcast(raw);
    expect(await runHtlcTxCpfp(deps, quiet, request(raw, 2_000))).toBe('cpfp');
    const child1 = await chain.outSpend(parent.getId(), 1);
    if (!child1.spent) throw new Error('the change is not spent');
    expect((await chain.outSpend(parent.getId(), 0)).spent).toBe(false);
    const c1 = Transaction.fromBuffer(await chain.transaction(child1.txid));
    const fee1 = 300n + (COIN_SAT - 300n - c1.outs[0]!.value);
    expect(fee1).toBe(feeForWeight(parent.weight() + CLAIM_CPFP_CHILD_WEIGHT, 2_000));
    // Bumped again with a lower target: at least double what the package pays now, chained on the child.
    expect(await runHtlcTxCpfp(deps, quiet, request(raw, 253))).toBe('cpfp');
    const child2 = await chain.outSpend(c1.getId(), 0);
    if (!child2.spent) throw new Error('the first child is not spent');
    const c2 = Transaction.fromBuffer(await chain.transaction(child2.txid));
    const fee2 = fee1 + (c1.outs[0]!.value - c2.outs[0]!.value);
    const weight2 = parent.weight() + c1.weight() + c2.weight();
    expect(Number((fee2 * 1000n) / BigInt(weight2))).toBeGreaterThanOrEqual(2 * Number((fee1 * 1000n) / BigInt(parent.weight() + c1.weight())) - 1);
    // The cap on all fees: nothing once reached.
    expect(await runHtlcTxCpfp(deps, quiet, request(raw, 100_000, fee2 + 10n))).toBeUndefined();
    chain.mine();
    const before = chain.calls.broadcast;
    expect(await runHtlcTxCpfp(deps, quiet, request(raw, 100_000))).toBeUndefined();
    expect(chain.calls.broadcast).toBe(before);
  });

  it('the peer took the HTLC output (another spender), or the change is not the wallet’s: nothing', async () => {
    const { chain, sweepTo, deps } = await setup();
    const foreignChange = await htlcTx(chain, claimSpk, 300n);
    await chain.broadcast(foreignChange.raw);
    expect(await runHtlcTxCpfp(deps, quiet, request(foreignChange.raw, 2_000))).toBeUndefined();
    const ours = await htlcTx(chain, sweepTo, 300n);
    const theirs = claimVersion(ours.htlc, claimSpk, 500n, 0);
    await chain.broadcast(theirs);
    const before = chain.calls.broadcast;
    expect(await runHtlcTxCpfp(deps, quiet, request(ours.raw, 2_000))).toBeUndefined();
    expect(chain.calls.broadcast).toBe(before);
  });
});

describe('OnchainWallet.spendOwnOutput', () => {
  it('refuses an output that is not the wallet’s, and a fee that leaves dust', async () => {
    const { chain, wallet, sweepTo, commitment } = await setup();
    const field = async (p: Promise<unknown>): Promise<string | undefined> => p.then(() => undefined, (e: unknown) => (e instanceof ValidationError ? e.field : String(e)));
    const foreign = claimVersion(commitment, claimSpk, 200n, 501);
    expect(await field(wallet.spendOwnOutput({ parentRaw: foreign, vout: 0, feeSat: 500n }))).toBe('parentRaw');
    expect(await field(wallet.spendOwnOutput({ parentRaw: foreign, vout: 3, feeSat: 500n }))).toBe('vout');
    const ours = claimVersion(commitment, sweepTo, 200n, 501);
    await chain.broadcast(ours);
    expect(await field(wallet.spendOwnOutput({ parentRaw: ours, vout: 0, feeSat: -1n }))).toBe('feeSat');
    expect(await field(wallet.spendOwnOutput({ parentRaw: ours, vout: 0, feeSat: OUTPUT_SAT - 300n }))).toBe('outputs[0].valueSat');
    const before = chain.calls.broadcast;
    const child = await wallet.spendOwnOutput({ parentRaw: ours, vout: 0, feeSat: 1_000n });
    expect(chain.calls.broadcast).toBe(before + 1); // signed and accepted (the fake chain checks the signature)
    expect(Transaction.fromBuffer(child.rawTx).outs[0]!.value).toBe(OUTPUT_SAT - 200n - 1_000n);
  });
});
