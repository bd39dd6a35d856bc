/**
 * The real peers behind the browser e2e tests, started by Playwright's `webServer` under tsx
 * (the proxy and the LDK harness are .ts modules importing .ts modules, which Playwright's own
 * loader is not relied on for):
 *
 *   - an LDK node (npm `lightningdevkit`, WASM) listening on loopback TCP;
 *   - Glint's WebSocket→TCP proxy, allowed to reach exactly that port on loopback;
 *   - a small HTTP endpoint on FIXTURE_PORT (default 4175) describing them:
 *       GET /fixtures.json → { peerUri, nodeIdHex, ldkPort, proxyUrl, proxyPort }
 *       GET /ldk/peers     → [{ nodeIdHex, inbound, features }]  (what LDK sees)
 *
 * SIGTERM/SIGINT close everything.
 */
import { createServer } from 'node:http';
import { LdkNode } from '../../playground/ldk/node.ts';
import { startProxy } from '../../proxy/server.ts';

export interface Fixtures {
  peerUri: string;
  nodeIdHex: string;
  ldkPort: number;
  proxyUrl: string;
  proxyPort: number;
}

const fixturePort = Number(process.env.FIXTURE_PORT ?? 4175);

const ldk = await LdkNode.create({ network: 'regtest', alias: 'e2e-ldk' });
const ldkPort = await ldk.listen(0, '127.0.0.1');
const proxy = await startProxy({ port: 0, host: '127.0.0.1', allowPrivate: true, allowPorts: [ldkPort], logLevel: 'warn' });

const fixtures: Fixtures = {
  peerUri: `${ldk.nodeIdHex}@127.0.0.1:${ldkPort}`,
  nodeIdHex: ldk.nodeIdHex,
  ldkPort,
  proxyUrl: `ws://127.0.0.1:${proxy.port}`,
  proxyPort: proxy.port,
};

const http = createServer((req, res) => {
  const json = (body: unknown): void => {
    res.writeHead(200, { 'content-type': 'application/json', 'cache-control': 'no-store' });
    res.end(JSON.stringify(body));
  };
  if (req.url === '/fixtures.json') json(fixtures);
  else if (req.url === '/ldk/peers') json(ldk.peers().map((p) => ({ nodeIdHex: p.nodeIdHex, inbound: p.inbound, features: p.features })));
  else {
    res.writeHead(404, { 'content-type': 'text/plain' });
    res.end('not found\n');
  }
});
await new Promise<void>((resolve, reject) => {
  http.once('error', reject);
  http.listen(fixturePort, '127.0.0.1', () => resolve());
});
console.log(`e2e fixtures ready on http://127.0.0.1:${fixturePort}: ${JSON.stringify(fixtures)}`);

let stopping = false;
async function stop(signal: string): Promise<void> {
  if (stopping) return;
  stopping = true;
  console.log(`e2e fixtures: ${signal}, shutting down`);
  http.close();
  await Promise.allSettled([proxy.close(), ldk.stop()]);
  process.exit(0);
}
process.on('SIGTERM', () => void stop('SIGTERM'));
process.on('SIGINT', () => void stop('SIGINT'));
