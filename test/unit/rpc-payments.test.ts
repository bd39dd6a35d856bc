// The payment part of the worker RPC (workers/rpc/protocol-payments.ts through protocol.ts): the
// `invoice.*` / `payment.*` params and results and the `payment` push event are validated field
// by field (every rejection names its field), amounts are decimal msat strings, optional fields
// are absent rather than null; and the client's payment methods (workers/rpc/client.ts) round-trip
// through a real RpcServer over a MessageChannel.
import { describe, expect, it } from 'vitest';
import {
  MAX_DESCRIPTION_BYTES,
  MAX_EXPIRY_SEC,
  METHODS,
  RpcValidationError,
  parseClientMessage,
  parseNodeEvent,
  parsePaymentDto,
  parseResult,
  type DecodedInvoiceDto,
  type PaymentDto,
} from '../../workers/rpc/protocol.ts';
import { RpcServer, type RpcHandlers, type ServerPort } from '../../workers/rpc/server.ts';
import type { ParamsOf, NodeEvent } from '../../workers/rpc/protocol.ts';

/**
 * The client's payment surface. workers/rpc/client.ts uses DOM/WebWorker types (Worker,
 * ErrorEvent) that the Node test tsconfig does not have, so it is imported at run time by a path
 * tsc does not follow, and typed here by the methods under test.
 */
interface PaymentClient {
  ready(): Promise<unknown>;
  close(): void;
  createInvoice(params?: ParamsOf<'invoice.create'>): Promise<unknown>;
  decodeInvoice(text: string): Promise<unknown>;
  estimatePayFee(bolt11: string, amountMsat?: string): Promise<unknown>;
  pay(params: ParamsOf<'payment.pay'>): Promise<unknown>;
  payments(): Promise<unknown>;
  onPayment(fn: (p: PaymentDto) => void): () => void;
  subscribe(fn: (e: NodeEvent) => void): () => void;
}
const CLIENT_MODULE = '../../workers/rpc/client.ts';

const HASH = 'ab'.repeat(32);
const PREIMAGE = 'cd'.repeat(32);
const PAYEE = '0279be667ef9dcbbac55a06295ce870b07029bfcdb2dce28d959f2815b16f81798';
const BOLT11 = 'lnbcrt10u1pjqqqqqpp5' + 'q'.repeat(200);

const payment: PaymentDto = {
  paymentHash: HASH,
  direction: 'outgoing',
  kind: 'invoice',
  status: 'succeeded',
  amountMsat: '1000000',
  feeMsat: '1000',
  createdAtSec: 1_700_000_000,
  settledAtSec: 1_700_000_001,
  preimage: PREIMAGE,
  invoice: BOLT11,
  description: 'coffee',
  payee: PAYEE,
  htlcs: [{ channelId: 'c0'.repeat(32), amountMsat: '1001000', cltvExpiry: 150, status: 'succeeded' }],
};

const decoded: DecodedInvoiceDto = {
  bolt11: BOLT11,
  network: 'regtest',
  amountMsat: '1000000',
  description: 'coffee',
  payee: PAYEE,
  paymentHash: HASH,
  timestampSec: 1_700_000_000,
  expiresAtSec: 1_700_003_600,
  expired: false,
  minFinalCltvExpiryDelta: 18,
  routeHints: 1,
  features: ['var_onion_optin', 'payment_secret', 'basic_mpp'],
};

function fieldOf(fn: () => unknown): string {
  try {
    fn();
  } catch (err) {
    if (err instanceof RpcValidationError) return err.field;
    throw err;
  }
  throw new Error('expected a validation error');
}

const req = (method: string, params: unknown): unknown => parseClientMessage({ kind: 'request', id: 7, method, params });

describe('invoice.* / payment.* requests', () => {
  it('are methods of the protocol', () => {
    for (const m of ['invoice.create', 'invoice.decode', 'payment.estimateFee', 'payment.pay', 'payment.list']) expect(METHODS).toContain(m);
  });

  it('invoice.create: amount (positive msat, absent = any), description (≤ 639 bytes, BOLT 11 d), expiry (1 s … 1 year)', () => {
    expect(req('invoice.create', {})).toEqual({ kind: 'request', id: 7, method: 'invoice.create', params: {} });
    expect(req('invoice.create', { amountMsat: '1000', description: 'tea', expirySec: 600 })).toMatchObject({ params: { amountMsat: '1000', description: 'tea', expirySec: 600 } });
    expect(req('invoice.create', { description: 'é'.repeat(319) })).toMatchObject({ params: { description: 'é'.repeat(319) } });
    const field = (p: unknown): string => fieldOf(() => req('invoice.create', p));
    expect(field({ amountMsat: '0' })).toBe('params.amountMsat');
    expect(field({ amountMsat: 1000 })).toBe('params.amountMsat');
    expect(field({ amountMsat: '-5' })).toBe('params.amountMsat');
    expect(field({ amountMsat: '1.5' })).toBe('params.amountMsat');
    expect(field({ amountMsat: '2100000000000000001' })).toBe('params.amountMsat');
    expect(field({ description: 'é'.repeat(320) })).toBe('params.description'); // 640 bytes
    expect(field({ description: 'x'.repeat(MAX_DESCRIPTION_BYTES + 1) })).toBe('params.description');
    expect(field({ expirySec: 0 })).toBe('params.expirySec');
    expect(field({ expirySec: MAX_EXPIRY_SEC + 1 })).toBe('params.expirySec');
    expect(field({ expirySec: 1.5 })).toBe('params.expirySec');
    expect(field({ memo: 'x' })).toBe('params.memo');
    expect(field(null)).toBe('params');
  });

  it('invoice.decode / payment.pay / payment.estimateFee: the invoice text is required and bounded; amounts are msat strings', () => {
    expect(req('invoice.decode', { text: `lightning:${BOLT11}` })).toMatchObject({ params: { text: `lightning:${BOLT11}` } });
    expect(req('payment.pay', { bolt11: BOLT11, amountMsat: '5000', maxFeeMsat: '0' })).toMatchObject({ params: { bolt11: BOLT11, amountMsat: '5000', maxFeeMsat: '0' } });
    expect(req('payment.estimateFee', { bolt11: BOLT11 })).toEqual({ kind: 'request', id: 7, method: 'payment.estimateFee', params: { bolt11: BOLT11 } });
    expect(fieldOf(() => req('invoice.decode', {}))).toBe('params.text');
    expect(fieldOf(() => req('invoice.decode', { text: '  ' }))).toBe('params.text');
    expect(fieldOf(() => req('invoice.decode', { text: 'x'.repeat(7090) }))).toBe('params.text');
    expect(fieldOf(() => req('payment.pay', { bolt11: 5 }))).toBe('params.bolt11');
    expect(fieldOf(() => req('payment.pay', { bolt11: BOLT11, amountMsat: '0' }))).toBe('params.amountMsat');
    expect(fieldOf(() => req('payment.pay', { bolt11: BOLT11, maxFeeMsat: 'lots' }))).toBe('params.maxFeeMsat');
    expect(fieldOf(() => req('payment.pay', { bolt11: BOLT11, timeoutMs: 5 }))).toBe('params.timeoutMs');
    expect(fieldOf(() => req('payment.estimateFee', { bolt11: BOLT11, amountMsat: '' }))).toBe('params.amountMsat');
    expect(fieldOf(() => req('payment.list', { all: true }))).toBe('params.all');
  });
});

describe('payment results and the payment event', () => {
  it('a PaymentDto passes, absent optional fields stay absent, and each bad field is named', () => {
    expect(parsePaymentDto(payment)).toEqual(payment);
    const bare: PaymentDto = { paymentHash: HASH, direction: 'incoming', kind: 'keysend', status: 'pending', amountMsat: '0', feeMsat: '0', createdAtSec: 5, htlcs: [] };
    const parsed = parsePaymentDto(bare);
    expect(parsed).toEqual(bare);
    expect('preimage' in parsed).toBe(false);
    const bad = (patch: Record<string, unknown>): string => fieldOf(() => parsePaymentDto({ ...payment, ...patch }));
    expect(bad({ paymentHash: 'AB'.repeat(32) })).toBe('payment.paymentHash');
    expect(bad({ direction: 'sideways' })).toBe('payment.direction');
    expect(bad({ status: 'done' })).toBe('payment.status');
    expect(bad({ amountMsat: 12 })).toBe('payment.amountMsat');
    expect(bad({ preimage: null })).toBe('payment.preimage');
    expect(bad({ payee: 'zz' })).toBe('payment.payee');
    expect(bad({ extra: 1 })).toBe('payment.extra');
    expect(bad({ htlcs: [{ ...payment.htlcs[0], status: 'stuck' }] })).toBe('payment.htlcs[0].status');
    expect(bad({ htlcs: [{ ...payment.htlcs[0], cltvExpiry: -1 }] })).toBe('payment.htlcs[0].cltvExpiry');
  });

  it('payment.list, payment.pay, payment.estimateFee, invoice.create and invoice.decode results are checked', () => {
    expect(parseResult('payment.list', [payment])).toEqual([payment]);
    expect(fieldOf(() => parseResult('payment.list', [payment, { ...payment, feeMsat: '-1' }]))).toBe('result[1].feeMsat');
    expect(parseResult('payment.pay', { status: 'failed', paymentHash: HASH, feeMsat: '0', ms: 12.5, reason: 'the payee does not know this payment', failureCode: 'incorrect_or_unknown_payment_details' })).toMatchObject({ status: 'failed', ms: 12.5 });
    expect(fieldOf(() => parseResult('payment.pay', { status: 'succeeded', paymentHash: HASH, feeMsat: '0', ms: 1, preimage: 'nope' }))).toBe('result.preimage');
    expect(parseResult('payment.estimateFee', { feeMsat: '0', route: 'none', reason: 'no channel' })).toEqual({ feeMsat: '0', route: 'none', reason: 'no channel' });
    expect(fieldOf(() => parseResult('payment.estimateFee', { feeMsat: '0', route: 'graph' }))).toBe('result.route');
    expect(parseResult('invoice.create', { bolt11: BOLT11, paymentHash: HASH })).toEqual({ bolt11: BOLT11, paymentHash: HASH });
    expect(parseResult('invoice.decode', decoded)).toEqual(decoded);
    const anyAmount = { ...decoded };
    delete anyAmount.amountMsat;
    expect(parseResult('invoice.decode', anyAmount)).toEqual(anyAmount);
    expect(fieldOf(() => parseResult('invoice.decode', { ...decoded, network: 'mainnet' }))).toBe('result.network');
    expect(fieldOf(() => parseResult('invoice.decode', { ...decoded, amountMsat: '0' }))).toBe('result.amountMsat');
    expect(fieldOf(() => parseResult('invoice.decode', { ...decoded, features: ['Basic MPP'] }))).toBe('result.features[0]');
    expect(fieldOf(() => parseResult('invoice.decode', { ...decoded, expired: 'no' }))).toBe('result.expired');
  });

  it('the payment push event is a NodeEvent', () => {
    expect(parseNodeEvent({ type: 'payment', payment })).toEqual({ type: 'payment', payment });
    expect(fieldOf(() => parseNodeEvent({ type: 'payment', payment: { ...payment, kind: 'lnurl' } }))).toBe('event.payment.kind');
    expect(fieldOf(() => parseNodeEvent({ type: 'payment' }))).toBe('event.payment');
  });
});

/** Connect an RpcClient and an RpcServer over a real MessageChannel. */
async function connect(handlers: Partial<RpcHandlers>): Promise<{ client: PaymentClient; server: RpcServer; close(): void }> {
  const { RpcClient } = (await import(/* @vite-ignore */ CLIENT_MODULE)) as { RpcClient: new (port: unknown, opts: { timeoutMs: number }) => PaymentClient };
  const { port1, port2 } = new MessageChannel();
  const server = new RpcServer(port2 as unknown as ServerPort, handlers as RpcHandlers);
  server.ready({ status: 'running', nodeId: PAYEE, error: null, protocol: 1 });
  port2.start();
  const client = new RpcClient(port1, { timeoutMs: 5000 });
  port1.start();
  return {
    client,
    server,
    close: () => {
      client.close();
      port1.close();
      port2.close();
    },
  };
}

describe('RpcClient payment methods', () => {
  it('send the contract params and resolve with validated results; payment events reach onPayment', async () => {
    const seen: unknown[] = [];
    const rig = await connect({
      'invoice.create': (p) => (seen.push(['create', p]), { bolt11: BOLT11, paymentHash: HASH }),
      'invoice.decode': (p) => (seen.push(['decode', p]), decoded),
      'payment.estimateFee': (p) => (seen.push(['fee', p]), { feeMsat: '12', route: 'hints' }),
      'payment.pay': (p) => (seen.push(['pay', p]), { status: 'succeeded', paymentHash: HASH, preimage: PREIMAGE, feeMsat: '12', ms: 30 }),
      'payment.list': () => [payment],
    });
    try {
      await rig.client.ready();
      expect(await rig.client.createInvoice({ amountMsat: '1000', description: 'tea' })).toEqual({ bolt11: BOLT11, paymentHash: HASH });
      expect(await rig.client.decodeInvoice(`lightning:${BOLT11}`)).toEqual(decoded);
      expect(await rig.client.estimatePayFee(BOLT11)).toEqual({ feeMsat: '12', route: 'hints' });
      expect(await rig.client.pay({ bolt11: BOLT11, maxFeeMsat: '100' })).toMatchObject({ status: 'succeeded', preimage: PREIMAGE });
      expect(await rig.client.payments()).toEqual([payment]);
      expect(seen).toEqual([
        ['create', { amountMsat: '1000', description: 'tea' }],
        ['decode', { text: `lightning:${BOLT11}` }],
        ['fee', { bolt11: BOLT11 }],
        ['pay', { bolt11: BOLT11, maxFeeMsat: '100' }],
      ]);
      const got = new Promise<PaymentDto>((resolve) => rig.client.onPayment(resolve));
      rig.server.emit({ type: 'payment', payment });
      expect(await got).toEqual(payment);
    } finally {
      rig.close();
    }
  });

  it('a refused invoice arrives as an invalid-params error naming params.text', async () => {
    const rig = await connect({
      'invoice.decode': () => {
        throw new RpcValidationError('params.text', 'invoice: bad checksum');
      },
    });
    try {
      await expect(rig.client.decodeInvoice('lnbc1bad')).rejects.toMatchObject({ code: 'invalid-params', field: 'params.text', message: 'params.text: invoice: bad checksum' });
      await expect(rig.client.createInvoice({ amountMsat: '0' })).rejects.toMatchObject({ code: 'invalid-request', field: 'params.amountMsat' });
    } finally {
      rig.close();
    }
  });
});
