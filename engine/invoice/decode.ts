/**
 * BOLT 11 reader: bech32 → checked Invoice. Implements the reader requirements of
 * "Human-Readable Part", "Data Part", "Tagged Fields" and "Feature Bits": unknown fields and
 * `p`/`h`/`s`/`n` of the wrong length are skipped, unknown even features, a missing `p`, `s` or
 * description, and a bad signature are refused. Every failure is an InvoiceError naming the field.
 */
import { utf8 } from '@scure/base';
import { isValidPublicKey } from '../crypto/secp256k1.ts';
import { wordsToBigint, wordsToBytes } from './bech32-words.ts';
import { parseHrp } from './amount.ts';
import { InvoiceError } from './errors.ts';
import { fallbackAddressOf } from './fallback.ts';
import { featuresFromWords, unknownRequiredFeatureBits } from './features.ts';
import { decodeRawInvoice } from './raw.ts';
import { decodeRouteHint } from './route-hints.ts';
import { recoverPayee, verifyPayee } from './signature.ts';
import { TAG } from './tags.ts';
import {
  DEFAULT_EXPIRY_SEC,
  DEFAULT_MIN_FINAL_CLTV_EXPIRY_DELTA,
  type Invoice,
  type InvoiceNetwork,
  type RawTaggedField,
  type RouteHintHop,
} from './types.ts';

/** Fixed data_length of the fixed-size fields; a field of another length is skipped. */
const FIXED_LENGTH: Readonly<Record<number, number>> = {
  [TAG.paymentHash]: 52,
  [TAG.paymentSecret]: 52,
  [TAG.descriptionHash]: 52,
  [TAG.payeeNodeId]: 53,
};

const KNOWN_TAGS = new Set<number>(Object.values(TAG));
const MAX_CLTV_DELTA = 0xffff;

/** Strip whitespace and a `lightning:` URI scheme (any case; BOLT 11 "Encoding Overview"). */
export function stripLightningScheme(text: string): string {
  const t = text.trim();
  return /^lightning:/i.test(t) ? t.slice('lightning:'.length).replace(/^\/\//, '') : t;
}

function number(words: Uint8Array, field: string): number {
  const n = wordsToBigint(words);
  if (n > BigInt(Number.MAX_SAFE_INTEGER)) throw new InvoiceError('invalid_number', field, 'is too large');
  return Number(n);
}

/**
 * Decode and verify a BOLT 11 invoice (optionally with a `lightning:` prefix). With
 * `opts.network`, an invoice for another chain is refused (`wrong_network`).
 */
export function decodeInvoice(text: string, opts: { network?: InvoiceNetwork } = {}): Invoice {
  if (typeof text !== 'string') throw new InvoiceError('not_a_string', 'invoice', 'must be a string');
  const raw = decodeRawInvoice(stripLightningScheme(text));
  const { network, amountMsat } = parseHrp(raw.hrp);
  if (opts.network !== undefined && opts.network !== network) {
    throw new InvoiceError('wrong_network', 'network', `invoice is for ${network}, this node runs on ${opts.network}`);
  }

  let paymentHash: Uint8Array | undefined;
  let paymentSecret: Uint8Array | undefined;
  let payeeNodeId: Uint8Array | undefined;
  let expirySec: number | undefined;
  let minFinalCltvExpiryDelta: number | undefined;
  let features: Uint8Array | undefined;
  let paymentMetadata: Uint8Array | undefined;
  const descriptions: string[] = [];
  const descriptionHashes: Uint8Array[] = [];
  const fallbackAddresses: string[] = [];
  const routeHints: RouteHintHop[][] = [];
  const unknownTags: RawTaggedField[] = [];
  const skippedTags: RawTaggedField[] = [];

  for (const f of raw.fields) {
    const w = f.words;
    if (!KNOWN_TAGS.has(f.tag)) {
      unknownTags.push(f);
      continue;
    }
    const fixed = FIXED_LENGTH[f.tag];
    if (fixed !== undefined && w.length !== fixed) {
      skippedTags.push(f);
      continue;
    }
    switch (f.tag) {
      case TAG.paymentHash:
        paymentHash ??= wordsToBytes(w);
        break;
      case TAG.paymentSecret:
        paymentSecret ??= wordsToBytes(w);
        break;
      case TAG.descriptionHash:
        descriptionHashes.push(wordsToBytes(w));
        break;
      case TAG.payeeNodeId: {
        const key = wordsToBytes(w);
        if (!isValidPublicKey(key)) throw new InvoiceError('invalid_payee_node_id', 'payeeNodeId', 'the n field is not a valid public key');
        payeeNodeId ??= key;
        break;
      }
      case TAG.description: {
        try {
          descriptions.push(utf8.encode(wordsToBytes(w)));
        } catch {
          throw new InvoiceError('invalid_description', 'description', 'is not valid UTF-8');
        }
        break;
      }
      case TAG.expiry: {
        const expiry = number(w, 'expirySec');
        if (raw.timestampSec + expiry > Number.MAX_SAFE_INTEGER) throw new InvoiceError('invalid_number', 'expirySec', 'is too large');
        expirySec ??= expiry;
        break;
      }
      case TAG.minFinalCltvExpiryDelta: {
        const delta = number(w, 'minFinalCltvExpiryDelta');
        // A CLTV delta is a u16 everywhere else (BOLT 7 channel_update); more would lock funds for years.
        if (delta > MAX_CLTV_DELTA) throw new InvoiceError('invalid_number', 'minFinalCltvExpiryDelta', `${delta} blocks is absurd (at most ${MAX_CLTV_DELTA})`);
        minFinalCltvExpiryDelta ??= delta;
        break;
      }
      case TAG.fallback: {
        const address = fallbackAddressOf(w, network);
        if (address === undefined) skippedTags.push(f);
        else fallbackAddresses.push(address);
        break;
      }
      case TAG.routeHint:
        routeHints.push(decodeRouteHint(w, routeHints.length));
        break;
      case TAG.features:
        features ??= featuresFromWords(w);
        break;
      case TAG.paymentMetadata:
        paymentMetadata ??= wordsToBytes(w);
        break;
    }
  }

  if (!paymentHash) throw new InvoiceError('missing_payment_hash', 'paymentHash', 'the invoice has no p (payment hash) field');
  if (!paymentSecret) throw new InvoiceError('missing_payment_secret', 'paymentSecret', 'the invoice has no s (payment secret) field');
  if (descriptions.length + descriptionHashes.length > 1) {
    throw new InvoiceError('multiple_descriptions', 'description', 'the invoice has more than one d or h field (exactly one is allowed)');
  }
  if (descriptions.length + descriptionHashes.length === 0) {
    throw new InvoiceError('missing_description', 'description', 'the invoice has neither a d (description) nor an h (description hash) field');
  }
  const featureBytes = features ?? new Uint8Array(0);
  const unknown = unknownRequiredFeatureBits(featureBytes);
  if (unknown.length > 0) {
    throw new InvoiceError('unknown_even_feature', 'features', `requires unknown feature bit${unknown.length > 1 ? 's' : ''} ${unknown.join(', ')}`);
  }

  if (payeeNodeId) verifyPayee(raw.signature, raw.signingHash, payeeNodeId);
  const payee = payeeNodeId ?? recoverPayee(raw.signature, raw.recoveryId, raw.signingHash);

  const inv: Invoice = {
    bolt11: raw.text,
    network,
    ...(amountMsat !== undefined ? { amountMsat } : {}),
    timestampSec: raw.timestampSec,
    paymentHash,
    paymentSecret,
    ...(descriptions.length === 1 ? { description: descriptions[0] as string } : {}),
    ...(descriptionHashes.length === 1 ? { descriptionHash: descriptionHashes[0] as Uint8Array } : {}),
    payeeNodeId: payee,
    payeeNodeIdExplicit: payeeNodeId !== undefined,
    expirySec: expirySec ?? DEFAULT_EXPIRY_SEC,
    minFinalCltvExpiryDelta: minFinalCltvExpiryDelta ?? DEFAULT_MIN_FINAL_CLTV_EXPIRY_DELTA,
    fallbackAddresses,
    routeHints,
    features: featureBytes,
    ...(paymentMetadata !== undefined ? { paymentMetadata } : {}),
    signature: raw.signature,
    recoveryId: raw.recoveryId,
    unknownTags,
    skippedTags,
  };
  return inv;
}

/** When the invoice stops being payable: timestamp + expiry (BOLT 11 "Payer / Payee Requirements"). */
export function invoiceExpiresAtSec(inv: Pick<Invoice, 'timestampSec' | 'expirySec'>): number {
  return inv.timestampSec + inv.expirySec;
}

/** True once `nowSec` has reached timestamp + expiry: a payer SHOULD NOT attempt the payment. */
export function isInvoiceExpired(inv: Pick<Invoice, 'timestampSec' | 'expirySec'>, nowSec: number): boolean {
  return nowSec >= invoiceExpiresAtSec(inv);
}
