// The worker RPC boundary (workers/rpc/protocol.ts): validators accept well-formed DTOs and name
// the bad field otherwise. Also: the UI's shape checks (app/lib/peer-input.ts) never reject what
// the engine would accept — the worker's verdict is the authoritative one.
import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import {
  CHANNEL_STATES,
  CHANNEL_TYPES,
  MAX_CHANNEL_SAT,
  MAX_FAUCET_SAT,
  METHODS,
  MIN_CHANNEL_SAT,
  PROTOCOL_VERSION,
  RpcValidationError,
  parseChannelDto,
  parseClientMessage,
  parseNodeEvent,
  parsePeerDto,
  parseResult,
  parseWorkerMessage,
  salvageRequestId,
  type ChannelDto,
  type PeerDto,
} from '../../workers/rpc/protocol.ts';
import { checkPeerUri, checkProxyUrl } from '../../app/lib/peer-input.ts';
import { CHANNEL_STATE_NAMES, MAX_FUNDING_SAT } from '../../engine/channel/types.ts';
import { parsePeerUri, parseProxyUrl } from '../../engine/index.ts';

const ID = '0279be667ef9dcbbac55a06295ce870b07029bfcdb2dce28d959f2815b16f81798';
const peer: PeerDto = {
  nodeId: ID,
  address: `${ID}@127.0.0.1:9735`,
  features: { var_onion_optin: 'required', basic_mpp: 'optional' },
  pingMs: 12,
  connectedAt: 1_700_000_000_000,
  inbound: false,
};

function fieldOf(fn: () => unknown): string {
  try {
    fn();
  } catch (err) {
    expect(err).toBeInstanceOf(RpcValidationError);
    return (err as RpcValidationError).field;
  }
  throw new Error('expected a validation error');
}

describe('rpc protocol: client → worker', () => {
  it('accepts every method with good params', () => {
    expect(parseClientMessage({ kind: 'hello', protocol: PROTOCOL_VERSION })).toEqual({ kind: 'hello', protocol: PROTOCOL_VERSION });
    expect(parseClientMessage({ kind: 'request', id: 1, method: 'node.info', params: {} })).toMatchObject({ method: 'node.info' });
    expect(parseClientMessage({ kind: 'request', id: 2, method: 'peers.list', params: {} })).toMatchObject({ method: 'peers.list' });
    expect(parseClientMessage({ kind: 'request', id: 3, method: 'peers.connect', params: { uri: `${ID}@h:1`, proxy: 'ws://p' } })).toEqual({
      kind: 'request',
      id: 3,
      method: 'peers.connect',
      params: { uri: `${ID}@h:1`, proxy: 'ws://p' },
    });
    expect(parseClientMessage({ kind: 'request', id: 4, method: 'peers.connect', params: { uri: 'x' } })).toMatchObject({ params: { uri: 'x', proxy: null } });
    expect(parseClientMessage({ kind: 'request', id: 5, method: 'peers.ping', params: { nodeId: ID } })).toMatchObject({ params: { nodeId: ID } });
    expect(parseClientMessage({ kind: 'request', id: 6, method: 'peers.disconnect', params: { nodeId: ID } })).toMatchObject({ params: { nodeId: ID } });
  });

  it('names the bad field', () => {
    expect(fieldOf(() => parseClientMessage(null))).toBe('message');
    expect(fieldOf(() => parseClientMessage({ kind: 'nope' }))).toBe('message.kind');
    expect(fieldOf(() => parseClientMessage({ kind: 'request', id: 0, method: 'node.info', params: {} }))).toBe('message.id');
    expect(fieldOf(() => parseClientMessage({ kind: 'request', id: 1.5, method: 'node.info', params: {} }))).toBe('message.id');
    expect(fieldOf(() => parseClientMessage({ kind: 'request', id: 1, method: 'wallet.drain', params: {} }))).toBe('message.method');
    expect(fieldOf(() => parseClientMessage({ kind: 'request', id: 1, method: 'node.info' }))).toBe('message.params');
    expect(fieldOf(() => parseClientMessage({ kind: 'request', id: 1, method: 'node.info', params: { x: 1 } }))).toBe('params.x');
    expect(fieldOf(() => parseClientMessage({ kind: 'request', id: 1, method: 'peers.connect', params: {} }))).toBe('params.uri');
    expect(fieldOf(() => parseClientMessage({ kind: 'request', id: 1, method: 'peers.connect', params: { uri: 5 } }))).toBe('params.uri');
    expect(fieldOf(() => parseClientMessage({ kind: 'request', id: 1, method: 'peers.connect', params: { uri: 'x'.repeat(601) } }))).toBe('params.uri');
    expect(fieldOf(() => parseClientMessage({ kind: 'request', id: 1, method: 'peers.connect', params: { uri: 'x', proxy: 1 } }))).toBe('params.proxy');
    expect(fieldOf(() => parseClientMessage({ kind: 'request', id: 1, method: 'peers.ping', params: { nodeId: ID.toUpperCase() } }))).toBe('params.nodeId');
    expect(fieldOf(() => parseClientMessage({ kind: 'request', id: 1, method: 'peers.ping', params: { nodeId: ID, extra: true } }))).toBe('params.extra');
    expect(fieldOf(() => parseClientMessage({ kind: 'request', id: 1, method: 'node.info', params: {}, sneaky: 1 }))).toBe('message.sneaky');
  });

  it('salvages the id of a malformed request so the caller can be answered', () => {
    expect(salvageRequestId({ kind: 'request', id: 7, method: 'bad' })).toBe(7);
    expect(salvageRequestId({ id: 'seven' })).toBeNull();
    expect(salvageRequestId(42)).toBeNull();
  });
});

describe('rpc protocol: worker → client', () => {
  it('accepts ready, responses and events', () => {
    const info = { status: 'running', nodeId: ID, error: null, protocol: PROTOCOL_VERSION };
    expect(parseWorkerMessage({ kind: 'ready', protocol: 1, info })).toEqual({ kind: 'ready', protocol: 1, info });
    expect(parseWorkerMessage({ kind: 'response', id: 1, ok: true, result: null })).toMatchObject({ ok: true });
    expect(parseWorkerMessage({ kind: 'response', id: null, ok: false, error: { code: 'invalid-request', message: 'm', field: 'message.id' } })).toMatchObject({ ok: false });
    expect(parseWorkerMessage({ kind: 'event', event: { type: 'peer.connected', peer } })).toEqual({ kind: 'event', event: { type: 'peer.connected', peer } });
    expect(parseNodeEvent({ type: 'peer.disconnected', nodeId: ID, reason: 'bye', willReconnect: true })).toMatchObject({ willReconnect: true });
    expect(parseNodeEvent({ type: 'peer.ping', nodeId: ID, rttMs: 3 })).toMatchObject({ rttMs: 3 });
    expect(parseNodeEvent({ type: 'peer.remote-error', nodeId: ID, kind: 'warning', text: 'hm', channelId: '00'.repeat(32) })).toMatchObject({ kind: 'warning' });
    expect(parseNodeEvent({ type: 'peer.remote-error', nodeId: ID, kind: 'error', text: 'hm', channelId: null })).toMatchObject({ channelId: null });
    expect(fieldOf(() => parseNodeEvent({ type: 'peer.remote-error', nodeId: ID, kind: 'warning', text: 'hm' }))).toBe('event.channelId');
    expect(fieldOf(() => parseNodeEvent({ type: 'peer.remote-error', nodeId: ID, kind: 'warning', text: 'hm', channelId: 'zz' }))).toBe('event.channelId');
    expect(parseNodeEvent({ type: 'log', level: 'info', message: 'x', at: 1 })).toMatchObject({ level: 'info' });
    expect(parseNodeEvent({ type: 'node.status', info })).toMatchObject({ info });
  });

  it('checks results per method and names the field', () => {
    expect(parseResult('peers.list', [peer])).toEqual([peer]);
    expect(parseResult('peers.ping', { rttMs: 4 })).toEqual({ rttMs: 4 });
    expect(parseResult('peers.disconnect', null)).toBeNull();
    expect(fieldOf(() => parseResult('peers.list', [peer, { ...peer, nodeId: 'zz' }]))).toBe('result[1].nodeId');
    expect(fieldOf(() => parseResult('peers.ping', { rttMs: -1 }))).toBe('result.rttMs');
    expect(fieldOf(() => parseResult('peers.disconnect', {}))).toBe('result');
    expect(fieldOf(() => parsePeerDto({ ...peer, features: { var_onion_optin: 'maybe' } }))).toBe('peer.features.var_onion_optin');
    expect(fieldOf(() => parsePeerDto({ ...peer, pingMs: Number.NaN }))).toBe('peer.pingMs');
    expect(fieldOf(() => parsePeerDto({ ...peer, inbound: 'no' }))).toBe('peer.inbound');
    expect(fieldOf(() => parseNodeEvent({ type: 'peer.ping', nodeId: ID }))).toBe('event.rttMs');
    expect(fieldOf(() => parseWorkerMessage({ kind: 'response', id: 1, ok: false, error: { code: 'oops', message: 'm', field: null } }))).toBe('message.error.code');
  });

  it('DTOs survive structured cloning unchanged', () => {
    expect(structuredClone(peer)).toEqual(peer);
    expect(parsePeerDto(structuredClone(peer))).toEqual(peer);
  });
});

describe('UI shape checks never reject what the engine accepts', () => {
  const hex = fc.stringMatching(/^[0-9a-fA-F]{60,70}$/);
  const nodeIds = fc.oneof(fc.constant(ID), fc.constant(ID.toUpperCase()), fc.constant(`02${'ff'.repeat(32)}`), hex, fc.string());
  const hosts = fc.oneof(
    fc.constantFrom('127.0.0.1', 'localhost', 'node.example.com', 'a-b.c', '[::1]', '[2001:db8::1]', '', '-bad', 'bad_host', '[::1', '::1', 'x..y'),
    fc.domain(),
    fc.string({ maxLength: 12 }),
  );
  const ports = fc.oneof(fc.integer({ min: -5, max: 70_000 }).map(String), fc.constantFrom('', '09735', 'abc', '9735x'));
  const uris = fc.oneof(
    fc.tuple(nodeIds, hosts, ports).map(([id, h, p]) => `${id}@${h}:${p}`),
    fc.tuple(nodeIds, hosts).map(([id, h]) => `${id}@${h}`),
    fc.tuple(nodeIds, fc.constantFrom('ws://h:1/x', 'wss://h', 'ws://', 'http://h:1', 'wss://[::1]:9/p')).map(([id, u]) => `${id}@${u}`),
    fc.string(),
  );

  it('peer URIs', () => {
    fc.assert(
      fc.property(uris, (uri) => {
        if (!checkPeerUri(uri).ok) expect(() => parsePeerUri(uri), uri).toThrow();
      }),
      { numRuns: 3000 },
    );
  });

  it('proxy URLs', () => {
    const proxies = fc.oneof(
      fc.constantFrom('ws://127.0.0.1:8080', 'wss://p.example/base/', 'ws://p/{host}/{port}', 'ws://p/{host}', 'http://p', 'ws://p?x=1', 'ws://p/#f', 'ws://', 'wss://p/{host}:{port}?t=1', 'ftp://x'),
      fc.webUrl().map((u) => u.replace(/^http/, 'ws')),
      fc.string(),
    );
    fc.assert(
      fc.property(proxies, (p) => {
        if (p.trim() !== '' && !checkProxyUrl(p, false).ok) expect(() => parseProxyUrl(p), p).toThrow();
      }),
      { numRuns: 3000 },
    );
  });

  it('gives a specific message for common mistakes', () => {
    const err = (s: string): string => {
      const r = checkPeerUri(s);
      return r.ok ? '' : r.error;
    };
    expect(err('')).toContain('<node id>@<host>:<port>');
    expect(err(ID)).toContain('@<host>:<port>');
    expect(err(`${ID.slice(2)}@h:1`)).toContain('66 hex characters');
    expect(err(`04${ID.slice(2)}@h:1`)).toContain('02 or 03');
    expect(err(`${ID}@127.0.0.1`)).toContain('needs a port');
    expect(err(`${ID}@127.0.0.1:99999`)).toContain('1 to 65535');
    expect(err(`${ID}@::1:9735`)).toContain('[address]:port');
    expect(checkPeerUri(`${ID}@[::1]:9735`)).toMatchObject({ ok: true, value: { target: { kind: 'tcp', host: '::1', port: 9735 } } });
    expect(checkPeerUri(`${ID}@wss://peer.example/ln`)).toMatchObject({ ok: true, value: { target: { kind: 'websocket' } } });
    const perr = (s: string, required = true): string => {
      const r = checkProxyUrl(s, required);
      return r.ok ? '' : r.error;
    };
    expect(perr('')).toContain('WebSocket proxy URL');
    expect(checkProxyUrl('', false)).toEqual({ ok: true, value: null });
    expect(perr('https://p.example')).toContain('wss://p.example');
    expect(perr('ws://p/{port}')).toContain('both {host} and {port}');
    expect(perr('ws://p/?a=1')).toContain('template');
  });
});

describe('rpc protocol: wallet methods', () => {
  const req = (method: string, params: unknown) => parseClientMessage({ kind: 'request', id: 9, method, params });
  const status = { state: 'unlocked', network: 'regtest', esploraUrl: 'http://127.0.0.1:3002', defaultEsploraUrl: 'http://127.0.0.1:3002', defaultNetwork: 'regtest', nodeId: ID };
  const snapshot = { balance: { confirmedSat: '100000', unconfirmedSat: '0', spendableSat: '100000' }, sync: { syncing: false, lastSyncAt: 1_700_000_000_000, error: null } };
  const TXID = 'ab'.repeat(32);
  const WORDS = Array.from({ length: 24 }, () => 'abandon');

  it('accepts good params', () => {
    for (const m of ['wallet.status', 'wallet.lock', 'wallet.balance', 'wallet.sync', 'wallet.address', 'wallet.history', 'wallet.feeRates']) {
      expect(req(m, {})).toMatchObject({ method: m, params: {} });
    }
    expect(req('settings.set', { network: 'signet', esploraUrl: 'https://mempool.space/signet/api' })).toMatchObject({ params: { network: 'signet', esploraUrl: 'https://mempool.space/signet/api' } });
    expect(req('settings.set', { network: null, esploraUrl: null })).toMatchObject({ params: { network: null, esploraUrl: null } });
    expect(req('wallet.create', { passphrase: 'pw' })).toMatchObject({ params: { passphrase: 'pw', mnemonic: null } });
    expect(req('wallet.create', { passphrase: 'pw', mnemonic: 'a b c' })).toMatchObject({ params: { mnemonic: 'a b c' } });
    expect(req('wallet.unlock', { passphrase: 'pw' })).toMatchObject({ params: { passphrase: 'pw' } });
    expect(req('wallet.backup', { passphrase: 'pw' })).toMatchObject({ params: { passphrase: 'pw' } });
    expect(req('wallet.prepareSend', { to: 'bcrt1q', amountSat: '20000', feeRate: 1.5 })).toMatchObject({ params: { amountSat: '20000', feeRate: 1.5 } });
    expect(req('wallet.prepareSend', { to: 'bcrt1q', amountSat: 'max', feeRate: 3 })).toMatchObject({ params: { amountSat: 'max' } });
    expect(req('wallet.confirmSend', { id: 'p1' })).toMatchObject({ params: { id: 'p1' } });
  });

  it('names the bad param', () => {
    const field = (m: string, p: unknown): string => fieldOf(() => req(m, p));
    expect(field('settings.set', { network: 'mainnet', esploraUrl: null })).toBe('params.network');
    expect(field('settings.set', { network: null, esploraUrl: 'ftp://x' })).toBe('params.esploraUrl');
    expect(field('settings.set', { network: null })).toBe('params.esploraUrl');
    expect(field('wallet.create', { passphrase: '' })).toBe('params.passphrase');
    expect(field('wallet.create', { passphrase: 'x'.repeat(1025) })).toBe('params.passphrase');
    expect(field('wallet.create', { passphrase: 'pw', mnemonic: 12 })).toBe('params.mnemonic');
    expect(field('wallet.create', { passphrase: 'pw', words: [] })).toBe('params.words');
    expect(field('wallet.unlock', {})).toBe('params.passphrase');
    expect(field('wallet.prepareSend', { to: 'x', amountSat: 20000, feeRate: 1 })).toBe('params.amountSat');
    expect(field('wallet.prepareSend', { to: 'x', amountSat: '1.5', feeRate: 1 })).toBe('params.amountSat');
    expect(field('wallet.prepareSend', { to: 'x', amountSat: '-5', feeRate: 1 })).toBe('params.amountSat');
    expect(field('wallet.prepareSend', { to: 'x', amountSat: '007', feeRate: 1 })).toBe('params.amountSat');
    expect(field('wallet.prepareSend', { to: 'x', amountSat: '2100000000000001', feeRate: 1 })).toBe('params.amountSat');
    expect(field('wallet.prepareSend', { to: 'x', amountSat: '1000', feeRate: 0 })).toBe('params.feeRate');
    expect(field('wallet.prepareSend', { to: 'x', amountSat: '1000', feeRate: Number.POSITIVE_INFINITY })).toBe('params.feeRate');
    expect(field('wallet.prepareSend', { to: 5, amountSat: '1000', feeRate: 1 })).toBe('params.to');
    expect(field('wallet.confirmSend', { id: 7 })).toBe('params.id');
    expect(field('wallet.balance', { extra: 1 })).toBe('params.extra');
  });

  it('checks results and events, naming the bad field', () => {
    expect(parseResult('wallet.status', status)).toEqual(status);
    expect(parseResult('wallet.create', { status, words: WORDS })).toEqual({ status, words: WORDS });
    expect(parseResult('wallet.create', { status, words: null })).toEqual({ status, words: null });
    expect(parseResult('wallet.balance', snapshot)).toEqual(snapshot);
    expect(parseResult('wallet.address', { address: 'bcrt1qw508d6qejxtdg4y5r3zarvary0c5xw7kygt080' })).toMatchObject({ address: expect.any(String) });
    const tx = { txid: TXID, deltaSat: '-20141', feeSat: '141', confirmed: true, blockHeight: 105 };
    expect(parseResult('wallet.history', [tx])).toEqual([tx]);
    const prepared = { id: 'p1', to: 'bcrt1qw508d6qejxtdg4y5r3zarvary0c5xw7kygt080', amountSat: '20000', feeSat: '141', vsize: 141, feeRate: 1 };
    expect(parseResult('wallet.prepareSend', prepared)).toEqual(prepared);
    expect(parseResult('wallet.confirmSend', { txid: TXID })).toEqual({ txid: TXID });
    expect(parseNodeEvent({ type: 'wallet.status', status })).toEqual({ type: 'wallet.status', status });
    expect(parseNodeEvent({ type: 'wallet.changed', wallet: snapshot })).toEqual({ type: 'wallet.changed', wallet: snapshot });

    expect(fieldOf(() => parseResult('wallet.status', { ...status, state: 'open' }))).toBe('result.state');
    expect(fieldOf(() => parseResult('wallet.status', { ...status, esploraUrl: 'x' }))).toBe('result.esploraUrl');
    expect(fieldOf(() => parseResult('wallet.create', { status, words: WORDS.slice(1) }))).toBe('result.words');
    expect(fieldOf(() => parseResult('wallet.create', { status, words: [...WORDS.slice(1), 'Abandon'] }))).toBe('result.words[23]');
    expect(fieldOf(() => parseResult('wallet.balance', { ...snapshot, balance: { confirmedSat: 5, unconfirmedSat: '0', spendableSat: '0' } }))).toBe('result.balance.confirmedSat');
    expect(fieldOf(() => parseResult('wallet.balance', { ...snapshot, balance: { confirmedSat: '5', unconfirmedSat: '0' } }))).toBe('result.balance.spendableSat');
    expect(fieldOf(() => parseResult('wallet.history', [{ ...tx, txid: TXID.toUpperCase() }]))).toBe('result[0].txid');
    expect(fieldOf(() => parseResult('wallet.history', [{ ...tx, deltaSat: '1e5' }]))).toBe('result[0].deltaSat');
    expect(fieldOf(() => parseResult('wallet.feeRates', { fast: 2, normal: -1, slow: 1 }))).toBe('result.normal');
    expect(fieldOf(() => parseResult('wallet.prepareSend', { ...prepared, vsize: 0 }))).toBe('result.vsize');
    expect(fieldOf(() => parseResult('wallet.prepareSend', { ...prepared, to: 'bc1 q' }))).toBe('result.to');
    expect(fieldOf(() => parseResult('wallet.address', { address: '' }))).toBe('result.address');
    expect(fieldOf(() => parseNodeEvent({ type: 'wallet.changed', wallet: { ...snapshot, sync: { ...snapshot.sync, syncing: 'no' } } }))).toBe('event.wallet.sync.syncing');
  });

  it('wallet DTOs survive structured cloning', () => {
    expect(structuredClone(status)).toEqual(status);
    expect(parseResult('wallet.balance', structuredClone(snapshot))).toEqual(snapshot);
  });

  it('wallet.faucet: a positive decimal amount up to 10 BTC; the result names its bad field', () => {
    expect(METHODS).toContain('wallet.faucet');
    expect(req('wallet.faucet', { amountSat: '100000' })).toEqual({ kind: 'request', id: 9, method: 'wallet.faucet', params: { amountSat: '100000' } });
    expect(req('wallet.faucet', { amountSat: MAX_FAUCET_SAT.toString() })).toMatchObject({ params: { amountSat: '1000000000' } });

    const field = (p: unknown): string => fieldOf(() => req('wallet.faucet', p));
    const why = (p: unknown): string => {
      try {
        req('wallet.faucet', p);
      } catch (err) {
        return (err as Error).message;
      }
      return '';
    };
    expect(field({})).toBe('params.amountSat');
    expect(why({})).toBe('params.amountSat: is missing');
    expect(field({ amountSat: 100000 })).toBe('params.amountSat'); // a number, not a decimal string
    expect(field({ amountSat: '0' })).toBe('params.amountSat');
    expect(why({ amountSat: '0' })).toContain('more than 0');
    expect(field({ amountSat: '-1' })).toBe('params.amountSat');
    expect(field({ amountSat: '1.5' })).toBe('params.amountSat');
    expect(field({ amountSat: '0100' })).toBe('params.amountSat');
    expect(field({ amountSat: ' 100' })).toBe('params.amountSat');
    expect(field({ amountSat: (MAX_FAUCET_SAT + 1n).toString() })).toBe('params.amountSat');
    expect(why({ amountSat: (MAX_FAUCET_SAT + 1n).toString() })).toContain('at most 1000000000 sats');
    expect(field({ amountSat: '100000', address: 'bcrt1q' })).toBe('params.address'); // the worker picks the address
    expect(field({ sats: 100000 })).toBe('params.amountSat');
    expect(field(null)).toBe('params');
    expect(field([])).toBe('params');

    const ADDR = 'bcrt1qw508d6qejxtdg4y5r3zarvary0c5xw7kygt080';
    const paid = { txid: TXID, vout: 1, address: ADDR, amountSat: '100000' };
    expect(parseResult('wallet.faucet', paid)).toEqual(paid);
    expect(parseResult('wallet.faucet', structuredClone(paid))).toEqual(paid);
    const bad = (v: unknown): string => fieldOf(() => parseResult('wallet.faucet', v));
    expect(bad(null)).toBe('result');
    expect(bad({ ...paid, txid: TXID.toUpperCase() })).toBe('result.txid');
    expect(bad({ ...paid, txid: 'ab' })).toBe('result.txid');
    expect(bad({ ...paid, vout: -1 })).toBe('result.vout');
    expect(bad({ ...paid, vout: 0.5 })).toBe('result.vout');
    expect(bad({ ...paid, vout: '1' })).toBe('result.vout');
    expect(bad({ ...paid, address: 'not an address!' })).toBe('result.address');
    expect(bad({ ...paid, amountSat: 100000 })).toBe('result.amountSat');
    expect(bad({ ...paid, amountSat: '0' })).toBe('result.amountSat');
    expect(bad({ txid: TXID, vout: 1, address: ADDR })).toBe('result.amountSat');
    expect(bad({ ...paid, extra: true })).toBe('result.extra');
  });
});

describe('rpc protocol: channel methods', () => {
  const req = (method: string, params: unknown) => parseClientMessage({ kind: 'request', id: 11, method, params });
  const field = (m: string, p: unknown): string => fieldOf(() => req(m, p));
  const CID = 'c0'.repeat(32);
  const TXID = 'ab'.repeat(32);
  const channel: ChannelDto = {
    localId: 0,
    channelId: CID,
    peer: ID,
    state: 'normal',
    type: 'anchors_zero_fee_htlc_tx',
    isFunder: true,
    capacitySat: '100000',
    localMsat: '90000000',
    remoteMsat: '10000000',
    usable: true,
    shortChannelId: '105x1x0',
    fundingTxid: TXID,
    reason: null,
    frozen: null,
    outputs: [],
  };

  it('the state and type names are the engine’s, and the funding limits BOLT 2’s', () => {
    expect([...CHANNEL_STATES].sort()).toEqual([...CHANNEL_STATE_NAMES].sort());
    expect(CHANNEL_TYPES).toEqual(['static_remotekey', 'anchors_zero_fee_htlc_tx']);
    expect(MAX_CHANNEL_SAT).toBe(MAX_FUNDING_SAT);
    expect(MIN_CHANNEL_SAT).toBe(20_000n);
  });

  it('accepts good params, filling the optional ones', () => {
    expect(req('channels.list', {})).toMatchObject({ method: 'channels.list', params: {} });
    const uri = `${ID}@127.0.0.1:9735`;
    expect(req('channels.open', { uri, fundingSat: '100000' })).toEqual({
      kind: 'request',
      id: 11,
      method: 'channels.open',
      params: { uri, proxy: null, fundingSat: '100000', pushMsat: '0', channelType: 'auto' },
    });
    expect(req('channels.open', { uri, proxy: 'ws://p', fundingSat: '20000', pushMsat: '20000000', channelType: 'static_remotekey' })).toMatchObject({
      params: { proxy: 'ws://p', fundingSat: '20000', pushMsat: '20000000', channelType: 'static_remotekey' },
    });
    expect(req('channels.open', { uri, fundingSat: MAX_CHANNEL_SAT.toString(), channelType: 'anchors_zero_fee_htlc_tx' })).toMatchObject({ params: { fundingSat: '16777215' } });
    expect(req('channels.close', { channelId: CID })).toMatchObject({ params: { channelId: CID, force: false } });
    expect(req('channels.close', { channelId: CID, force: true })).toMatchObject({ params: { channelId: CID, force: true } });
  });

  it('names the bad param', () => {
    const uri = `${ID}@h:1`;
    expect(field('channels.list', { all: true })).toBe('params.all');
    expect(field('channels.open', { fundingSat: '100000' })).toBe('params.uri');
    expect(field('channels.open', { uri: 7, fundingSat: '100000' })).toBe('params.uri');
    expect(field('channels.open', { uri })).toBe('params.fundingSat');
    expect(field('channels.open', { uri, fundingSat: 100000 })).toBe('params.fundingSat');
    expect(field('channels.open', { uri, fundingSat: '19999' })).toBe('params.fundingSat');
    expect(field('channels.open', { uri, fundingSat: '16777216' })).toBe('params.fundingSat');
    expect(field('channels.open', { uri, fundingSat: '1e6' })).toBe('params.fundingSat');
    expect(field('channels.open', { uri, fundingSat: '100000', pushMsat: '-1' })).toBe('params.pushMsat');
    expect(field('channels.open', { uri, fundingSat: '100000', pushMsat: 5 })).toBe('params.pushMsat');
    expect(field('channels.open', { uri, fundingSat: '100000', pushMsat: '100000001' })).toBe('params.pushMsat');
    expect(field('channels.open', { uri, fundingSat: '100000', channelType: 'anchors' })).toBe('params.channelType');
    expect(field('channels.open', { uri, fundingSat: '100000', proxy: 5 })).toBe('params.proxy');
    expect(field('channels.open', { uri, fundingSat: '100000', zeroConf: true })).toBe('params.zeroConf');
    expect(field('channels.close', {})).toBe('params.channelId');
    expect(field('channels.close', { channelId: CID.toUpperCase() })).toBe('params.channelId');
    expect(field('channels.close', { channelId: CID.slice(2) })).toBe('params.channelId');
    expect(field('channels.close', { channelId: CID, force: 'yes' })).toBe('params.force');
  });

  it('checks results and events, naming the bad field', () => {
    expect(parseResult('channels.list', [channel])).toEqual([channel]);
    const pending = { ...channel, state: 'wait-for-accept-channel', type: null, isFunder: null, localMsat: '0', remoteMsat: '0', usable: false, shortChannelId: null, fundingTxid: null };
    expect(parseResult('channels.list', [pending])).toEqual([pending]);
    expect(parseChannelDto({ ...channel, peer: '', localId: -1 })).toMatchObject({ peer: '', localId: -1 });
    expect(parseResult('channels.open', { channelId: CID, fundingTxid: TXID })).toEqual({ channelId: CID, fundingTxid: TXID });
    expect(parseResult('channels.close', { closingTxid: TXID })).toEqual({ closingTxid: TXID });
    expect(parseNodeEvent({ type: 'channel.changed', channel })).toEqual({ type: 'channel.changed', channel });
    const note = { localId: 0, channelId: CID, peer: ID, source: 'peer', kind: 'error', text: 'bad sig', at: 1_700_000_000_000 };
    expect(parseNodeEvent({ type: 'channel.note', note })).toEqual({ type: 'channel.note', note });

    const bad = (c: unknown): string => fieldOf(() => parseResult('channels.list', [channel, c]));
    expect(bad({ ...channel, state: 'open' })).toBe('result[1].state');
    expect(bad({ ...channel, type: 'legacy' })).toBe('result[1].type');
    expect(bad({ ...channel, peer: 'zz' })).toBe('result[1].peer');
    expect(bad({ ...channel, channelId: 'c0' })).toBe('result[1].channelId');
    expect(bad({ ...channel, capacitySat: 100000 })).toBe('result[1].capacitySat');
    expect(bad({ ...channel, localMsat: '1.5' })).toBe('result[1].localMsat');
    expect(bad({ ...channel, localMsat: '95000000' })).toBe('result[1].localMsat'); // more than the capacity with remoteMsat
    expect(bad({ ...channel, usable: 1 })).toBe('result[1].usable');
    expect(bad({ ...channel, shortChannelId: '105:1:0' })).toBe('result[1].shortChannelId');
    expect(bad({ ...channel, fundingTxid: 'ab' })).toBe('result[1].fundingTxid');
    expect(bad({ ...channel, localId: 1.5 })).toBe('result[1].localId');
    expect(bad({ ...channel, secret: 'x' })).toBe('result[1].secret');
    // BOLT 2 minimum_depth: optional (an older worker has none), a u32 when present.
    expect(parseChannelDto({ ...channel, minimumDepth: 3 }).minimumDepth).toBe(3);
    expect(parseChannelDto({ ...channel, minimumDepth: 0 }).minimumDepth).toBe(0);
    expect('minimumDepth' in parseChannelDto(channel)).toBe(false);
    expect(bad({ ...channel, minimumDepth: -1 })).toBe('result[1].minimumDepth');
    expect(bad({ ...channel, minimumDepth: 1.5 })).toBe('result[1].minimumDepth');
    expect(bad({ ...channel, minimumDepth: '3' })).toBe('result[1].minimumDepth');
    expect(bad({ ...channel, minimumDepth: 2 ** 32 })).toBe('result[1].minimumDepth');
    const { frozen: _f, ...missing } = channel;
    expect(bad(missing)).toBe('result[1].frozen');
    // BOLT 5 closing outputs: each field checked and named.
    const output = { outpoint: `${TXID}:1`, kind: 'to_local', amountSat: '24000', status: 'waiting', availableAtHeight: 250, blocksLeft: 144, claimTxid: null };
    expect(parseResult('channels.list', [{ ...channel, outputs: [output, { ...output, status: 'claimed', availableAtHeight: null, blocksLeft: null, claimTxid: CID }] }])[0]!.outputs).toHaveLength(2);
    expect(bad({ ...channel, outputs: {} })).toBe('result[1].outputs');
    expect(bad({ ...channel, outputs: [output, { ...output, outpoint: TXID }] })).toBe('result[1].outputs[1].outpoint');
    expect(bad({ ...channel, outputs: [{ ...output, kind: 'change' }] })).toBe('result[1].outputs[0].kind');
    expect(bad({ ...channel, outputs: [{ ...output, status: 'lost' }] })).toBe('result[1].outputs[0].status');
    expect(bad({ ...channel, outputs: [{ ...output, amountSat: -1 }] })).toBe('result[1].outputs[0].amountSat');
    expect(bad({ ...channel, outputs: [{ ...output, availableAtHeight: 1.5 }] })).toBe('result[1].outputs[0].availableAtHeight');
    expect(bad({ ...channel, outputs: [{ ...output, blocksLeft: -2 }] })).toBe('result[1].outputs[0].blocksLeft');
    expect(bad({ ...channel, outputs: [{ ...output, claimTxid: 'ab' }] })).toBe('result[1].outputs[0].claimTxid');
    expect(bad({ ...channel, outputs: [{ ...output, script: '00' }] })).toBe('result[1].outputs[0].script');
    expect(fieldOf(() => parseResult('channels.list', {}))).toBe('result');
    expect(fieldOf(() => parseResult('channels.open', { channelId: CID }))).toBe('result.fundingTxid');
    expect(fieldOf(() => parseResult('channels.close', { closingTxid: 'x' }))).toBe('result.closingTxid');
    expect(fieldOf(() => parseNodeEvent({ type: 'channel.note', note: { ...note, kind: 'fatal' } }))).toBe('event.note.kind');
    expect(fieldOf(() => parseNodeEvent({ type: 'channel.note', note: { ...note, source: 'ldk' } }))).toBe('event.note.source');
    expect(fieldOf(() => parseNodeEvent({ type: 'channel.changed', channel: { ...channel, remoteMsat: -1 } }))).toBe('event.channel.remoteMsat');
  });

  it('channel DTOs survive structured cloning', () => {
    expect(parseChannelDto(structuredClone(channel))).toEqual(channel);
  });
});
