// `wallet.erase` (workers/erase-host.ts over workers/wallet-host.ts, protocol-erase.ts): a wrong
// passphrase, a payment in flight, or channels that still hold funds without the acknowledgement
// are refused with nothing deleted and the node still running; an accepted erase stops the node
// first, then deletes the wallet's IndexedDB database (fake-indexeddb, the real IdbKVStore and
// deleteIdbDatabase), lets go of the Web Lock so another tab can take it, and tells the other
// tabs, which then report no wallet. The RPC params and the cross-tab notice are validated.
import 'fake-indexeddb/auto';
import { describe, expect, it } from 'vitest';
import { parseParams, RpcValidationError, type ChannelDto, type NetworkName, type PaymentDto, type WalletStatusDto } from '../../workers/rpc/protocol.ts';
import { WalletHost, parseWalletConfig, type WalletEngine } from '../../workers/wallet-host.ts';
import { EraseHost } from '../../workers/erase-host.ts';
import { channelHoldsFunds, paymentInFlight } from '../../workers/rpc/protocol.ts';
import { IdbKVStore, deleteIdbDatabase, walletDbName } from '../../workers/adapters/idb-store.ts';
import { walletLockName, webWalletLocks } from '../../workers/adapters/lock.ts';
import { parseErasedNotice, parseReleaseRequest } from '../../workers/adapters/takeover.ts';
import { silentLogger, type Clock, type KVStore } from '../../engine/index.ts';
import { FakeBackend, type FakeRawStore } from '../harness/fake-wallet.ts';
import { MemoryLocks } from '../harness/memory-locks.ts';

const PASS = 'correct horse battery';
const clock: Clock = { now: () => 1_700_000_000_000, setTimer: () => () => {} };
const config = parseWalletConfig({ network: 'regtest', esplora: { regtest: 'http://127.0.0.1:3002' } });

/** FakeBackend's wallets, kept in a real IndexedDB database per network (one record per wallet). */
class IdbBackend extends FakeBackend {
  readonly log: string[];
  constructor(log: string[]) {
    super();
    this.log = log;
  }
  override async openStore(network: NetworkName): Promise<KVStore> {
    return IdbKVStore.open(walletDbName(network));
  }
  override async exists(raw: KVStore): Promise<boolean> {
    return (await raw.keys('')).length > 0;
  }
  override async create(opts: { raw: KVStore; passphrase: string; network: NetworkName; mnemonic?: string }): Promise<WalletEngine> {
    const w = await super.create(opts);
    await opts.raw.write({ put: [['wallet/seed', new Uint8Array([1, 2, 3])], ['channel/1', new Uint8Array([4])]] });
    return w;
  }
  override async open(opts: { raw: KVStore; passphrase: string }): Promise<WalletEngine> {
    const network = (opts.raw as IdbKVStore).name.replace(/^glint-/, '') as NetworkName;
    return super.open({ raw: { network } as FakeRawStore, passphrase: opts.passphrase });
  }
  async deleteStore(network: NetworkName): Promise<void> {
    this.log.push(`delete ${walletDbName(network)}`);
    await deleteIdbDatabase(walletDbName(network));
  }
}

async function databases(): Promise<string[]> {
  const idb = (globalThis as unknown as { indexedDB: { databases(): Promise<{ name?: string }[]> } }).indexedDB;
  return (await idb.databases()).map((d) => d.name ?? '').filter((n) => n.startsWith('glint-'));
}

async function records(network: NetworkName): Promise<number> {
  const store = await IdbKVStore.open(walletDbName(network));
  try {
    return (await store.keys('')).length;
  } finally {
    await store.close();
  }
}

function payment(over: Partial<PaymentDto>): PaymentDto {
  return { paymentHash: 'aa'.repeat(32), direction: 'outgoing', kind: 'invoice', status: 'pending', amountMsat: '1000', feeMsat: '0', createdAtSec: 1, htlcs: [], ...over };
}

function channel(over: Partial<ChannelDto>): ChannelDto {
  return {
    localId: 1, channelId: 'cc'.repeat(32), peer: `02${'11'.repeat(32)}`, state: 'normal', type: 'anchors_zero_fee_htlc_tx', isFunder: true, capacitySat: '100000',
    localMsat: '90000000', remoteMsat: '10000000', usable: true, shortChannelId: null, fundingTxid: null, reason: null, frozen: null, outputs: [], ...over,
  } as ChannelDto;
}

async function setup() {
  for (const name of await databases()) await deleteIdbDatabase(name);
  const log: string[] = [];
  const locks = new MemoryLocks();
  const backend = new IdbBackend(log);
  const statuses: WalletStatusDto[] = [];
  const tab = (name: string, onStatus: (s: WalletStatusDto) => void = () => {}): WalletHost =>
    new WalletHost({
      backend, config, clock, logger: silentLogger, onIdentity: () => {}, onStatus, onChanged: () => {},
      onClosing: async () => void log.push(`${name} node stopped (store still there: ${(await databases()).includes('glint-regtest')})`),
      locks: webWalletLocks(locks),
    });
  const host = tab('a', (s) => statuses.push(s));
  await host.start();
  await host.create({ passphrase: PASS, mnemonic: null });
  const world = { channels: [] as ChannelDto[] | null, payments: [] as PaymentDto[], announced: [] as string[] };
  const erasing = new EraseHost({ channels: () => world.channels, payments: () => world.payments, announce: (n) => world.announced.push(n), logger: silentLogger });
  const erase = (over: Partial<{ passphrase: string; acknowledgeChannels: boolean }> = {}) =>
    erasing.erase(host, 'regtest', { passphrase: PASS, confirm: 'erase', acknowledgeChannels: false, ...over });
  return { log, locks, backend, host, tab, statuses, world, erase };
}

async function refusal(p: Promise<unknown>): Promise<Error> {
  const err = await p.then(() => null, (e: unknown) => e);
  expect(err).toBeInstanceOf(Error);
  return err as Error;
}

/** Nothing was deleted and the wallet still runs. */
async function untouched(s: Awaited<ReturnType<typeof setup>>): Promise<void> {
  expect(s.host.status().state).toBe('unlocked');
  expect(await records('regtest')).toBe(2);
  expect(s.log).toEqual([]);
  expect(s.world.announced).toEqual([]);
}

describe('wallet.erase', () => {
  it('refuses a wrong passphrase on params.passphrase and deletes nothing', async () => {
    const s = await setup();
    const err = await refusal(s.erase({ passphrase: 'not it' }));
    expect(err).toBeInstanceOf(RpcValidationError);
    expect((err as RpcValidationError).field).toBe('params.passphrase');
    expect(err.message).toContain('wrong passphrase');
    await untouched(s);
  });

  it('refuses while a payment is in flight, saying why, and deletes nothing', async () => {
    const s = await setup();
    s.world.payments = [payment({ direction: 'outgoing', status: 'pending' })];
    const err = await refusal(s.erase({ acknowledgeChannels: true }));
    expect(err.message).toMatch(/^1 payment is in flight: only a running node can settle it/);
    await untouched(s);
    // An incoming HTLC held (an MPP part waiting) is in flight too.
    s.world.payments = [payment({ direction: 'incoming', htlcs: [{ channelId: 'cc'.repeat(32), amountMsat: '500', cltvExpiry: 900, status: 'pending' }] })];
    expect((await refusal(s.erase({ acknowledgeChannels: true }))).message).toContain('in flight');
    await untouched(s);
  });

  it('an unpaid invoice of ours or a finished payment does not block', () => {
    expect(paymentInFlight(payment({ direction: 'incoming', htlcs: [] }))).toBe(false);
    expect(paymentInFlight(payment({ status: 'succeeded' }))).toBe(false);
    expect(paymentInFlight(payment({ status: 'failed' }))).toBe(false);
  });

  it('refuses channels that still hold funds until acknowledged, on params.acknowledgeChannels', async () => {
    const s = await setup();
    s.world.channels = [channel({ state: 'normal' }), channel({ localId: 2, state: 'closing' })];
    const err = await refusal(s.erase());
    expect((err as RpcValidationError).field).toBe('params.acknowledgeChannels');
    expect(err.message).toBe('params.acknowledgeChannels: 2 channels still hold funds: close them first, or export the channel backup and acknowledge that without it their funds are lost');
    await untouched(s);
    // No node running: its channels cannot be listed, so the acknowledgement is needed too.
    s.world.channels = null;
    expect(((await refusal(s.erase())) as RpcValidationError).field).toBe('params.acknowledgeChannels');
    await untouched(s);
  });

  it('which channels hold funds: open, opening, closing, and closed with outputs left to sweep', () => {
    expect(channelHoldsFunds(channel({ state: 'normal' }))).toBe(true);
    expect(channelHoldsFunds(channel({ state: 'wait-for-funding-confirmed' }))).toBe(true);
    expect(channelHoldsFunds(channel({ state: 'force-closing' }))).toBe(true);
    const output = { outpoint: `${'dd'.repeat(32)}:0`, kind: 'to_local' as const, amountSat: '5000', availableAtHeight: 500, blocksLeft: 3, claimTxid: null };
    expect(channelHoldsFunds(channel({ state: 'closed', outputs: [{ ...output, status: 'waiting' }] }))).toBe(true);
    expect(channelHoldsFunds(channel({ state: 'closed', outputs: [{ ...output, status: 'claimed' }] }))).toBe(false);
    expect(channelHoldsFunds(channel({ state: 'aborted' }))).toBe(false);
    expect(channelHoldsFunds(channel({ state: 'wait-for-accept-channel' }))).toBe(false);
  });

  it('erases: the node stops first, then the database is deleted, the lock let go and the other tabs told', async () => {
    const s = await setup();
    s.world.channels = [channel({ state: 'normal' })];
    const status = await s.erase({ acknowledgeChannels: true });
    expect(status).toMatchObject({ state: 'none', network: 'regtest', nodeId: null });
    expect(s.statuses.at(-1)).toEqual(status);
    expect(s.log).toEqual(['a node stopped (store still there: true)', 'delete glint-regtest']);
    expect(await databases()).toEqual([]);
    expect(s.locks.held.has(walletLockName('regtest'))).toBe(false);
    expect(s.world.announced).toEqual(['regtest']);
    // Another tab can take the wallet's lock now, and finds no wallet: onboarding, not a resurrection.
    const other = s.tab('b');
    expect(await other.start()).toMatchObject({ state: 'none' });
    expect(await records('regtest')).toBe(0);
    await other.shutdown();
  });

  it('a tab that handed the wallet over (so knew it existed) reports none once told it was erased', async () => {
    const s = await setup();
    // Tab a has it; tab b takes it over ("Use here"), unlocks it and erases it.
    const b = s.tab('b');
    await expect(b.start()).rejects.toThrow('open in another tab');
    const handing = s.host.handOver();
    await b.takeOver(5_000);
    await handing;
    expect(s.host.status().state).toBe('locked');
    await b.unlock({ passphrase: PASS });
    await b.erase({ passphrase: PASS }, () => {});
    expect(await databases()).toEqual([]);
    const a = s.host;
    a.erasedElsewhere('signet'); // another network's wallet: not this one
    expect(a.status().state).toBe('locked');
    s.statuses.length = 0;
    a.erasedElsewhere('regtest');
    expect(a.status().state).toBe('none');
    expect(s.statuses.map((x) => x.state)).toEqual(['none']);
  });

  it('a new wallet can be created in the same tab after an erase', async () => {
    const s = await setup();
    await s.erase();
    const created = await s.host.create({ passphrase: 'another one', mnemonic: null });
    expect(created.status.state).toBe('unlocked');
    expect(await records('regtest')).toBe(2);
  });

  it('the RPC params are validated: the confirmation word, the passphrase, the acknowledgement', () => {
    const ok = { passphrase: PASS, confirm: 'erase', acknowledgeChannels: false };
    expect(parseParams('wallet.erase', ok)).toEqual(ok);
    const field = (v: unknown): string => {
      try {
        parseParams('wallet.erase', v);
      } catch (err) {
        return (err as RpcValidationError).field;
      }
      return 'accepted';
    };
    expect(field({ ...ok, confirm: 'ERASE ' })).toBe('params.confirm');
    expect(field({ ...ok, passphrase: '' })).toBe('params.passphrase');
    expect(field({ ...ok, acknowledgeChannels: 'yes' })).toBe('params.acknowledgeChannels');
    expect(field({ passphrase: PASS, confirm: 'erase' })).toBe('params.acknowledgeChannels');
    expect(field({ ...ok, extra: 1 })).toBe('params.extra');
  });

  it('the cross-tab "erased" notice is validated and is not a release request', () => {
    expect(parseErasedNotice({ type: 'erased', wallet: 'regtest' })).toBe('regtest');
    expect(parseErasedNotice({ type: 'erased', wallet: 'Reg test!' })).toBeNull();
    expect(parseErasedNotice({ type: 'release', wallet: 'regtest' })).toBeNull();
    expect(parseErasedNotice(null)).toBeNull();
    expect(parseReleaseRequest({ type: 'erased', wallet: 'regtest' })).toBeNull();
  });
});
