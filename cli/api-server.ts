/**
 * The local API of `glint run`: HTTP on 127.0.0.1 only, so the other `glint` commands on the same
 * `--data` talk to the running node instead of opening its (locked) store.
 *
 * Discovery and auth: on start `glint run` writes `<data>/api.json` = `{"port", "token", "pid"}`
 * (mode 0600, written to a temporary file then renamed) and removes it on exit. Every request must
 * carry `Authorization: Bearer <token>`; the token (32 random bytes, hex) is compared in constant
 * time. The Host header must name the loopback address (no DNS-rebinding detour).
 *
 * Routes (JSON in and out, the same JSON the commands print; see cli/json.ts for amounts):
 *   GET  /v1/info      → {"nodeId", "network"}
 *   GET  /v1/channels  → [ChannelJson]
 *   GET  /v1/balance   → BalanceJson (after one chain poll)
 *   POST /v1/open      {"uri", "fundingSat", "pushMsat"?, "channelType"?} → {"channelId", "fundingTxid"}
 *   POST /v1/close     {"channelId", "force"?} → {"closingTxid"}
 *   GET  /v1/trusted   → {"trusted"};  POST /v1/trust {"nodeId", "trusted"} → {"trusted"}
 *   GET  /v1/backup    → {"file": <the channel backup file, base64>, "channels"} (glint backup export
 *                        writes it: the file lands where the calling process can write)
 *   POST /v1/invoice, POST /v1/pay, POST /v1/keysend, GET /v1/payments: see cli/api-payments.ts
 * Errors: a non-2xx status with `{"error": "<one line>"}` — 401 token missing/wrong, 400 invalid
 * body or refused command, 404/405 unknown route/method, 413 body too large, 415 not JSON,
 * 500 anything else.
 */
import { createHash, randomBytes, timingSafeEqual } from 'node:crypto';
import { rename, rm, writeFile } from 'node:fs/promises';
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import { errorMessage, ValidationError, type ChannelInfo, type GlintBalance, type NetworkName } from '../engine/index.ts';
import { API_FILE_NAME as API_FILE, readApiFile } from './api-client.ts';
import { amountField, only, type Body } from './api-body.ts';
import { PAYMENT_ROUTES, paymentRoute, type PaymentApiNode } from './api-payments.ts';

export { API_FILE };
import { balanceJson, channelJson } from './json.ts';

/** Largest request body accepted. */
export const MAX_BODY_BYTES = 16 * 1024;

/** What the API needs from the node (`GlintNode` satisfies it). */
export interface ApiNode {
  readonly nodeId: string;
  readonly network: NetworkName;
  channels(): ChannelInfo[];
  balance(): GlintBalance;
  poll(): Promise<void>;
  open(uri: string, fundingSat: bigint, opts?: { pushMsat?: bigint; channelType?: 'anchors_zero_fee_htlc_tx' | 'static_remotekey' }): Promise<{ channelId: string; fundingTxid: string }>;
  close(channelId: string, opts?: { force?: boolean }): Promise<{ closingTxid: string }>;
  trustPeer(nodeId: string, trusted: boolean): Promise<string[]>;
  trustedPeers(): string[];
  exportBackup?(): Promise<{ file: Uint8Array; channels: number }>;
}

export interface ApiServer {
  readonly port: number;
  readonly token: string;
  close(): Promise<void>;
}

export interface ApiFile {
  readonly port: number;
  readonly token: string;
  readonly pid: number;
}

/** Refusals with an HTTP status. */
class HttpError extends Error {
  readonly status: number;
  constructor(status: number, message: string) {
    super(message);
    this.status = status;
  }
}

/** Constant-time token check (both sides hashed first, so lengths never leak or throw). */
export function tokenMatches(given: string | undefined, expected: string): boolean {
  if (given === undefined) return false;
  const a = createHash('sha256').update(given, 'utf8').digest();
  const b = createHash('sha256').update(expected, 'utf8').digest();
  return timingSafeEqual(a, b);
}

/** A fresh API token: 32 random bytes, hex. */
export function newToken(): string {
  return randomBytes(32).toString('hex');
}

// ---- body validation ----------------------------------------------------------------------------

export interface OpenRequest {
  readonly uri: string;
  readonly fundingSat: bigint;
  readonly pushMsat?: bigint;
  readonly channelType?: 'anchors_zero_fee_htlc_tx' | 'static_remotekey';
}

export function parseOpenRequest(body: Body): OpenRequest {
  only(body, ['uri', 'fundingSat', 'pushMsat', 'channelType']);
  const uri = body.uri;
  if (typeof uri !== 'string' || uri.length === 0 || uri.length > 512 || !uri.includes('@')) throw new ValidationError('uri', 'must be <pubkey>@<host>:<port>');
  const fundingSat = amountField(body, 'fundingSat') as bigint;
  const pushMsat = amountField(body, 'pushMsat', { optional: true, allowZero: true });
  const ct = body.channelType;
  if (ct !== undefined && ct !== 'anchors_zero_fee_htlc_tx' && ct !== 'static_remotekey') throw new ValidationError('channelType', 'must be "anchors_zero_fee_htlc_tx" or "static_remotekey"');
  return { uri, fundingSat, ...(pushMsat !== undefined ? { pushMsat } : {}), ...(ct !== undefined ? { channelType: ct } : {}) };
}

export interface CloseRequest {
  readonly channelId: string;
  readonly force: boolean;
}

export function parseCloseRequest(body: Body): CloseRequest {
  only(body, ['channelId', 'force']);
  const id = body.channelId;
  if (typeof id !== 'string' || !/^[0-9a-fA-F]{64}$/.test(id)) throw new ValidationError('channelId', 'must be 64 hex characters');
  const force = body.force;
  if (force !== undefined && typeof force !== 'boolean') throw new ValidationError('force', 'must be true or false');
  return { channelId: id.toLowerCase(), force: force === true };
}

/** POST /v1/trust: `{nodeId, trusted}` (zero-conf trust, GlintNode.trustPeer). */
export interface TrustRequest {
  readonly nodeId: string;
  readonly trusted: boolean;
}

export function parseTrustRequest(body: Body): TrustRequest {
  only(body, ['nodeId', 'trusted']);
  const id = body.nodeId;
  if (typeof id !== 'string' || !/^0[23][0-9a-fA-F]{64}$/.test(id)) throw new ValidationError('nodeId', 'must be a 33-byte compressed public key in hex');
  if (typeof body.trusted !== 'boolean') throw new ValidationError('trusted', 'must be true or false');
  return { nodeId: id.toLowerCase(), trusted: body.trusted };
}

// ---- the server ---------------------------------------------------------------------------------

async function readBody(req: IncomingMessage): Promise<Body> {
  const type = (req.headers['content-type'] ?? '').split(';')[0]!.trim().toLowerCase();
  if (type !== 'application/json') throw new HttpError(415, 'the body must be application/json');
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of req as AsyncIterable<Buffer>) {
    size += chunk.length;
    if (size > MAX_BODY_BYTES) throw new HttpError(413, `the body is larger than ${MAX_BODY_BYTES} bytes`);
    chunks.push(chunk);
  }
  let parsed: unknown;
  try {
    parsed = JSON.parse(Buffer.concat(chunks).toString('utf8'));
  } catch {
    throw new ValidationError('body', 'is not valid JSON');
  }
  if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed)) throw new ValidationError('body', 'must be a JSON object');
  return parsed as Body;
}

function send(res: ServerResponse, status: number, value: unknown): void {
  const text = `${JSON.stringify(value)}\n`;
  res.writeHead(status, { 'content-type': 'application/json', 'cache-control': 'no-store', 'content-length': Buffer.byteLength(text) });
  res.end(text);
}

function hostAllowed(host: string | undefined, port: number): boolean {
  return host === `127.0.0.1:${port}` || host === `localhost:${port}`;
}

/** The node the API serves: the channel surface, and the payment one where the node has it. */
export type ServedNode = ApiNode & Partial<PaymentApiNode>;

async function route(node: ServedNode, req: IncomingMessage): Promise<unknown> {
  const url = new URL(req.url ?? '/', 'http://127.0.0.1');
  const method = req.method ?? 'GET';
  const routes: Record<string, string> = { '/v1/info': 'GET', '/v1/channels': 'GET', '/v1/balance': 'GET', '/v1/open': 'POST', '/v1/close': 'POST', '/v1/trusted': 'GET', '/v1/trust': 'POST', '/v1/backup': 'GET', ...PAYMENT_ROUTES };
  const want = routes[url.pathname];
  if (!want) throw new HttpError(404, `no such endpoint ${url.pathname}`);
  if (method !== want) throw new HttpError(405, `${url.pathname} takes ${want}`);
  if (url.search !== '') throw new ValidationError('query', 'no query parameters are accepted');
  switch (url.pathname) {
    case '/v1/info':
      return { nodeId: node.nodeId, network: node.network };
    case '/v1/channels':
      return node.channels().map(channelJson);
    case '/v1/balance':
      await node.poll();
      return balanceJson(node.balance());
    case '/v1/open': {
      const r = parseOpenRequest(await readBody(req));
      const out = await node.open(r.uri, r.fundingSat, { ...(r.pushMsat !== undefined ? { pushMsat: r.pushMsat } : {}), ...(r.channelType ? { channelType: r.channelType } : {}) });
      return { channelId: out.channelId, fundingTxid: out.fundingTxid };
    }
    case '/v1/close': {
      const r = parseCloseRequest(await readBody(req));
      const out = await node.close(r.channelId, r.force ? { force: true } : {});
      return { closingTxid: out.closingTxid };
    }
    case '/v1/trusted':
      return { trusted: node.trustedPeers() };
    case '/v1/trust': {
      const r = parseTrustRequest(await readBody(req));
      return { trusted: await node.trustPeer(r.nodeId, r.trusted) };
    }
    case '/v1/backup': {
      if (!node.exportBackup) throw new HttpError(404, 'this node keeps no channel backup');
      const b = await node.exportBackup();
      return { file: Buffer.from(b.file).toString('base64'), channels: b.channels };
    }
    default:
      if (url.pathname in PAYMENT_ROUTES) return paymentRoute(node, url.pathname, () => readBody(req));
      throw new HttpError(404, 'no such endpoint');
  }
}

/** Listen on 127.0.0.1 (an ephemeral port unless `port` is given). */
export function startApiServer(node: ServedNode, opts: { token?: string; port?: number } = {}): Promise<ApiServer> {
  const token = opts.token ?? newToken();
  let port = 0;
  const server = createServer((req, res) => {
    void (async () => {
      try {
        if (!hostAllowed(req.headers.host, port)) throw new HttpError(403, 'the Host header must be the loopback address');
        const auth = req.headers.authorization;
        const given = auth?.startsWith('Bearer ') ? auth.slice('Bearer '.length) : undefined;
        if (given === undefined) throw new HttpError(401, 'missing API token (Authorization: Bearer <token from api.json>)');
        if (!tokenMatches(given, token)) throw new HttpError(401, 'wrong API token');
        send(res, 200, await route(node, req));
      } catch (err) {
        const status = err instanceof HttpError ? err.status : err instanceof ValidationError ? 400 : 500;
        if (!res.headersSent) send(res, status, { error: errorMessage(err).split('\n')[0] });
        else res.destroy();
        // Drain and drop whatever body is left, so the socket can close.
        req.resume();
      }
    })();
  });
  server.requestTimeout = 0; // open/close may take minutes; the client sets its own limits
  return new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen(opts.port ?? 0, '127.0.0.1', () => {
      port = (server.address() as AddressInfo).port;
      resolve({
        port,
        token,
        close: () =>
          new Promise<void>((done) => {
            server.close(() => done());
            server.closeAllConnections();
          }),
      });
    });
  });
}

/** Write `<dir>/api.json` (mode 0600) atomically. */
export async function writeApiFile(dir: string, file: ApiFile): Promise<void> {
  const tmp = join(dir, `${API_FILE}.${process.pid}.tmp`);
  await writeFile(tmp, `${JSON.stringify(file)}\n`, { mode: 0o600, flag: 'w' });
  await rename(tmp, join(dir, API_FILE));
}

/** Remove `<dir>/api.json` (only if it is still ours: same token). */
export async function removeApiFile(dir: string, token: string): Promise<void> {
  const current = await readApiFile(dir);
  if (current && current.token !== token) return;
  await rm(join(dir, API_FILE), { force: true });
}
