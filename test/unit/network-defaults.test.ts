/**
 * The per-network defaults have one source (engine/chain/defaults.ts): the CLI falls back to them
 * without `--esplora` (`glint init --network signet` reports the signet server), regtest has none
 * there, the worker's built-in config and its status carry the same table, and bad URLs get an
 * error naming the field.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { DEFAULT_ESPLORA_URLS, defaultEsploraUrl, parseEsploraUrl, ValidationError } from '../../engine/index.ts';
import { parseArgs } from '../../cli/args.ts';
import { esploraUrlFor, initCommand } from '../../cli/wallet.ts';
import { BUILTIN_CONFIG } from '../../workers/wallet-host.ts';
import { parseWalletStatus, RpcValidationError } from '../../workers/rpc/protocol.ts';

function fieldOf(fn: () => unknown): string {
  try {
    fn();
  } catch (err) {
    expect(err).toBeInstanceOf(ValidationError);
    return (err as ValidationError).field;
  }
  throw new Error('expected a ValidationError');
}

const dirs: string[] = [];
afterEach(() => {
  for (const d of dirs.splice(0)) rmSync(d, { recursive: true, force: true });
});

describe('per-network Esplora defaults', () => {
  it('has a public server for mainnet, testnet and signet, and none for regtest', () => {
    expect(defaultEsploraUrl('bitcoin')).toBe('https://blockstream.info/api');
    expect(defaultEsploraUrl('testnet')).toBe('https://blockstream.info/testnet/api');
    expect(defaultEsploraUrl('signet')).toBe('https://mempool.space/signet/api');
    expect(defaultEsploraUrl('regtest')).toBeUndefined();
    for (const url of Object.values(DEFAULT_ESPLORA_URLS)) expect(url).toMatch(/^https:\/\/[^/]+\/\S*[^/]$/);
  });

  it('is the table the worker starts from (regtest: the playground on loopback until glint.config.json names one)', () => {
    expect(BUILTIN_CONFIG.esplora).toEqual({ ...DEFAULT_ESPLORA_URLS, regtest: 'http://127.0.0.1:3002' });
  });

  it('reaches the app in the wallet status, every network’s, validated', () => {
    const status = { state: 'none', network: 'regtest', esploraUrl: 'http://127.0.0.1:3002', defaultEsploraUrl: 'http://127.0.0.1:3002', defaultNetwork: 'regtest', nodeId: null };
    const withDefaults = { ...status, defaultEsploraUrls: { ...BUILTIN_CONFIG.esplora } };
    expect(parseWalletStatus(withDefaults)).toEqual(withDefaults);
    expect(parseWalletStatus(status)).toEqual(status);
    let field = '';
    try {
      parseWalletStatus({ ...status, defaultEsploraUrls: { signet: 'javascript:alert(1)' } });
    } catch (err) {
      expect(err).toBeInstanceOf(RpcValidationError);
      field = (err as RpcValidationError).field;
    }
    expect(field).toBe('status.defaultEsploraUrls.signet');
    expect(() => parseWalletStatus({ ...status, defaultEsploraUrls: { moon: 'https://x' } })).toThrow(/defaultEsploraUrls\.moon/);
  });

  it('is what the CLI uses without --esplora; regtest needs one and says so', () => {
    expect(esploraUrlFor(parseArgs(['--network', 'signet', 'address'], {}), 'signet')).toBe('https://mempool.space/signet/api');
    expect(esploraUrlFor(parseArgs(['address'], {}), 'bitcoin')).toBe('https://blockstream.info/api');
    expect(esploraUrlFor(parseArgs(['--esplora', 'http://127.0.0.1:3002/', 'address'], {}), 'regtest')).toBe('http://127.0.0.1:3002');
    expect(esploraUrlFor(parseArgs(['address'], { GLINT_ESPLORA: 'https://e.example/api' }), 'signet')).toBe('https://e.example/api');
    expect(() => esploraUrlFor(parseArgs(['address'], {}), 'regtest')).toThrow(/--esplora: regtest has no public Esplora server/);
  });

  it('refuses bad Esplora URLs naming the field', () => {
    const cmd = (url: string) => parseArgs(['--esplora', url, 'address'], {});
    expect(fieldOf(() => esploraUrlFor(cmd('ftp://x.example'), 'signet'))).toBe('--esplora');
    expect(fieldOf(() => esploraUrlFor(cmd('https://x.example/api?key=1'), 'signet'))).toBe('--esplora');
    expect(fieldOf(() => esploraUrlFor(cmd('https://bad host/api'), 'signet'))).toBe('--esplora');
    expect(fieldOf(() => esploraUrlFor(cmd(''), 'signet'))).toBe('--esplora');
    expect(fieldOf(() => parseEsploraUrl('https://user@x.example', 'config.esplora.signet'))).toBe('config.esplora.signet');
    expect(parseEsploraUrl(' https://[::1]:3002/api/ ', 'f')).toBe('https://[::1]:3002/api');
  });

  it('glint init --network signet without --esplora reports the signet default; regtest reports none', async () => {
    const env = { GLINT_PASSPHRASE: 'correct horse battery' };
    const signet = mkdtempSync(join(tmpdir(), 'glint-defaults-'));
    dirs.push(signet);
    const out = await initCommand(parseArgs(['--data', signet, '--network', 'signet', 'init'], env), env);
    expect(out).toMatchObject({ network: 'signet', esplora: 'https://mempool.space/signet/api' });
    const regtest = mkdtempSync(join(tmpdir(), 'glint-defaults-'));
    dirs.push(regtest);
    expect(await initCommand(parseArgs(['--data', regtest, '--network', 'regtest', 'init'], env), env)).toMatchObject({ network: 'regtest', esplora: null });
  }, 120_000);

  it('glint init refuses a bad --esplora before writing a wallet', async () => {
    const env = { GLINT_PASSPHRASE: 'correct horse battery' };
    const dir = mkdtempSync(join(tmpdir(), 'glint-defaults-'));
    dirs.push(dir);
    await expect(initCommand(parseArgs(['--data', dir, '--network', 'signet', '--esplora', 'mempool.space', 'init'], env), env)).rejects.toThrow(/--esplora/);
    // Nothing was written: a good init in the same directory still works.
    expect(await initCommand(parseArgs(['--data', dir, '--network', 'signet', 'init'], env), env)).toMatchObject({ network: 'signet' });
  }, 120_000);
});
