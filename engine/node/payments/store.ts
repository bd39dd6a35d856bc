/**
 * The payment records in the node's store (records.ts codecs): one writer per key, writes in
 * call order, each durable before its promise resolves (KVStore.write). A record that does not
 * decode is logged and skipped, never written over by a guess.
 */
import { bytesToHex } from '../../lib/bytes.ts';
import { errorMessage } from '../../lib/errors.ts';
import type { KVStore, Logger } from '../../ports.ts';
import {
  INCOMING_PAYMENT_PREFIX,
  OUTGOING_PAYMENT_PREFIX,
  incomingPaymentCodec,
  outgoingPaymentCodec,
  type StoredIncomingPayment,
  type StoredOutgoingPayment,
} from './records.ts';

export class PaymentStore {
  private readonly store: KVStore;
  private readonly logger: Logger;
  private last: Promise<void> = Promise.resolve();
  /** Keys whose stored bytes did not decode: never overwritten. */
  private readonly unreadable = new Set<string>();

  constructor(store: KVStore, logger: Logger) {
    this.store = store;
    this.logger = logger;
  }

  static outgoingKey(hash: Uint8Array): string {
    return `${OUTGOING_PAYMENT_PREFIX}${bytesToHex(hash)}`;
  }

  static incomingKey(hash: Uint8Array): string {
    return `${INCOMING_PAYMENT_PREFIX}${bytesToHex(hash)}`;
  }

  async loadOutgoing(): Promise<StoredOutgoingPayment[]> {
    return this.loadAll(OUTGOING_PAYMENT_PREFIX, (b, k) => outgoingPaymentCodec.decode(b, k));
  }

  async loadIncoming(): Promise<StoredIncomingPayment[]> {
    return this.loadAll(INCOMING_PAYMENT_PREFIX, (b, k) => incomingPaymentCodec.decode(b, k));
  }

  saveOutgoing(p: StoredOutgoingPayment): Promise<void> {
    return this.put(PaymentStore.outgoingKey(p.paymentHash), outgoingPaymentCodec.encode(p));
  }

  saveIncoming(p: StoredIncomingPayment): Promise<void> {
    return this.put(PaymentStore.incomingKey(p.paymentHash), incomingPaymentCodec.encode(p));
  }

  /** Whether a key is known to hold bytes we cannot read (a payment hash we must not reuse). */
  isUnreadable(key: string): boolean {
    return this.unreadable.has(key);
  }

  private put(key: string, value: Uint8Array): Promise<void> {
    if (this.unreadable.has(key)) return Promise.reject(new Error(`${key} holds a record this version cannot read; not overwritten`));
    const run = this.last.catch(() => {}).then(() => this.store.write({ put: [[key, value]] }));
    this.last = run;
    return run;
  }

  private async loadAll<T>(prefix: string, decode: (bytes: Uint8Array, key: string) => T): Promise<T[]> {
    const out: T[] = [];
    for (const key of await this.store.keys(prefix)) {
      const bytes = await this.store.get(key);
      if (!bytes) continue;
      try {
        out.push(decode(bytes, key));
      } catch (err) {
        this.unreadable.add(key);
        this.logger.log('error', 'payment record does not decode; left untouched', { key, error: errorMessage(err) });
      }
    }
    return out;
  }
}
