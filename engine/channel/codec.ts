/**
 * Versioned binary snapshots of every channel state (DESIGN.md rule 4). Layout: a version byte,
 * a state tag byte, then the state's fields in a fixed order (big-endian integers, fixed-size
 * keys and ids, u8 presence flags for optional fields, u16/u32 length prefixes for scripts and
 * transactions). Decoding checks every field — points on the curve, enum values, lengths, the
 * balance invariants — and rejects trailing bytes, so a damaged record never becomes a state.
 *
 * `encodeChannelState` / `decodeChannelState` work on the whole record (version first). The
 * `…Body` pair works without the version byte, for a store-side `RecordCodec` that writes the
 * version itself (`version: CHANNEL_SNAPSHOT_VERSION`); migrations from older bodies go there.
 * Snapshots hold public data only: secrets are re-derived from the keychain (`channelIndex`).
 */
import { DecodeError, ValidationError } from '../lib/errors.ts';
import { ByteReader } from '../wire/reader.ts';
import { ByteWriter } from '../wire/writer.ts';
import { ShachainStore } from '../keys/shachain.ts';
import { type HtlcLog, checkLog, newHtlcLog } from './htlc-log.ts';
import { bytes, commitmentIndex, fixed, flag, optional, point, readIndex, readOptional } from './codec-fields.ts';
import { readHtlcLog, readHtlcSignatures, readSpec, writeHtlcLog, writeHtlcSignatures, writeSpec } from './codec-log.ts';
import type {
  ChannelParams,
  ChannelState,
  ChannelType,
  Commitments,
  NegotiatedParams,
  OpeningParams,
  RemoteChannelReady,
  ClosingProposal,
  CommitmentSpend,
  ForceClosingState,
  SpendingCommitment,
} from './types.ts';
import { readBreach, readHtlcClaims, writeBreach, writeHtlcClaims } from './codec-breach.ts';
import { readClosingOutputs, writeClosingOutputs } from './codec-outputs.ts';

/**
 * The snapshot format version written by this code. 2: `Commitments` gained the update log, the
 * pending remote commitment and the peer's revealed secrets. Version-1 snapshots still decode
 * (with an empty log at their commitment numbers and no secrets: they were all at number 0).
 * 3: zero-conf — `wait-for-channel-ready` and `normal` end with an optional funding tx (the
 * funder's, kept for re-publishing until it confirms); a short_channel_id of 0 means "not
 * confirmed yet" (0 is never a real one). Version-1 and -2 records decode without the tx (and
 * always had a real short_channel_id).
 * 4: HTLCs — specs carry their HTLCs, the local commitment the peer's HTLC signatures, the log's
 * adds their onion and tag, settles their preimage, fails their reason (codec-log.ts);
 * `shutting-down` and `normal` end with the peer's optional shutdown script (`shutting-down` then its `syncing` flag). Older records decode with no
 * HTLCs (none existed) and no peer script.
 * 5: BOLT 5 — `force-closing` ends with an optional breach, the optional progress of the peer's
 * commitment's HTLC outputs (codec-breach.ts) and a sweepConfirmed flag. Older records decode
 * without them (none existed).
 * 6: `closed` ends with the optional final picture of a force close's outputs (codec-outputs.ts),
 * and each HTLC progress entry with an optional `fundedAt` (codec-breach.ts). Older records
 * decode without them (a closed channel showed none; a funded HTLC tx's wait starts anew).
 * 7: `wait-for-funding-confirmed` ends with the fundee's optional `failed` reason (a channel that
 * failed before its funding was seen). Older records decode without it.
 * 8: `closed` ends with the optional peer node id and funding outpoint (`opened`). Older records
 * decode without them (a closed channel read back named no peer).
 */
export const CHANNEL_SNAPSHOT_VERSION = 8;
/** The oldest snapshot version `decodeChannelState` reads. */
export const OLDEST_CHANNEL_SNAPSHOT_VERSION = 1;

const TAGS = [
  'idle',
  'wait-for-open-channel',
  'wait-for-accept-channel',
  'wait-for-funding-internal',
  'wait-for-funding-created',
  'wait-for-funding-signed',
  'wait-for-funding-confirmed',
  'wait-for-channel-ready',
  'normal',
  'aborted',
  'force-closing',
  'shutting-down',
  'negotiating-closing',
  'closing',
  'closed',
  'wait-for-remote-publish',
] as const satisfies readonly ChannelState['type'][];

const CHANNEL_TYPES: readonly ChannelType[] = ['static_remotekey', 'anchors_zero_fee_htlc_tx'];
const MAX_REASON = 1000;

// ---- writing ------------------------------------------------------------------------------------



function text(w: ByteWriter, s: string, field: string): void {
  if (s.length > MAX_REASON) throw new ValidationError(field, `longer than ${MAX_REASON} characters`);
  const bytes = new Uint8Array(s.length);
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i);
    if (c < 0x20 || c >= 0x7f) throw new ValidationError(field, 'must be printable ASCII (see actions.ts printable)');
    bytes[i] = c;
  }
  w.u16Prefixed(bytes);
}


function params(w: ByteWriter, p: ChannelParams): void {
  w.u64(p.dustLimitSat).u64(p.maxHtlcValueInFlightMsat).u64(p.channelReserveSat).u64(p.htlcMinimumMsat);
  w.u16(p.toSelfDelay).u16(p.maxAcceptedHtlcs);
  fixed(w, p.fundingPubkey, 33, 'fundingPubkey');
  fixed(w, p.revocationBasepoint, 33, 'revocationBasepoint');
  fixed(w, p.paymentBasepoint, 33, 'paymentBasepoint');
  fixed(w, p.delayedPaymentBasepoint, 33, 'delayedPaymentBasepoint');
  fixed(w, p.htlcBasepoint, 33, 'htlcBasepoint');
  optional(w, p.upfrontShutdownScript, (s) => w.u16Prefixed(s));
}

function channelType(w: ByteWriter, t: ChannelType): void {
  w.u8(CHANNEL_TYPES.indexOf(t));
}

function opening(w: ByteWriter, o: OpeningParams): void {
  w.u32(o.channelIndex);
  fixed(w, o.peerNodeId, 33, 'peerNodeId');
  fixed(w, o.temporaryChannelId, 32, 'temporaryChannelId');
  channelType(w, o.channelType);
  w.u64(o.fundingSat).u64(o.pushMsat).u32(o.feeratePerKw).u8(o.channelFlags);
  params(w, o.localParams);
}

function negotiated(w: ByteWriter, n: NegotiatedParams): void {
  opening(w, n);
  params(w, n.remoteParams);
  fixed(w, n.remoteFirstPerCommitmentPoint, 33, 'remoteFirstPerCommitmentPoint');
  w.u32(n.minimumDepth);
}


function commitments(w: ByteWriter, c: Commitments): void {
  fixed(w, c.channelId, 32, 'channelId');
  channelType(w, c.channelType);
  w.u8(c.isFunder ? 1 : 0).u8(c.channelFlags).u32(c.channelIndex);
  fixed(w, c.peerNodeId, 33, 'peerNodeId');
  params(w, c.localParams);
  params(w, c.remoteParams);
  fixed(w, c.fundingOutpoint.txid, 32, 'fundingOutpoint.txid');
  w.u16(c.fundingOutpoint.index).u64(c.fundingSat);
  commitmentIndex(w, c.localCommit.index, 'localCommit.index');
  writeSpec(w, c.localCommit.spec);
  fixed(w, c.localCommit.txid, 32, 'localCommit.txid');
  fixed(w, c.localCommit.remoteSig, 64, 'localCommit.remoteSig');
  writeHtlcSignatures(w, c.localCommit.htlcSignatures); // version 4
  commitmentIndex(w, c.remoteCommit.index, 'remoteCommit.index');
  writeSpec(w, c.remoteCommit.spec);
  fixed(w, c.remoteCommit.txid, 32, 'remoteCommit.txid');
  fixed(w, c.remoteCommit.remotePerCommitmentPoint, 33, 'remoteCommit.remotePerCommitmentPoint');
  optional(w, c.remoteNextPerCommitmentPoint, (p) => fixed(w, p, 33, 'remoteNextPerCommitmentPoint'));
  // Version 2.
  const bad = checkLog(c.log, c.localCommit.index, c.remoteCommit.index, c.remoteNextCommit !== undefined);
  if (bad) throw new ValidationError('log', bad);
  writeHtlcLog(w, c.log);
  optional(w, c.remoteNextCommit, (p) => {
    commitmentIndex(w, p.commit.index, 'remoteNextCommit.index');
    writeSpec(w, p.commit.spec);
    fixed(w, p.commit.txid, 32, 'remoteNextCommit.txid');
    fixed(w, p.commit.remotePerCommitmentPoint, 33, 'remoteNextCommit.remotePerCommitmentPoint');
    commitmentIndex(w, p.sentAfterLocalIndex, 'remoteNextCommit.sentAfterLocalIndex');
  });
  w.u16Prefixed(c.remoteSecrets, 'remoteSecrets');
}





function tx(w: ByteWriter, raw: Uint8Array): void {
  w.u32(raw.length).bytes(raw);
}

function remoteReady(w: ByteWriter, r: RemoteChannelReady): void {
  fixed(w, r.secondPerCommitmentPoint, 33, 'remoteChannelReady.secondPerCommitmentPoint');
  optional(w, r.alias, (a) => w.u64(a));
}

function script(w: ByteWriter, s: Uint8Array, field: string): void {
  if (!(s instanceof Uint8Array) || s.length === 0) throw new ValidationError(field, 'must be a non-empty script');
  w.u16Prefixed(s, field);
}

function proposal(w: ByteWriter, p: ClosingProposal): void {
  w.u64(p.feeSat, 'lastSent.feeSat').u64(p.minFeeSat, 'lastSent.minFeeSat').u64(p.maxFeeSat, 'lastSent.maxFeeSat');
}

/** The snapshot body (no version byte). */
export function encodeChannelStateBody(state: ChannelState): Uint8Array {
  const w = new ByteWriter(1024);
  w.u8(TAGS.indexOf(state.type));
  switch (state.type) {
    case 'idle':
      w.u32(state.channelIndex);
      break;
    case 'wait-for-open-channel':
      w.u32(state.channelIndex);
      fixed(w, state.peerNodeId, 33, 'peerNodeId');
      break;
    case 'wait-for-accept-channel':
      opening(w, state.opening);
      break;
    case 'wait-for-funding-internal':
    case 'wait-for-funding-created':
      negotiated(w, state.negotiated);
      break;
    case 'wait-for-funding-signed':
      negotiated(w, state.negotiated);
      fixed(w, state.channelId, 32, 'channelId');
      fixed(w, state.fundingOutpoint.txid, 32, 'fundingOutpoint.txid');
      w.u16(state.fundingOutpoint.index);
      tx(w, state.fundingTx);
      fixed(w, state.remoteCommitSig, 64, 'remoteCommitSig');
      break;
    case 'wait-for-funding-confirmed':
      commitments(w, state.commitments);
      w.u32(state.minimumDepth).u32(state.waitingSinceHeight);
      optional(w, state.fundingTx, (t) => tx(w, t));
      optional(w, state.remoteChannelReady, (r) => remoteReady(w, r));
      optional(w, state.failed, (t) => text(w, t, 'failed')); // version 7
      break;
    case 'wait-for-channel-ready':
      commitments(w, state.commitments);
      w.u64(scidField(state.shortChannelId)).u64(state.localAlias);
      optional(w, state.fundingTx, (t) => tx(w, t)); // version 3
      break;
    case 'normal':
      commitments(w, state.commitments);
      w.u64(scidField(state.shortChannelId)).u64(state.localAlias);
      optional(w, state.remoteAlias, (a) => w.u64(a));
      w.u8(state.syncing === true ? 1 : 0); // version 2
      optional(w, state.fundingTx, (t) => tx(w, t)); // version 3
      optional(w, state.remoteShutdownScript, (x) => script(w, x, 'remoteShutdownScript')); // version 4
      break;
    case 'aborted':
      optional(w, state.channelId, (id) => fixed(w, id, 32, 'channelId'));
      text(w, state.reason, 'reason');
      break;
    case 'force-closing':
      forceClosing(w, state);
      break;
    case 'shutting-down':
      commitments(w, state.commitments);
      script(w, state.localShutdownScript, 'localShutdownScript');
      optional(w, state.remoteShutdownScript, (x) => script(w, x, 'remoteShutdownScript')); // version 4
      w.u8(state.syncing === true ? 1 : 0); // version 4
      break;
    case 'negotiating-closing':
      commitments(w, state.commitments);
      script(w, state.localShutdownScript, 'localShutdownScript');
      script(w, state.remoteShutdownScript, 'remoteShutdownScript');
      optional(w, state.lastSent, (p) => proposal(w, p));
      break;
    case 'closing':
      commitments(w, state.commitments);
      script(w, state.localShutdownScript, 'localShutdownScript');
      script(w, state.remoteShutdownScript, 'remoteShutdownScript');
      w.u64(state.feeSat, 'feeSat');
      tx(w, state.closingTx);
      break;
    case 'closed':
      fixed(w, state.channelId, 32, 'channelId');
      fixed(w, state.closingTxid, 32, 'closingTxid');
      optional(w, state.outputs, (o) => writeClosingOutputs(w, o)); // version 6
      optional(w, state.opened, (o) => {
        // version 8
        fixed(w, o.peerNodeId, 33, 'opened.peerNodeId');
        fixed(w, o.fundingOutpoint.txid, 32, 'opened.fundingOutpoint.txid');
        w.u16(o.fundingOutpoint.index);
      });
      break;
    case 'wait-for-remote-publish':
      commitments(w, state.commitments);
      fixed(w, state.remoteCurrentPerCommitmentPoint, 33, 'remoteCurrentPerCommitmentPoint');
      break;
    default: {
      const never: never = state;
      throw new Error(`unencodable channel state ${(never as { type: string }).type}`);
    }
  }
  return w.finish();
}

/** A whole snapshot record: `CHANNEL_SNAPSHOT_VERSION` then the body. */
export function encodeChannelState(state: ChannelState): Uint8Array {
  const body = encodeChannelStateBody(state);
  const out = new Uint8Array(body.length + 1);
  out[0] = CHANNEL_SNAPSHOT_VERSION;
  out.set(body, 1);
  return out;
}

// ---- reading ------------------------------------------------------------------------------------





function readText(r: ByteReader, field: string): string {
  const b = r.u16Prefixed(field);
  if (b.length > MAX_REASON) throw new DecodeError(field, `longer than ${MAX_REASON} characters`);
  for (const c of b) if (c < 0x20 || c >= 0x7f) throw new DecodeError(field, 'must be printable ASCII');
  return String.fromCharCode(...b);
}


function readChannelType(r: ByteReader, field: string): ChannelType {
  const t = CHANNEL_TYPES[r.u8(field)];
  if (t === undefined) throw new DecodeError(field, 'unknown channel type');
  return t;
}

/** One side's ChannelParams as `params` wrote them: every point checked on the curve, an empty upfront script refused (also read by engine/node/backup-codec.ts). */
export function readParams(r: ByteReader, field: string): ChannelParams {
  const dustLimitSat = r.u64(`${field}.dustLimitSat`);
  const maxHtlcValueInFlightMsat = r.u64(`${field}.maxHtlcValueInFlightMsat`);
  const channelReserveSat = r.u64(`${field}.channelReserveSat`);
  const htlcMinimumMsat = r.u64(`${field}.htlcMinimumMsat`);
  const toSelfDelay = r.u16(`${field}.toSelfDelay`);
  const maxAcceptedHtlcs = r.u16(`${field}.maxAcceptedHtlcs`);
  const fundingPubkey = point(r, `${field}.fundingPubkey`);
  const revocationBasepoint = point(r, `${field}.revocationBasepoint`);
  const paymentBasepoint = point(r, `${field}.paymentBasepoint`);
  const delayedPaymentBasepoint = point(r, `${field}.delayedPaymentBasepoint`);
  const htlcBasepoint = point(r, `${field}.htlcBasepoint`);
  const upfrontShutdownScript = readOptional(r, `${field}.upfrontShutdownScript`, () => r.u16Prefixed(`${field}.upfrontShutdownScript`).slice());
  if (upfrontShutdownScript !== undefined && upfrontShutdownScript.length === 0) {
    throw new DecodeError(`${field}.upfrontShutdownScript`, 'present but empty');
  }
  return {
    dustLimitSat,
    maxHtlcValueInFlightMsat,
    channelReserveSat,
    htlcMinimumMsat,
    toSelfDelay,
    maxAcceptedHtlcs,
    fundingPubkey,
    revocationBasepoint,
    paymentBasepoint,
    delayedPaymentBasepoint,
    htlcBasepoint,
    ...(upfrontShutdownScript !== undefined ? { upfrontShutdownScript } : {}),
  };
}

function readOpening(r: ByteReader): OpeningParams {
  const channelIndex = r.u32('channelIndex');
  const peerNodeId = point(r, 'peerNodeId');
  const temporaryChannelId = bytes(r, 32, 'temporaryChannelId');
  const channelType = readChannelType(r, 'channelType');
  const fundingSat = r.u64('fundingSat');
  const pushMsat = r.u64('pushMsat');
  if (pushMsat > fundingSat * 1000n) throw new DecodeError('pushMsat', 'greater than the funding amount');
  const feeratePerKw = r.u32('feeratePerKw');
  const channelFlags = r.u8('channelFlags');
  const localParams = readParams(r, 'localParams');
  return { channelIndex, peerNodeId, temporaryChannelId, channelType, fundingSat, pushMsat, feeratePerKw, channelFlags, localParams };
}

function readNegotiated(r: ByteReader): NegotiatedParams {
  const o = readOpening(r);
  const remoteParams = readParams(r, 'remoteParams');
  const remoteFirstPerCommitmentPoint = point(r, 'remoteFirstPerCommitmentPoint');
  const minimumDepth = r.u32('minimumDepth');
  return { ...o, remoteParams, remoteFirstPerCommitmentPoint, minimumDepth };
}




function readRemoteSecrets(r: ByteReader): Uint8Array {
  const b = r.u16Prefixed('remoteSecrets').slice();
  try {
    ShachainStore.fromBytes(b);
  } catch (err) {
    throw err instanceof DecodeError ? err : new DecodeError('remoteSecrets', (err as Error).message);
  }
  return b;
}

function readCommitments(r: ByteReader, version: number): Commitments {
  const channelId = bytes(r, 32, 'channelId');
  const channelType = readChannelType(r, 'channelType');
  const isFunder = flag(r, 'isFunder');
  const channelFlags = r.u8('channelFlags');
  const channelIndex = r.u32('channelIndex');
  const peerNodeId = point(r, 'peerNodeId');
  const localParams = readParams(r, 'localParams');
  const remoteParams = readParams(r, 'remoteParams');
  const fundingOutpoint = { txid: bytes(r, 32, 'fundingOutpoint.txid'), index: r.u16('fundingOutpoint.index') };
  const fundingSat = r.u64('fundingSat');
  const localCommit = {
    index: readIndex(r, 'localCommit.index'),
    spec: readSpec(r, 'localCommit.spec', fundingSat, version),
    txid: bytes(r, 32, 'localCommit.txid'),
    remoteSig: bytes(r, 64, 'localCommit.remoteSig'),
    htlcSignatures: readHtlcSignatures(r, version),
  };
  const remoteCommit = {
    index: readIndex(r, 'remoteCommit.index'),
    spec: readSpec(r, 'remoteCommit.spec', fundingSat, version),
    txid: bytes(r, 32, 'remoteCommit.txid'),
    remotePerCommitmentPoint: point(r, 'remoteCommit.remotePerCommitmentPoint'),
  };
  const remoteNextPerCommitmentPoint = readOptional(r, 'remoteNextPerCommitmentPoint', () => point(r, 'remoteNextPerCommitmentPoint'));
  let log: HtlcLog;
  let remoteNextCommit: Commitments['remoteNextCommit'];
  let remoteSecrets: Uint8Array;
  if (version === 1) {
    // Version 1 had no log: every such channel was at commitment 0 on both sides.
    log = newHtlcLog(isFunder, localCommit.index, remoteCommit.index, localCommit.spec.feeratePerKw);
    remoteSecrets = new ShachainStore().toBytes();
  } else {
    log = readHtlcLog(r, version);
    remoteNextCommit = readOptional(r, 'remoteNextCommit', () => ({
      commit: {
        index: readIndex(r, 'remoteNextCommit.index'),
        spec: readSpec(r, 'remoteNextCommit.spec', fundingSat, version),
        txid: bytes(r, 32, 'remoteNextCommit.txid'),
        remotePerCommitmentPoint: point(r, 'remoteNextCommit.remotePerCommitmentPoint'),
      },
      sentAfterLocalIndex: readIndex(r, 'remoteNextCommit.sentAfterLocalIndex'),
    }));
    remoteSecrets = readRemoteSecrets(r);
  }
  const bad = checkLog(log, localCommit.index, remoteCommit.index, remoteNextCommit !== undefined);
  if (bad) throw new DecodeError('log', bad);
  if (remoteNextCommit !== undefined && remoteNextCommit.commit.index !== remoteCommit.index + 1) {
    throw new DecodeError('remoteNextCommit.index', `must be remoteCommit.index + 1 (${remoteCommit.index + 1}), got ${remoteNextCommit.commit.index}`);
  }
  return {
    channelId,
    channelType,
    isFunder,
    channelFlags,
    channelIndex,
    peerNodeId,
    localParams,
    remoteParams,
    fundingOutpoint,
    fundingSat,
    localCommit,
    remoteCommit,
    ...(remoteNextPerCommitmentPoint !== undefined ? { remoteNextPerCommitmentPoint } : {}),
    log,
    ...(remoteNextCommit !== undefined ? { remoteNextCommit } : {}),
    remoteSecrets,
  };
}

function readTx(r: ByteReader, field: string): Uint8Array {
  const n = r.u32(`${field}.length`);
  if (n === 0) throw new DecodeError(field, 'empty transaction');
  return bytes(r, n, field);
}

function readRemoteReady(r: ByteReader): RemoteChannelReady {
  const secondPerCommitmentPoint = point(r, 'remoteChannelReady.secondPerCommitmentPoint');
  const alias = readOptional(r, 'remoteChannelReady.alias', () => r.u64('remoteChannelReady.alias'));
  return { secondPerCommitmentPoint, ...(alias !== undefined ? { alias } : {}) };
}

function readScript(r: ByteReader, field: string): Uint8Array {
  const s = r.u16Prefixed(field).slice();
  if (s.length === 0) throw new DecodeError(field, 'empty script');
  return s;
}

function readProposal(r: ByteReader): ClosingProposal {
  return { feeSat: r.u64('lastSent.feeSat'), minFeeSat: r.u64('lastSent.minFeeSat'), maxFeeSat: r.u64('lastSent.maxFeeSat') };
}

function readBody(r: ByteReader, version: number): ChannelState {
  const tag = r.u8('state');
  const type = TAGS[tag];
  switch (type) {
    case 'idle':
      return { type, channelIndex: r.u32('channelIndex') };
    case 'wait-for-open-channel':
      return { type, channelIndex: r.u32('channelIndex'), peerNodeId: point(r, 'peerNodeId') };
    case 'wait-for-accept-channel':
      return { type, opening: readOpening(r) };
    case 'wait-for-funding-internal':
    case 'wait-for-funding-created':
      return { type, negotiated: readNegotiated(r) };
    case 'wait-for-funding-signed': {
      const negotiated = readNegotiated(r);
      const channelId = bytes(r, 32, 'channelId');
      const fundingOutpoint = { txid: bytes(r, 32, 'fundingOutpoint.txid'), index: r.u16('fundingOutpoint.index') };
      const fundingTx = readTx(r, 'fundingTx');
      const remoteCommitSig = bytes(r, 64, 'remoteCommitSig');
      return { type, negotiated, channelId, fundingOutpoint, fundingTx, remoteCommitSig };
    }
    case 'wait-for-funding-confirmed': {
      const commitments = readCommitments(r, version);
      const minimumDepth = r.u32('minimumDepth');
      const waitingSinceHeight = r.u32('waitingSinceHeight');
      const fundingTx = readOptional(r, 'fundingTx', () => readTx(r, 'fundingTx'));
      const remoteChannelReady = readOptional(r, 'remoteChannelReady', () => readRemoteReady(r));
      const failed = version >= 7 ? readOptional(r, 'failed', () => readText(r, 'failed')) : undefined;
      return {
        type,
        commitments,
        minimumDepth,
        waitingSinceHeight,
        ...(fundingTx !== undefined ? { fundingTx } : {}),
        ...(remoteChannelReady !== undefined ? { remoteChannelReady } : {}),
        ...(failed !== undefined ? { failed } : {}),
      };
    }
    case 'wait-for-channel-ready': {
      const commitments = readCommitments(r, version);
      const shortChannelId = readScid(r);
      const localAlias = r.u64('localAlias');
      const fundingTx = version >= 3 ? readOptional(r, 'fundingTx', () => readTx(r, 'fundingTx')) : undefined;
      return { type, commitments, ...(shortChannelId !== undefined ? { shortChannelId } : {}), localAlias, ...(fundingTx !== undefined ? { fundingTx } : {}) };
    }
    case 'normal': {
      const commitments = readCommitments(r, version);
      const shortChannelId = readScid(r);
      const localAlias = r.u64('localAlias');
      const remoteAlias = readOptional(r, 'remoteAlias', () => r.u64('remoteAlias'));
      const syncing = version >= 2 && flag(r, 'syncing');
      const fundingTx = version >= 3 ? readOptional(r, 'fundingTx', () => readTx(r, 'fundingTx')) : undefined;
      const remoteShutdownScript = version >= 4 ? readOptional(r, 'remoteShutdownScript', () => readScript(r, 'remoteShutdownScript')) : undefined;
      return {
        type,
        commitments,
        ...(shortChannelId !== undefined ? { shortChannelId } : {}),
        localAlias,
        ...(remoteAlias !== undefined ? { remoteAlias } : {}),
        ...(syncing ? { syncing: true as const } : {}),
        ...(fundingTx !== undefined ? { fundingTx } : {}),
        ...(remoteShutdownScript !== undefined ? { remoteShutdownScript } : {}),
      };
    }
    case 'aborted': {
      const channelId = readOptional(r, 'channelId', () => bytes(r, 32, 'channelId'));
      const reason = readText(r, 'reason');
      return { type, ...(channelId !== undefined ? { channelId } : {}), reason };
    }
    case 'force-closing':
      return readForceClosing(r, version);
    case 'shutting-down': {
      const commitments = readCommitments(r, version);
      const localShutdownScript = readScript(r, 'localShutdownScript');
      const remoteShutdownScript = version >= 4 ? readOptional(r, 'remoteShutdownScript', () => readScript(r, 'remoteShutdownScript')) : undefined;
      const syncing = version >= 4 && flag(r, 'syncing');
      return { type, commitments, localShutdownScript, ...(remoteShutdownScript !== undefined ? { remoteShutdownScript } : {}), ...(syncing ? { syncing: true as const } : {}) };
    }
    case 'negotiating-closing': {
      const commitments = readCommitments(r, version);
      const localShutdownScript = readScript(r, 'localShutdownScript');
      const remoteShutdownScript = readScript(r, 'remoteShutdownScript');
      const lastSent = readOptional(r, 'lastSent', () => readProposal(r));
      return { type, commitments, localShutdownScript, remoteShutdownScript, ...(lastSent !== undefined ? { lastSent } : {}) };
    }
    case 'closing': {
      const commitments = readCommitments(r, version);
      const localShutdownScript = readScript(r, 'localShutdownScript');
      const remoteShutdownScript = readScript(r, 'remoteShutdownScript');
      const feeSat = r.u64('feeSat');
      const closingTx = readTx(r, 'closingTx');
      return { type, commitments, localShutdownScript, remoteShutdownScript, feeSat, closingTx };
    }
    case 'closed': {
      const channelId = bytes(r, 32, 'channelId');
      const closingTxid = bytes(r, 32, 'closingTxid');
      const outputs = version >= 6 ? readOptional(r, 'outputs', () => readClosingOutputs(r)) : undefined;
      const opened =
        version >= 8
          ? readOptional(r, 'opened', () => ({
              peerNodeId: point(r, 'opened.peerNodeId'),
              fundingOutpoint: { txid: bytes(r, 32, 'opened.fundingOutpoint.txid'), index: r.u16('opened.fundingOutpoint.index') },
            }))
          : undefined;
      return { type, channelId, closingTxid, ...(outputs !== undefined ? { outputs } : {}), ...(opened !== undefined ? { opened } : {}) };
    }
    case 'wait-for-remote-publish': {
      const commitments = readCommitments(r, version);
      return { type, commitments, remoteCurrentPerCommitmentPoint: point(r, 'remoteCurrentPerCommitmentPoint') };
    }
    case undefined:
      throw new DecodeError('state', `unknown state tag ${tag}`);
    default: {
      const never: never = type;
      throw new DecodeError('state', `unknown state ${String(never)}`);
    }
  }
}

// ---- force-closing (BOLT 5) ----------------------------------------------------------------------
//
// commitments, reason, u32-prefixed commitmentTx (length 0: none broadcast), then the spend:
// u8 present flag [u8 commitment kind, txid, u32 blockHeight, u8 flag [u32 index, u64 valueSat],
// u8 flag [u32-prefixed sweepTx]]. A version-1 record (before the spend existed) ends after
// commitmentTx. The kind byte's bit 7 (REORGED_BIT) is set while a reorg took the spend's block
// (`spend.reorged`); records written before reorgs were handled never have it, so no new version.

const SPENDING: readonly SpendingCommitment[] = ['local', 'remote-current', 'remote-other'];
const REORGED_BIT = 0x80;

function forceClosing(w: ByteWriter, state: ForceClosingState): void {
  commitments(w, state.commitments);
  text(w, state.reason, 'reason');
  if (state.commitmentTx !== undefined && state.commitmentTx.length === 0) throw new ValidationError('commitmentTx', 'must be absent or non-empty');
  w.u32(state.commitmentTx?.length ?? 0).bytes(state.commitmentTx ?? new Uint8Array(0));
  optional(w, state.spend, (sp) => {
    const kind = SPENDING.indexOf(sp.commitment);
    if (kind < 0) throw new ValidationError('spend.commitment', `unknown ${String(sp.commitment)}`);
    w.u8(kind | (sp.reorged === true ? REORGED_BIT : 0));
    fixed(w, sp.txid, 32, 'spend.txid');
    w.u32(sp.blockHeight);
    optional(w, sp.output, (o) => w.u32(o.index).u64(o.valueSat, 'spend.output.valueSat'));
    optional(w, sp.sweepTx, (t) => {
      if (t.length === 0) throw new ValidationError('spend.sweepTx', 'must be non-empty');
      tx(w, t);
    });
  });
  optional(w, state.breach, (b) => writeBreach(w, b)); // version 5
  optional(w, state.htlcClaims, (h) => writeHtlcClaims(w, h)); // version 5
  w.u8(state.sweepConfirmed === true ? 1 : 0); // version 5
}

/**
 * The short_channel_id field of wait-for-channel-ready / normal: u64, with 0 for "not confirmed
 * yet" (a zero-conf channel). 0 is block 0, tx 0, output 0 — the genesis coinbase, never a
 * funding output — so every record written before zero-conf (always a real scid) reads the same.
 */
function scidField(scid: bigint | undefined): bigint {
  if (scid === 0n) throw new Error('shortChannelId 0 is not a short_channel_id');
  return scid ?? 0n;
}

function readScid(r: ByteReader): bigint | undefined {
  const v = r.u64('shortChannelId');
  return v === 0n ? undefined : v;
}

/** A version-1 body ends after commitmentTx (the spend came with version 2). */
function readForceClosing(r: ByteReader, version: number): ForceClosingState {
  const withSpend = version >= 2;
  const commitments = readCommitments(r, version);
  const reason = readText(r, 'reason');
  const n = r.u32('commitmentTx.length');
  const commitmentTx = n > 0 ? bytes(r, n, 'commitmentTx') : undefined;
  const spend = withSpend ? readOptional(r, 'spend', () => readSpend(r)) : undefined;
  const breach = version >= 5 ? readOptional(r, 'breach', () => readBreach(r)) : undefined;
  const htlcClaims = version >= 5 ? readOptional(r, 'htlcClaims', () => readHtlcClaims(r, version)) : undefined;
  const sweepConfirmed = version >= 5 && flag(r, 'sweepConfirmed');
  return {
    type: 'force-closing',
    commitments,
    reason,
    ...(commitmentTx ? { commitmentTx } : {}),
    ...(spend ? { spend } : {}),
    ...(breach ? { breach } : {}),
    ...(htlcClaims ? { htlcClaims } : {}),
    ...(sweepConfirmed ? { sweepConfirmed: true as const } : {}),
  };
}

function readSpend(r: ByteReader): CommitmentSpend {
  const byte = r.u8('spend.commitment');
  const reorged = (byte & REORGED_BIT) !== 0;
  const k = byte & ~REORGED_BIT;
  const commitment = SPENDING[k];
  if (commitment === undefined) throw new DecodeError('spend.commitment', `unknown kind ${k}`);
  const txid = bytes(r, 32, 'spend.txid');
  const blockHeight = r.u32('spend.blockHeight');
  const output = readOptional(r, 'spend.output', () => ({ index: r.u32('spend.output.index'), valueSat: r.u64('spend.output.valueSat') }));
  const sweepTx = readOptional(r, 'spend.sweepTx', () => readTx(r, 'spend.sweepTx'));
  return { commitment, txid, blockHeight, ...(output ? { output } : {}), ...(sweepTx ? { sweepTx } : {}), ...(reorged ? { reorged: true as const } : {}) };
}

/** Decode a snapshot body (no version byte) written as `version`. Throws DecodeError naming the bad field. */
export function decodeChannelStateBody(body: Uint8Array, version: number = CHANNEL_SNAPSHOT_VERSION): ChannelState {
  if (!Number.isInteger(version) || version < OLDEST_CHANNEL_SNAPSHOT_VERSION || version > CHANNEL_SNAPSHOT_VERSION) {
    throw new DecodeError('channel.version', `unknown snapshot version ${version}`);
  }
  const r = new ByteReader(body);
  const state = readBody(r, version);
  if (!r.done) throw new DecodeError('channel', `${r.remaining} trailing bytes`);
  return state;
}

/** Decode a whole snapshot record. Throws DecodeError on an unknown version or a bad body. */
export function decodeChannelState(bytes: Uint8Array): ChannelState {
  if (bytes.length === 0) throw new DecodeError('channel.version', 'empty snapshot');
  const version = bytes[0] as number;
  return decodeChannelStateBody(bytes.subarray(1), version);
}
