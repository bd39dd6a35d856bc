// app/state/wallet.svelte.ts before the worker answers (cold-start, issue 9): the unlock screen is
// offered for the network this browser last held a wallet on, a passphrase submitted that early
// waits until the worker has the settings (its network) and only then goes out, and the worker's
// answer replaces the guess.
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { WalletState } from '../../app/state/wallet.svelte.ts';
import { settings } from '../../app/state/settings.svelte.ts';
import type { RpcClient } from '../../workers/rpc/client.ts';
import type { NodeInfoDto, WalletStatusDto } from '../../workers/rpc/protocol.ts';

class MemoryStorage {
  readonly #m = new Map<string, string>();
  getItem(k: string): string | null {
    return this.#m.get(k) ?? null;
  }
  setItem(k: string, v: string): void {
    this.#m.set(k, v);
  }
  removeItem(k: string): void {
    this.#m.delete(k);
  }
}

const status = (state: WalletStatusDto['state']): WalletStatusDto => ({
  state,
  network: 'regtest',
  esploraUrl: 'http://127.0.0.1:3002',
  defaultEsploraUrl: 'http://127.0.0.1:3002',
  defaultNetwork: 'regtest',
  nodeId: null,
});

/** A worker that answers `ready` only when told to, and logs every request in order. */
function fakeWorker(walletState: WalletStatusDto['state']) {
  const sent: string[] = [];
  let ready!: (info: NodeInfoDto) => void;
  const readyP = new Promise<NodeInfoDto>((r) => (ready = r));
  const client = {
    subscribe: () => () => {},
    ready: () => readyP,
    request: async (method: string) => {
      sent.push(method);
      if (method === 'settings.set') return status(walletState);
      if (method === 'wallet.unlock') return status('unlocked');
      if (method === 'wallet.balance') return { balance: { confirmedSat: '0', unconfirmedSat: '0', spendableSat: '0' }, sync: { syncing: false, lastSyncAt: null, error: null } };
      if (method === 'wallet.history') return [];
      throw new Error(`unexpected ${method}`);
    },
  } as unknown as RpcClient;
  return { client, sent, answer: () => ready({ status: 'running', nodeId: null, error: null, protocol: 1 }) };
}

const tick = () => new Promise((r) => setTimeout(r, 0));

describe('WalletState before the worker answers', () => {
  beforeEach(() => {
    (globalThis as { localStorage?: unknown }).localStorage = new MemoryStorage();
  });
  afterEach(() => {
    delete (globalThis as { localStorage?: unknown }).localStorage;
  });

  it('offers the unlock screen only for the pinned network this browser has seen a wallet on', () => {
    const w = new WalletState(fakeWorker('locked').client);
    expect(w.expectedLockedNetwork).toBeNull(); // a first visit: nothing known
    settings.update({ network: 'regtest' });
    expect(w.expectedLockedNetwork).toBeNull(); // a network chosen, but no wallet seen on it
    settings.update({ walletsSeen: ['signet'] });
    expect(w.expectedLockedNetwork).toBeNull();
    settings.update({ walletsSeen: ['signet', 'regtest'] });
    expect(w.expectedLockedNetwork).toBe('regtest');
  });

  it('an early passphrase waits for the settings to reach the worker, then unlocks', async () => {
    settings.update({ network: 'regtest', walletsSeen: ['regtest'] });
    const worker = fakeWorker('locked');
    const w = new WalletState(worker.client);
    const started = w.start();
    const unlocked = w.unlock('pw');
    await tick();
    expect(worker.sent).toEqual([]); // nothing goes out before the worker is ready
    worker.answer();
    await started;
    await unlocked;
    expect(worker.sent.slice(0, 2)).toEqual(['settings.set', 'wallet.unlock']);
    expect(w.state).toBe('unlocked');
    expect(w.expectedLockedNetwork).toBeNull();
  });

  it('the worker\'s answer replaces the guess (the wallet is gone: no unlock screen)', async () => {
    settings.update({ network: 'regtest', walletsSeen: ['regtest'] });
    const worker = fakeWorker('none');
    const w = new WalletState(worker.client);
    expect(w.expectedLockedNetwork).toBe('regtest');
    const started = w.start();
    worker.answer();
    await started;
    expect(w.state).toBe('none');
    expect(w.expectedLockedNetwork).toBeNull();
    expect(w.evicted).toBe(true); // the recovery screen, never a silent new wallet
  });
});
