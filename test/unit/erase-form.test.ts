// app/state/erase.svelte.ts, the Settings erase form (runes compiled by the unit project's svelte
// plugin): what it lists before anything is deleted (channels that hold funds, their and the
// on-chain balances, payments in flight), when "Erase wallet" is allowed (passphrase, the typed
// word, the acknowledgement when channels hold funds, nothing in flight), the params it sends,
// and where the worker's refusals are shown (on the field they name).
import { describe, expect, it } from 'vitest';
import { EraseForm } from '../../app/state/erase.svelte.ts';
import { RpcValidationError, type ChannelDto, type EraseParams, type PaymentDto, type WalletSnapshotDto } from '../../workers/rpc/protocol.ts';

const snapshot: WalletSnapshotDto = { balance: { confirmedSat: '70000', unconfirmedSat: '5000', spendableSat: '75000' }, sync: { syncing: false, lastSyncAt: 1, error: null } };

function channel(state: ChannelDto['state'], localMsat: string): ChannelDto {
  return { localId: Math.random(), channelId: 'cc'.repeat(32), peer: `02${'11'.repeat(32)}`, state, type: null, isFunder: true, capacitySat: '50000', localMsat, remoteMsat: '0', usable: false, shortChannelId: null, fundingTxid: null, reason: null, frozen: null, outputs: [] } as ChannelDto;
}

function form(opts: { channels?: ChannelDto[]; payments?: PaymentDto[]; erase?: (p: EraseParams) => Promise<void> } = {}) {
  const sent: EraseParams[] = [];
  const f = new EraseForm({
    snapshot: () => snapshot,
    channels: () => opts.channels ?? [],
    payments: () => opts.payments ?? [],
    erase: async (p) => {
      sent.push(p);
      await opts.erase?.(p);
    },
  });
  return { f, sent };
}

describe('EraseForm', () => {
  it('lists the channels that hold funds and their balance, and the on-chain balance', () => {
    const { f } = form({ channels: [channel('normal', '40000000'), channel('closed', '9000'), channel('force-closing', '1000')] });
    expect(f.atRisk.map((c) => c.state)).toEqual(['normal', 'force-closing']);
    expect(f.channelMsat).toBe(40_001_000n);
    expect(f.onchainSat).toBe(75_000n);
  });

  it('with an open channel: ready only with the passphrase, the typed word and the acknowledgement; sends them', async () => {
    const { f, sent } = form({ channels: [channel('normal', '40000000')] });
    f.passphrase = 'pw';
    f.confirmWord = 'Erase ';
    expect(f.ready).toBe(false);
    expect(await f.submit()).toBe(false);
    expect(f.acknowledgeError).toBe('Tick this to confirm that you understand what is lost.');
    expect(sent).toEqual([]);
    f.acknowledged = true;
    expect(f.ready).toBe(true);
    expect(await f.submit()).toBe(true);
    expect(sent).toEqual([{ passphrase: 'pw', confirm: 'erase', acknowledgeChannels: true }]);
    expect(f.passphrase).toBe(''); // forgotten once done
  });

  it('without the word nothing is sent', async () => {
    const { f, sent } = form();
    f.passphrase = 'pw';
    f.confirmWord = 'delete';
    expect(f.ready).toBe(false);
    expect(await f.submit()).toBe(false);
    expect(f.error).toBe('Type “erase” to confirm.');
    expect(sent).toEqual([]);
  });

  it('a payment in flight blocks it', async () => {
    const pending = { paymentHash: 'aa'.repeat(32), direction: 'outgoing', kind: 'invoice', status: 'pending', amountMsat: '1', feeMsat: '0', createdAtSec: 1, htlcs: [] } as PaymentDto;
    const { f, sent } = form({ payments: [pending] });
    f.passphrase = 'pw';
    f.confirmWord = 'erase';
    expect(f.inFlight).toBe(1);
    expect(f.ready).toBe(false);
    expect(await f.submit()).toBe(false);
    expect(f.error).toContain('in flight');
    expect(sent).toEqual([]);
  });

  it('the worker’s refusals land on the field they name', async () => {
    const { f } = form({ erase: async () => Promise.reject(new RpcValidationError('params.passphrase', 'wrong passphrase')) });
    f.passphrase = 'bad';
    f.confirmWord = 'erase';
    expect(await f.submit()).toBe(false);
    expect(f.passphraseError).toBe('Wrong passphrase');
    expect(f.error).toBeNull();
    const other = form({ erase: async () => Promise.reject(new Error('IndexedDB: deleting "glint-regtest" waits for another connection to close')) });
    other.f.passphrase = 'pw';
    other.f.confirmWord = 'erase';
    expect(await other.f.submit()).toBe(false);
    expect(other.f.error).toContain('waits for another connection');
  });
});
