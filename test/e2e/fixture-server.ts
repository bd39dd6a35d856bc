/**
 * The real peers behind the browser e2e tests, started by Playwright's `webServer` under tsx
 * (the proxy and the LDK harness are .ts modules importing .ts modules, which Playwright's own
 * loader is not relied on for):
 *
 *   - an LDK node (npm `lightningdevkit`, WASM) listening on loopback TCP, fed the regtest
 *     chain's blocks (so channels with it confirm) and accepting channels at 1 confirmation;
 *   - Glint's WebSocket→TCP proxy, allowed to reach exactly that port on loopback;
 *   - a regtest chain (bcoin, playground/chain) behind an Esplora API with a faucet;
 *   - a small HTTP endpoint on FIXTURE_PORT (default 4175) describing them:
 *       GET /fixtures.json → { peerUri, nodeIdHex, ldkPort, proxyUrl, proxyPort, esploraUrl }
 *       GET /ldk/peers     → [{ nodeIdHex, inbound, features }]  (what LDK sees)
 *       GET /ldk/channels  → [{ channelId, peer, capacitySat, usable, ready, outboundMsat, inboundMsat }]
 *       POST /ldk/force-close {channelId, peer, message} → {ok}  (LDK broadcasts its commitment and
 *                            sends the peer an `error` for that channel with `message`)
 *     payments (LDK as the other side of the Lightning screens; amounts in msat as decimal strings):
 *       POST /ldk/invoice {amountMsat?, description?, expirySec?} → {bolt11, paymentHash}  (LDK's own invoice)
 *       POST /ldk/pay {bolt11, amountMsat?} → {paymentHash, preimage, feeMsat}, or 409 {error, logs} with LDK's reason
 *       POST /ldk/reject {paymentHash} → {ok}  (LDK fails back every HTLC for that hash:
 *                            incorrect_or_unknown_payment_details)
 *       POST /ldk/policy {policy: 'claim' | 'reject' | 'hold'} → {ok}  (what LDK does with payments to it;
 *                            `hold` keeps them unsettled, in flight, until /ldk/release)
 *       GET /ldk/held     → [paymentHash]  (payments LDK holds)
 *       POST /ldk/release {paymentHash, how: 'claim' | 'fail'} → {ok}
 *       GET /ldk/claimed  → [{paymentHash, amountMsat, purpose, parts}]  (what LDK received)
 *       GET /ldk/balances → [{channelId, counterparty, usable, outboundMsat, inboundMsat, balanceMsat, pendingHtlcs}]
 *
 * It also writes dist/glint.config.json (network regtest, this Esplora, a 1 s chain poll), the config the node
 * worker reads its defaults from, as a deployment would; `npm run test:e2e` builds dist/ first.
 *
 * SIGTERM/SIGINT close everything.
 */
import { createServer } from 'node:http';
import { rmSync, writeFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { RegtestChain, createLdkNodeAtTip, startEsplora } from '../../playground/chain/index.ts';
import { startProxy } from '../../proxy/server.ts';

export interface Fixtures {
  peerUri: string;
  nodeIdHex: string;
  ldkPort: number;
  proxyUrl: string;
  proxyPort: number;
  /** The regtest chain's Esplora API (with `/regtest/faucet` and `/regtest/mine`). */
  esploraUrl: string;
}

const fixturePort = Number(process.env.FIXTURE_PORT ?? 4175);
/** The app's chain poll cadence against this fixture (glint.config.json `pollIntervalMs`). */
const E2E_POLL_INTERVAL_MS = 1000;

const chain = await RegtestChain.create();
const esplora = await startEsplora(chain, { port: 0 });
const { node: ldk, feed } = await createLdkNodeAtTip(chain, { alias: 'e2e-ldk', config: { minimumDepth: 1 } });
const ldkPort = await ldk.listen(0, '127.0.0.1');
const proxy = await startProxy({ port: 0, host: '127.0.0.1', allowPrivate: true, allowPorts: [ldkPort], logLevel: 'warn' });
const configPath = fileURLToPath(new URL('../../dist/glint.config.json', import.meta.url));
// pollIntervalMs: the app reads this loopback chain every second (not the public-server 10–15 s), so
// a block the test mines is seen at once instead of on a tick up to 15 s later.
writeFileSync(configPath, `${JSON.stringify({ network: 'regtest', esplora: { regtest: esplora.url }, pollIntervalMs: E2E_POLL_INTERVAL_MS }, null, 2)}\n`);

const fixtures: Fixtures = {
  peerUri: `${ldk.nodeIdHex}@127.0.0.1:${ldkPort}`,
  nodeIdHex: ldk.nodeIdHex,
  ldkPort,
  proxyUrl: `ws://127.0.0.1:${proxy.port}`,
  proxyPort: proxy.port,
  esploraUrl: esplora.url,
};

const hex = (b: Uint8Array): string => Buffer.from(b).toString('hex');

/** LDK's view of its channels (for the e2e tests to check what the UI says against). */
function ldkChannels(): unknown[] {
  return ldk.run(() =>
    ldk.channelManager.list_channels().map((d) => ({
      channelId: hex(d.get_channel_id().get_a()),
      peer: hex(d.get_counterparty().get_node_id()),
      capacitySat: d.get_channel_value_satoshis().toString(),
      usable: Boolean(d.get_is_usable()),
      ready: Boolean(d.get_is_channel_ready()),
      outboundMsat: d.get_outbound_capacity_msat().toString(),
      inboundMsat: d.get_inbound_capacity_msat().toString(),
    })),
  );
}

/** LDK fails one channel: `force_close_broadcasting_latest_txn` (it sends `error` to the peer). */
function ldkForceClose(body: string): { status: number; body: unknown } {
  let o: { channelId?: unknown; peer?: unknown; message?: unknown };
  try {
    o = JSON.parse(body) as typeof o;
  } catch {
    return { status: 400, body: { error: 'body must be JSON' } };
  }
  const { channelId, peer, message } = o;
  if (typeof channelId !== 'string' || !/^[0-9a-f]{64}$/.test(channelId)) return { status: 400, body: { error: 'channelId: 64 hex' } };
  if (typeof peer !== 'string' || !/^0[23][0-9a-f]{64}$/.test(peer)) return { status: 400, body: { error: 'peer: a node id' } };
  const text = typeof message === 'string' ? message.slice(0, 200) : 'force-closed by the e2e fixture';
  const result = ldk.run(() => ldk.channelManager.force_close_broadcasting_latest_txn(ldk.ldk.ChannelId.constructor_new(Buffer.from(channelId, 'hex')), Buffer.from(peer, 'hex'), text));
  const ok = result instanceof ldk.ldk.Result_NoneAPIErrorZ_OK;
  return { status: ok ? 200 : 409, body: ok ? { ok } : { error: 'LDK refused the force close' } };
}

/** A JSON object body, or an error message. */
function jsonBody(body: string): Record<string, unknown> | string {
  try {
    const o = JSON.parse(body) as unknown;
    return typeof o === 'object' && o !== null && !Array.isArray(o) ? (o as Record<string, unknown>) : 'body must be a JSON object';
  } catch {
    return 'body must be JSON';
  }
}

const MSAT = /^[1-9][0-9]{0,18}$/;

function ldkInvoice(body: string): { status: number; body: unknown } {
  const o = jsonBody(body);
  if (typeof o === 'string') return { status: 400, body: { error: o } };
  if (o.amountMsat !== undefined && (typeof o.amountMsat !== 'string' || !MSAT.test(o.amountMsat))) return { status: 400, body: { error: 'amountMsat: msat as decimal digits' } };
  if (o.description !== undefined && typeof o.description !== 'string') return { status: 400, body: { error: 'description: a string' } };
  if (o.expirySec !== undefined && (typeof o.expirySec !== 'number' || !Number.isInteger(o.expirySec) || o.expirySec < 1)) return { status: 400, body: { error: 'expirySec: a positive integer' } };
  const bolt11 = ldk.createInvoice({
    ...(o.amountMsat !== undefined ? { amountMsat: BigInt(o.amountMsat as string) } : {}),
    ...(o.description !== undefined ? { description: (o.description as string).slice(0, 600) } : {}),
    ...(o.expirySec !== undefined ? { expirySec: o.expirySec as number } : {}),
  });
  return { status: 200, body: { bolt11, paymentHash: ldk.payments.paymentHashOf(bolt11) } };
}

async function ldkPay(body: string): Promise<{ status: number; body: unknown }> {
  const o = jsonBody(body);
  if (typeof o === 'string') return { status: 400, body: { error: o } };
  if (typeof o.bolt11 !== 'string' || !/^(lightning:)?ln[a-z0-9]+$/i.test(o.bolt11)) return { status: 400, body: { error: 'bolt11: a BOLT 11 invoice' } };
  if (o.amountMsat !== undefined && (typeof o.amountMsat !== 'string' || !MSAT.test(o.amountMsat))) return { status: 400, body: { error: 'amountMsat: msat as decimal digits' } };
  try {
    const sent = await ldk.payInvoice(o.bolt11, { ...(o.amountMsat !== undefined ? { amountMsat: BigInt(o.amountMsat as string) } : {}), timeoutMs: 45_000 });
    return { status: 200, body: { paymentHash: sent.paymentHash, preimage: sent.preimage, feeMsat: sent.feeMsat.toString() } };
  } catch (err) {
    // LDK's last log lines say why (its router explains every hop it skipped).
    return { status: 409, body: { error: err instanceof Error ? err.message : String(err), logs: ldk.logs.slice(-30) } };
  }
}

function ldkReject(body: string): { status: number; body: unknown } {
  const o = jsonBody(body);
  if (typeof o === 'string') return { status: 400, body: { error: o } };
  if (typeof o.paymentHash !== 'string' || !/^[0-9a-f]{64}$/.test(o.paymentHash)) return { status: 400, body: { error: 'paymentHash: 64 hex' } };
  ldk.failHtlcsFor(o.paymentHash);
  return { status: 200, body: { ok: true } };
}

function ldkPolicy(body: string): { status: number; body: unknown } {
  const o = jsonBody(body);
  if (typeof o === 'string') return { status: 400, body: { error: o } };
  if (o.policy !== 'claim' && o.policy !== 'reject' && o.policy !== 'hold') return { status: 400, body: { error: "policy: 'claim', 'reject' or 'hold'" } };
  ldk.payments.policy = o.policy;
  return { status: 200, body: { ok: true } };
}

function ldkRelease(body: string): { status: number; body: unknown } {
  const o = jsonBody(body);
  if (typeof o === 'string') return { status: 400, body: { error: o } };
  if (typeof o.paymentHash !== 'string' || !/^[0-9a-f]{64}$/.test(o.paymentHash)) return { status: 400, body: { error: 'paymentHash: 64 hex' } };
  if (o.how !== 'claim' && o.how !== 'fail') return { status: 400, body: { error: "how: 'claim' or 'fail'" } };
  try {
    ldk.payments.release(o.paymentHash, o.how);
  } catch (err) {
    return { status: 409, body: { error: err instanceof Error ? err.message : String(err) } };
  }
  return { status: 200, body: { ok: true } };
}

function ldkBalances(): unknown[] {
  return ldk.channelBalances().map((b) => ({
    channelId: b.channelId,
    counterparty: b.counterparty,
    usable: b.usable,
    outboundMsat: b.outboundMsat.toString(),
    inboundMsat: b.inboundMsat.toString(),
    balanceMsat: b.balanceMsat.toString(),
    pendingHtlcs: b.pendingHtlcs,
  }));
}

/** POST routes: path → handler of the (size-limited) body. */
const POSTS: Record<string, (body: string) => { status: number; body: unknown } | Promise<{ status: number; body: unknown }>> = {
  '/ldk/force-close': ldkForceClose,
  '/ldk/invoice': ldkInvoice,
  '/ldk/pay': ldkPay,
  '/ldk/reject': ldkReject,
  '/ldk/policy': ldkPolicy,
  '/ldk/release': ldkRelease,
};

const http = createServer((req, res) => {
  const json = (body: unknown, status = 200): void => {
    res.writeHead(status, { 'content-type': 'application/json', 'cache-control': 'no-store' });
    res.end(JSON.stringify(body));
  };
  const post = req.method === 'POST' ? POSTS[req.url ?? ''] : undefined;
  if (post) {
    let body = '';
    req.setEncoding('utf8');
    req.on('data', (chunk: string) => (body += chunk.slice(0, 10_000)));
    req.on('end', () => {
      Promise.resolve()
        .then(() => post(body))
        .then(
          (r) => json(r.body, r.status),
          (err: unknown) => json({ error: err instanceof Error ? err.message : String(err) }, 500),
        );
    });
    return;
  }
  if (req.url === '/fixtures.json') json(fixtures);
  else if (req.url === '/ldk/peers') json(ldk.peers().map((p) => ({ nodeIdHex: p.nodeIdHex, inbound: p.inbound, features: p.features })));
  else if (req.url === '/ldk/channels') json(ldkChannels());
  else if (req.url === '/ldk/claimed') json(ldk.claimed().map((c) => ({ paymentHash: c.paymentHash, amountMsat: c.amountMsat.toString(), purpose: c.purpose, parts: c.parts })));
  else if (req.url === '/ldk/balances') json(ldkBalances());
  else if (req.url === '/ldk/held') json(ldk.payments.heldPayments());
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
  rmSync(configPath, { force: true });
  feed.detach();
  await Promise.allSettled([proxy.close(), ldk.stop(), esplora.close().then(() => chain.close())]);
  process.exit(0);
}
process.on('SIGTERM', () => void stop('SIGTERM'));
process.on('SIGINT', () => void stop('SIGINT'));
