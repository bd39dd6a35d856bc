/**
 * The LDK harness itself: real LDK nodes on real loopback TCP. These are the facts every other
 * interop test builds on — two LDK nodes handshake, feature overrides make a stock LDK peer
 * refuse us for the right reason, and stop() leaves nothing running.
 */
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { measureLdkToLdkHandshake } from '../../playground/ldk/handshake-bench.ts';
import { LdkNode } from '../../playground/ldk/node.ts';
import type { LdkNodeOptions } from '../../playground/ldk/node.ts';
import { loadLdk } from '../../playground/ldk/wasm.ts';

/** Open TCP sockets and listeners in this process, by kind. */
function tcpResources(): { sockets: number; servers: number } {
  const info = process.getActiveResourcesInfo();
  return {
    sockets: info.filter((kind) => kind === 'TCPSocketWrap' || kind === 'TCPWrap').length,
    servers: info.filter((kind) => kind === 'TCPServerWrap').length,
  };
}

const nodes: LdkNode[] = [];
async function node(options: Omit<LdkNodeOptions, 'network'> = {}): Promise<LdkNode> {
  const created = await LdkNode.create({ network: 'regtest', ...options });
  nodes.push(created);
  return created;
}

describe('LDK harness', () => {
  let stock: LdkNode;
  let stockPort: number;

  beforeAll(async () => {
    await loadLdk();
    stock = await node({ alias: 'stock', seed: new Uint8Array(32).fill(2) });
    stockPort = await stock.listen();
  });

  afterAll(async () => {
    await Promise.all(nodes.map((n) => n.stop()));
  });

  // First, while no other connection is open or closing, so the process-wide counts are exact.
  test('stop() closes every socket, listener and timer', async () => {
    const before = tcpResources();
    const listener = await node({ alias: 'stop-listener' });
    const dialer = await node({ alias: 'stop-dialer' });
    const port = await listener.listen();
    await dialer.connect(listener.nodeId, '127.0.0.1', port);
    await listener.waitForPeer(dialer.nodeIdHex, 5000);
    const during = tcpResources();
    expect(during.servers).toBe(before.servers + 1);
    expect(during.sockets).toBe(before.sockets + 2);

    await Promise.all([dialer.stop(), listener.stop()]);
    expect(tcpResources()).toEqual(before);
    await dialer.stop(); // idempotent
    expect(() => dialer.peers()).not.toThrow();
    await expect(dialer.connect(listener.nodeId, '127.0.0.1', port)).rejects.toThrow(/stopped/);
  });

  test('a seed gives a stable 33-byte node id', async () => {
    const again = await node({ seed: new Uint8Array(32).fill(2) });
    expect(again.nodeId).toHaveLength(33);
    expect(again.nodeIdHex).toBe(stock.nodeIdHex);
    await again.stop();
  });

  test('two LDK nodes connect over TCP and list each other', async () => {
    const dialer = await node({ alias: 'dialer' });
    await dialer.connect(stock.nodeId, '127.0.0.1', stockPort);
    // connect() resolves only once init was exchanged, so the peer is already listed.
    const seenByDialer = dialer.peers().find((p) => p.nodeIdHex === stock.nodeIdHex);
    expect(seenByDialer).toMatchObject({ inbound: false });
    expect(seenByDialer!.features).toEqual(expect.arrayContaining([0, 8, 12, 14, 17, 45]));
    await stock.waitForPeer(dialer.nodeIdHex, 5000);
    expect(stock.peers().find((p) => p.nodeIdHex === dialer.nodeIdHex)).toMatchObject({ inbound: true });

    dialer.disconnect(stock.nodeId);
    await Promise.all([dialer.waitForNoPeer(stock.nodeIdHex, 5000), stock.waitForNoPeer(dialer.nodeIdHex, 5000)]);
  });

  test('an LDK node omitting static_remotekey (12/13) is disconnected by stock LDK, naming [12]', async () => {
    const lacking = await node({ alias: 'no-static-remotekey', features: { omit: [12, 13] } });
    await expect(lacking.connect(stock.nodeId, '127.0.0.1', stockPort, 5000)).rejects.toThrow(/closed before init completed/);
    const line = await stock.waitForLog(new RegExp(`We require features unknown to our peer ${lacking.nodeIdHex}: \\[12\\]`), 5000);
    expect(line).toContain('[12]');
    expect(stock.peers().map((p) => p.nodeIdHex)).not.toContain(lacking.nodeIdHex);
  });

  test('an LDK node requiring unknown even bit 100 is refused by stock LDK, naming [100]', async () => {
    const demanding = await node({ alias: 'requires-100', features: { addRequired: [100] } });
    await expect(demanding.connect(stock.nodeId, '127.0.0.1', stockPort, 5000)).rejects.toThrow(/closed before init completed/);
    const line = await stock.waitForLog(new RegExp(`Peer ${demanding.nodeIdHex} requires features unknown to us: \\[100\\]`), 5000);
    expect(line).toContain('[100]');
    expect(stock.peers().map((p) => p.nodeIdHex)).not.toContain(demanding.nodeIdHex);
  });

  test('an unknown odd bit (101) is accepted and visible in the peer’s features', async () => {
    const extra = await node({ alias: 'optional-101', features: { addOptional: [101] } });
    await extra.connect(stock.nodeId, '127.0.0.1', stockPort, 5000);
    await stock.waitForPeer(extra.nodeIdHex, 5000);
    expect(stock.peers().find((p) => p.nodeIdHex === extra.nodeIdHex)!.features).toContain(101);
    await extra.stop();
    await stock.waitForNoPeer(extra.nodeIdHex, 5000);
  });

  test('connect() rejects when nothing listens', async () => {
    const lonely = await node({ alias: 'lonely' });
    const closedPort = await lonely.listen();
    const other = await node({ alias: 'other' });
    await lonely.stop(); // frees the port: the dial is refused
    await expect(other.connect(lonely.nodeId, '127.0.0.1', closedPort, 5000)).rejects.toThrow(/ECONNREFUSED|closed before init/);
  });

  test('LDK→LDK handshake benchmark measures each fresh connection', async () => {
    const times = await measureLdkToLdkHandshake(5);
    expect(times).toHaveLength(5);
    for (const ms of times) expect(ms).toBeGreaterThan(0);
    const sorted = [...times].sort((a, b) => a - b);
    console.log(`LDK→LDK TCP+BOLT8+init over loopback: median ${sorted[2]!.toFixed(1)} ms, all [${times.map((t) => t.toFixed(1)).join(', ')}]`);
  });
});
