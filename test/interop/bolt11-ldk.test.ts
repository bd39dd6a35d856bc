/**
 * BOLT 11 against LDK (npm `lightningdevkit`): an LDK node's invoices decode to what LDK says they
 * contain, and LDK's parser accepts the invoices we write and reads back the same fields.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { LdkNode, toHex } from '../../playground/ldk/node.ts';
import type { Ldk } from '../../playground/ldk/wasm.ts';
import type { Bolt11Invoice } from 'lightningdevkit';
import { publicKeyOf } from '../../engine/crypto/secp256k1.ts';
import { sha256 } from '../../engine/crypto/hash.ts';
import { FeatureVector } from '../../engine/wire/features.ts';
import { decodeInvoice, encodeInvoice, invoiceFeatureProblem, signInvoiceDigest, type InvoiceFields, type InvoiceNetwork } from '../../engine/invoice/index.ts';

let ldk: Ldk;
let payee: LdkNode;

beforeAll(async () => {
  payee = await LdkNode.create({ network: 'regtest', alias: 'payee', seed: new Uint8Array(32).fill(7) });
  ldk = payee.ldk;
});

afterAll(async () => {
  await payee?.stop();
});

function ldkInvoice(amountMsat: bigint | undefined, description: { text: string } | { hash: Uint8Array }, expirySec: number, minFinal?: number): string {
  let desc;
  if ('text' in description) {
    const d = ldk.Description.constructor_new(description.text);
    if (!(d instanceof ldk.Result_DescriptionCreationErrorZ_OK)) throw new Error('LDK refused the description');
    desc = ldk.Bolt11InvoiceDescription.constructor_direct(d.res);
  } else {
    desc = ldk.Bolt11InvoiceDescription.constructor_hash(ldk.Sha256.constructor_from_bytes(description.hash));
  }
  const result = payee.channelManager.create_bolt11_invoice(
    amountMsat === undefined ? ldk.Option_u64Z.constructor_none() : ldk.Option_u64Z.constructor_some(amountMsat),
    desc,
    ldk.Option_u32Z.constructor_some(expirySec),
    minFinal === undefined ? ldk.Option_u16Z.constructor_none() : ldk.Option_u16Z.constructor_some(minFinal),
    ldk.Option_ThirtyTwoBytesZ.constructor_none(),
  );
  if (!(result instanceof ldk.Result_Bolt11InvoiceSignOrCreationErrorZ_OK)) throw new Error('LDK could not create an invoice');
  return result.res.to_str();
}

function ldkParse(text: string): Bolt11Invoice {
  const parsed = ldk.Bolt11Invoice.constructor_from_str(text);
  if (!(parsed instanceof ldk.Result_Bolt11InvoiceParseOrSemanticErrorZ_OK)) throw new Error(`LDK refused the invoice ${text}`);
  return parsed.res;
}

describe('LDK invoices decode to what LDK says they contain', () => {
  it('an amount invoice with a description', () => {
    const text = ldkInvoice(50_000_000n, { text: 'ldk probe ☕' }, 600, 40);
    const inv = decodeInvoice(text, { network: 'regtest' });
    const theirs = ldkParse(text);
    expect(text.startsWith('lnbcrt500u1')).toBe(true);
    expect(inv.amountMsat).toBe(50_000_000n);
    expect(inv.description).toBe('ldk probe ☕');
    expect(toHex(inv.payeeNodeId)).toBe(payee.nodeIdHex);
    expect(toHex(inv.paymentHash)).toBe(toHex(theirs.payment_hash()));
    expect(toHex(inv.paymentSecret)).toBe(toHex(theirs.payment_secret()));
    expect(BigInt(inv.timestampSec)).toBe(theirs.duration_since_epoch());
    expect(BigInt(inv.expirySec)).toBe(theirs.expiry_time());
    expect(BigInt(inv.minFinalCltvExpiryDelta)).toBe(theirs.min_final_cltv_expiry_delta());
    expect(toHex(inv.features)).toBe(toHex(Uint8Array.from(theirs.features().le_flags()).reverse()).replace(/^(00)+/, ''));
    expect(invoiceFeatureProblem(inv)).toBeUndefined();
  });

  it('an any-amount invoice with a description hash', () => {
    const hash = sha256(new TextEncoder().encode('a long description kept elsewhere'));
    const text = ldkInvoice(undefined, { hash }, 3600);
    const inv = decodeInvoice(text);
    expect(inv.amountMsat).toBeUndefined();
    expect(inv.descriptionHash).toEqual(hash);
    expect(inv.description).toBeUndefined();
    expect(toHex(inv.payeeNodeId)).toBe(payee.nodeIdHex);
  });
});

describe('LDK accepts the invoices we write', () => {
  const secret = new Uint8Array(32).fill(9);
  const nodeId = publicKeyOf(secret);
  const hintNode = publicKeyOf(new Uint8Array(32).fill(10));
  const base: InvoiceFields = {
    network: 'regtest',
    amountMsat: 123_456_789n,
    timestampSec: 1_700_000_000,
    paymentHash: sha256(new Uint8Array(32).fill(1)),
    paymentSecret: new Uint8Array(32).fill(2),
    description: 'glint → ldk',
    expirySec: 900,
    minFinalCltvExpiryDelta: 42,
    routeHints: [[{ nodeId: hintNode, shortChannelId: (1n << 40n) | (2n << 16n) | 3n, feeBaseMsat: 1000, feeProportionalMillionths: 100, cltvExpiryDelta: 72 }]],
    features: FeatureVector.fromBits([8, 14, 17]).toBytes(),
  };
  const sign = (d: Uint8Array) => signInvoiceDigest(d, secret);

  it('reads amount, hashes, payee, expiry, cltv, features and route hints', () => {
    const theirs = ldkParse(encodeInvoice(base, sign));
    const amount = theirs.amount_milli_satoshis();
    expect(amount).toBeInstanceOf(ldk.Option_u64Z_Some);
    expect(amount instanceof ldk.Option_u64Z_Some && amount.some).toBe(123_456_789n);
    expect(toHex(theirs.payment_hash())).toBe(toHex(base.paymentHash));
    expect(toHex(theirs.payment_secret())).toBe(toHex(base.paymentSecret));
    expect(toHex(theirs.recover_payee_pub_key())).toBe(toHex(nodeId));
    expect(theirs.duration_since_epoch()).toBe(1_700_000_000n);
    expect(theirs.expiry_time()).toBe(900n);
    expect(theirs.min_final_cltv_expiry_delta()).toBe(42n);
    expect(Boolean(theirs.features().supports_payment_secret())).toBe(true);
    expect(Boolean(theirs.features().supports_basic_mpp())).toBe(true);
    expect(theirs.currency()).toBe(ldk.Currency.LDKCurrency_Regtest);
    const hops = theirs.route_hints().map((r) => r.get_a());
    expect(hops).toHaveLength(1);
    const hop = hops[0]![0]!;
    expect(toHex(hop.get_src_node_id())).toBe(toHex(hintNode));
    expect(hop.get_short_channel_id()).toBe((1n << 40n) | (2n << 16n) | 3n);
    expect(hop.get_fees().get_base_msat()).toBe(1000);
    expect(hop.get_fees().get_proportional_millionths()).toBe(100);
    expect(hop.get_cltv_expiry_delta()).toBe(72);
  });

  it('accepts an explicit n field, any-amount invoices and every network prefix', () => {
    const withN = ldkParse(encodeInvoice({ ...base, payeeNodeId: nodeId }, sign));
    expect(toHex(withN.payee_pub_key())).toBe(toHex(nodeId));
    const { amountMsat: _a, ...anyAmount } = base;
    expect(ldkParse(encodeInvoice(anyAmount, sign)).amount_milli_satoshis()).toBeInstanceOf(ldk.Option_u64Z_None);
    const currencies: Record<InvoiceNetwork, number> = {
      bitcoin: ldk.Currency.LDKCurrency_Bitcoin,
      testnet: ldk.Currency.LDKCurrency_BitcoinTestnet,
      signet: ldk.Currency.LDKCurrency_Signet,
      regtest: ldk.Currency.LDKCurrency_Regtest,
    };
    for (const [network, currency] of Object.entries(currencies) as [InvoiceNetwork, number][]) {
      expect(ldkParse(encodeInvoice({ ...base, network }, sign)).currency()).toBe(currency);
    }
  });

  it('signs what LDK checks: the signature and signable hash agree', () => {
    const theirs = ldkParse(encodeInvoice(base, sign));
    expect(theirs.check_signature()).toBeInstanceOf(ldk.Result_NoneBolt11SemanticErrorZ_OK);
  });
});
