// The Esplora client's HTTP discipline (engine/chain/http.ts) with a manual clock: backoff on 429
// and 5xx honouring Retry-After, a client-wide pause on 429, typed errors after N attempts,
// per-attempt timeouts, and a concurrency limit that is never exceeded.
import { describe, expect, it } from 'vitest';
import { EsploraClient, type EsploraClientOptions } from '../../engine/chain/esplora.ts';
import { EsploraError } from '../../engine/chain/errors.ts';
import { flush, ManualClock, seededEntropy } from '../harness/loopback.ts';
import { BASE_URL, FakeEsplora, type FakeReply } from '../harness/fake-esplora.ts';

function setup(options: Partial<EsploraClientOptions> = {}) {
  const fake = new FakeEsplora();
  const clock = new ManualClock(0);
  const times: number[] = [];
  const inner = fake.fetch;
  const client = new EsploraClient({
    baseUrl: BASE_URL,
    clock,
    fetch: (url, init) => {
      times.push(clock.now());
      return inner(url, init);
    },
    ...options,
  });
  return { fake, clock, client, times };
}

/** Run `p` to completion, advancing the manual clock `stepMs` at a time. */
async function settle<T>(p: Promise<T>, clock: ManualClock, stepMs = 100, maxSteps = 10_000): Promise<T> {
  let done = false;
  const watched = p.finally(() => {
    done = true;
  });
  watched.catch(() => {});
  for (let i = 0; i < maxSteps && !done; i++) {
    await flush(50);
    if (!done) await clock.advance(stepMs);
  }
  return watched;
}

/** Fail the first `n` requests with `reply`, then answer honestly. */
function failFirst(fake: FakeEsplora, n: number, reply: FakeReply): void {
  let left = n;
  fake.intercept = () => (left-- > 0 ? reply : undefined);
}

describe('retries and backoff', () => {
  it('429 with Retry-After: waits exactly that long, then succeeds', async () => {
    const { fake, clock, client, times } = setup();
    failFirst(fake, 1, { status: 429, body: 'Too Many Requests', headers: { 'Retry-After': '3' } });
    const p = client.tipHash();
    await flush(50);
    expect(times).toEqual([0]);
    await clock.advance(2_999);
    expect(times).toEqual([0]);
    await clock.advance(1);
    await flush(50);
    expect(times).toEqual([0, 3_000]);
    expect(await p).toBe(fake.chain.tip.hash);
    expect(client.stats.retries).toBe(1);
  });

  it('429 without Retry-After: exponential backoff (deterministic without entropy)', async () => {
    const { fake, clock, client, times } = setup({ retry: { baseMs: 500 } });
    failFirst(fake, 3, { status: 429, body: '{"error":"rate limited"}' });
    expect(await settle(client.tipHash(), clock, 50)).toBe(fake.chain.tip.hash);
    expect(times).toEqual([0, 500, 1_500, 3_500]);
  });

  it('Retry-After as an HTTP date', async () => {
    const { fake, clock, client, times } = setup();
    await clock.advance(Date.parse('2030-01-01T00:00:00Z'));
    const t0 = clock.now();
    failFirst(fake, 1, { status: 503, body: 'busy', headers: { 'retry-after': 'Tue, 01 Jan 2030 00:00:05 GMT' } });
    await settle(client.tipHash(), clock, 100);
    expect(times.map((t) => t - t0)).toEqual([0, 5_000]);
  });

  it('jitter from injected entropy stays within [delay/2, delay]', async () => {
    const { fake, clock, client, times } = setup({ entropy: seededEntropy('jitter'), retry: { baseMs: 1_000, attempts: 6 } });
    failFirst(fake, 5, { status: 502, body: 'Bad Gateway' });
    await settle(client.tipHash(), clock, 10);
    const gaps = times.slice(1).map((t, i) => t - (times[i] as number));
    gaps.forEach((gap, i) => {
      const raw = 1_000 * 2 ** i;
      expect(gap).toBeGreaterThanOrEqual(raw / 2);
      expect(gap).toBeLessThanOrEqual(raw + 10);
    });
  });

  it('a 429 pauses the whole client, not just the request that got it', async () => {
    const { fake, clock, client, times } = setup();
    failFirst(fake, 1, { status: 429, body: 'slow down', headers: { 'Retry-After': '2' } });
    const a = client.tipHash();
    await flush(50);
    const b = client.blockHashAtHeight(0);
    await flush(50);
    expect(times).toEqual([0]);
    await clock.advance(1_999);
    expect(times).toEqual([0]);
    await settle(Promise.all([a, b]), clock, 1);
    expect(times).toEqual([0, 2_000, 2_000]);
  });

  it('persistent 500: a typed error after the configured attempts', async () => {
    const { fake, clock, client, times } = setup({ retry: { attempts: 4, baseMs: 100 } });
    fake.intercept = () => ({ status: 500, body: 'Internal Server Error' });
    const e = await settle(client.tipHash(), clock, 10).catch((err: unknown) => err);
    expect(e).toBeInstanceOf(EsploraError);
    const err = e as EsploraError;
    expect(err.kind).toBe('http');
    expect(err.status).toBe(500);
    expect(err.path).toBe('/blocks/tip/hash');
    expect(err.message).toBe('esplora /blocks/tip/hash: HTTP 500: Internal Server Error (after 4 attempts)');
    expect(times).toEqual([0, 100, 300, 700]);
  });

  it('persistent 429 ends as rate-limited; a huge Retry-After fails at once', async () => {
    const { fake, clock, client, times } = setup({ retry: { attempts: 2, baseMs: 10 } });
    fake.intercept = () => ({ status: 429, body: '' });
    expect(((await settle(client.tipHash(), clock, 10).catch((e: unknown) => e)) as EsploraError).kind).toBe('rate-limited');
    times.length = 0;
    fake.intercept = () => ({ status: 429, body: 'banned', headers: { 'Retry-After': '86400' } });
    // The last 429 paused the client for its backoff delay; the next request waits for it first.
    const e = (await settle(client.tipHash(), clock, 10).catch((err: unknown) => err)) as EsploraError;
    expect(e.kind).toBe('rate-limited');
    expect(e.reason).toContain('Retry-After 86400 s is longer than we wait');
    expect(times).toHaveLength(1);
  });

  it('4xx other than 429 is not retried; network errors are', async () => {
    const { fake, clock, client, times } = setup();
    fake.intercept = () => ({ status: 400, body: 'Invalid hex string' });
    expect(((await client.tipHash().catch((e: unknown) => e)) as EsploraError).kind).toBe('http');
    expect(times).toHaveLength(1);
    times.length = 0;
    failFirst(fake, 2, 'network-error');
    expect(await settle(client.tipHash(), clock, 50)).toBe(fake.chain.tip.hash);
    expect(times).toHaveLength(3);
  });
});

describe('timeouts', () => {
  it('a hanging request fails with a timeout after timeoutMs', async () => {
    const aborted: number[] = [];
    const { fake, clock, client } = setup({
      timeoutMs: 5_000,
      retry: { attempts: 1 },
      abort: () => {
        const h = { signal: { aborted: false }, abort: () => (aborted.push(clock.now()), (h.signal.aborted = true)) };
        return h;
      },
    });
    fake.intercept = () => 'hang';
    let settled: unknown;
    const p = client.tipHash().catch((e: unknown) => (settled = e));
    await clock.advance(4_999);
    expect(settled).toBeUndefined();
    await clock.advance(1);
    await p;
    expect(settled).toBeInstanceOf(EsploraError);
    expect((settled as EsploraError).kind).toBe('timeout');
    expect((settled as EsploraError).message).toBe('esplora /blocks/tip/hash: no response within 5000 ms');
    expect(aborted).toEqual([5_000]);
  });

  it('a timed-out attempt is retried and frees its slot', async () => {
    const { fake, clock, client, times } = setup({ timeoutMs: 1_000, maxConcurrent: 1, retry: { baseMs: 100 } });
    failFirst(fake, 1, 'hang');
    expect(await settle(client.tipHash(), clock, 50)).toBe(fake.chain.tip.hash);
    expect(times).toEqual([0, 1_100]);
    expect(clock.pendingTimers).toBe(0);
  });

  it('cancels its timer when the response arrives', async () => {
    const { clock, client } = setup();
    await client.tipHash();
    expect(clock.pendingTimers).toBe(0);
  });
});

describe('concurrency', () => {
  it('never has more than maxConcurrent requests in flight; the rest queue FIFO', async () => {
    const { fake, client } = setup({ maxConcurrent: 3 });
    fake.chain.mine(12);
    fake.holding = true;
    const all = Promise.all(Array.from({ length: 12 }, (_, h) => client.blockHashAtHeight(h)));
    for (let round = 0; round < 12; round++) {
      await flush(50);
      expect(fake.inFlight).toBeLessThanOrEqual(3);
      fake.release(1);
    }
    fake.holding = false;
    fake.release();
    expect(await all).toEqual(fake.chain.blocks.slice(0, 12).map((b) => b.hash));
    expect(fake.maxInFlight).toBe(3);
    expect(client.stats.maxInFlight).toBe(3);
    expect(fake.log.map((l) => Number(l.split('/').pop()))).toEqual([...Array(12).keys()]);
  });

  it('identical GETs in flight share one request', async () => {
    const { fake, client } = setup();
    const [a, b] = await Promise.all([client.tipHash(), client.tipHash()]);
    expect(a).toBe(b);
    expect(fake.log).toEqual(['GET /blocks/tip/hash']);
  });

  it('refuses bodies larger than maxBodyChars', async () => {
    const { fake, client } = setup({ maxBodyChars: 100 });
    fake.intercept = () => ({ status: 200, body: 'a'.repeat(101) });
    expect(((await client.tipHash().catch((e: unknown) => e)) as EsploraError).reason).toContain('longer than 100');
  });
});
