/**
 * The Esplora API of the regtest chain, checked over real HTTP against electrs' contract: every
 * field's JSON type, status codes, text vs hex vs binary bodies, scripthash = sha256(spk) in
 * plain hex, paging, merkle proofs that verify against the header, outspends through the
 * mempool and a block.
 */
import { createHash } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { address as btcAddress, networks } from 'bitcoinjs-lib';
import { RegtestChain, RegtestWallet, scripthashOf, startEsplora } from '../../playground/chain/index.ts';
import type { EsploraServer } from '../../playground/chain/index.ts';

// ---------------------------------------------------------------- validators (electrs' types)

type Json = Record<string, unknown>;
const HEX64 = /^[0-9a-f]{64}$/;
const HEX = /^([0-9a-f]{2})*$/;
const SCRIPT_TYPES = ['empty', 'op_return', 'p2pk', 'p2pkh', 'p2sh', 'v0_p2wpkh', 'v0_p2wsh', 'v1_p2tr', 'unknown'];

function fail(path: string, message: string): never {
  throw new Error(`${path}: ${message}`);
}
function isObject(v: unknown, path: string): asserts v is Json {
  if (typeof v !== 'object' || v === null || Array.isArray(v)) fail(path, `expected an object, got ${JSON.stringify(v)}`);
}
function keys(v: Json, path: string, required: string[], optional: string[] = []): void {
  for (const k of required) if (!(k in v)) fail(path, `missing ${k}`);
  for (const k of Object.keys(v)) if (!required.includes(k) && !optional.includes(k)) fail(path, `unexpected field ${k}`);
}
function uint(v: unknown, path: string, max = Number.MAX_SAFE_INTEGER): void {
  if (typeof v !== 'number' || !Number.isInteger(v) || v < 0 || v > max) fail(path, `expected an unsigned integer, got ${JSON.stringify(v)}`);
}
function str(v: unknown, path: string, re?: RegExp): void {
  if (typeof v !== 'string' || (re && !re.test(v))) fail(path, `expected a string${re ? ` matching ${re}` : ''}, got ${JSON.stringify(v)}`);
}
function bool(v: unknown, path: string): void {
  if (typeof v !== 'boolean') fail(path, `expected a boolean, got ${JSON.stringify(v)}`);
}

function validateStatus(v: unknown, path = 'status'): void {
  isObject(v, path);
  bool(v['confirmed'], `${path}.confirmed`);
  if (v['confirmed']) {
    keys(v, path, ['confirmed', 'block_height', 'block_hash', 'block_time']);
    uint(v['block_height'], `${path}.block_height`);
    str(v['block_hash'], `${path}.block_hash`, HEX64);
    uint(v['block_time'], `${path}.block_time`, 0xffffffff);
  } else keys(v, path, ['confirmed']);
}

function validateTxOut(v: unknown, path: string): void {
  isObject(v, path);
  keys(v, path, ['scriptpubkey', 'scriptpubkey_asm', 'scriptpubkey_type', 'value'], ['scriptpubkey_address']);
  str(v['scriptpubkey'], `${path}.scriptpubkey`, HEX);
  str(v['scriptpubkey_asm'], `${path}.scriptpubkey_asm`);
  str(v['scriptpubkey_type'], `${path}.scriptpubkey_type`);
  if (!SCRIPT_TYPES.includes(v['scriptpubkey_type'] as string)) fail(path, `unknown scriptpubkey_type ${String(v['scriptpubkey_type'])}`);
  if ('scriptpubkey_address' in v) str(v['scriptpubkey_address'], `${path}.scriptpubkey_address`, /^(bcrt1|[mn2])/);
  uint(v['value'], `${path}.value`, 21e14);
}

function validateTx(v: unknown, path = 'tx'): void {
  isObject(v, path);
  keys(v, path, ['txid', 'version', 'locktime', 'vin', 'vout', 'size', 'weight', 'fee', 'status']);
  str(v['txid'], `${path}.txid`, HEX64);
  uint(v['version'], `${path}.version`, 0xffffffff);
  uint(v['locktime'], `${path}.locktime`, 0xffffffff);
  uint(v['size'], `${path}.size`);
  uint(v['weight'], `${path}.weight`);
  uint(v['fee'], `${path}.fee`);
  validateStatus(v['status'], `${path}.status`);
  if (!Array.isArray(v['vin']) || v['vin'].length === 0) fail(path, 'vin must be a non-empty array');
  (v['vin'] as unknown[]).forEach((input, i) => {
    const p = `${path}.vin[${i}]`;
    isObject(input, p);
    keys(input, p, ['txid', 'vout', 'prevout', 'scriptsig', 'scriptsig_asm', 'is_coinbase', 'sequence'], ['witness', 'inner_redeemscript_asm', 'inner_witnessscript_asm']);
    str(input['txid'], `${p}.txid`, HEX64);
    uint(input['vout'], `${p}.vout`, 0xffffffff);
    if (input['prevout'] !== null) validateTxOut(input['prevout'], `${p}.prevout`);
    else if (!input['is_coinbase']) fail(p, 'prevout null on a non-coinbase input');
    str(input['scriptsig'], `${p}.scriptsig`, HEX);
    str(input['scriptsig_asm'], `${p}.scriptsig_asm`);
    bool(input['is_coinbase'], `${p}.is_coinbase`);
    uint(input['sequence'], `${p}.sequence`, 0xffffffff);
    if ('witness' in input) {
      if (!Array.isArray(input['witness']) || input['witness'].length === 0) fail(p, 'witness, when present, is a non-empty array');
      (input['witness'] as unknown[]).forEach((w, j) => str(w, `${p}.witness[${j}]`, HEX));
    }
    for (const k of ['inner_redeemscript_asm', 'inner_witnessscript_asm']) if (k in input) str(input[k], `${p}.${k}`);
  });
  if (!Array.isArray(v['vout'])) fail(path, 'vout must be an array');
  (v['vout'] as unknown[]).forEach((o, i) => validateTxOut(o, `${path}.vout[${i}]`));
}

function validateUtxo(v: unknown, path: string): void {
  isObject(v, path);
  keys(v, path, ['txid', 'vout', 'status', 'value']);
  str(v['txid'], `${path}.txid`, HEX64);
  uint(v['vout'], `${path}.vout`, 0xffffffff);
  uint(v['value'], `${path}.value`);
  validateStatus(v['status'], `${path}.status`);
}

function validateOutspend(v: unknown, path: string): void {
  isObject(v, path);
  bool(v['spent'], `${path}.spent`);
  if (!v['spent']) return keys(v, path, ['spent']);
  keys(v, path, ['spent', 'txid', 'vin', 'status']);
  str(v['txid'], `${path}.txid`, HEX64);
  uint(v['vin'], `${path}.vin`, 0xffffffff);
  validateStatus(v['status'], `${path}.status`);
}

function validateBlock(v: unknown, path: string): void {
  isObject(v, path);
  keys(v, path, ['id', 'height', 'version', 'timestamp', 'tx_count', 'size', 'weight', 'merkle_root', 'previousblockhash', 'mediantime', 'nonce', 'bits', 'difficulty']);
  str(v['id'], `${path}.id`, HEX64);
  for (const k of ['height', 'version', 'timestamp', 'tx_count', 'size', 'weight', 'mediantime', 'nonce', 'bits']) uint(v[k], `${path}.${k}`, 0xffffffff);
  str(v['merkle_root'], `${path}.merkle_root`, HEX64);
  if (v['previousblockhash'] !== null) str(v['previousblockhash'], `${path}.previousblockhash`, HEX64);
  if (typeof v['difficulty'] !== 'number') fail(path, 'difficulty must be a number');
}

// ---------------------------------------------------------------- fixture

const sha256d = (b: Uint8Array): Buffer => createHash('sha256').update(createHash('sha256').update(b).digest()).digest();

let chain: RegtestChain;
let server: EsploraServer;
const wallet = RegtestWallet.fromSeed('chain-esplora test wallet');
const other = RegtestWallet.fromSeed('chain-esplora other');

async function get(path: string): Promise<{ status: number; type: string; text: string; body: Buffer; headers: Headers }> {
  const res = await fetch(`${server.url}${path}`);
  const body = Buffer.from(await res.arrayBuffer());
  return { status: res.status, type: res.headers.get('content-type') ?? '', text: body.toString('utf8'), body, headers: res.headers };
}
async function getJson(path: string): Promise<unknown> {
  const res = await get(path);
  expect(res.status, `${path}: ${res.text}`).toBe(200);
  expect(res.type).toBe('application/json');
  return JSON.parse(res.text);
}
async function post(path: string, body: string, type = 'text/plain'): Promise<{ status: number; text: string }> {
  const res = await fetch(`${server.url}${path}`, { method: 'POST', body, headers: { 'content-type': type } });
  return { status: res.status, text: await res.text() };
}

/** A block with the coinbase and three wallet fundings; the first funding is spent later. */
let multiTxBlock: string;
const fundings: { txid: string; vout: number; value: number }[] = [];

beforeAll(async () => {
  chain = await RegtestChain.create();
  server = await startEsplora(chain, { port: 0 });
  for (const value of [150_000, 250_000, 350_000]) {
    const { txid, vout } = await chain.faucet(wallet.script, value, { mine: false });
    fundings.push({ txid, vout, value });
  }
  [multiTxBlock] = await chain.mine(1);
});

afterAll(async () => {
  await server?.close();
  await chain?.close();
});

describe('Esplora API: blocks', () => {
  test('tip height and hash are text/plain and agree with /block-height', async () => {
    const height = await get('/blocks/tip/height');
    expect(height.status).toBe(200);
    expect(height.type).toBe('text/plain');
    expect(height.text).toBe(String(chain.height));
    const hash = await get('/blocks/tip/hash');
    expect(hash.type).toBe('text/plain');
    expect(hash.text).toMatch(HEX64);
    expect((await get(`/block-height/${chain.height}`)).text).toBe(hash.text);
    expect(await get(`/block-height/${chain.height + 1}`)).toMatchObject({ status: 404, text: 'Block not found' });
    expect(await get('/block-height/-1')).toMatchObject({ status: 400, text: 'Invalid number' });
    expect(await get('/block-height/abc')).toMatchObject({ status: 400, text: 'Invalid number' });
  });

  test('header is 80 bytes of hex whose sha256d (reversed) is the block hash; raw starts with it', async () => {
    const hash = (await get('/blocks/tip/hash')).text;
    const header = await get(`/block/${hash}/header`);
    expect(header.type).toBe('text/plain');
    expect(header.text).toMatch(/^[0-9a-f]{160}$/);
    const headerBytes = Buffer.from(header.text, 'hex');
    expect(Buffer.from(sha256d(headerBytes)).reverse().toString('hex')).toBe(hash);
    const raw = await get(`/block/${hash}/raw`);
    expect(raw.type).toBe('application/octet-stream');
    expect(raw.body.subarray(0, 80).equals(headerBytes)).toBe(true);
    expect(await get(`/block/${'00'.repeat(32)}/header`)).toMatchObject({ status: 404, text: 'Block not found' });
    expect(await get('/block/xyz/header')).toMatchObject({ status: 400, text: 'Invalid hex string' });
  });

  test('block status: in_best_chain, height, next_best (null at the tip)', async () => {
    const tip = chain.tipHash;
    const parent = chain.index.blockAt(chain.height - 1)!.hash;
    expect(await getJson(`/block/${tip}/status`)).toEqual({ in_best_chain: true, height: chain.height, next_best: null });
    expect(await getJson(`/block/${parent}/status`)).toEqual({ in_best_chain: true, height: chain.height - 1, next_best: tip });
    expect(await getJson(`/block/${'11'.repeat(32)}/status`)).toEqual({ in_best_chain: false, height: null, next_best: null });
  });

  test('block JSON, /blocks list and txids', async () => {
    const block = await getJson(`/block/${multiTxBlock}`);
    validateBlock(block, 'block');
    expect(block).toMatchObject({ id: multiTxBlock, tx_count: 4 });
    const list = (await getJson('/blocks')) as unknown[];
    expect(list).toHaveLength(10);
    list.forEach((b, i) => validateBlock(b, `blocks[${i}]`));
    expect((list[0] as Json)['id']).toBe(chain.tipHash);
    expect((list[1] as Json)['id']).toBe((list[0] as Json)['previousblockhash']);
    const genesis = (await getJson('/blocks/0')) as Json[];
    expect(genesis).toHaveLength(1);
    expect(genesis[0]!['previousblockhash']).toBeNull();
    const txids = (await getJson(`/block/${multiTxBlock}/txids`)) as string[];
    // The miner orders mempool txs by fee rate: compare as sets.
    expect(new Set(txids.slice(1))).toEqual(new Set(fundings.map((f) => f.txid)));
    expect((await get(`/block/${multiTxBlock}/txid/2`)).text).toBe(txids[2]);
    expect(await get(`/block/${multiTxBlock}/txid/9`)).toMatchObject({ status: 404, text: 'tx index out of range' });
    const txs = (await getJson(`/block/${multiTxBlock}/txs`)) as unknown[];
    expect(txs).toHaveLength(4);
    txs.forEach((t, i) => validateTx(t, `block.txs[${i}]`));
  });
});

describe('Esplora API: transactions', () => {
  test('confirmed tx JSON: every field typed as electrs, fee = inputs − outputs, status confirmed', async () => {
    const { txid, value } = fundings[0]!;
    const tx = (await getJson(`/tx/${txid}`)) as Json;
    validateTx(tx);
    expect(tx['txid']).toBe(txid);
    const vin = tx['vin'] as Json[];
    const vout = tx['vout'] as Json[];
    const inSum = vin.reduce((s, i) => s + ((i['prevout'] as Json)['value'] as number), 0);
    const outSum = vout.reduce((s, o) => s + (o['value'] as number), 0);
    expect(tx['fee']).toBe(inSum - outSum);
    expect(tx['fee']).toBeGreaterThan(0);
    expect(vout[0]).toMatchObject({ value, scriptpubkey: Buffer.from(wallet.script).toString('hex'), scriptpubkey_type: 'v0_p2wpkh', scriptpubkey_address: wallet.address });
    expect(vout[0]!['scriptpubkey_asm']).toBe(`OP_0 OP_PUSHBYTES_20 ${Buffer.from(wallet.script.subarray(2)).toString('hex')}`);
    expect(vin[0]).toMatchObject({ is_coinbase: false });
    expect((vin[0]!['witness'] as string[]).length).toBe(2);
    expect(tx['status']).toEqual({ confirmed: true, block_height: chain.height, block_hash: multiTxBlock, block_time: chain.index.block(multiTxBlock)!.time });
  });

  test('coinbase tx: null prevout, is_coinbase, fee 0', async () => {
    const coinbase = chain.index.block(multiTxBlock)!.txids[0]!;
    const tx = (await getJson(`/tx/${coinbase}`)) as Json;
    validateTx(tx);
    expect((tx['vin'] as Json[])[0]).toMatchObject({ txid: '00'.repeat(32), vout: 0xffffffff, prevout: null, is_coinbase: true });
    expect(tx['fee']).toBe(0);
  });

  test('hex is text/plain, raw is binary; both match the txid', async () => {
    const { txid } = fundings[1]!;
    const hex = await get(`/tx/${txid}/hex`);
    expect(hex.status).toBe(200);
    expect(hex.type).toBe('text/plain');
    expect(hex.text).toMatch(HEX);
    const raw = await get(`/tx/${txid}/raw`);
    expect(raw.type).toBe('application/octet-stream');
    expect(raw.body.toString('hex')).toBe(hex.text);
  });

  test('unknown txid: 404 on /tx and /tx/hex, {"confirmed":false} on /status; malformed txid: 400', async () => {
    const unknown = 'ab'.repeat(32);
    expect(await get(`/tx/${unknown}`)).toMatchObject({ status: 404, text: 'Transaction not found' });
    expect(await get(`/tx/${unknown}/hex`)).toMatchObject({ status: 404, text: 'Transaction not found' });
    expect(await get(`/tx/${unknown}/raw`)).toMatchObject({ status: 404, text: 'Transaction not found' });
    const status = await get(`/tx/${unknown}/status`);
    expect(status.status).toBe(200);
    expect(status.text).toBe('{"confirmed":false}');
    expect(await get(`/tx/${unknown}/merkle-proof`)).toMatchObject({ status: 404, text: 'Transaction not found or is unconfirmed' });
    expect(await get(`/tx/${unknown}/outspends`)).toMatchObject({ status: 404, text: 'Transaction not found' });
    expect(await get('/tx/1234/hex')).toMatchObject({ status: 400, text: 'Invalid hex string' });
    expect(await get(`/tx/${unknown}/outspend/x`)).toMatchObject({ status: 400, text: 'Invalid number' });
  });

  test('merkle proof of a tx in a multi-tx block verifies against the header merkle root', async () => {
    const header = Buffer.from((await get(`/block/${multiTxBlock}/header`)).text, 'hex');
    const root = header.subarray(36, 68);
    const txids = chain.index.block(multiTxBlock)!.txids;
    for (const { txid } of fundings) {
      const proof = (await getJson(`/tx/${txid}/merkle-proof`)) as Json;
      expect(Object.keys(proof).sort()).toEqual(['block_height', 'merkle', 'pos']);
      uint(proof['block_height'], 'block_height');
      uint(proof['pos'], 'pos');
      expect(proof['pos']).toBe(txids.indexOf(txid));
      const merkle = proof['merkle'] as string[];
      expect(merkle).toHaveLength(2); // 4 txs → 2 levels
      merkle.forEach((h) => str(h, 'merkle[]', HEX64));
      // Electrum format: display-order hashes; fold them from the (internal-order) txid.
      let node: Buffer = Buffer.from(txid, 'hex').reverse();
      let pos = proof['pos'] as number;
      for (const sibling of merkle) {
        const s = Buffer.from(sibling, 'hex').reverse();
        node = sha256d(pos & 1 ? Buffer.concat([s, node]) : Buffer.concat([node, s]));
        pos >>= 1;
      }
      expect(node.equals(root)).toBe(true);
    }
  });

  test('outspend before a spend, with the spend in the mempool, and once it is confirmed', async () => {
    const { txid, vout, value } = fundings[0]!;
    const before = await getJson(`/tx/${txid}/outspend/${vout}`);
    expect(before).toEqual({ spent: false });
    const spend = wallet.pay({ inputs: [{ txid, vout, value }], outputs: [{ script: other.script, value: 50_000 }] });
    const posted = await post('/tx', spend.hex);
    expect(posted).toEqual({ status: 200, text: spend.txid });
    const inMempool = await getJson(`/tx/${txid}/outspend/${vout}`);
    validateOutspend(inMempool, 'outspend');
    expect(inMempool).toEqual({ spent: true, txid: spend.txid, vin: 0, status: { confirmed: false } });
    const mempoolTx = (await getJson(`/tx/${spend.txid}`)) as Json;
    validateTx(mempoolTx);
    expect(mempoolTx['status']).toEqual({ confirmed: false });
    expect(mempoolTx['fee']).toBe(spend.fee);
    const [block] = await chain.mine(1);
    const confirmed = await getJson(`/tx/${txid}/outspend/${vout}`);
    validateOutspend(confirmed, 'outspend');
    expect(confirmed).toEqual({ spent: true, txid: spend.txid, vin: 0, status: { confirmed: true, block_height: chain.height, block_hash: block, block_time: chain.index.block(block!)!.time } });
    const outspends = (await getJson(`/tx/${spend.txid}/outspends`)) as unknown[];
    expect(outspends).toHaveLength(2);
    outspends.forEach((o, i) => validateOutspend(o, `outspends[${i}]`));
    expect(outspends).toEqual([{ spent: false }, { spent: false }]);
  });
});

describe('Esplora API: scripthash', () => {
  test('scripthash is sha256(scriptPubKey) in plain hex (not reversed), same as /address', async () => {
    const sh = scripthashOf(wallet.script);
    expect(sh).toBe(createHash('sha256').update(wallet.script).digest('hex'));
    const txs = (await getJson(`/scripthash/${sh}/txs`)) as Json[];
    txs.forEach((t, i) => validateTx(t, `txs[${i}]`));
    expect(new Set(txs.map((t) => t['txid']))).toEqual(new Set([...fundings.map((f) => f.txid), chain.index.historyOf(sh)[0]!.txid]));
    const reversed = Buffer.from(sh, 'hex').reverse().toString('hex');
    expect(await getJson(`/scripthash/${reversed}/txs`)).toEqual([]);
    expect(await getJson(`/address/${wallet.address}/txs`)).toEqual(txs);
    expect(await get('/scripthash/abcd/txs')).toMatchObject({ status: 400, text: 'Invalid scripthash' });
    expect(await get(`/address/${btcAddress.fromOutputScript(wallet.script, networks.bitcoin)}/txs`)).toMatchObject({ status: 400, text: 'Address on invalid network' });
    const stats = (await getJson(`/scripthash/${sh}`)) as Json;
    expect(stats['scripthash']).toBe(sh);
    expect(stats['chain_stats']).toEqual({ funded_txo_count: 4, funded_txo_sum: 150_000 + 250_000 + 350_000 + ((txs[0]!['vout'] as Json[])[1]!['value'] as number), spent_txo_count: 1, spent_txo_sum: 150_000, tx_count: 4 });
  });

  test('utxo lists confirmed and mempool outputs, minus those spent in the mempool', async () => {
    const sh = scripthashOf(wallet.script);
    const confirmed = (await getJson(`/scripthash/${sh}/utxo`)) as Json[];
    confirmed.forEach((u, i) => validateUtxo(u, `utxo[${i}]`));
    expect(confirmed.every((u) => (u['status'] as Json)['confirmed'] === true)).toBe(true);
    expect(confirmed.map((u) => u['txid'])).not.toContain(fundings[0]!.txid);
    // Spend funding #2 in the mempool: it leaves the list, the new change output joins it unconfirmed.
    const { txid, vout, value } = fundings[1]!;
    const spend = wallet.pay({ inputs: [{ txid, vout, value }], outputs: [{ script: other.script, value: 10_000 }] });
    await chain.broadcast(spend.raw);
    const after = (await getJson(`/scripthash/${sh}/utxo`)) as Json[];
    after.forEach((u, i) => validateUtxo(u, `utxo[${i}]`));
    expect(after.find((u) => u['txid'] === txid)).toBeUndefined();
    expect(after.find((u) => u['txid'] === spend.txid)).toEqual({ txid: spend.txid, vout: 1, status: { confirmed: false }, value: value - 10_000 - spend.fee });
    const mempool = (await getJson(`/scripthash/${sh}/txs/mempool`)) as Json[];
    expect(mempool.map((t) => t['txid'])).toEqual([spend.txid]);
    // /txs = mempool first, then confirmed, newest first.
    const all = (await getJson(`/scripthash/${sh}/txs`)) as Json[];
    expect(all[0]!['txid']).toBe(spend.txid);
    const heights = all.slice(1).map((t) => (t['status'] as Json)['block_height'] as number);
    expect([...heights].sort((x, y) => y - x)).toEqual(heights);
    await chain.mine(1);
  });

  test('txs/chain pages 25 at a time, newest first; /txs/chain/:last_seen continues; unknown last_seen → []', async () => {
    const payee = RegtestWallet.fromSeed('paging');
    const sent: string[] = [];
    for (let i = 0; i < 30; i++) sent.push((await chain.faucet(payee.script, 10_000 + i, { mine: i % 10 === 9 })).txid);
    const sh = scripthashOf(payee.script);
    const page1 = (await getJson(`/scripthash/${sh}/txs/chain`)) as Json[];
    expect(page1).toHaveLength(25);
    page1.forEach((t, i) => validateTx(t, `page1[${i}]`));
    const last = page1[24]!['txid'] as string;
    const page2 = (await getJson(`/scripthash/${sh}/txs/chain/${last}`)) as Json[];
    expect(page2).toHaveLength(5);
    const all = [...page1, ...page2].map((t) => t['txid']);
    expect(new Set(all)).toEqual(new Set(sent));
    const order = [...page1, ...page2].map((t) => (t['status'] as Json)['block_height'] as number);
    expect([...order].sort((x, y) => y - x)).toEqual(order);
    expect(await getJson(`/scripthash/${sh}/txs/chain/${'cd'.repeat(32)}`)).toEqual([]);
    // /txs: no mempool txs, the first 25 confirmed.
    expect(((await getJson(`/scripthash/${sh}/txs`)) as Json[]).map((t) => t['txid'])).toEqual(page1.map((t) => t['txid']));
  });
});

describe('Esplora API: broadcast, fees, errors, regtest controls', () => {
  test('POST /tx: 400 with electrs/bitcoind error text', async () => {
    expect(await post('/tx', 'zz')).toEqual({ status: 400, text: 'sendrawtransaction RPC error: {"code":-22,"message":"TX decode failed. Make sure the tx has at least one input."}' });
    const { txid } = fundings[0]!;
    const doubleSpend = wallet.pay({ inputs: [fundings[0]!], outputs: [{ script: other.script, value: 20_000 }] });
    expect(await post('/tx', doubleSpend.hex)).toEqual({ status: 400, text: 'sendrawtransaction RPC error: {"code":-25,"message":"bad-txns-inputs-missingorspent"}' });
    const confirmedHex = (await get(`/tx/${txid}/hex`)).text;
    expect(await post('/tx', confirmedHex)).toEqual({ status: 400, text: 'sendrawtransaction RPC error: {"code":-27,"message":"Transaction outputs already in utxo set"}' });
  });

  test('fee-estimates: string targets → sat/vB numbers; /regtest/fee-estimates replaces them', async () => {
    const fees = (await getJson('/fee-estimates')) as Json;
    expect(Object.keys(fees).sort((a, b) => Number(a) - Number(b))).toEqual([...Array.from({ length: 25 }, (_, i) => String(i + 1)), '144', '504', '1008']);
    for (const v of Object.values(fees)) expect(typeof v).toBe('number');
    const set = await post('/regtest/fee-estimates', JSON.stringify({ 1: 25.5, 6: 10, 144: 1 }), 'application/json');
    expect(set.status).toBe(200);
    expect(await getJson('/fee-estimates')).toEqual({ 1: 25.5, 6: 10, 144: 1 });
    expect((await post('/regtest/fee-estimates', JSON.stringify({ x: 1 }), 'application/json')).status).toBe(400);
    chain.setFeeEstimates(fees as Record<string, number>);
  });

  test('unknown routes are 404 "endpoint does not exist"; CORS is open for the PWA', async () => {
    const res = await get('/nope/1');
    expect(res).toMatchObject({ status: 404, text: 'endpoint does not exist "/nope/1"' });
    expect(res.headers.get('access-control-allow-origin')).toBe('*');
    expect((await get('/tx')).status).toBe(404);
  });

  test('regtest controls over HTTP: mine to a bcrt1 address, faucet', async () => {
    const target = RegtestWallet.fromSeed('http controls');
    const height = chain.height;
    const mined = await post('/regtest/mine', JSON.stringify({ blocks: 2, address: target.address }), 'application/json');
    expect(mined.status).toBe(200);
    const { hashes } = JSON.parse(mined.text) as { hashes: string[] };
    expect(hashes).toHaveLength(2);
    expect(chain.height).toBe(height + 2);
    const coinbase = (await getJson(`/tx/${chain.index.block(hashes[0]!)!.txids[0]}`)) as Json;
    expect((coinbase['vout'] as Json[])[0]!['scriptpubkey_address']).toBe(target.address);
    const faucet = await post('/regtest/faucet', JSON.stringify({ address: target.address, sats: 123_456 }), 'application/json');
    expect(faucet.status).toBe(200);
    const { txid, vout } = JSON.parse(faucet.text) as { txid: string; vout: number };
    expect(await getJson(`/tx/${txid}/status`)).toMatchObject({ confirmed: true, block_height: height + 3 });
    const utxos = (await getJson(`/address/${target.address}/utxo`)) as Json[];
    expect(utxos).toContainEqual(expect.objectContaining({ txid, vout, value: 123_456 }));
    expect((await post('/regtest/faucet', JSON.stringify({ address: 'rb1qxyz', sats: 1 }), 'application/json')).status).toBe(400);
    expect((await post('/regtest/mine', '{bad', 'application/json')).status).toBe(400);
  });

  test('the server counts its requests (for O(1)-per-tick checks)', () => {
    expect(server.requestCount).toBeGreaterThan(20);
    expect(server.requests.at(-1)).toMatchObject({ method: 'POST', path: '/regtest/mine', status: 400 });
  });
});
