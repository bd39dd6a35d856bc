/**
 * Shape checks for the "open a channel" form, and what the Channels screen shows of a channel
 * (pure). The worker and the engine check again — the peer may want a bigger channel, the wallet
 * may not cover the fee — and their verdict is the one that counts; these checks only ever reject
 * what the worker would reject too (test/unit/channel-input.test.ts).
 */
import { MAX_CHANNEL_SAT, MIN_CHANNEL_SAT, type ChannelDto, type ChannelStateDto } from '../../workers/rpc/protocol.ts';
import { formatSats } from './amount.ts';
import type { Checked } from './peer-input.ts';

export { MAX_CHANNEL_SAT, MIN_CHANNEL_SAT };

/** `20000`, `20,000` or `20 000` → the digits; null when it is not grouped digits. */
function digits(text: string): string | null {
  const compact = /^\d{1,3}([, \u00a0\u202f_]\d{3})+$/.test(text) ? text.replace(/[, \u00a0\u202f_]/g, '') : text;
  return /^\d+$/.test(compact) ? compact : null;
}

function wholeNumber(text: string, unit: string, example: string): Checked<bigint> {
  if (/^-/.test(text)) return { ok: false, error: 'The amount must be positive.' };
  const d = digits(text); // grouped thousands (`100,000`) first: they are not decimals
  if (d === null && (/^\d*[.,]\d+$/.test(text) || /^\d+[.,]$/.test(text))) return { ok: false, error: `Amounts are whole ${unit}: no decimals.` };
  if (d === null || d.length > 22) return { ok: false, error: `Enter a whole number of ${unit}, e.g. ${example}.` };
  return { ok: true, value: BigInt(d) };
}

/**
 * The channel size in sats: 20,000 … 16,777,215 (BOLT 2 without large channels), and no more than
 * `spendableSat` when known (the funding fee comes on top; the worker reports a shortfall).
 */
export function checkChannelAmount(input: string, spendableSat: bigint | null): Checked<bigint> {
  const text = input.trim();
  if (text === '') return { ok: false, error: 'Enter the channel size in sats.' };
  const n = wholeNumber(text, 'sats', '100000');
  if (!n.ok) return n;
  if (n.value < MIN_CHANNEL_SAT) return { ok: false, error: `A channel must be at least ${formatSats(MIN_CHANNEL_SAT)} sats.` };
  if (n.value > MAX_CHANNEL_SAT) return { ok: false, error: `A channel can be at most ${formatSats(MAX_CHANNEL_SAT)} sats (2²⁴ − 1) with this peer protocol.` };
  if (spendableSat !== null && n.value > spendableSat) return { ok: false, error: `That is more than your on-chain balance of ${formatSats(spendableSat)} sats.` };
  return { ok: true, value: n.value };
}

/**
 * The optional push to the peer, typed in sats (empty = none), returned in msat. It is a gift:
 * it must leave us something, so it must be below the channel size when that is known.
 */
export function checkPushAmount(input: string, fundingSat: bigint | null): Checked<bigint> {
  const text = input.trim();
  if (text === '') return { ok: true, value: 0n };
  const n = wholeNumber(text, 'sats', '1000');
  if (!n.ok) return n;
  if (fundingSat !== null && n.value >= fundingSat) return { ok: false, error: `The push is a gift to the peer: keep it below the channel size (${formatSats(fundingSat)} sats).` };
  if (n.value > MAX_CHANNEL_SAT) return { ok: false, error: `The push must be less than the channel size.` };
  return { ok: true, value: n.value * 1000n };
}

/** States in which a channel holds or may soon hold funds (shown at the top). */
const OPEN_STATES: readonly ChannelStateDto[] = [
  'wait-for-funding-confirmed',
  'wait-for-channel-ready',
  'normal',
  'shutting-down',
  'negotiating-closing',
  'closing',
  'force-closing',
  'wait-for-remote-publish',
];

/** Finished: nothing on chain or off chain is left to do (shown last). */
const DONE_STATES: readonly ChannelStateDto[] = ['aborted', 'closed'];

export type StateTone = 'ok' | 'pending' | 'closing' | 'danger' | 'done';

/** A short label and a tone for a channel's state. */
export function stateLabel(state: ChannelStateDto): { label: string; tone: StateTone } {
  switch (state) {
    case 'normal':
      return { label: 'Open', tone: 'ok' };
    case 'wait-for-funding-confirmed':
      return { label: 'Waiting for confirmations', tone: 'pending' };
    case 'wait-for-channel-ready':
      return { label: 'Confirmed, waiting for the peer', tone: 'pending' };
    case 'shutting-down':
      return { label: 'Closing: settling', tone: 'closing' };
    case 'negotiating-closing':
      return { label: 'Closing: agreeing on the fee', tone: 'closing' };
    case 'closing':
      return { label: 'Closing: waiting for the closing transaction', tone: 'closing' };
    case 'force-closing':
      return { label: 'Force-closing', tone: 'danger' };
    case 'wait-for-remote-publish':
      return { label: 'Waiting for the peer to close', tone: 'danger' };
    case 'closed':
      return { label: 'Closed', tone: 'done' };
    case 'aborted':
      return { label: 'Not opened', tone: 'done' };
    default:
      return { label: 'Opening', tone: 'pending' };
  }
}

/** A cooperative close is possible from these states (the engine refuses it elsewhere). */
export function canCloseCooperatively(c: ChannelDto): boolean {
  return c.state === 'normal' && c.peer !== '' && c.frozen === null;
}

/**
 * A force close is possible once a funding transaction exists and until the channel is closing
 * on chain already. Never offered while waiting for the peer to publish (our commitment is
 * stale there and must not be broadcast).
 */
export function canForceClose(c: ChannelDto): boolean {
  return (
    (c.state === 'wait-for-funding-confirmed' ||
      c.state === 'wait-for-channel-ready' ||
      c.state === 'normal' ||
      c.state === 'shutting-down' ||
      c.state === 'negotiating-closing') &&
    c.frozen === null
  );
}

/** States whose local balance counts as Lightning balance (engine/node/glint-node.ts LIGHTNING_BALANCE_STATES). */
export const LIGHTNING_STATES: readonly ChannelStateDto[] = ['wait-for-funding-confirmed', 'wait-for-channel-ready', 'normal', 'shutting-down', 'negotiating-closing'];

export function countsAsLightning(c: ChannelDto): boolean {
  return LIGHTNING_STATES.includes(c.state);
}

/**
 * Sort order for the list: open channels, then those still being opened (every other state: before
 * the funding transaction exists), then the finished.
 */
export function channelRank(c: ChannelDto): number {
  if (OPEN_STATES.includes(c.state)) return 0;
  if (DONE_STATES.includes(c.state)) return 2;
  return 1;
}

/** The share of the capacity that is ours, 0 … 1 (for the balance bar). */
export function localShare(c: ChannelDto): number {
  const cap = BigInt(c.capacitySat) * 1000n;
  if (cap === 0n) return 0;
  const local = BigInt(c.localMsat);
  // Per-mille precision is plenty for a bar; no floats until the very end.
  const permille = (local * 1000n) / cap;
  return Number(permille > 1000n ? 1000n : permille) / 1000;
}

/** Millisatoshis as sats for display, rounded down: `90000123` → `90,000`. */
export function formatMsatAsSats(msat: bigint | string): string {
  const n = typeof msat === 'bigint' ? msat : BigInt(msat);
  return formatSats(n / 1000n);
}
