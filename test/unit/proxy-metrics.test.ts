// `GET /metrics` of the proxy, read while real relays run on loopback: the Prometheus text counts
// the open and total connections, the bytes each way, refusals by reason and errors.
import { afterEach, describe, expect, it } from 'vitest';
import { ProxyMetrics } from '../../proxy/metrics.ts';
import type { RunningProxy } from '../../proxy/server.ts';
import { record, startEchoPeer, unusedPort, proxyTestScope } from '../harness/proxy-peers.ts';

const { peer, proxy, cleanup } = proxyTestScope();
afterEach(cleanup);

const url = (p: RunningProxy, path: string) => `ws://127.0.0.1:${p.port}${path}`;

/** Every sample of the exposition text: `name{labels}` → value. */
async function scrape(p: RunningProxy): Promise<Map<string, number>> {
  const res = await fetch(`http://127.0.0.1:${p.port}/metrics`);
  expect(res.status).toBe(200);
  expect(res.headers.get('content-type')).toMatch(/^text\/plain; version=0\.0\.4/);
  const out = new Map<string, number>();
  for (const line of (await res.text()).split('\n')) {
    if (line === '' || line.startsWith('#')) continue;
    const m = /^([a-z_]+(?:\{[^}]*\})?) (\S+)$/.exec(line);
    expect(m, `malformed sample line: ${line}`).not.toBeNull();
    out.set(m![1]!, Number(m![2]));
  }
  return out;
}

describe('proxy /metrics', () => {
  it('counts open and total connections and the bytes each way of a real relay', async () => {
    const echo = await peer(startEchoPeer());
    const p = await proxy({ allowPrivate: true, allowPorts: [echo.port] });
    const before = await scrape(p);
    expect(before.get('glint_proxy_connections_open')).toBe(0);
    expect(before.get('glint_proxy_connections_total')).toBe(0);
    expect(before.get('glint_proxy_uptime_seconds')).toBeGreaterThanOrEqual(0);

    const c = record(url(p, `/v1/127_0_0_1/${echo.port}`));
    await c.opened;
    c.ws.send(Buffer.from('0123456789'));
    await c.bytes(10);
    const during = await scrape(p);
    expect(during.get('glint_proxy_connections_open')).toBe(1);
    expect(during.get('glint_proxy_connections_total')).toBe(1);
    expect(during.get('glint_proxy_bytes_up_total')).toBe(10);
    expect(during.get('glint_proxy_bytes_down_total')).toBe(10);

    c.ws.close();
    await c.closed;
    await expect.poll(async () => (await scrape(p)).get('glint_proxy_connections_open')).toBe(0);
    const after = await scrape(p);
    expect(after.get('glint_proxy_connections_total')).toBe(1);
    expect(after.get('glint_proxy_errors_total')).toBe(0);
  });

  it('counts refusals by reason and failed connections as errors', async () => {
    const closedPort = await unusedPort();
    const p = await proxy({ allowPrivate: false, maxPerIp: 1, allowPorts: [closedPort] });
    // Policy: a loopback destination without --allow-private.
    const refused = record(url(p, `/v1/127_0_0_1/${closedPort}`));
    expect((await refused.closed).code).toBe(1008);
    // Policy: a malformed path.
    const malformed = record(url(p, '/v1/not a host/x'));
    expect((await malformed.closed).code).toBe(1008);
    const m = await scrape(p);
    expect(m.get('glint_proxy_refused_total{reason="policy"}')).toBe(2);
    expect(m.get('glint_proxy_refused_total{reason="limit"}')).toBe(0);
    expect(m.get('glint_proxy_connections_total')).toBe(0);

    // An error: the destination is allowed but nothing listens there.
    const q = await proxy({ allowPrivate: true, maxPerIp: 1, allowPorts: [closedPort] });
    const fails = record(url(q, `/v1/127_0_0_1/${closedPort}`));
    expect((await fails.closed).code).toBe(1011);
    await expect.poll(async () => (await scrape(q)).get('glint_proxy_errors_total')).toBe(1);
  });

  it('counts a per-IP cap refusal as a limit', async () => {
    const echo = await peer(startEchoPeer());
    const p = await proxy({ allowPrivate: true, allowPorts: [echo.port], maxPerIp: 1 });
    const first = record(url(p, `/v1/127_0_0_1/${echo.port}`));
    await first.opened;
    const second = record(url(p, `/v1/127_0_0_1/${echo.port}`));
    expect((await second.closed).code).toBe(1013);
    const m = await scrape(p);
    expect(m.get('glint_proxy_refused_total{reason="limit"}')).toBe(1);
    expect(m.get('glint_proxy_connections_open')).toBe(1);
    first.ws.close();
    await first.closed;
  });

  it('reports uptime from the injected clock', () => {
    let now = 1_000;
    const m = new ProxyMetrics(() => now);
    now += 2_500;
    expect(m.render(0)).toContain('\nglint_proxy_uptime_seconds 2.5\n');
  });
});
