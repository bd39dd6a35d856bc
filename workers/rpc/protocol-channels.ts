/**
 * The channel part of the RPC protocol (re-exported by workers/rpc/protocol.ts, which importers
 * use): the channel DTOs, their parsers, and the `channels.*` methods' params and results with
 * their validators. Same rules as protocol.ts: plain structured-clone-safe values, amounts as
 * decimal strings, every rejection names the field.
 */
import type { ChannelStateName } from '../../engine/index.ts';
import { boolean, channelId, fail, MAX_ID, MAX_SAT, MAX_TEXT, nodeId, nullable, number, oneOf, satString, shape, string, txid, describe, type SatString } from './protocol-fields.ts';

/**
 * Amounts in millisatoshis as decimal strings (Lightning balances): `"120000000"`.
 */
export type MsatString = string;

/** The channel states: the engine's `ChannelStateName` (engine/channel/types.ts, through engine/index.ts). */
export type ChannelStateDto = ChannelStateName;
/**
 * The same names as a value, for the validators. Not imported from the engine: that would pull
 * engine code (secp256k1, bitcoinjs-lib, the BIP39 word list…) into the UI bundle, which imports
 * this module. The `satisfies` makes the compiler demand exactly the engine's names (a missing or
 * extra one fails typecheck); test/unit/rpc-protocol.test.ts also compares with CHANNEL_STATE_NAMES.
 */
const STATE_NAMES = {
  idle: true,
  'wait-for-open-channel': true,
  'wait-for-accept-channel': true,
  'wait-for-funding-internal': true,
  'wait-for-funding-created': true,
  'wait-for-funding-signed': true,
  'wait-for-funding-confirmed': true,
  'wait-for-channel-ready': true,
  normal: true,
  aborted: true,
  'force-closing': true,
  'shutting-down': true,
  'negotiating-closing': true,
  closing: true,
  closed: true,
  'wait-for-remote-publish': true,
} as const satisfies Record<ChannelStateDto, true>;
export const CHANNEL_STATES: readonly ChannelStateDto[] = Object.freeze(Object.keys(STATE_NAMES) as ChannelStateDto[]);

/** BOLT 2 `channel_type`s Glint negotiates. */
export type ChannelTypeDto = 'static_remotekey' | 'anchors_zero_fee_htlc_tx';
export const CHANNEL_TYPES: readonly ChannelTypeDto[] = ['static_remotekey', 'anchors_zero_fee_htlc_tx'];

/**
 * Funding amounts a `channels.open` may ask for: Glint's default minimum, and the BOLT 2 maximum
 * without `option_support_large_channel` (2^24 − 1 sats). The engine's configured limits apply too.
 */
export const MIN_CHANNEL_SAT = 20_000n;
export const MAX_CHANNEL_SAT = 16_777_215n;

/** One channel as the UI may know it (engine/node/channel-ports.ts ChannelInfo, no secrets). */
export interface ChannelDto {
  /** The node's stable handle for the channel (survives the temporary → real channel id change). */
  localId: number;
  /** The channel_id, or the temporary_channel_id until funding_created (64 hex). */
  channelId: string;
  /** The peer's node id (66 hex), or '' for a channel whose peer is not known. */
  peer: string;
  state: ChannelStateDto;
  /** Null until negotiated. */
  type: ChannelTypeDto | null;
  /** True when we opened (funded) it; null when not known. */
  isFunder: boolean | null;
  capacitySat: SatString;
  /** Our balance in our current commitment. */
  localMsat: MsatString;
  remoteMsat: MsatString;
  /** Normal, peer connected, not frozen: payments can use it. */
  usable: boolean;
  /** `<block>x<tx>x<output>` once deep enough. */
  shortChannelId: string | null;
  fundingTxid: string | null;
  /** Why it is aborted or force-closing. */
  reason: string | null;
  /** Set when the store failed: the channel does nothing until the node restarts. */
  frozen: string | null;
  /**
   * BOLT 5: after a commitment confirmed, each output of it that matters and where it stands,
   * until every one is settled (engine ChannelInfo `outputs`); empty before (and after) that.
   */
  outputs: ClosingOutputDto[];
  /**
   * BOLT 2 `minimum_depth` (accept_channel): the funding confirmations the channel waits for
   * before channel_ready (0: zero-conf); absent once open, or before it is negotiated.
   */
  minimumDepth?: number;
}

/** The kinds of closing output (engine/node/channel-ports.ts `ClosingOutputInfo.kind`). */
export const CLOSING_OUTPUT_KINDS = ['to_local', 'to_remote', 'htlc-offered', 'htlc-received', 'anchor', 'revoked-to_local', 'revoked-htlc', 'second-stage'] as const;
export type ClosingOutputKindDto = (typeof CLOSING_OUTPUT_KINDS)[number];
/**
 * `waiting`: not spendable yet (until `availableAtHeight`); `claimable`: ours to claim now (a
 * claim may be broadcast already: `claimTxid`); `claimed`: confirmed in `claimTxid`; `theirs`: the
 * peer took it (or it is theirs to take); `dust`: too small to be worth a transaction.
 */
export const CLOSING_OUTPUT_STATUSES = ['waiting', 'claimable', 'claimed', 'theirs', 'dust'] as const;
export type ClosingOutputStatusDto = (typeof CLOSING_OUTPUT_STATUSES)[number];

/** One output of a confirmed closing commitment (or of our second-stage tx), BOLT 5. */
export interface ClosingOutputDto {
  /** `<display txid>:<vout>`. */
  outpoint: string;
  kind: ClosingOutputKindDto;
  amountSat: SatString;
  status: ClosingOutputStatusDto;
  /** The block height from which it can be claimed, when it waits for a timelock. */
  availableAtHeight: number | null;
  /**
   * Blocks left until `availableAtHeight`, from the node's chain tip when this DTO was made (0 once
   * reached); null when the output waits for no height or the tip is not known yet.
   */
  blocksLeft: number | null;
  /** Display-order txid of the transaction that claims it. */
  claimTxid: string | null;
}

/** `auto`: anchors when the peer offers them, else static_remotekey. */
export type ChannelTypeChoice = 'auto' | ChannelTypeDto;

/**
 * Something to show on a channel's card: a peer's `error`/`warning` about it (source `peer`), or
 * what the node did or refused (source `node`: aborted, force-closed, a close negotiation that
 * failed, a rejected command, a frozen channel).
 */
export interface ChannelNoteDto {
  localId: number;
  channelId: string;
  peer: string;
  source: 'peer' | 'node';
  kind: 'error' | 'warning' | 'info';
  text: string;
  /** Milliseconds since the Unix epoch. */
  at: number;
}

type NoParams = Record<string, never>;

/** The `channels.*` methods: their params and results (part of protocol.ts `Methods`). */
export interface ChannelMethods {
  /** Every channel the node knows, open ones first (newest first within a group). */
  'channels.list': { params: NoParams; result: ChannelDto[] };
  /**
   * Connect to `uri` (as `peers.connect`, through `proxy`) if not connected, and open a channel of
   * `fundingSat` funded from the on-chain wallet, pushing `pushMsat` to the peer. Resolves once the
   * funding transaction is broadcast. A peer's refusal or a wallet that cannot pay rejects with the
   * reason; nothing is spent unless the funding transaction was broadcast.
   */
  'channels.open': {
    params: { uri: string; proxy: string | null; fundingSat: SatString; pushMsat: MsatString; channelType: ChannelTypeChoice };
    result: { channelId: string; fundingTxid: string };
  };
  /**
   * Close a channel: cooperatively (shutdown + closing_signed; resolves with the mutual close txid)
   * or, with `force`, by broadcasting our latest commitment (our funds wait out to_self_delay).
   */
  'channels.close': { params: { channelId: string; force: boolean }; result: { closingTxid: string } };
}

/** The most millisatoshis there will ever be. */
export const MAX_MSAT = MAX_SAT * 1000n;
const MSAT = /^(0|[1-9][0-9]{0,18})$/;
const SCID = /^[0-9]{1,8}x[0-9]{1,8}x[0-9]{1,5}$/;
const OUTPOINT = /^[0-9a-f]{64}:[0-9]{1,6}$/;
/** Block heights (well past any real chain's, below 2^31 as BOLT 2's locktimes). */
const MAX_HEIGHT = 500_000_000;
/** BOLT 2 `minimum_depth` is a u32. */
const MAX_MINIMUM_DEPTH = 0xffff_ffff;
/** A channel's closing outputs: its commitment's, plus second-stage ones (BOLT 3 caps HTLCs at 2 × 483). */
const MAX_OUTPUTS = 2000;

/** A non-negative amount of millisatoshis as a decimal string. */
export function msatString(v: unknown, field: string): MsatString {
  const s = string(v, field, 20);
  if (!MSAT.test(s)) fail(field, 'must be a whole number of millisatoshis in decimal digits');
  if (BigInt(s) > MAX_MSAT) fail(field, 'is more than 21 million bitcoin');
  return s;
}

/** A channel funding amount: MIN_CHANNEL_SAT … MAX_CHANNEL_SAT. */
function fundingAmount(v: unknown, field: string): SatString {
  const s = satString(v, field);
  const n = BigInt(s);
  if (n < MIN_CHANNEL_SAT) fail(field, `must be at least ${MIN_CHANNEL_SAT} sats`);
  if (n > MAX_CHANNEL_SAT) fail(field, `must be at most ${MAX_CHANNEL_SAT} sats (2^24 - 1, the largest channel without option_support_large_channel)`);
  return s;
}

export function parseChannelDto(v: unknown, field = 'channel'): ChannelDto {
  const o = shape(v, field, ['localId', 'channelId', 'peer', 'state', 'type', 'isFunder', 'capacitySat', 'localMsat', 'remoteMsat', 'usable', 'shortChannelId', 'fundingTxid', 'reason', 'frozen', 'outputs'], ['minimumDepth']);
  const peer = string(o.peer, `${field}.peer`, 66);
  if (peer !== '') nodeId(peer, `${field}.peer`);
  const capacitySat = satString(o.capacitySat, `${field}.capacitySat`);
  const localMsat = msatString(o.localMsat, `${field}.localMsat`);
  const remoteMsat = msatString(o.remoteMsat, `${field}.remoteMsat`);
  if (BigInt(localMsat) + BigInt(remoteMsat) > BigInt(capacitySat) * 1000n) fail(`${field}.localMsat`, 'with remoteMsat is more than the capacity');
  return {
    localId: number(o.localId, `${field}.localId`, -1, MAX_ID, true),
    channelId: channelId(o.channelId, `${field}.channelId`),
    peer,
    state: oneOf(o.state, `${field}.state`, CHANNEL_STATES),
    type: nullable(o.type, (x) => oneOf(x, `${field}.type`, CHANNEL_TYPES)),
    isFunder: nullable(o.isFunder, (x) => boolean(x, `${field}.isFunder`)),
    capacitySat,
    localMsat,
    remoteMsat,
    usable: boolean(o.usable, `${field}.usable`),
    shortChannelId: nullable(o.shortChannelId, (x) => {
      const s = string(x, `${field}.shortChannelId`, 30);
      if (!SCID.test(s)) fail(`${field}.shortChannelId`, 'must be <block>x<tx>x<output>');
      return s;
    }),
    fundingTxid: nullable(o.fundingTxid, (x) => txid(x, `${field}.fundingTxid`)),
    reason: nullable(o.reason, (x) => string(x, `${field}.reason`, MAX_TEXT)),
    frozen: nullable(o.frozen, (x) => string(x, `${field}.frozen`, MAX_TEXT)),
    outputs: closingOutputs(o.outputs, `${field}.outputs`),
    ...(o.minimumDepth !== undefined ? { minimumDepth: number(o.minimumDepth, `${field}.minimumDepth`, 0, MAX_MINIMUM_DEPTH, true) } : {}),
  };
}

function closingOutputs(v: unknown, field: string): ClosingOutputDto[] {
  if (!Array.isArray(v)) return fail(field, `expected an array, got ${describe(v)}`);
  if (v.length > MAX_OUTPUTS) fail(field, `has more than ${MAX_OUTPUTS} outputs`);
  return v.map((x, i) => parseClosingOutput(x, `${field}[${i}]`));
}

export function parseClosingOutput(v: unknown, field = 'output'): ClosingOutputDto {
  const o = shape(v, field, ['outpoint', 'kind', 'amountSat', 'status', 'availableAtHeight', 'blocksLeft', 'claimTxid']);
  const outpoint = string(o.outpoint, `${field}.outpoint`, 71);
  if (!OUTPOINT.test(outpoint)) fail(`${field}.outpoint`, 'must be <txid>:<output index> (64 lowercase hex, a colon, digits)');
  return {
    outpoint,
    kind: oneOf(o.kind, `${field}.kind`, CLOSING_OUTPUT_KINDS),
    amountSat: satString(o.amountSat, `${field}.amountSat`),
    status: oneOf(o.status, `${field}.status`, CLOSING_OUTPUT_STATUSES),
    availableAtHeight: nullable(o.availableAtHeight, (x) => number(x, `${field}.availableAtHeight`, 0, MAX_HEIGHT, true)),
    blocksLeft: nullable(o.blocksLeft, (x) => number(x, `${field}.blocksLeft`, 0, MAX_HEIGHT, true)),
    claimTxid: nullable(o.claimTxid, (x) => txid(x, `${field}.claimTxid`)),
  };
}

export function parseChannelNote(v: unknown, field = 'note'): ChannelNoteDto {
  const o = shape(v, field, ['localId', 'channelId', 'peer', 'source', 'kind', 'text', 'at']);
  const peer = string(o.peer, `${field}.peer`, 66);
  if (peer !== '') nodeId(peer, `${field}.peer`);
  return {
    localId: number(o.localId, `${field}.localId`, -1, MAX_ID, true),
    channelId: channelId(o.channelId, `${field}.channelId`),
    peer,
    source: oneOf(o.source, `${field}.source`, ['peer', 'node'] as const),
    kind: oneOf(o.kind, `${field}.kind`, ['error', 'warning', 'info'] as const),
    text: string(o.text, `${field}.text`, MAX_TEXT),
    at: number(o.at, `${field}.at`, 0, 8.64e15, true),
  };
}

/** Params validators of the `channels.*` methods. */
export const CHANNEL_PARAMS: { [M in keyof ChannelMethods]: (v: unknown) => ChannelMethods[M]['params'] } = {
  'channels.list': (v) => (shape(v, 'params', []), {}),
  'channels.open': (v) => {
    const o = shape(v, 'params', ['uri', 'fundingSat'], ['proxy', 'pushMsat', 'channelType']);
    const proxy = o.proxy === undefined ? null : nullable(o.proxy, (x) => string(x, 'params.proxy', 2048));
    const fundingSat = fundingAmount(o.fundingSat, 'params.fundingSat');
    const pushMsat = o.pushMsat === undefined ? '0' : msatString(o.pushMsat, 'params.pushMsat');
    if (BigInt(pushMsat) > BigInt(fundingSat) * 1000n) fail('params.pushMsat', 'is more than the channel (fundingSat × 1000)');
    const channelType = o.channelType === undefined ? 'auto' : oneOf(o.channelType, 'params.channelType', ['auto', ...CHANNEL_TYPES] as const);
    return { uri: string(o.uri, 'params.uri', 600), proxy, fundingSat, pushMsat, channelType };
  },
  'channels.close': (v) => {
    const o = shape(v, 'params', ['channelId'], ['force']);
    return { channelId: channelId(o.channelId, 'params.channelId'), force: o.force === undefined ? false : boolean(o.force, 'params.force') };
  },
};

/** Result validators of the `channels.*` methods. */
export const CHANNEL_RESULTS: { [M in keyof ChannelMethods]: (v: unknown) => ChannelMethods[M]['result'] } = {
  'channels.list': (v) => {
    if (!Array.isArray(v)) return fail('result', `expected an array, got ${describe(v)}`);
    return v.map((c, i) => parseChannelDto(c, `result[${i}]`));
  },
  'channels.open': (v) => {
    const o = shape(v, 'result', ['channelId', 'fundingTxid']);
    return { channelId: channelId(o.channelId, 'result.channelId'), fundingTxid: txid(o.fundingTxid, 'result.fundingTxid') };
  },
  'channels.close': (v) => ({ closingTxid: txid(shape(v, 'result', ['closingTxid']).closingTxid, 'result.closingTxid') }),
};
