/**
 * A restarted `GlintNode` (engine/node/glint-node.ts) redials the peer of its channel as soon as
 * its channels and payments are loaded: the wallet's full Esplora sync runs beside the dial and
 * does not gate it (issue 9 cold-start). Against a real LDK node on the real bcoin regtest chain:
 * a channel is opened and confirmed, the node stopped, and a new node started on the reopened
 * wallet whose chain source holds every address-history request until the test lets it go. The
 * channel's peer is connected and the channel usable while the sync is held; `start` resolves
 * only once the sync has finished.
 */
import { expect, test } from 'vitest';
import { GlintNode, MemoryKVStore, WalletService, type GlintChain } from '../../engine/index.ts';
import { nodeClock, nodeEntropy } from '../../cli/adapters/clock.ts';
import { nodeDialer } from '../../cli/adapters/tcp-socket.ts';
import { TEST_SCRYPT, useGlintNodeEnv } from '../harness/glint-node-env.ts';

const PASSPHRASE = 'glint node restart passphrase';
const env = useGlintNodeEnv('ldk-glint-restart');
const { until, client } = env;

/** An Esplora client whose `scriptHistory` (the wallet sync's address scan) waits for `release`. */
function heldHistory(): { chain: GlintChain; release: () => void; held: () => number } {
  const real = client();
  let release!: () => void;
  const gate = new Promise<void>((r) => (release = r));
  let held = 0;
  const chainSource = new Proxy(real, {
    get(target, prop, receiver) {
      if (prop === 'scriptHistory') {
        return async (script: Uint8Array) => {
          held++;
          await gate;
          return target.scriptHistory(script);
        };
      }
      const v: unknown = Reflect.get(target, prop, receiver);
      return typeof v === 'function' ? (v as (...a: unknown[]) => unknown).bind(target) : v;
    },
  });
  return { chain: chainSource as GlintChain, release, held: () => held };
}

test('a restarted node reconnects its channel peer and the channel is usable while the wallet sync is still held', async () => {
  const raw = new MemoryKVStore();
  const wallet = await WalletService.create({ raw, passphrase: PASSPHRASE, network: 'regtest', entropy: nodeEntropy, scrypt: TEST_SCRYPT });
  wallet.attachChain(client());
  await env.chain.faucet(await wallet.receiveAddress(), 500_000);
  const first = new GlintNode({ wallet, chain: client(), dialer: nodeDialer, clock: nodeClock, entropy: nodeEntropy, pollIntervalMs: 0 });
  await first.start();
  const uri = `${env.peer.node.nodeIdHex}@127.0.0.1:${env.peer.port}`;
  const opened = await first.open(uri, 100_000n, { channelType: 'static_remotekey' });
  await env.chain.mine(1);
  await first.poll();
  await until(() => first.channel(opened.channelId)?.usable === true, 'the channel usable before the restart');
  await first.stop();
  // (Not closed: closing the wallet closes the store the reopened wallet reads.)

  const reopened = await WalletService.open({ raw, passphrase: PASSPHRASE, entropy: nodeEntropy });
  const held = heldHistory();
  reopened.attachChain(held.chain);
  const node = new GlintNode({ wallet: reopened, chain: client(), dialer: nodeDialer, clock: nodeClock, entropy: nodeEntropy, pollIntervalMs: 0 });
  let started = false;
  const starting = node.start().then(() => (started = true));
  await until(() => node.peers().some((p) => p.nodeId === env.peer.node.nodeIdHex), 'the channel peer reconnected');
  await until(() => node.channel(opened.channelId)?.usable === true, 'the channel usable again (channel_reestablish done)');
  // The sync is still held: it asked for address histories and got no answer, so start has not resolved.
  expect(held.held()).toBeGreaterThan(0);
  expect(started).toBe(false);
  expect(node.running).toBe(false);

  held.release();
  await starting;
  expect(node.running).toBe(true);
  expect(reopened.balance().confirmedSat + reopened.balance().unconfirmedSat).toBeGreaterThan(390_000n);
  await node.stop();
  await reopened.close();
});
