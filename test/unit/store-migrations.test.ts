/**
 * Store schema versions (engine/store/migrations.ts): the checked-in schema-1 store
 * (test/fixtures/store-schema1.json, see its README) is opened by WalletService, migrated in one
 * write, and its wallet, channel and payment records read back as they were written; a second
 * unlock changes nothing; a failed migration write leaves the store exactly as it was; a newer
 * schema is refused with nothing changed.
 */
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { decodeChannelState, CHANNEL_SNAPSHOT_VERSION } from '../../engine/channel/codec.ts';
import { bytesToHex, hexToBytes } from '../../engine/lib/bytes.ts';
import { Keychain } from '../../engine/keys/keychain.ts';
import { incomingPaymentCodec, outgoingPaymentCodec } from '../../engine/node/payments/records.ts';
import { peerBookCodec } from '../../engine/node/peer-book.ts';
import { WalletService } from '../../engine/node/wallet-service.ts';
import { EncryptedStore } from '../../engine/store/envelope.ts';
import { CorruptRecordError, NewerSchemaError } from '../../engine/store/errors.ts';
import { MemoryKVStore } from '../../engine/store/memory.ts';
import { SCHEMA_KEY, STORE_SCHEMA_VERSION, decodeSchemaRecord, encodeSchemaRecord, migrateStore, storeSchemaVersion } from '../../engine/store/migrations.ts';
import { recordSpecFor } from '../../engine/store/schema.ts';
import { decodeWalletState } from '../../engine/wallet/state.ts';
import { STORE_UPGRADES } from '../../engine/node/store-upgrades.ts';
import { seededEntropy } from '../harness/loopback.ts';
import { sampleIncoming, sampleOutgoing, sampleWalletState } from '../harness/sample-records.ts';
import { FIXTURE_MNEMONIC, fixtureV3ChannelBytes } from '../fixtures/make-store-schema1.ts';

const fixture = JSON.parse(readFileSync(new URL('../fixtures/store-schema1.json', import.meta.url), 'utf8')) as { passphrase: string; records: Record<string, string> };
const V3_KEY = 'channel/51399f3c43f24ee3c407abf125448e9d82aa1129cf9b1539c7f44b37037ab00f';
/** The fixture's version-5 channel snapshot: older than the current version 6 (closed gained its outputs), so rewritten too. */
const V5_KEY = 'channel/4c608b4c09fdfb1f7b9727f47c31043dfcc9940cd49a5f9d67d98b0ec937bd7f';
const OLD_KEYS = [V5_KEY, V3_KEY];
const entropy = seededEntropy('migrations');

async function fixtureStore(): Promise<MemoryKVStore> {
  const raw = new MemoryKVStore();
  await raw.write({ put: Object.entries(fixture.records).map(([k, v]) => [k, hexToBytes(v)] as const) });
  raw.writes = 0;
  return raw;
}

/** A new store holding what `raw` holds (closing a WalletService closes its raw store). */
async function copyOf(raw: MemoryKVStore): Promise<MemoryKVStore> {
  const out = new MemoryKVStore();
  await out.write({ put: raw.rawEntries() });
  out.writes = 0;
  return out;
}

const rawHex = (raw: MemoryKVStore): Record<string, string> => Object.fromEntries(raw.rawEntries().map(([k, v]) => [k, bytesToHex(v)]));

describe('store schema 1 → 2 (the checked-in fixture)', () => {
  it('the fixture is schema 1 and holds a version-3 channel snapshot', async () => {
    const raw = await fixtureStore();
    const store = await EncryptedStore.open(raw, fixture.passphrase, entropy);
    expect(await storeSchemaVersion(store)).toBe(1);
    expect((await store.get(V3_KEY))?.[0]).toBe(3);
  });

  it('unlock migrates in ONE write; wallet, channel and payment records read back as written', async () => {
    const raw = await fixtureStore();
    const before = rawHex(raw);
    const w = await WalletService.open({ raw, passphrase: fixture.passphrase, entropy });
    expect(w.migration).toMatchObject({ from: 1, to: STORE_SCHEMA_VERSION, unreadable: [] });
    // Only the old-format channel snapshots (v3, v5) were rewritten; the other records were current.
    expect(w.migration?.rewritten).toEqual(OLD_KEYS);
    expect(raw.writes).toBe(1);
    const after = rawHex(raw);
    for (const key of Object.keys(before)) if (!OLD_KEYS.includes(key)) expect(after[key], key).toBe(before[key]);
    expect(Object.keys(after).sort()).toEqual([...Object.keys(before), SCHEMA_KEY].sort());

    // The wallet: same seed (node id) and network.
    expect(w.network).toBe('regtest');
    expect(w.nodeId).toBe(bytesToHex((await Keychain.fromMnemonic(FIXTURE_MNEMONIC, '', 'regtest')).nodeId()));
    expect(await w.mnemonic(fixture.passphrase)).toEqual(FIXTURE_MNEMONIC.split(' '));
    await w.close();

    const store = await EncryptedStore.open(await copyOf(raw), fixture.passphrase, entropy);
    expect(decodeSchemaRecord((await store.get(SCHEMA_KEY))!)).toBe(STORE_SCHEMA_VERSION);
    const channel = (await store.get(V3_KEY))!;
    expect(channel[0]).toBe(CHANNEL_SNAPSHOT_VERSION);
    expect(decodeChannelState(channel)).toEqual(decodeChannelState(fixtureV3ChannelBytes()));
    expect(decodeWalletState((await store.get('wallet/onchain'))!)).toEqual(sampleWalletState());
    const out = await store.keys('node/payments/out/');
    const inn = await store.keys('node/payments/in/');
    expect(out).toEqual([`node/payments/out/${bytesToHex(sampleOutgoing().paymentHash)}`]);
    expect(outgoingPaymentCodec.decode((await store.get(out[0]!))!)).toEqual(sampleOutgoing());
    expect(incomingPaymentCodec.decode((await store.get(inn[0]!))!)).toEqual(sampleIncoming());
    expect(peerBookCodec.decode((await store.get('node/peers'))!)).toHaveLength(2);
  });

  it('is idempotent: a second unlock writes nothing', async () => {
    const raw = await fixtureStore();
    await (await WalletService.open({ raw, passphrase: fixture.passphrase, entropy })).close();
    const once = rawHex(raw);
    const writes = raw.writes;
    const raw2 = await copyOf(raw);
    const w = await WalletService.open({ raw: raw2, passphrase: fixture.passphrase, entropy });
    expect(w.migration).toEqual({ from: 2, to: 2, rewritten: [], unreadable: [] });
    expect(raw2.writes).toBe(0);
    expect(rawHex(raw2)).toEqual(once);
    expect(writes).toBe(1);
  });

  it('a failed migration write leaves the store exactly as it was, and the next unlock migrates', async () => {
    const raw = await fixtureStore();
    const before = rawHex(raw);
    raw.failNextWrite(new Error('disk full'));
    await expect(WalletService.open({ raw, passphrase: fixture.passphrase, entropy })).rejects.toThrow('disk full');
    // (the failed open closed the raw store; read what it holds)
    expect(rawHex(raw)).toEqual(before);
    const w = await WalletService.open({ raw: await copyOf(raw), passphrase: fixture.passphrase, entropy });
    expect(w.migration?.rewritten).toEqual(OLD_KEYS);
  });

  it('an unreadable record is left untouched and reported; the rest migrates', async () => {
    const raw = await fixtureStore();
    const sealed = hexToBytes(fixture.records[V3_KEY]!);
    sealed[100] = (sealed[100] as number) ^ 0x01;
    await raw.write({ put: [[V3_KEY, sealed]] });
    const w = await WalletService.open({ raw, passphrase: fixture.passphrase, entropy });
    expect(w.migration?.rewritten).toEqual([V5_KEY]);
    expect(w.migration?.unreadable).toEqual([{ key: V3_KEY, reason: expect.stringContaining(`record "${V3_KEY}" is corrupt`) }]);
    expect(bytesToHex((await raw.get(V3_KEY))!)).toBe(bytesToHex(sealed));
    expect(w.migration?.to).toBe(2);
  });
});

describe('store schema guards', () => {
  it('a newer schema is refused ("written by a newer Glint") and nothing is written', async () => {
    const raw = await fixtureStore();
    const store = await EncryptedStore.open(raw, fixture.passphrase, entropy);
    await store.write({ put: [[SCHEMA_KEY, encodeSchemaRecord(STORE_SCHEMA_VERSION + 1)]] });
    const before = rawHex(raw);
    const writes = raw.writes;
    const err = await WalletService.open({ raw, passphrase: fixture.passphrase, entropy }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(NewerSchemaError);
    expect((err as Error).message).toMatch(/this wallet was written by a newer Glint \(store schema 3; this build knows up to 2\)/);
    expect(raw.writes).toBe(writes);
    expect(rawHex(raw)).toEqual(before);
  });

  it('a damaged store/schema record is a CorruptRecordError naming it (no guessing the schema)', async () => {
    const raw = await fixtureStore();
    const store = await EncryptedStore.open(raw, fixture.passphrase, entropy);
    await store.write({ put: [[SCHEMA_KEY, Uint8Array.of(1, 0)]] });
    const err = await migrateStore(store, STORE_UPGRADES).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(CorruptRecordError);
    expect((err as CorruptRecordError).key).toBe(SCHEMA_KEY);
  });

  it('a new wallet is created at the current schema (in the same write as its seed)', async () => {
    const raw = new MemoryKVStore();
    const w = await WalletService.create({ raw, passphrase: 'pass phrase', network: 'regtest', entropy, scrypt: { log2N: 10, r: 8, p: 1 } });
    const store = await EncryptedStore.open(raw, 'pass phrase', entropy);
    expect(await storeSchemaVersion(store)).toBe(STORE_SCHEMA_VERSION);
    expect(raw.writes).toBe(2); // the header, then seed + schema together
    expect(recordSpecFor(SCHEMA_KEY)?.owner).toBe('engine/store/migrations.ts');
    await w.close();
  });
});
