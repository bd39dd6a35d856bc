/**
 * BOLT 2 establishment validation: every "MUST fail the channel" of open_channel, accept_channel,
 * funding_created and funding_signed, and our configurable limits. A failure is an `error` to the
 * peer (on the temporary channel id), an `aborted` state with the reason, nothing persisted and
 * nothing broadcast; the peer, on that error, aborts too (and a funder releases its wallet coins).
 */
import { describe, expect, it } from 'vitest';
import { Transaction } from 'bitcoinjs-lib';
import { concatBytes, equalBytes } from '../../../engine/lib/bytes.ts';
import { sha256 } from '../../../engine/crypto/hash.ts';
import { chainHash } from '../../../engine/wire/chains.ts';
import { errorText } from '../../../engine/wire/messages/setup.ts';
import { channelIdFromFunding, type AcceptChannelMessage, type OpenChannelMessage } from '../../../engine/wire/messages/channel.ts';
import type { Message } from '../../../engine/wire/message.ts';
import { FeatureVector } from '../../../engine/wire/features.ts';
import { buildLocalCommitment, buildRemoteCommitment, initialSpec, mirrorSpec, signRemoteCommitment } from '../../../engine/channel/commitments.ts';
import { DEFAULT_CHANNEL_CONFIG, type AbortedState, type ChannelState, type WaitForFundingConfirmedState } from '../../../engine/channel/types.ts';
import { ChannelPair, fakeFundingTx, type SideName } from '../../harness/channel-pair.ts';

/** 0x02 ‖ x=0: no curve point has x = 0. */
const OFF_CURVE = concatBytes(Uint8Array.of(2), new Uint8Array(32));
const CURVE_N = 0xfffffffffffffffffffffffffffffffebaaedce6af48a03bbfd25e8cd0364141n;

/** `side` failed with `reason`, told the peer, kept nothing; the peer aborted on the error. */
function expectFailed(pair: ChannelPair, side: SideName, reason: RegExp): void {
  const s = pair.side(side);
  expect(s.state.type).toBe('aborted');
  expect((s.state as AbortedState).reason).toMatch(reason);
  const err = s.sent.filter((m) => m.type === 'error');
  expect(err).toHaveLength(1);
  expect(errorText(err[0] as Message & { type: 'error' })).toMatch(reason);
  for (const x of [pair.a, pair.b]) {
    expect(x.broadcasts).toHaveLength(0);
    expect(x.persisted).toBeUndefined();
  }
  const other = pair.other(side);
  expect(other.state.type).toBe('aborted');
  expect(other.sent.filter((m) => m.type === 'error')).toHaveLength(0);
  expect((other.state as AbortedState).reason).toMatch(/^peer error: /);
}

function mutate<T extends Message['type']>(pair: ChannelPair, type: T, f: (m: Extract<Message, { type: T }>) => Message): void {
  pair.intercept = (_from, m) => (m.type === type ? f(m as Extract<Message, { type: T }>) : m);
}

describe('open_channel checks (the fundee fails the channel)', () => {
  const cases: [string, (m: OpenChannelMessage) => OpenChannelMessage, RegExp][] = [
    ['unknown chain_hash', (m) => ({ ...m, chainHash: chainHash('testnet') }), /chain_hash/],
    ['funding below our minimum', (m) => ({ ...m, fundingSatoshis: 19_999n, pushMsat: 0n }), /funding_satoshis 19999 is below/],
    ['funding of 2^24 without large channels', (m) => ({ ...m, fundingSatoshis: 2n ** 24n }), /option_support_large_channel/],
    ['push_msat above funding × 1000', (m) => ({ ...m, pushMsat: m.fundingSatoshis * 1000n + 1n }), /push_msat/],
    ['to_self_delay above 2016', (m) => ({ ...m, toSelfDelay: 2017 }), /to_self_delay 2017/],
    ['dust_limit below 354', (m) => ({ ...m, dustLimitSatoshis: 353n }), /dust_limit_satoshis 353 is below 354/],
    ['dust_limit above our maximum', (m) => ({ ...m, dustLimitSatoshis: 547n, channelReserveSatoshis: 20_000n }), /dust_limit_satoshis 547 is above/],
    ['dust_limit above its own reserve', (m) => ({ ...m, dustLimitSatoshis: 546n, channelReserveSatoshis: 545n }), /greater than its channel_reserve_satoshis/],
    ['max_accepted_htlcs above 483', (m) => ({ ...m, maxAcceptedHtlcs: 484 }), /max_accepted_htlcs 484 is above 483/],
    ['max_accepted_htlcs of 0', (m) => ({ ...m, maxAcceptedHtlcs: 0 }), /max_accepted_htlcs 0 is below/],
    ['reserve above 20% of the funding', (m) => ({ ...m, channelReserveSatoshis: 200_001n }), /channel_reserve_satoshis 200001 is above/],
    ['htlc_minimum_msat too large', (m) => ({ ...m, htlcMinimumMsat: 1_000_001n }), /htlc_minimum_msat/],
    ['max_htlc_value_in_flight below 1%', (m) => ({ ...m, maxHtlcValueInFlightMsat: 9_999_999n }), /max_htlc_value_in_flight_msat/],
    ['feerate far above our estimate', (m) => ({ ...m, feeratePerKw: 25_001 }), /feerate_per_kw 25001 is outside/],
    ['no channel_type', (m) => ({ ...m, channelType: undefined }) as OpenChannelMessage, /no channel_type/],
    ['channel_type with scid_alias', (m) => ({ ...m, channelType: FeatureVector.fromBits([12, 22, 46]).toBytes() }), /option_scid_alias/],
    ['channel_type legacy (empty)', (m) => ({ ...m, channelType: new Uint8Array(0) }), /not a channel type we support/],
    ['channel_type with an odd bit', (m) => ({ ...m, channelType: FeatureVector.fromBits([13]).toBytes() }), /not a channel type we support/],
    ['invalid funding_pubkey', (m) => ({ ...m, fundingPubkey: OFF_CURVE }), /open_channel.funding_pubkey is not a valid/],
    ['invalid revocation_basepoint', (m) => ({ ...m, revocationBasepoint: OFF_CURVE }), /revocation_basepoint is not a valid/],
    ['invalid htlc_basepoint', (m) => ({ ...m, htlcBasepoint: new Uint8Array(33) }), /htlc_basepoint is not a valid/],
    ['invalid first_per_commitment_point', (m) => ({ ...m, firstPerCommitmentPoint: OFF_CURVE }), /first_per_commitment_point is not a valid/],
    ['invalid upfront_shutdown_script', (m) => ({ ...m, upfrontShutdownScript: Uint8Array.of(0x6a, 0x01, 0x00) }), /upfront_shutdown_script/],
  ];
  it.each(cases)('%s', (_name, f, reason) => {
    const pair = new ChannelPair();
    mutate(pair, 'open_channel', f);
    pair.open({ channelType: 'anchors_zero_fee_htlc_tx' });
    expectFailed(pair, 'B', reason);
    const err = pair.sentOf('B', 'error')[0]!;
    expect(equalBytes(err.channelId, pair.sentOf('A', 'open_channel')[0]!.temporaryChannelId)).toBe(true);
  });

  it('static_remotekey: a feerate below half our estimate fails; anchors accept down to 253', () => {
    const low = new ChannelPair();
    low.b.feeratePerKw = 5000;
    low.open({ channelType: 'static_remotekey', feeratePerKw: 2499 });
    expectFailed(low, 'B', /feerate_per_kw 2499 is outside \[2500, 50000\]/);
    const anchors = new ChannelPair();
    anchors.b.feeratePerKw = 5000;
    anchors.open({ channelType: 'anchors_zero_fee_htlc_tx', feeratePerKw: 253 });
    expect(anchors.b.state.type).toBe('wait-for-funding-confirmed');
    const tooLow = new ChannelPair();
    mutate(tooLow, 'open_channel', (m) => ({ ...m, feeratePerKw: 252 }));
    tooLow.open({ channelType: 'anchors_zero_fee_htlc_tx' });
    expectFailed(tooLow, 'B', /feerate_per_kw 252 is outside/);
  });

  it('a channel type we do not accept by config', () => {
    const pair = new ChannelPair({ configB: { ...DEFAULT_CHANNEL_CONFIG, channelTypes: ['anchors_zero_fee_htlc_tx'] } });
    pair.open({ channelType: 'static_remotekey' });
    expectFailed(pair, 'B', /static_remotekey is not one we accept/);
  });

  it('the funder cannot pay the commitment fee', () => {
    const pair = new ChannelPair();
    pair.b.feeratePerKw = 100_000;
    mutate(pair, 'open_channel', (m) => ({ ...m, fundingSatoshis: 100_000n, pushMsat: 90_000_000n, feeratePerKw: 100_000, channelReserveSatoshis: 1000n, maxHtlcValueInFlightMsat: 100_000_000n }));
    pair.open();
    expectFailed(pair, 'B', /cannot pay the initial commitment fee/);
  });

  it('both initial balances at or below their reserves', () => {
    const pair = new ChannelPair({ configB: { ...DEFAULT_CHANNEL_CONFIG, channelReservePpm: 990_000 } });
    pair.open({ fundingSat: 30_000n });
    expectFailed(pair, 'B', /both initial balances are at or below their reserves/);
  });

  it('lowers our dust limit to the funder reserve, and fails when that is below 354', () => {
    const ok = new ChannelPair();
    mutate(ok, 'open_channel', (m) => ({ ...m, fundingSatoshis: 40_000n, channelReserveSatoshis: 400n, dustLimitSatoshis: 400n, maxHtlcValueInFlightMsat: 40_000_000n }));
    ok.open({ fundingSat: 40_000n });
    expect(ok.sentOf('B', 'accept_channel')[0]!.dustLimitSatoshis).toBe(400n);
    // A is not the node that sent that open_channel, so it fails the accept; B's reply is what matters here.
    const bad = new ChannelPair();
    mutate(bad, 'open_channel', (m) => ({ ...m, channelReserveSatoshis: 353n, dustLimitSatoshis: 353n }));
    bad.open();
    expectFailed(bad, 'B', /dust_limit_satoshis 353 is below 354/);
  });
});

describe('accept_channel checks (the funder fails the channel)', () => {
  const cases: [string, (m: AcceptChannelMessage) => AcceptChannelMessage, RegExp][] = [
    ['temporary_channel_id mismatch', (m) => ({ ...m, temporaryChannelId: new Uint8Array(32).fill(9) }), /temporary_channel_id does not match/],
    ['minimum_depth too large', (m) => ({ ...m, minimumDepth: 145 }), /minimum_depth 145 is above/],
    ['to_self_delay above 2016', (m) => ({ ...m, toSelfDelay: 5000 }), /to_self_delay 5000/],
    ['dust_limit below 354', (m) => ({ ...m, dustLimitSatoshis: 300n }), /dust_limit_satoshis 300 is below 354/],
    ['reserve below our dust limit', (m) => ({ ...m, channelReserveSatoshis: 545n }), /less than our dust_limit_satoshis 546/],
    ['reserve above 20%', (m) => ({ ...m, channelReserveSatoshis: 8001n }), /channel_reserve_satoshis 8001 is above/],
    ['max_accepted_htlcs above 483', (m) => ({ ...m, maxAcceptedHtlcs: 1000 }), /max_accepted_htlcs 1000 is above 483/],
    ['no channel_type', (m) => ({ ...m, channelType: undefined }) as AcceptChannelMessage, /no channel_type/],
    ['a different channel_type', (m) => ({ ...m, channelType: FeatureVector.fromBits([12]).toBytes() }), /does not match the anchors_zero_fee_htlc_tx/],
    ['invalid payment_basepoint', (m) => ({ ...m, paymentBasepoint: OFF_CURVE }), /accept_channel.payment_basepoint is not a valid/],
    ['invalid delayed_payment_basepoint', (m) => ({ ...m, delayedPaymentBasepoint: OFF_CURVE }), /delayed_payment_basepoint is not a valid/],
  ];
  it.each(cases)('%s', (_name, f, reason) => {
    // 40 000 sat: our reserve is max(1%, dust) = 546, and 20% is 8000.
    const pair = new ChannelPair();
    mutate(pair, 'accept_channel', f);
    pair.open({ fundingSat: 40_000n, channelType: 'anchors_zero_fee_htlc_tx' });
    expectFailed(pair, 'A', reason);
    expect(pair.pendingFunding).toHaveLength(0);
  });
});

describe('accept_channel dust limit above the reserve we asked', () => {
  it('fails the channel', () => {
    // Our dust limit 400 → our reserve on 40 000 sat is max(1%, 400) = 400; the fundee answers with dust 546.
    const pair = new ChannelPair({ configA: { ...DEFAULT_CHANNEL_CONFIG, dustLimitSat: 400n } });
    mutate(pair, 'accept_channel', (m) => ({ ...m, dustLimitSatoshis: 546n }));
    pair.open({ fundingSat: 40_000n });
    expectFailed(pair, 'A', /dust_limit_satoshis 546 is greater than our channel_reserve_satoshis 400/);
  });
});

describe('the open command (rejected to the UI, nothing sent)', () => {
  const cases: [string, Record<string, unknown>, RegExp][] = [
    ['funding below the minimum', { fundingSat: 10_000n }, /fundingSat must be from 20000/],
    ['funding of 2^24', { fundingSat: 2n ** 24n }, /fundingSat must be/],
    ['push above funding', { fundingSat: 100_000n, pushMsat: 100_000_001n }, /pushMsat/],
    ['feerate below 253', { feeratePerKw: 252 }, /feeratePerKw/],
    ['a fee the funder cannot pay', { fundingSat: 20_000n, pushMsat: 19_000_000n, feeratePerKw: 5000 }, /cannot pay the initial commitment fee/],
    ['an unknown channel type', { channelType: 'legacy' }, /channelType legacy/],
    ['a bad peer node id', { peerNodeId: new Uint8Array(33) }, /peerNodeId/],
  ];
  it.each(cases)('%s', (_name, cmd, reason) => {
    const pair = new ChannelPair();
    pair.open(cmd);
    expect(pair.a.state.type).toBe('idle');
    expect(pair.a.sent).toHaveLength(0);
    const ev = pair.a.batches[0]!.actions.find((a) => a.type === 'emit');
    expect(ev).toMatchObject({ event: { type: 'command-rejected', command: 'open' } });
    expect((ev as { event: { reason: string } }).event.reason).toMatch(reason);
  });
});

describe('the wallet funding transaction (the funder checks it before signing)', () => {
  const cases: [string, Parameters<typeof fakeFundingTx>[1] | 'fail', RegExp][] = [
    ['wrong amount', { valueSat: 999_999n }, /pays 999999 sat, not 1000000/],
    ['wrong script', { scriptPubKey: concatBytes(Uint8Array.of(0, 0x20), new Uint8Array(32)) }, /does not pay the funding script/],
    ['a non-segwit input', { segwit: false }, /non-segwit input/],
    ['the wallet fails', 'fail', /could not fund the channel: not enough funds/],
  ];
  it.each(cases)('%s', (_name, opts, reason) => {
    const pair = new ChannelPair({ fundingBuilder: (req) => (opts === 'fail' ? { fail: 'not enough funds' } : fakeFundingTx(req, opts)) });
    pair.open();
    expectFailed(pair, 'A', reason);
    const cancels = pair.a.batches.flatMap((b) => b.actions).filter((a) => a.type === 'cancel-funding');
    expect(cancels).toHaveLength(opts === 'fail' ? 0 : 1);
  });

  it('an output index the transaction does not have', () => {
    const pair = new ChannelPair({ fundingBuilder: (req) => ({ ...fakeFundingTx(req), outputIndex: 5 }) });
    pair.open();
    expectFailed(pair, 'A', /has no output 5/);
  });
});

describe('commitment signatures', () => {
  it('funding_created with a corrupted signature: the fundee fails, the funder releases its coins', () => {
    const pair = new ChannelPair();
    mutate(pair, 'funding_created', (m) => ({ ...m, signature: m.signature.map((b, i) => (i === 10 ? b ^ 1 : b)) }));
    pair.open();
    expectFailed(pair, 'B', /funding_created.signature is not a valid/);
    const cancel = pair.a.batches.flatMap((b) => b.actions).filter((a) => a.type === 'cancel-funding');
    expect(cancel).toHaveLength(1);
  });

  it('funding_created with a high-S signature (valid ECDSA, non-standard) is refused', () => {
    const pair = new ChannelPair();
    mutate(pair, 'funding_created', (m) => {
      let s = 0n;
      for (const b of m.signature.subarray(32)) s = (s << 8n) | BigInt(b);
      const high = CURVE_N - s;
      const sig = m.signature.slice();
      for (let i = 63; i >= 32; i--) sig[i] = Number((high >> BigInt((63 - i) * 8)) & 0xffn);
      return { ...m, signature: sig };
    });
    pair.open();
    expectFailed(pair, 'B', /low-S/);
  });

  it('funding_signed with a corrupted signature: no broadcast, coins released', () => {
    const pair = new ChannelPair();
    mutate(pair, 'funding_signed', (m) => ({ ...m, signature: m.signature.map((b, i) => (i === 40 ? b ^ 0x80 : b)) }));
    pair.open();
    // B did persist (it sent funding_signed); A never broadcasts.
    expect(pair.a.state.type).toBe('aborted');
    expect((pair.a.state as AbortedState).reason).toMatch(/funding_signed.signature is not a valid/);
    expect(pair.a.broadcasts).toHaveLength(0);
    expect(pair.a.persisted).toBeUndefined();
    expect(pair.a.batches.flatMap((b) => b.actions).filter((a) => a.type === 'cancel-funding')).toHaveLength(1);
    // B, the fundee, fails the channel on A's error without publishing anything: the funding never existed.
    expect(pair.b.state.type).toBe('wait-for-funding-confirmed');
    expect((pair.b.state as WaitForFundingConfirmedState).failed).toMatch(/peer error/);
    expect(pair.b.broadcasts).toHaveLength(0);
  });

  it('funding_signed signing a commitment over another funding transaction', () => {
    const pair = new ChannelPair();
    pair.intercept = (_from, m) => {
      if (m.type !== 'funding_signed') return m;
      const b = pair.b.state as WaitForFundingConfirmedState;
      const c = { ...b.commitments, fundingOutpoint: { txid: sha256(Uint8Array.of(1, 2, 3)), index: 1 } };
      const keysB = pair.b.keychain.channelKeys(7);
      const other = buildRemoteCommitment(c, 0, c.remoteCommit.spec, c.remoteCommit.remotePerCommitmentPoint);
      return { ...m, signature: signRemoteCommitment(other, keysB) };
    };
    pair.open();
    expect(pair.a.state.type).toBe('aborted');
    expect((pair.a.state as AbortedState).reason).toMatch(/funding_signed.signature is not a valid/);
    expect(pair.a.broadcasts).toHaveLength(0);
  });

  it('funding_signed for another channel_id (another funding txid)', () => {
    const pair = new ChannelPair();
    mutate(pair, 'funding_signed', (m) => ({ ...m, channelId: channelIdFromFunding(sha256(Uint8Array.of(4)), 1) }));
    pair.open();
    expect(pair.a.state.type).toBe('aborted');
    expect((pair.a.state as AbortedState).reason).toMatch(/funding_signed.channel_id [0-9a-f]+ is not [0-9a-f]+, the id of our funding transaction/);
    expect(pair.a.broadcasts).toHaveLength(0);
  });

  it('funding_signed with the fundee signing its own commitment instead of ours', () => {
    const pair = new ChannelPair();
    pair.intercept = (_from, m) => {
      if (m.type !== 'funding_signed') return m;
      const b = (pair.b.state as WaitForFundingConfirmedState).commitments;
      const keysB = pair.b.keychain.channelKeys(7);
      const own = buildLocalCommitment(b, keysB, 0, b.localCommit.spec);
      return { ...m, signature: signRemoteCommitment(own, keysB) };
    };
    pair.open();
    expect(pair.a.state.type).toBe('aborted');
    expect(pair.a.broadcasts).toHaveLength(0);
  });

  it('the funder checks the signature against commitment #0 with the negotiated balances', () => {
    // Sanity of the builders the tests above lean on: B's funding_signed signs A's local commitment.
    const pair = new ChannelPair();
    pair.open();
    const a = (pair.a.state as WaitForFundingConfirmedState).commitments;
    expect(a.localCommit.spec).toEqual(initialSpec({ fundingSat: 1_000_000n, pushMsat: 0n, feeratePerKw: 2500 }, true));
    expect(a.remoteCommit.spec).toEqual(mirrorSpec(a.localCommit.spec));
  });
});

describe('funding confirmation', () => {
  it('a confirmed funding output that does not pay what was agreed: error, forgotten (persisted)', () => {
    const pair = new ChannelPair();
    pair.open();
    const b = pair.b.state as WaitForFundingConfirmedState;
    // Pretend B agreed to 1 sat more than the transaction pays.
    pair.b.state = { ...b, commitments: { ...b.commitments, fundingSat: b.commitments.fundingSat + 1n, localCommit: { ...b.commitments.localCommit, spec: { ...b.commitments.localCommit.spec, toLocalMsat: 1000n } } } };
    pair.blockHeight += 5;
    pair.confirm(6, { to: 'B' });
    const after = pair.b.state as ChannelState;
    expect(after.type).toBe('aborted');
    expect((after as AbortedState).reason).toMatch(/pays 1000000 sat, not funding_satoshis 1000001/);
    expect(pair.b.sent.at(-1)!.type).toBe('error');
    expect(pair.b.sent.some((m) => m.type === 'channel_ready')).toBe(false);
  });

  it('another transaction reported as confirmed is ignored', () => {
    const pair = new ChannelPair();
    pair.open();
    const other = fakeFundingTx({ type: 'request-funding', scriptPubKey: Uint8Array.of(0, 0x20, ...new Uint8Array(32)), valueSat: 5n });
    pair.confirm(6, { rawTx: other.rawTx });
    expect(pair.a.state.type).toBe('wait-for-funding-confirmed');
    expect(pair.b.state.type).toBe('wait-for-funding-confirmed');
    expect(Transaction.fromBuffer(other.rawTx).getHash()).not.toEqual(Transaction.fromBuffer(pair.fundingTx()).getHash());
  });

  it('the fundee forgets an unconfirmed channel after 2016 blocks; the funder never does', () => {
    const pair = new ChannelPair();
    pair.open();
    pair.blockHeight += 2015;
    pair.step('B', { type: 'tick' });
    expect(pair.b.state.type).toBe('wait-for-funding-confirmed');
    pair.blockHeight += 1;
    const t = pair.step('B', { type: 'tick' });
    expect(pair.b.state.type).toBe('aborted');
    expect(t.actions[0]!.type).toBe('persist');
    pair.step('A', { type: 'tick' });
    expect(pair.a.state.type).toBe('wait-for-funding-confirmed');
  });
});
