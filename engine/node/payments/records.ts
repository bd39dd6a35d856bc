/**
 * The payment records the node keeps in its encrypted store (DESIGN.md rule 4: versioned bytes),
 * one per payment hash and direction:
 *
 *   `node/payments/out/<64 hex payment_hash>`  v1: an outgoing payment (invoice or keysend) with
 *       its parts: route, HTLC amount and expiry, the onion's per-hop shared secrets (BOLT 4
 *       "Returning Errors": needed to read a failure, also after a restart), outcome;
 *   `node/payments/in/<64 hex payment_hash>`   v1: an invoice we issued (with its preimage and
 *       payment_secret) or a keysend we claimed, with the HTLCs that paid it.
 *
 * Body layout (both): fixed fields in order, then optional fields, each behind a presence byte
 * (0 absent, 1 present). Integers are big-endian; strings are u32 length + UTF-8; byte strings
 * u32 length + bytes. The codecs refuse trailing bytes and out-of-range values (a record that
 * does not decode is reported, never guessed at).
 */
import { DecodeError } from '../../lib/errors.ts';
import { RecordCodec } from '../../store/records.ts';
import { utf8Decode, utf8Encode } from '../../store/utf8.ts';
import { ByteReader } from '../../wire/reader.ts';
import { ByteWriter } from '../../wire/writer.ts';
import type { PaymentStatus } from './types.ts';

export const OUTGOING_PAYMENT_PREFIX = 'node/payments/out/';
export const INCOMING_PAYMENT_PREFIX = 'node/payments/in/';
/** Parts (HTLCs, retries included) one payment may have. */
export const MAX_PAYMENT_PARTS = 64;
const MAX_HOPS = 27;

const STATUSES: readonly PaymentStatus[] = ['pending', 'succeeded', 'failed'];
const KINDS = ['invoice', 'keysend'] as const;

/** One hop of an outgoing route after our own channel. */
export interface StoredHop {
  /** The hop's node id (33 bytes). */
  readonly nodeId: Uint8Array;
  /** The channel that leads INTO this hop (absent for the first hop: our own channel). */
  readonly shortChannelId?: bigint;
}

/** One HTLC we offered for an outgoing payment. */
export interface OutgoingPart {
  /** Its index in the payment: the HTLC's tag is `<payment hash hex>:<index>`. */
  readonly index: number;
  readonly channelId: Uint8Array;
  readonly htlcId?: bigint;
  /** The HTLC's amount (the payee's share plus the fees of the hops after us). */
  readonly amountMsat: bigint;
  /** What reaches the payee from this part. */
  readonly payeeMsat: bigint;
  readonly cltvExpiry: number;
  readonly status: PaymentStatus;
  /** The route: first hop = our channel's peer, last = the payee. */
  readonly hops: readonly StoredHop[];
  /** BOLT 4 shared secrets, one per hop, first hop first. */
  readonly sharedSecrets: readonly Uint8Array[];
  /** Why it failed, in words (failed only). */
  readonly failure?: string;
}

export interface StoredOutgoingPayment {
  readonly paymentHash: Uint8Array;
  readonly kind: 'invoice' | 'keysend';
  readonly status: PaymentStatus;
  /** What the payee gets in total (total_msat). */
  readonly amountMsat: bigint;
  readonly createdAtSec: number;
  readonly payee: Uint8Array;
  readonly maxFeeMsat: bigint;
  readonly maxCltvExpiryDelta: number;
  readonly parts: readonly OutgoingPart[];
  readonly settledAtSec?: number;
  /** Known once the payee revealed it (keysend: chosen by us, kept here from the start). */
  readonly preimage?: Uint8Array;
  readonly invoice?: string;
  readonly description?: string;
  readonly reason?: string;
  readonly failureCode?: string;
}

/** One HTLC that paid (or tried to pay) an incoming payment. */
export interface IncomingPart {
  readonly channelId: Uint8Array;
  readonly htlcId: bigint;
  readonly amountMsat: bigint;
  readonly cltvExpiry: number;
  readonly status: PaymentStatus;
}

export interface StoredIncomingPayment {
  readonly paymentHash: Uint8Array;
  readonly kind: 'invoice' | 'keysend';
  readonly status: PaymentStatus;
  /** Pending: the invoice amount (0n for any amount); succeeded: what we received. */
  readonly amountMsat: bigint;
  readonly createdAtSec: number;
  readonly preimage: Uint8Array;
  readonly minFinalCltvExpiryDelta: number;
  readonly parts: readonly IncomingPart[];
  /** The amount the invoice asks (absent: any amount). */
  readonly invoiceAmountMsat?: bigint;
  readonly paymentSecret?: Uint8Array;
  readonly invoice?: string;
  readonly description?: string;
  readonly expiresAtSec?: number;
  readonly settledAtSec?: number;
}

// ---- field helpers --------------------------------------------------------------------------------

function writeBytes(w: ByteWriter, b: Uint8Array): void {
  w.u32(b.length).bytes(b);
}

function readBytes(r: ByteReader, field: string, max = 1 << 20): Uint8Array {
  const n = r.u32(`${field}.length`);
  if (n > max) throw new DecodeError(field, `longer than ${max} bytes`);
  return r.take(n, field);
}

function writeString(w: ByteWriter, s: string): void {
  writeBytes(w, utf8Encode(s));
}

function readString(r: ByteReader, field: string): string {
  return utf8Decode(readBytes(r, field, 65_536), field);
}

function opt<T>(w: ByteWriter, v: T | undefined, put: (v: T) => void): void {
  if (v === undefined) w.u8(0);
  else {
    w.u8(1);
    put(v);
  }
}

function readOpt<T>(r: ByteReader, field: string, get: () => T): T | undefined {
  const flag = r.u8(`${field}.present`);
  if (flag > 1) throw new DecodeError(field, 'bad presence byte');
  return flag === 1 ? get() : undefined;
}

function readStatus(r: ByteReader, field: string): PaymentStatus {
  const s = STATUSES[r.u8(field)];
  if (!s) throw new DecodeError(field, 'unknown status');
  return s;
}

function readKind(r: ByteReader, field: string): 'invoice' | 'keysend' {
  const k = KINDS[r.u8(field)];
  if (!k) throw new DecodeError(field, 'unknown kind');
  return k;
}

function readFixed(r: ByteReader, n: number, field: string): Uint8Array {
  return r.take(n, field).slice();
}


// ---- outgoing -------------------------------------------------------------------------------------

function encodePart(w: ByteWriter, p: OutgoingPart): void {
  w.u16(p.index).bytes(p.channelId).u64(p.amountMsat).u64(p.payeeMsat).u32(p.cltvExpiry).u8(STATUSES.indexOf(p.status));
  w.u8(p.hops.length);
  for (const h of p.hops) {
    w.bytes(h.nodeId);
    opt(w, h.shortChannelId, (v) => w.u64(v));
  }
  w.u8(p.sharedSecrets.length);
  for (const s of p.sharedSecrets) w.bytes(s);
  opt(w, p.htlcId, (v) => w.u64(v));
  opt(w, p.failure, (v) => writeString(w, v));
}

function decodePart(r: ByteReader): OutgoingPart {
  const f = 'node/payments/out.part';
  const index = r.u16(`${f}.index`);
  const channelId = readFixed(r, 32, `${f}.channelId`);
  const amountMsat = r.u64(`${f}.amountMsat`);
  const payeeMsat = r.u64(`${f}.payeeMsat`);
  const cltvExpiry = r.u32(`${f}.cltvExpiry`);
  const status = readStatus(r, `${f}.status`);
  const hopCount = r.u8(`${f}.hops`);
  if (hopCount < 1 || hopCount > MAX_HOPS) throw new DecodeError(`${f}.hops`, `must be 1..${MAX_HOPS}`);
  const hops: StoredHop[] = [];
  for (let i = 0; i < hopCount; i++) {
    const nodeId = readFixed(r, 33, `${f}.hop.nodeId`);
    const scid = readOpt(r, `${f}.hop.shortChannelId`, () => r.u64(`${f}.hop.shortChannelId`));
    hops.push(scid === undefined ? { nodeId } : { nodeId, shortChannelId: scid });
  }
  const secretCount = r.u8(`${f}.sharedSecrets`);
  if (secretCount !== hopCount) throw new DecodeError(`${f}.sharedSecrets`, 'one per hop expected');
  const sharedSecrets: Uint8Array[] = [];
  for (let i = 0; i < secretCount; i++) sharedSecrets.push(readFixed(r, 32, `${f}.sharedSecret`));
  const htlcId = readOpt(r, `${f}.htlcId`, () => r.u64(`${f}.htlcId`));
  const failure = readOpt(r, `${f}.failure`, () => readString(r, `${f}.failure`));
  return {
    index,
    channelId,
    amountMsat,
    payeeMsat,
    cltvExpiry,
    status,
    hops,
    sharedSecrets,
    ...(htlcId !== undefined ? { htlcId } : {}),
    ...(failure !== undefined ? { failure } : {}),
  };
}

export const outgoingPaymentCodec = new RecordCodec<StoredOutgoingPayment>({
  name: 'node/payments/out/',
  version: 1,
  encode: (p) => {
    if (p.parts.length > MAX_PAYMENT_PARTS) throw new RangeError(`a payment has at most ${MAX_PAYMENT_PARTS} parts`);
    const w = new ByteWriter(256);
    w.bytes(p.paymentHash).u8(KINDS.indexOf(p.kind)).u8(STATUSES.indexOf(p.status)).u64(p.amountMsat).u64(BigInt(p.createdAtSec)).bytes(p.payee).u64(p.maxFeeMsat).u32(p.maxCltvExpiryDelta);
    w.u8(p.parts.length);
    for (const part of p.parts) encodePart(w, part);
    opt(w, p.settledAtSec, (v) => w.u64(BigInt(v)));
    opt(w, p.preimage, (v) => w.bytes(v));
    opt(w, p.invoice, (v) => writeString(w, v));
    opt(w, p.description, (v) => writeString(w, v));
    opt(w, p.reason, (v) => writeString(w, v));
    opt(w, p.failureCode, (v) => writeString(w, v));
    return w.finish();
  },
  decode: (body) => {
    const f = 'node/payments/out';
    const r = new ByteReader(body);
    const paymentHash = readFixed(r, 32, `${f}.paymentHash`);
    const kind = readKind(r, `${f}.kind`);
    const status = readStatus(r, `${f}.status`);
    const amountMsat = r.u64(`${f}.amountMsat`);
    const createdAtSec = Number(r.u64(`${f}.createdAtSec`));
    const payee = readFixed(r, 33, `${f}.payee`);
    const maxFeeMsat = r.u64(`${f}.maxFeeMsat`);
    const maxCltvExpiryDelta = r.u32(`${f}.maxCltvExpiryDelta`);
    const count = r.u8(`${f}.parts`);
    if (count > MAX_PAYMENT_PARTS) throw new DecodeError(`${f}.parts`, `more than ${MAX_PAYMENT_PARTS}`);
    const parts: OutgoingPart[] = [];
    for (let i = 0; i < count; i++) parts.push(decodePart(r));
    const settledAtSec = readOpt(r, `${f}.settledAtSec`, () => Number(r.u64(`${f}.settledAtSec`)));
    const preimage = readOpt(r, `${f}.preimage`, () => readFixed(r, 32, `${f}.preimage`));
    const invoice = readOpt(r, `${f}.invoice`, () => readString(r, `${f}.invoice`));
    const description = readOpt(r, `${f}.description`, () => readString(r, `${f}.description`));
    const reason = readOpt(r, `${f}.reason`, () => readString(r, `${f}.reason`));
    const failureCode = readOpt(r, `${f}.failureCode`, () => readString(r, `${f}.failureCode`));
    if (!r.done) throw new DecodeError(f, 'trailing bytes');
    return {
      paymentHash,
      kind,
      status,
      amountMsat,
      createdAtSec,
      payee,
      maxFeeMsat,
      maxCltvExpiryDelta,
      parts,
      ...(settledAtSec !== undefined ? { settledAtSec } : {}),
      ...(preimage !== undefined ? { preimage } : {}),
      ...(invoice !== undefined ? { invoice } : {}),
      ...(description !== undefined ? { description } : {}),
      ...(reason !== undefined ? { reason } : {}),
      ...(failureCode !== undefined ? { failureCode } : {}),
    };
  },
});

// ---- incoming -------------------------------------------------------------------------------------

export const incomingPaymentCodec = new RecordCodec<StoredIncomingPayment>({
  name: 'node/payments/in/',
  version: 1,
  encode: (p) => {
    if (p.parts.length > 483 * 4) throw new RangeError('too many parts');
    const w = new ByteWriter(256);
    w.bytes(p.paymentHash).u8(KINDS.indexOf(p.kind)).u8(STATUSES.indexOf(p.status)).u64(p.amountMsat).u64(BigInt(p.createdAtSec)).bytes(p.preimage).u32(p.minFinalCltvExpiryDelta);
    w.u16(p.parts.length);
    for (const part of p.parts) w.bytes(part.channelId).u64(part.htlcId).u64(part.amountMsat).u32(part.cltvExpiry).u8(STATUSES.indexOf(part.status));
    opt(w, p.invoiceAmountMsat, (v) => w.u64(v));
    opt(w, p.paymentSecret, (v) => w.bytes(v));
    opt(w, p.invoice, (v) => writeString(w, v));
    opt(w, p.description, (v) => writeString(w, v));
    opt(w, p.expiresAtSec, (v) => w.u64(BigInt(v)));
    opt(w, p.settledAtSec, (v) => w.u64(BigInt(v)));
    return w.finish();
  },
  decode: (body) => {
    const f = 'node/payments/in';
    const r = new ByteReader(body);
    const paymentHash = readFixed(r, 32, `${f}.paymentHash`);
    const kind = readKind(r, `${f}.kind`);
    const status = readStatus(r, `${f}.status`);
    const amountMsat = r.u64(`${f}.amountMsat`);
    const createdAtSec = Number(r.u64(`${f}.createdAtSec`));
    const preimage = readFixed(r, 32, `${f}.preimage`);
    const minFinalCltvExpiryDelta = r.u32(`${f}.minFinalCltvExpiryDelta`);
    const count = r.u16(`${f}.parts`);
    const parts: IncomingPart[] = [];
    for (let i = 0; i < count; i++) {
      parts.push({
        channelId: readFixed(r, 32, `${f}.part.channelId`),
        htlcId: r.u64(`${f}.part.htlcId`),
        amountMsat: r.u64(`${f}.part.amountMsat`),
        cltvExpiry: r.u32(`${f}.part.cltvExpiry`),
        status: readStatus(r, `${f}.part.status`),
      });
    }
    const invoiceAmountMsat = readOpt(r, `${f}.invoiceAmountMsat`, () => r.u64(`${f}.invoiceAmountMsat`));
    const paymentSecret = readOpt(r, `${f}.paymentSecret`, () => readFixed(r, 32, `${f}.paymentSecret`));
    const invoice = readOpt(r, `${f}.invoice`, () => readString(r, `${f}.invoice`));
    const description = readOpt(r, `${f}.description`, () => readString(r, `${f}.description`));
    const expiresAtSec = readOpt(r, `${f}.expiresAtSec`, () => Number(r.u64(`${f}.expiresAtSec`)));
    const settledAtSec = readOpt(r, `${f}.settledAtSec`, () => Number(r.u64(`${f}.settledAtSec`)));
    if (!r.done) throw new DecodeError(f, 'trailing bytes');
    return {
      paymentHash,
      kind,
      status,
      amountMsat,
      createdAtSec,
      preimage,
      minFinalCltvExpiryDelta,
      parts,
      ...(invoiceAmountMsat !== undefined ? { invoiceAmountMsat } : {}),
      ...(paymentSecret !== undefined ? { paymentSecret } : {}),
      ...(invoice !== undefined ? { invoice } : {}),
      ...(description !== undefined ? { description } : {}),
      ...(expiresAtSec !== undefined ? { expiresAtSec } : {}),
      ...(settledAtSec !== undefined ? { settledAtSec } : {}),
    };
  },
});
