/**
 * Snapshot encoding of the update log (htlc-log.ts), of commitment specs with their HTLCs, and
 * of the peer's HTLC signatures (codec.ts calls these inside `Commitments`).
 *
 * Version 4 (HTLCs): a spec ends with u16 count of HTLCs [u8 direction (0 offered, 1
 * received), u64 id, u64 amount_msat, 32 payment_hash, u32 cltv_expiry]; the local commitment
 * with u16 count of 64-byte HTLC signatures; a logged add with its 1366-byte onion and u8 flag
 * [u16-prefixed ASCII tag]; a settle with its 32-byte preimage; a fail with u8 kind: 0 [u16-
 * prefixed reason] or 1 [u16 failure_code, 32 sha256_of_onion]. Versions 2–3 had none of these
 * (no HTLC ever existed before version 4): their specs have no HTLCs.
 */
import { DecodeError, ValidationError } from '../lib/errors.ts';
import type { ByteReader } from '../wire/reader.ts';
import type { ByteWriter } from '../wire/writer.ts';
import { bytes, commitmentIndex, fixed, flag, optional, readIndex, readOptional } from './codec-fields.ts';
import { type FeeUpdate, type HtlcLog, type LoggedHtlc, type LoggedResolution, type SideCtns, type SideLog, ONION_ROUTING_PACKET_SIZE } from './htlc-log.ts';
import type { CommitmentSpec, SpecHtlc } from './types.ts';

/** The first snapshot version with HTLCs. */
export const HTLC_SNAPSHOT_VERSION = 4;
const MAX_TAG = 64;

export function writeSpec(w: ByteWriter, s: CommitmentSpec): void {
  w.u64(s.toLocalMsat).u64(s.toRemoteMsat).u32(s.feeratePerKw);
  w.u16(s.htlcs.length, 'spec.htlcs');
  for (const h of s.htlcs) {
    w.u8(h.direction === 'offered' ? 0 : 1).u64(h.id, 'spec.htlcs.id').u64(h.amountMsat, 'spec.htlcs.amountMsat');
    fixed(w, h.paymentHash, 32, 'spec.htlcs.paymentHash');
    w.u32(h.cltvExpiry, 'spec.htlcs.cltvExpiry');
  }
}

export function readSpec(r: ByteReader, field: string, fundingSat: bigint, version: number): CommitmentSpec {
  const toLocalMsat = r.u64(`${field}.toLocalMsat`);
  const toRemoteMsat = r.u64(`${field}.toRemoteMsat`);
  const feeratePerKw = r.u32(`${field}.feeratePerKw`);
  const htlcs: SpecHtlc[] = [];
  if (version >= HTLC_SNAPSHOT_VERSION) {
    for (let i = r.u16(`${field}.htlcs`); i > 0; i--) {
      const d = r.u8(`${field}.htlcs.direction`);
      if (d > 1) throw new DecodeError(`${field}.htlcs.direction`, `must be 0 or 1, got ${d}`);
      const id = r.u64(`${field}.htlcs.id`);
      const amountMsat = r.u64(`${field}.htlcs.amountMsat`);
      const paymentHash = bytes(r, 32, `${field}.htlcs.paymentHash`);
      htlcs.push({ direction: d === 0 ? 'offered' : 'received', id, amountMsat, paymentHash, cltvExpiry: r.u32(`${field}.htlcs.cltvExpiry`) });
    }
  }
  const total = htlcs.reduce((sum, h) => sum + h.amountMsat, toLocalMsat + toRemoteMsat);
  if (total !== fundingSat * 1000n) throw new DecodeError(field, 'balances and HTLCs do not add up to the funding amount');
  return { toLocalMsat, toRemoteMsat, feeratePerKw, htlcs };
}

export function writeHtlcSignatures(w: ByteWriter, sigs: readonly Uint8Array[]): void {
  w.u16(sigs.length, 'localCommit.htlcSignatures');
  for (const s of sigs) fixed(w, s, 64, 'localCommit.htlcSignatures');
}

export function readHtlcSignatures(r: ByteReader, version: number): Uint8Array[] {
  const out: Uint8Array[] = [];
  if (version < HTLC_SNAPSHOT_VERSION) return out;
  for (let i = r.u16('localCommit.htlcSignatures'); i > 0; i--) out.push(bytes(r, 64, 'localCommit.htlcSignatures'));
  return out;
}

function ctns(w: ByteWriter, c: SideCtns): void {
  optional(w, c.local, (n) => commitmentIndex(w, n, 'ctn.local'));
  optional(w, c.remote, (n) => commitmentIndex(w, n, 'ctn.remote'));
}

function readCtns(r: ByteReader, field: string): SideCtns {
  const local = readOptional(r, `${field}.local`, () => readIndex(r, `${field}.local`));
  const remote = readOptional(r, `${field}.remote`, () => readIndex(r, `${field}.remote`));
  return { ...(local !== undefined ? { local } : {}), ...(remote !== undefined ? { remote } : {}) };
}

function tagBytes(tag: string): Uint8Array {
  if (tag.length > MAX_TAG) throw new ValidationError('log.adds.tag', `longer than ${MAX_TAG} characters`);
  const b = new Uint8Array(tag.length);
  for (let i = 0; i < tag.length; i++) {
    const c = tag.charCodeAt(i);
    if (c < 0x20 || c >= 0x7f) throw new ValidationError('log.adds.tag', 'must be printable ASCII');
    b[i] = c;
  }
  return b;
}

function sideLog(w: ByteWriter, s: SideLog): void {
  commitmentIndex(w, s.ctn, 'log.ctn');
  w.u8(s.revackPending ? 1 : 0).u64(s.nextHtlcId, 'log.nextHtlcId');
  w.u16(s.adds.length, 'log.adds');
  for (const a of s.adds) {
    w.u64(a.id, 'log.adds.id').u64(a.amountMsat, 'log.adds.amountMsat');
    fixed(w, a.paymentHash, 32, 'log.adds.paymentHash');
    w.u32(a.cltvExpiry, 'log.adds.cltvExpiry');
    ctns(w, a.ctn);
    fixed(w, a.onionRoutingPacket, ONION_ROUTING_PACKET_SIZE, 'log.adds.onionRoutingPacket');
    optional(w, a.tag, (t) => w.u16Prefixed(tagBytes(t)));
  }
  w.u16(s.settles.length, 'log.settles');
  for (const x of s.settles) {
    w.u64(x.htlcId, 'log.settles.htlcId');
    ctns(w, x.ctn);
    fixed(w, x.preimage ?? new Uint8Array(0), 32, 'log.settles.preimage');
  }
  w.u16(s.fails.length, 'log.fails');
  for (const x of s.fails) {
    w.u64(x.htlcId, 'log.fails.htlcId');
    ctns(w, x.ctn);
    if (x.malformed) {
      w.u8(1).u16(x.malformed.failureCode, 'log.fails.failureCode');
      fixed(w, x.malformed.sha256OfOnion, 32, 'log.fails.sha256OfOnion');
    } else {
      if (!x.reason) throw new ValidationError('log.fails.reason', 'a fail needs a reason or a malformed code');
      w.u8(0).u16Prefixed(x.reason, 'log.fails.reason');
    }
  }
  w.u16(s.feeUpdates.length, 'log.feeUpdates');
  for (const f of s.feeUpdates) {
    w.u32(f.feeratePerKw, 'log.feeUpdates.feeratePerKw');
    ctns(w, f.ctn);
  }
}

export function writeHtlcLog(w: ByteWriter, log: HtlcLog): void {
  sideLog(w, log.local);
  sideLog(w, log.remote);
}

function readTag(r: ByteReader, field: string): string {
  const b = r.u16Prefixed(field);
  if (b.length > MAX_TAG) throw new DecodeError(field, `longer than ${MAX_TAG} characters`);
  for (const c of b) if (c < 0x20 || c >= 0x7f) throw new DecodeError(field, 'must be printable ASCII');
  return String.fromCharCode(...b);
}

function readSideLog(r: ByteReader, field: string, version: number): SideLog {
  const v4 = version >= HTLC_SNAPSHOT_VERSION;
  const ctn = readIndex(r, `${field}.ctn`);
  const revackPending = flag(r, `${field}.revackPending`);
  const nextHtlcId = r.u64(`${field}.nextHtlcId`);
  const adds: LoggedHtlc[] = [];
  for (let i = r.u16(`${field}.adds`); i > 0; i--) {
    const id = r.u64(`${field}.adds.id`);
    const amountMsat = r.u64(`${field}.adds.amountMsat`);
    const paymentHash = bytes(r, 32, `${field}.adds.paymentHash`);
    const cltvExpiry = r.u32(`${field}.adds.cltvExpiry`);
    const ctn = readCtns(r, `${field}.adds.ctn`);
    if (!v4) throw new DecodeError(`${field}.adds`, `an HTLC in a version ${version} snapshot (HTLCs came with version ${HTLC_SNAPSHOT_VERSION})`);
    const onionRoutingPacket = bytes(r, ONION_ROUTING_PACKET_SIZE, `${field}.adds.onionRoutingPacket`);
    const tag = readOptional(r, `${field}.adds.tag`, () => readTag(r, `${field}.adds.tag`));
    adds.push({ id, amountMsat, paymentHash, cltvExpiry, onionRoutingPacket, ...(tag !== undefined ? { tag } : {}), ctn });
  }
  const settles: LoggedResolution[] = [];
  for (let i = r.u16(`${field}.settles`); i > 0; i--) {
    const htlcId = r.u64(`${field}.settles.htlcId`);
    const ctn = readCtns(r, `${field}.settles.ctn`);
    if (!v4) throw new DecodeError(`${field}.settles`, `a fulfill in a version ${version} snapshot`);
    settles.push({ htlcId, ctn, preimage: bytes(r, 32, `${field}.settles.preimage`) });
  }
  const fails: LoggedResolution[] = [];
  for (let i = r.u16(`${field}.fails`); i > 0; i--) {
    const htlcId = r.u64(`${field}.fails.htlcId`);
    const ctn = readCtns(r, `${field}.fails.ctn`);
    if (!v4) throw new DecodeError(`${field}.fails`, `a fail in a version ${version} snapshot`);
    const kind = r.u8(`${field}.fails.kind`);
    if (kind === 0) fails.push({ htlcId, ctn, reason: r.u16Prefixed(`${field}.fails.reason`).slice() });
    else if (kind === 1) {
      const failureCode = r.u16(`${field}.fails.failureCode`);
      fails.push({ htlcId, ctn, malformed: { failureCode, sha256OfOnion: bytes(r, 32, `${field}.fails.sha256OfOnion`) } });
    } else throw new DecodeError(`${field}.fails.kind`, `must be 0 or 1, got ${kind}`);
  }
  const feeUpdates: FeeUpdate[] = [];
  for (let i = r.u16(`${field}.feeUpdates`); i > 0; i--) {
    const feeratePerKw = r.u32(`${field}.feeUpdates.feeratePerKw`);
    feeUpdates.push({ feeratePerKw, ctn: readCtns(r, `${field}.feeUpdates.ctn`) });
  }
  return { ctn, revackPending, nextHtlcId, adds, settles, fails, feeUpdates };
}

export function readHtlcLog(r: ByteReader, version: number): HtlcLog {
  return { local: readSideLog(r, 'log.local', version), remote: readSideLog(r, 'log.remote', version) };
}
