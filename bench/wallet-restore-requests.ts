/**
 * `wallet-restore-requests`: what restoring a wallet from its seed costs a public Esplora server.
 * A wallet with 40 used receive addresses (one faucet payment each) is restored from nothing by
 * the real OnchainWallet over real HTTP against the playground's regtest Esplora server.
 *
 * Reference: the gap-limit lower bound — any scan with gap 20 must ask about (last used index
 * + 1 + 20) addresses per chain: 40 + 20 receive and 0 + 20 change = 80 here (computed by
 * `discoveryLowerBound`). Two results: scriptHistory calls vs that bound (1.00 is optimal), and
 * every HTTP request of the restore (tip, histories, each transaction once) vs the same bound.
 */
import { EsploraClient, Keychain, measureRestore, p2wpkhAddress, type FetchLike } from '../engine/index.ts';
import { nodeClock } from '../cli/adapters/clock.ts';
import { RegtestChain, startEsplora } from '../playground/chain/index.ts';
import { result, type BenchResult } from './lib.ts';

const USED = 40;
const MNEMONIC = 'abandon abandon abandon abandon abandon abandon abandon abandon abandon abandon abandon about';

export async function run(): Promise<BenchResult[]> {
  const chain = await RegtestChain.create();
  const server = await startEsplora(chain, { port: 0 });
  try {
    const keychain = await Keychain.fromMnemonic(MNEMONIC, '', 'regtest');
    const account = keychain.onchain('regtest');
    for (let i = 0; i < USED; i++) await chain.faucet(p2wpkhAddress(account.publicKey(0, i), 'regtest'), 10_000 + i, { mine: false });
    await chain.mine(1);
    const client = new EsploraClient({ baseUrl: server.url, fetch: (url, init) => fetch(url, init as RequestInit) as unknown as ReturnType<FetchLike>, clock: nodeClock });
    const before = server.requestCount;
    const m = await measureRestore(keychain, 'regtest', client);
    const http = server.requestCount - before;
    if (m.receiveLastUsed !== USED - 1) throw new Error(`restore found ${m.receiveLastUsed + 1} used addresses, expected ${USED}`);
    return [
      result('wallet-restore-requests/scripthash', 'requests (lower is better)', m.counts.scriptHistory, m.scriptHistoryLowerBound, 'gap-limit-lower-bound'),
      result('wallet-restore-requests/http-total', 'requests (lower is better)', http, m.scriptHistoryLowerBound, 'gap-limit-lower-bound'),
    ];
  } finally {
    await server.close();
    await chain.close();
  }
}
