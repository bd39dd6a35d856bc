/** The schema table (engine/store/schema.ts) matches what the codecs really write first. */
import { describe, expect, it } from 'vitest';
import { recordSpecFor } from '../../engine/store/schema.ts';
import { WALLET_STATE_VERSION, emptyWalletState, encodeWalletState } from '../../engine/wallet/state.ts';
import { CHANNEL_SNAPSHOT_VERSION } from '../../engine/channel/index.ts';
import { MemoryKVStore } from '../../engine/store/memory.ts';
import { EncryptedStore } from '../../engine/store/envelope.ts';
import { WalletService } from '../../engine/node/wallet-service.ts';
import { seededEntropy } from '../harness/loopback.ts';

describe('record versions', () => {
  it('wallet/onchain and channel/ rows carry the codec versions', () => {
    expect(recordSpecFor('wallet/onchain')?.version).toBe(WALLET_STATE_VERSION);
    expect(encodeWalletState(emptyWalletState('regtest'))[0]).toBe(WALLET_STATE_VERSION);
    expect(recordSpecFor(`channel/${'00'.repeat(32)}`)?.version).toBe(CHANNEL_SNAPSHOT_VERSION);
  });

  it('wallet/seed as written by WalletService starts with the schema version', async () => {
    const raw = new MemoryKVStore();
    const entropy = seededEntropy('schema');
    const w = await WalletService.create({ raw, passphrase: 'pass phrase', network: 'regtest', entropy, scrypt: { log2N: 10, r: 8, p: 1 } });
    // A second handle on the same raw store reads what the service wrote.
    const reopened = await EncryptedStore.open(raw, 'pass phrase', entropy);
    const seed = await reopened.get('wallet/seed');
    expect(seed?.[0]).toBe(recordSpecFor('wallet/seed')?.version);
    await w.close();
  });
});
