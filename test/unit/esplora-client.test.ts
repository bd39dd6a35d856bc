// EsploraClient against the in-memory electrs model (test/harness/fake-esplora.ts): honest answers
// are parsed, and every lie (wrong tx bytes, wrong merkle proof, wrong header, bad proof of work,
// a fake spender, a wrong broadcast txid, inconsistent history pages) is refused with EsploraError.
import { describe, expect, it } from 'vitest';
import { Transaction } from 'bitcoinjs-lib';
import { sha256 } from '@noble/hashes/sha2.js';
import { bytesToHex, hexToBytes } from '@noble/hashes/utils.js';
import { EsploraClient, scripthash, type EsploraClientOptions } from '../../engine/chain/esplora.ts';
import { EsploraError, type EsploraErrorKind } from '../../engine/chain/errors.ts';
import { REGTEST_FEE_FALLBACK } from '../../engine/chain/fees.ts';
import { ValidationError } from '../../engine/lib/errors.ts';
import { ManualClock } from '../harness/loopback.ts';
import { BASE_URL, FakeEsplora, mineHeader, scriptFor, sha256d, toDisplay, type FakeReply } from '../harness/fake-esplora.ts';

function setup(options: Partial<EsploraClientOptions> = {}) {
  const fake = new FakeEsplora();
  const clock = new ManualClock();
  const client = new EsploraClient({ baseUrl: BASE_URL, fetch: fake.fetch, clock, ...options });
  return { fake, chain: fake.chain, clock, client };
}

async function rejection(p: Promise<unknown>, kind?: EsploraErrorKind): Promise<EsploraError> {
  try {
    await p;
  } catch (err) {
    expect(err).toBeInstanceOf(EsploraError);
    if (kind) expect((err as EsploraError).kind).toBe(kind);
    return err as EsploraError;
  }
  throw new Error('expected an EsploraError');
}

/** Serve `body` (status 200) for requests whose path matches. */
function lie(fake: FakeEsplora, path: RegExp, body: string | ((honest: string) => string)): void {
  fake.intercept = (req): FakeReply | undefined => {
    if (!path.test(req.path)) return undefined;
    return { status: 200, body: typeof body === 'string' ? body : body(fake.route(req).body) };
  };
}

/** A confirmed tx paying `script`, in its own block. */
function confirmedPayment(fake: FakeEsplora, script = scriptFor('alice'), value = 100_000n) {
  const tx = fake.chain.fund(script, value);
  const block = fake.chain.mine(1)[0]!;
  return { tx, txid: tx.getId(), block };
}

describe('chain tip and headers', () => {
  it('tip, tipHash, blockStatus, blockHashAtHeight, blockHeader', async () => {
    const { chain, client, fake } = setup();
    chain.mine(5);
    expect(await client.tipHash()).toBe(chain.tip.hash);
    expect(await client.tip()).toEqual({ height: 5, hash: chain.tip.hash });
    expect(await client.blockStatus(chain.blocks[3]!.hash)).toEqual({ inBestChain: true, height: 3, nextBest: chain.blocks[4]!.hash });
    expect(await client.blockHashAtHeight(2)).toBe(chain.blocks[2]!.hash);
    expect(await client.blockHeader(chain.blocks[2]!.hash)).toEqual(chain.blocks[2]!.header);
    const mark = fake.log.length;
    await client.blockHeader(chain.blocks[2]!.hash); // verified headers are cached
    expect(fake.since(mark)).toEqual([]);
    expect((await rejection(client.blockHashAtHeight(99), 'not-found')).status).toBe(404);
  });

  it('refuses a header that hashes to another block, and one without proof of work', async () => {
    const { chain, client, fake } = setup();
    chain.mine(3);
    const asked = chain.blocks[2]!.hash;
    lie(fake, /\/header$/, bytesToHex(chain.blocks[1]!.header));
    const e = await rejection(client.blockHeader(asked), 'mismatch');
    expect(e.message).toContain(`esplora /block/${asked.slice(0, 8)}…/header: header hashes to ${chain.blocks[1]!.hash}`);

    // A header that does not meet its own bits, served under its own (correct) hash.
    let weak: Uint8Array | undefined;
    for (let t = 0; !weak; t++) {
      const h = mineHeader(chain.tip.hash, new Uint8Array(32), t, 0x1d00ffff); // 0 target: takes the first nonce
      const withRegtestBits = h.slice();
      withRegtestBits.set([0xff, 0xff, 0x7f, 0x20], 72);
      if (BigInt(`0x${toDisplay(sha256d(withRegtestBits))}`) > 0x7fffffn << 232n) weak = withRegtestBits;
    }
    const weakHash = toDisplay(sha256d(weak));
    lie(fake, /\/header$/, bytesToHex(weak));
    expect((await rejection(client.blockHeader(weakHash), 'mismatch')).reason).toMatch(/proof of work: hash .* does not meet its target/);
    lie(fake, /\/header$/, 'abcd');
    expect((await rejection(client.blockHeader(weakHash), 'invalid')).reason).toContain('expected 80 bytes');
  });

  it('names the field in validation errors, with the path shortened', async () => {
    const { chain, client, fake } = setup();
    const { txid } = confirmedPayment(fake);
    void chain;
    lie(fake, /\/status$/, (honest) => honest.replace(/"block_height":(\d+)/, '"block_height":"$1"'));
    const e = await rejection(client.txStatus(txid), 'invalid');
    expect(e.message).toMatch(new RegExp(`^esplora /tx/${txid.slice(0, 8)}…/status: block_height: expected integer, got string "\\d+"$`));
    expect(e.status).toBe(200);
    expect(e.path).toBe(`/tx/${txid}/status`);
  });

  it('checks arguments before building a URL', async () => {
    const { client, fake } = setup();
    await expect(client.txStatus('../../admin')).rejects.toBeInstanceOf(ValidationError);
    await expect(client.blockHashAtHeight(-1)).rejects.toBeInstanceOf(ValidationError);
    await expect(client.outSpend('ab'.repeat(32), 1.5)).rejects.toBeInstanceOf(ValidationError);
    expect(fake.log).toEqual([]);
  });
});

describe('transactions', () => {
  it('returns bytes that hash to the txid, and refuses bytes of another tx', async () => {
    const { client, fake } = setup();
    const a = confirmedPayment(fake, scriptFor('a'));
    const b = confirmedPayment(fake, scriptFor('b'));
    expect(bytesToHex(await client.transaction(a.txid))).toBe(a.tx.toHex());
    lie(fake, /\/hex$/, b.tx.toHex());
    const e = await rejection(client.transaction(b.txid.replace(/^./, (c) => (c === 'a' ? 'b' : 'a'))), 'mismatch');
    expect(e.reason).toContain(`bytes hash to txid ${b.txid}`);
    lie(fake, /\/hex$/, '00');
    expect((await rejection(client.transaction(b.txid), 'invalid')).reason).toContain('not a transaction');
    lie(fake, /\/hex$/, 'not hex!');
    await rejection(client.transaction(b.txid), 'invalid');
  });

  it('tx status: confirmed, mempool, unknown', async () => {
    const { chain, client, fake } = setup();
    const { txid, block } = confirmedPayment(fake);
    expect(await client.txStatus(txid)).toEqual({ confirmed: true, blockHeight: block.height, blockHash: block.hash, blockTime: block.time });
    const pending = chain.fund(scriptFor('p'), 5000n);
    expect(await client.txStatus(pending.getId())).toEqual({ confirmed: false });
    expect(await client.txStatus('cd'.repeat(32))).toEqual({ confirmed: false }); // as electrs answers
    fake.intercept = () => ({ status: 404, body: 'Transaction not found' });
    expect((await rejection(client.txStatus('cd'.repeat(32)), 'not-found')).message).toBe(`esplora /tx/cdcdcdcd…/status: HTTP 404: Transaction not found`);
  });
});

describe('verifyConfirmed', () => {
  it('proves inclusion against the header', async () => {
    const { chain, client, fake } = setup();
    const cb = chain.mine(1)[0]!;
    const txs = Array.from({ length: 6 }, (_, i) => chain.spend([{ txid: cb.txids[0]!, vout: 0 }], [{ script: scriptFor(`v${i}`), value: 1_000n }]));
    const block = chain.mine(1)[0]!;
    for (const tx of txs) {
      expect(await client.verifyConfirmed(tx.getId())).toEqual({ confirmed: true, blockHeight: block.height, blockHash: block.hash, blockTime: block.time });
    }
    const mark = fake.log.length;
    const pending = chain.fund(scriptFor('m'), 1000n);
    expect(await client.verifyConfirmed(pending.getId())).toEqual({ confirmed: false });
    expect(fake.since(mark).filter((r) => r.includes(pending.getId()))).toEqual([`GET /tx/${pending.getId()}/status`]);
  });

  it('refuses a wrong merkle branch, a wrong position, and a status pointing at another block', async () => {
    const { chain, client, fake } = setup();
    const { txid } = confirmedPayment(fake);
    chain.mine(2);
    lie(fake, /merkle-proof$/, (honest) => {
      const p = JSON.parse(honest) as { merkle: string[] };
      p.merkle[0] = '11'.repeat(32);
      return JSON.stringify(p);
    });
    expect((await rejection(client.verifyConfirmed(txid), 'mismatch')).reason).toContain('does not lead to the header merkle root');
    lie(fake, /merkle-proof$/, (honest) => JSON.stringify({ ...JSON.parse(honest), pos: 0 }));
    await rejection(client.verifyConfirmed(txid), 'mismatch');
    lie(fake, /merkle-proof$/, (honest) => JSON.stringify({ ...JSON.parse(honest), block_height: 1 }));
    expect((await rejection(client.verifyConfirmed(txid), 'mismatch')).reason).toContain('differs from the status');
    const other = chain.blocks[chain.blocks.length - 1]!;
    lie(fake, /\/status$/, JSON.stringify({ confirmed: true, block_height: other.height, block_hash: other.hash, block_time: other.time }));
    await rejection(client.verifyConfirmed(txid), 'mismatch');
  });

  it('refuses to prove a 64-byte transaction (merkle second-preimage shape)', async () => {
    const { chain, client } = setup();
    const tx = new Transaction();
    tx.addInput(sha256(new Uint8Array([1])), 0, 0xffffffff, new Uint8Array(0));
    tx.addOutput(new Uint8Array([0x51, 0x51, 0x51, 0x51]), 1000n);
    expect(tx.byteLength(false)).toBe(64);
    chain.mine(1, { txs: [tx] });
    expect((await rejection(client.verifyConfirmed(tx.getId()), 'mismatch')).reason).toContain('64-byte transaction');
  });
});

describe('script history and UTXOs', () => {
  /** `confirmedCount` txs paying `script`, spread over blocks, plus `mempoolCount` unconfirmed. */
  function history(fake: FakeEsplora, script: Uint8Array, confirmedCount: number, mempoolCount: number): string[] {
    const chain = fake.chain;
    const total = confirmedCount + mempoolCount;
    const cb = chain.mine(1)[0]!;
    const fan = chain.spend([{ txid: cb.txids[0]!, vout: 0 }], Array.from({ length: total }, () => ({ script: chain.minerScript, value: 10_000n })));
    chain.mine(1);
    const ids: string[] = [];
    for (let i = 0; i < total; i++) {
      ids.push(chain.spend([{ txid: fan.getId(), vout: i }], [{ script, value: 9_000n }]).getId());
      if (i < confirmedCount && (i % 7 === 6 || i === confirmedCount - 1)) chain.mine(1);
    }
    return ids;
  }

  it('follows /txs/chain pages while a page holds 25 confirmed txs', async () => {
    const { client, fake } = setup();
    const script = scriptFor('busy');
    const ids = history(fake, script, 60, 3);
    const sh = bytesToHex(sha256(script));
    expect(scripthash(script)).toBe(sh); // plain hex, not reversed
    const mark = fake.log.length;
    const got = await client.scriptHistory(script);
    expect(new Set(got.map((t) => t.txid))).toEqual(new Set(ids));
    expect(got.filter((t) => !t.status.confirmed)).toHaveLength(3);
    const requests = fake.since(mark);
    expect(requests).toHaveLength(3);
    expect(requests[0]).toBe(`GET /scripthash/${sh}/txs`);
    expect(requests[1]).toMatch(new RegExp(`^GET /scripthash/${sh}/txs/chain/[0-9a-f]{64}$`));
  });

  it('exactly 25 confirmed costs one more (empty) page; fewer costs one request', async () => {
    const { client, fake } = setup();
    history(fake, scriptFor('25'), 25, 0);
    history(fake, scriptFor('3'), 3, 1);
    let mark = fake.log.length;
    expect(await client.scriptHistory(scriptFor('25'))).toHaveLength(25);
    expect(fake.since(mark)).toHaveLength(2);
    mark = fake.log.length;
    expect(await client.scriptHistory(scriptFor('3'))).toHaveLength(4);
    expect(fake.since(mark)).toHaveLength(1);
    expect(await client.scriptHistory(scriptFor('nobody'))).toEqual([]);
  });

  it('refuses pages that repeat txids, list mempool txs, or go back up in height', async () => {
    const { client, fake } = setup();
    const script = scriptFor('pages');
    history(fake, script, 30, 0);
    // A server that serves the first page again for every /chain request (an endless loop).
    fake.intercept = (req) => (req.path.includes('/txs/chain/') ? fake.route({ ...req, path: req.path.replace(/\/chain\/.*$/, '') }) : undefined);
    expect((await rejection(client.scriptHistory(script), 'mismatch')).reason).toContain('twice');
    fake.intercept = (req) => {
      if (!req.path.includes('/txs/chain/')) return undefined;
      const page = JSON.parse(fake.route(req).body) as { status: unknown }[];
      page[0]!.status = { confirmed: false };
      return { status: 200, body: JSON.stringify(page) };
    };
    expect((await rejection(client.scriptHistory(script), 'mismatch')).reason).toContain('unconfirmed');
    fake.intercept = (req) => {
      if (!req.path.includes('/txs/chain/')) return undefined;
      const page = JSON.parse(fake.route(req).body) as { status: { block_height: number } }[];
      page[0]!.status.block_height += 100;
      return { status: 200, body: JSON.stringify(page) };
    };
    expect((await rejection(client.scriptHistory(script), 'mismatch')).reason).toContain('not ordered by height');
  });

  it('lists UTXOs with values as bigint', async () => {
    const { client, fake } = setup();
    const script = scriptFor('utxo');
    const { txid } = confirmedPayment(fake, script, 123_456n);
    const pending = fake.chain.fund(script, 777n);
    const utxos = await client.scriptUtxos(script);
    expect(utxos.map((u) => [u.txid, u.vout, u.valueSat, u.status.confirmed]).sort()).toEqual(
      [
        [txid, 0, 123_456n, true],
        [pending.getId(), 0, 777n, false],
      ].sort(),
    );
    lie(fake, /\/utxo$/, (honest) => JSON.stringify([...JSON.parse(honest), ...JSON.parse(honest)]));
    await rejection(client.scriptUtxos(script), 'mismatch');
  });
});

describe('outspends', () => {
  it('reports unspent and spent (checking the spender really spends it)', async () => {
    const { chain, client, fake } = setup();
    const { txid } = confirmedPayment(fake, scriptFor('o'), 50_000n);
    expect(await client.outSpend(txid, 0)).toEqual({ spent: false });
    const spender = chain.spend([{ txid, vout: 0 }], [{ script: scriptFor('p'), value: 49_000n }]);
    expect(await client.outSpend(txid, 0)).toEqual({ spent: true, txid: spender.getId(), vin: 0, status: { confirmed: false } });
    const other = confirmedPayment(fake, scriptFor('q'));
    lie(fake, /outspend/, JSON.stringify({ spent: true, txid: other.txid, vin: 0, status: { confirmed: false } }));
    expect((await rejection(client.outSpend(txid, 1), 'mismatch')).reason).toContain(`does not spend ${txid}:1`);
    lie(fake, /outspend/, JSON.stringify({ spent: true, txid: spender.getId(), vin: 3, status: { confirmed: false } }));
    await rejection(client.outSpend(txid, 0), 'mismatch');
  });
});

describe('fee estimates', () => {
  it('parses real estimates; {} and 404 fall back; garbage is an error', async () => {
    const { client, fake } = setup();
    fake.feeEstimates = { '1': 12.5, '6': 4, '144': 1.1 };
    expect([...(await client.feeEstimates())]).toEqual([
      [1, 12.5],
      [6, 4],
      [144, 1.1],
    ]);
    fake.feeEstimates = {};
    expect(await client.feeEstimates()).toBe(REGTEST_FEE_FALLBACK);
    fake.intercept = () => ({ status: 404, body: 'Not Found' });
    expect(await client.feeEstimates()).toBe(REGTEST_FEE_FALLBACK);
    fake.intercept = () => ({ status: 200, body: '{"1": "fast"}' });
    expect((await rejection(client.feeEstimates(), 'invalid')).message).toBe('esplora /fee-estimates: 1: expected number, got string "fast"');
  });
});

describe('broadcast', () => {
  it('posts hex as text/plain and returns the txid', async () => {
    const { chain, client, fake } = setup();
    const cb = chain.mine(1)[0]!;
    const tx = chain.spend([{ txid: cb.txids[0]!, vout: 0 }], [{ script: scriptFor('b'), value: 4_999_000_000n }], { mempool: false });
    let seen: { body?: string; headers?: Record<string, string> } = {};
    const honest = fake.fetch;
    const client2 = new EsploraClient({
      baseUrl: BASE_URL,
      clock: new ManualClock(),
      fetch: (url, init) => {
        seen = { ...(init?.body !== undefined ? { body: init.body } : {}), ...(init?.headers ? { headers: init.headers } : {}) };
        return honest(url, init);
      },
    });
    expect(await client2.broadcast(tx.toBuffer())).toBe(tx.getId());
    expect(seen.body).toBe(tx.toHex());
    expect(seen.headers).toEqual({ 'content-type': 'text/plain' });
    expect(chain.mempool.map((t) => t.getId())).toContain(tx.getId());
    void client;
  });

  it("surfaces the server's error text verbatim", async () => {
    const { chain, client } = setup();
    const cb = chain.mine(1)[0]!;
    const free = chain.spend([{ txid: cb.txids[0]!, vout: 0 }], [{ script: scriptFor('f'), value: 5_000_000_000n }], { mempool: false });
    const e = await rejection(client.broadcast(free.toBuffer()), 'rejected');
    const text = `sendrawtransaction RPC error: {"code":-26,"message":"min relay fee not met, 0 < ${free.virtualSize()}"}`;
    expect(e.message).toBe(`esplora POST /tx: HTTP 400: ${text}`);
    expect(e.body).toBe(text);
    expect(e.status).toBe(400);
  });

  it('refuses a txid answer that is not the transaction’s, and garbage input', async () => {
    const { chain, client, fake } = setup();
    const cb = chain.mine(1)[0]!;
    const tx = chain.spend([{ txid: cb.txids[0]!, vout: 0 }], [{ script: scriptFor('b'), value: 4_999_000_000n }], { mempool: false });
    fake.intercept = () => ({ status: 200, body: 'ab'.repeat(32) });
    expect((await rejection(client.broadcast(tx.toBuffer()), 'mismatch')).reason).toContain('server answered txid');
    await expect(client.broadcast(hexToBytes('0011'))).rejects.toBeInstanceOf(ValidationError);
  });
});
