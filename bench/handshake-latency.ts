/**
 * `handshake-latency`: ms for TCP connect + BOLT 8 Noise_XK + init exchange over loopback with an
 * LDK listener. Ours: Glint's PeerManager as initiator. Reference: an LDK node as initiator to the
 * same LDK listener. Iterations alternate between the two so machine load affects both alike.
 * Target: ratio (ours / LDK) ≤ 1.5.
 */
import { performance } from 'node:perf_hooks';
import { chainHash, PeerManager } from '../engine/index.ts';
import { nodeClock, nodeEntropy } from '../cli/adapters/clock.ts';
import { nodeDialer } from '../cli/adapters/tcp-socket.ts';
import { LdkNode } from '../playground/ldk/node.ts';
import { result, type BenchResult } from './lib.ts';

const ITERATIONS = 30;

function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  const mid = s.length >> 1;
  return s.length % 2 ? s[mid]! : (s[mid - 1]! + s[mid]!) / 2;
}

export async function run(): Promise<BenchResult[]> {
  const listener = await LdkNode.create({ network: 'regtest', alias: 'bench-listener' });
  const ldkInitiator = await LdkNode.create({ network: 'regtest', alias: 'bench-ldk-initiator' });
  const glint = new PeerManager({
    nodeSecret: nodeEntropy.randomBytes(32),
    dialer: nodeDialer,
    clock: nodeClock,
    entropy: nodeEntropy,
    session: { pingIntervalMs: 0, chainHashes: [chainHash('regtest')] },
  });
  try {
    const port = await listener.listen(0, '127.0.0.1');
    const uri = `${listener.nodeIdHex}@127.0.0.1:${port}`;
    const ours = async (): Promise<number> => {
      const t0 = performance.now();
      await glint.connect(uri);
      const dt = performance.now() - t0;
      glint.disconnect(listener.nodeIdHex);
      await listener.waitForNoPeer(glint.nodeId);
      return dt;
    };
    const theirs = async (): Promise<number> => {
      const t0 = performance.now();
      await ldkInitiator.connect(listener.nodeId, '127.0.0.1', port);
      const dt = performance.now() - t0;
      ldkInitiator.disconnect(listener.nodeId);
      await Promise.all([ldkInitiator.waitForNoPeer(listener.nodeIdHex), listener.waitForNoPeer(ldkInitiator.nodeIdHex)]);
      return dt;
    };
    for (let i = 0; i < 3; i++) {
      await ours();
      await theirs();
    }
    const a: number[] = [];
    const b: number[] = [];
    for (let i = 0; i < ITERATIONS; i++) {
      a.push(await ours());
      b.push(await theirs());
    }
    return [result('handshake-latency', 'ms (median, lower is better)', median(a), median(b), 'ldk-initiator')];
  } finally {
    glint.close();
    await Promise.all([listener.stop(), ldkInitiator.stop()]);
  }
}
