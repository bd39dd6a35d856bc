// Property: whatever an Esplora server answers (random JSON, random text, honest answers with a
// random node replaced, odd statuses), every EsploraClient method either resolves with a checked
// value or rejects with EsploraError, never anything else, and never accepts bytes that do not
// hash to what was asked for.
import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { bytesToHex } from '@noble/hashes/utils.js';
import { EsploraClient } from '../../engine/chain/esplora.ts';
import { EsploraError } from '../../engine/chain/errors.ts';
import { parseHeader, parseTx } from '../../engine/chain/bitcoin.ts';
import { ManualClock } from '../harness/loopback.ts';
import { BASE_URL, FakeEsplora, scriptFor, type FakeReply } from '../harness/fake-esplora.ts';

type Mutation =
  | { kind: 'honest' }
  | { kind: 'json'; value: unknown; status: number }
  | { kind: 'text'; text: string; status: number }
  | { kind: 'replace'; at: number; value: unknown }
  | { kind: 'truncate'; keep: number };

const status = fc.constantFrom(200, 200, 200, 201, 204, 302, 400, 404, 410, 418);
const mutation: fc.Arbitrary<Mutation> = fc.oneof(
  fc.constant({ kind: 'honest' as const }),
  fc.record({ kind: fc.constant('json' as const), value: fc.jsonValue({ maxDepth: 3 }), status }),
  fc.record({ kind: fc.constant('text' as const), text: fc.oneof(fc.string({ maxLength: 80 }), fc.stringMatching(/^[0-9a-f]{0,200}$/)), status }),
  fc.record({ kind: fc.constant('replace' as const), at: fc.nat({ max: 400 }), value: fc.jsonValue({ maxDepth: 2 }) }),
  fc.record({ kind: fc.constant('truncate' as const), keep: fc.nat({ max: 300 }) }),
);

/** Replace the `at`-th node (pre-order, modulo the node count) of a JSON value. */
function replaceNode(root: unknown, at: number, value: unknown): unknown {
  const nodes: { parent: Record<string, unknown> | unknown[] | undefined; key: string | number }[] = [{ parent: undefined, key: 0 }];
  const walk = (v: unknown) => {
    if (v && typeof v === 'object') {
      for (const [k, child] of Object.entries(v)) {
        nodes.push({ parent: v as Record<string, unknown>, key: Array.isArray(v) ? Number(k) : k });
        walk(child);
      }
    }
  };
  walk(root);
  const target = nodes[at % nodes.length]!;
  if (!target.parent) return value;
  (target.parent as Record<string, unknown>)[target.key as string] = value;
  return root;
}

function apply(m: Mutation, honest: { status: number; body: string }): FakeReply {
  switch (m.kind) {
    case 'honest':
      return honest;
    case 'json':
      return { status: m.status, body: JSON.stringify(m.value) ?? 'null' };
    case 'text':
      return { status: m.status, body: m.text };
    case 'truncate':
      return { status: honest.status, body: honest.body.slice(0, m.keep) };
    case 'replace': {
      let parsed: unknown;
      try {
        parsed = JSON.parse(honest.body);
      } catch {
        return { status: honest.status, body: JSON.stringify(m.value) ?? 'null' };
      }
      return { status: honest.status, body: JSON.stringify(replaceNode(parsed, m.at, m.value)) ?? 'null' };
    }
  }
}

// One chain for every run: a confirmed payment, a spend of it, fee estimates.
const fake = new FakeEsplora();
const script = scriptFor('prop');
const pay = fake.chain.fund(script, 40_000n);
fake.chain.mine(1);
const spend = fake.chain.spend([{ txid: pay.getId(), vout: 0 }], [{ script: scriptFor('next'), value: 39_000n }]);
fake.chain.mine(2);
const unsent = fake.chain.spend([{ txid: spend.getId(), vout: 0 }], [{ script, value: 38_000n }], { mempool: false });
fake.feeEstimates = { '1': 3, '6': 2, '144': 1 };
const txid = pay.getId();
const blockHash = fake.chain.blocks[3]!.hash;

const calls: Record<string, (c: EsploraClient) => Promise<unknown>> = {
  tipHash: (c) => c.tipHash(),
  tip: (c) => c.tip(),
  blockStatus: (c) => c.blockStatus(blockHash),
  blockHeader: async (c) => {
    const h = await c.blockHeader(blockHash);
    expect(parseHeader(h).hash).toBe(blockHash);
  },
  blockHashAtHeight: (c) => c.blockHashAtHeight(2),
  scriptHistory: (c) => c.scriptHistory(script),
  scriptUtxos: (c) => c.scriptUtxos(script),
  transaction: async (c) => {
    const raw = await c.transaction(txid);
    expect(parseTx(raw).txid).toBe(txid);
  },
  txStatus: (c) => c.txStatus(txid),
  verifyConfirmed: (c) => c.verifyConfirmed(txid),
  outSpend: async (c) => {
    const s = await c.outSpend(txid, 0);
    if (s.spent) expect(s.txid).toBe(spend.getId()); // the only tx that really spends it
  },
  feeEstimates: async (c) => {
    for (const [t, rate] of await c.feeEstimates()) {
      expect(Number.isInteger(t) && t >= 1).toBe(true);
      expect(rate >= 1 && rate <= 5_000).toBe(true);
    }
  },
  broadcast: async (c) => expect(await c.broadcast(unsent.toBuffer())).toBe(unsent.getId()),
};

describe('EsploraClient never throws anything but EsploraError', () => {
  for (const [name, call] of Object.entries(calls)) {
    it(name, async () => {
      await fc.assert(
        fc.asyncProperty(fc.array(mutation, { minLength: 1, maxLength: 6 }), async (mutations) => {
          const chainMempool = fake.chain.mempool.slice();
          let i = 0;
          const fetch = (url: string, init?: Parameters<typeof fake.fetch>[1]) => {
            const path = url.slice(BASE_URL.length);
            const req = { method: init?.method ?? 'GET', path, body: init?.body };
            const m = mutations[i++ % mutations.length]!;
            fake.intercept = () => apply(m, fake.route(req));
            return fake.fetch(url, init);
          };
          const client = new EsploraClient({ baseUrl: BASE_URL, fetch, clock: new ManualClock(), retry: { attempts: 1 } });
          try {
            await call(client);
          } catch (err) {
            if (!(err instanceof EsploraError)) throw err;
            expect(err.message.startsWith('esplora ')).toBe(true);
          } finally {
            fake.intercept = undefined;
            fake.chain.mempool = chainMempool;
          }
        }),
        { numRuns: 150 },
      );
    });
  }

  it('sanity: the honest server passes every call', async () => {
    const client = new EsploraClient({ baseUrl: BASE_URL, fetch: fake.fetch, clock: new ManualClock() });
    const before = fake.chain.mempool.slice();
    for (const call of Object.values(calls)) await call(client);
    fake.chain.mempool = before;
    expect(bytesToHex(await client.transaction(txid))).toBe(pay.toHex());
  });
});
