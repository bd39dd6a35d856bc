// The proxy end to end on loopback: real TCP peers, real `ws` clients. No DNS, no non-loopback traffic
// (hostnames go through an injected lookup; refused destinations are refused before any connect).
import { createHash, randomBytes } from 'node:crypto';
import { createServer, Socket } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import type { ConnectFn } from '../../proxy/options.ts';
import type { RunningProxy } from '../../proxy/server.ts';
import { record, startEchoPeer, startPeer, unusedPort, proxyTestScope } from '../harness/proxy-peers.ts';

const { peer, proxy, defer, cleanup } = proxyTestScope();
afterEach(cleanup);

/** A connect function that records calls and never connects anywhere. */
function neverConnect(): ConnectFn & { calls: Array<{ host: string; port: number }>; sockets: Socket[] } {
  const calls: Array<{ host: string; port: number }> = [];
  const sockets: Socket[] = [];
  const fn = (o: { host: string; port: number }) => {
    calls.push(o);
    const s = new Socket();
    sockets.push(s);
    return s;
  };
  return Object.assign(fn, { calls, sockets });
}

const url = (p: RunningProxy, path: string) => `ws://127.0.0.1:${p.port}${path}`;
const sha = (b: Buffer) => createHash('sha256').update(b).digest('hex');

describe('proxy relay', () => {
  it('carries bytes both ways as binary frames and echoes the binary subprotocol', async () => {
    const echo = await peer(startEchoPeer());
    const p = await proxy({ allowPrivate: true, allowPorts: [echo.port] });
    const c = record(url(p, `/v1/127_0_0_1/${echo.port}`), {}, ['binary']);
    // Sent on open, i.e. before the proxy's TCP connection is necessarily up: must be queued, not lost.
    c.ws.on('open', () => c.ws.send(Buffer.from('hello'), { binary: true }));
    await c.opened;
    expect(c.ws.protocol).toBe('binary');
    expect((await c.bytes(5)).toString()).toBe('hello');
    c.ws.send(Buffer.from(' world'));
    expect((await c.bytes(11)).toString()).toBe('hello world');
    expect(c.texts).toEqual([]);
    c.ws.close();
    expect((await c.closed).code).toBe(1005);
    await expect.poll(() => p.logs.find((l) => l.event === 'close')).toMatchObject({
      ip: '127.0.0.1', dest: `127.0.0.1:${echo.port}`, bytesUp: 11, bytesDown: 11,
    });
    expect(p.logs.find((l) => l.event === 'close')?.durationMs).toBeTypeOf('number');
  });

  it('selects no subprotocol when the client asks for none', async () => {
    const echo = await peer(startEchoPeer());
    const p = await proxy({ allowPrivate: true, allowPorts: [echo.port] });
    const c = record(url(p, `/v1/127_0_0_1/${echo.port}`));
    await c.opened;
    expect(c.ws.protocol).toBe('');
    c.ws.close();
    await c.closed;
  });

  it('delivers a 1 MB message intact and streams 4 MB down under back-pressure', async () => {
    const big = randomBytes(1_000_000);
    const down = randomBytes(4 << 20);
    const echo = await peer(startEchoPeer());
    const source = await peer(startPeer((s) => s.end(down)));
    const p = await proxy({ allowPrivate: true, allowPorts: [echo.port, source.port], highWaterMark: 64 << 10 });

    const c = record(url(p, `/v1/127_0_0_1/${echo.port}`));
    await c.opened;
    c.ws.send(big);
    expect(sha(await c.bytes(big.length))).toBe(sha(big));

    const d = record(url(p, `/v1/127_0_0_1/${source.port}`));
    const got = await d.bytes(down.length);
    expect(sha(got)).toBe(sha(down));
    expect(d.binaries.length).toBeGreaterThan(1); // each TCP chunk is its own message
    expect((await d.closed).reason).toBe('peer closed the connection');
    c.ws.close();
    await c.closed;
  });

  it('pauses the client when the peer reads slowly and loses nothing', async () => {
    const chunks = Array.from({ length: 16 }, () => randomBytes(512 << 10));
    const all = Buffer.concat(chunks);
    const slow = await peer(startPeer((s) => {
      s.pause();
      setTimeout(() => s.resume(), 300);
    }));
    const p = await proxy({ allowPrivate: true, allowPorts: [slow.port] });
    const c = record(url(p, `/v1/127_0_0_1/${slow.port}`));
    await c.opened;
    for (const ch of chunks) c.ws.send(ch);
    await expect.poll(() => Buffer.concat(slow.received[0] ?? []).length, { timeout: 5000 }).toBe(all.length);
    expect(sha(Buffer.concat(slow.received[0] ?? []))).toBe(sha(all));
    c.ws.close();
    await c.closed;
  });

  it('closes the client after the peer closes, delivering the last bytes first', async () => {
    const bye = await peer(startPeer((s) => s.end('bye')));
    const p = await proxy({ allowPrivate: true, allowPorts: [bye.port] });
    const c = record(url(p, `/v1/127_0_0_1/${bye.port}`));
    expect(await c.closed).toEqual({ code: 1000, reason: 'peer closed the connection' });
    expect(Buffer.concat(c.binaries).toString()).toBe('bye');
  });

  it('half-closes to the peer when the client closes, after flushing its data', async () => {
    const ended: boolean[] = [];
    const sink = await peer(startPeer((s) => s.on('end', () => ended.push(true))));
    const p = await proxy({ allowPrivate: true, allowPorts: [sink.port] });
    const c = record(url(p, `/v1/127_0_0_1/${sink.port}`));
    await c.opened;
    await expect.poll(() => sink.sockets.length).toBe(1);
    c.ws.send(Buffer.from('last words'));
    c.ws.close(1000);
    await expect.poll(() => ended.length).toBe(1);
    expect(Buffer.concat(sink.received[0] ?? []).toString()).toBe('last words');
  });

  it('resolves hostnames through the lookup and connects to a permitted address', async () => {
    const echo = await peer(startEchoPeer());
    const lookup = (h: string) => new Promise<Array<{ address: string; family: number }>>((r) =>
      setTimeout(() => r(h === 'peer.test' ? [{ address: '127.0.0.1', family: 4 }] : []), 50));
    const p = await proxy({ allowPrivate: true, allowPorts: [echo.port], lookup });
    const c = record(url(p, `/v1/peer_test/${echo.port}`));
    c.ws.on('open', () => c.ws.send(Buffer.from('early')));
    expect((await c.bytes(5)).toString()).toBe('early');
    expect(p.logs.find((l) => l.event === 'open')).toMatchObject({ dest: `peer.test:${echo.port}`, address: '127.0.0.1' });
    c.ws.close();
    await c.closed;
  });

  it('falls back to the next permitted address when one refuses', async () => {
    const echo = await peer(startEchoPeer()); // listens on 127.0.0.1 only, so 127.0.0.2 refuses
    const lookup = async () => [{ address: '127.0.0.2', family: 4 }, { address: '127.0.0.1', family: 4 }];
    const p = await proxy({ allowPrivate: true, allowPorts: [echo.port], lookup });
    const c = record(url(p, `/v1/two_test/${echo.port}`));
    await c.opened;
    c.ws.send(Buffer.from('ok'));
    expect((await c.bytes(2)).toString()).toBe('ok');
    expect(p.logs.find((l) => l.event === 'open')).toMatchObject({ address: '127.0.0.1' });
    c.ws.close();
    await c.closed;
  });

  it('treats text frames from the client as an error (1003)', async () => {
    const echo = await peer(startEchoPeer());
    const p = await proxy({ allowPrivate: true, allowPorts: [echo.port] });
    const c = record(url(p, `/v1/127_0_0_1/${echo.port}`));
    await c.opened;
    c.ws.send('text');
    expect(await c.closed).toEqual({ code: 1003, reason: 'text frames are not supported; send binary frames' });
  });

  it('closes with 1009 on a message above maxMessageBytes', async () => {
    const echo = await peer(startEchoPeer());
    const p = await proxy({ allowPrivate: true, allowPorts: [echo.port], maxMessageBytes: 4096 });
    const c = record(url(p, `/v1/127_0_0_1/${echo.port}`));
    await c.opened;
    c.ws.send(Buffer.alloc(5000));
    expect((await c.closed).code).toBe(1009);
  });
});

describe('proxy refusals', () => {
  async function refusedWith(p: RunningProxy, path: string, headers: Record<string, string> = {}) {
    const c = record(url(p, path), { headers });
    const closed = await c.closed;
    return { texts: c.texts, ...closed };
  }

  it.each([
    ['/v1/127_0_0_1/9735', 'Could not connect to 127.0.0.1:9735: destination is a loopback address (127.0.0.0/8)'],
    ['/v1/10_0_0_1/9735', 'Could not connect to 10.0.0.1:9735: destination is a private address (10.0.0.0/8)'],
    ['/v1/192_168_1_1/9735', 'Could not connect to 192.168.1.1:9735: destination is a private address (192.168.0.0/16)'],
    ['/v1/169_254_169_254/9735', 'Could not connect to 169.254.169.254:9735: destination is a link-local address (169.254.0.0/16)'],
    ['/v1/[::1]/9735', 'Could not connect to [::1]:9735: destination is a loopback address (::1/128)'],
    ['/v1/[fc00::1]/9735', 'Could not connect to [fc00::1]:9735: destination is a unique local address (fc00::/7)'],
    ['/v1/%5B%3A%3Affff%3A127.0.0.1%5D/9735', 'Could not connect to [::ffff:127.0.0.1]:9735: destination is IPv4-mapped 127.0.0.1, a loopback address (127.0.0.0/8)'],
  ])('refuses %s by default, before connecting', async (path, text) => {
    const connect = neverConnect();
    const p = await proxy({ connect });
    expect(await refusedWith(p, path)).toEqual({ texts: [text], code: 1008, reason: text.slice(0, 123) });
    expect(connect.calls).toEqual([]);
    expect(p.logs.find((l) => l.event === 'refuse')).toMatchObject({ ip: '127.0.0.1', code: 1008, reason: text });
  });

  it('refuses a hostname that resolves only to private addresses, before connecting', async () => {
    const connect = neverConnect();
    const lookup = async () => [{ address: '10.1.2.3', family: 4 }, { address: 'fd00::1', family: 6 }];
    const p = await proxy({ connect, lookup });
    const text = 'Could not connect to internal.test:9735: destination resolves to 10.1.2.3, a private address (10.0.0.0/8) (and 1 more refused)';
    expect(await refusedWith(p, '/v1/internal_test/9735')).toMatchObject({ texts: [text], code: 1008 });
    expect(connect.calls).toEqual([]);
  });

  it('skips refused addresses of a hostname and connects to the permitted one only', async () => {
    const connect = neverConnect();
    const lookup = async () => [{ address: '10.0.0.1', family: 4 }, { address: '8.8.8.8', family: 4 }];
    const p = await proxy({ connect, lookup, connectTimeoutMs: 100 });
    const r = await refusedWith(p, '/v1/mixed_test/9735');
    expect(connect.calls).toEqual([{ host: '8.8.8.8', port: 9735 }]); // stub socket: never dials
    expect(r).toMatchObject({ texts: ['Could not connect to mixed.test:9735: timed out after 0.1 s'], code: 1011 });
    expect(connect.sockets[0]?.destroyed).toBe(true);
  });

  it('reports DNS failure as a connect failure (1011)', async () => {
    const lookup = async () => {
      throw Object.assign(new Error('getaddrinfo ENOTFOUND nowhere.test'), { code: 'ENOTFOUND' });
    };
    const p = await proxy({ lookup });
    expect(await refusedWith(p, '/v1/nowhere_test/9735')).toMatchObject({
      texts: ['Could not connect to nowhere.test:9735: DNS lookup failed (host not found)'], code: 1011,
    });
  });

  it('refuses ports that are not allowed', async () => {
    const connect = neverConnect();
    const p = await proxy({ allowPrivate: true, allowPorts: [19735], connect });
    expect(await refusedWith(p, '/v1/127_0_0_1/22')).toMatchObject({
      texts: ['Could not connect to 127.0.0.1:22: port 22 is not allowed (allowed: 9735, 19735)'], code: 1008,
    });
    expect(connect.calls).toEqual([]);
  });

  it('reports connection refused (1011)', async () => {
    const port = await unusedPort();
    const p = await proxy({ allowPrivate: true, allowPorts: [port] });
    expect(await refusedWith(p, `/v1/127_0_0_1/${port}`)).toMatchObject({
      texts: [`Could not connect to 127.0.0.1:${port}: connection refused`], code: 1011,
    });
  });

  it('times out a destination that never accepts (connect timeout)', async () => {
    const connect = neverConnect();
    const p = await proxy({ allowPrivate: true, allowPorts: [9999], connect, connectTimeoutMs: 150 });
    const t0 = Date.now();
    expect(await refusedWith(p, '/v1/127_0_0_1/9999')).toMatchObject({
      texts: ['Could not connect to 127.0.0.1:9999: timed out after 0.15 s'], code: 1011,
    });
    expect(Date.now() - t0).toBeLessThan(2000);
    expect(connect.sockets[0]?.destroyed).toBe(true);
  });

  it('times out a DNS lookup that never answers', async () => {
    const p = await proxy({ lookup: () => new Promise(() => {}), connectTimeoutMs: 100 });
    expect(await refusedWith(p, '/v1/slow_test/9735')).toMatchObject({
      texts: ['Could not connect to slow.test:9735: timed out after 0.1 s'], code: 1011,
    });
  });

  it('closes an idle relay (peer accepts and never sends)', async () => {
    const silent = await peer(startPeer());
    const p = await proxy({ allowPrivate: true, allowPorts: [silent.port], idleTimeoutMs: 200 });
    const c = record(url(p, `/v1/127_0_0_1/${silent.port}`));
    await c.opened;
    const t0 = Date.now();
    expect(await c.closed).toEqual({ code: 1000, reason: 'idle timeout (no data for 0.2 s)' });
    expect(Date.now() - t0).toBeLessThan(2000);
    await expect.poll(() => silent.sockets[0]?.destroyed || silent.sockets[0]?.readableEnded).toBe(true);
  });

  it('traffic in either direction keeps a relay from going idle', async () => {
    const echo = await peer(startEchoPeer());
    const p = await proxy({ allowPrivate: true, allowPorts: [echo.port], idleTimeoutMs: 250 });
    const c = record(url(p, `/v1/127_0_0_1/${echo.port}`));
    await c.opened;
    for (let i = 1; i <= 6; i++) {
      c.ws.send(Buffer.from('x'));
      await c.bytes(i);
      await new Promise((r) => setTimeout(r, 100));
    }
    expect(c.ws.readyState).toBe(c.ws.OPEN);
    c.ws.close();
    await c.closed;
  });

  it('IPv6 literals in brackets reach an IPv6 loopback peer when allowed', async (ctx) => {
    const srv = createServer((s) => s.pipe(s));
    const ok = await new Promise<boolean>((r) => {
      srv.once('error', () => r(false));
      srv.listen(0, '::1', () => r(true));
    });
    if (!ok) ctx.skip();
    defer(() => new Promise<void>((r) => srv.close(() => r())));
    const port = (srv.address() as { port: number }).port;
    const p = await proxy({ allowPrivate: true, allowPorts: [port] });
    const c = record(url(p, `/v1/[::1]/${port}`));
    await c.opened;
    c.ws.send(Buffer.from('v6'));
    expect((await c.bytes(2)).toString()).toBe('v6');
    c.ws.close();
    await c.closed;
  });
});
