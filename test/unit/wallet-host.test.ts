// workers/wallet-host.ts: the wallet inside the node worker, against a fake engine. Lifecycle
// (none → create → unlocked → lock → locked → unlock), per-network wallets, the node identity
// hand-off, errors that name the RPC field, DTOs with decimal-string amounts, the sync loop.
import { describe, expect, it } from 'vitest';
import { RpcValidationError, parseResult, type WalletSnapshotDto, type WalletStatusDto } from '../../workers/rpc/protocol.ts';
import { BUILTIN_CONFIG, WalletHost, normalizeMnemonic, parseWalletConfig } from '../../workers/wallet-host.ts';
import { silentLogger, type Clock } from '../../engine/index.ts';
import { FAKE_WORDS, FakeBackend } from '../harness/fake-wallet.ts';

class ManualClock implements Clock {
  t = 1_700_000_000_000;
  timers: { at: number; fn: () => void; live: boolean }[] = [];
  now(): number {
    return this.t;
  }
  setTimer(ms: number, fn: () => void): () => void {
    const timer = { at: this.t + ms, fn, live: true };
    this.timers.push(timer);
    return () => (timer.live = false);
  }
  async advance(ms: number): Promise<void> {
    this.t += ms;
    for (const timer of this.timers.filter((x) => x.live && x.at <= this.t)) {
      timer.live = false;
      timer.fn();
    }
    await flush();
  }
}

const flush = async (): Promise<void> => {
  for (let i = 0; i < 20; i++) await Promise.resolve();
};

function setup(config = parseWalletConfig({ network: 'regtest', esplora: { regtest: 'http://127.0.0.1:3002/' } })) {
  const backend = new FakeBackend();
  const clock = new ManualClock();
  const identities: (Uint8Array | null)[] = [];
  const statuses: WalletStatusDto[] = [];
  const changes: WalletSnapshotDto[] = [];
  const host = new WalletHost({
    backend,
    config,
    clock,
    logger: silentLogger,
    onIdentity: (s) => identities.push(s),
    onStatus: (s) => statuses.push(s),
    onChanged: (s) => changes.push(s),
  });
  return { backend, clock, host, identities, statuses, changes };
}

async function fieldOf(p: Promise<unknown>): Promise<string> {
  const err = await p.then(
    () => null,
    (e: unknown) => e,
  );
  expect(err).toBeInstanceOf(RpcValidationError);
  return (err as RpcValidationError).field;
}

describe('WalletHost', () => {
  it('creates, locks and unlocks; the node identity follows; statuses are valid DTOs', async () => {
    const { host, backend, identities, statuses } = setup();
    const start = await host.start();
    expect(start).toEqual({
      state: 'none',
      network: 'regtest',
      esploraUrl: 'http://127.0.0.1:3002',
      defaultEsploraUrl: 'http://127.0.0.1:3002',
      defaultEsploraUrls: { bitcoin: 'https://blockstream.info/api', testnet: 'https://blockstream.info/testnet/api', signet: 'https://mempool.space/signet/api', regtest: 'http://127.0.0.1:3002' },
      defaultNetwork: 'regtest',
      nodeId: null,
    });

    const created = await host.create({ passphrase: 'correct horse', mnemonic: null });
    expect(created.words).toEqual(FAKE_WORDS);
    expect(parseResult('wallet.create', created)).toEqual(created);
    expect(created.status).toMatchObject({ state: 'unlocked', nodeId: backend.wallets[0]!.nodeId });
    expect(identities).toEqual([backend.wallets[0]!.nodeSecret]);
    expect(backend.wallets[0]!.chain).toEqual({ baseUrl: 'http://127.0.0.1:3002', network: 'regtest' });

    expect(await host.lock()).toMatchObject({ state: 'locked', nodeId: null });
    expect(identities.at(-1)).toBeNull();
    expect(backend.wallets[0]!.closed).toBe(true);

    expect(await fieldOf(host.unlock({ passphrase: 'wrong' }))).toBe('params.passphrase');
    await expect(host.unlock({ passphrase: 'wrong' })).rejects.toThrow('wrong passphrase');
    expect(await host.unlock({ passphrase: 'correct horse' })).toMatchObject({ state: 'unlocked' });
    expect(statuses.map((s) => s.state)).toEqual(['unlocked', 'locked', 'unlocked']);
    for (const s of statuses) expect(parseResult('wallet.status', s)).toEqual(s);
  });

  it('refuses a second create and an unlock with no wallet', async () => {
    const { host } = setup();
    await host.start();
    await expect(host.unlock({ passphrase: 'x' })).rejects.toThrow('no regtest wallet');
    await host.create({ passphrase: 'correct horse', mnemonic: null });
    await expect(host.create({ passphrase: 'again', mnemonic: null })).rejects.toThrow('already exists');
  });

  it('restores from normalised words; engine validation errors name params.mnemonic', async () => {
    const { host, backend } = setup();
    await host.start();
    expect(await fieldOf(host.create({ passphrase: 'pw', mnemonic: 'zzz '.repeat(24) }))).toBe('params.mnemonic');
    const restored = await host.create({ passphrase: 'pw', mnemonic: `  ${FAKE_WORDS.join('   ').toUpperCase()}\n` });
    expect(restored.words).toBeNull();
    expect(backend.disk.get('regtest')!.words).toEqual(FAKE_WORDS);
    expect(normalizeMnemonic(' A  b\tC ')).toBe('a b c');
  });

  it('backup asks for the passphrase again', async () => {
    const { host } = setup();
    await host.start();
    await expect(host.backup({ passphrase: 'pw' })).rejects.toThrow('create or restore');
    await host.create({ passphrase: 'pw-pw-pw', mnemonic: null });
    expect(await fieldOf(host.backup({ passphrase: 'nope' }))).toBe('params.passphrase');
    expect((await host.backup({ passphrase: 'pw-pw-pw' })).words).toEqual(FAKE_WORDS);
  });

  it('amounts travel as decimal strings; send errors land on params.to / params.amountSat', async () => {
    const { host, backend } = setup();
    await host.start();
    await host.create({ passphrase: 'pw', mnemonic: null });
    const w = backend.wallets[0]!;
    w.confirmedSat = 100_000n;
    w.unconfirmedSat = 2_500n;
    const snap = host.snapshot();
    expect(snap.balance).toEqual({ confirmedSat: '100000', unconfirmedSat: '2500', spendableSat: '102500' });
    expect(parseResult('wallet.balance', snap)).toEqual(snap);
    expect(parseResult('wallet.feeRates', await host.feeRates())).toEqual({ fast: 12, normal: 5, slow: 1 });

    expect(await fieldOf(host.prepareSend({ to: 'tb1qxyz', amountSat: '20000', feeRate: 2 }))).toBe('params.to');
    await expect(host.prepareSend({ to: 'tb1qxyz', amountSat: '20000', feeRate: 2 })).rejects.toThrow(/^params.to: not a regtest address$/);
    expect(await fieldOf(host.prepareSend({ to: 'bcrt1qdest', amountSat: '200000', feeRate: 2 }))).toBe('params.amountSat');

    const prepared = await host.prepareSend({ to: ' bcrt1qdestination0000000000 ', amountSat: '20000', feeRate: 2 });
    expect(prepared).toEqual({ id: 'p1', to: 'bcrt1qdestination0000000000', amountSat: '20000', feeSat: '282', vsize: 141, feeRate: 2 });
    expect(parseResult('wallet.prepareSend', prepared)).toEqual(prepared);
    const max = await host.prepareSend({ to: 'bcrt1qdestination0000000000', amountSat: 'max', feeRate: 1 });
    expect(max.amountSat).toBe(String(102_500 - 141));

    const { txid } = await host.confirmSend({ id: 'p1' });
    expect(txid).toMatch(/^[0-9a-f]{64}$/);
    const history = host.history();
    expect(history).toEqual([{ txid, deltaSat: '-20282', feeSat: '282', confirmed: false, blockHeight: null }]);
    expect(parseResult('wallet.history', history)).toEqual(history);
  });

  it('syncs at once on unlock, then every interval, and reports failures without throwing', async () => {
    const { host, backend, clock, changes } = setup();
    await host.start();
    await host.create({ passphrase: 'pw', mnemonic: null });
    await flush();
    const w = backend.wallets[0]!;
    expect(w.syncs).toBe(1);
    expect(changes.at(-1)!.sync).toEqual({ syncing: false, lastSyncAt: clock.t, error: null });
    await clock.advance(14_000);
    expect(w.syncs).toBe(1);
    await clock.advance(1_000);
    expect(w.syncs).toBe(2);
    expect(w.quickSyncs).toBe(1); // background ticks are the cheap kind
    w.failSync = 'esplora: HTTP 503';
    const snap = await host.syncNow();
    expect(w.syncs).toBe(3);
    expect(w.quickSyncs).toBe(1); // on demand: a full sync
    expect(snap.sync).toMatchObject({ syncing: false, error: 'esplora: HTTP 503' });
    expect(parseResult('wallet.sync', snap)).toEqual(snap);
    // Locked: no more syncs.
    await host.lock();
    await clock.advance(60_000);
    expect(w.syncs).toBe(3);
  });

  it('each network has its own wallet; switching network locks the open one', async () => {
    const { host, backend, identities } = setup();
    await host.start();
    await host.create({ passphrase: 'pw', mnemonic: null });
    const signet = await host.configure({ network: 'signet', esploraUrl: null });
    expect(signet).toMatchObject({ state: 'none', network: 'signet', esploraUrl: BUILTIN_CONFIG.esplora.signet, defaultNetwork: 'regtest' });
    expect(identities.at(-1)).toBeNull();
    expect(backend.stores.filter((s) => !s.closed).map((s) => s.network)).toEqual(['signet']);
    const back = await host.configure({ network: null, esploraUrl: null });
    expect(back).toMatchObject({ state: 'locked', network: 'regtest' });
  });

  it('a new Esplora URL re-attaches the chain of an open wallet', async () => {
    const { host, backend } = setup();
    await host.start();
    await host.create({ passphrase: 'pw', mnemonic: null });
    const s = await host.configure({ network: 'regtest', esploraUrl: 'http://127.0.0.1:9999/api/' });
    expect(s.esploraUrl).toBe('http://127.0.0.1:9999/api');
    expect(backend.wallets[0]!.chain).toEqual({ baseUrl: 'http://127.0.0.1:9999/api', network: 'regtest' });
    expect((await host.configure({ network: 'regtest', esploraUrl: null })).esploraUrl).toBe('http://127.0.0.1:3002');
  });

  it('calls that need an open wallet say why they cannot run', async () => {
    const { host } = setup();
    await host.start();
    expect(() => host.snapshot()).toThrow('create or restore one first');
    await host.create({ passphrase: 'pw', mnemonic: null });
    await host.lock();
    expect(() => host.history()).toThrow('unlock it first');
  });
});

describe('WalletHost.faucet (regtest test coins)', () => {
  const TXID = 'cd'.repeat(32);
  const ok = (body: unknown) => ({ status: 200, contentType: 'application/json', body: JSON.stringify(body) });

  async function unlocked() {
    const t = setup();
    await t.host.start();
    await t.host.create({ passphrase: 'pw', mnemonic: null });
    await flush();
    return t;
  }

  it('pays the address the Receive screen shows, syncs, emits wallet.changed, and returns a valid DTO', async () => {
    const { host, backend, changes } = await unlocked();
    const w = backend.wallets[0]!;
    const { address } = await host.address();
    backend.answer = (_url, body) => {
      w.confirmedSat += BigInt((body as { sats: number }).sats); // the next sync will see it
      return ok({ txid: TXID, vout: 0 });
    };
    const syncsBefore = w.syncs;
    const changesBefore = changes.length;
    const paid = await host.faucet({ amountSat: '100000' });
    expect(backend.posts).toEqual([{ url: 'http://127.0.0.1:3002/regtest/faucet', body: { address, sats: 100000 } }]);
    expect(paid).toEqual({ txid: TXID, vout: 0, address, amountSat: '100000' });
    expect(parseResult('wallet.faucet', paid)).toEqual(paid);
    expect(w.syncs).toBe(syncsBefore + 1);
    expect(w.quickSyncs).toBe(0); // a full sync
    expect(changes.length).toBe(changesBefore + 1);
    expect(changes.at(-1)!.balance.confirmedSat).toBe('100000');
  });

  it('asks for a fresh address when none was shown, and uses the Esplora URL in force', async () => {
    const { host, backend } = await unlocked();
    await host.configure({ network: 'regtest', esploraUrl: 'http://127.0.0.1:9999/esplora/' });
    backend.answer = () => ok({ txid: TXID, vout: 3, extra: 'ignored' });
    const paid = await host.faucet({ amountSat: '5000' });
    expect(paid.address).toMatch(/^bcrt1qfake0000/);
    expect(backend.posts.at(-1)!.url).toBe('http://127.0.0.1:9999/esplora/regtest/faucet');
  });

  it('waits for a sync already running and syncs again after the payment', async () => {
    const { host, backend } = await unlocked();
    const w = backend.wallets[0]!;
    let release!: () => void;
    const gate = new Promise<void>((r) => (release = r));
    const sync = w.sync.bind(w);
    w.sync = async (o) => {
      if (w.syncs === 1) await gate; // the second sync (a manual one) hangs until released
      return sync(o);
    };
    const manual = host.syncNow();
    backend.answer = () => ok({ txid: TXID, vout: 0 });
    const paid = host.faucet({ amountSat: '1000' });
    await flush();
    release();
    await Promise.all([manual, paid]);
    expect(w.syncs).toBe(3); // create's, the one that was running, and the one after the payment
  });

  it("a server without the route says so; other refusals pass the server's text on", async () => {
    const { host, backend } = await unlocked();
    backend.answer = () => ({ status: 404, contentType: 'text/plain', body: 'endpoint does not exist "/regtest/faucet"' });
    await expect(host.faucet({ amountSat: '1000' })).rejects.toThrow(/^this Esplora server has no regtest faucet \(http:\/\/127\.0\.0\.1:3002 answered endpoint does not exist/);
    backend.answer = () => ({ status: 200, contentType: 'text/html', body: '<!doctype html><html>app</html>' }); // an SPA fallback
    await expect(host.faucet({ amountSat: '1000' })).rejects.toThrow('this Esplora server has no regtest faucet');
    backend.answer = () => ({ status: 405, contentType: 'text/html', body: '<html>Method Not Allowed</html>' });
    await expect(host.faucet({ amountSat: '1000' })).rejects.toThrow('this Esplora server has no regtest faucet (http://127.0.0.1:3002 answered HTTP 405');
    backend.answer = () => ({ status: 400, contentType: 'text/plain', body: 'Insufficient funds\n' });
    await expect(host.faucet({ amountSat: '1000' })).rejects.toThrow(/^the faucet refused: Insufficient funds$/);
    backend.answer = () => ok({ txid: 'zz', vout: 0 });
    await expect(host.faucet({ amountSat: '1000' })).rejects.toThrow("the faucet's reply is not {txid, vout}");
    backend.answer = () => ok([TXID, 0]);
    await expect(host.faucet({ amountSat: '1000' })).rejects.toThrow("the faucet's reply is not {txid, vout}");
    backend.answer = () => ok({ txid: TXID, vout: -1 });
    await expect(host.faucet({ amountSat: '1000' })).rejects.toThrow("the faucet's reply is not {txid, vout}");
    backend.answer = () => {
      throw new TypeError('Failed to fetch');
    };
    await expect(host.faucet({ amountSat: '1000' })).rejects.toThrow('could not reach the faucet at http://127.0.0.1:3002: Failed to fetch');
  });

  it('only on regtest, and only with an open wallet', async () => {
    const { host, backend } = setup(parseWalletConfig({ network: 'signet' }));
    await host.start();
    await expect(host.faucet({ amountSat: '1000' })).rejects.toThrow('create or restore one first');
    await host.create({ passphrase: 'pw', mnemonic: null });
    await expect(host.faucet({ amountSat: '1000' })).rejects.toThrow('test coins come from a regtest faucet; this wallet is on signet');
    await host.lock();
    await expect(host.faucet({ amountSat: '1000' })).rejects.toThrow('unlock it first');
    expect(backend.posts).toEqual([]);
  });
});

describe('glint.config.json', () => {
  it('fills in what it names and keeps the built-in rest', () => {
    const c = parseWalletConfig({ network: 'regtest', esplora: { regtest: 'http://127.0.0.1:3002/' } });
    expect(c).toEqual({ network: 'regtest', esplora: { ...BUILTIN_CONFIG.esplora, regtest: 'http://127.0.0.1:3002' } });
    expect(parseWalletConfig({})).toEqual(BUILTIN_CONFIG);
  });

  it('carries the playground prefills (proxy, suggested peers) for the app', () => {
    const peer = `02${'ab'.repeat(32)}@127.0.0.1:9735`;
    const c = parseWalletConfig({ network: 'regtest', proxy: 'ws://127.0.0.1:8080', peers: [peer] });
    expect(c.proxy).toBe('ws://127.0.0.1:8080');
    expect(c.peers).toEqual([peer]);
  });

  it('carries a deployment chain poll cadence (pollIntervalMs) within its bounds', () => {
    expect(parseWalletConfig({ network: 'regtest', pollIntervalMs: 1000 }).pollIntervalMs).toBe(1000);
    expect(parseWalletConfig({ pollIntervalMs: 250 }).pollIntervalMs).toBe(250);
    expect(parseWalletConfig({ pollIntervalMs: 3_600_000 }).pollIntervalMs).toBe(3_600_000);
    expect(parseWalletConfig({}).pollIntervalMs).toBeUndefined();
  });

  it('names the bad field', () => {
    const field = (v: unknown): string => {
      try {
        parseWalletConfig(v);
      } catch (err) {
        return (err as RpcValidationError).field;
      }
      return '';
    };
    expect(field({ network: 'mainnet' })).toBe('config.network');
    expect(field({ esplora: { regtest: 'ftp://x' } })).toBe('config.esplora.regtest');
    expect(field({ esplora: { moon: 'http://x' } })).toBe('config.esplora.moon');
    expect(field({ esploraUrl: 'http://x' })).toBe('config.esploraUrl');
    expect(field([])).toBe('config.');
    expect(field({ proxy: 'http://127.0.0.1:8080' })).toBe('config.proxy');
    expect(field({ peers: ['not-a-peer'] })).toBe('config.peers');
    expect(field({ peers: 'x' })).toBe('config.peers');
    for (const bad of [0, 249, 3_600_001, 1000.5, '1000', -1, null]) expect(field({ pollIntervalMs: bad })).toBe('config.pollIntervalMs');
  });
});

describe('WalletHost: what runs on the open wallet (the Lightning node)', () => {
  it('onOpened after open and after a chain change; onClosing awaited before the wallet closes', async () => {
    const backend = new FakeBackend();
    const log: string[] = [];
    const host = new WalletHost({
      backend,
      config: parseWalletConfig({ network: 'regtest', esplora: { regtest: 'http://127.0.0.1:3002/' } }),
      clock: new ManualClock(),
      logger: silentLogger,
      onIdentity: (s) => log.push(s ? 'identity' : 'identity null'),
      onStatus: () => {},
      onChanged: () => {},
      onOpened: (w, chain) => void log.push(`opened ${w.nodeId.slice(0, 4)} ${(chain as { baseUrl: string }).baseUrl}`),
      onClosing: async (w) => {
        await flush();
        log.push(`closing ${w.nodeId.slice(0, 4)} (wallet closed: ${backend.wallets.at(-1)!.closed})`);
      },
    });
    await host.start();
    await host.create({ passphrase: 'pw', mnemonic: null });
    const id = backend.wallets[0]!.nodeId.slice(0, 4);
    expect(log).toEqual(['identity', `opened ${id} http://127.0.0.1:3002`]);
    // A new Esplora URL: the node is stopped and started on the new chain source.
    await host.configure({ network: 'regtest', esploraUrl: 'http://127.0.0.1:9999' });
    expect(log.slice(2)).toEqual([`closing ${id} (wallet closed: false)`, `opened ${id} http://127.0.0.1:9999`]);
    await host.lock();
    expect(log.slice(4)).toEqual([`closing ${id} (wallet closed: false)`, 'identity null']);
    expect(backend.wallets[0]!.closed).toBe(true);
  });

  it("on unlock the host's first sync waits for the node's start (onOpened's promise), then runs; without a promise it runs at once", async () => {
    const backend = new FakeBackend();
    let started!: () => void;
    const nodeStart = new Promise<void>((r) => (started = r));
    const host = new WalletHost({
      backend,
      config: parseWalletConfig({ network: 'regtest' }),
      clock: new ManualClock(),
      logger: silentLogger,
      onIdentity: () => {},
      onStatus: () => {},
      onChanged: () => {},
      onOpened: () => nodeStart,
    });
    await host.start();
    await host.create({ passphrase: 'pw', mnemonic: null });
    await flush();
    const w = backend.wallets[0]!;
    expect(w.syncs).toBe(0);
    started();
    await flush();
    expect(w.syncs).toBe(1);

    const plain = setup();
    await plain.host.start();
    await plain.host.create({ passphrase: 'pw', mnemonic: null });
    await flush();
    expect(plain.backend.wallets[0]!.syncs).toBe(1);
  });

  it('a failing onClosing does not keep the wallet open', async () => {
    const backend = new FakeBackend();
    const host = new WalletHost({
      backend,
      config: parseWalletConfig({ network: 'regtest' }),
      clock: new ManualClock(),
      logger: silentLogger,
      onIdentity: () => {},
      onStatus: () => {},
      onChanged: () => {},
      onClosing: async () => {
        throw new Error('stop failed');
      },
    });
    await host.start();
    await host.create({ passphrase: 'pw', mnemonic: null });
    expect(await host.lock()).toMatchObject({ state: 'locked' });
    expect(backend.wallets[0]!.closed).toBe(true);
  });
});
