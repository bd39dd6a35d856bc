/**
 * `npm start`: the local Lightning playground, offline. Builds the PWA and serves it; starts a
 * regtest chain (bcoin, real consensus rules) with an Esplora API and faucet, the WebSocket→TCP
 * proxy (private destinations allowed, for loopback peers) and an LDK peer node fed every block.
 *
 * Environment: GLINT_APP_PORT (default 4173), GLINT_PROXY_PORT (8080), GLINT_LDK_PORT (9735),
 * GLINT_ESPLORA_PORT (3002), GLINT_SKIP_BUILD=1 to serve an existing dist/.
 */
import { spawnSync } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { preview } from 'vite';
import { startProxy } from '../proxy/server.ts';
import { createLdkNodeAtTip, RegtestChain, startEsplora } from './chain/index.ts';

const root = fileURLToPath(new URL('..', import.meta.url));

function envPort(name: string, fallback: number): number {
  const v = process.env[name];
  if (v === undefined || v === '') return fallback;
  const n = Number(v);
  if (!Number.isInteger(n) || n < 0 || n > 65535) throw new Error(`${name} must be a port number, got "${v}"`);
  return n;
}

async function main(): Promise<void> {
  const appPort = envPort('GLINT_APP_PORT', 4173);
  const proxyPort = envPort('GLINT_PROXY_PORT', 8080);
  const ldkPort = envPort('GLINT_LDK_PORT', 9735);
  const esploraPort = envPort('GLINT_ESPLORA_PORT', 3002);

  if (process.env.GLINT_SKIP_BUILD !== '1') {
    console.log('building the PWA…');
    const build = spawnSync(process.execPath, [`${root}node_modules/vite/bin/vite.js`, 'build', '--logLevel', 'warn'], { cwd: root, stdio: 'inherit' });
    if (build.status !== 0) throw new Error('vite build failed');
  }

  const chain = await RegtestChain.create();
  const esplora = await startEsplora(chain, { port: esploraPort });
  const { node: ldk } = await createLdkNodeAtTip(chain, { alias: 'playground-ldk', seed: new Uint8Array(32).fill(0x42) });
  const boundLdk = await ldk.listen(ldkPort, '127.0.0.1').catch(() => ldk.listen(0, '127.0.0.1'));
  // The worker reads this deployment's defaults from /glint.config.json: regtest on our Esplora.
  writeFileSync(`${root}dist/glint.config.json`, `${JSON.stringify({ network: 'regtest', esplora: { regtest: esplora.url } }, null, 2)}\n`);
  const proxy = await startProxy({ host: '127.0.0.1', port: proxyPort, allowPrivate: true, allowPorts: [boundLdk], logLevel: 'warn' });
  const server = await preview({ root, preview: { port: appPort, strictPort: true, host: '127.0.0.1' }, logLevel: 'warn' });

  console.log(`
Glint playground is running (Ctrl-C to stop)
  app:       http://127.0.0.1:${appPort}/
  esplora:   ${esplora.url}   (regtest, tip ${chain.height}; faucet: POST ${esplora.url}/regtest/faucet {"address","sats"})
  proxy:     ws://127.0.0.1:${proxy.port}
  LDK peer:  ${ldk.nodeIdHex}@127.0.0.1:${boundLdk}

Open the app (it starts on regtest with this Esplora): create a wallet, get an address, and
fund it:   curl -d '{"address":"<addr>","sats":100000}' ${esplora.url}/regtest/faucet
Peers: paste the LDK peer and the proxy URL, and press Connect.
From a terminal:
  npm run glint -- --network regtest connect ${ldk.nodeIdHex}@127.0.0.1:${boundLdk}
  npm run glint -- --network regtest --data ./.glint/demo --esplora ${esplora.url} init
`);

  let stopping = false;
  const stop = async (): Promise<void> => {
    if (stopping) return;
    stopping = true;
    console.log('stopping…');
    await Promise.allSettled([proxy.close(), ldk.stop(), esplora.close(), new Promise<void>((r) => server.httpServer.close(() => r()))]);
    await chain.close().catch(() => {});
    process.exit(0);
  };
  process.on('SIGINT', () => void stop());
  process.on('SIGTERM', () => void stop());
}

main().catch((err: unknown) => {
  console.error(`npm start: ${err instanceof Error ? err.message : String(err)}`);
  process.exit(1);
});
