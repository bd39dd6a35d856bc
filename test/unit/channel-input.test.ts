// The Channels screen's pure parts (app/lib/channel-input.ts): the open form's amount and push
// checks name the problem and never reject what the worker's validator accepts; the state labels,
// close rules, sort order and balance share. Also the hash route of the new tab.
import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import {
  MAX_CHANNEL_SAT,
  MIN_CHANNEL_SAT,
  canCloseCooperatively,
  canForceClose,
  channelRank,
  checkChannelAmount,
  checkPushAmount,
  formatMsatAsSats,
  localShare,
  stateLabel,
} from '../../app/lib/channel-input.ts';
import { LIGHTNING_STATES } from '../../app/lib/channel-input.ts';
import { parseRoute, routeHref } from '../../app/lib/route.ts';
import { LIGHTNING_BALANCE_STATES } from '../../engine/index.ts';
import { CHANNEL_STATES, parseClientMessage, type ChannelDto } from '../../workers/rpc/protocol.ts';

const ID = '0279be667ef9dcbbac55a06295ce870b07029bfcdb2dce28d959f2815b16f81798';
const channel = (patch: Partial<ChannelDto> = {}): ChannelDto => ({
  localId: 0,
  channelId: 'c0'.repeat(32),
  peer: ID,
  state: 'normal',
  type: 'static_remotekey',
  isFunder: true,
  capacitySat: '100000',
  localMsat: '75000000',
  remoteMsat: '25000000',
  usable: true,
  shortChannelId: '101x1x0',
  fundingTxid: 'ab'.repeat(32),
  reason: null,
  frozen: null,
  outputs: [],
  ...patch,
});

const err = (r: { ok: true } | { ok: false; error: string }): string => (r.ok ? '' : r.error);

describe('open-channel form: the channel size', () => {
  it('accepts whole sats within 20,000 … 16,777,215, grouped or not', () => {
    expect(checkChannelAmount('20000', null)).toEqual({ ok: true, value: 20_000n });
    expect(checkChannelAmount(' 100,000 ', null)).toEqual({ ok: true, value: 100_000n });
    expect(checkChannelAmount('1 000 000', null)).toEqual({ ok: true, value: 1_000_000n });
    expect(checkChannelAmount('16777215', null)).toEqual({ ok: true, value: MAX_CHANNEL_SAT });
    expect(checkChannelAmount('50000', 50_000n)).toEqual({ ok: true, value: 50_000n });
  });

  it('names what is wrong', () => {
    expect(err(checkChannelAmount('', null))).toBe('Enter the channel size in sats.');
    expect(err(checkChannelAmount('19999', null))).toBe('A channel must be at least 20,000 sats.');
    expect(err(checkChannelAmount('16777216', null))).toContain('at most 16,777,215 sats');
    expect(err(checkChannelAmount('0.5', null))).toContain('no decimals');
    expect(err(checkChannelAmount('-20000', null))).toBe('The amount must be positive.');
    expect(err(checkChannelAmount('20k', null))).toContain('whole number of sats');
    expect(err(checkChannelAmount('1e6', null))).toContain('whole number of sats');
    expect(err(checkChannelAmount('60000', 50_000n))).toBe('That is more than your on-chain balance of 50,000 sats.');
    expect(err(checkChannelAmount('9'.repeat(40), null))).toContain('whole number');
  });

  it('never rejects what the worker accepts', () => {
    const texts = fc.oneof(
      fc.bigInt({ min: 0n, max: MAX_CHANNEL_SAT * 2n }).map(String),
      fc.bigInt({ min: MIN_CHANNEL_SAT, max: MAX_CHANNEL_SAT }).map(String),
      fc.constantFrom('', '0', '007', '20 000', '1,000,000', '1.5', '-1', 'abc', '２００００'),
      fc.string({ maxLength: 12 }),
    );
    fc.assert(
      fc.property(texts, (text) => {
        const r = checkChannelAmount(text, null);
        if (r.ok) {
          // What the form sends, the worker takes.
          const m = parseClientMessage({ kind: 'request', id: 1, method: 'channels.open', params: { uri: 'x', fundingSat: r.value.toString() } });
          expect(m).toMatchObject({ params: { fundingSat: r.value.toString() } });
        } else if (/^(0|[1-9][0-9]*)$/.test(text)) {
          // The worker would refuse it too.
          expect(() => parseClientMessage({ kind: 'request', id: 1, method: 'channels.open', params: { uri: 'x', fundingSat: text } }), text).toThrow();
        }
      }),
      { numRuns: 2000 },
    );
  });
});

describe('open-channel form: the push', () => {
  it('is optional, typed in sats, returned in msat, and stays below the channel size', () => {
    expect(checkPushAmount('', 100_000n)).toEqual({ ok: true, value: 0n });
    expect(checkPushAmount('  ', null)).toEqual({ ok: true, value: 0n });
    expect(checkPushAmount('1,000', 100_000n)).toEqual({ ok: true, value: 1_000_000n });
    expect(checkPushAmount('99999', 100_000n)).toEqual({ ok: true, value: 99_999_000n });
    expect(err(checkPushAmount('100000', 100_000n))).toContain('keep it below the channel size (100,000 sats)');
    expect(err(checkPushAmount('1.5', 100_000n))).toContain('no decimals');
    expect(err(checkPushAmount('-1', 100_000n))).toBe('The amount must be positive.');
    expect(err(checkPushAmount('lots', null))).toContain('whole number');
  });

  it('what it accepts, the worker takes with that channel size', () => {
    fc.assert(
      fc.property(fc.bigInt({ min: MIN_CHANNEL_SAT, max: MAX_CHANNEL_SAT }), fc.bigInt({ min: 0n, max: MAX_CHANNEL_SAT }), (funding, push) => {
        const r = checkPushAmount(push.toString(), funding);
        if (!r.ok) return;
        const m = parseClientMessage({ kind: 'request', id: 1, method: 'channels.open', params: { uri: 'x', fundingSat: funding.toString(), pushMsat: r.value.toString() } });
        expect(m).toMatchObject({ params: { pushMsat: (push * 1000n).toString() } });
      }),
      { numRuns: 1000 },
    );
  });
});

describe('channel list helpers', () => {
  it('labels every state', () => {
    for (const s of CHANNEL_STATES) expect(stateLabel(s).label.length, s).toBeGreaterThan(0);
    expect(stateLabel('normal')).toEqual({ label: 'Open', tone: 'ok' });
    expect(stateLabel('wait-for-accept-channel').label).toBe('Opening');
    expect(stateLabel('negotiating-closing').tone).toBe('closing');
    expect(stateLabel('force-closing').tone).toBe('danger');
    expect(stateLabel('closed').tone).toBe('done');
  });

  it('offers a cooperative close only on an open channel with a known peer, force only before the chain has a close', () => {
    expect(canCloseCooperatively(channel())).toBe(true);
    expect(canCloseCooperatively(channel({ usable: false }))).toBe(true); // the node reconnects and negotiates
    expect(canCloseCooperatively(channel({ state: 'wait-for-funding-confirmed' }))).toBe(false);
    expect(canCloseCooperatively(channel({ peer: '' }))).toBe(false);
    expect(canCloseCooperatively(channel({ frozen: 'store failed' }))).toBe(false);
    expect(canForceClose(channel())).toBe(true);
    expect(canForceClose(channel({ state: 'negotiating-closing' }))).toBe(true);
    expect(canForceClose(channel({ state: 'closing' }))).toBe(false);
    expect(canForceClose(channel({ state: 'force-closing' }))).toBe(false);
    // Never while the peer holds a newer state: our commitment is revoked there.
    expect(canForceClose(channel({ state: 'wait-for-remote-publish' }))).toBe(false);
    expect(canForceClose(channel({ state: 'wait-for-accept-channel' }))).toBe(false);
    expect(canForceClose(channel({ frozen: 'x' }))).toBe(false);
  });

  it('counts the same channels as Lightning balance as the engine', () => {
    expect([...LIGHTNING_STATES].sort()).toEqual([...LIGHTNING_BALANCE_STATES].sort());
  });

  it('sorts open before opening before finished', () => {
    expect(channelRank(channel())).toBe(0);
    expect(channelRank(channel({ state: 'closing' }))).toBe(0);
    expect(channelRank(channel({ state: 'wait-for-funding-signed' }))).toBe(1);
    expect(channelRank(channel({ state: 'closed' }))).toBe(2);
    expect(channelRank(channel({ state: 'aborted' }))).toBe(2);
  });

  it('ranks exactly the states labelled "Opening" as still being opened', () => {
    for (const state of CHANNEL_STATES) expect(channelRank(channel({ state })) === 1, state).toBe(stateLabel(state).label === 'Opening');
  });

  it('computes the local share of the bar without floats until the end', () => {
    expect(localShare(channel())).toBe(0.75);
    expect(localShare(channel({ localMsat: '100000000', remoteMsat: '0' }))).toBe(1);
    expect(localShare(channel({ localMsat: '0', remoteMsat: '100000000' }))).toBe(0);
    expect(localShare(channel({ capacitySat: '0', localMsat: '0', remoteMsat: '0' }))).toBe(0);
    expect(localShare(channel({ capacitySat: '16777215', localMsat: '16777214999', remoteMsat: '1' }))).toBe(0.999);
  });

  it('shows msat as whole sats, rounded down', () => {
    expect(formatMsatAsSats('90000123')).toBe('90,000');
    expect(formatMsatAsSats(999n)).toBe('0');
  });
});

describe('routes', () => {
  it('has a Channels tab', () => {
    expect(parseRoute('#/channels')).toEqual({ tab: 'channels', view: 'home' });
    expect(parseRoute('#/channels/x')).toEqual({ tab: 'channels', view: 'home' });
    expect(routeHref('channels')).toBe('#/channels');
  });
});
