// Proxy abuse limits and robustness on loopback: connection caps, X-Forwarded-For, Origin allow-list,
// malformed paths, garbage clients, health endpoint, shutdown.
import { connect, Socket } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { startProxy, type RunningProxy } from '../../proxy/server.ts';
import { rawRequest, record, startEchoPeer, startPeer, proxyTestScope, type Recorded } from '../harness/proxy-peers.ts';

const { peer, proxy, cleanup } = proxyTestScope();
afterEach(cleanup);

const url = (p: RunningProxy, path: string) => `ws://127.0.0.1:${p.port}${path}`;

async function echoRoundTrip(c: Recorded): Promise<string> {
  await c.opened;
  c.ws.send(Buffer.from('ping'));
  return (await c.bytes(4)).toString();
}

describe('proxy connection caps', () => {
  it('refuses the connection past the per-IP cap and frees the slot on close', async () => {
    const silent = await peer(startPeer());
    const p = await proxy({ allowPrivate: true, allowPorts: [silent.port], maxPerIp: 2, maxTotal: 10 });
    const path = `/v1/127_0_0_1/${silent.port}`;
    const a = record(url(p, path));
    const b = record(url(p, path));
    await Promise.all([a.opened, b.opened]);
    await expect.poll(() => silent.sockets.length).toBe(2);
    const c = record(url(p, path));
    expect(await c.closed).toMatchObject({ code: 1013 });
    expect(c.texts).toEqual(['Too many connections from your address (limit 2); try again later']);
    a.ws.close();
    await a.closed;
    await expect.poll(() => p.logs.filter((l) => l.event === 'close').length).toBe(1);
    const d = record(url(p, path));
    await d.opened;
    await expect.poll(() => silent.sockets.length).toBe(3);
    expect(d.texts).toEqual([]);
    b.ws.close();
    d.ws.close();
    await Promise.all([b.closed, d.closed]);
  });

  it('refuses the connection past the total cap', async () => {
    const silent = await peer(startPeer());
    const p = await proxy({ allowPrivate: true, allowPorts: [silent.port], maxPerIp: 10, maxTotal: 2 });
    const path = `/v1/127_0_0_1/${silent.port}`;
    const open = [record(url(p, path)), record(url(p, path))];
    await Promise.all(open.map((c) => c.opened));
    const extra = record(url(p, path));
    expect(await extra.closed).toMatchObject({ code: 1013 });
    expect(extra.texts).toEqual(['Proxy is at capacity (2 connections); try again later']);
    for (const c of open) c.ws.close();
    await Promise.all(open.map((c) => c.closed));
  });

  it('counts by the last X-Forwarded-For entry only with trustProxy', async () => {
    const echo = await peer(startEchoPeer());
    const path = `/v1/127_0_0_1/${echo.port}`;
    const trusting = await proxy({ allowPrivate: true, allowPorts: [echo.port], maxPerIp: 1, trustProxy: true });
    const a = record(url(trusting, path), { headers: { 'x-forwarded-for': '198.51.100.1, 203.0.113.9' } });
    const b = record(url(trusting, path), { headers: { 'x-forwarded-for': '203.0.113.10' } });
    expect(await echoRoundTrip(a)).toBe('ping');
    expect(await echoRoundTrip(b)).toBe('ping');
    const spoof = record(url(trusting, path), { headers: { 'x-forwarded-for': '192.0.2.77, 203.0.113.9' } });
    expect((await spoof.closed).code).toBe(1013);
    expect(trusting.logs.find((l) => l.event === 'refuse')?.ip).toBe('203.0.113.9');

    const plain = await proxy({ allowPrivate: true, allowPorts: [echo.port], maxPerIp: 1 });
    const c = record(url(plain, path), { headers: { 'x-forwarded-for': '203.0.113.1' } });
    expect(await echoRoundTrip(c)).toBe('ping');
    const d = record(url(plain, path), { headers: { 'x-forwarded-for': '203.0.113.2' } });
    expect((await d.closed).code).toBe(1013); // header ignored: both are 127.0.0.1
    for (const x of [a, b, c]) x.ws.close();
    await Promise.all([a.closed, b.closed, c.closed]);
  });
});

describe('proxy Origin allow-list', () => {
  it('refuses a bad or missing Origin and serves an allowed one', async () => {
    const echo = await peer(startEchoPeer());
    const p = await proxy({ allowPrivate: true, allowPorts: [echo.port], allowOrigins: ['https://app.example'] });
    const path = `/v1/127_0_0_1/${echo.port}`;
    const bad = record(url(p, path), { origin: 'https://evil.example' });
    expect(await bad.closed).toMatchObject({ code: 1008 });
    expect(bad.texts).toEqual(['Origin "https://evil.example" is not allowed']);
    const none = record(url(p, path));
    expect(await none.closed).toMatchObject({ code: 1008 });
    expect(none.texts).toEqual(['Origin header missing; this proxy only serves its allowed origins']);
    expect(echo.sockets).toHaveLength(0);
    const good = record(url(p, path), { origin: 'https://app.example' });
    expect(await echoRoundTrip(good)).toBe('ping');
    good.ws.close();
    await good.closed;
  });
});

describe('proxy malformed requests', () => {
  it.each([
    ['/v1/foo', 'Bad request path "/v1/foo": expected /v1/<host with . written as _>/<port>'],
    ['/v1/1_2_3_4/notaport', 'Bad request path "/v1/1_2_3_4/notaport": port "notaport" is not a number from 1 to 65535'],
    ['/v1/../..', 'Bad request path "/v1/../..": host ".." is not a valid hostname or IP address'],
    ['/v1/%2e%2e/%2e%2e', 'Bad request path "/v1/%2e%2e/%2e%2e": host ".." is not a valid hostname or IP address'],
    ['/', 'Bad request path "/": expected /v1/<host with . written as _>/<port>'],
  ])('refuses %s with one text frame and 1008', async (path, text) => {
    const p = await proxy({});
    const r = await rawRequest(p.port, path);
    expect(r).toMatchObject({ status: 101, texts: [text], closeCode: 1008 });
  });

  it('survives garbage and aborted handshakes, then serves the next client', async () => {
    const echo = await peer(startEchoPeer());
    let lookups = 0;
    const slowLookup = (h: string) => {
      lookups++;
      return new Promise<Array<{ address: string; family: number }>>((r) =>
        setTimeout(() => r(h === 'echo.test' ? [{ address: '127.0.0.1', family: 4 }] : []), 150));
    };
    const p = await proxy({ allowPrivate: true, allowPorts: [echo.port], lookup: slowLookup });

    expect((await rawRequest(p.port, '', 'GARBAGE\x00\x01 nonsense\r\n\r\n')).status).toBe(400);
    expect((await rawRequest(p.port, '', 'GET /v1/127_0_0_1/1 HTTP/1.1\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n\r\n')).status).toBe(400);
    // Binary junk, a half-sent request, an upgrade abandoned right after it was sent.
    for (const junk of [Buffer.from([0x16, 0x03, 0x01, 0x02, 0x00, 0xff, 0xfe]), Buffer.from('GET /v1/127_0_0_1/'),
      Buffer.from(`GET /v1/127_0_0_1/${echo.port} HTTP/1.1\r\nHost: x\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n` +
        'Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\nSec-WebSocket-Version: 13\r\n\r\n')]) {
      await new Promise<void>((resolve) => {
        const s: Socket = connect(p.port, '127.0.0.1', () => s.end(junk, () => {
          s.destroy();
          resolve();
        }));
        s.on('error', () => resolve());
      });
    }
    // A client that goes away while the proxy is still resolving/connecting.
    // The abandoned upgrade was a valid request: its relay starts, then ends when the client is gone.
    await expect.poll(() => p.logs.filter((l) => l.event === 'close').length).toBe(1);
    const before = echo.sockets.length;
    const quitter = record(url(p, `/v1/echo_test/${echo.port}`));
    await quitter.opened;
    quitter.ws.terminate();
    await new Promise((r) => setTimeout(r, 250));
    expect(lookups).toBe(1);
    expect(echo.sockets).toHaveLength(before); // the lookup answered after the client left: no connect
    expect(p.logs.find((l) => l.event === 'close' && l.dest === `echo.test:${echo.port}`)).toMatchObject({ code: 1006 });
    // ... and one that goes away the moment the upgrade completes.
    const instant = record(url(p, `/v1/127_0_0_1/${echo.port}`));
    instant.ws.on('open', () => instant.ws.terminate());
    await instant.closed;

    const next = record(url(p, `/v1/127_0_0_1/${echo.port}`));
    expect(await echoRoundTrip(next)).toBe('ping');
    next.ws.close();
    await next.closed;
    await expect.poll(() => echo.sockets.filter((s) => s.destroyed).length).toBe(echo.sockets.length);
  });
});

describe('proxy HTTP endpoints and shutdown', () => {
  it('answers /health with 200 ok, other paths with 404/426', async () => {
    const p = await proxy({});
    const health = await fetch(`http://127.0.0.1:${p.port}/health`);
    expect(health.status).toBe(200);
    expect(await health.text()).toBe('ok');
    expect((await fetch(`http://127.0.0.1:${p.port}/`)).status).toBe(404);
    expect((await fetch(`http://127.0.0.1:${p.port}/v1/1_2_3_4/9735`)).status).toBe(426);
  });

  it('close() ends every relay with 1001 and stops listening', async () => {
    const echo = await peer(startEchoPeer());
    const p = await startProxy({ port: 0, allowPrivate: true, allowPorts: [echo.port], logLevel: 'silent' });
    const c = record(url(p, `/v1/127_0_0_1/${echo.port}`));
    expect(await echoRoundTrip(c)).toBe('ping');
    const stuck = connect(p.port, '127.0.0.1');
    stuck.on('error', () => {});
    await new Promise<void>((r) => stuck.once('connect', () => r()));
    stuck.write('GET /health HTTP/1.1\r\nHost: x\r\n'); // never finishes its headers
    const t0 = Date.now();
    await p.close();
    expect(Date.now() - t0).toBeLessThan(1000);
    expect(await c.closed).toEqual({ code: 1001, reason: 'proxy shutting down' });
    await expect.poll(() => stuck.destroyed || stuck.readableEnded).toBe(true);
    stuck.destroy();
    await expect.poll(() => echo.sockets[0]?.destroyed).toBe(true);
    const after = await rawRequest(p.port, '/v1/127_0_0_1/9735', undefined, 1000);
    expect(after.status).toBe(0); // connection refused
    await p.close(); // idempotent
  });
});
