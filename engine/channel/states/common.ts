/**
 * Helpers every state shares: building transitions (persist first), failing an establishment
 * (`aborted`), failing a funded channel (`force-closing`, BOLT 5), and the documented response
 * to a message or event a state does not expect:
 *
 * | phase    | setup msgs (init/ping/pong) | warning       | error (ours or all-zero id)       | any other channel message              |
 * |----------|-----------------------------|---------------|-----------------------------------|----------------------------------------|
 * | opening  | ignore                      | emit          | abort (cancel the wallet's tx)    | send `error`, abort                    |
 * | funded   | ignore                      | emit          | force-close (broadcast our commit)| send `warning`, state unchanged        |
 * | aborted  | ignore                      | ignore        | ignore                            | ignore (emit `ignored`)                |
 * | force-cl.| ignore                      | emit          | ignore                            | send `error` (the channel has failed)  |
 * | closing  | ignore                      | emit          | ignore (mutual close is out)      | ignore (emit `ignored`)                |
 * | closed   | ignore                      | ignore        | ignore                            | ignore (emit `ignored`)                |
 *
 * Opening states hold nothing on chain, so a confused peer costs only the attempt; funded states
 * never give up funds over a spurious message. Disconnection forgets an opening (BOLT 2: a funder
 * that has not broadcast, a fundee that has not sent funding_signed) and leaves funded states as
 * they are. Commands that do not fit the state are rejected to the UI, never to the peer.
 */
import { Transaction } from 'bitcoinjs-lib';
import { equalBytes } from '../../lib/bytes.ts';
import type { Message } from '../../wire/message.ts';
import { type ChannelAction, type Transition, emit, printable, sendError, sendWarning } from '../actions.ts';
import { encodeChannelState } from '../codec.ts';
import { keysFor, signedLocalCommitment } from '../commitments.ts';
import { cpfpRequest } from '../onchain.ts';
import type { ChannelContext } from '../context.ts';
import type { ChannelEvent, HtlcTxFundedEvent } from '../events.ts';
import type { AbortedState, ChannelState, ClosedChannelOrigin, Commitments, FundedState, ForceClosingState, WaitForFundingConfirmedState } from '../types.ts';

export type { Transition } from '../actions.ts';

const ALL_CHANNELS = new Uint8Array(32);

/** The `never` check closing every switch over a union (style-models §7.4). */
export function unreachable(value: never): never {
  throw new Error(`unreachable: ${JSON.stringify((value as { type?: unknown })?.type ?? value)}`);
}

/** A fresh plain Uint8Array copy (a Node Buffer's `slice` would share memory). */
export function copy(bytes: Uint8Array): Uint8Array {
  return new Uint8Array(bytes);
}

/** What a closed channel keeps of its commitments: the peer and the funding outpoint (ClosedState `opened`). */
export function closedOrigin(c: Commitments): ClosedChannelOrigin {
  return { peerNodeId: copy(c.peerNodeId), fundingOutpoint: { txid: copy(c.fundingOutpoint.txid), index: c.fundingOutpoint.index } };
}

/** No change, optionally with actions. */
export function stay(state: ChannelState, ...actions: ChannelAction[]): Transition {
  return { state, actions };
}

/** Move to `state`, persisting it first (keyed by `channelId`), then the other actions. */
export function persistThen(state: ChannelState, channelId: Uint8Array, ...actions: ChannelAction[]): Transition {
  return { state, actions: [{ type: 'persist', channelId, snapshot: encodeChannelState(state) }, ...actions] };
}

/** The id the peer knows a state by, for `error`/`warning` (the temporary id until funding_created is sent). */
export function peerChannelId(state: ChannelState): Uint8Array {
  switch (state.type) {
    case 'idle':
    case 'wait-for-open-channel':
      return ALL_CHANNELS;
    case 'wait-for-accept-channel':
      return state.opening.temporaryChannelId;
    case 'wait-for-funding-internal':
    case 'wait-for-funding-created':
      return state.negotiated.temporaryChannelId;
    case 'wait-for-funding-signed':
      // funding_created named the outpoint: a fundee that accepted it knows the channel by its channel_id.
      return state.channelId;
    case 'wait-for-funding-confirmed':
    case 'wait-for-channel-ready':
    case 'normal':
    case 'force-closing':
    case 'shutting-down':
    case 'negotiating-closing':
    case 'closing':
    case 'wait-for-remote-publish':
      return state.commitments.channelId;
    case 'aborted':
      return state.channelId ?? ALL_CHANNELS;
    case 'closed':
      return state.channelId;
    default:
      return unreachable(state);
  }
}

/** Whether an `error`/`warning` addressed to `channelId` concerns this state (BOLT 1: all-zero = every channel). */
export function concerns(state: ChannelState, channelId: Uint8Array): boolean {
  if (equalBytes(channelId, ALL_CHANNELS)) return true;
  if (equalBytes(channelId, peerChannelId(state))) return true;
  return state.type === 'wait-for-funding-signed' && equalBytes(channelId, state.negotiated.temporaryChannelId);
}

/** The wallet transaction an opening state holds (to release its coins when the opening fails). */
function heldFundingTxid(state: ChannelState): Uint8Array | undefined {
  return state.type === 'wait-for-funding-signed' ? state.fundingOutpoint.txid : undefined;
}

/**
 * Fail an establishment: `aborted`, with an `error` to the peer when `tellPeer`, and the wallet's
 * reservation released if we held a funding transaction. Nothing was persisted, nothing is.
 */
export function abort(state: ChannelState, reason: string, tellPeer: boolean, ...extra: ChannelAction[]): Transition {
  const text = printable(reason);
  const id = peerChannelId(state);
  const next: AbortedState = equalBytes(id, ALL_CHANNELS) ? { type: 'aborted', reason: text } : { type: 'aborted', channelId: id, reason: text };
  const actions: ChannelAction[] = [];
  if (tellPeer) actions.push(sendError(id, text));
  const txid = heldFundingTxid(state);
  if (txid) actions.push({ type: 'cancel-funding', txid });
  actions.push(...extra, emit({ type: 'channel-aborted', reason: text }));
  return { state: next, actions };
}

/** Refuse an `open_channel` (fundee, nothing kept): `error` on its temporary channel id, then `aborted`. */
export function refuseOpen(temporaryChannelId: Uint8Array, reason: string): Transition {
  const text = printable(reason);
  return {
    state: { type: 'aborted', channelId: temporaryChannelId, reason: text },
    actions: [sendError(temporaryChannelId, text), emit({ type: 'channel-aborted', reason: text })],
  };
}

/** Forget a funded channel that can never hold funds (wrong funding output, fundee timeout): persisted `aborted`. */
export function forget(state: FundedState, reason: string, tellPeer: boolean): Transition {
  const text = printable(reason);
  const channelId = state.commitments.channelId;
  const next: AbortedState = { type: 'aborted', channelId, reason: text };
  const actions: ChannelAction[] = tellPeer ? [sendError(channelId, text)] : [];
  return persistThen(next, channelId, ...actions, emit({ type: 'channel-aborted', reason: text }));
}

/**
 * Fail a fundee's channel whose funding transaction has not confirmed (BOLT 2: the fundee never
 * broadcasts the funding; BOLT 5 "failing a channel" publishes the commitment only to spend a
 * funding output that exists). A funder that never got our funding_signed (we crashed between
 * saving and sending it) never broadcasts and forgets the channel: publishing our commitment #0
 * would be a force close of a channel that never existed. So nothing is published: the state is
 * kept, marked `failed` (persisted; shown `aborted` with the reason), and the funding stays
 * watched — should it confirm after all, the channel is force-closed then; if not, it is
 * forgotten at BOLT 2's 2016-block timeout (wait-for-funding-confirmed.ts).
 */
export function failUnfunded(state: WaitForFundingConfirmedState, reason: string, tellPeer: boolean): Transition {
  const c = state.commitments;
  const text = printable(reason);
  const next: WaitForFundingConfirmedState = { ...state, failed: text };
  const actions: ChannelAction[] = tellPeer ? [sendError(c.channelId, text)] : [];
  return persistThen(next, c.channelId, ...actions, emit({ type: 'channel-aborted', reason: `${text}; the funding transaction was never seen, nothing was published` }));
}

/**
 * BOLT 5 "failing a channel": persist `force-closing` with our fully signed commitment, tell the
 * peer (unless it told us), broadcast the commitment, watch the funding output's spend, and with
 * anchors ask for a CPFP when the commitment's feerate is below our estimate (onchain.ts). A
 * fundee whose funding has not confirmed publishes nothing instead (`failUnfunded`), unless the
 * channel had already failed that way and its funding has now appeared (`funded`).
 */
export function forceClose(state: FundedState, reason: string, tellPeer: boolean, ctx: ChannelContext, funded = false): Transition {
  if (state.type === 'wait-for-funding-confirmed' && !state.commitments.isFunder && !funded) {
    return state.failed !== undefined ? stay(state) : failUnfunded(state, reason, tellPeer);
  }
  const c = state.commitments;
  const text = printable(reason);
  const tx = signedLocalCommitment(c, keysFor(c.localParams, ctx.channelKeys(c.channelIndex)));
  const commitmentTx = tx.toBuffer();
  const next: ForceClosingState = { type: 'force-closing', commitments: c, reason: text, commitmentTx };
  const actions: ChannelAction[] = [];
  if (tellPeer) actions.push(sendError(c.channelId, text));
  actions.push({ type: 'broadcast', kind: 'commitment', rawTx: commitmentTx, txid: tx.getHash() });
  const cpfp = cpfpRequest(c, tx, ctx);
  if (cpfp) actions.push(cpfp);
  actions.push({ type: 'watch-spend', txid: c.fundingOutpoint.txid, outputIndex: c.fundingOutpoint.index });
  actions.push(emit({ type: 'channel-force-closed', reason: text }));
  return persistThen(next, c.channelId, ...actions);
}

function errorText(data: Uint8Array): string {
  return printable(String.fromCharCode(...data));
}

/** The documented response to a message an opening state does not expect (see the table above). */
export function unexpectedInOpening(state: ChannelState, message: Message): Transition {
  switch (message.type) {
    case 'init':
    case 'ping':
    case 'pong':
      return stay(state);
    case 'warning':
      return stay(state, emit({ type: 'peer-warning', text: errorText(message.data) }));
    case 'error':
      if (!concerns(state, message.channelId)) return stay(state, emit({ type: 'ignored', what: 'error', reason: 'for another channel' }));
      return abort(state, `peer error: ${errorText(message.data)}`, false);
    default:
      return abort(state, `unexpected ${message.type} in ${state.type}`, true);
  }
}


/** The documented response to a message a funded state does not expect (see the table above). */
export function unexpectedInFunded(state: FundedState, message: Message, ctx: ChannelContext): Transition {
  switch (message.type) {
    case 'init':
    case 'ping':
    case 'pong':
      return stay(state);
    case 'warning':
      return stay(state, emit({ type: 'peer-warning', text: errorText(message.data) }));
    case 'error':
      if (!concerns(state, message.channelId)) return stay(state, emit({ type: 'ignored', what: 'error', reason: 'for another channel' }));
      if (state.type === 'force-closing') return stay(state);
      return forceClose(state, `peer error: ${errorText(message.data)}`, false, ctx);
    default: {
      const id = state.commitments.channelId;
      if (state.type === 'force-closing') return stay(state, sendError(id, `channel has failed: ${state.reason}`));
      const what = `unexpected ${message.type} in ${state.type}`;
      return stay(state, sendWarning(id, what), emit({ type: 'ignored', what: message.type, reason: what }));
    }
  }
}

/** Events other than messages, for opening states (the state handles its own expected events first). */
export function otherEventInOpening(state: ChannelState, event: ChannelEvent): Transition {
  switch (event.type) {
    case 'message':
      return unexpectedInOpening(state, event.message);
    case 'peer-disconnected':
      return abort(state, 'peer disconnected during channel establishment', false);
    case 'open':
    case 'close':
    case 'force-close':
    case 'update-fee':
    case 'add-htlc':
    case 'fulfill-htlc':
    case 'fail-htlc':
    case 'fail-malformed-htlc':
      return stay(state, emit({ type: 'command-rejected', command: event.type, reason: `channel is in ${state.type}` }));
    case 'funding-tx-built':
      return fundingTxNotWanted(state, event.rawTx);
    case 'funding-tx-failed':
    case 'funding-confirmed':
    case 'funding-spent':
    case 'funding-spend-reorged':
    case 'output-spent':
    case 'peer-connected':
    case 'tick':
      return stay(state);
    case 'htlc-tx-funded':
      return htlcTxNotWanted(state, event);
    default:
      return unreachable(event);
  }
}

/** A funding transaction the state does not want: release its coins, unless it is the one we hold. */
export function fundingTxNotWanted(state: ChannelState, rawTx: Uint8Array, heldTxid?: Uint8Array): Transition {
  let txid: Uint8Array;
  try {
    txid = txidOf(rawTx);
  } catch {
    return stay(state, emit({ type: 'ignored', what: 'funding-tx-built', reason: 'transaction does not decode' }));
  }
  if (heldTxid && equalBytes(txid, heldTxid)) return stay(state);
  return stay(state, { type: 'cancel-funding', txid }, emit({ type: 'ignored', what: 'funding-tx-built', reason: `not expected in ${state.type}` }));
}

/**
 * An anchors HTLC transaction (`htlc-tx-funded`) the state does not take: release the wallet
 * coins reserved for it (the same `cancel-funding` as a funding tx nobody wants).
 */
export function htlcTxNotWanted(state: ChannelState, event: HtlcTxFundedEvent, reason = `not expected in ${state.type}`): Transition {
  if (!('rawTx' in event)) return stay(state);
  let txid: Uint8Array;
  try {
    txid = txidOf(event.rawTx);
  } catch {
    return stay(state, emit({ type: 'ignored', what: 'htlc-tx-funded', reason: 'transaction does not decode' }));
  }
  return stay(state, { type: 'cancel-funding', txid }, emit({ type: 'ignored', what: 'htlc-tx-funded', reason }));
}

/** Events other than messages, for funded states. */
export function otherEventInFunded(state: FundedState, event: ChannelEvent, ctx: ChannelContext): Transition {
  switch (event.type) {
    case 'message':
      return unexpectedInFunded(state, event.message, ctx);
    case 'open':
    case 'close':
    case 'update-fee':
    case 'add-htlc':
    case 'fulfill-htlc':
    case 'fail-htlc':
    case 'fail-malformed-htlc':
      return stay(state, emit({ type: 'command-rejected', command: event.type, reason: `channel is in ${state.type}` }));
    case 'force-close':
      if (state.type === 'force-closing') return stay(state, emit({ type: 'command-rejected', command: event.type, reason: 'channel is already force-closing' }));
      return forceClose(state, 'force-closed by the user', true, ctx);
    case 'funding-tx-built':
      return fundingTxNotWanted(state, event.rawTx, state.commitments.isFunder ? state.commitments.fundingOutpoint.txid : undefined);
    case 'funding-tx-failed':
    case 'funding-confirmed':
    case 'funding-spent':
    case 'funding-spend-reorged':
    case 'output-spent':
    case 'peer-connected':
    case 'peer-disconnected':
    case 'tick':
      return stay(state);
    case 'htlc-tx-funded':
      return htlcTxNotWanted(state, event);
    default:
      return unreachable(event);
  }
}

function txidOf(rawTx: Uint8Array): Uint8Array {
  return Transaction.fromBuffer(rawTx).getHash();
}
