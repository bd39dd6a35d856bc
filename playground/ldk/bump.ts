/**
 * Fee bumping for an LDK node's anchor channels, the way an LDK user does it: LDK emits
 * `Event::BumpTransaction` for a force close (`ChannelClose`: its zero-fee-HTLC commitment plus
 * a CPFP child on its anchor) and for its second-stage HTLC claims (`HTLCResolution`: HTLC-success
 * / -timeout txs signed SIGHASH_SINGLE|ANYONECANPAY that need a fee input). LDK's own
 * `BumpTransactionEventHandler` builds, signs (anchor / HTLC inputs through the node's
 * SignerProvider) and broadcasts them; it takes its fee inputs from a `Wallet` over our
 * `WalletSource`:
 *
 *   - `list_confirmed_utxos`: the P2WPKH coins of a `RegtestWallet` key, confirmed on the
 *     regtest chain and not spent in a block or the mempool (read synchronously from the chain's
 *     indexes: LDK calls back from inside the WASM);
 *   - `get_change_script`: the same key;
 *   - `sign_psbt`: sign the PSBT's inputs that spend this key (BIP 143), leaving LDK's own inputs
 *     for LDK.
 *
 * LDK's `Wallet` reserves the coins it picked per claim, so a rebroadcast of a claim reuses them.
 * When a commitment already pays LDK's target feerate, LDK broadcasts it alone, with no event.
 *
 * rust-lightning lightning/src/events/bump_transaction.rs; BOLT 3 "Anchor outputs",
 * https://github.com/lightning/bolts/blob/master/03-transactions.md#htlc-timeout-and-htlc-success-transactions
 */
import { Psbt, Transaction } from 'bitcoinjs-lib';
import type { BumpTransactionEvent, Event, Utxo } from 'lightningdevkit';
import type { RegtestChain } from '../chain/regtest-chain.ts';
import { scripthashOf } from '../chain/script.ts';
import type { RegtestWallet } from '../chain/wallet.ts';
import type { LdkNode } from './node.ts';

/** Witness weight of a P2WPKH spend plus its empty scriptSig (LDK's `Utxo::new_v0_p2wpkh`: 4 + 109). */
const P2WPKH_SATISFACTION_WEIGHT = 113n;

/** What the handler did: each event it answered, by kind, and how it ended. */
export interface BumpRecord {
  readonly kind: 'channel-close' | 'htlc-resolution';
  readonly channelId: string;
  /** LDK's target feerate for the package (sat per 1000 weight). */
  readonly targetFeeratePerKw: number;
  /** The commitment (channel-close), display txid. */
  readonly commitmentTxid?: string;
  /** How many HTLCs the event asked to resolve (htlc-resolution). */
  readonly htlcs?: number;
  /** Broadcasts LDK made while handling it (commitment and child, or the HTLC tx). */
  readonly broadcasts: number;
}

export interface LdkBumper {
  /** The wallet key whose coins pay the fees (fund it with `chain.faucet(wallet.script, …)` and mine). */
  readonly wallet: RegtestWallet;
  /** Every bump event answered, oldest first. */
  readonly records: readonly BumpRecord[];
  /** The wallet's spendable coins now (confirmed, unspent in blocks and the mempool). */
  coins(): { txid: string; vout: number; value: bigint }[];
  /** Stop answering bump events. */
  detach(): void;
}

const hexOf = (bytes: Uint8Array): string => Buffer.from(bytes).toString('hex');
const displayTxid = (raw: Uint8Array): string => Transaction.fromBuffer(Buffer.from(raw)).getId();

/**
 * Answer `node`'s BumpTransaction events with LDK's BumpTransactionEventHandler, its fee inputs
 * from `wallet`'s coins on `chain`.
 */
export function attachBumpHandler(node: LdkNode, chain: RegtestChain, wallet: RegtestWallet): LdkBumper {
  const ldk = node.ldk;
  const records: BumpRecord[] = [];

  const coins = (): { txid: string; vout: number; value: bigint }[] => {
    const mempool = chain.mempoolView();
    const out: { txid: string; vout: number; value: bigint }[] = [];
    const mine = Buffer.from(wallet.script);
    for (const record of chain.index.historyOf(scripthashOf(wallet.script))) {
      const txid = record.tx.txid();
      record.tx.outputs.forEach((output, vout) => {
        if (!mine.equals(output.script.toRaw())) return;
        if (chain.index.spentBy(txid, vout) || mempool.spentBy(txid, vout)) return;
        if (record.tx.isCoinbase()) return;
        out.push({ txid, vout, value: BigInt(output.value) });
      });
    }
    return out;
  };

  const source = ldk.WalletSource.new_impl({
    list_confirmed_utxos: () => {
      const utxos: Utxo[] = coins().map((c) =>
        ldk.Utxo.constructor_new(ldk.OutPoint.constructor_new(Buffer.from(c.txid, 'hex').reverse(), c.vout), ldk.TxOut.constructor_new(c.value, wallet.script), P2WPKH_SATISFACTION_WEIGHT),
      );
      return ldk.Result_CVec_UtxoZNoneZ.constructor_ok(utxos);
    },
    get_change_script: () => ldk.Result_CVec_u8ZNoneZ.constructor_ok(wallet.script),
    sign_psbt: (psbtBytes: Uint8Array) => {
      try {
        const psbt = Psbt.fromBuffer(Buffer.from(psbtBytes));
        const tx = Transaction.fromBuffer(Buffer.from(psbt.data.globalMap.unsignedTx.toBuffer()));
        const prevouts = psbt.data.inputs.map((input) => input.witnessUtxo);
        if (wallet.signOwnInputs(tx, prevouts) === 0) return ldk.Result_TransactionNoneZ.constructor_err();
        return ldk.Result_TransactionNoneZ.constructor_ok(Uint8Array.from(tx.toBuffer()));
      } catch {
        return ldk.Result_TransactionNoneZ.constructor_err();
      }
    },
  });
  const utxoSource = ldk.Wallet.constructor_new(source, node.logger).as_CoinSelectionSource();
  const handler = ldk.BumpTransactionEventHandler.constructor_new(node.broadcaster, utxoSource, node.keysManager.as_SignerProvider(), node.logger);

  const describe = (event: BumpTransactionEvent): Omit<BumpRecord, 'broadcasts'> | undefined => {
    if (event instanceof ldk.BumpTransactionEvent_ChannelClose) {
      return { kind: 'channel-close', channelId: hexOf(event.channel_id.get_a()), targetFeeratePerKw: event.package_target_feerate_sat_per_1000_weight, commitmentTxid: displayTxid(event.commitment_tx) };
    }
    if (event instanceof ldk.BumpTransactionEvent_HTLCResolution) {
      return { kind: 'htlc-resolution', channelId: hexOf(event.channel_id.get_a()), targetFeeratePerKw: event.target_feerate_sat_per_1000_weight, htlcs: event.htlc_descriptors.length };
    }
    return undefined;
  };

  const unsubscribe = node.onEvent((e: Event) => {
    if (!(e instanceof ldk.Event_BumpTransaction)) return;
    const event = e.bump_transaction;
    const what = describe(event);
    if (!what) return;
    // Listeners run after process_pending_events returned, so calling LDK here is allowed.
    const before = node.broadcasts.length;
    node.run(() => handler.handle_event(event));
    records.push({ ...what, broadcasts: node.broadcasts.length - before });
  });

  return { wallet, records, coins, detach: unsubscribe };
}
