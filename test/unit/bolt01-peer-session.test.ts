/**
 * BOLT 1 peer session over BOLT 8, between two engine nodes on an in-memory socket pair:
 * init exchange, ping/pong, timeouts, ping floods, hostile bytes, feature rules, reconnection.
 */
import { describe, expect, it } from 'vitest';
import { bytesToHex } from '../../engine/lib/bytes.ts';
import { publicKeyOf } from '../../engine/crypto/secp256k1.ts';
import { PeerManager, type PeerEvent, type PeerManagerOptions } from '../../engine/node/peer-manager.ts';
import type { Dialer, Socket } from '../../engine/ports.ts';
import { FeatureVector } from '../../engine/wire/features.ts';
import { GLINT_INIT_FEATURES } from '../../engine/peer/features.ts';
import { NoiseSession } from '../../engine/transport/index.ts';
import { encodeMessage } from '../../engine/wire/message.ts';
import { CapturingLogger, flush, ManualClock, seededEntropy, socketPair } from '../harness/loopback.ts';
import { rawResponder, type RawPeer } from '../harness/raw-peer.ts';

const SECRET_A = new Uint8Array(32).fill(0x11);
const SECRET_B = new Uint8Array(32).fill(0x22);
const ID_B = bytesToHex(publicKeyOf(SECRET_B));

interface World {
  clock: ManualClock;
  a: PeerManager;
  b: PeerManager;
  eventsA: PeerEvent[];
  eventsB: PeerEvent[];
  logA: CapturingLogger;
  sockets: (Socket & { tap: Uint8Array[] })[];
  /** When set, B is not a PeerManager but this raw handler (a hostile peer). */
  reachable: { value: boolean };
}

function world(opts: { a?: Partial<PeerManagerOptions>; b?: Partial<PeerManagerOptions> } = {}): World {
  const clock = new ManualClock();
  const sockets: (Socket & { tap: Uint8Array[] })[] = [];
  const reachable = { value: true };
  let b: PeerManager;
  const dialer: Dialer = {
    dial() {
      if (!reachable.value) return Promise.reject(new Error('connection refused'));
      const [sa, sb] = socketPair('a', 'b');
      sockets.push(sa, sb);
      b.accept(sb);
      return Promise.resolve(sa);
    },
  };
  const logA = new CapturingLogger();
  const a = new PeerManager({ nodeSecret: SECRET_A, dialer, clock, entropy: seededEntropy('a'), logger: logA, ...opts.a });
  b = new PeerManager({ nodeSecret: SECRET_B, dialer, clock, entropy: seededEntropy('b'), ...opts.b });
  const eventsA: PeerEvent[] = [];
  const eventsB: PeerEvent[] = [];
  a.subscribe((e) => eventsA.push(e));
  b.subscribe((e) => eventsB.push(e));
  return { clock, a, b, eventsA, eventsB, logA, sockets, reachable };
}

async function settle<T>(w: World, p: Promise<T>): Promise<T> {
  let done = false;
  p.then(
    () => (done = true),
    () => (done = true),
  );
  for (let i = 0; i < 50 && !done; i++) await w.clock.advance(1);
  return p;
}

describe('BOLT 1 init exchange over BOLT 8', () => {
  it('both sides become ready and see each other’s features', async () => {
    const w = world();
    const info = await settle(w, w.a.connect(`${ID_B}@127.0.0.1:9735`));
    expect(info.nodeId).toBe(ID_B);
    expect(info.features).toMatchObject({ var_onion_optin: 'required', option_static_remotekey: 'required' });
    expect(w.b.peers().map((p) => p.nodeId)).toEqual([w.a.nodeId]);
    expect(w.eventsB[0]).toMatchObject({ type: 'connected', peer: { nodeId: w.a.nodeId, inbound: true } });
  });

  it('reports a peer that requires a feature we lack, naming it', async () => {
    const w = world({ b: { session: { localFeatures: GLINT_INIT_FEATURES.union(FeatureVector.fromBits([100])) } } });
    await expect(settle(w, w.a.connect(`${ID_B}@127.0.0.1:9735`))).rejects.toThrow(/requires features unknown to us: \[100\]/);
  });

  it('reports a peer that lacks a feature we require, naming it', async () => {
    const w = world({ b: { session: { localFeatures: GLINT_INIT_FEATURES.without([12]) } } });
    await expect(settle(w, w.a.connect(`${ID_B}@127.0.0.1:9735`))).rejects.toThrow(/lacks features we require: \[12 \(option_static_remotekey\)\]/);
  });

  it('refuses a peer on another chain', async () => {
    const regtest = new Uint8Array(32).fill(1);
    const other = new Uint8Array(32).fill(2);
    const w = world({ a: { session: { chainHashes: [regtest] } }, b: { session: { chainHashes: [other] } } });
    await expect(settle(w, w.a.connect(`${ID_B}@127.0.0.1:9735`))).rejects.toThrow(/none of our chains/);
  });

  it('fails the handshake when the node id is wrong', async () => {
    const w = world();
    const wrong = bytesToHex(publicKeyOf(new Uint8Array(32).fill(0x33)));
    await expect(settle(w, w.a.connect(`${wrong}@127.0.0.1:9735`))).rejects.toThrow();
    expect(w.b.peers()).toEqual([]);
  });

  it('times out when the peer never answers', async () => {
    const clock = new ManualClock();
    const [sa] = socketPair();
    const a = new PeerManager({ nodeSecret: SECRET_A, dialer: { dial: () => Promise.resolve(sa) }, clock, entropy: seededEntropy('x') });
    const p = a.connect(`${ID_B}@127.0.0.1:9735`);
    const result = expect(p).rejects.toThrow(/handshake timed out/);
    await clock.advance(16_000);
    await result;
  });
});

describe('BOLT 1 ping and pong', () => {
  it('measures the round trip and pings on schedule', async () => {
    const w = world({ a: { session: { pingIntervalMs: 30_000 } } });
    await settle(w, w.a.connect(`${ID_B}@127.0.0.1:9735`));
    const rtt = await settle(w, w.a.ping(ID_B));
    expect(rtt).toBeGreaterThanOrEqual(0);
    await w.clock.advance(31_000);
    expect(w.eventsA.filter((e) => e.type === 'ping').length).toBe(2);
  });

  it('drops a peer that stops answering pings', async () => {
    const w = world({ a: { session: { pingIntervalMs: 30_000, pongTimeoutMs: 5_000 } } });
    await settle(w, w.a.connect(`${ID_B}@127.0.0.1:9735`));
    // Make B deaf: swallow everything A sends from now on.
    const toB = w.sockets[0]!;
    toB.write = () => {};
    await w.clock.advance(36_000);
    expect(w.eventsA.find((e) => e.type === 'disconnected')).toMatchObject({ reason: expect.stringMatching(/no pong/) });
  });

  it('answers reasonable pings and drops a peer that floods us with them', async () => {
    const w = world();
    await settle(w, w.a.connect(`${ID_B}@127.0.0.1:9735`));
    const fromA = w.sockets[0]!;
    const base = fromA.tap.length;
    // Within the burst allowance A answers every ping with a pong.
    for (let i = 0; i < 5; i++) w.b.send(w.a.nodeId, { type: 'ping', numPongBytes: 4, ignoredLength: 0 });
    await flush();
    const pongs = fromA.tap.length - base;
    expect(w.a.peers().length).toBe(1);
    // Far beyond it, A hangs up, saying why.
    for (let i = 0; i < 20 && w.b.peers().length > 0; i++) {
      w.b.send(w.a.nodeId, { type: 'ping', numPongBytes: 4, ignoredLength: 0 });
      await flush();
    }
    expect(pongs).toBe(5);
    expect(w.eventsA.find((e) => e.type === 'disconnected')).toMatchObject({ reason: expect.stringMatching(/flooding/) });
    expect(w.eventsB).toContainEqual({ type: 'remote-error', nodeId: w.a.nodeId, kind: 'warning', text: 'peer is flooding us with pings', channelId: '00'.repeat(32) });
  });
});

describe('BOLT 1 hostile and odd peers', () => {
  it('surfaces error and warning text from the peer', async () => {
    const w = world();
    await settle(w, w.a.connect(`${ID_B}@127.0.0.1:9735`));
    w.b.send(w.a.nodeId, { type: 'warning', channelId: new Uint8Array(32), data: new TextEncoder().encode('careful') });
    await flush();
    expect(w.eventsA).toContainEqual({ type: 'remote-error', nodeId: ID_B, kind: 'warning', text: 'careful', channelId: '00'.repeat(32) });
  });

  /** A engine node A connected to a scripted raw peer R (R writes any bytes it likes). */
  async function rawWorld(): Promise<{ clock: ManualClock; a: PeerManager; events: PeerEvent[]; raw: RawPeer; logger: CapturingLogger }> {
    const clock = new ManualClock();
    const logger = new CapturingLogger();
    let raw: RawPeer | undefined;
    const a = new PeerManager({
      nodeSecret: SECRET_A,
      clock,
      entropy: seededEntropy('a'),
      logger,
      dialer: {
        dial() {
          const [sa, sb] = socketPair();
          raw = rawResponder(sb, SECRET_B);
          return Promise.resolve(sa);
        },
      },
    });
    const events: PeerEvent[] = [];
    a.subscribe((e) => events.push(e));
    const p = a.connect(`${ID_B}@127.0.0.1:9735`);
    for (let i = 0; i < 20; i++) await clock.advance(1);
    await p;
    return { clock, a, events, raw: raw!, logger };
  }

  it('ignores an unknown odd message and disconnects on an unknown even one, saying why', async () => {
    const w = await rawWorld();
    w.raw.sendRaw(Uint8Array.of(0x80, 0x01, 1, 2, 3));
    await flush();
    expect(w.a.peers().map((p) => p.nodeId)).toEqual([ID_B]);
    w.raw.sendRaw(Uint8Array.of(0x80, 0x00, 1, 2, 3));
    await flush();
    expect(w.events.find((e) => e.type === 'disconnected')).toMatchObject({ reason: expect.stringMatching(/unknown even message type 32768/) });
    expect(w.raw.received.at(-1)).toMatchObject({ type: 'warning' });
    expect(w.raw.closed).toBe(true);
    expect(w.logger.text()).toMatch(/unknown even message type/);
  });

  it('keeps other peers connected when one misbehaves', async () => {
    const w = world();
    await settle(w, w.a.connect(`${ID_B}@127.0.0.1:9735`));
    const [evil, sb] = socketPair();
    w.a.accept(sb);
    evil.start({ data() {}, closed() {} });
    evil.write(new Uint8Array(50).fill(0xee));
    await flush();
    expect(w.a.peers().map((p) => p.nodeId)).toEqual([ID_B]);
    expect(await settle(w, w.a.ping(ID_B))).toBeGreaterThanOrEqual(0);
  });

  it('disconnects on a malformed known message', async () => {
    const w = await rawWorld();
    w.raw.sendRaw(Uint8Array.of(0x00, 0x12, 0x00));
    await flush();
    expect(w.events.find((e) => e.type === 'disconnected')).toMatchObject({ reason: expect.stringMatching(/bad message from peer: ping.num_pong_bytes/) });
  });

  it('disconnects a peer that sends a second init', async () => {
    const w = await rawWorld();
    w.raw.send({ type: 'init', globalFeatures: new Uint8Array(0), features: GLINT_INIT_FEATURES.toBytes() });
    await flush();
    expect(w.events.find((e) => e.type === 'disconnected')).toMatchObject({ reason: 'peer sent a second init' });
  });

  it('disconnects a responder-side peer that sends garbage instead of act 1', async () => {
    const clock = new ManualClock();
    const logger = new CapturingLogger();
    const b = new PeerManager({ nodeSecret: SECRET_B, clock, entropy: seededEntropy('b'), logger, dialer: { dial: () => Promise.reject(new Error('no')) } });
    const [evil, sb] = socketPair();
    let closed = false;
    evil.start({ data() {}, closed: () => (closed = true) });
    b.accept(sb);
    evil.write(new Uint8Array(50).fill(7));
    await flush();
    expect(closed).toBe(true);
    expect(logger.text()).toMatch(/transport: act1/i);
  });

  it('refuses a message before init', async () => {
    const w = world();
    // A sends a ping right after the handshake, before its init: emulate with a raw initiator.
    const [sa, sb] = socketPair();
    w.b.accept(sb);
    const noise = NoiseSession.initiator(
      { localStaticSecret: SECRET_A, localStaticPublic: publicKeyOf(SECRET_A), ephemeralSecret: new Uint8Array(32).fill(9) },
      publicKeyOf(SECRET_B),
    );
    sa.start({
      data(bytes) {
        const r = noise.receive(bytes);
        for (const s of r.send) sa.write(s);
        if (noise.ready && r.send.length) sa.write(noise.encrypt(encodeMessage({ type: 'ping', numPongBytes: 1, ignoredLength: 0 })));
      },
      closed() {},
    });
    sa.write(noise.start());
    await flush();
    expect(w.b.peers()).toEqual([]);
  });
});

describe('reconnection with backoff', () => {
  it('redials after the connection drops, with growing delays, until disconnect', async () => {
    const w = world({ backoff: undefined } as never);
    await settle(w, w.a.connect(`${ID_B}@127.0.0.1:9735`, { reconnect: true }));
    w.reachable.value = false;
    w.sockets[1]!.close();
    await flush();
    expect(w.eventsA.find((e) => e.type === 'disconnected')).toMatchObject({ willReconnect: true });
    await w.clock.advance(1_300);
    await w.clock.advance(2_600);
    const attempts = w.logA.entries.filter((e) => e.message === 'reconnect failed').length;
    expect(attempts).toBeGreaterThanOrEqual(2);
    w.reachable.value = true;
    await w.clock.advance(10_000);
    expect(w.a.peers().map((p) => p.nodeId)).toEqual([ID_B]);
    w.a.disconnect(ID_B);
    await w.clock.advance(120_000);
    expect(w.a.peers()).toEqual([]);
  });
});
