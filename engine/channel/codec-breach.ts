/**
 * Snapshot fields of a breach (snapshot version 5): `ForceClosingState.breach`, the justice we
 * do against a revoked commitment of the peer (BOLT 5 "Revoked Transaction Close Handling").
 * Layout: u64 commitment number, u32-prefixed commitment tx, u8 flag [u32-prefixed revoked
 * record], u16 claim count then per claim (u8 confirmed, u32-prefixed tx), u16 second-stage
 * count then each u32-prefixed tx, u8 sweepConfirmed.
 */
import { DecodeError, ValidationError } from '../lib/errors.ts';
import type { ByteReader } from '../wire/reader.ts';
import type { ByteWriter } from '../wire/writer.ts';
import { bytes, commitmentIndex, flag, optional, readIndex, readOptional } from './codec-fields.ts';
import type { BreachResolution, HtlcClaimProgress, JusticeClaim } from './types.ts';

/** At most this many justice transactions / second-stage txs are kept (2 × 483 HTLCs, plus to_local). */
const MAX_TXS = 1024;

function writeTx(w: ByteWriter, raw: Uint8Array, field: string): void {
  if (raw.length === 0) throw new ValidationError(field, 'must be non-empty');
  w.u32(raw.length).bytes(raw);
}

function readTx(r: ByteReader, field: string): Uint8Array {
  const n = r.u32(`${field}.length`);
  if (n === 0) throw new DecodeError(field, 'empty transaction');
  return bytes(r, n, field);
}

export function writeBreach(w: ByteWriter, b: BreachResolution): void {
  commitmentIndex(w, b.commitmentNumber, 'breach.commitmentNumber');
  writeTx(w, b.commitmentTx, 'breach.commitmentTx');
  optional(w, b.revokedRecord, (x) => writeTx(w, x, 'breach.revokedRecord'));
  if (b.claims.length > MAX_TXS) throw new ValidationError('breach.claims', `at most ${MAX_TXS}`);
  w.u16(b.claims.length);
  for (const c of b.claims) {
    w.u8(c.confirmed ? 1 : 0);
    writeTx(w, c.rawTx, 'breach.claims.rawTx');
  }
  if (b.secondStageTxs.length > MAX_TXS) throw new ValidationError('breach.secondStageTxs', `at most ${MAX_TXS}`);
  w.u16(b.secondStageTxs.length);
  for (const t of b.secondStageTxs) writeTx(w, t, 'breach.secondStageTxs');
  w.u8(b.sweepConfirmed ? 1 : 0);
}

export function readBreach(r: ByteReader): BreachResolution {
  const commitmentNumber = readIndex(r, 'breach.commitmentNumber');
  const commitmentTx = readTx(r, 'breach.commitmentTx');
  const revokedRecord = readOptional(r, 'breach.revokedRecord', () => readTx(r, 'breach.revokedRecord'));
  const nClaims = r.u16('breach.claims.length');
  if (nClaims > MAX_TXS) throw new DecodeError('breach.claims.length', `at most ${MAX_TXS}, got ${nClaims}`);
  const claims: JusticeClaim[] = [];
  for (let i = 0; i < nClaims; i++) {
    const confirmed = flag(r, `breach.claims[${i}].confirmed`);
    claims.push({ rawTx: readTx(r, `breach.claims[${i}].rawTx`), confirmed });
  }
  const nSecond = r.u16('breach.secondStageTxs.length');
  if (nSecond > MAX_TXS) throw new DecodeError('breach.secondStageTxs.length', `at most ${MAX_TXS}, got ${nSecond}`);
  const secondStageTxs: Uint8Array[] = [];
  for (let i = 0; i < nSecond; i++) secondStageTxs.push(readTx(r, `breach.secondStageTxs[${i}]`));
  const sweepConfirmed = flag(r, 'breach.sweepConfirmed');
  return { commitmentNumber, commitmentTx, ...(revokedRecord ? { revokedRecord } : {}), claims, secondStageTxs, sweepConfirmed };
}

const OUTCOMES = ['claimed', 'theirs', 'dust'] as const;

/**
 * `ForceClosingState.htlcClaims` (version 5): u16 count, per entry u32 output index, u8 flag
 * [u32-prefixed claim tx], u8 flag [u32 second-stage height], u8 flag [u32-prefixed sweep tx],
 * u8 outcome (0 none, 1 claimed, 2 theirs, 3 dust); version 6 adds, per entry, u8 flag [u32 fundedAt].
 */
export function writeHtlcClaims(w: ByteWriter, claims: readonly HtlcClaimProgress[]): void {
  if (claims.length > MAX_TXS) throw new ValidationError('htlcClaims', `at most ${MAX_TXS}`);
  w.u16(claims.length);
  for (const p of claims) {
    w.u32(p.outputIndex);
    optional(w, p.claimTx, (t) => writeTx(w, t, 'htlcClaims.claimTx'));
    optional(w, p.secondStageHeight, (h) => w.u32(h));
    optional(w, p.sweepTx, (t) => writeTx(w, t, 'htlcClaims.sweepTx'));
    w.u8(p.outcome === undefined ? 0 : OUTCOMES.indexOf(p.outcome) + 1);
    optional(w, p.fundedAt, (h) => w.u32(h, 'htlcClaims.fundedAt')); // version 6
  }
}

export function readHtlcClaims(r: ByteReader, version: number): HtlcClaimProgress[] {
  const n = r.u16('htlcClaims.length');
  if (n > MAX_TXS) throw new DecodeError('htlcClaims.length', `at most ${MAX_TXS}, got ${n}`);
  const out: HtlcClaimProgress[] = [];
  for (let i = 0; i < n; i++) {
    const outputIndex = r.u32(`htlcClaims[${i}].outputIndex`);
    const claimTx = readOptional(r, `htlcClaims[${i}].claimTx`, () => readTx(r, `htlcClaims[${i}].claimTx`));
    const secondStageHeight = readOptional(r, `htlcClaims[${i}].secondStageHeight`, () => r.u32(`htlcClaims[${i}].secondStageHeight`));
    const sweepTx = readOptional(r, `htlcClaims[${i}].sweepTx`, () => readTx(r, `htlcClaims[${i}].sweepTx`));
    const k = r.u8(`htlcClaims[${i}].outcome`);
    if (k > OUTCOMES.length) throw new DecodeError(`htlcClaims[${i}].outcome`, `unknown ${k}`);
    const outcome = k === 0 ? undefined : OUTCOMES[k - 1];
    const fundedAt = version >= 6 ? readOptional(r, `htlcClaims[${i}].fundedAt`, () => r.u32(`htlcClaims[${i}].fundedAt`)) : undefined;
    out.push({
      outputIndex,
      ...(claimTx ? { claimTx } : {}),
      ...(secondStageHeight !== undefined ? { secondStageHeight } : {}),
      ...(sweepTx ? { sweepTx } : {}),
      ...(outcome ? { outcome } : {}),
      ...(fundedAt !== undefined ? { fundedAt } : {}),
    });
  }
  return out;
}
