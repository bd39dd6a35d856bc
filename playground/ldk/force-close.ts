/**
 * LDK as the force-closing peer with HTLCs pending (BOLT 5 "Unilateral Close Handling"), for
 * issue 6's interop tests:
 *
 *   - `waitForHeld` / `payAndHold`: an HTLC held on LDK's side, irrevocably committed in both
 *     commitments (LDK raises PaymentClaimable only then), neither claimed nor failed, with its
 *     `cltv_expiry` — the node's `payments.policy = 'hold'` (payments.ts) keeps it;
 *   - `forceCloseLdk`: `force_close_broadcasting_latest_txn`, and a `LdkForceClose` that finds the
 *     commitment LDK broadcast and, as blocks come, every later broadcast spending it, classified
 *     as BOLT 3 second-stage HTLC-success / HTLC-timeout transactions by their witness;
 *   - `submitAll`: the test puts what it chose into the chain's mempool and mines it.
 *
 * static_remotekey channels: LDK signs and broadcasts its HTLC txs itself. With anchors it emits
 * BumpTransaction events instead (it needs a wallet to add fee inputs); an LdkNode answers them
 * only with bump.ts's `attachBumpHandler` (else only a commitment that already meets LDK's target
 * feerate is broadcast).
 *
 * https://github.com/lightning/bolts/blob/master/05-onchain.md#unilateral-close-handling-local-commitment-transaction
 */
import { Transaction } from 'bitcoinjs-lib';
import type { LdkNode } from './node.ts';
import type { LdkPaymentSent } from './payments.ts';
import { inputsOf, txidOf } from './stale-monitor.ts';

const hexOf = (bytes: Uint8Array): string => Buffer.from(bytes).toString('hex');

/** An HTLC LDK holds as payee: committed, neither claimed nor failed. */
export interface HeldHtlc {
  readonly channelId: string;
  readonly paymentHash: string;
  readonly amountMsat: bigint;
  /** The HTLC's absolute `cltv_expiry` (block height). */
  readonly cltvExpiry: number;
  readonly htlcId: bigint;
}

/**
 * Resolve once `payee` holds an incoming HTLC for `paymentHash` (hex): held under its `hold`
 * policy (set it before the payment arrives) and listed committed on its channel.
 */
export async function waitForHeld(payee: LdkNode, paymentHash: string, timeoutMs = 20_000): Promise<HeldHtlc> {
  if (payee.payments.policy !== 'hold') throw new Error(`${payee.alias}: set payments.policy = 'hold' before the payment arrives`);
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const found = payee.payments.heldPayments().includes(paymentHash) ? incomingHtlc(payee, paymentHash) : undefined;
    if (found) return found;
    if (Date.now() > deadline) throw new Error(`${payee.alias}: no held HTLC for ${paymentHash} within ${timeoutMs} ms\n${payee.logs.slice(-10).join('\n')}`);
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
}

function incomingHtlc(node: LdkNode, paymentHash: string): HeldHtlc | undefined {
  const ldk = node.ldk;
  for (const details of node.channelManager.list_channels()) {
    for (const htlc of details.get_pending_inbound_htlcs()) {
      if (hexOf(htlc.get_payment_hash()) !== paymentHash) continue;
      const state = htlc.get_state();
      const committed = state instanceof ldk.Option_InboundHTLCStateDetailsZ_Some && state.some === ldk.InboundHTLCStateDetails.LDKInboundHTLCStateDetails_Committed;
      if (!committed) return undefined;
      return { channelId: hexOf(details.get_channel_id().get_a()), paymentHash, amountMsat: htlc.get_amount_msat(), cltvExpiry: htlc.get_cltv_expiry(), htlcId: htlc.get_htlc_id() };
    }
  }
  return undefined;
}

/** A payment LDK→LDK left pending: the payee holds the HTLC; `sent` settles once it is resolved (on or off chain). */
export interface HeldPayment extends HeldHtlc {
  /** PaymentSent, or the payer's rejection (LdkPaymentError / stopped) as a value: never an unhandled rejection. */
  readonly sent: Promise<LdkPaymentSent | Error>;
}

/** `payer` pays an invoice of `payee`; `payee` holds the HTLC (its policy is set to `hold` and stays so). */
export async function payAndHold(payer: LdkNode, payee: LdkNode, amountMsat: bigint, options: { description?: string; timeoutMs?: number } = {}): Promise<HeldPayment> {
  payee.payments.policy = 'hold';
  const bolt11 = payee.createInvoice({ amountMsat, description: options.description ?? 'held' });
  const paymentHash = payee.payments.paymentHashOf(bolt11);
  const sent = payer.payInvoice(bolt11, { timeoutMs: 10 * 60_000 }).catch((error: unknown) => (error instanceof Error ? error : new Error(String(error))));
  const held = await waitForHeld(payee, paymentHash, options.timeoutMs);
  return { ...held, sent };
}

/** A second-stage transaction's kind, from its witness (BOLT 3 "HTLC-Timeout and HTLC-Success Transactions"). */
export type CommitmentSpendKind = 'htlc-success' | 'htlc-timeout' | 'other';

export interface CommitmentSpend {
  readonly raw: Uint8Array;
  readonly txid: string;
  readonly kind: CommitmentSpendKind;
  /** The commitment outputs it spends. */
  readonly vouts: readonly number[];
  readonly locktime: number;
}

/**
 * BOLT 3: an HTLC-success/-timeout input's witness is `0 <remotehtlcsig> <localhtlcsig>
 * <payment_preimage | empty> <witnessScript>`; the offered/received HTLC scripts start
 * `OP_DUP OP_HASH160`.
 */
export function classifyCommitmentSpend(raw: Uint8Array, commitmentTxid: string): CommitmentSpend {
  const tx = Transaction.fromBuffer(Buffer.from(raw));
  const inputs = inputsOf(raw);
  const vouts = inputs.flatMap((input) => (input.txid === commitmentTxid ? [input.vout] : []));
  const first = inputs.findIndex((input) => input.txid === commitmentTxid);
  const w = first >= 0 ? tx.ins[first]!.witness : [];
  const htlcShaped = w.length === 5 && w[0]!.length === 0 && w[4]![0] === 0x76 && w[4]![1] === 0xa9;
  const kind: CommitmentSpendKind = !htlcShaped ? 'other' : w[3]!.length === 32 ? 'htlc-success' : w[3]!.length === 0 ? 'htlc-timeout' : 'other';
  return { raw, txid: tx.getId(), kind, vouts, locktime: tx.locktime };
}

/** What `forceCloseLdk` captured, and what LDK broadcasts later about that commitment. */
export class LdkForceClose {
  readonly node: LdkNode;
  readonly channelId: string;
  /** LDK's holder commitment (spends the funding output). */
  readonly commitmentTx: Uint8Array;
  readonly commitmentTxid: string;
  private readonly fromIndex: number;

  constructor(node: LdkNode, channelId: string, commitmentTx: Uint8Array, fromIndex: number) {
    this.node = node;
    this.channelId = channelId;
    this.commitmentTx = commitmentTx;
    this.commitmentTxid = txidOf(commitmentTx);
    this.fromIndex = fromIndex;
  }

  /** Every distinct broadcast since the close that spends the commitment (LDK re-broadcasts; duplicates folded), oldest first. */
  spends(): CommitmentSpend[] {
    const seen = new Set<string>();
    const out: CommitmentSpend[] = [];
    for (const raw of this.node.broadcasts.slice(this.fromIndex)) {
      if (!inputsOf(raw).some((input) => input.txid === this.commitmentTxid)) continue;
      const spend = classifyCommitmentSpend(raw, this.commitmentTxid);
      if (seen.has(spend.txid)) continue;
      seen.add(spend.txid);
      out.push(spend);
    }
    return out;
  }

  /** The commitment's HTLC transactions LDK broadcast so far. */
  htlcTxs(kind?: 'htlc-success' | 'htlc-timeout'): CommitmentSpend[] {
    return this.spends().filter((s) => (kind ? s.kind === kind : s.kind !== 'other'));
  }

  /** Resolve with the first spend matching `predicate` LDK broadcast (poll every 20 ms; drive blocks meanwhile). */
  async waitForSpend(predicate: (spend: CommitmentSpend) => boolean, what: string, timeoutMs = 20_000): Promise<CommitmentSpend> {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      const found = this.spends().find(predicate);
      if (found) return found;
      if (Date.now() > deadline) throw new Error(`${this.node.alias}: no ${what} within ${timeoutMs} ms\n${this.node.logs.slice(-10).join('\n')}`);
      await new Promise((resolve) => setTimeout(resolve, 20));
    }
  }
}

/**
 * LDK force-closes `channelId` (hex) with `counterparty` (node id): its latest holder commitment
 * is signed and broadcast (to `node.broadcasts`; a feed with `submitBroadcasts` relays it to the
 * chain). Resolves once the commitment was broadcast.
 */
export async function forceCloseLdk(node: LdkNode, channelId: string, counterparty: Uint8Array, options: { message?: string; timeoutMs?: number } = {}): Promise<LdkForceClose> {
  const ldk = node.ldk;
  const details = node.channelManager.list_channels().find((d) => hexOf(d.get_channel_id().get_a()) === channelId);
  const txo = details?.get_funding_txo();
  if (!details || !txo) throw new Error(`${node.alias}: no funded channel ${channelId}`);
  const fundingTxid = hexOf(Uint8Array.from(txo.get_txid()).reverse());
  const fundingVout = txo.get_index();
  const fromIndex = node.broadcasts.length;
  const result = node.run(() => node.channelManager.force_close_broadcasting_latest_txn(ldk.ChannelId.constructor_new(Buffer.from(channelId, 'hex')), counterparty, options.message ?? 'force close (interop test)'));
  if (!(result instanceof ldk.Result_NoneAPIErrorZ_OK)) throw new Error(`${node.alias}: force_close_broadcasting_latest_txn refused for ${channelId}`);
  const isCommitment = (raw: Uint8Array) => inputsOf(raw).some((input) => input.txid === fundingTxid && input.vout === fundingVout);
  const deadline = Date.now() + (options.timeoutMs ?? 10_000);
  for (;;) {
    const commitment = node.broadcasts.slice(fromIndex).find(isCommitment);
    if (commitment) return new LdkForceClose(node, channelId, Uint8Array.from(commitment), fromIndex);
    if (Date.now() > deadline) throw new Error(`${node.alias}: force-closed ${channelId} but broadcast no commitment\n${node.logs.slice(-10).join('\n')}`);
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
}

/** Where transactions go: e.g. playground/chain's RegtestChain (`submit`). */
export interface TxSink {
  submit(raw: Uint8Array): Promise<{ readonly ok: boolean; readonly txid?: string; readonly message?: string }>;
}

/** Submit each transaction in order; throws naming the first one the chain refused. */
export async function submitAll(chain: TxSink, txs: readonly Uint8Array[]): Promise<string[]> {
  const txids: string[] = [];
  for (const raw of txs) {
    const result = await chain.submit(raw);
    if (!result.ok) throw new Error(`chain refused ${txidOf(raw)}: ${result.message ?? 'no reason'}`);
    txids.push(txidOf(raw));
  }
  return txids;
}
