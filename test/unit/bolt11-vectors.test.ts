/**
 * BOLT 11 "Examples" and "Examples of Invalid Invoices" (vendored from the spec at the commit in
 * the vector file): every valid example decodes to exactly the extractor's decoded fields, every
 * invalid one is refused with the error code matching its reason.
 */
import { describe, expect, it } from 'vitest';
import vectors from '../vectors/bolt11-invoices.json' with { type: 'json' };
import { bytesToHex, hexToBytes } from '../../engine/lib/bytes.ts';
import { decodeInvoice, decodeRawInvoice, InvoiceError } from '../../engine/invoice/index.ts';

interface DecodedVector {
  network: string;
  amount_msat: number | null;
  timestamp: number;
  payment_hash: string;
  payment_secret: string | null;
  description: string | null;
  description_hash: string | null;
  payee_pubkey_field_n: string | null;
  expiry: number | null;
  min_final_cltv_expiry_delta: number | null;
  metadata: string | null;
  fallback_addresses: { address_derived: string }[];
  route_hints: {
    pubkey: string;
    short_channel_id_hex: string;
    fee_base_msat: number;
    fee_proportional_millionths: number;
    cltv_expiry_delta: number;
  }[][];
  features: { bits: number[]; hex_derived: string };
  ignored_fields: { type: number; data_length: number; reason: string }[];
  recovery_flag: number;
  signature: string;
  signing_hash: string;
  payee_pubkey: string;
  signature_is_high_s: boolean;
}

const NETWORK: Record<string, string> = { 'bitcoin mainnet': 'bitcoin', 'bitcoin testnet': 'testnet', 'bitcoin signet': 'signet', 'bitcoin regtest': 'regtest' };

function evenHex(hex: string): string {
  return hex.length % 2 === 1 ? `0${hex}` : hex;
}

describe('BOLT 11 Examples: valid invoices decode to their fields', () => {
  for (const v of vectors.valid) {
    it(v.title, () => {
      const d = v.decoded as unknown as DecodedVector;
      const inv = decodeInvoice(v.invoice);
      expect(inv.bolt11).toBe(v.invoice.toLowerCase());
      expect(inv.network).toBe(NETWORK[d.network]);
      expect(inv.amountMsat).toBe(d.amount_msat === null ? undefined : BigInt(d.amount_msat));
      expect(inv.timestampSec).toBe(d.timestamp);
      expect(bytesToHex(inv.paymentHash)).toBe(d.payment_hash);
      expect(bytesToHex(inv.paymentSecret)).toBe(d.payment_secret);
      expect(inv.description).toBe(d.description ?? undefined);
      expect(inv.descriptionHash && bytesToHex(inv.descriptionHash)).toBe(d.description_hash ?? undefined);
      expect(inv.payeeNodeIdExplicit).toBe(d.payee_pubkey_field_n !== null);
      expect(bytesToHex(inv.payeeNodeId)).toBe(d.payee_pubkey);
      expect(inv.expirySec).toBe(d.expiry ?? 3600);
      expect(inv.minFinalCltvExpiryDelta).toBe(d.min_final_cltv_expiry_delta ?? 18);
      expect(inv.paymentMetadata && bytesToHex(inv.paymentMetadata)).toBe(d.metadata ?? undefined);
      expect(inv.fallbackAddresses).toEqual(d.fallback_addresses.map((f) => f.address_derived));
      expect(
        inv.routeHints.map((route) =>
          route.map((h) => ({
            pubkey: bytesToHex(h.nodeId),
            short_channel_id_hex: h.shortChannelId.toString(16).padStart(16, '0'),
            fee_base_msat: h.feeBaseMsat,
            fee_proportional_millionths: h.feeProportionalMillionths,
            cltv_expiry_delta: h.cltvExpiryDelta,
          })),
        ),
      ).toEqual(d.route_hints.map((route) => route.map(({ pubkey, short_channel_id_hex, fee_base_msat, fee_proportional_millionths, cltv_expiry_delta }) => ({ pubkey, short_channel_id_hex, fee_base_msat, fee_proportional_millionths, cltv_expiry_delta }))));
      expect(bytesToHex(inv.features)).toBe(evenHex(d.features.hex_derived));
      const unknown = d.ignored_fields.filter((f) => f.reason === 'unknown field type');
      const skipped = d.ignored_fields.filter((f) => f.reason !== 'unknown field type');
      expect(inv.unknownTags.map((t) => [t.tag, t.words.length])).toEqual(unknown.map((f) => [f.type, f.data_length]));
      expect(inv.skippedTags.map((t) => [t.tag, t.words.length])).toEqual(skipped.map((f) => [f.type, f.data_length]));
      expect(inv.recoveryId).toBe(d.recovery_flag);
      expect(bytesToHex(inv.signature)).toBe(d.signature);
      const s = BigInt(`0x${d.signature.slice(64)}`);
      expect(s > 0x7fffffffffffffffffffffffffffffff5d576e7357a4501ddfe92f46681b20a0n).toBe(d.signature_is_high_s);
      expect(bytesToHex(decodeRawInvoice(v.invoice).signingHash)).toBe(d.signing_hash);
    });
  }

  it('the spec signature breakdowns match the decoded signature and signing hash', () => {
    for (const v of vectors.valid) {
      const b = (v as { spec_signature_breakdown?: { signature: string; recovery_flag: number; signing_hash: string } }).spec_signature_breakdown;
      if (!b) continue;
      const raw = decodeRawInvoice(v.invoice);
      expect(bytesToHex(raw.signature)).toBe(b.signature);
      expect(raw.recoveryId).toBe(b.recovery_flag);
      expect(bytesToHex(raw.signingHash)).toBe(b.signing_hash);
    }
  });

  it('the high-S example recovers with the transmitted flag as libsecp256k1 does', () => {
    const v = vectors.valid.find((x) => x.decoded.signature_is_high_s);
    expect(v).toBeDefined();
    const inv = decodeInvoice(v!.invoice);
    expect(bytesToHex(inv.payeeNodeId)).toBe(v!.decoded.payee_pubkey);
    expect(bytesToHex(inv.payeeNodeId)).not.toBe(vectors.payee_pubkey);
  });
});

describe('BOLT 11 Examples of Invalid Invoices are refused with their reason', () => {
  for (const v of vectors.invalid) {
    it(`${v.reason} (${v.reason_code})`, () => {
      let err: unknown;
      try {
        decodeInvoice(v.invoice);
      } catch (e) {
        err = e;
      }
      expect(err).toBeInstanceOf(InvoiceError);
      expect((err as InvoiceError).code).toBe(v.reason_code);
    });
  }
});

describe('BOLT 11 vectors: signing key', () => {
  it('the payee of every example (except high-S) is the spec private key', () => {
    for (const v of vectors.valid) {
      if (v.decoded.signature_is_high_s) continue;
      expect(bytesToHex(decodeInvoice(v.invoice).payeeNodeId)).toBe(vectors.payee_pubkey);
    }
    expect(hexToBytes(vectors.signing_privkey)).toHaveLength(32);
  });
});
