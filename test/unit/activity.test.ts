// The wallet's activity (app/lib/activity.ts): on-chain transactions and Lightning payments merged
// newest first, the Activity screen's filters, the ids its detail view is addressed by, the chain
// tip read from confirmations; and the home's "Pending" (app/lib/pending.ts).
import { describe, expect, it } from 'vitest';
import { parseWalletTx, type ChannelDto, type PaymentDto, type WalletTxDto } from '../../workers/rpc/protocol.ts';
import { fundingDepthText } from '../../app/lib/funding-depth.ts';
import { fundingConfirmations, fundingProgress } from '../../app/lib/funding-progress.ts';
import { ACTIVITY_FILTERS, activitySubtitle, activityTitle, confirmationsText, filterActivity, mergeActivity, parseActivityId, paymentActivityId, tipFromHistory, txActivityId, type ActivityFilter } from '../../app/lib/activity.ts';
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

  it('in the same second, a payment that completed sorts above an invoice still waiting (whatever their ids)', () => {
    for (const [waitingHash, paidHash] of [[hex('1'), hex('2')], [hex('2'), hex('1')]] as const) {
      const waiting = payment({ paymentHash: waitingHash, direction: 'incoming', status: 'pending', amountMsat: '0', createdAtSec: NOW, expiresAtSec: NOW + 3600 });
      const paid = payment({ paymentHash: paidHash, direction: 'incoming', createdAtSec: NOW, settledAtSec: NOW });
      expect(mergeActivity([], [waiting, paid], NOW).map((i) => i.id)).toEqual([paymentActivityId(paid), paymentActivityId(waiting)]);
    }
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

  it('a channel opening with its minimum_depth: "1 of 3 confirmations", and what it needs before the first', () => {
    const fundingTxid = hex('2');
    const opening = channel({ state: 'wait-for-funding-confirmed', fundingTxid, usable: false, minimumDepth: 3 });
    const detail = (t: WalletTxDto[], c = opening): string | undefined => pendingItems({ txs: t, channels: [c], payments: [], tipHeight: null })[0]?.detail;
    expect(detail([tx({ txid: fundingTxid, deltaSat: '-60300', confirmed: false, blockHeight: null })])).toBe('Funding transaction waiting for its first confirmation (needs 3 confirmations)');
    expect(detail([tx({ txid: fundingTxid, deltaSat: '-60300', blockHeight: 105, confirmations: 1 })])).toBe('Funding transaction has 1 of 3 confirmations; waiting for enough to use it');
    expect(detail([tx({ txid: fundingTxid, deltaSat: '-60300', blockHeight: 105 })])).toBe('Waiting for confirmations'); // confirmed, depth not known
    expect(detail([], channel({ state: 'wait-for-funding-confirmed', fundingTxid, minimumDepth: 0 }))).toBe('Zero-conf channel: usable without waiting for confirmations');
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
  it('the role and its channel: optional, each checked and named', () => {
    const peer = `02${hex('d')}`;
    const role = { ...base, role: 'channel-open', channelId: hex('c'), peer };
    expect(parseWalletTx(role)).toEqual(role);
    for (const r of ['payment', 'channel-open', 'channel-close', 'sweep', 'penalty', 'fee-bump']) expect(parseWalletTx({ ...base, role: r }).role).toBe(r);
    expect(() => parseWalletTx({ ...base, role: 'funding' })).toThrow(/tx\.role/);
    expect(() => parseWalletTx({ ...base, role: 3 })).toThrow(/tx\.role/);
    expect(() => parseWalletTx({ ...base, channelId: hex('C') })).toThrow(/tx\.channelId/);
    expect(() => parseWalletTx({ ...base, channelId: hex('c').slice(2) })).toThrow(/tx\.channelId/);
    expect(() => parseWalletTx({ ...base, peer: hex('d') })).toThrow(/tx\.peer/);
    expect(() => parseWalletTx({ ...base, label: 'x' })).toThrow(/tx\.label/);
  });
});

describe('channel transactions by their role (WalletTxDto.role from the worker)', () => {
  const peer = `02${hex('d')}`;
  const short = (id: string): string => id.slice(0, 4);
  const item = (over: Partial<WalletTxDto>) => mergeActivity([tx({ txid: hex('7'), deltaSat: '-60300', ...over })], [], NOW)[0]!;

  it('titles: a funding is a channel open, not a send; each claim says what it was', () => {
    expect(activityTitle(item({ role: 'channel-open', channelId: hex('c'), peer }))).toBe('Channel open');
    expect(activityTitle(item({ role: 'channel-close', deltaSat: '59000' }))).toBe('Channel closed');
    expect(activityTitle(item({ role: 'sweep', deltaSat: '58000' }))).toBe('Swept from closed channel');
    expect(activityTitle(item({ role: 'penalty', deltaSat: '90000' }))).toBe('Penalty claimed');
    expect(activityTitle(item({ role: 'fee-bump', deltaSat: '-400' }))).toBe('Fee bump');
    expect(activityTitle(item({ role: 'payment' }))).toBe('Sent');
    expect(activityTitle(item({ role: 'payment', deltaSat: '5000' }))).toBe('Received');
    expect(activityTitle(item({}))).toBe('Sent'); // no role (no node running): by direction, as before
  });

  it('subtitle names the peer, else the channel; a payment neither', () => {
    expect(activitySubtitle(item({ role: 'channel-open', channelId: hex('c'), peer }), short)).toBe('with 02dd');
    expect(activitySubtitle(item({ role: 'sweep', channelId: hex('c') }), short)).toBe('Channel cccc');
    expect(activitySubtitle(item({ role: 'sweep' }), short)).toBe('On-chain · 7777');
    expect(activitySubtitle(item({ role: 'payment', channelId: hex('c'), peer }), short)).toBe('On-chain · 7777');
    expect(activitySubtitle(item({}), short)).toBe('On-chain · 7777');
  });

  it('the Channels filter keeps channel transactions only', () => {
    const items = mergeActivity(
      [tx({ txid: hex('1'), role: 'channel-open' }), tx({ txid: hex('2'), role: 'payment' }), tx({ txid: hex('3') }), tx({ txid: hex('4'), role: 'sweep' })],
      [payment({ paymentHash: hex('a') })],
      NOW,
    );
    expect(filterActivity(items, 'channels').map((i) => i.id).sort()).toEqual([txActivityId(hex('1')), txActivityId(hex('4'))]);
    expect(ACTIVITY_FILTERS.map((f) => f.id)).toContain('channels');
  });

  it('pending: an unconfirmed claim is titled by its role', () => {
    const [i] = pendingItems({ txs: [tx({ txid: hex('5'), deltaSat: '58000', confirmed: false, blockHeight: null, role: 'sweep' })], channels: [], payments: [], tipHeight: null });
    expect(i?.title).toBe('Swept from closed channel');
  });
});

describe('funding depth: confirmations of the BOLT 2 minimum_depth', () => {
  it('in words', () => {
    expect(fundingDepthText(1, 3)).toBe('1 of 3 confirmations');
    expect(fundingDepthText(0, 1)).toBe('0 of 1 confirmation');
    expect(fundingDepthText(5, 3)).toBe('3 of 3 confirmations'); // deep enough: waits for channel_ready, not blocks
    expect(fundingDepthText(2, undefined)).toBe('2 confirmations');
    expect(fundingDepthText(null, 6)).toBe('needs 6 confirmations');
    expect(fundingDepthText(null, undefined)).toBeNull();
    expect(fundingDepthText(0, 0)).toBe('zero-conf: usable without waiting for confirmations');
  });

  it("the Channels screen's cards: opening channels only, their funding's confirmations from the wallet", () => {
    const fundingTxid = hex('2');
    const txs = [tx({ txid: fundingTxid, deltaSat: '-60300', blockHeight: 105, confirmations: 1 })];
    const progress = fundingProgress(
      [
        { key: 'a', ...channel({ state: 'wait-for-funding-confirmed', fundingTxid, minimumDepth: 3 }) },
        { key: 'b', ...channel({ state: 'wait-for-funding-confirmed', fundingTxid: hex('9'), minimumDepth: 6 }) }, // the peer's funding: not ours
        { key: 'c', ...channel({ state: 'normal', fundingTxid }) },
        { key: 'd', ...channel({ state: 'wait-for-funding-confirmed', fundingTxid: null }) },
      ],
      txs,
    );
    expect([...progress]).toEqual([
      ['a', '1 of 3 confirmations'],
      ['b', 'needs 6 confirmations'],
    ]);
    expect(fundingConfirmations({ fundingTxid }, new Map([[fundingTxid, tx({ txid: fundingTxid, confirmed: false, blockHeight: null })]]))).toBe(0);
  });
});
