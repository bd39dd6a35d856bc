/**
 * Incoming payments: our invoices (BOLT 11) and keysend, as the final node (BOLT 4 "Payload for
 * the last node", "Basic Multi-Part Payments", "Failure Messages").
 *
 * Each irrevocably committed incoming HTLC (`htlc-received`, and after a restart every
 * `pendingIncoming` HTLC) is peeled with the node key and then:
 *   - malformed onion (version, key, HMAC)        → update_fail_malformed_htlc;
 *   - bad payload                                   → invalid_onion_payload (type, offset);
 *   - not for us (a forward: we do not relay)       → unknown_next_peer;
 *   - incoming amount < amt_to_forward              → final_incorrect_htlc_amount;
 *   - cltv_expiry < outgoing_cltv_value             → final_incorrect_cltv_expiry;
 *   - keysend (TLV 5482373484): sha256(preimage) = hash and keysend accepted, else
 *     incorrect_or_unknown_payment_details; claimed at once (single part);
 *   - invoice: unknown hash, missing / wrong payment_secret, expired invoice, cltv_expiry below
 *     height + min_final_cltv_expiry_delta, total_msat below the invoice amount, parts disagreeing
 *     on total_msat, an invoice already paid → incorrect_or_unknown_payment_details(amount, height).
 *   Parts are held until their amounts reach total_msat, then the record is saved `succeeded`
 *   with the amount received (durable) and every part fulfilled. An incomplete set is failed
 *   back with mpp_timeout after MPP_TIMEOUT_MS; on each new tip, a held part within
 *   HOLD_SAFETY_BLOCKS of its cltv_expiry fails its whole set back
 *   (incorrect_or_unknown_payment_details) so the peer never has to go on-chain.
 */
import { sha256 } from '../../crypto/hash.ts';
import { bytesToHex, equalBytes, hexToBytes } from '../../lib/bytes.ts';
import { errorMessage } from '../../lib/errors.ts';
import type { Clock, Logger } from '../../ports.ts';
import {
  createFailurePacket,
  finalIncorrectCltvExpiry,
  finalIncorrectHtlcAmount,
  incorrectOrUnknownPaymentDetails,
  mppTimeout,
  onionSharedSecret,
  peelOnion,
  unknownNextPeer,
  type FailureMessage,
} from '../../onion/index.ts';
import type { HtlcEvent, PaymentChannels } from './ports.ts';
import type { IncomingPart, StoredIncomingPayment } from './records.ts';
import type { PaymentStore } from './store.ts';

/** BOLT 4 recommends 60 s before failing an incomplete multi-part set (mpp_timeout). */
export const MPP_TIMEOUT_MS = 60_000;
/** A held HTLC this close to its cltv_expiry is failed back (so the peer never goes on-chain). */
export const HOLD_SAFETY_BLOCKS = 12;
/**
 * Blocks our tip may be ahead of the payer's: a part whose cltv_expiry is at least
 * height + min_final_cltv_expiry_delta − this is accepted (and always above HOLD_SAFETY_BLOCKS).
 */
export const CLTV_TIP_LAG_TOLERANCE = 2;

export interface IncomingDeps {
  readonly channels: PaymentChannels;
  readonly store: PaymentStore;
  readonly clock: Clock;
  readonly logger: Logger;
  readonly nodeSecret: Uint8Array;
  readonly acceptKeysend: () => boolean;
  readonly notify: (p: StoredIncomingPayment) => void;
}

/** One received HTLC, as we peel and judge it. */
interface Arrival {
  readonly channelId: string;
  readonly htlcId: bigint;
  readonly amountMsat: bigint;
  readonly paymentHash: Uint8Array;
  readonly cltvExpiry: number;
  readonly onionRoutingPacket: Uint8Array;
}

interface HeldPart {
  readonly arrival: Arrival;
  readonly sharedSecret: Uint8Array;
}

/** Parts of one payment held until they reach total_msat. */
interface HeldSet {
  readonly totalMsat: bigint;
  readonly parts: HeldPart[];
  cancelTimer: () => void;
}

export class IncomingPayments {
  private readonly deps: IncomingDeps;
  private readonly records = new Map<string, StoredIncomingPayment>();
  private readonly held = new Map<string, HeldSet>();
  /** `<channel id>:<htlc id>` being judged or already answered (until the channel drops it). */
  private readonly seen = new Set<string>();
  private queue: Promise<void> = Promise.resolve();

  constructor(deps: IncomingDeps) {
    this.deps = deps;
  }

  all(): StoredIncomingPayment[] {
    return [...this.records.values()];
  }

  get(hashHex: string): StoredIncomingPayment | undefined {
    return this.records.get(hashHex);
  }

  /** Load the records, then judge every committed incoming HTLC not answered yet. */
  async resume(): Promise<void> {
    for (const r of await this.deps.store.loadIncoming()) this.records.set(bytesToHex(r.paymentHash), r);
    for (const c of this.deps.channels.channels()) this.rescan(c.channelId);
  }

  /** Save a new invoice record (durable before it resolves). */
  async add(record: StoredIncomingPayment): Promise<void> {
    await this.deps.store.saveIncoming(record);
    this.records.set(bytesToHex(record.paymentHash), record);
    this.deps.notify(record);
  }

  onHtlcEvent(e: HtlcEvent): void {
    if (e.type === 'htlc-received') this.receive(e);
    else if (e.type === 'channel-usable') this.rescan(e.channelId);
  }

  /** A new tip: fail back held sets with a part too close to its expiry; forget HTLCs the channels dropped. */
  onTip(height: number): void {
    this.enqueue(async () => {
      this.forgetRemoved();
      for (const [hash, set] of [...this.held]) {
        if (!set.parts.some((p) => p.arrival.cltvExpiry <= height + HOLD_SAFETY_BLOCKS)) continue;
        this.deps.logger.log('info', 'held payment parts too close to their expiry; failed back', { paymentHash: hash, height });
        this.failSet(hash, (p) => incorrectOrUnknownPaymentDetails(p.arrival.amountMsat, height));
      }
    });
  }

  /** Stop the MPP timers (held parts stay in their channels; a restart judges them again). */
  stop(): void {
    for (const set of this.held.values()) set.cancelTimer();
    this.held.clear();
    this.seen.clear();
  }

  async idle(): Promise<void> {
    for (;;) {
      const q = this.queue;
      await q;
      if (q === this.queue) return;
    }
  }

  // ---- internals ----------------------------------------------------------------------------------

  private enqueue(fn: () => Promise<void> | void): void {
    this.queue = this.queue.then(fn).catch((err: unknown) => this.deps.logger.log('error', 'incoming payment step failed', { error: errorMessage(err) }));
  }

  /** Drop `seen` keys of HTLCs no longer in their channel (answered and removed). */
  private forgetRemoved(): void {
    const live = new Set<string>();
    for (const c of this.deps.channels.channels()) for (const h of this.deps.channels.htlcs(c.channelId)) if (h.direction === 'incoming') live.add(`${c.channelId}:${h.htlcId}`);
    for (const key of this.seen) if (!live.has(key)) this.seen.delete(key);
  }

  private rescan(channelId: string): void {
    for (const h of this.deps.channels.pendingIncoming(channelId)) {
      if (!h.onionRoutingPacket) continue;
      this.receive({ channelId, htlcId: h.htlcId, amountMsat: h.amountMsat, paymentHash: h.paymentHash, cltvExpiry: h.cltvExpiry, onionRoutingPacket: h.onionRoutingPacket });
    }
  }

  private receive(a: Arrival): void {
    const key = `${a.channelId}:${a.htlcId}`;
    if (this.seen.has(key)) return;
    this.seen.add(key);
    this.enqueue(() => this.judge(a));
  }

  private height(): number {
    return Math.max(0, this.deps.channels.tipHeight());
  }

  private async judge(a: Arrival): Promise<void> {
    const peeled = peelOnion(a.onionRoutingPacket, a.paymentHash, (point) => onionSharedSecret(this.deps.nodeSecret, point));
    const height = this.height();
    const unknown = (): FailureMessage => incorrectOrUnknownPaymentDetails(a.amountMsat, height);
    switch (peeled.kind) {
      case 'malformed':
        return this.answer(a, this.deps.channels.failMalformedHtlc(a.channelId, a.htlcId, peeled.sha256OfOnion, peeled.failureCode));
      case 'bad-payload':
        return this.fail(a, peeled.sharedSecret, peeled.failure);
      case 'forward':
        return this.fail(a, peeled.sharedSecret, unknownNextPeer());
      case 'final':
        break;
    }
    const ss = peeled.sharedSecret;
    const p = peeled.payload;
    if (a.amountMsat < p.amtToForwardMsat) return this.fail(a, ss, finalIncorrectHtlcAmount(a.amountMsat));
    if (a.cltvExpiry < p.outgoingCltvValue) return this.fail(a, ss, finalIncorrectCltvExpiry(a.cltvExpiry));
    const hash = bytesToHex(a.paymentHash);
    const record = this.records.get(hash);

    // Already claimed (a restart between saving and fulfilling, or a retransmitted part).
    if (record?.status === 'succeeded') {
      const mine = record.parts.some((x) => x.htlcId === a.htlcId && bytesToHex(x.channelId) === a.channelId);
      return mine ? this.answer(a, this.deps.channels.fulfillHtlc(a.channelId, a.htlcId, record.preimage)) : this.fail(a, ss, unknown());
    }

    if (p.keysendPreimage) {
      if (!this.deps.acceptKeysend() || !equalBytes(sha256(p.keysendPreimage), a.paymentHash) || record) return this.fail(a, ss, unknown());
      if (a.cltvExpiry <= height + HOLD_SAFETY_BLOCKS) return this.fail(a, ss, unknown());
      const total = p.paymentData?.totalMsat ?? p.amtToForwardMsat;
      if (total > a.amountMsat) return this.fail(a, ss, unknown()); // one part only
      const now = this.nowSec();
      return this.claim({
        paymentHash: a.paymentHash,
        kind: 'keysend',
        status: 'succeeded',
        amountMsat: a.amountMsat,
        createdAtSec: now,
        settledAtSec: now,
        preimage: p.keysendPreimage.slice(),
        minFinalCltvExpiryDelta: 0,
        parts: [partOf(a, 'succeeded')],
      }, [{ arrival: a, sharedSecret: ss }]);
    }

    if (!record || record.kind !== 'invoice' || !record.paymentSecret) return this.fail(a, ss, unknown());
    if (!p.paymentData || !equalBytes(p.paymentData.paymentSecret, record.paymentSecret)) return this.fail(a, ss, unknown());
    if (record.expiresAtSec !== undefined && this.nowSec() > record.expiresAtSec && !this.held.has(hash)) return this.fail(a, ss, unknown());
    if (a.cltvExpiry < height + Math.max(record.minFinalCltvExpiryDelta - CLTV_TIP_LAG_TOLERANCE, HOLD_SAFETY_BLOCKS + 1)) return this.fail(a, ss, unknown());
    const total = p.paymentData.totalMsat;
    if (record.invoiceAmountMsat !== undefined && total < record.invoiceAmountMsat) return this.fail(a, ss, unknown());
    let set = this.held.get(hash);
    if (set && set.totalMsat !== total) return this.fail(a, ss, unknown());
    if (!set) {
      const cancelTimer = this.deps.clock.setTimer(MPP_TIMEOUT_MS, () =>
        this.enqueue(() => {
          if (this.held.get(hash) !== set) return;
          this.deps.logger.log('info', 'multi-part payment incomplete after the timeout; parts failed back', { paymentHash: hash });
          this.failSet(hash, () => mppTimeout());
        }),
      );
      set = { totalMsat: total, parts: [], cancelTimer };
      this.held.set(hash, set);
    }
    set.parts.push({ arrival: a, sharedSecret: ss });
    const sum = set.parts.reduce((s, x) => s + x.arrival.amountMsat, 0n);
    if (sum < total) return;
    set.cancelTimer();
    this.held.delete(hash);
    const now = this.nowSec();
    await this.claim(
      { ...record, status: 'succeeded', amountMsat: sum, settledAtSec: now, parts: set.parts.map((x) => partOf(x.arrival, 'succeeded')) },
      set.parts,
    );
  }

  /** Save the payment as received (durable), then fulfill every part. */
  private async claim(record: StoredIncomingPayment, parts: readonly HeldPart[]): Promise<void> {
    try {
      await this.deps.store.saveIncoming(record);
    } catch (err) {
      // Not saved: fail back rather than hand out the preimage unrecorded.
      this.deps.logger.log('error', 'could not save a received payment; its parts are failed back', { error: errorMessage(err) });
      const height = this.height();
      for (const p of parts) this.fail(p.arrival, p.sharedSecret, incorrectOrUnknownPaymentDetails(p.arrival.amountMsat, height));
      return;
    }
    this.records.set(bytesToHex(record.paymentHash), record);
    for (const p of parts) this.answer(p.arrival, this.deps.channels.fulfillHtlc(p.arrival.channelId, p.arrival.htlcId, record.preimage));
    this.deps.notify(record);
  }

  private failSet(hash: string, failure: (p: HeldPart) => FailureMessage): void {
    const set = this.held.get(hash);
    if (!set) return;
    set.cancelTimer();
    this.held.delete(hash);
    for (const p of set.parts) this.fail(p.arrival, p.sharedSecret, failure(p));
  }

  private fail(a: Arrival, sharedSecret: Uint8Array, failure: FailureMessage): void {
    this.answer(a, this.deps.channels.failHtlc(a.channelId, a.htlcId, createFailurePacket(sharedSecret, failure)));
  }

  /** A refused answer (channel not usable now) is tried again when the channel is usable. */
  private answer(a: Arrival, refused: string | undefined): void {
    if (refused === undefined) return;
    this.deps.logger.log('info', 'channel refused our answer to an incoming HTLC; retried when usable', { channelId: a.channelId, htlcId: a.htlcId.toString(), reason: refused });
    this.seen.delete(`${a.channelId}:${a.htlcId}`);
  }

  private nowSec(): number {
    return Math.floor(this.deps.clock.now() / 1000);
  }
}

function partOf(a: Arrival, status: IncomingPart['status']): IncomingPart {
  return { channelId: hexToBytes(a.channelId), htlcId: a.htlcId, amountMsat: a.amountMsat, cltvExpiry: a.cltvExpiry, status };
}
