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
/** Command flags that never take a value (so `--anchors <uri>` does not swallow the URI). */
export const BOOLEAN_FLAGS: ReadonlySet<string> = new Set(['--anchors', '--static-remotekey', '--force', '--remove', '--no-keysend']);

/** Split argv into global options, a command, its positionals and its `--flag value` pairs. */
export function parseArgs(argv: readonly string[], env: Readonly<Record<string, string | undefined>>): ParsedCommand {
  let data = env.GLINT_DATA;
  let network: NetworkName | undefined = env.GLINT_NETWORK ? parseNetwork(env.GLINT_NETWORK) : undefined;
  let passphraseFile: string | undefined;
  let esplora = env.GLINT_ESPLORA || undefined; // set but empty: as if unset (the default applies)
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
      if (flags.has(a)) throw new ValidationError(a, 'given twice');
      const next = argv[i + 1];
      if (BOOLEAN_FLAGS.has(a)) flags.set(a, true);
      else if (next !== undefined && !next.startsWith('--')) {
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

/** A flag that takes no value: present or not. */
export function booleanFlag(flags: Map<string, string | true>, name: string): boolean {
  const v = flags.get(name);
  if (typeof v === 'string') throw new ValidationError(name, 'takes no value');
  return v === true;
}

/** Largest amount parsed from the command line (21 M BTC in msat fits easily). */
const MAX_AMOUNT_DIGITS = 19;

/** A whole, positive number (sats or msat) from the command line. */
export function parseWholeAmount(text: string, field: string, opts: { allowZero?: boolean } = {}): bigint {
  if (!/^[0-9]+$/.test(text)) throw new ValidationError(field, `must be a whole number, got "${text}"`);
  if (text.length > MAX_AMOUNT_DIGITS) throw new ValidationError(field, `must be a whole number of at most ${MAX_AMOUNT_DIGITS} digits (too large), got "${text}"`);
  const v = BigInt(text);
  if (v === 0n && !opts.allowZero) throw new ValidationError(field, 'must be more than zero');
  return v;
}

export type ChannelTypeChoice = 'anchors_zero_fee_htlc_tx' | 'static_remotekey';

/** `glint open <pubkey>@<host>:<port> <sats> [--push-msat N] [--anchors|--static-remotekey]`. */
export interface OpenArgs {
  readonly uri: string;
  readonly fundingSat: bigint;
  readonly pushMsat?: bigint;
  readonly channelType?: ChannelTypeChoice;
}

export const OPEN_USAGE = 'usage: glint open <pubkey>@<host>:<port> <sats> [--push-msat N] [--anchors|--static-remotekey]';

export function parseOpenArgs(cmd: ParsedCommand): OpenArgs {
  allowOnly(cmd.flags, ['--push-msat', '--anchors', '--static-remotekey', '--passphrase-file']);
  const [uri, sats] = cmd.positional;
  if (uri === undefined || sats === undefined || cmd.positional.length > 2) throw new ValidationError('open', OPEN_USAGE);
  if (!uri.includes('@')) throw new ValidationError('peer', `expected <pubkey>@<host>:<port>, got "${uri}"`);
  const fundingSat = parseWholeAmount(sats, 'sats');
  const pushText = stringFlag(cmd.flags, '--push-msat');
  const pushMsat = pushText !== undefined ? parseWholeAmount(pushText, '--push-msat', { allowZero: true }) : undefined;
  if (pushMsat !== undefined && pushMsat > fundingSat * 1000n) throw new ValidationError('--push-msat', 'cannot exceed the channel amount');
  const anchors = booleanFlag(cmd.flags, '--anchors');
  const staticRemotekey = booleanFlag(cmd.flags, '--static-remotekey');
  if (anchors && staticRemotekey) throw new ValidationError('--anchors', 'give --anchors or --static-remotekey, not both');
  const channelType: ChannelTypeChoice | undefined = anchors ? 'anchors_zero_fee_htlc_tx' : staticRemotekey ? 'static_remotekey' : undefined;
  return { uri, fundingSat, ...(pushMsat !== undefined ? { pushMsat } : {}), ...(channelType ? { channelType } : {}) };
}

/** `glint close <channel-id> [--force]`. */
export interface CloseArgs {
  readonly channelId: string;
  readonly force: boolean;
}

export function parseCloseArgs(cmd: ParsedCommand): CloseArgs {
  allowOnly(cmd.flags, ['--force', '--passphrase-file']);
  const [id] = cmd.positional;
  if (id === undefined || cmd.positional.length > 1) throw new ValidationError('close', 'usage: glint close <channel-id> [--force]');
  if (!/^[0-9a-fA-F]{64}$/.test(id)) throw new ValidationError('channel-id', `expected 64 hex characters, got "${id}"`);
  return { channelId: id.toLowerCase(), force: booleanFlag(cmd.flags, '--force') };
}

/** `glint trust [<pubkey>] [--remove]`: no pubkey lists the trusted peers. */
export interface TrustArgs {
  readonly nodeId?: string;
  readonly remove: boolean;
}

export const TRUST_USAGE = 'usage: glint trust [<pubkey>] [--remove]';

export function parseTrustArgs(cmd: ParsedCommand): TrustArgs {
  allowOnly(cmd.flags, ['--remove', '--passphrase-file']);
  const [id] = cmd.positional;
  if (cmd.positional.length > 1) throw new ValidationError('trust', TRUST_USAGE);
  const remove = booleanFlag(cmd.flags, '--remove');
  if (id === undefined) {
    if (remove) throw new ValidationError('--remove', `needs a pubkey (${TRUST_USAGE})`);
    return { remove };
  }
  if (!/^0[23][0-9a-fA-F]{64}$/.test(id)) throw new ValidationError('pubkey', `expected a 33-byte compressed public key in hex (66 characters), got "${id}"`);
  return { nodeId: id.toLowerCase(), remove };
}

// ---- payments (cli/payments.ts) -------------------------------------------------------------------

/** The most millisatoshis there will ever be (21 million BTC). */
export const MAX_MSAT = 2_100_000_000_000_000_000n;
/** BOLT 11: a `d` field holds at most 639 bytes. */
export const MAX_DESCRIPTION_BYTES = 639;
/** The longest invoice expiry `glint invoice --expiry` accepts: one year. */
export const MAX_EXPIRY_SEC = 365 * 24 * 3600;

/** A positive msat amount from the command line, at most 21 million BTC. */
export function parseMsat(text: string, field: string, opts: { allowZero?: boolean } = {}): bigint {
  const v = parseWholeAmount(text, field, opts);
  if (v > MAX_MSAT) throw new ValidationError(field, 'is more than 21 million bitcoin');
  return v;
}

/** `glint invoice <msat|any> [--description T] [--expiry S]`. */
export interface InvoiceArgs {
  /** Undefined: any amount. */
  readonly amountMsat?: bigint;
  readonly description?: string;
  readonly expirySec?: number;
}

export const INVOICE_USAGE = 'usage: glint invoice <msat|any> [--description T] [--expiry S]';

export function parseInvoiceArgs(cmd: ParsedCommand): InvoiceArgs {
  allowOnly(cmd.flags, ['--description', '--expiry', '--passphrase-file']);
  const [amount] = cmd.positional;
  if (amount === undefined || cmd.positional.length > 1) throw new ValidationError('invoice', INVOICE_USAGE);
  const amountMsat = amount === 'any' ? undefined : parseMsat(amount, 'msat');
  const description = stringFlag(cmd.flags, '--description');
  if (description !== undefined && new TextEncoder().encode(description).length > MAX_DESCRIPTION_BYTES) {
    throw new ValidationError('--description', `is longer than ${MAX_DESCRIPTION_BYTES} bytes (BOLT 11)`);
  }
  const expiryText = stringFlag(cmd.flags, '--expiry');
  let expirySec: number | undefined;
  if (expiryText !== undefined) {
    const v = parseWholeAmount(expiryText, '--expiry');
    if (v > BigInt(MAX_EXPIRY_SEC)) throw new ValidationError('--expiry', `must be at most ${MAX_EXPIRY_SEC} seconds (a year)`);
    expirySec = Number(v);
  }
  return { ...(amountMsat !== undefined ? { amountMsat } : {}), ...(description !== undefined ? { description } : {}), ...(expirySec !== undefined ? { expirySec } : {}) };
}

/** `glint pay <bolt11> [--amount-msat N] [--max-fee-msat N]`. */
export interface PayArgs {
  readonly bolt11: string;
  readonly amountMsat?: bigint;
  readonly maxFeeMsat?: bigint;
}

export const PAY_USAGE = 'usage: glint pay <bolt11> [--amount-msat N] [--max-fee-msat N]';

/** The invoice text as given (a `lightning:` prefix is dropped); the node decodes and checks it. */
function invoiceArg(text: string): string {
  const t = text.trim().replace(/^lightning:/i, '');
  if (!/^ln[a-z0-9]+$/i.test(t)) throw new ValidationError('bolt11', `is not a BOLT 11 invoice (expected ln…), got "${text.length > 40 ? `${text.slice(0, 40)}…` : text}"`);
  return t;
}

function maxFeeFlag(cmd: ParsedCommand): bigint | undefined {
  const text = stringFlag(cmd.flags, '--max-fee-msat');
  return text === undefined ? undefined : parseMsat(text, '--max-fee-msat', { allowZero: true });
}

export function parsePayArgs(cmd: ParsedCommand): PayArgs {
  allowOnly(cmd.flags, ['--amount-msat', '--max-fee-msat', '--passphrase-file']);
  const [text] = cmd.positional;
  if (text === undefined || cmd.positional.length > 1) throw new ValidationError('pay', PAY_USAGE);
  const bolt11 = invoiceArg(text);
  const amountText = stringFlag(cmd.flags, '--amount-msat');
  const amountMsat = amountText === undefined ? undefined : parseMsat(amountText, '--amount-msat');
  const maxFeeMsat = maxFeeFlag(cmd);
  return { bolt11, ...(amountMsat !== undefined ? { amountMsat } : {}), ...(maxFeeMsat !== undefined ? { maxFeeMsat } : {}) };
}

/** `glint keysend <pubkey> <msat> [--max-fee-msat N]`. */
export interface KeysendArgs {
  readonly payee: string;
  readonly amountMsat: bigint;
  readonly maxFeeMsat?: bigint;
}

export const KEYSEND_USAGE = 'usage: glint keysend <pubkey> <msat> [--max-fee-msat N]';

export function parseKeysendArgs(cmd: ParsedCommand): KeysendArgs {
  allowOnly(cmd.flags, ['--max-fee-msat', '--passphrase-file']);
  const [payee, amount] = cmd.positional;
  if (payee === undefined || amount === undefined || cmd.positional.length > 2) throw new ValidationError('keysend', KEYSEND_USAGE);
  if (!/^0[23][0-9a-fA-F]{64}$/.test(payee)) throw new ValidationError('pubkey', `expected a 33-byte compressed public key in hex (66 characters), got "${payee}"`);
  const amountMsat = parseMsat(amount, 'msat');
  const maxFeeMsat = maxFeeFlag(cmd);
  return { payee: payee.toLowerCase(), amountMsat, ...(maxFeeMsat !== undefined ? { maxFeeMsat } : {}) };
}

/** `glint decode <bolt11>`: the text may be a bare invoice, a `lightning:` URI or a BIP21 URI. */
export function parseDecodeArgs(cmd: ParsedCommand): { readonly text: string } {
  allowOnly(cmd.flags, []);
  const [text] = cmd.positional;
  if (text === undefined || cmd.positional.length > 1) throw new ValidationError('decode', 'usage: glint decode <bolt11>');
  return { text: text.trim() };
}
