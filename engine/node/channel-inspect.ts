/**
 * Pure helpers of the ChannelManager: reading ids, peers and key indexes out of channel states,
 * the key-index record codec, and log/UI renderings of actions and events.
 */
import { Transaction } from 'bitcoinjs-lib';
import type { ChannelAction, ChannelState, ChannelUiEvent, Transition } from '../channel/index.ts';
import { bytesToHex, equalBytes } from '../lib/bytes.ts';
import { ValidationError } from '../lib/errors.ts';
import { CHANNEL_INDEX_KEY, type PlainUiEvent } from './channel-ports.ts';

/** Format version of the `node/next-channel-index` record. */
const CHANNEL_INDEX_VERSION = 1;

export const displayTxid = (internal: Uint8Array): string => bytesToHex(internal.slice().reverse());
export const txidOfRaw = (raw: Uint8Array): string => Transaction.fromBuffer(raw).getId();

/**
 * Whether the step `before` → `t` started paying to `script`: a close took it as our shutdown
 * script (BOLT 2), or a force close published a claim paying to it (BOLT 5 sweep, HTLC claim,
 * justice tx: `publishClaim` watches its output by that script).
 */
export function stepPaysTo(before: ChannelState, t: Transition, script: Uint8Array): boolean {
  const s = t.state;
  if ('localShutdownScript' in s && !('localShutdownScript' in before) && equalBytes(s.localShutdownScript, script)) return true;
  return s.type === 'force-closing' && t.actions.some((a) => a.type === 'watch-confirmations' && equalBytes(a.scriptPubKey, script));
}

/** `<block>x<tx>x<output>` (BOLT 7 short_channel_id). */
export function formatShortChannelId(scid: bigint): string {
  return `${scid >> 40n}x${(scid >> 16n) & 0xffffffn}x${scid & 0xffffn}`;
}

export function encodeIndex(next: number): Uint8Array {
  return Uint8Array.of(CHANNEL_INDEX_VERSION, (next >>> 24) & 0xff, (next >>> 16) & 0xff, (next >>> 8) & 0xff, next & 0xff);
}

export function decodeIndex(bytes: Uint8Array): number {
  if (bytes.length !== 5 || bytes[0] !== CHANNEL_INDEX_VERSION) throw new ValidationError(CHANNEL_INDEX_KEY, 'unknown format');
  return (((bytes[1] as number) << 24) >>> 0) + ((bytes[2] as number) << 16) + ((bytes[3] as number) << 8) + (bytes[4] as number);
}

/** The keychain index a state was made with (undefined for `aborted`, which keeps none). */
export function indexOf(state: ChannelState): number | undefined {
  switch (state.type) {
    case 'idle':
    case 'wait-for-open-channel':
      return state.channelIndex;
    case 'wait-for-accept-channel':
      return state.opening.channelIndex;
    case 'wait-for-funding-internal':
    case 'wait-for-funding-created':
    case 'wait-for-funding-signed':
      return state.negotiated.channelIndex;
    default:
      // Funded states (and any later ones that keep commitments); `aborted`/`closed` keep no index.
      return 'commitments' in state ? state.commitments.channelIndex : undefined;
  }
}

export function peerOf(state: ChannelState): Uint8Array | undefined {
  switch (state.type) {
    case 'idle':
    case 'aborted':
      return undefined;
    case 'closed':
      return state.opened?.peerNodeId;
    case 'wait-for-open-channel':
      return state.peerNodeId;
    case 'wait-for-accept-channel':
      return state.opening.peerNodeId;
    case 'wait-for-funding-internal':
    case 'wait-for-funding-created':
    case 'wait-for-funding-signed':
      return state.negotiated.peerNodeId;
    default:
      return 'commitments' in state ? state.commitments.peerNodeId : undefined;
  }
}

/** The ids a peer may address this state by. */
export function idsOf(state: ChannelState): { temp?: Uint8Array; id?: Uint8Array } {
  switch (state.type) {
    case 'idle':
    case 'wait-for-open-channel':
      return {};
    case 'wait-for-accept-channel':
      return { temp: state.opening.temporaryChannelId };
    case 'wait-for-funding-internal':
    case 'wait-for-funding-created':
      return { temp: state.negotiated.temporaryChannelId };
    case 'wait-for-funding-signed':
      return { temp: state.negotiated.temporaryChannelId, id: state.channelId };
    default:
      if ('commitments' in state) return { id: state.commitments.channelId };
      // aborted, closed: the id they keep, if any.
      return 'channelId' in state && state.channelId instanceof Uint8Array ? { id: state.channelId } : {};
  }
}

export const OPENING: ReadonlySet<string> = new Set([
  'idle',
  'wait-for-open-channel',
  'wait-for-accept-channel',
  'wait-for-funding-internal',
  'wait-for-funding-created',
  'wait-for-funding-signed',
]);

/** Establishment states: nothing on chain, a peer error or disconnection only costs the attempt. */
export function isOpening(state: ChannelState): boolean {
  return OPENING.has(state.type);
}

/** Terminal states that take no more input. */
export function isTerminal(state: ChannelState): boolean {
  return state.type === 'aborted' || (state.type as string) === 'closed';
}

export function plainEvent(e: ChannelUiEvent): PlainUiEvent {
  const out: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(e)) out[k] = v instanceof Uint8Array ? bytesToHex(v) : v;
  return out as PlainUiEvent;
}

export function describeAction(a: ChannelAction, peer: string): string {
  switch (a.type) {
    case 'send':
      return `send ${a.message.type} to ${peer.slice(0, 16)}`;
    case 'broadcast':
      return `broadcast ${a.kind} ${displayTxid(a.txid)}`;
    case 'cancel-funding':
      return `cancel funding ${displayTxid(a.txid)}`;
    case 'watch-confirmations':
      return `watch ${displayTxid(a.txid)} to depth ${a.depth}`;
    case 'request-funding':
      return `request funding of ${a.valueSat} sat`;
    case 'watch-spend':
      return `watch spend of ${displayTxid(a.txid)}:${a.outputIndex}`;
    case 'request-cpfp':
      return `request CPFP of ${displayTxid(a.parentTxid)} to ${a.targetFeeratePerKw} sat/kw`;
    case 'request-htlc-tx-fee':
      return `request the fee of our ${a.kind} tx for output ${a.outputIndex} (deadline ${a.deadlineBlocks} blocks)`;
    case 'request-htlc-tx-cpfp':
      return `CPFP our HTLC tx for output ${a.outputIndex} from its change to ${a.targetFeeratePerKw} sat/kw`;
    case 'request-claim-bump':
      return `bump ${a.kind} to ${displayTxid(a.replacementTxid)} (${a.targetFeeratePerKw} sat/kw; CPFP if refused)`;
    case 'persist-revoked':
      return `persist revoked commitment ${a.commitmentNumber} of ${bytesToHex(a.channelId)}`;
    case 'watch-output-spend':
      return `watch spend of output ${displayTxid(a.txid)}:${a.outputIndex}`;
    case 'emit':
      return `emit ${a.event.type}`;
    case 'close-connection':
      return `close connection to ${peer.slice(0, 16)}`;
    case 'persist':
      return `persist ${bytesToHex(a.channelId)}`;
    default:
      return 'unknown action';
  }
}

