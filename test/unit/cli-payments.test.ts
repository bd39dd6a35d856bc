/**
 * The payment commands of `glint` (cli/payments.ts, cli/args.ts, cli/payment-json.ts,
 * cli/api-payments.ts): argument parsing with errors naming the flag, the printed JSON shapes
 * (every key present, null when unset; amounts as JSON numbers), the local API's payment routes
 * against a node typed by the payments contract, and `glint decode` of the BOLT 11 spec examples
 * (test/vectors/bolt11-invoices.json) through the real engine decoder, offline.
 */
import { readFileSync } from 'node:fs';
import { request } from 'node:http';
import { afterEach, beforeEach, describe, expect, expectTypeOf, test } from 'vitest';
import { ValidationError, type ChannelInfo, type GlintBalance, type GlintNode, type Invoice, type PaymentRecord, type PayResult } from '../../engine/index.ts';
import { parseArgs, parseInvoiceArgs, parseKeysendArgs, parsePayArgs } from '../../cli/args.ts';
import { startApiServer, type ApiNode, type ApiServer } from '../../cli/api-server.ts';
import type { PaymentApiNode } from '../../cli/api-payments.ts';
import { CommandOutput, decodeCommand } from '../../cli/payments.ts';
import { payJson, paymentJson, type InvoiceLike, type PaymentRecordLike, type PayResultLike } from '../../cli/payment-json.ts';

const PK = `02${'11'.repeat(32)}`;
const HASH = 'ab'.repeat(32);
const PREIMAGE = 'cd'.repeat(32);
const parse = (...argv: string[]) => parseArgs(argv, {});

interface Vector {
  title: string;
  invoice: string;
  decoded: { payment_hash: string; amount_msat: number | null; description: string | null; timestamp: number; payee_pubkey: string };
}
const VECTORS = JSON.parse(readFileSync(new URL('../vectors/bolt11-invoices.json', import.meta.url), 'utf8')) as { valid: Vector[]; invalid: { invoice: string; reason: string }[] };

describe('glint invoice / pay / keysend arguments', () => {
  test('invoice: an msat amount or any, --description, --expiry', () => {
    expect(parseInvoiceArgs(parse('invoice', '1000'))).toEqual({ amountMsat: 1000n });
    expect(parseInvoiceArgs(parse('invoice', 'any'))).toEqual({});
    expect(parseInvoiceArgs(parse('invoice', 'any', '--description', 'two coffees', '--expiry', '600'))).toEqual({ description: 'two coffees', expirySec: 600 });
  });

  test.each([
    [['invoice'], /usage: glint invoice/],
    [['invoice', '1', '2'], /usage: glint invoice/],
    [['invoice', 'lots'], /^msat: must be a whole number/],
    [['invoice', '-5'], /^msat: must be a whole number/],
    [['invoice', '1.5'], /^msat: must be a whole number/],
    [['invoice', '0'], /^msat: must be more than zero/],
    [['invoice', '18446744073709551617'], /^msat: .*too large/],
    [['invoice', '2100000000000000001'], /^msat: is more than 21 million bitcoin/],
    [['invoice', '1000', '--expiry', '0'], /^--expiry/],
    [['invoice', '1000', '--expiry', '31536001'], /^--expiry/],
    [['invoice', '1000', '--expiry'], /^--expiry: needs a value/],
    [['invoice', '1000', '--description', 'é'.repeat(320)], /^--description: is longer than 639 bytes/],
    [['invoice', '1000', '--memo', 'x'], /^--memo: unknown option/],
  ])('invoice %j → %s', (argv, why) => {
    expect(() => parseInvoiceArgs(parse(...argv))).toThrow(why);
  });

  test('pay: the invoice (a lightning: prefix dropped), --amount-msat, --max-fee-msat', () => {
    const inv = VECTORS.valid[0]!.invoice;
    expect(parsePayArgs(parse('pay', inv))).toEqual({ bolt11: inv });
    expect(parsePayArgs(parse('pay', `lightning:${inv}`, '--amount-msat', '5000', '--max-fee-msat', '0'))).toEqual({ bolt11: inv, amountMsat: 5000n, maxFeeMsat: 0n });
  });

  test.each([
    [['pay'], /usage: glint pay/],
    [['pay', 'hello'], /^bolt11: is not a BOLT 11 invoice/],
    [['pay', 'lnbc1xyz', '--amount-msat', 'some'], /^--amount-msat: must be a whole number/],
    [['pay', 'lnbc1xyz', '--amount-msat', '0'], /^--amount-msat: must be more than zero/],
    [['pay', 'lnbc1xyz', '--max-fee-msat', '-1'], /^--max-fee-msat: must be a whole number/],
    [['pay', 'lnbc1xyz', '--fee', '1'], /^--fee: unknown option/],
  ])('pay %j → %s', (argv, why) => {
    expect(() => parsePayArgs(parse(...argv))).toThrow(why);
  });

  test('keysend: a pubkey (lowercased) and an msat amount', () => {
    expect(parseKeysendArgs(parse('keysend', PK.toUpperCase(), '1000'))).toEqual({ payee: PK, amountMsat: 1000n });
    expect(() => parseKeysendArgs(parse('keysend', 'abc', '1000'))).toThrow(/^pubkey: expected a 33-byte/);
    expect(() => parseKeysendArgs(parse('keysend', PK, 'x'))).toThrow(/^msat: must be a whole number/);
    expect(() => parseKeysendArgs(parse('keysend', PK))).toThrow(/usage: glint keysend/);
  });
});

describe('printed JSON', () => {
  test('pay: preimage only when succeeded, reason null on success, a pending one says where to look', () => {
    expect(payJson({ status: 'succeeded', paymentHash: HASH, preimage: PREIMAGE, feeMsat: 1000n, ms: 41.6 })).toEqual({ status: 'succeeded', preimage: PREIMAGE, feeMsat: 1000, ms: 42, reason: null });
    expect(payJson({ status: 'failed', paymentHash: HASH, feeMsat: 0n, ms: 3, reason: 'the payee does not know this payment' })).toEqual({ status: 'failed', preimage: null, feeMsat: 0, ms: 3, reason: 'the payee does not know this payment' });
    expect(payJson({ status: 'pending', paymentHash: HASH, feeMsat: 0n, ms: 60_000 })).toMatchObject({ status: 'pending', preimage: null, reason: expect.stringMatching(/glint payments/) });
  });

  test('payments: every key, null when unset; htlcs with their deadline', () => {
    const p: PaymentRecordLike = { paymentHash: HASH, direction: 'incoming', kind: 'invoice', status: 'pending', amountMsat: 0n, feeMsat: 0n, createdAtSec: 5, expiresAtSec: 3605, htlcs: [{ channelId: 'c0'.repeat(32), htlcId: '3', amountMsat: 2n ** 60n, cltvExpiry: 500, status: 'pending' }] };
    expect(paymentJson(p)).toEqual({
      paymentHash: HASH,
      direction: 'incoming',
      kind: 'invoice',
      status: 'pending',
      amountMsat: 0,
      feeMsat: 0,
      createdAtSec: 5,
      settledAtSec: null,
      preimage: null,
      invoice: null,
      description: null,
      payee: null,
      reason: null,
      failureCode: null,
      expiresAtSec: 3605,
      htlcs: [{ channelId: 'c0'.repeat(32), htlcId: '3', amountMsat: '1152921504606846976', cltvExpiry: 500, status: 'pending' }],
    });
  });
});

describe('glint decode (offline, the real engine decoder)', () => {
  test('every BOLT 11 spec example decodes to its payment hash, amount, description, timestamp and payee', () => {
    for (const v of VECTORS.valid) {
      const out = decodeCommand(parse('decode', v.invoice), v.decoded.timestamp);
      expect(out.paymentHash, v.title).toBe(v.decoded.payment_hash);
      expect(out.amountMsat, v.title).toBe(v.decoded.amount_msat);
      expect(out.description, v.title).toBe(v.decoded.description);
      expect(out.timestampSec, v.title).toBe(v.decoded.timestamp);
      expect(out.payee, v.title).toBe(v.decoded.payee_pubkey);
      expect(out.expired, v.title).toBe(false);
      expect(Object.keys(out)).toEqual(expect.arrayContaining(['bolt11', 'network', 'expiresAtSec', 'paymentSecret', 'descriptionHash', 'routeHints', 'features', 'signature', 'recoveryId', 'fallbackAddresses', 'featureProblem']));
    }
  });

  test('a lightning: URI and a BIP21 URI carrying an invoice are accepted; expiry is judged against the clock given', () => {
    const v = VECTORS.valid[0]!;
    const bip21 = decodeCommand(parse('decode', `bitcoin:bc1qar0srrr7xfkvy5l643lydnw9re59gtzzwf5mdq?amount=0.001&lightning=${v.invoice}`), v.decoded.timestamp);
    expect(bip21.paymentHash).toBe(v.decoded.payment_hash);
    const out = decodeCommand(parse('decode', `lightning:${v.invoice.toUpperCase()}`), v.decoded.timestamp + 10 ** 9);
    expect(out.paymentHash).toBe(v.decoded.payment_hash);
    expect(out.expired).toBe(true);
  });

  test('every invalid spec example is refused with a ValidationError naming the field', () => {
    for (const v of VECTORS.invalid) {
      let err: unknown;
      try {
        decodeCommand(parse('decode', v.invoice), 0);
      } catch (e) {
        err = e;
      }
      expect(err, v.reason).toBeInstanceOf(ValidationError);
      expect((err as ValidationError).field, v.reason).toMatch(/\S/);
    }
  });

  test('--network refuses an invoice of another network; an on-chain-only URI is not an invoice', () => {
    const v = VECTORS.valid[0]!;
    expect(() => decodeCommand(parse('--network', 'regtest', 'decode', v.invoice), 0)).toThrow(/^network: /);
    expect(decodeCommand(parse('--network', 'bitcoin', 'decode', v.invoice), 0).network).toBe('bitcoin');
    expect(() => decodeCommand(parse('decode', 'bitcoin:bc1qar0srrr7xfkvy5l643lydnw9re59gtzzwf5mdq?amount=1'), 0)).toThrow(/^bolt11: is an on-chain Bitcoin address/);
    expect(() => decodeCommand(parse('decode', v.invoice, '--verbose'), 0)).toThrow(/^--verbose: unknown option/);
  });
});

/** A node typed by the channel API and the payments contract, recording what it was asked. */
class PayingNode implements ApiNode, PaymentApiNode {
  readonly nodeId = PK;
  readonly network = 'regtest' as const;
  calls: string[] = [];
  result: PayResultLike = { status: 'succeeded', paymentHash: HASH, preimage: PREIMAGE, feeMsat: 1_000n, ms: 25 };
  channels(): ChannelInfo[] {
    return [];
  }
  balance(): GlintBalance {
    return { confirmedSat: 0n, unconfirmedSat: 0n, spendableSat: 0n, immatureSat: 0n, lightningMsat: 0n };
  }
  async poll(): Promise<void> {}
  async open(): Promise<{ channelId: string; fundingTxid: string }> {
    throw new Error('not in these tests');
  }
  async close(): Promise<{ closingTxid: string }> {
    throw new Error('not in these tests');
  }
  async trustPeer(): Promise<string[]> {
    return [];
  }
  trustedPeers(): string[] {
    return [];
  }
  async createInvoice(opts: { amountMsat?: bigint; description?: string; expirySec?: number }): Promise<{ bolt11: string; paymentHash: string }> {
    this.calls.push(`invoice ${opts.amountMsat ?? 'any'} ${opts.description ?? '-'} ${opts.expirySec ?? '-'}`);
    return { bolt11: VECTORS.valid[0]!.invoice, paymentHash: HASH };
  }
  async pay(bolt11: string, opts?: { amountMsat?: bigint; maxFeeMsat?: bigint }): Promise<PayResultLike> {
    this.calls.push(`pay ${bolt11.slice(0, 10)} ${opts?.amountMsat ?? '-'} ${opts?.maxFeeMsat ?? '-'}`);
    if (bolt11 === 'lnbc1expired') throw new ValidationError('invoice', 'expired 5 minutes ago');
    return this.result;
  }
  async keysend(payee: string, amountMsat: bigint, opts?: { maxFeeMsat?: bigint }): Promise<PayResultLike> {
    this.calls.push(`keysend ${payee} ${amountMsat} ${opts?.maxFeeMsat ?? '-'}`);
    return { status: 'failed', paymentHash: HASH, feeMsat: 0n, ms: 7, reason: 'no channel has 5000 sats to send', failureCode: 'insufficient_balance' };
  }
  payments(): readonly PaymentRecordLike[] {
    return [{ paymentHash: HASH, direction: 'outgoing', kind: 'invoice', status: 'succeeded', amountMsat: 1000n, feeMsat: 0n, createdAtSec: 1, settledAtSec: 2, preimage: PREIMAGE, payee: PK, htlcs: [] }];
  }
}

describe('the local API payment routes', () => {
  let node: PayingNode;
  let server: ApiServer;
  beforeEach(async () => {
    node = new PayingNode();
    server = await startApiServer(node);
  });
  afterEach(async () => {
    await server.close();
  });

  function call(method: 'GET' | 'POST', path: string, body?: unknown): Promise<{ status: number; json: unknown }> {
    const text = body === undefined ? undefined : JSON.stringify(body);
    return new Promise((resolve, reject) => {
      const req = request(
        { host: '127.0.0.1', port: server.port, method, path, headers: { authorization: `Bearer ${server.token}`, ...(text !== undefined ? { 'content-type': 'application/json' } : {}) } },
        (res) => {
          let out = '';
          res.on('data', (d) => (out += d));
          res.on('end', () => resolve({ status: res.statusCode ?? 0, json: out ? JSON.parse(out) : undefined }));
        },
      );
      req.on('error', reject);
      if (text !== undefined) req.write(text);
      req.end();
    });
  }

  test('invoice, pay, keysend and payments answer the CLI JSON; a failed payment is a 200 with its reason', async () => {
    expect(await call('POST', '/v1/invoice', { amountMsat: 1000, description: 'tea', expirySec: 60 })).toEqual({ status: 200, json: { bolt11: VECTORS.valid[0]!.invoice, paymentHash: HASH } });
    expect(await call('POST', '/v1/invoice', {})).toMatchObject({ status: 200 });
    expect(await call('POST', '/v1/pay', { bolt11: 'lnbcrt1abc', amountMsat: '5000', maxFeeMsat: 10 })).toEqual({ status: 200, json: { status: 'succeeded', preimage: PREIMAGE, feeMsat: 1000, ms: 25, reason: null } });
    expect(await call('POST', '/v1/keysend', { payee: PK, amountMsat: 5_000_000 })).toEqual({ status: 200, json: { status: 'failed', preimage: null, feeMsat: 0, ms: 7, reason: 'no channel has 5000 sats to send' } });
    const list = await call('GET', '/v1/payments');
    expect(list.status).toBe(200);
    expect(list.json).toEqual([expect.objectContaining({ paymentHash: HASH, status: 'succeeded', amountMsat: 1000, preimage: PREIMAGE, invoice: null })]);
    expect(node.calls).toEqual(['invoice 1000 tea 60', 'invoice any - -', 'pay lnbcrt1abc 5000 10', `keysend ${PK} 5000000 -`]);
  });

  test.each([
    ['/v1/invoice', { amountMsat: 0 }, 'amountMsat'],
    ['/v1/invoice', { amountMsat: -1 }, 'amountMsat'],
    ['/v1/invoice', { amountMsat: '2100000000000000001' }, 'amountMsat'],
    ['/v1/invoice', { expirySec: 0 }, 'expirySec'],
    ['/v1/invoice', { description: 7 }, 'description'],
    ['/v1/invoice', { memo: 'x' }, 'memo'],
    ['/v1/pay', {}, 'bolt11'],
    ['/v1/pay', { bolt11: 'lnbc1abc', amountMsat: 1.5 }, 'amountMsat'],
    ['/v1/pay', { bolt11: 'lnbc1abc', maxFeeMsat: 'x' }, 'maxFeeMsat'],
    ['/v1/keysend', { payee: 'ab', amountMsat: 1 }, 'payee'],
    ['/v1/keysend', { payee: PK }, 'amountMsat'],
  ])('POST %s %j → 400 naming %s; the node is not asked', async (path, body, field) => {
    const r = await call('POST', path, body);
    expect(r.status).toBe(400);
    expect((r.json as { error: string }).error).toMatch(new RegExp(`^${field}`));
    expect(node.calls).toEqual([]);
  });

  test('a refusal by the node before money moves is a 400 with its reason; wrong methods are 405', async () => {
    expect(await call('POST', '/v1/pay', { bolt11: 'lnbc1expired' })).toEqual({ status: 400, json: { error: 'invoice: expired 5 minutes ago' } });
    expect((await call('GET', '/v1/pay')).status).toBe(405);
    expect((await call('POST', '/v1/payments', {})).status).toBe(405);
  });

  test('a node without payment methods answers 500 saying so', async () => {
    await server.close();
    const bare: ApiNode = { nodeId: PK, network: 'regtest', channels: () => [], balance: node.balance, poll: node.poll, open: node.open, close: node.close, trustPeer: node.trustPeer, trustedPeers: node.trustedPeers };
    server = await startApiServer(bare);
    expect(await call('GET', '/v1/payments')).toEqual({ status: 500, json: { error: 'payments are not available in this build of the node' } });
  });
});

test('CommandOutput carries the JSON and the exit code', () => {
  const out = new CommandOutput({ status: 'failed' }, 1);
  expect(out).toMatchObject({ json: { status: 'failed' }, exitCode: 1 });
});

test('the engine types satisfy what the CLI prints and serves (checked by tsc)', () => {
  expectTypeOf<GlintNode>().toExtend<PaymentApiNode>();
  expectTypeOf<GlintNode>().toExtend<ApiNode>();
  expectTypeOf<PaymentRecord>().toExtend<PaymentRecordLike>();
  expectTypeOf<PayResult>().toExtend<PayResultLike>();
  expectTypeOf<Invoice>().toExtend<InvoiceLike>();
});
