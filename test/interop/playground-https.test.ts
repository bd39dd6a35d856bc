/**
 * `npm start -- --https`, checked: the playground started in-process with `https: true` on free
 * ports serves the PWA, /glint.config.json, the Esplora API (/esplora) and the proxy's WebSocket
 * (/ws) through ONE TLS origin with its generated self-signed certificate, and a client that
 * trusts that certificate (passed as `ca`, with hostname checks on) reaches all four; the
 * WebSocket relays bytes to the real LDK hub. Plain http on the same port gets no app.
 *
 * The certificate is read from the server's first TLS handshake and from then on trusted as the
 * only CA, so every later request also proves it is valid for 127.0.0.1.
 */
import { request as httpRequest } from 'node:http';
import { request as httpsRequest } from 'node:https';
import { connect as tlsConnect } from 'node:tls';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { WebSocket } from 'ws';
import { startPlayground, type Playground } from '../../playground/playground.ts';

let pg: Playground;
let ca = '';
let origin: URL;

/** The certificate the server presents, PEM. */
function serverCertificate(host: string, port: number): Promise<string> {
  return new Promise((resolve, reject) => {
    const s = tlsConnect({ host, port, servername: host === '127.0.0.1' ? undefined : host, rejectUnauthorized: false }, () => {
      const pem = s.getPeerX509Certificate()?.toString();
      s.end();
      if (pem) resolve(pem);
      else reject(new Error('no certificate'));
    });
    s.once('error', reject);
  });
}

/** GET over TLS trusting only `ca`. */
function get(url: string): Promise<{ status: number; type: string; body: string }> {
  return new Promise((resolve, reject) => {
    const req = httpsRequest(url, { ca, rejectUnauthorized: true }, (res) => {
      let body = '';
      res.setEncoding('utf8');
      res.on('data', (d: string) => (body += d));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, type: String(res.headers['content-type'] ?? ''), body }));
    });
    req.once('error', reject);
    req.end();
  });
}

beforeAll(async () => {
  pg = await startPlayground({ https: true, skipBuild: true, appPort: 0, proxyPort: 0, esploraPort: 0, hubPort: 0, shopPort: 0 });
  origin = new URL(pg.urls.app);
  ca = await serverCertificate(origin.hostname, Number(origin.port));
}, 120_000);

afterAll(async () => {
  await pg?.stop();
});

describe('npm start -- --https', () => {
  test('the app is served over https with a certificate valid for its host', async () => {
    expect(origin.protocol).toBe('https:');
    const res = await get(pg.urls.app);
    expect(res.status).toBe(200);
    expect(res.type).toMatch(/text\/html/);
    expect(res.body).toMatch(/<div id="app"/);
    // The manifest the service worker needs comes from the same origin.
    expect((await get(new URL('/manifest.webmanifest', origin).href)).status).toBe(200);
  });

  test('glint.config.json points the app at https Esplora and a wss proxy on the same origin, and both work', async () => {
    const res = await get(new URL('/glint.config.json', origin).href);
    expect(res.status).toBe(200);
    const config = JSON.parse(res.body) as { network: string; esplora: { regtest: string }; proxy: string; peers: string[] };
    expect(config.network).toBe('regtest');
    expect(config.esplora.regtest).toBe(`https://${origin.host}/esplora`);
    expect(config.proxy).toBe(`wss://${origin.host}/ws`);
    expect(config.peers).toEqual([pg.urls.hub]);

    // Esplora through the TLS origin: the chain's real tip.
    const height = await get(`${config.esplora.regtest}/blocks/tip/height`);
    expect(height.status).toBe(200);
    expect(Number(height.body)).toBe(pg.chain.height);
    const hash = await get(`${config.esplora.regtest}/blocks/tip/hash`);
    expect(hash.body).toMatch(/^[0-9a-f]{64}$/);

    // The proxy's WebSocket through the TLS origin, to the LDK hub: bytes reach it (a bogus BOLT 8
    // act one, 50 bytes of version 0xff) and the hub's disconnect comes back as a normal close.
    const hubPort = Number(pg.urls.hub.split(':').pop());
    const ws = new WebSocket(`${config.proxy}/v1/127_0_0_1/${hubPort}`, ['binary'], { ca });
    const texts: string[] = [];
    ws.on('message', (data, isBinary) => {
      if (!isBinary) texts.push(data.toString());
    });
    await new Promise<void>((resolve, reject) => {
      ws.once('open', () => resolve());
      ws.once('error', reject);
    });
    expect(ws.protocol).toBe('binary');
    ws.send(Buffer.alloc(50, 0xff));
    const closed = await new Promise<{ code: number; reason: string }>((resolve) => ws.once('close', (code, reason) => resolve({ code, reason: reason.toString() })));
    expect(texts).toEqual([]);
    expect(closed).toEqual({ code: 1000, reason: 'peer closed the connection' });
  });

  test('a client that does not trust the certificate is refused', async () => {
    const err = await new Promise<Error | null>((resolve) => {
      const req = httpsRequest(pg.urls.app, { rejectUnauthorized: true }, (res) => {
        res.resume();
        resolve(null);
      });
      req.once('error', (e) => resolve(e));
      req.end();
    });
    expect(err?.message ?? 'accepted').toMatch(/self[- ]signed|certificate/i);
  });

  test('plain http on the https port serves no app', async () => {
    const outcome = await new Promise<string>((resolve) => {
      const req = httpRequest({ host: origin.hostname, port: Number(origin.port), path: '/' }, (res) => {
        let body = '';
        res.setEncoding('utf8');
        res.on('data', (d: string) => (body += d));
        res.on('end', () => resolve(`status ${res.statusCode}: ${body.includes('<div id="app"') ? 'the app' : 'no app'}`));
      });
      req.once('error', (e) => resolve(`error ${(e as NodeJS.ErrnoException).code ?? e.message}`));
      req.end();
    });
    expect(outcome).not.toMatch(/the app/);
    expect(outcome).not.toMatch(/^status 2/);
  });
});
