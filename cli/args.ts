/**
 * Command-line parsing for `glint`: global options before the command, then the command and its
 * own flags. Errors name the flag.
 */
import { parseNetwork, type NetworkName, ValidationError } from '../engine/index.ts';

export interface GlobalOptions {
  readonly data: string | undefined;
  /** Undefined when neither --network nor GLINT_NETWORK was given (commands pick their default). */
  readonly network: NetworkName | undefined;
  readonly passphraseFile: string | undefined;
  readonly esplora: string | undefined;
  readonly logLevel: 'debug' | 'info' | 'warn' | 'error';
}

export interface ParsedCommand {
  readonly global: GlobalOptions;
  readonly command: string | undefined;
  readonly positional: string[];
  readonly flags: Map<string, string | true>;
}

const GLOBAL_WITH_VALUE = new Set(['--data', '--network', '--esplora', '--log-level', '--passphrase-file']);

/** Split argv into global options, a command, its positionals and its `--flag value` pairs. */
export function parseArgs(argv: readonly string[], env: Readonly<Record<string, string | undefined>>): ParsedCommand {
  let data = env.GLINT_DATA;
  let network: NetworkName | undefined = env.GLINT_NETWORK ? parseNetwork(env.GLINT_NETWORK) : undefined;
  let passphraseFile: string | undefined;
  let esplora = env.GLINT_ESPLORA;
  let logLevel: GlobalOptions['logLevel'] = 'warn';
  let i = 0;
  for (; i < argv.length; i++) {
    const a = argv[i] as string;
    if (!a.startsWith('--')) break;
    if (a === '--help' || a === '-h') return { global: { data, network, passphraseFile, esplora, logLevel }, command: 'help', positional: [], flags: new Map() };
    if (!GLOBAL_WITH_VALUE.has(a)) throw new ValidationError(a, 'unknown global option (global options go before the command)');
    const v = argv[++i];
    if (v === undefined) throw new ValidationError(a, 'needs a value');
    if (a === '--data') data = v;
    else if (a === '--network') network = parseNetwork(v);
    else if (a === '--esplora') esplora = v;
    else if (a === '--passphrase-file') passphraseFile = v;
    else if (a === '--log-level') {
      if (v !== 'debug' && v !== 'info' && v !== 'warn' && v !== 'error') throw new ValidationError(a, 'must be debug, info, warn or error');
      logLevel = v;
    }
  }
  const command = argv[i++];
  const positional: string[] = [];
  const flags = new Map<string, string | true>();
  for (; i < argv.length; i++) {
    const a = argv[i] as string;
    if (a.startsWith('--')) {
      const next = argv[i + 1];
      if (next !== undefined && !next.startsWith('--')) {
        flags.set(a, next);
        i++;
      } else flags.set(a, true);
    } else positional.push(a);
  }
  return { global: { data, network, passphraseFile, esplora, logLevel }, command, positional, flags };
}

/** A string flag's value, or undefined; `true` (flag without value) is an error. */
export function stringFlag(flags: Map<string, string | true>, name: string): string | undefined {
  const v = flags.get(name);
  if (v === true) throw new ValidationError(name, 'needs a value');
  return v;
}

/** Refuse flags the command does not know, so typos do not pass silently. */
export function allowOnly(flags: Map<string, string | true>, allowed: readonly string[]): void {
  for (const k of flags.keys()) if (!allowed.includes(k)) throw new ValidationError(k, 'unknown option for this command');
}
