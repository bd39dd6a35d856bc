// app/lib/in-flight.ts: which payments the "keep Glint open" banner and the beforeunload prompt
// are about, and the deadline block each shows.
import { describe, expect, it } from 'vitest';
import { inFlightPayments } from '../../app/lib/in-flight.ts';
import type { PaymentDto } from '../../workers/rpc/protocol.ts';

const H = (c: string) => c.repeat(64);
const CH = 'ab'.repeat(32);

function payment(over: Partial<PaymentDto>): PaymentDto {
  return { paymentHash: H('1'), direction: 'outgoing', kind: 'invoice', status: 'pending', amountMsat: '1000', feeMsat: '0', createdAtSec: 1, htlcs: [], ...over };
}

describe('inFlightPayments', () => {
  it('outgoing pending payments, soonest deadline first, with the latest cltv_expiry of their parts still in flight', () => {
    const list = [
      payment({ paymentHash: H('1'), htlcs: [{ channelId: CH, amountMsat: '500', cltvExpiry: 900, status: 'pending' }, { channelId: CH, amountMsat: '500', cltvExpiry: 950, status: 'pending' }] }),
      payment({ paymentHash: H('2'), amountMsat: '2500', description: 'coffee', htlcs: [{ channelId: CH, amountMsat: '2500', cltvExpiry: 800, status: 'pending' }, { channelId: CH, amountMsat: '1', cltvExpiry: 999, status: 'failed' }] }),
      payment({ paymentHash: H('3') }), // not added yet: in flight, no deadline
    ];
    expect(inFlightPayments(list)).toEqual([
      { paymentHash: H('2'), direction: 'outgoing', amountMsat: 2500n, description: 'coffee', deadlineBlock: 800 },
      { paymentHash: H('1'), direction: 'outgoing', amountMsat: 1000n, description: null, deadlineBlock: 950 },
      { paymentHash: H('3'), direction: 'outgoing', amountMsat: 1000n, description: null, deadlineBlock: null },
    ]);
  });

  it('settled payments and unpaid invoices are not in flight; an incoming payment with a held HTLC is', () => {
    const list = [
      payment({ paymentHash: H('4'), status: 'succeeded' }),
      payment({ paymentHash: H('5'), status: 'failed' }),
      payment({ paymentHash: H('6'), direction: 'incoming', expiresAtSec: 99 }),
      payment({ paymentHash: H('7'), direction: 'incoming', htlcs: [{ channelId: CH, amountMsat: '1000', cltvExpiry: 720, status: 'pending' }] }),
    ];
    expect(inFlightPayments(list).map((p) => [p.paymentHash, p.direction, p.deadlineBlock])).toEqual([[H('7'), 'incoming', 720]]);
    expect(inFlightPayments([])).toEqual([]);
  });
});
