// The worker's channel host (workers/channel-host.ts) against a fake node: ChannelInfo → DTO (every
// DTO passes the protocol's own validator), channel events → `channel.changed` + notes, peer errors
// land on the channel they name (or on every live channel of that peer), open connects first and
// puts each failure on the field it is about, close resolves the id. Also the wallet host's hooks
// (workers/wallet-host.ts) and the node runner (workers/node-runner.ts) that host the node.
import { describe, expect, it } from 'vitest';
import { ChannelHost, channelDto, noteFor, type ChannelEngine, type EngineChannel } from '../../workers/channel-host.ts';
import { NodeRunner, type RunningNode } from '../../workers/node-runner.ts';
import { RpcValidationError, parseChannelDto, parseNodeEvent, type NodeEvent } from '../../workers/rpc/protocol.ts';
import { ValidationError, silentLogger, type PeerInfo } from '../../engine/index.ts';
import type { WalletEngine } from '../../workers/wallet-host.ts';

const PEER = '0279be667ef9dcbbac55a06295ce870b07029bfcdb2dce28d959f2815b16f81798';
const OTHER = '02c6047f9441ed7d6d3045406e95c07cd85c778e4b8cef3ca7abac09b95c709ee5';
const CID = 'c0'.repeat(32);
const TEMP = 'aa'.repeat(32);
const TXID = 'ab'.repeat(32);
const ZEROS = '00'.repeat(32);

const info = (patch: Partial<EngineChannel> = {}): EngineChannel => ({
  localId: 3,
  channelId: CID,
  temporaryChannelId: TEMP,
  peer: PEER,
  state: 'normal',
  type: 'static_remotekey',
  isFunder: true,
  capacitySat: 100_000n,
  localMsat: 90_000_000n,
  remoteMsat: 10_000_000n,
  usable: true,
  shortChannelId: '101x1x0',
  fundingTxid: TXID,
  ...patch,
});

class FakeNode implements ChannelEngine {
  list: EngineChannel[] = [info()];
  calls: string[] = [];
  connectError: Error | null = null;
  openError: Error | null = null;
  channels(): readonly EngineChannel[] {
    return this.list;
  }
  async connect(uri: string, opts?: { proxy?: string }): Promise<unknown> {
    this.calls.push(`connect ${uri} ${opts?.proxy ?? '-'}`);
    if (this.connectError) throw this.connectError;
    return {};
  }
  async open(uri: string, fundingSat: bigint, opts?: { pushMsat?: bigint; channelType?: string; proxy?: string }): Promise<{ channelId: string; fundingTxid: string }> {
    this.calls.push(`open ${uri} ${fundingSat} ${opts?.pushMsat ?? '-'} ${opts?.channelType ?? 'auto'} ${opts?.proxy ?? '-'}`);
    if (this.openError) throw this.openError;
    return { channelId: CID, fundingTxid: TXID };
  }
  async close(channelId: string, opts?: { force?: boolean }): Promise<{ closingTxid: string }> {
    this.calls.push(`close ${channelId} ${opts?.force ? 'force' : 'coop'}`);
    return { closingTxid: TXID };
  }
}

function host(): { host: ChannelHost; node: FakeNode; events: NodeEvent[] } {
  const events: NodeEvent[] = [];
  const h = new ChannelHost({ emit: (e) => events.push(parseNodeEvent(structuredClone(e))), now: () => 1_700_000_000_000 });
  const node = new FakeNode();
  h.attach(node);
  return { host: h, node, events };
}

async function rejection(p: Promise<unknown>): Promise<Error> {
  try {
    await p;
  } catch (err) {
    return err as Error;
  }
  throw new Error('expected a rejection');
}

const openParams = { uri: ` ${PEER}@127.0.0.1:9735 `, proxy: 'ws://127.0.0.1:8080', fundingSat: '50000', pushMsat: '0', channelType: 'auto' as const };

describe('channel host: DTOs', () => {
  it('turns ChannelInfo into a DTO the protocol accepts', () => {
    const dto = channelDto(info());
    expect(dto).toEqual({
      localId: 3,
      channelId: CID,
      peer: PEER,
      state: 'normal',
      type: 'static_remotekey',
      isFunder: true,
      capacitySat: '100000',
      localMsat: '90000000',
      remoteMsat: '10000000',
      usable: true,
      shortChannelId: '101x1x0',
      fundingTxid: TXID,
      reason: null,
      frozen: null,
      outputs: [],
    });
    expect(parseChannelDto(structuredClone(dto))).toEqual(dto);
    const bare = channelDto({ localId: -1, channelId: CID, peer: '', state: 'wait-for-accept-channel', capacitySat: 0n, localMsat: 0n, remoteMsat: 0n, usable: false });
    expect(parseChannelDto(bare)).toMatchObject({ type: null, isFunder: null, shortChannelId: null, fundingTxid: null });
    expect(channelDto(info({ reason: 'x'.repeat(5000) })).reason).toHaveLength(2000);
  });

  it("carries an opening channel's BOLT 2 minimum_depth (0 too: zero-conf), absent when the engine has none", () => {
    const opening = channelDto(info({ state: 'wait-for-funding-confirmed', usable: false, shortChannelId: undefined, minimumDepth: 3 }));
    expect(opening.minimumDepth).toBe(3);
    expect(parseChannelDto(structuredClone(opening))).toEqual(opening);
    expect(channelDto(info({ state: 'wait-for-funding-confirmed', minimumDepth: 0 })).minimumDepth).toBe(0);
    expect(channelDto(info())).not.toHaveProperty('minimumDepth');
  });

  it('carries the closing outputs, with the blocks left from the tip', () => {
    const outputs = [
      { outpoint: `${TXID}:0`, kind: 'to_local', amountSat: 24_000n, status: 'waiting', availableAtHeight: 250 },
      { outpoint: `${TXID}:1`, kind: 'to_remote', amountSat: 1_000n, status: 'theirs' },
      { outpoint: `${TXID}:2`, kind: 'htlc-offered', amountSat: 5_000n, status: 'claimed', claimTxid: CID },
    ];
    const dto = channelDto(info({ state: 'force-closing', usable: false, outputs }), 106);
    expect(dto.outputs).toEqual([
      { outpoint: `${TXID}:0`, kind: 'to_local', amountSat: '24000', status: 'waiting', availableAtHeight: 250, blocksLeft: 144, claimTxid: null },
      { outpoint: `${TXID}:1`, kind: 'to_remote', amountSat: '1000', status: 'theirs', availableAtHeight: null, blocksLeft: null, claimTxid: null },
      { outpoint: `${TXID}:2`, kind: 'htlc-offered', amountSat: '5000', status: 'claimed', availableAtHeight: null, blocksLeft: null, claimTxid: CID },
    ]);
    expect(parseChannelDto(structuredClone(dto))).toEqual(dto);
    // Past the height: 0 left, never negative; no tip known: null.
    expect(channelDto(info({ outputs: [outputs[0]!] }), 300).outputs[0]!.blocksLeft).toBe(0);
    expect(channelDto(info({ outputs: [outputs[0]!] })).outputs[0]!.blocksLeft).toBeNull();
    expect(() => channelDto(info({ outputs: [{ ...outputs[0]!, kind: 'change' }] }))).toThrow('unknown kind "change"');
    expect(() => channelDto(info({ outputs: [{ ...outputs[0]!, status: 'lost' }] }))).toThrow('unknown status "lost"');
  });

  it('a new tip re-sends the channels with closing outputs, counting down their blocks', () => {
    const { host: h, node, events } = host();
    h.onEngineEvent({ type: 'tip', height: 200 });
    expect(events).toEqual([]); // no channel has closing outputs
    node.list = [info(), info({ localId: 4, channelId: TEMP, state: 'force-closing', usable: false, outputs: [{ outpoint: `${TXID}:0`, kind: 'to_local', amountSat: 24_000n, status: 'waiting', availableAtHeight: 250 }] })];
    h.onEngineEvent({ type: 'tip', height: 201 });
    expect(events).toHaveLength(1);
    expect(events[0]).toMatchObject({ type: 'channel.changed', channel: { localId: 4, outputs: [{ blocksLeft: 49 }] } });
    // list() and later channel events use the same tip; a tip that is not a height is ignored.
    expect(h.list()[1]!.outputs[0]!.blocksLeft).toBe(49);
    h.onEngineEvent({ type: 'tip', height: -1 });
    expect(events).toHaveLength(1);
    // Another node (another wallet): its tip is not known yet.
    h.attach(node);
    expect(h.list()[1]!.outputs[0]!.blocksLeft).toBeNull();
  });

  it('a channel closed after its claims confirmed keeps its last outputs, the claims shown claimed', () => {
    const { host: h, node, events } = host();
    const claimable = { outpoint: `${TXID}:0`, kind: 'to_remote', amountSat: 24_000n, status: 'claimable', claimTxid: CID };
    const theirs = { outpoint: `${TXID}:1`, kind: 'to_local', amountSat: 1_000n, status: 'theirs' };
    node.list = [info({ state: 'force-closing', usable: false, outputs: [claimable, theirs] })];
    expect(h.list()[0]!.outputs.map((o) => o.status)).toEqual(['claimable', 'theirs']);
    const closed = info({ state: 'closed', usable: false });
    h.onEngineEvent({ type: 'channel', channel: closed, event: { type: 'channel-closed' } });
    expect(events[0]).toMatchObject({ type: 'channel.changed', channel: { state: 'closed', outputs: [{ status: 'claimed', claimTxid: CID }, { status: 'theirs' }] } });
    // A channel closed without a force close (none seen) has none.
    expect(channelDto(closed).outputs).toEqual([]);
    expect(h.list()).toHaveLength(1);
    h.attach(node);
    node.list = [closed];
    expect(h.list()[0]!.outputs).toEqual([]);
  });

  it('refuses a state or type the protocol does not know (a bug, surfaced)', () => {
    expect(() => channelDto(info({ state: 'limbo' }))).toThrow('unknown state "limbo"');
    expect(() => channelDto(info({ type: 'legacy' }))).toThrow('unknown type "legacy"');
  });

  it('lists nothing while no node is attached', () => {
    const { host: h } = host();
    expect(h.list()).toHaveLength(1);
    h.attach(null);
    expect(h.list()).toEqual([]);
  });
});

describe('channel host: events', () => {
  it('usable follows the connection: a reconnected (reestablished) channel and its peer coming and going update the UI', () => {
    const { host: h, node, events } = host();
    node.list = [info({ usable: false }), info({ localId: 4, channelId: 'c1'.repeat(32), peer: OTHER, usable: false })];
    h.onEngineEvent({ type: 'peer-disconnected', nodeId: PEER, reason: 'gone', willReconnect: true });
    expect(events).toEqual([{ type: 'channel.changed', channel: expect.objectContaining({ channelId: CID, usable: false }) }]);
    node.list = [info({ usable: true }), node.list[1]!];
    h.onEngineEvent({ type: 'channel-usable', channel: node.list[0]! });
    expect(events.at(-1)).toEqual({ type: 'channel.changed', channel: expect.objectContaining({ channelId: CID, usable: true }) });
    h.onEngineEvent({ type: 'peer-connected', peer: { nodeId: OTHER } });
    expect(events.at(-1)).toEqual({ type: 'channel.changed', channel: expect.objectContaining({ peer: OTHER, usable: false }) });
    expect(events).toHaveLength(3);
  });

  it('every channel event updates the channel; the notable ones also leave a note', () => {
    const { host: h, events } = host();
    h.onEngineEvent({ type: 'channel', channel: info({ state: 'negotiating-closing', usable: false }), event: { type: 'state-changed', from: 'shutting-down', to: 'negotiating-closing' } });
    expect(events).toEqual([{ type: 'channel.changed', channel: expect.objectContaining({ state: 'negotiating-closing', usable: false }) }]);
    h.onEngineEvent({ type: 'channel', channel: info({ state: 'aborted', reason: 'peer refused' }), event: { type: 'channel-aborted', reason: 'peer refused' } });
    expect(events.at(-1)).toEqual({
      type: 'channel.note',
      note: { localId: 3, channelId: CID, peer: PEER, source: 'node', kind: 'error', text: 'The channel was not opened: peer refused', at: 1_700_000_000_000 },
    });
    h.onEngineEvent({ type: 'frozen', channel: info({ frozen: 'disk full' }), reason: 'disk full' });
    expect(events.at(-2)).toMatchObject({ type: 'channel.changed', channel: { frozen: 'disk full' } });
    expect(events.at(-1)).toMatchObject({ type: 'channel.note', note: { kind: 'error', text: expect.stringContaining('disk full') } });
    // Unknown events are ignored; a channel in an unknown state is not sent (it would fail validation).
    const before = events.length;
    h.onEngineEvent({ type: 'tip' });
    h.onEngineEvent({ type: 'channel', channel: info({ state: 'limbo' }), event: { type: 'state-changed' } });
    expect(events).toHaveLength(before);
  });

  it('notes: peer warnings are the peer’s, refusals and failures the node’s', () => {
    expect(noteFor({ type: 'peer-warning', text: 'fee too low' })).toEqual({ source: 'peer', kind: 'warning', text: 'fee too low' });
    expect(noteFor({ type: 'command-rejected', command: 'close', reason: 'not in normal' })).toEqual({ source: 'node', kind: 'warning', text: 'close was refused: not in normal' });
    expect(noteFor({ type: 'closing-negotiation-failed', reason: 'no overlap' })?.kind).toBe('warning');
    expect(noteFor({ type: 'stale-state', reason: 'r' })?.kind).toBe('error');
    expect(noteFor({ type: 'channel-force-closed', reason: 'htlc timeout' })?.text).toBe('Force-closed: htlc timeout');
    expect(noteFor({ type: 'channel-closing', closingTxid: TXID, feeSat: 183n })?.text).toContain('fee 183 sats');
    expect(noteFor({ type: 'channel-ready', channelId: CID, shortChannelId: 1n })).toBeNull();
    expect(noteFor({ type: 'state-changed', from: 'a', to: 'b' })).toBeNull();
  });

  it('a peer error with a channel id lands on that channel only; all zeros on each live channel of the peer', () => {
    const { host: h, node, events } = host();
    node.list = [info(), info({ localId: 4, channelId: 'c1'.repeat(32), temporaryChannelId: 'd1'.repeat(32) }), info({ localId: 5, channelId: 'c2'.repeat(32), state: 'closed' }), info({ localId: 6, channelId: 'c3'.repeat(32), peer: OTHER })];
    h.onEngineEvent({ type: 'remote-error', nodeId: PEER, kind: 'error', text: 'invalid commitment signature', channelId: 'c1'.repeat(32) });
    expect(events).toEqual([{ type: 'channel.note', note: expect.objectContaining({ localId: 4, source: 'peer', kind: 'error', text: 'invalid commitment signature' }) }]);
    events.length = 0;
    h.onEngineEvent({ type: 'remote-error', nodeId: PEER, kind: 'warning', text: 'temp id', channelId: 'd1'.repeat(32) });
    expect(events.map((e) => (e.type === 'channel.note' ? e.note.localId : -9))).toEqual([4]);
    events.length = 0;
    h.onEngineEvent({ type: 'remote-error', nodeId: PEER, kind: 'warning', text: 'everything', channelId: ZEROS });
    expect(events.map((e) => (e.type === 'channel.note' ? e.note.localId : -9))).toEqual([3, 4]); // not the closed one, not the other peer's
    events.length = 0;
    h.onEngineEvent({ type: 'remote-error', nodeId: PEER, kind: 'warning', text: 'unknown', channelId: 'ee'.repeat(32) });
    expect(events).toEqual([]);
    // Once precise errors are seen, the ChannelManager's vague copy is not noted again.
    h.onEngineEvent({ type: 'peer-error', peer: PEER, kind: 'error', text: 'dup' });
    expect(events).toEqual([]);
  });

  it('a ChannelManager peer-error lands on the channel it names, or (no id) on each live channel of the peer', () => {
    const { host: h, node, events } = host();
    node.list = [info(), info({ localId: 4, channelId: 'c1'.repeat(32) }), info({ localId: 6, channelId: 'c3'.repeat(32), peer: OTHER })];
    h.onEngineEvent({ type: 'peer-error', peer: PEER, kind: 'error', text: 'test says so', channelId: 'c1'.repeat(32) });
    expect(events).toEqual([{ type: 'channel.note', note: expect.objectContaining({ localId: 4, kind: 'error', source: 'peer', text: 'test says so' }) }]);
    events.length = 0;
    h.onEngineEvent({ type: 'peer-error', peer: PEER, kind: 'warning', text: 'fee out of range' });
    expect(events.map((e) => (e.type === 'channel.note' ? e.note.localId : -9))).toEqual([3, 4]);
  });
});

describe('channel host: commands', () => {
  it('open connects through the proxy first, then opens with the options given', async () => {
    const { host: h, node } = host();
    await expect(h.open(openParams)).resolves.toEqual({ channelId: CID, fundingTxid: TXID });
    await h.open({ ...openParams, proxy: null, pushMsat: '1000', channelType: 'anchors_zero_fee_htlc_tx' });
    expect(node.calls).toEqual([
      `connect ${PEER}@127.0.0.1:9735 ws://127.0.0.1:8080`,
      `open ${PEER}@127.0.0.1:9735 50000 - auto ws://127.0.0.1:8080`,
      `connect ${PEER}@127.0.0.1:9735 -`,
      `open ${PEER}@127.0.0.1:9735 50000 1000 anchors_zero_fee_htlc_tx -`,
    ]);
  });

  it('a failed connect is about the uri or proxy when the engine says so, else the peer’s; nothing is opened', async () => {
    const { host: h, node } = host();
    node.connectError = new ValidationError('peer', 'expected <node id>@<host>:<port>');
    let e = await rejection(h.open(openParams));
    expect(e).toBeInstanceOf(RpcValidationError);
    expect((e as RpcValidationError).field).toBe('params.uri');
    expect(e.message).toBe('params.uri: expected <node id>@<host>:<port>');
    node.connectError = new ValidationError('proxy', 'not a ws:// URL');
    e = await rejection(h.open(openParams));
    expect((e as RpcValidationError).field).toBe('params.proxy');
    node.connectError = new Error('connection refused');
    e = await rejection(h.open(openParams));
    expect(e).not.toBeInstanceOf(RpcValidationError);
    expect(e.message).toBe('could not connect to the peer: connection refused');
    expect(node.calls.filter((c) => c.startsWith('open'))).toEqual([]);
    // A node that can stop dialling is told to: the failed first dial is not retried in the background.
    const stopped: string[] = [];
    Object.assign(node, { peers: () => [], disconnect: (id: string) => stopped.push(id) });
    await rejection(h.open(openParams));
    expect(stopped).toEqual([PEER]);
  });

  it('a failed open names its parameter, or passes the reason on for the form', async () => {
    const { host: h, node } = host();
    node.openError = new ValidationError('fundingSat', 'below the peer’s minimum');
    let e = await rejection(h.open(openParams));
    expect((e as RpcValidationError).field).toBe('params.fundingSat');
    expect(e.message).toBe('params.fundingSat: below the peer’s minimum');
    node.openError = new ValidationError('open', 'the channel open failed: peer sent error: no thanks');
    e = await rejection(h.open(openParams));
    expect(e).not.toBeInstanceOf(RpcValidationError);
    expect(e.message).toBe('the channel open failed: peer sent error: no thanks');
    node.openError = new Error('insufficient funds: need 50141 sats, have 40000');
    e = await rejection(h.open(openParams));
    expect(e.message).toBe('insufficient funds: need 50141 sats, have 40000');
  });

  it('close finds the channel by id or temporary id and passes force through', async () => {
    const { host: h, node } = host();
    await expect(h.close({ channelId: CID, force: false })).resolves.toEqual({ closingTxid: TXID });
    await h.close({ channelId: TEMP, force: true });
    expect(node.calls).toEqual([`close ${CID} coop`, `close ${CID} force`]);
    const e = await rejection(h.close({ channelId: 'ee'.repeat(32), force: false }));
    expect((e as RpcValidationError).field).toBe('params.channelId');
  });

  it('without a node, commands say the wallet must be unlocked', async () => {
    const { host: h } = host();
    h.attach(null);
    expect((await rejection(h.open(openParams))).message).toContain('unlock');
    expect((await rejection(h.close({ channelId: CID, force: false }))).message).toContain('unlock');
  });
});

describe('node runner', () => {
  const wallet = { nodeId: PEER } as unknown as WalletEngine;

  function fakeNode(log: string[], opts: { failStart?: number } = {}): () => RunningNode {
    let builds = 0;
    return () => {
      const n = ++builds;
      const fake = new FakeNode();
      const node: RunningNode = Object.assign(fake, {
        nodeId: PEER,
        start: async () => {
          log.push(`start ${n}`);
          if (opts.failStart !== undefined && n <= opts.failStart) throw new Error('esplora unreachable');
        },
        stop: async () => void log.push(`stop ${n}`),
        subscribe: () => () => void log.push(`unsubscribe ${n}`),
        peers: (): PeerInfo[] => [],
        connect: async () => ({}) as PeerInfo,
      });
      return node;
    };
  }

  const settle = (): Promise<void> => new Promise((r) => setTimeout(r, 0));

  it('starts a node when the wallet opens and stops it before it closes', async () => {
    const log: string[] = [];
    const served: (string | null)[] = [];
    const runner = new NodeRunner({ build: fakeNode(log), logger: silentLogger, onNode: (n) => served.push(n ? n.nodeId : null), onEvent: () => {} });
    runner.opened(wallet, {});
    await settle();
    expect(runner.node?.nodeId).toBe(PEER);
    await runner.closing();
    expect(runner.node).toBeNull();
    expect(log).toEqual(['start 1', 'stop 1', 'unsubscribe 1']); // listening while it stops (peer disconnections)
    expect(served).toEqual([PEER, null]);
  });

  it('a failed start is reported and retried after the next good sync; a close while starting stops the node', async () => {
    const log: string[] = [];
    const runner = new NodeRunner({ build: fakeNode(log, { failStart: 1 }), logger: silentLogger, onNode: () => {}, onEvent: () => {} });
    runner.opened(wallet, {});
    await settle();
    expect(runner.node).toBeNull();
    expect(runner.error).toBe('esplora unreachable');
    runner.retry();
    await settle();
    expect(runner.node).not.toBeNull();
    expect(runner.error).toBeNull();
    runner.retry(); // running: nothing to do
    await runner.closing();
    expect(log).toEqual(['start 1', 'unsubscribe 1', 'start 2', 'stop 2', 'unsubscribe 2']);

    const log2: string[] = [];
    const r2 = new NodeRunner({ build: fakeNode(log2), logger: silentLogger, onNode: () => {}, onEvent: () => {} });
    r2.opened(wallet, {});
    await r2.closing(); // before start resolved
    expect(r2.node).toBeNull();
    expect(log2).toEqual(['start 1', 'unsubscribe 1', 'stop 1']);
  });

  it("lists the peers of a node still starting (it redials its channel peers before its wallet sync ends), and none once it failed", async () => {
    let finish!: (err?: Error) => void;
    const hub = { nodeId: PEER, address: '127.0.0.1:9735', features: {}, connectedAt: 1, inbound: false } as PeerInfo;
    let connected: PeerInfo[] = [];
    const build = (): RunningNode =>
      Object.assign(new FakeNode(), {
        nodeId: PEER,
        start: () => new Promise<void>((resolve, reject) => (finish = (err?: Error) => (err ? reject(err) : resolve()))),
        stop: async () => {},
        subscribe: () => () => {},
        peers: (): PeerInfo[] => connected,
        connect: async () => hub,
      });
    const runner = new NodeRunner({ build, logger: silentLogger, onNode: () => {}, onEvent: () => {} });
    const started = runner.opened(wallet, {});
    connected = [hub];
    expect(runner.node).toBeNull();
    expect(runner.peers()).toEqual([hub]);
    finish(new Error('esplora unreachable'));
    await started;
    expect(runner.error).toBe('esplora unreachable');
    expect(runner.peers()).toEqual([]);
  });
});
