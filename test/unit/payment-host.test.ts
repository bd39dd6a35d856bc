// The worker's payment host (workers/payment-host.ts) against a fake node typed by the payments
// contract: PaymentRecord / PayResult → DTOs that pass the protocol's own validators (bigints as
// decimal strings, absent fields absent), `payment` engine events → `payment` pushes, engine
// refusals land on the RPC parameter they are about, and `invoice.decode` works with no node at
// all (the Send screen's review), refusing wrong-network and non-invoice text on `params.text`.
import { describe, expect, expectTypeOf, it } from 'vitest';
import { PaymentHost, decodedInvoiceDto, paymentDto, type EngineInvoice, type EnginePaymentRecord, type EnginePayResult, type InvoiceCodec, type PaymentEngine } from '../../workers/payment-host.ts';
import { engineInvoiceCodec, featureNames } from '../../workers/invoice-codec.ts';
import { readFileSync } from 'node:fs';
import { RpcValidationError, parseDecodedInvoice, parseNodeEvent, parsePaymentDto, parsePayResult, type NodeEvent } from '../../workers/rpc/protocol.ts';
import { ValidationError, hexToBytes, type GlintNode, type Invoice, type PaymentRecord } from '../../engine/index.ts';

const HASH = 'ab'.repeat(32);
const PAYEE = '0279be667ef9dcbbac55a06295ce870b07029bfcdb2dce28d959f2815b16f81798';
const CID = 'c0'.repeat(32);
const BOLT11 = 'lnbcrt1u1pexample';

const record = (patch: Partial<EnginePaymentRecord> = {}): EnginePaymentRecord => ({
  paymentHash: HASH,
  direction: 'outgoing',
  kind: 'invoice',
  status: 'pending',
  amountMsat: 100_000n,
  feeMsat: 0n,
  createdAtSec: 1_700_000_000,
  invoice: BOLT11,
  payee: PAYEE,
  htlcs: [{ channelId: CID, htlcId: '0', amountMsat: 100_000n, cltvExpiry: 160, status: 'pending' }],
  ...patch,
});

class FakeNode implements PaymentEngine {
  calls: string[] = [];
  history: EnginePaymentRecord[] = [record()];
  payError: Error | null = null;
  result: EnginePayResult = { status: 'succeeded', paymentHash: HASH, preimage: 'cd'.repeat(32), feeMsat: 1_000n, ms: 42 };
  async createInvoice(opts: { amountMsat?: bigint; description?: string; expirySec?: number }): Promise<{ bolt11: string; paymentHash: string }> {
    this.calls.push(`create ${opts.amountMsat ?? 'any'} ${opts.description ?? '-'} ${opts.expirySec ?? '-'}`);
    if (opts.description === 'bad') throw new ValidationError('description', 'is not valid');
    return { bolt11: BOLT11, paymentHash: HASH };
  }
  async pay(bolt11: string, opts?: { amountMsat?: bigint; maxFeeMsat?: bigint }): Promise<EnginePayResult> {
    this.calls.push(`pay ${bolt11} ${opts?.amountMsat ?? '-'} ${opts?.maxFeeMsat ?? '-'}`);
    if (this.payError) throw this.payError;
    return this.result;
  }
  payments(): readonly EnginePaymentRecord[] {
    return this.history;
  }
  estimatePayFee(bolt11: string, amountMsat?: bigint): { feeMsat: bigint; route: 'direct' | 'hints' | 'none'; reason?: string } {
    this.calls.push(`fee ${bolt11} ${amountMsat ?? '-'}`);
    return { feeMsat: 0n, route: 'none', reason: 'no channel can carry 1000 sats' };
  }
}

const invoice = (patch: Partial<EngineInvoice> = {}): EngineInvoice => ({
  bolt11: BOLT11,
  network: 'regtest',
  amountMsat: 100_000n,
  timestampSec: 1_700_000_000,
  paymentHash: hexToBytes(HASH),
  description: 'coffee',
  payeeNodeId: hexToBytes(PAYEE),
  expirySec: 3600,
  minFinalCltvExpiryDelta: 18,
  routeHints: [[{}], [{}]],
  // var_onion_optin (9, optional), payment_secret (14, required), basic_mpp (17, optional)
  features: new Uint8Array([0x02, 0x42, 0x00]),
  ...patch,
});

/** A codec that records its calls; `network` refusals like engine/invoice's. */
class FakeCodec implements InvoiceCodec {
  calls: string[] = [];
  parsePaymentText(text: string): { invoice?: string; address?: string } {
    this.calls.push(`parse ${text}`);
    if (text.startsWith('bitcoin:')) return { address: 'bcrt1qexample' };
    if (text === 'garbage') throw new ValidationError('text', 'is not a payment request');
    return { invoice: text.replace(/^lightning:/i, '').toLowerCase() };
  }
  decodeInvoice(text: string, opts?: { network?: string }): EngineInvoice {
    this.calls.push(`decode ${text} ${opts?.network ?? '-'}`);
    if (text.includes('bad')) throw new ValidationError('checksum', 'does not match');
    if (opts?.network && opts.network !== 'regtest') throw new ValidationError('network', `is regtest, not ${opts.network}`);
    return invoice({ bolt11: text });
  }
  featureNames = featureNames;
}

function host(opts: { network?: 'bitcoin' | 'regtest'; codec?: InvoiceCodec | null; now?: number } = {}): { h: PaymentHost; events: NodeEvent[] } {
  const events: NodeEvent[] = [];
  const h = new PaymentHost({ emit: (e) => events.push(e), nowSec: () => opts.now ?? 1_700_000_100, codec: opts.codec === undefined ? () => new FakeCodec() : opts.codec === null ? null : () => opts.codec as InvoiceCodec, network: () => opts.network });
  return { h, events };
}

function fieldOf(p: Promise<unknown> | (() => unknown)): Promise<string> {
  const run = typeof p === 'function' ? Promise.resolve().then(p) : p;
  return run.then(
    () => {
      throw new Error('expected a validation error');
    },
    (err: unknown) => {
      if (err instanceof RpcValidationError) return err.field;
      throw err;
    },
  );
}

describe('DTOs', () => {
  it('paymentDto: bigints become decimal strings, absent stays absent, the DTO passes the protocol validator', () => {
    const dto = paymentDto(record({ status: 'succeeded', feeMsat: 1_000n, preimage: 'cd'.repeat(32), settledAtSec: 1_700_000_001 }));
    expect(dto).toEqual({
      paymentHash: HASH,
      direction: 'outgoing',
      kind: 'invoice',
      status: 'succeeded',
      amountMsat: '100000',
      feeMsat: '1000',
      createdAtSec: 1_700_000_000,
      settledAtSec: 1_700_000_001,
      preimage: 'cd'.repeat(32),
      invoice: BOLT11,
      payee: PAYEE,
      htlcs: [{ channelId: CID, amountMsat: '100000', cltvExpiry: 160, status: 'pending' }],
    });
    expect(parsePaymentDto(dto)).toEqual(dto);
    const failed = paymentDto(record({ status: 'failed', reason: 'x'.repeat(5000), failureCode: 'no_route', invoice: undefined }));
    expect(failed.reason).toHaveLength(2000);
    expect('invoice' in failed).toBe(false);
    expect(parsePaymentDto(failed)).toEqual(failed);
  });

  it('decodedInvoiceDto: hex for bytes, expiry from the timestamp, route hints counted, features named', () => {
    const dto = decodedInvoiceDto(invoice(), 1_700_000_100, featureNames);
    expect(dto).toEqual({
      bolt11: BOLT11,
      network: 'regtest',
      amountMsat: '100000',
      description: 'coffee',
      payee: PAYEE,
      paymentHash: HASH,
      timestampSec: 1_700_000_000,
      expiresAtSec: 1_700_003_600,
      expired: false,
      minFinalCltvExpiryDelta: 18,
      routeHints: 2,
      features: ['var_onion_optin', 'payment_secret', 'basic_mpp'],
    });
    expect(parseDecodedInvoice(dto)).toEqual(dto);
    const hashed = decodedInvoiceDto(invoice({ amountMsat: undefined, description: undefined, descriptionHash: hexToBytes('11'.repeat(32)) }), 1_700_003_600, featureNames);
    expect(hashed).toMatchObject({ descriptionHash: '11'.repeat(32), expired: true });
    expect('amountMsat' in hashed).toBe(false);
    expect(parseDecodedInvoice(hashed)).toEqual(hashed);
  });
});

describe('PaymentHost', () => {
  it('without a node: decode works, the others say to unlock, the list is empty', async () => {
    const { h } = host();
    expect(await h.decode({ text: `lightning:${BOLT11.toUpperCase()}` })).toMatchObject({ bolt11: BOLT11, payee: PAYEE });
    await expect(h.pay({ bolt11: BOLT11 })).rejects.toThrow(/unlocked wallet/);
    await expect(h.createInvoice({})).rejects.toThrow(/unlocked wallet/);
    expect(() => h.estimateFee({ bolt11: BOLT11 })).toThrow(/unlocked wallet/);
    expect(h.list()).toEqual([]);
  });

  it('decode refuses, on params.text: a bad invoice (with the engine reason), an on-chain-only URI, another network', async () => {
    const codec = new FakeCodec();
    const { h } = host({ codec, network: 'bitcoin' });
    expect(await fieldOf(() => h.decode({ text: 'lnbcrt1bad' }))).toBe('params.text');
    await expect(h.decode({ text: 'lnbcrt1bad' })).rejects.toThrow('params.text: checksum: does not match');
    await expect(h.decode({ text: 'bitcoin:bcrt1qexample?amount=1' })).rejects.toThrow(/on-chain Bitcoin address/);
    await expect(h.decode({ text: 'garbage' })).rejects.toThrow('params.text: text: is not a payment request');
    await expect(h.decode({ text: BOLT11 })).rejects.toThrow('params.text: network: is regtest, not bitcoin');
    expect(codec.calls).toContain(`decode ${BOLT11} bitcoin`);
    const none = host({ codec: null }).h;
    await expect(none.decode({ text: BOLT11 })).rejects.toThrow(/not available/);
    // The decoder's chunk failed to load (offline after an update, say): a clear message, nothing else.
    const unloadable = new PaymentHost({ emit: () => {}, nowSec: () => 0, codec: () => Promise.reject(new Error('Failed to fetch dynamically imported module')), network: () => undefined });
    await expect(unloadable.decode({ text: BOLT11 })).rejects.toThrow(/decoder could not be loaded \(Failed to fetch dynamically imported module\); reload Glint/);
  });

  it('decode through the engine codec: every BOLT 11 spec example reviews without a node; wrong network refused', async () => {
    const vectors = JSON.parse(readFileSync(new URL('../vectors/bolt11-invoices.json', import.meta.url), 'utf8')) as { valid: { title: string; invoice: string; decoded: { payment_hash: string; timestamp: number } }[] };
    const { h } = host({ codec: engineInvoiceCodec, now: 1_496_314_658 });
    for (const v of vectors.valid) {
      const dto = await h.decode({ text: `lightning:${v.invoice}` });
      expect(parseDecodedInvoice(dto), v.title).toEqual(dto);
      expect(dto.paymentHash, v.title).toBe(v.decoded.payment_hash);
      expect(dto.features, v.title).toContain('payment_secret');
    }
    const regtest = host({ codec: engineInvoiceCodec, network: 'regtest' }).h;
    await expect(regtest.decode({ text: vectors.valid[0]!.invoice })).rejects.toThrow(/^params\.text: network: /);
    await expect(regtest.decode({ text: `${vectors.valid[0]!.invoice.slice(0, -1)}q` })).rejects.toThrow(/^params\.text: /);
  });

  it('createInvoice / pay / estimateFee pass bigints to the node and DTOs back', async () => {
    const { h } = host();
    const node = new FakeNode();
    h.attach(node);
    expect(await h.createInvoice({ amountMsat: '5000', description: 'tea', expirySec: 60 })).toEqual({ bolt11: BOLT11, paymentHash: HASH });
    expect(await h.createInvoice({})).toEqual({ bolt11: BOLT11, paymentHash: HASH });
    const paid = await h.pay({ bolt11: ` ${BOLT11} `, amountMsat: '7000', maxFeeMsat: '10' });
    expect(paid).toEqual({ status: 'succeeded', paymentHash: HASH, preimage: 'cd'.repeat(32), feeMsat: '1000', ms: 42 });
    expect(parsePayResult(paid)).toEqual(paid);
    expect(h.estimateFee({ bolt11: BOLT11, amountMsat: '1000000' })).toEqual({ feeMsat: '0', route: 'none', reason: 'no channel can carry 1000 sats' });
    expect(node.calls).toEqual(['create 5000 tea 60', 'create any - -', `pay ${BOLT11} 7000 10`, `fee ${BOLT11} 1000000`]);
    expect(h.list()).toEqual([paymentDto(record())]);
  });

  it('a failed payment is a result (with reason and code), not an error', async () => {
    const { h } = host();
    const node = new FakeNode();
    node.result = { status: 'failed', paymentHash: HASH, feeMsat: 0n, ms: 9, reason: 'the payee does not know this payment', failureCode: 'incorrect_or_unknown_payment_details' };
    h.attach(node);
    expect(await h.pay({ bolt11: BOLT11 })).toEqual({ status: 'failed', paymentHash: HASH, feeMsat: '0', ms: 9, reason: 'the payee does not know this payment', failureCode: 'incorrect_or_unknown_payment_details' });
  });

  it('engine refusals land on the parameter they are about; the invoice’s own fields on params.bolt11; others pass through', async () => {
    const { h } = host();
    const node = new FakeNode();
    h.attach(node);
    node.payError = new ValidationError('amountMsat', 'is below the invoice amount');
    expect(await fieldOf(h.pay({ bolt11: BOLT11, amountMsat: '1' }))).toBe('params.amountMsat');
    node.payError = new ValidationError('maxFeeMsat', 'is too low');
    expect(await fieldOf(h.pay({ bolt11: BOLT11 }))).toBe('params.maxFeeMsat');
    node.payError = new ValidationError('expiry', 'the invoice expired');
    await expect(h.pay({ bolt11: BOLT11 })).rejects.toMatchObject({ field: 'params.bolt11', message: 'params.bolt11: expiry: the invoice expired' });
    node.payError = new Error('the node is stopping');
    await expect(h.pay({ bolt11: BOLT11 })).rejects.toThrow(/^the node is stopping$/);
    expect(await fieldOf(h.createInvoice({ description: 'bad' }))).toBe('params.description');
  });

  it('a node build without payment methods says so', async () => {
    const { h } = host();
    h.attach({});
    await expect(h.pay({ bolt11: BOLT11 })).rejects.toThrow(/not available in this build/);
    expect(h.list()).toEqual([]);
  });

  it('payment engine events become payment pushes that pass the protocol validator; other events are ignored', () => {
    const { h, events } = host();
    h.onEngineEvent({ type: 'payment', payment: record({ direction: 'incoming', kind: 'keysend', status: 'succeeded', preimage: 'ee'.repeat(32), settledAtSec: 1_700_000_050, payee: undefined }) });
    h.onEngineEvent({ type: 'channel', channel: {} });
    h.onEngineEvent({ type: 'payment' });
    expect(events).toHaveLength(1);
    expect(parseNodeEvent(events[0])).toEqual(events[0]);
    expect(events[0]).toMatchObject({ type: 'payment', payment: { direction: 'incoming', kind: 'keysend', status: 'succeeded', amountMsat: '100000' } });
  });
});

it('the engine types satisfy what the host translates (checked by tsc)', () => {
  expectTypeOf<GlintNode>().toExtend<PaymentEngine>();
  expectTypeOf<PaymentRecord>().toExtend<EnginePaymentRecord>();
  expectTypeOf<Invoice>().toExtend<EngineInvoice>();
});
