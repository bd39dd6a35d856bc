/**
 * Snapshot field of a closed channel (snapshot version 6): `ClosedState.outputs`, the final
 * picture of a force-closed channel's outputs (BOLT 5; closing-outputs.ts). Layout: u16 count,
 * then per output: 32-byte txid, u32 output index, u8 kind, u64 amount (sat), u8 status, u8 flag
 * [u32 availableAtHeight], u8 flag [32-byte claim txid].
 */
import { DecodeError, ValidationError } from '../lib/errors.ts';
import type { ByteReader } from '../wire/reader.ts';
import type { ByteWriter } from '../wire/writer.ts';
import { bytes, fixed, optional, readOptional } from './codec-fields.ts';
import type { ClosingOutput, ClosingOutputKind, ClosingOutputStatus } from './types.ts';

/** The byte of each kind and status (append only: the index is what is stored). */
const KINDS: readonly ClosingOutputKind[] = ['to_local', 'to_remote', 'htlc-offered', 'htlc-received', 'anchor', 'revoked-to_local', 'revoked-htlc', 'second-stage'];
const STATUSES: readonly ClosingOutputStatus[] = ['waiting', 'claimable', 'claimed', 'theirs', 'dust'];

/** A commitment has at most 483 × 2 HTLC outputs, two balances and two anchors; second-stage outputs add one per HTLC. */
const MAX_OUTPUTS = 2048;
/** No output holds more than every bitcoin (21 million × 10^8 sat). */
const MAX_SAT = 2_100_000_000_000_000n;

export function writeClosingOutputs(w: ByteWriter, outputs: readonly ClosingOutput[]): void {
  if (outputs.length > MAX_OUTPUTS) throw new ValidationError('outputs', `at most ${MAX_OUTPUTS}`);
  w.u16(outputs.length, 'outputs.length');
  outputs.forEach((o, i) => {
    const field = `outputs[${i}]`;
    const kind = KINDS.indexOf(o.kind);
    const status = STATUSES.indexOf(o.status);
    if (kind < 0) throw new ValidationError(`${field}.kind`, `unknown kind ${String(o.kind)}`);
    if (status < 0) throw new ValidationError(`${field}.status`, `unknown status ${String(o.status)}`);
    if (typeof o.amountSat !== 'bigint' || o.amountSat < 0n || o.amountSat > MAX_SAT) throw new ValidationError(`${field}.amountSat`, 'must be a bigint in [0, 21e14]');
    fixed(w, o.txid, 32, `${field}.txid`);
    w.u32(o.outputIndex, `${field}.outputIndex`);
    w.u8(kind).u64(o.amountSat, `${field}.amountSat`).u8(status);
    optional(w, o.availableAtHeight, (h) => w.u32(h, `${field}.availableAtHeight`));
    optional(w, o.claimTxid, (t) => fixed(w, t, 32, `${field}.claimTxid`));
  });
}

export function readClosingOutputs(r: ByteReader): ClosingOutput[] {
  const n = r.u16('outputs.length');
  if (n > MAX_OUTPUTS) throw new DecodeError('outputs.length', `${n} is above ${MAX_OUTPUTS}`);
  const out: ClosingOutput[] = [];
  for (let i = 0; i < n; i++) {
    const field = `outputs[${i}]`;
    const txid = bytes(r, 32, `${field}.txid`);
    const outputIndex = r.u32(`${field}.outputIndex`);
    const kind = KINDS[r.u8(`${field}.kind`)];
    if (kind === undefined) throw new DecodeError(`${field}.kind`, 'unknown kind');
    const amountSat = r.u64(`${field}.amountSat`);
    if (amountSat > MAX_SAT) throw new DecodeError(`${field}.amountSat`, 'above 21 million bitcoin');
    const status = STATUSES[r.u8(`${field}.status`)];
    if (status === undefined) throw new DecodeError(`${field}.status`, 'unknown status');
    const availableAtHeight = readOptional(r, `${field}.availableAtHeight`, () => r.u32(`${field}.availableAtHeight`));
    const claimTxid = readOptional(r, `${field}.claimTxid`, () => bytes(r, 32, `${field}.claimTxid`));
    out.push({ txid, outputIndex, kind, amountSat, status, ...(availableAtHeight !== undefined ? { availableAtHeight } : {}), ...(claimTxid ? { claimTxid } : {}) });
  }
  return out;
}
