/**
 * BOLT 5 with `option_anchors`: the fees of our zero-fee HTLC transactions, paid from the wallet
 * (BOLT 3 "HTLC-Timeout and HTLC-Success Transactions": the peer signs them
 * SIGHASH_SINGLE|SIGHASH_ANYONECANPAY so the holder can add inputs). Runs a channel's
 * `request-htlc-tx-fee`:
 *
 *   feerate for the request's deadline (bolt5/urgency.ts sweepFeerate over the chain's
 *     estimates; the channel's fallback without them)
 *   ──▶ the wallet offers its confirmed coins and a change script; bolt5/second-stage.ts
 *     buildAnchorHtlcTx attaches as many as the fee needs to the presigned HTLC input; the
 *     wallet signs its inputs and RESERVES those coins (nothing is broadcast here)
 *   ──▶ `htlc-tx-funded {outputIndex, rawTx}` to the channel, which persists the tx before its
 *     `broadcast` (the barrier), so a restart publishes this same tx and the coins are never
 *     spent into a second version; a tx the channel refuses comes back as `cancel-funding`.
 *   No wallet coin big enough (or none confirmed) ──▶ a logged warning and
 *     `htlc-tx-funded {failure}` (the channel emits `htlc-tx-unfunded`); the channel asks again
 *     on the next block.
 *
 * One request per channel output runs at a time: the channel asks on every block (and on every
 * funding-spent report) until it holds the funded tx, and a second concurrent request would
 * reserve other coins for a second version of the same tx.
 *
 * https://github.com/lightning/bolts/blob/master/05-onchain.md#unilateral-close-handling-local-commitment-transaction
 */
import type { HtlcTxFundedEvent, RequestHtlcTxFeeAction } from '../channel/index.ts';
import { buildAnchorHtlcTx } from '../channel/bolt5/second-stage.ts';
import { sweepFeerate } from '../channel/bolt5/urgency.ts';
import { hexToBytes } from '../lib/bytes.ts';
import { errorMessage } from '../lib/errors.ts';
import type { Logger } from '../ports.ts';
import type { ChannelChain, ChannelWallet } from './channel-ports.ts';

export interface HtlcTxFunderDeps {
  readonly chain: ChannelChain;
  readonly wallet: ChannelWallet;
  readonly logger: Logger;
}

export class HtlcTxFunder {
  private readonly deps: HtlcTxFunderDeps;
  /** `<scope>:<output index>` of the requests running now. */
  private readonly running = new Set<string>();

  constructor(deps: HtlcTxFunderDeps) {
    this.deps = deps;
  }

  /**
   * Run `a` for channel `scope` and hand the answer to `answer` (the manager's dispatch). A
   * request for an output whose previous one still runs is dropped (the channel asks again).
   * Never rejects.
   */
  run(scope: string, a: RequestHtlcTxFeeAction, answer: (e: HtlcTxFundedEvent) => void): void {
    const key = `${scope}:${a.outputIndex}`;
    if (this.running.has(key)) return;
    this.running.add(key);
    void this.fund(scope, a)
      .then(answer)
      .catch((err: unknown) => this.deps.logger.log('error', 'anchors HTLC tx: the answer failed', { scope, outputIndex: a.outputIndex, error: errorMessage(err) }))
      .finally(() => this.running.delete(key));
  }

  private async fund(scope: string, a: RequestHtlcTxFeeAction): Promise<HtlcTxFundedEvent> {
    const { wallet, logger } = this.deps;
    const failed = (failure: string): HtlcTxFundedEvent => {
      logger.log('warn', 'anchors HTLC tx not funded; asked again on the next block', { scope, outputIndex: a.outputIndex, kind: a.kind, reason: failure });
      return { type: 'htlc-tx-funded', outputIndex: a.outputIndex, failure };
    };
    if (!wallet.signWithForeignInputs) return failed('the wallet cannot add fee inputs (no signWithForeignInputs)');
    const feeratePerKw = await this.feerate(a);
    try {
      const out = await wallet.signWithForeignInputs({
        build: (coins, changeScriptPubKey) =>
          buildAnchorHtlcTx({
            htlcTxs: [a.htlcTx],
            walletCoins: coins.map((c) => ({ txid: hexToBytes(c.txid).reverse(), index: c.vout, valueSat: c.valueSat, scriptPubKey: c.scriptPubKey })),
            changeScriptPubKey,
            feeratePerKw,
          }).tx.toBuffer(),
      });
      logger.log('info', 'anchors HTLC tx funded by the wallet', { scope, outputIndex: a.outputIndex, kind: a.kind, txid: out.txid, feeratePerKw });
      return { type: 'htlc-tx-funded', outputIndex: a.outputIndex, rawTx: out.rawTx };
    } catch (err) {
      return failed(`no wallet coin pays the ${a.kind} transaction's fee at ${feeratePerKw} sat/kw: ${errorMessage(err)}`);
    }
  }

  /** The feerate for the request's deadline from the chain's estimates, else the channel's fallback. */
  private async feerate(a: RequestHtlcTxFeeAction): Promise<number> {
    const chain = this.deps.chain;
    if (chain.feeEstimates) {
      try {
        return sweepFeerate({ deadlineBlocks: a.deadlineBlocks, estimates: await chain.feeEstimates() }).feeratePerKw;
      } catch (err) {
        this.deps.logger.log('debug', 'no fee estimates for an anchors HTLC tx; using the channel estimate', { error: errorMessage(err) });
      }
    }
    return a.fallbackFeeratePerKw;
  }
}
