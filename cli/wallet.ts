/**
 * The wallet commands of `glint`: `init`, `address`, `balance`, `send`, `mnemonic`. The wallet
 * lives encrypted in `--data` (FileKVStore + EncryptedStore); the passphrase comes from
 * `--passphrase-file` or `GLINT_PASSPHRASE`; the chain from `--esplora`, else the network's default.
 */
import { readFile } from 'node:fs/promises';
import { EsploraClient, ValidationError, WalletService, defaultEsploraUrl, parseEsploraUrl, type FetchLike, type NetworkName } from '../engine/index.ts';
import { FileKVStore } from './adapters/file-store.ts';
import { nodeClock, nodeEntropy } from './adapters/clock.ts';
import { nodePbkdf2 } from './adapters/pbkdf2.ts';
import { stringFlag, type ParsedCommand } from './args.ts';
import { jsonAmount, type JsonAmount } from './json.ts';

/** Where the passphrase comes from: `--passphrase-file` (global or command flag) or GLINT_PASSPHRASE. */
export async function readPassphrase(cmd: ParsedCommand, env: Readonly<Record<string, string | undefined>>): Promise<string> {
  const file = stringFlag(cmd.flags, '--passphrase-file') ?? cmd.global.passphraseFile;
  if (file !== undefined) {
    let text: string;
    try {
      text = await readFile(file, 'utf8');
    } catch (err) {
      throw new ValidationError('--passphrase-file', `cannot read ${file}: ${(err as Error).message}`);
    }
    const pass = text.replace(/\r?\n$/, '');
    if (pass === '') throw new ValidationError('--passphrase-file', `${file} is empty`);
    return pass;
  }
  const fromEnv = env.GLINT_PASSPHRASE;
  if (fromEnv !== undefined && fromEnv !== '') return fromEnv;
  throw new ValidationError('passphrase', 'give the wallet passphrase with --passphrase-file <file> or GLINT_PASSPHRASE');
}

export function requireData(cmd: ParsedCommand): string {
  if (!cmd.global.data) throw new ValidationError('--data', 'the wallet commands need a data directory: glint --data <dir> …');
  return cmd.global.data;
}

/**
 * The Esplora server for `network`: `--esplora` (or GLINT_ESPLORA) if given, else the network's
 * public default (engine/chain/defaults.ts); regtest has none, so it needs `--esplora`.
 */
export function esploraUrlFor(cmd: ParsedCommand, network: NetworkName): string {
  const given = cmd.global.esplora;
  if (given !== undefined) return parseEsploraUrl(given, '--esplora');
  const fallback = defaultEsploraUrl(network);
  if (fallback === undefined) throw new ValidationError('--esplora', `${network} has no public Esplora server: give one with --esplora <url> (or GLINT_ESPLORA), e.g. the playground's http://127.0.0.1:3002`);
  return fallback;
}

export function esploraFor(cmd: ParsedCommand, network: NetworkName): EsploraClient {
  const url = esploraUrlFor(cmd, network);
  return new EsploraClient({
    baseUrl: url,
    fetch: globalThis.fetch as unknown as FetchLike,
    clock: nodeClock,
    entropy: nodeEntropy,
    abort: () => new AbortController(),
    network,
  });
}

/** Open the wallet in `--data`, run `fn`, always close (releasing the directory lock). */
export async function withWallet<T>(cmd: ParsedCommand, env: Readonly<Record<string, string | undefined>>, fn: (w: WalletService) => Promise<T>): Promise<T> {
  const dir = requireData(cmd);
  const passphrase = await readPassphrase(cmd, env);
  const raw = await FileKVStore.open(dir);
  let wallet: WalletService;
  try {
    if (!(await WalletService.exists(raw))) throw new ValidationError('--data', `no wallet in ${dir}: run glint --data ${dir} init first`);
    wallet = await WalletService.open({ raw, passphrase, entropy: nodeEntropy, pbkdf2: nodePbkdf2 });
  } catch (err) {
    await raw.close();
    throw err;
  }
  try {
    if (cmd.global.network !== undefined && cmd.global.network !== wallet.network) {
      throw new ValidationError('--network', `the wallet in ${dir} is for ${wallet.network}, not ${cmd.global.network}`);
    }
    return await fn(wallet);
  } finally {
    await wallet.close();
  }
}

/**
 * `glint init [--mnemonic-file F]` → `{ nodeId, network, esplora }`: `esplora` is the server the
 * chain commands will use for this network (`--esplora`, else the default; null for regtest
 * without `--esplora`). A bad `--esplora` is refused before anything is written.
 */
export async function initCommand(cmd: ParsedCommand, env: Readonly<Record<string, string | undefined>>): Promise<{ nodeId: string; network: NetworkName; esplora: string | null }> {
  const dir = requireData(cmd);
  const passphrase = await readPassphrase(cmd, env);
  const mnemonicFile = stringFlag(cmd.flags, '--mnemonic-file');
  let mnemonic: string | undefined;
  if (mnemonicFile !== undefined) {
    try {
      mnemonic = (await readFile(mnemonicFile, 'utf8')).trim();
    } catch (err) {
      throw new ValidationError('--mnemonic-file', `cannot read ${mnemonicFile}: ${(err as Error).message}`);
    }
  }
  const network = cmd.global.network ?? 'bitcoin';
  const esplora = cmd.global.esplora !== undefined || defaultEsploraUrl(network) !== undefined ? esploraUrlFor(cmd, network) : null;
  const raw = await FileKVStore.open(dir);
  try {
    if (await WalletService.exists(raw)) throw new ValidationError('--data', `${dir} already holds a wallet; refusing to overwrite it`);
    const wallet = await WalletService.create({ raw, passphrase, network, entropy: nodeEntropy, pbkdf2: nodePbkdf2, ...(mnemonic !== undefined ? { mnemonic } : {}) });
    const out = { nodeId: wallet.nodeId, network: wallet.network, esplora };
    await wallet.close();
    return out;
  } catch (err) {
    await raw.close().catch(() => {});
    throw err;
  }
}

/** `glint mnemonic` → `{ words }`: the backup, after the passphrase. */
export function mnemonicCommand(cmd: ParsedCommand, env: Readonly<Record<string, string | undefined>>): Promise<{ words: string[] }> {
  return withWallet(cmd, env, async (w) => ({ words: await w.mnemonic(await readPassphrase(cmd, env)) }));
}

/** `glint address` → `{ address }`: a fresh BIP 84 receive address. */
export function addressCommand(cmd: ParsedCommand, env: Readonly<Record<string, string | undefined>>): Promise<{ address: string }> {
  return withWallet(cmd, env, async (w) => {
    w.attachChain(esploraFor(cmd, w.network));
    await w.sync();
    return { address: await w.receiveAddress() };
  });
}

/** `glint send <address> <sats|max> [--feerate <sat/vB>]` → `{ txid }`. */
export function sendCommand(cmd: ParsedCommand, env: Readonly<Record<string, string | undefined>>): Promise<{ txid: string; feeSat: JsonAmount }> {
  const [to, amountText] = cmd.positional;
  if (!to || !amountText || cmd.positional.length > 2) throw new ValidationError('send', 'usage: glint send <address> <sats|max> [--feerate <sat/vB>]');
  let amountSat: bigint | 'max';
  if (amountText === 'max') amountSat = 'max';
  else if (/^[0-9]+$/.test(amountText)) amountSat = BigInt(amountText);
  else throw new ValidationError('amount', `must be a whole number of sats or "max", got "${amountText}"`);
  const feeText = stringFlag(cmd.flags, '--feerate');
  let feeRate: number | undefined;
  if (feeText !== undefined) {
    feeRate = Number(feeText);
    if (!/^[0-9]+(\.[0-9]+)?$/.test(feeText) || !Number.isFinite(feeRate)) throw new ValidationError('--feerate', `must be a number of sat/vB, got "${feeText}"`);
  }
  return withWallet(cmd, env, async (w) => {
    w.attachChain(esploraFor(cmd, w.network));
    await w.sync();
    const sent = await w.send({ to, amountSat, ...(feeRate !== undefined ? { feeRate } : {}) });
    return { txid: sent.txid, feeSat: jsonAmount(sent.feeSat) };
  });
}

/** The node identity for `connect`: the wallet's node key when `--data` holds a wallet. */
export async function walletNodeSecret(cmd: ParsedCommand, env: Readonly<Record<string, string | undefined>>): Promise<Uint8Array | undefined> {
  if (!cmd.global.data) return undefined;
  const raw = await FileKVStore.open(cmd.global.data);
  try {
    if (!(await WalletService.exists(raw))) return undefined;
  } finally {
    await raw.close();
  }
  return withWallet(cmd, env, async (w) => w.nodeSecret.slice());
}
