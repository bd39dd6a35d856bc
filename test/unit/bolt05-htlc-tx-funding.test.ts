/**
 * engine/node/htlc-tx-funding.ts: a channel's `request-htlc-tx-fee` (BOLT 5, option_anchors) run
 * through the wallet port — the feerate for the request's deadline from the chain's estimates
 * (bolt5/urgency.ts), the presigned HTLC input kept at index 0 with wallet coins and change
 * attached, one request per output at a time, and a clear failure (no coin, no estimates:
 * fallback feerate). The wallet here signs nothing (its own tests cover that): the funder's job
 * is building and answering.
 */
import { Transaction } from 'bitcoinjs-lib';
import { describe, expect, it } from 'vitest';
import type { HtlcTxFundedEvent, RequestHtlcTxFeeAction } from '../../engine/channel/index.ts';
import { buildCommitment } from '../../engine/channel/bolt3/commitment.ts';
import { buildHtlcTxs, signHtlcTx } from '../../engine/channel/bolt3/htlc-tx.ts';
import { p2wpkh } from '../../engine/channel/bolt3/scripts.ts';
import { anchorHtlcTxWeight, feeForWeight, presignAnchorHtlcTx } from '../../engine/channel/bolt5/index.ts';
import { publicKeyOf } from '../../engine/crypto/secp256k1.ts';
import { ValidationError } from '../../engine/lib/errors.ts';
import { HtlcTxFunder } from '../../engine/node/htlc-tx-funding.ts';
import type { ChannelChain, ChannelWallet } from '../../engine/node/channel-ports.ts';
import type { ForeignFundRequest, ForeignSpendCoin } from '../../engine/wallet/foreign.ts';
import type { Logger } from '../../engine/ports.ts';
import { allHtlcs, commitmentParams, localHtlcPrivkey, remoteHtlcPrivkey } from './bolt03-fixtures.ts';

const walletScript = p2wpkh(publicKeyOf(Uint8Array.from({ length: 32 }, (_, i) => i + 3)));
const commitment = buildCommitment(commitmentParams({ channelType: 'anchors_zero_fee_htlc_tx', toLocalMsat: 6_988_000_000n, toRemoteMsat: 3_000_000_000n, feeratePerKw: 644, dustLimitSatoshis: 546n, htlcs: allHtlcs.slice(0, 5) }));
const success = buildHtlcTxs(commitment).find((h) => h.kind === 'htlc-success')!;
const presigned = presignAnchorHtlcTx({ htlcTx: success, remoteSignature: signHtlcTx(success, remoteHtlcPrivkey, 'remote'), paymentPreimage: success.htlc.preimage }, localHtlcPrivkey);

const request = (over: Partial<RequestHtlcTxFeeAction> = {}): RequestHtlcTxFeeAction => ({
  type: 'request-htlc-tx-fee',
  outputIndex: success.commitmentOutputIndex,
  kind: 'htlc-success',
  htlcTx: presigned.toBuffer(),
  deadlineBlocks: 0,
  fallbackFeeratePerKw: 300,
  ...over,
});

const coins: ForeignSpendCoin[] = [
  { txid: '11'.repeat(32), vout: 1, valueSat: 80_000n, scriptPubKey: walletScript },
  { txid: '22'.repeat(32), vout: 0, valueSat: 5_000n, scriptPubKey: walletScript },
];

/** A wallet port that offers `coins`, records the calls, and answers once `release()` is called. */
function fakeWallet(offer: readonly ForeignSpendCoin[]) {
  const calls: ForeignFundRequest[] = [];
  let release: () => void = () => undefined;
  const gate = new Promise<void>((r) => (release = r));
  const wallet: ChannelWallet = {
    fundChannel: () => Promise.reject(new Error('unused')),
    cancelReservation: () => false,
    broadcast: () => Promise.reject(new Error('unused')),
    shutdownScript: () => walletScript,
    async signWithForeignInputs(req) {
      calls.push(req);
      await gate;
      if (offer.length === 0) throw new ValidationError('walletCoins', 'no confirmed spendable coin');
      const rawTx = req.build(offer, walletScript);
      return { txid: Transaction.fromBuffer(rawTx).getId(), rawTx };
    },
  };
  return { wallet, calls, release: () => release() };
}

const warnings: string[] = [];
const logger: Logger = { log: (level, message) => void (level === 'warn' && warnings.push(message)) };
const chainWith = (estimates?: Map<number, number>): ChannelChain =>
  ({ ...(estimates ? { feeEstimates: () => Promise.resolve(estimates) } : { feeEstimates: () => Promise.reject(new Error('down')) }) }) as unknown as ChannelChain;

async function answerOf(funder: HtlcTxFunder, a: RequestHtlcTxFeeAction, release: () => void): Promise<HtlcTxFundedEvent> {
  const answer = new Promise<HtlcTxFundedEvent>((resolve) => funder.run('channel:0', a, resolve));
  release();
  return answer;
}

describe('HtlcTxFunder: request-htlc-tx-fee through the wallet', () => {
  it('the deadline picks the estimate (racing: the 1-block one); the HTLC input stays at index 0; the fee is at that feerate', async () => {
    const { wallet, release } = fakeWallet(coins);
    const funder = new HtlcTxFunder({ chain: chainWith(new Map([[1, 4], [6, 2], [144, 1]])), wallet, logger });
    const e = await answerOf(funder, request({ deadlineBlocks: 0 }), release);
    if (!('rawTx' in e)) throw new Error(`not funded: ${e.failure}`);
    const tx = Transaction.fromBuffer(e.rawTx);
    expect(e.outputIndex).toBe(success.commitmentOutputIndex);
    expect(tx.ins[0]!.witness).toEqual(presigned.ins[0]!.witness);
    expect(tx.outs[0]!.value).toBe(presigned.outs[0]!.value);
    expect(tx.ins).toHaveLength(2); // the 80 000-sat coin (offered first) is enough
    const fee = presigned.outs[0]!.value + coins[0]!.valueSat - tx.outs.reduce((s, o) => s + o.value, 0n);
    expect(fee).toBe(feeForWeight(anchorHtlcTxWeight([presigned], 1, walletScript.length), 1000)); // 4 sat/vB
  });

  it('a far deadline uses a longer target (cheaper); no estimates: the channel fallback', async () => {
    const far = fakeWallet(coins);
    const e1 = await answerOf(new HtlcTxFunder({ chain: chainWith(new Map([[1, 4], [6, 2], [144, 1]])), wallet: far.wallet, logger }), request({ deadlineBlocks: 40 }), far.release);
    const none = fakeWallet(coins);
    const e2 = await answerOf(new HtlcTxFunder({ chain: chainWith(), wallet: none.wallet, logger }), request(), none.release);
    const feeOf = (e: HtlcTxFundedEvent): bigint => {
      if (!('rawTx' in e)) throw new Error('not funded');
      return presigned.outs[0]!.value + coins[0]!.valueSat - Transaction.fromBuffer(e.rawTx).outs.reduce((s, o) => s + o.value, 0n);
    };
    const weight = anchorHtlcTxWeight([presigned], 1, walletScript.length);
    expect(feeOf(e1)).toBe(feeForWeight(weight, 500)); // target 20 → the 6-block estimate, 2 sat/vB
    expect(feeOf(e2)).toBe(feeForWeight(weight, 300));
  });

  it('one request per output at a time: a second one while the first runs reaches no wallet', async () => {
    const { wallet, calls, release } = fakeWallet(coins);
    const funder = new HtlcTxFunder({ chain: chainWith(new Map([[1, 2]])), wallet, logger });
    const answers: HtlcTxFundedEvent[] = [];
    funder.run('channel:0', request(), (e) => answers.push(e));
    funder.run('channel:0', request(), (e) => answers.push(e));
    funder.run('channel:1', request(), (e) => answers.push(e));
    await new Promise((r) => setTimeout(r, 10));
    expect(calls).toHaveLength(2); // channel:0 once, channel:1 once
    release();
    await new Promise((r) => setTimeout(r, 10));
    expect(answers).toHaveLength(2);
    // Done: the next request runs again.
    funder.run('channel:0', request(), (e) => answers.push(e));
    await new Promise((r) => setTimeout(r, 10));
    expect(calls).toHaveLength(3);
  });

  it('no coin big enough: a failure answer naming the fee, and a warning', async () => {
    warnings.length = 0;
    const small = fakeWallet([coins[1]!].map((c) => ({ ...c, valueSat: 300n })));
    const e = await answerOf(new HtlcTxFunder({ chain: chainWith(new Map([[1, 2]])), wallet: small.wallet, logger }), request(), small.release);
    expect('failure' in e && e.failure).toMatch(/no wallet coin pays the htlc-success transaction's fee at 500 sat\/kw/);
    expect(warnings.some((m) => /not funded/.test(m))).toBe(true);
    const empty = fakeWallet([]);
    const e2 = await answerOf(new HtlcTxFunder({ chain: chainWith(new Map([[1, 2]])), wallet: empty.wallet, logger }), request(), empty.release);
    expect('failure' in e2 && e2.failure).toMatch(/no confirmed spendable coin/);
    const { signWithForeignInputs: _absent, ...noForeign } = empty.wallet;
    const e3 = await answerOf(new HtlcTxFunder({ chain: chainWith(), wallet: noForeign, logger }), request(), () => undefined);
    expect('failure' in e3 && e3.failure).toMatch(/cannot add fee inputs/);
  });
});
