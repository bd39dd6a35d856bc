// The Lightning screens' pure parts (app/lib/payment-input.ts): a pasted text goes to the right
// flow (BOLT 11 invoice, `lightning:` URI, BIP21 with and without `lightning=`), Lightning amounts
// in sats keep millisatoshi precision and never pass through floating point, and the figures and
// words the Receive / Send / history screens show.
import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import {
  DEFAULT_EXPIRY_SEC,
  EXPIRY_CHOICES,
  MAX_MSAT,
  checkDescription,
  checkLightningAmount,
  classifySendText,
  failureText,
  formatCountdown,
  formatMsat,
  invoiceQrValue,
  msatUnit,
  newestFirst,
  paymentKey,
  paymentTime,
} from '../../app/lib/payment-input.ts';
import { asSentence, errorParts } from '../../app/lib/rpc-error.ts';
import { inFlightDeadline, paymentOutcome } from '../../app/lib/payment-outcome.ts';
import type { PaymentDto, PayResultDto } from '../../workers/rpc/protocol.ts';
import { codewords, encodeQr, isAlphanumeric, pickVersion } from '../../app/lib/qr.ts';
import { parseRoute, routeHref } from '../../app/lib/route.ts';

// BOLT 11 "Examples": "Please make a donation of any amount…" and "Please send $3 for a cup of coffee…".
const ANY_AMOUNT =
  'lnbc1pvjluezsp5zyg3zyg3zyg3zyg3zyg3zyg3zyg3zyg3zyg3zyg3zyg3zyg3zygspp5qqqsyqcyq5rqwzqfqqqsyqcyq5rqwzqfqqqsyqcyq5rqwzqfqypqdpl2pkx2ctnv5sxxmmwwd5kgetjypeh2ursdae8g6twvus8g6rfwvs8qun0dfjkxaq9qrsgq357wnc5r2ueh7ck6q93dj32dlqnls087fxdwk8qakdyafkq3yap9us6v52vjjsrvywa6rt52cm9r9zqt8r2t7mlcwspyetp5h2tztugp9lfyql';
const COFFEE =
  'lnbc2500u1pvjluezsp5zyg3zyg3zyg3zyg3zyg3zyg3zyg3zyg3zyg3zyg3zyg3zyg3zygspp5qqqsyqcyq5rqwzqfqqqsyqcyq5rqwzqfqqqsyqcyq5rqwzqfqypqdq5xysxxatsyp3k7enxv4jsxqzpu9qrsgquk0rl77nj30yxdy8j9vdx85fkpmdla2087ne0xh8nhedh8w27kyke0lp53ut353s06fv3qfegext0eh0ymjpf39tuven09sam30g4vgpfna3rh';
const ADDRESS = 'bcrt1qw508d6qejxtdg4y5r3zarvary0c5xw7kygt080';

const err = (r: { ok: boolean; error?: string }): string => (r.ok ? '' : (r.error ?? ''));

describe('classifySendText: which flow a pasted text belongs to', () => {
  it('BOLT 11 invoices, in either case, with or without the lightning: scheme', () => {
    expect(classifySendText(ANY_AMOUNT)).toEqual({ kind: 'lightning', text: ANY_AMOUNT });
    expect(classifySendText(`  ${COFFEE.toUpperCase()}\n`)).toEqual({ kind: 'lightning', text: COFFEE.toUpperCase() });
    expect(classifySendText(`lightning:${COFFEE}`)).toEqual({ kind: 'lightning', text: `lightning:${COFFEE}` });
    expect(classifySendText(`LIGHTNING:${COFFEE.toUpperCase()}`)).toMatchObject({ kind: 'lightning' });
    // Copied over several lines: the line breaks are not part of it.
    expect(classifySendText(`${COFFEE.slice(0, 100)}\n${COFFEE.slice(100)}`)).toEqual({ kind: 'lightning', text: COFFEE });
    // A mistyped invoice still goes to the decoder (which names the problem), not to the address check.
    expect(classifySendText('lnbcrt1notaninvoice')).toMatchObject({ kind: 'lightning' });
  });

  it('BIP21: with lightning= it is a Lightning payment, without it an on-chain one with its amount', () => {
    const unified = `bitcoin:${ADDRESS}?amount=0.00025&label=Coffee&lightning=${COFFEE}`;
    expect(classifySendText(unified)).toEqual({ kind: 'lightning', text: unified });
    expect(classifySendText(`BITCOIN:${ADDRESS.toUpperCase()}?LIGHTNING=${COFFEE.toUpperCase()}`)).toMatchObject({ kind: 'lightning' });
    expect(classifySendText(`bitcoin:${ADDRESS}?amount=0.00025&label=Coffee`)).toEqual({ kind: 'onchain', address: ADDRESS, amountSat: 25_000n });
    expect(classifySendText(`bitcoin:${ADDRESS}`)).toEqual({ kind: 'onchain', address: ADDRESS });
    expect(classifySendText(`bitcoin:${ADDRESS}?lightning=`)).toEqual({ kind: 'onchain', address: ADDRESS });
    expect(classifySendText(`bitcoin:${ADDRESS}?amount=1.123456789`)).toEqual({ kind: 'onchain', address: ADDRESS });
  });

  it('addresses, nothing, and what is not supported yet', () => {
    expect(classifySendText(ADDRESS)).toEqual({ kind: 'onchain', address: ADDRESS });
    expect(classifySendText('   ')).toEqual({ kind: 'empty' });
    expect(classifySendText('LNURL1DP68GURN8GHJ7UM9WFMXJCM99E3K7MF0V9CXJ0M385EKVCENXC6R2C35XVUKXEFCV5MKVV34X5EKZD3EV56NYD3HXQURZEPEXEJXXEPNXSCRVWFNV9NXZCN9XQ6XYEFHVGCXXCMYXYMNSERXFQ5FNS')).toMatchObject({
      kind: 'unsupported',
      reason: expect.stringContaining('LNURL'),
    });
    expect(classifySendText('lno1pg257enxv4ezqcneype82um50ynhxgrwdajx283qfwdpl28qqmc78ymlvhmxcsywdk5wrjnj36jryg488qwlrnzyjczs')).toMatchObject({
      kind: 'unsupported',
      reason: expect.stringContaining('BOLT 12'),
    });
  });
});

describe('checkLightningAmount: sats with millisatoshi precision', () => {
  it('whole sats, grouped sats and up to three decimals', () => {
    expect(checkLightningAmount('1500')).toEqual({ ok: true, value: 1_500_000n });
    expect(checkLightningAmount(' 1,500 ')).toEqual({ ok: true, value: 1_500_000n });
    expect(checkLightningAmount('1 000 000')).toEqual({ ok: true, value: 1_000_000_000n });
    expect(checkLightningAmount('0.5')).toEqual({ ok: true, value: 500n });
    expect(checkLightningAmount('0.001')).toEqual({ ok: true, value: 1n });
    expect(checkLightningAmount('1,500.25')).toEqual({ ok: true, value: 1_500_250n });
  });

  it('names what is wrong', () => {
    expect(err(checkLightningAmount(''))).toContain('Enter the amount');
    expect(err(checkLightningAmount('0'))).toContain('more than 0');
    expect(err(checkLightningAmount('0.000'))).toContain('more than 0');
    expect(err(checkLightningAmount('-5'))).toContain('positive');
    expect(err(checkLightningAmount('1.0001'))).toContain('at most 3 decimals');
    expect(err(checkLightningAmount('12abc'))).toContain('number of sats');
    expect(err(checkLightningAmount('2100000000000001'))).toContain('21 million');
    expect(err(checkLightningAmount('99999999999999999999999'))).toContain('21 million');
    expect(err(checkLightningAmount('600', { maxMsat: 500_500n }))).toContain('more than your channels can send now (500.5 sats)');
    expect(checkLightningAmount('500.5', { maxMsat: 500_500n })).toEqual({ ok: true, value: 500_500n });
    expect(checkLightningAmount('600', { maxMsat: null })).toMatchObject({ ok: true });
    expect(err(checkLightningAmount('1', { minMsat: 2000n }))).toContain('at least 2 sats');
  });

  it('round-trips formatMsat for every amount (no floating point)', () => {
    fc.assert(
      fc.property(fc.bigInt({ min: 1n, max: MAX_MSAT }), (msat) => {
        expect(checkLightningAmount(formatMsat(msat))).toEqual({ ok: true, value: msat });
      }),
    );
  });
});

describe('display', () => {
  it('formatMsat shows millisatoshis only when there are some', () => {
    expect(formatMsat(0n)).toBe('0');
    expect(formatMsat('1000')).toBe('1');
    expect(formatMsat(1_500_000n)).toBe('1,500');
    expect(formatMsat(1_500_250n)).toBe('1,500.25');
    expect(formatMsat(1n)).toBe('0.001');
    expect(formatMsat(-2_500n)).toBe('−2.5');
    expect(msatUnit('1000')).toBe('sat');
    expect(msatUnit(1500n)).toBe('sats');
  });

  it('countdowns', () => {
    expect(formatCountdown(0)).toBe('expired');
    expect(formatCountdown(-5)).toBe('expired');
    expect(formatCountdown(59.9)).toBe('0:59');
    expect(formatCountdown(3599)).toBe('59:59');
    expect(formatCountdown(3600)).toBe('1 h 00 min');
    expect(formatCountdown(86_399)).toBe('23 h 59 min');
    expect(formatCountdown(86_400)).toBe('1 day');
    expect(formatCountdown(604_800)).toBe('7 days');
  });

  it('our invoice QR: lightning: URI in upper case (BOLT 11 allows either case; QR alphanumeric mode is denser)', () => {
    expect(invoiceQrValue(COFFEE)).toBe(`LIGHTNING:${COFFEE.toUpperCase()}`);
    expect(classifySendText(invoiceQrValue(COFFEE))).toMatchObject({ kind: 'lightning' });
  });

  it('failure reasons: the worker’s words first, then words for the code', () => {
    expect(failureText('The payee says: unknown payment', 'incorrect_or_unknown_payment_details')).toBe('The payee says: unknown payment');
    expect(failureText('the payee refused the payment', 'incorrect_or_unknown_payment_details')).toBe('The payee refused the payment');
    expect(failureText(undefined, 'incorrect_or_unknown_payment_details')).toContain('does not know this payment');
    expect(failureText('  ', 'no_route')).toContain('No route');
    expect(failureText(undefined, 'some_new_code')).toBe('The payment failed (some new code).');
    expect(failureText(undefined, undefined)).toBe('The payment failed.');
  });

  it('payment times: the clock today, the date otherwise', () => {
    const now = new Date(2026, 11, 2, 15, 0).getTime();
    expect(paymentTime(new Date(2026, 11, 2, 9, 5).getTime() / 1000, now)).toBe('09:05');
    expect(paymentTime(new Date(2026, 10, 30, 23, 59).getTime() / 1000, now)).toBe('30 Nov 23:59');
    expect(paymentTime(new Date(2025, 0, 3, 1, 2).getTime() / 1000, now)).toBe('3 Jan 2025 01:02');
  });

  it('invoice expiries: the default is offered first', () => {
    expect(EXPIRY_CHOICES[0]?.sec).toBe(DEFAULT_EXPIRY_SEC);
    expect(new Set(EXPIRY_CHOICES.map((c) => c.sec)).size).toBe(EXPIRY_CHOICES.length);
  });

  it('descriptions fit an invoice', () => {
    expect(checkDescription('  coffee ')).toEqual({ ok: true, value: 'coffee' });
    expect(checkDescription('é'.repeat(319))).toMatchObject({ ok: true });
    expect(err(checkDescription('é'.repeat(320)))).toContain('640 bytes');
  });
});

describe('the invoice QR code: alphanumeric mode (ISO/IEC 18004 §7.4.4)', () => {
  it('"HELLO WORLD" at 1-M: the standard worked example’s data and error-correction codewords', () => {
    const cw = codewords(new TextEncoder().encode('HELLO WORLD'), 1, 'alphanumeric');
    expect([...cw]).toEqual([32, 91, 11, 120, 209, 114, 220, 77, 67, 64, 236, 17, 236, 17, 236, 17, 196, 35, 39, 119, 235, 215, 231, 226, 93, 23]);
  });

  it('level-M alphanumeric capacities, across the character-count width changes (9 → 11 → 13 bits)', () => {
    for (const [version, chars] of [[1, 20], [2, 38], [9, 262], [10, 311], [26, 1542], [27, 1637], [40, 3391]] as const) {
      expect(pickVersion(chars, 'alphanumeric'), `${chars} characters`).toBe(version);
      expect(pickVersion(chars + 1, 'alphanumeric'), `${chars + 1} characters`).toBe(version === 40 ? null : version + 1);
    }
  });

  it('an upper-case lightning: invoice is alphanumeric and smaller than in byte mode; other text stays byte mode', () => {
    const value = invoiceQrValue(COFFEE);
    expect(isAlphanumeric(value)).toBe(true);
    const auto = encodeQr(value, { mode: 'auto' });
    const bytes = encodeQr(value);
    expect(auto.mode).toBe('alphanumeric');
    expect(bytes.mode).toBe('byte');
    expect(auto.version).toBeLessThan(bytes.version);
    expect(encodeQr(`lightning:${COFFEE}`, { mode: 'auto' }).mode).toBe('byte');
    expect(encodeQr('', { mode: 'auto' }).mode).toBe('byte');
  });
});

describe('history and worker errors', () => {
  it('one incoming and one outgoing record per payment hash, newest first', () => {
    const h = 'ab'.repeat(32);
    expect(paymentKey({ direction: 'incoming', paymentHash: h })).not.toBe(paymentKey({ direction: 'outgoing', paymentHash: h }));
    const list = [
      { id: 'a', createdAtSec: 10 },
      { id: 'b', createdAtSec: 30 },
      { id: 'c', createdAtSec: 20 },
      { id: 'd', createdAtSec: 30 },
    ];
    expect(newestFirst(list).map((x) => x.id)).toEqual(['b', 'd', 'c', 'a']);
    expect(list.map((x) => x.id)).toEqual(['a', 'b', 'c', 'd']); // not sorted in place
  });

  it('a field error lands on its form field, without the RPC prefix', () => {
    // What workers/rpc/client.ts RpcError carries: the worker's message verbatim and the field it names.
    const rpcError = (_code: string, message: string, field: string | null = null): Error => Object.assign(new Error(message), { field });
    const fields = { 'params.amountMsat': 'amount', 'params.text': 'invoice' } as const;
    expect(errorParts(rpcError('invalid-params', 'params.amountMsat: must be more than 0 millisatoshis', 'params.amountMsat'), fields)).toEqual({
      field: 'amount',
      text: 'This must be more than 0 millisatoshis',
    });
    expect(errorParts(rpcError('invalid-params', 'params.text: invoice has expired', 'params.text'), fields)).toEqual({ field: 'invoice', text: 'Invoice has expired' });
    expect(errorParts(rpcError('invalid-params', 'params.maxFeeMsat: too big', 'params.maxFeeMsat'), fields)).toEqual({ field: null, text: 'Too big' });
    expect(errorParts(rpcError('failed', 'no route to the payee'), fields)).toEqual({ field: null, text: 'No route to the payee' });
    expect(errorParts('boom', fields)).toEqual({ field: null, text: 'Boom' });
    // Without a field: an engine field prefix in front of a sentence goes; in front of a predicate it is the subject.
    expect(errorParts(rpcError('failed', 'invoice: the invoice expired 31 s ago'), fields)).toEqual({ field: null, text: 'The invoice expired 31 s ago' });
    expect(asSentence('amountMsat: must be more than 0')).toBe('AmountMsat must be more than 0');
    expect(asSentence('your channels can send at most 6000 sat')).toBe('Your channels can send at most 6000 sat');
    expect(asSentence('note:')).toBe('Note:');
    // The engine's field name after the RPC one is dropped too (the form field names it).
    expect(errorParts(rpcError('invalid-params', 'params.text: text: is not a lightning invoice', 'params.text'), fields)).toEqual({ field: 'invoice', text: 'This is not a lightning invoice' });
    expect(errorParts(rpcError('invalid-params', 'params.text: routeHints[0].feeBaseMsat: too big', 'params.text'), fields)).toEqual({ field: 'invoice', text: 'Too big' });
    expect(errorParts(rpcError('invalid-params', 'params.text: Invoice is for mainnet: this node is on regtest', 'params.text'), fields)).toEqual({
      field: 'invoice',
      text: 'Invoice is for mainnet: this node is on regtest',
    });
  });
});

describe('paymentOutcome: the pay answer, overtaken live by the payment record', () => {
  const HASH = 'cd'.repeat(32);
  const PREIMAGE = 'ef'.repeat(32);
  const CHANNEL = '01'.repeat(32);
  const record = (patch: Partial<PaymentDto> = {}): PaymentDto => ({
    paymentHash: HASH,
    direction: 'outgoing',
    kind: 'invoice',
    status: 'pending',
    amountMsat: '5000000',
    feeMsat: '0',
    createdAtSec: 1_800_000_000,
    htlcs: [{ channelId: CHANNEL, amountMsat: '5000000', cltvExpiry: 139, status: 'pending' }],
    ...patch,
  });
  const answer = (patch: Partial<PayResultDto> = {}): PayResultDto => ({ status: 'pending', paymentHash: HASH, feeMsat: '0', ms: 60_000, ...patch });

  it('nothing to show while the call runs and the record is pending (or absent)', () => {
    expect(paymentOutcome(null, undefined, true, 5_000_000n)).toBeNull();
    expect(paymentOutcome(null, record(), true, 5_000_000n)).toBeNull();
    // Not paying (a review of an invoice paid before): the old record is not this screen's result.
    expect(paymentOutcome(null, record({ status: 'succeeded', preimage: PREIMAGE }), false, 5_000_000n)).toBeNull();
  });

  it('a record that settled while the call runs is the result already', () => {
    const o = paymentOutcome(null, record({ status: 'succeeded', preimage: PREIMAGE, feeMsat: '1000', htlcs: [] }), true, 5_000_000n);
    expect(o).toMatchObject({ status: 'succeeded', preimage: PREIMAGE, feeMsat: 1000n, amountMsat: 5_000_000n, ms: null, deadlineBlock: null, reason: null });
  });

  it('a pending answer shows its deadline, and turns into the settled record live', () => {
    expect(paymentOutcome(answer(), record(), false, 5_000_000n)).toMatchObject({ status: 'pending', deadlineBlock: 139, preimage: null });
    const failed = record({ status: 'failed', reason: 'the payee refused the payment', failureCode: 'incorrect_or_unknown_payment_details', htlcs: [] });
    expect(paymentOutcome(answer(), failed, false, 5_000_000n)).toMatchObject({ status: 'failed', reason: 'The payee refused the payment', deadlineBlock: null });
    expect(paymentOutcome(answer({ status: 'failed', failureCode: 'no_route' }), undefined, false, 5_000_000n)).toMatchObject({ status: 'failed', reason: expect.stringContaining('No route'), amountMsat: 5_000_000n });
    expect(paymentOutcome(answer({ status: 'succeeded', preimage: PREIMAGE, feeMsat: '12', ms: 180 }), undefined, false, null)).toMatchObject({ status: 'succeeded', feeMsat: 12n, ms: 180, amountMsat: 0n });
  });

  it('the deadline is the latest expiry among the parts still in flight', () => {
    expect(inFlightDeadline([])).toBeNull();
    expect(
      inFlightDeadline([
        { channelId: CHANNEL, amountMsat: '1', cltvExpiry: 150, status: 'succeeded' },
        { channelId: CHANNEL, amountMsat: '1', cltvExpiry: 140, status: 'pending' },
        { channelId: CHANNEL, amountMsat: '1', cltvExpiry: 144, status: 'pending' },
      ]),
    ).toBe(144);
  });
});

describe('routes', () => {
  it('the Receive and Send screens keep their hash routes', () => {
    expect(parseRoute('#/wallet/receive')).toEqual({ tab: 'wallet', view: 'receive' });
    expect(parseRoute('#/wallet/send')).toEqual({ tab: 'wallet', view: 'send' });
    expect(routeHref('wallet', 'receive')).toBe('#/wallet/receive');
  });
});
