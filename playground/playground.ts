/**
 * The local Lightning playground behind `npm start`, offline: a regtest chain (bcoin, real
 * consensus rules) with an Esplora API, the WebSocket→TCP proxy (private destinations allowed, for
 * loopback peers), two LDK nodes (hub and shop, lightning.ts) with a confirmed hub→shop channel,
 * the built PWA preconfigured for all of it (/glint.config.json), and the playground page
 * (/playground/) over its JSON API (/api/, api.ts).
 *
 * `startPlayground(opts)` resolves once everything is up and the shop's channel is usable, with
 * the URLs and `stop()`, which closes every server, socket and timer it opened.
 *
 * Nothing is written unless `data` (`--data <dir>`, data-dir.ts) names a directory: then the
 * chain, the hub and the shop (keys, channels) and what they were paid come back from it on the
 * next start, and the hub→shop channel is reused rather than opened again.
 */
import { spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import type { IncomingMessage, Server as HttpServer, ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { networkInterfaces } from 'node:os';
import { fileURLToPath } from 'node:url';
import { randomBytes } from 'node:crypto';
import { preview, type Plugin } from 'vite';
import { startProxy } from '../proxy/server.ts';
import { RegtestChain, startEsplora } from './chain/index.ts';
import { handleApi, type PlaygroundApiContext } from './api.ts';
import { connectShop, PlaygroundLog, startPeer, type PlaygroundPeer } from './lightning.ts';
import { loadClaimed, openDataDir, saveClaimed, type PlaygroundData } from './data-dir.ts';
import { selfSignedCertificate } from './self-signed.ts';
import type { PlaygroundOptions } from './options.ts';

const root = fileURLToPath(new URL('..', import.meta.url));

export interface PlaygroundUrls {
  app: string;
  page: string;
  api: string;
  esplora: string;
  proxy: string;
  /** `<node id>@127.0.0.1:<port>`: what Glint connects to (through the proxy in a browser). */
  hub: string;
  shop: string;
}

export interface Playground {
  readonly urls: PlaygroundUrls;
  readonly chain: RegtestChain;
  readonly hub: PlaygroundPeer;
  readonly shop: PlaygroundPeer;
  readonly log: PlaygroundLog;
  stop(): Promise<void>;
}

export interface StartOptions extends Partial<Omit<PlaygroundOptions, 'help'>> {
  /** One line per part as it comes up (default: nowhere). */
  progress?: (line: string) => void;
  /** Echo the node log lines (default: nowhere). */
  onLog?: (line: string) => void;
  /** Capacity of the hub→shop channel (default 2,000,000 sat). */
  shopChannelSat?: bigint;
}

const page = {
  html: readFileSync(new URL('./page/index.html', import.meta.url), 'utf8'),
  js: undefined as string | undefined,
};

/** Bundle page/page.ts (and the app's QR encoder it imports) with esbuild, vite's own bundler. */
async function pageScript(): Promise<string> {
  if (page.js !== undefined) return page.js;
  const { build } = await import('esbuild');
  const out = await build({ entryPoints: [fileURLToPath(new URL('./page/page.ts', import.meta.url))], bundle: true, write: false, format: 'esm', target: 'es2022', minify: true, logLevel: 'silent' });
  page.js = out.outputFiles[0]!.text;
  return page.js;
}

/** Hosts a browser may use to reach a server bound to `host` (0.0.0.0: every IPv4 interface). */
function reachableHosts(host: string): string[] {
  if (host !== '0.0.0.0' && host !== '::') return [host];
  const lan = Object.values(networkInterfaces()).flatMap((list) => (list ?? []).filter((i) => i.family === 'IPv4' && !i.internal).map((i) => i.address));
  return ['127.0.0.1', ...lan];
}

/**
 * `--data`: put what `peer` was paid in earlier runs back in its claimed list (so a shop order
 * paid before a restart still shows paid), and record each new claim.
 */
async function keepClaims(data: PlaygroundData, peer: PlaygroundPeer, log: PlaygroundLog): Promise<void> {
  const claimed = peer.node.payments.claimed;
  const known = new Set(claimed.map((c) => c.paymentHash));
  for (const c of await loadClaimed(data.root, peer.name)) if (!known.has(c.paymentHash)) claimed.unshift(c);
  let saved = claimed.length;
  peer.node.onEvent(() => {
    for (const c of claimed.slice(saved)) {
      saveClaimed(data.root, peer.name, c).catch((error: unknown) => log.add('playground', `could not record ${peer.name}'s payment ${c.paymentHash.slice(0, 16)}…: ${(error as Error).message}`));
    }
    saved = claimed.length;
  });
}

/** Start everything; rejects (after closing what it started) if a part fails. */
export async function startPlayground(opts: StartOptions = {}): Promise<Playground> {
  const host = opts.host ?? '127.0.0.1';
  const progress = opts.progress ?? (() => {});
  const cleanups: (() => Promise<unknown>)[] = [];
  const stopAll = async (): Promise<void> => {
    for (const c of cleanups.reverse()) await c().catch(() => {});
    cleanups.length = 0;
  };
  try {
    if (!opts.skipBuild) {
      progress('building the PWA…');
      const build = spawnSync(process.execPath, [`${root}node_modules/vite/bin/vite.js`, 'build', '--logLevel', 'warn'], { cwd: root, stdio: 'inherit' });
      if (build.status !== 0) throw new Error('vite build failed');
    }
    const log = new PlaygroundLog(500, opts.onLog ? (l) => opts.onLog!(`${l.node.padEnd(5)} ${l.text}`) : undefined);

    const data = opts.data !== undefined && opts.data !== '' ? await openDataDir(opts.data) : undefined;
    if (data) {
      cleanups.push(() => data.close());
      progress(`data:      ${data.dir} (chain, hub and shop kept across restarts)`);
    }
    const chain = await RegtestChain.create(data ? { store: data.chain } : {});
    cleanups.push(() => chain.close());
    const esplora = await startEsplora(chain, { port: opts.esploraPort ?? 0, host });
    cleanups.push(() => esplora.close());
    const loopback = host === '0.0.0.0' || host === '::' ? '127.0.0.1' : host;
    const esploraUrl = `http://${loopback}:${esplora.port}`;
    progress(`chain:     regtest at height ${chain.height}${chain.restored ? ' (restored)' : ''}, Esplora on ${esploraUrl}`);

    const peers: PlaygroundPeer[] = [];
    cleanups.push(async () => {
      for (const p of peers) p.feed.detach();
      await Promise.allSettled(peers.map((p) => p.node.stop()));
    });
    // Without --data: fresh keys every start (the node ids change between runs).
    const hub = await startPeer(chain, 'hub', opts.hubPort ?? 0, host, log, new Uint8Array(randomBytes(32)), data?.hub);
    peers.push(hub);
    const hubUri = `${hub.node.nodeIdHex}@127.0.0.1:${hub.port}`;
    progress(`hub:       LDK ${hubUri}${hub.restored ? ' (restored)' : ''}`);
    const shop = await startPeer(chain, 'shop', opts.shopPort ?? 0, host, log, new Uint8Array(randomBytes(32)), data?.shop);
    peers.push(shop);
    const shopUri = `${shop.node.nodeIdHex}@127.0.0.1:${shop.port}`;
    progress(`shop:      LDK ${shopUri}${shop.restored ? ' (restored)' : ''}`);
    if (data) for (const peer of [hub, shop]) await keepClaims(data, peer, log);
    const shopChannel = await connectShop(chain, hub, shop, opts.shopChannelSat ?? 2_000_000n);
    log.add('playground', `hub→shop channel ${shopChannel.slice(0, 16)}… usable`);
    progress(`channel:   hub→shop ${shopChannel} confirmed and usable`);

    const proxy = await startProxy({ host, port: opts.proxyPort ?? 0, allowPrivate: true, allowPorts: [hub.port, shop.port], logLevel: 'warn' });
    cleanups.push(() => proxy.close());
    progress(`proxy:     ws://${loopback}:${proxy.port}`);

    let autoMineSecs = 0;
    let autoTimer: NodeJS.Timeout | undefined;
    const autoMine = (seconds: number): void => {
      if (autoTimer) clearInterval(autoTimer);
      autoTimer = undefined;
      autoMineSecs = seconds;
      if (seconds > 0) {
        autoTimer = setInterval(() => {
          void chain.mine(1).then(
            () => log.add('chain', `auto-mined block ${chain.height}`),
            (err: unknown) => log.add('chain', `auto-mine failed: ${(err as Error).message}`),
          );
        }, seconds * 1000);
      }
    };
    cleanups.push(async () => autoMine(0));
    autoMine(opts.autoMineSecs ?? 0);

    const ctx: PlaygroundApiContext = {
      chain,
      hub,
      shop,
      log,
      urls: { esplora: esploraUrl, proxy: `ws://${loopback}:${proxy.port}`, hub: hubUri, shop: shopUri },
      autoMine,
      autoMineSecs: () => autoMineSecs,
    };
    const script = await pageScript();
    /** The deployment defaults for the PWA, with the host the browser used (a LAN address works too). */
    const https = opts.https ?? false;
    const deployConfig = (req: IncomingMessage): string => {
      const seen = (req.headers.host ?? loopback).replace(/:\d+$/, '');
      // Over HTTPS the page may load no http:/ws: URL (mixed content): both go through the app's origin.
      const through = `${seen}:${(req.socket.localPort ?? 0).toString()}`;
      const esploraFor = https ? `https://${through}/esplora` : `http://${seen}:${esplora.port}`;
      const proxyFor = https ? `wss://${through}/ws` : `ws://${seen}:${proxy.port}`;
      // pollIntervalMs: this chain is local (no rate limit), so the app reads it every second and a
      // block mined from the page shows at once (unset, the app waits up to 10–15 s).
      return `${JSON.stringify({ network: 'regtest', esplora: { regtest: esploraFor }, proxy: proxyFor, peers: [hubUri], pollIntervalMs: 1000 })}\n`;
    };
    const serve = (req: IncomingMessage, res: ServerResponse, next: () => void): void => {
      const path = (req.url ?? '/').split('?')[0];
      const send = (type: string, body: string): void => {
        res.writeHead(200, { 'content-type': type, 'cache-control': 'no-store' });
        res.end(body);
      };
      if (path === '/glint.config.json') return send('application/json', deployConfig(req));
      if (path === '/playground' || path === '/playground/' || path === '/playground/index.html') return send('text/html; charset=utf-8', page.html);
      if (path === '/playground/page.js') return send('text/javascript', script);
      void handleApi(ctx, req, res).then((handled) => {
        if (!handled) next();
      });
    };
    const plugin: Plugin = { name: 'glint-playground', configurePreviewServer: (server) => void server.middlewares.use(serve) };
    const tls = https ? selfSignedCertificate(reachableHosts(host)) : undefined;
    const server = await preview({
      root,
      plugins: [plugin],
      preview: {
        port: opts.appPort ?? 0,
        strictPort: true,
        host,
        open: false,
        ...(tls
          ? {
              https: tls,
              proxy: {
                '/esplora': { target: `http://127.0.0.1:${esplora.port}`, rewrite: (p: string) => p.replace(/^\/esplora/, '') || '/' },
                '/ws': { target: `ws://127.0.0.1:${proxy.port}`, ws: true, rewrite: (p: string) => p.replace(/^\/ws/, '') || '/' },
              },
            }
          : {}),
      },
      logLevel: 'warn',
    });
    cleanups.push(
      () =>
        new Promise<void>((resolve) => {
          (server.httpServer as HttpServer).closeAllConnections?.();
          server.httpServer.close(() => resolve());
        }),
    );
    const appPort = (server.httpServer.address() as AddressInfo).port;
    const appHost = reachableHosts(host);
    const scheme = https ? 'https' : 'http';
    const app = `${scheme}://${appHost[0]}:${appPort}/`;
    progress(`app:       ${appHost.map((h) => `${scheme}://${h}:${appPort}/`).join('  ')}${https ? '  (self-signed certificate: accept the browser warning once)' : ''}`);

    const urls: PlaygroundUrls = { app, page: `${app}playground/`, api: `${app}api/`, esplora: esploraUrl, proxy: ctx.urls.proxy, hub: hubUri, shop: shopUri };
    let stopping: Promise<void> | undefined;
    return { urls, chain, hub, shop, log, stop: () => (stopping ??= stopAll()) };
  } catch (error) {
    await stopAll();
    throw error;
  }
}

/** The summary `npm start` prints once everything is up. */
export function summary(p: Playground): string {
  const u = p.urls;
  return `
Glint playground is running (Ctrl-C to stop)
  app:        ${u.app}            (the wallet, preconfigured for regtest, this Esplora, proxy and hub)
  playground: ${u.page}  (faucet, mining, the shop, the hub paying you or opening a channel to you)
  esplora:    ${u.esplora}
  proxy:      ${u.proxy}
  hub:        ${u.hub}
  shop:       ${u.shop}   (has a channel from the hub)

From a terminal (GLINT_PASSPHRASE set, or you are asked):
  npm run glint -- --network regtest --data ./.glint/demo --esplora ${u.esplora} init
  npm run glint -- --data ./.glint/demo --esplora ${u.esplora} address
  curl -d '{"address":"<addr>","sats":500000}' ${u.api}faucet
  npm run glint -- --data ./.glint/demo --esplora ${u.esplora} open ${u.hub} 200000
  curl -d '{"blocks":1}' ${u.api}mine
`;
}
