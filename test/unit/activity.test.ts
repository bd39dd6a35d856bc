// The wallet's activity (app/lib/activity.ts): on-chain transactions and Lightning payments merged
// newest first, the Activity screen's filters, the ids its detail view is addressed by, the chain
// tip read from confirmations; and the home's "Pending" (app/lib/pending.ts).
import { describe, expect, it } from 'vitest';
import { parseWalletTx, type ChannelDto, type PaymentDto, type WalletTxDto } from '../../workers/rpc/protocol.ts';
import { activityTitle, confirmationsText, filterActivity, mergeActivity, parseActivityId, paymentActivityId, tipFromHistory, txActivityId, type ActivityFilter } from '../../app/lib/activity.ts';
import { pendingItems } from '../../app/lib/pending.ts';
import { parseRoute, routeHref } from '../../app/lib/route.ts';

const hex = (c: string): string => c.repeat(64);
const NOW = 1_800_000_000;

function tx(over: Partial<WalletTxDto> & { txid: string }): WalletTxDto {
  return { deltaSat: '100000', feeSat: null, confirmed: true, blockHeight: 100, ...over };
}

function payment(over: Partial<PaymentDto> & { paymentHash: string }): PaymentDto {
  return { direction: 'outgoing', kind: 'invoice', status: 'succeeded', amountMsat: '5000000', feeMsat: '0', createdAtSec: NOW - 100, htlcs: [], ...over };
}

function channel(over: Partial<ChannelDto>): ChannelDto {
  return {
    localId: 1,
    channelId: hex('c'),
    peer: `02${hex('d').slice(0, 64)}`,
    state: 'normal',
    type: 'anchors_zero_fee_htlc_tx',
    isFunder: true,
    capacitySat: '60000',
    localMsat: '59000000',
    remoteMsat: '0',
    usable: true,
    shortChannelId: null,
    fundingTxid: null,
    reason: null,
    frozen: null,
    outputs: [],
    ...over,
  };
}

describe('mergeActivity: one list, newest first', () => {
  const faucet = tx({ txid: hex('1'), blockHeight: 101, blockTime: NOW - 1000, confirmations: 10 });
  const funding = tx({ txid: hex('2'), deltaSat: '-60300', feeSat: '300', blockHeight: 103, blockTime: NOW - 800, confirmations: 8 });
  const sent = payment({ paymentHash: hex('a'), createdAtSec: NOW - 500, feeMsat: '1000' });
  const received = payment({ paymentHash: hex('b'), direction: 'incoming', amountMsat: '3000000', createdAtSec: NOW - 100, preimage: hex('e') });
  const unconfirmed = tx({ txid: hex('3'), deltaSat: '20000', confirmed: false, blockHeight: null });

  it('by time across both kinds; an unconfirmed transaction on top', () => {
    const items = mergeActivity([funding, faucet, unconfirmed], [sent, received], NOW);
    expect(items.map((i) => i.id)).toEqual([txActivityId(hex('3')), paymentActivityId(received), paymentActivityId(sent), txActivityId(hex('2')), txActivityId(hex('1'))]);
  });

  it('amounts are unsigned msat with their direction; fees: miner fee when we paid it, routing fee when outgoing', () => {
    const [u, r, s, f, a] = mergeActivity([funding, faucet, unconfirmed], [sent, received], NOW);
    expect(u).toMatchObject({ kind: 'onchain', direction: 'in', status: 'pending', amountMsat: 20_000_000n, feeMsat: null, timeSec: null });
    expect(r).toMatchObject({ kind: 'lightning', direction: 'in', status: 'settled', amountMsat: 3_000_000n, feeMsat: null });
    expect(s).toMatchObject({ kind: 'lightning', direction: 'out', status: 'settled', amountMsat: 5_000_000n, feeMsat: 1000n });
    expect(f).toMatchObject({ kind: 'onchain', direction: 'out', amountMsat: 60_300_000n, feeMsat: 300_000n, timeSec: NOW - 800 });
    expect(a).toMatchObject({ direction: 'in', feeMsat: null });
  });

  it('a confirmed transaction without a known block time goes below the timed items, by height', () => {
    const old1 = tx({ txid: hex('4'), blockHeight: 50 });
    const old2 = tx({ txid: hex('5'), blockHeight: 60 });
    const ids = mergeActivity([old1, old2, faucet], [sent], NOW).map((i) => i.id);
    expect(ids).toEqual([paymentActivityId(sent), txActivityId(hex('1')), txActivityId(hex('5')), txActivityId(hex('4'))]);
  });

  it('equal times keep one order whatever the input order', () => {
    const p1 = payment({ paymentHash: hex('6'), createdAtSec: NOW });
    const p2 = payment({ paymentHash: hex('7'), createdAtSec: NOW });
    expect(mergeActivity([], [p1, p2], NOW).map((i) => i.id)).toEqual(mergeActivity([], [p2, p1], NOW).map((i) => i.id));
  });

  it('an open invoice of ours is listed as pending; an expired unpaid one is not (nothing moved)', () => {
    const open = payment({ paymentHash: hex('8'), direction: 'incoming', status: 'pending', expiresAtSec: NOW + 60 });
    const lapsed = payment({ paymentHash: hex('9'), direction: 'incoming', status: 'pending', expiresAtSec: NOW - 1 });
    const expired = payment({ paymentHash: hex('a'), direction: 'incoming', status: 'failed', failureCode: 'invoice_expired' });
    const items = mergeActivity([], [open, lapsed, expired], NOW);
    expect(items.map((i) => i.id)).toEqual([paymentActivityId(open)]);
    expect(items[0]?.status).toBe('pending');
    expect(activityTitle(items[0]!)).toBe('Invoice');
  });

  it('the same hash sent and received are two items (one per direction)', () => {
    const out = payment({ paymentHash: hex('f') });
    const inn = payment({ paymentHash: hex('f'), direction: 'incoming' });
    const ids = mergeActivity([], [out, inn], NOW).map((i) => i.id);
    expect(new Set(ids).size).toBe(2);
  });
});

describe('filterActivity', () => {
  const items = mergeActivity(
    [tx({ txid: hex('1'), blockTime: NOW - 10 }), tx({ txid: hex('2'), confirmed: false, blockHeight: null })],
    [
      payment({ paymentHash: hex('a') }),
      payment({ paymentHash: hex('b'), status: 'failed', reason: 'no route', failureCode: 'no_route' }),
      payment({ paymentHash: hex('c'), status: 'pending', htlcs: [{ channelId: hex('c'), amountMsat: '5000000', cltvExpiry: 500, status: 'pending' }] }),
    ],
    NOW,
  );
  const ids = (f: ActivityFilter): string[] => filterActivity(items, f).map((i) => i.id);

  it('all, Lightning, on-chain, pending (both kinds), failed', () => {
    expect(ids('all')).toHaveLength(5);
    expect(ids('lightning')).toEqual(items.filter((i) => i.kind === 'lightning').map((i) => i.id));
    expect(ids('lightning')).toHaveLength(3);
    expect(ids('onchain')).toEqual([txActivityId(hex('2')), txActivityId(hex('1'))]);
    expect(ids('pending').sort()).toEqual([txActivityId(hex('2')), paymentActivityId({ direction: 'outgoing', paymentHash: hex('c') })].sort());
    expect(ids('failed')).toEqual([paymentActivityId({ direction: 'outgoing', paymentHash: hex('b') })]);
  });
});

describe('activity ids and routes', () => {
  it('ids parse back; anything else does not', () => {
    for (const id of [txActivityId(hex('1')), paymentActivityId({ direction: 'incoming', paymentHash: hex('a') }), paymentActivityId({ direction: 'outgoing', paymentHash: hex('b') })]) expect(parseActivityId(id)).toBe(id);
    expect(parseActivityId('tx-xyz')).toBeNull();
    expect(parseActivityId(`ln-sideways-${hex('a')}`)).toBeNull();
    expect(parseActivityId(`tx-${hex('A')}`)).toBeNull();
  });

  it('#/wallet/activity and #/wallet/activity/<id> round-trip; other views carry no item', () => {
    const id = txActivityId(hex('1'));
    expect(parseRoute('#/wallet/activity')).toEqual({ tab: 'wallet', view: 'activity' });
    expect(parseRoute(routeHref('wallet', 'activity', id))).toEqual({ tab: 'wallet', view: 'activity', item: id });
    expect(routeHref('wallet', 'activity')).toBe('#/wallet/activity');
    expect(parseRoute(`#/wallet/receive/${id}`)).toEqual({ tab: 'wallet', view: 'receive' });
    expect(parseRoute('#/wallet/activity/<script>')).toEqual({ tab: 'wallet', view: 'activity' });
  });
});

describe('confirmations', () => {
  it('the tip is the highest height + confirmations − 1 the history reports', () => {
    expect(tipFromHistory([])).toBeNull();
    expect(tipFromHistory([tx({ txid: hex('1'), blockHeight: 100 })])).toBeNull();
    expect(tipFromHistory([tx({ txid: hex('1'), blockHeight: 100, confirmations: 6 }), tx({ txid: hex('2'), blockHeight: 104, confirmations: 2 })])).toBe(105);
  });

  it('in words', () => {
    expect(confirmationsText(tx({ txid: hex('1'), confirmed: false, blockHeight: null }))).toBe('Unconfirmed (0 confirmations)');
    expect(confirmationsText(tx({ txid: hex('1'), confirmations: 1 }))).toBe('1 confirmation');
    expect(confirmationsText(tx({ txid: hex('1'), confirmations: 1200 }))).toBe('1,200 confirmations');
    expect(confirmationsText(tx({ txid: hex('1'), blockHeight: 812345 }))).toBe('In block 812,345');
  });
});

describe('pendingItems: what is not final, and what it waits for', () => {
  it('nothing pending when everything settled', () => {
    expect(pendingItems({ txs: [tx({ txid: hex('1'), confirmations: 3 })], channels: [channel({})], payments: [payment({ paymentHash: hex('a') })], tipHeight: 102 })).toEqual([]);
  });

  it('a payment in flight with its deadline block and the blocks left; an open invoice without an HTLC is not', () => {
    const held = payment({ paymentHash: hex('a'), status: 'pending', amountMsat: '1200000', htlcs: [{ channelId: hex('c'), amountMsat: '1200000', cltvExpiry: 640, status: 'pending' }] });
    const invoice = payment({ paymentHash: hex('b'), direction: 'incoming', status: 'pending', expiresAtSec: NOW + 60 });
    const items = pendingItems({ txs: [], channels: [], payments: [held, invoice], tipHeight: 600 });
    expect(items).toHaveLength(1);
    expect(items[0]).toMatchObject({ kind: 'payment', amountMsat: -1_200_000n, activityId: paymentActivityId(held) });
    expect(items[0]?.detail).toBe('Settles by block 640 (in 40 blocks); keep Glint open');
  });

  it('a channel opening: its funding transaction is one item (not also an unconfirmed tx), with its confirmations', () => {
    const fundingTxid = hex('2');
    const opening = channel({ state: 'wait-for-funding-confirmed', fundingTxid, usable: false });
    const unconf = pendingItems({ txs: [tx({ txid: fundingTxid, deltaSat: '-60300', confirmed: false, blockHeight: null })], channels: [opening], payments: [], tipHeight: null });
    expect(unconf.map((i) => i.kind)).toEqual(['channel-opening']);
    expect(unconf[0]?.detail).toBe('Funding transaction waiting for its first confirmation');
    const conf = pendingItems({ txs: [tx({ txid: fundingTxid, deltaSat: '-60300', blockHeight: 105, confirmations: 2 })], channels: [opening], payments: [], tipHeight: 106 });
    expect(conf[0]?.detail).toBe('Funding transaction has 2 confirmations; waiting for enough to use it');
  });

  it('a force-closed channel: its outputs maturing, with the blocks until they are spendable', () => {
    const closing = channel({
      state: 'force-closing',
      outputs: [
        { outpoint: `${hex('3')}:0`, kind: 'to_local', amountSat: '58000', status: 'waiting', availableAtHeight: 900, blocksLeft: 144, claimTxid: null },
        { outpoint: `${hex('3')}:1`, kind: 'anchor', amountSat: '330', status: 'dust', availableAtHeight: null, blocksLeft: null, claimTxid: null },
      ],
    });
    const [item] = pendingItems({ txs: [], channels: [closing], payments: [], tipHeight: 756 });
    expect(item).toMatchObject({ kind: 'channel-closing', amountMsat: 58_000_000n });
    expect(item?.detail).toBe('Your funds are spendable in 144 blocks at most');
    expect(item?.outputs).toEqual([{ outpoint: `${hex('3')}:0`, label: 'Your balance (after the delay)', amountMsat: 58_000_000n, text: 'waiting for 144 blocks', blocksLeft: 144 }]);
  });

  it('a closed channel whose outputs are all settled is not pending', () => {
    const done = channel({ state: 'closed', outputs: [{ outpoint: `${hex('3')}:0`, kind: 'to_local', amountSat: '58000', status: 'claimed', availableAtHeight: 900, blocksLeft: 0, claimTxid: hex('4') }] });
    expect(pendingItems({ txs: [], channels: [done], payments: [], tipHeight: 1000 })).toEqual([]);
  });

  it('an unconfirmed transaction, signed by direction, linking to its activity', () => {
    const [item] = pendingItems({ txs: [tx({ txid: hex('5'), deltaSat: '-20000', confirmed: false, blockHeight: null })], channels: [], payments: [], tipHeight: null });
    expect(item).toMatchObject({ kind: 'onchain', title: 'On-chain payment sent', amountMsat: -20_000_000n, activityId: txActivityId(hex('5')) });
  });
});

describe('wallet.history rows: the block time and confirmations the activity uses are checked at the RPC boundary', () => {
  const base = { txid: hex('1'), deltaSat: '1000', feeSat: null, confirmed: true, blockHeight: 100 };
  it('optional: an older worker without them still parses', () => {
    expect(parseWalletTx(base)).toEqual(base);
    expect(parseWalletTx({ ...base, blockTime: NOW, confirmations: 3 })).toEqual({ ...base, blockTime: NOW, confirmations: 3 });
  });
  it('bad values are refused with the field named', () => {
    expect(() => parseWalletTx({ ...base, confirmations: 0 })).toThrow(/tx\.confirmations/);
    expect(() => parseWalletTx({ ...base, confirmations: 1.5 })).toThrow(/tx\.confirmations/);
    expect(() => parseWalletTx({ ...base, blockTime: -1 })).toThrow(/tx\.blockTime/);
    expect(() => parseWalletTx({ ...base, blockTime: 'now' })).toThrow(/tx\.blockTime/);
  });
});
