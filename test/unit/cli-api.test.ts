/**
 * The local API of `glint run` (cli/api-server.ts, cli/api-client.ts): every request needs the
 * token from api.json (missing, wrong or other-length tokens are refused before anything runs),
 * the Host must be loopback, bodies are validated field by field, errors are `{error}` with a
 * non-2xx status, and the client falls back to in-process when no node answers (no file, refused
 * port, a server that does not know the token).
 */
import { mkdtemp, readFile, rm, stat, writeFile } from 'node:fs/promises';
import { createServer, request } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, beforeEach, describe, expect, test } from 'vitest';
import { ValidationError, type ChannelInfo, type GlintBalance } from '../../engine/index.ts';
import { MAX_BODY_BYTES, removeApiFile, startApiServer, tokenMatches, writeApiFile, type ApiNode, type ApiServer } from '../../cli/api-server.ts';
import { apiRequest, callRunningNode, NO_API, readApiFile } from '../../cli/api-client.ts';

const PK = `03${'22'.repeat(32)}`;
const CHANNEL: ChannelInfo = { localId: 0, channelId: 'cc'.repeat(32), peer: PK, state: 'normal', type: 'anchors_zero_fee_htlc_tx', capacitySat: 50_000n, localMsat: 40_000_000n, remoteMsat: 10_000_000n, usable: true };

/** A node that records what it was asked (the API's job is the HTTP edge, not the node). */
class RecordingNode implements ApiNode {
  readonly nodeId = PK;
  readonly network = 'regtest' as const;
  calls: string[] = [];
  openResult: Promise<{ channelId: string; fundingTxid: string }> | undefined;
  channels(): ChannelInfo[] {
    this.calls.push('channels');
    return [CHANNEL];
  }
  balance(): GlintBalance {
    this.calls.push('balance');
    return { confirmedSat: 1n, unconfirmedSat: 2n, spendableSat: 1n, immatureSat: 0n, lightningMsat: 40_000_000n };
  }
  async poll(): Promise<void> {
    this.calls.push('poll');
  }
  open(uri: string, fundingSat: bigint, opts?: { pushMsat?: bigint; channelType?: string }): Promise<{ channelId: string; fundingTxid: string }> {
    this.calls.push(`open ${uri} ${fundingSat} ${opts?.pushMsat ?? '-'} ${opts?.channelType ?? '-'}`);
    return this.openResult ?? Promise.resolve({ channelId: 'dd'.repeat(32), fundingTxid: 'ee'.repeat(32) });
  }
  async close(channelId: string, opts?: { force?: boolean }): Promise<{ closingTxid: string }> {
    this.calls.push(`close ${channelId} ${opts?.force === true}`);
    if (channelId === '00'.repeat(32)) throw new ValidationError('channelId', 'no channel 00…');
    if (channelId === '11'.repeat(32)) throw new Error('the store failed\nsecond line');
    return { closingTxid: 'ff'.repeat(32) };
  }
  trusted: string[] = [];
  async trustPeer(nodeId: string, trusted: boolean): Promise<string[]> {
    this.calls.push(`trust ${nodeId} ${trusted}`);
    this.trusted = trusted ? [...this.trusted.filter((x) => x !== nodeId), nodeId] : this.trusted.filter((x) => x !== nodeId);
    return this.trusted;
  }
  trustedPeers(): string[] {
    this.calls.push('trusted');
    return this.trusted;
  }
}

let node: RecordingNode;
let server: ApiServer;
let dir: string;

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'glint-api-'));
});
afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});
beforeEach(async (ctx) => {
  node = new RecordingNode();
  server = await startApiServer(node);
  ctx.onTestFinished(() => server.close());
});

function raw(opts: { method?: string; path: string; headers?: Record<string, string>; body?: string }): Promise<{ status: number; json: unknown }> {
  return new Promise((resolve, reject) => {
    const req = request({ host: '127.0.0.1', port: server.port, method: opts.method ?? 'GET', path: opts.path, headers: opts.headers }, (res) => {
      let text = '';
      res.on('data', (d) => (text += d));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, json: text ? JSON.parse(text) : undefined }));
    });
    req.on('error', reject);
    if (opts.body !== undefined) req.write(opts.body);
    req.end();
  });
}

const auth = (token = server.token) => ({ authorization: `Bearer ${token}` });
const post = (path: string, body: unknown, headers: Record<string, string> = {}) =>
  raw({ method: 'POST', path, headers: { ...auth(), 'content-type': 'application/json', ...headers }, body: typeof body === 'string' ? body : JSON.stringify(body) });

describe('authentication', () => {
  test('constant-time compare: equal only for the exact token', () => {
    expect(tokenMatches('ab'.repeat(32), 'ab'.repeat(32))).toBe(true);
    expect(tokenMatches('ab'.repeat(32), 'ab'.repeat(31) + 'ac')).toBe(false);
    expect(tokenMatches('ab', 'ab'.repeat(32))).toBe(false);
    expect(tokenMatches(undefined, 'ab'.repeat(32))).toBe(false);
  });

  test.each([
    ['no Authorization header', {}, /missing API token/],
    ['a wrong token', { authorization: `Bearer ${'00'.repeat(32)}` }, /wrong API token/],
    ['a token of another length', { authorization: 'Bearer x' }, /wrong API token/],
    ['another scheme', { authorization: 'Basic Zm9vOmJhcg==' }, /missing API token/],
  ])('%s → 401 {error}, and the node is never asked', async (_name, headers, why) => {
    for (const path of ['/v1/channels', '/v1/balance', '/v1/info']) {
      const r = await raw({ path, headers });
      expect(r.status).toBe(401);
      expect((r.json as { error: string }).error).toMatch(why);
    }
    const r = await raw({ method: 'POST', path: '/v1/open', headers: { ...headers, 'content-type': 'application/json' }, body: JSON.stringify({ uri: `${PK}@h:1`, fundingSat: 1000 }) });
    expect(r.status).toBe(401);
    expect(node.calls).toEqual([]);
  });

  test('the right token is answered; a non-loopback Host is refused', async () => {
    const ok = await raw({ path: '/v1/info', headers: auth() });
    expect(ok).toEqual({ status: 200, json: { nodeId: PK, network: 'regtest' } });
    const rebound = await raw({ path: '/v1/channels', headers: { ...auth(), host: `evil.example:${server.port}` } });
    expect(rebound.status).toBe(403);
    expect(node.calls).toEqual([]);
  });
});

describe('routes and bodies', () => {
  test('channels and balance print the CLI JSON (amounts as numbers)', async () => {
    expect((await raw({ path: '/v1/channels', headers: auth() })).json).toEqual([
      { channelId: 'cc'.repeat(32), peer: PK, state: 'normal', type: 'anchors_zero_fee_htlc_tx', capacitySat: 50_000, localMsat: 40_000_000, remoteMsat: 10_000_000, usable: true },
    ]);
    expect((await raw({ path: '/v1/balance', headers: auth() })).json).toEqual({ confirmedSat: 1, unconfirmedSat: 2, spendableSat: 1, immatureSat: 0, lightningMsat: 40_000_000 });
    expect(node.calls).toEqual(['channels', 'poll', 'balance']);
  });

  test('open: a valid body reaches the node with bigint amounts (numbers or decimal strings)', async () => {
    const r = await post('/v1/open', { uri: `${PK}@127.0.0.1:9735`, fundingSat: 100_000, pushMsat: '5000', channelType: 'static_remotekey' });
    expect(r).toEqual({ status: 200, json: { channelId: 'dd'.repeat(32), fundingTxid: 'ee'.repeat(32) } });
    expect(node.calls).toEqual([`open ${PK}@127.0.0.1:9735 100000 5000 static_remotekey`]);
  });

  test.each([
    [{ fundingSat: 1000 }, 'uri'],
    [{ uri: 42, fundingSat: 1000 }, 'uri'],
    [{ uri: `${PK}@h:1` }, 'fundingSat'],
    [{ uri: `${PK}@h:1`, fundingSat: -1 }, 'fundingSat'],
    [{ uri: `${PK}@h:1`, fundingSat: 1.5 }, 'fundingSat'],
    [{ uri: `${PK}@h:1`, fundingSat: 0 }, 'fundingSat'],
    [{ uri: `${PK}@h:1`, fundingSat: 2 ** 60 }, 'fundingSat'],
    [{ uri: `${PK}@h:1`, fundingSat: '1e5' }, 'fundingSat'],
    [{ uri: `${PK}@h:1`, fundingSat: 1000, pushMsat: true }, 'pushMsat'],
    [{ uri: `${PK}@h:1`, fundingSat: 1000, channelType: 'legacy' }, 'channelType'],
    [{ uri: `${PK}@h:1`, fundingSat: 1000, extra: 1 }, 'extra'],
  ])('open %j → 400 naming %s; the node is not asked', async (body, field) => {
    const r = await post('/v1/open', body);
    expect(r.status).toBe(400);
    expect((r.json as { error: string }).error).toMatch(new RegExp(`^${field}`));
    expect(node.calls).toEqual([]);
  });

  test.each([
    [{ channelId: 'xyz' }, 'channelId'],
    [{}, 'channelId'],
    [{ channelId: 'cc'.repeat(32), force: 'yes' }, 'force'],
  ])('close %j → 400 naming %s', async (body, field) => {
    const r = await post('/v1/close', body);
    expect(r.status).toBe(400);
    expect((r.json as { error: string }).error).toMatch(new RegExp(`^${field}`));
    expect(node.calls).toEqual([]);
  });

  test('bodies that are not a JSON object, not JSON, too large, or not application/json', async () => {
    expect((await post('/v1/close', '[1,2]')).status).toBe(400);
    expect((await post('/v1/close', '{"channelId":')).json).toMatchObject({ error: expect.stringMatching(/not valid JSON/) });
    expect((await post('/v1/close', JSON.stringify({ channelId: 'cc'.repeat(32) }), { 'content-type': 'text/plain' })).status).toBe(415);
    const big = await post('/v1/open', JSON.stringify({ uri: 'x'.repeat(MAX_BODY_BYTES + 10), fundingSat: 1 }));
    expect(big.status).toBe(413);
    expect(node.calls).toEqual([]);
  });

  test('node refusals are 400 {error}, failures 500 {error} with one line', async () => {
    const refused = await post('/v1/close', { channelId: '00'.repeat(32) });
    expect(refused).toEqual({ status: 400, json: { error: 'channelId: no channel 00…' } });
    const failed = await post('/v1/close', { channelId: '11'.repeat(32) });
    expect(failed).toEqual({ status: 500, json: { error: 'the store failed' } });
    const ok = await post('/v1/close', { channelId: 'CC'.repeat(32), force: true });
    expect(ok).toEqual({ status: 200, json: { closingTxid: 'ff'.repeat(32) } });
    expect(node.calls.at(-1)).toBe(`close ${'cc'.repeat(32)} true`);
  });

  test('trust: POST /v1/trust {nodeId, trusted} reaches the node (lowercased); GET /v1/trusted lists', async () => {
    expect(await post('/v1/trust', { nodeId: PK.toUpperCase(), trusted: true })).toEqual({ status: 200, json: { trusted: [PK] } });
    expect(await raw({ path: '/v1/trusted', headers: auth() })).toEqual({ status: 200, json: { trusted: [PK] } });
    expect(await post('/v1/trust', { nodeId: PK, trusted: false })).toEqual({ status: 200, json: { trusted: [] } });
    for (const bad of [{ nodeId: PK }, { nodeId: 'ab', trusted: true }, { nodeId: PK, trusted: 'yes' }, { nodeId: PK, trusted: true, extra: 1 }]) {
      expect((await post('/v1/trust', bad)).status).toBe(400);
    }
    expect(node.calls).toEqual([`trust ${PK} true`, 'trusted', `trust ${PK} false`]);
  });

  test('unknown routes, wrong methods and query strings', async () => {
    expect((await raw({ path: '/v1/seed', headers: auth() })).status).toBe(404);
    expect((await raw({ method: 'POST', path: '/v1/channels', headers: auth() })).status).toBe(405);
    expect((await raw({ method: 'GET', path: '/v1/open', headers: auth() })).status).toBe(405);
    expect((await raw({ path: '/v1/channels?all=1', headers: auth() })).status).toBe(400);
    expect(node.calls).toEqual([]);
  });
});

describe('api.json and the client', () => {
  test('api.json is written 0600 and removed only by its writer', async () => {
    await writeApiFile(dir, { port: server.port, token: server.token, pid: process.pid });
    expect((await stat(join(dir, 'api.json'))).mode & 0o777).toBe(0o600);
    expect(await readApiFile(dir)).toEqual({ port: server.port, token: server.token, pid: process.pid });
    await removeApiFile(dir, 'ab'.repeat(32)); // not ours: left alone
    expect(await readApiFile(dir)).toBeDefined();
    await removeApiFile(dir, server.token);
    expect(await readApiFile(dir)).toBeUndefined();
  });

  test('the client asks the running node and relays its errors', async () => {
    await writeApiFile(dir, { port: server.port, token: server.token, pid: process.pid });
    expect(await callRunningNode(dir, { method: 'GET', path: '/v1/info' })).toEqual({ nodeId: PK, network: 'regtest' });
    expect(await callRunningNode(dir, { method: 'POST', path: '/v1/open', body: { uri: `${PK}@h:1`, fundingSat: 10n ** 18n } })).toEqual({ channelId: 'dd'.repeat(32), fundingTxid: 'ee'.repeat(32) });
    expect(node.calls.at(-1)).toBe(`open ${PK}@h:1 1000000000000000000 - -`);
    await expect(callRunningNode(dir, { method: 'POST', path: '/v1/close', body: { channelId: '00'.repeat(32) } })).rejects.toThrow('channelId: no channel 00…');
  });

  test('no node there → NO_API: no file, a garbled file, a refused port, a server that does not know the token', async () => {
    const empty = await mkdtemp(join(tmpdir(), 'glint-api-none-'));
    try {
      expect(await callRunningNode(empty, { method: 'GET', path: '/v1/info' })).toBe(NO_API);
      await writeFile(join(empty, 'api.json'), '{"port": "x"');
      expect(await callRunningNode(empty, { method: 'GET', path: '/v1/info' })).toBe(NO_API);
      const dead = await new Promise<number>((resolve) => {
        const s = createServer();
        s.listen(0, '127.0.0.1', () => {
          const port = (s.address() as { port: number }).port;
          s.close(() => resolve(port));
        });
      });
      await writeApiFile(empty, { port: dead, token: 'ab'.repeat(32), pid: 1 });
      expect(await callRunningNode(empty, { method: 'GET', path: '/v1/info' })).toBe(NO_API);
      await writeApiFile(empty, { port: server.port, token: 'ab'.repeat(32), pid: 1 });
      expect(await callRunningNode(empty, { method: 'GET', path: '/v1/info' })).toBe(NO_API);
      expect(node.calls).toEqual([]);
      expect(JSON.parse(await readFile(join(empty, 'api.json'), 'utf8'))).toMatchObject({ port: server.port });
    } finally {
      await rm(empty, { recursive: true, force: true });
    }
  });

  test('apiRequest without a token gets the 401', async () => {
    expect((await apiRequest(server.port, undefined, { method: 'GET', path: '/v1/info' })).status).toBe(401);
  });
});
