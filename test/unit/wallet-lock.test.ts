// One running instance per wallet (DESIGN rule 5): WalletHost takes the wallet's exclusive lock
// (workers/adapters/lock.ts over a Web Locks stand-in with the same semantics) before it opens the
// store; a second host ("tab") finds it held, cannot open the wallet, and takes over only after the
// first hands over (its node stopped first, its store closed, its lock released) — or gets a clear
// timeout error. The BroadcastChannel message that asks for the hand-over is validated.
import { describe, expect, it } from 'vitest';
import { WalletElsewhereError, WalletHost, parseWalletConfig } from '../../workers/wallet-host.ts';
import { walletLockName, webWalletLocks } from '../../workers/adapters/lock.ts';
import { parseReleaseRequest } from '../../workers/adapters/takeover.ts';
import { silentLogger, type Clock } from '../../engine/index.ts';
import { FakeBackend } from '../harness/fake-wallet.ts';
import { MemoryLocks } from '../harness/memory-locks.ts';

const clock: Clock = { now: () => 1_700_000_000_000, setTimer: () => () => {} };
const config = parseWalletConfig({ network: 'regtest', esplora: { regtest: 'http://127.0.0.1:3002' } });

function tab(backend: FakeBackend, locks: MemoryLocks, log: string[], name: string): WalletHost {
  return new WalletHost({
    backend,
    config,
    clock,
    logger: silentLogger,
    onIdentity: () => {},
    onStatus: (s) => log.push(`${name} status ${s.state}`),
    onChanged: () => {},
    onClosing: async () => {
      log.push(`${name} node stopping (lock held: ${locks.held.has(walletLockName('regtest'))})`);
    },
    locks: webWalletLocks(locks),
    onElsewhere: (e) => log.push(`${name} elsewhere ${e}`),
  });
}

describe('wallet lock: one running instance per wallet', () => {
  it('a second tab cannot open the wallet; it takes over only after the first hands over', async () => {
    const backend = new FakeBackend();
    const locks = new MemoryLocks();
    const log: string[] = [];
    const a = tab(backend, locks, log, 'A');
    const b = tab(backend, locks, log, 'B');
    await a.start();
    await a.create({ passphrase: 'pw', mnemonic: null });
    expect(locks.held.has('glint-wallet-regtest')).toBe(true);

    // B: held elsewhere. Nothing of the wallet opens; every wallet call is refused.
    await expect(b.start()).rejects.toBeInstanceOf(WalletElsewhereError);
    expect(b.elsewhere).toBe(true);
    await expect(b.unlock({ passphrase: 'pw' })).rejects.toBeInstanceOf(WalletElsewhereError);
    expect(log).toContain('B elsewhere true');

    // "Use here" while A keeps it: a clear timeout error, still elsewhere.
    await expect(b.takeOver(50)).rejects.toThrow('the other tab did not let go of the regtest wallet within 50 ms');
    expect(b.elsewhere).toBe(true);

    // A hands over: its node stops while it still holds the lock, then it lets go; B waits and opens.
    const taking = b.takeOver(5_000);
    await a.handOver();
    expect(a.elsewhere).toBe(true);
    expect(a.unlocked).toBe(false);
    expect(backend.wallets[0]!.closed).toBe(true);
    expect(await taking).toMatchObject({ state: 'locked' });
    expect(b.elsewhere).toBe(false);
    expect(log).toContain('A node stopping (lock held: true)');
    expect(log.indexOf('A elsewhere true')).toBeLessThan(log.indexOf('B elsewhere false'));
    expect((await b.unlock({ passphrase: 'pw' })).state).toBe('unlocked');

    // And back: A takes over from B the same way.
    const back = a.takeOver(5_000);
    await b.handOver();
    expect(await back).toMatchObject({ state: 'locked' });
    expect(b.unlocked).toBe(false);
  });

  it('switching network lets go of the old wallet’s lock and takes the new one’s', async () => {
    const backend = new FakeBackend();
    const locks = new MemoryLocks();
    const a = tab(backend, locks, [], 'A');
    await a.start();
    await a.configure({ network: 'signet', esploraUrl: null });
    expect([...locks.held.keys()]).toEqual(['glint-wallet-signet']);
    const b = tab(backend, locks, [], 'B');
    expect((await b.start()).network).toBe('regtest'); // free now
  });

  it('no Web Locks: the wallet still opens (with a warning), unguarded', async () => {
    const backend = new FakeBackend();
    const warnings: string[] = [];
    const host = new WalletHost({
      backend,
      config,
      clock,
      logger: { log: (level, message) => void (level === 'warn' && warnings.push(message)) },
      onIdentity: () => {},
      onStatus: () => {},
      onChanged: () => {},
      locks: webWalletLocks(null),
    });
    expect((await host.start()).state).toBe('none');
    expect(warnings).toEqual(['Web Locks are not available here: cannot guard against a second running instance']);
  });

  it('the release request between tabs is validated', () => {
    expect(parseReleaseRequest({ type: 'release', wallet: 'regtest' })).toBe('regtest');
    for (const bad of [null, 'release', { type: 'release' }, { type: 'stop', wallet: 'regtest' }, { type: 'release', wallet: 'x'.repeat(41) }, { type: 'release', wallet: '../etc' }]) {
      expect(parseReleaseRequest(bad)).toBeNull();
    }
  });
});
