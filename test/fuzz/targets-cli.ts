/**
 * Fuzz targets for the `glint` CLI's inputs: the JSON bodies `glint run`'s local API accepts
 * (cli/api-server.ts, cli/api-payments.ts: as text, read like the server reads a body, and as
 * values, structure-aware) and the command line (cli/args.ts: global options, every command's
 * flags and positionals). Each refuses bad input with a ValidationError naming the field.
 */
import { parseInvoiceRequest, parseKeysendRequest, parsePayRequest } from '../../cli/api-payments.ts';
import { parseCloseRequest, parseOpenRequest, parseTrustRequest } from '../../cli/api-server.ts';
import type { Body } from '../../cli/api-body.ts';
import { parseArgs, parseCloseArgs, parseDecodeArgs, parseInvoiceArgs, parseKeysendArgs, parseOpenArgs, parsePayArgs, parseTrustArgs, type ParsedCommand } from '../../cli/args.ts';
import { ValidationError } from '../../engine/lib/errors.ts';
import type { Json } from './mutate.ts';
import type { FuzzTarget } from './runner.ts';

const isValidationError = (err: unknown): boolean => err instanceof ValidationError;

const NODE = `02${'11'.repeat(32)}`;
const INVOICE = 'lnbcrt10u1pjexample';

const BODIES: Json[] = [
  { uri: `${NODE}@127.0.0.1:9735`, fundingSat: 100_000, pushMsat: '1000', channelType: 'anchors_zero_fee_htlc_tx' },
  { uri: `${NODE}@h:1`, fundingSat: '20000', channelType: 'static_remotekey' },
  { channelId: 'ab'.repeat(32), force: true },
  { channelId: 'AB'.repeat(32) },
  { nodeId: NODE, trusted: false },
  { amountMsat: 1000, description: 'tea', expirySec: 600 },
  { description: 'x'.repeat(639) },
  { bolt11: INVOICE, amountMsat: '5000', maxFeeMsat: 0 },
  { payee: NODE, amountMsat: 1, maxFeeMsat: '10' },
  {},
];

const ROUTES: readonly ((b: Body) => unknown)[] = [parseOpenRequest, parseCloseRequest, parseTrustRequest, parseInvoiceRequest, parsePayRequest, parseKeysendRequest];

/** Every route's body validator on one parsed body (a non-object is refused as the server does). */
function validateBody(value: unknown): void {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) throw new ValidationError('body', 'must be a JSON object');
  for (const route of ROUTES) {
    try {
      route(value as Body);
    } catch (err) {
      if (!(err instanceof ValidationError)) throw err;
    }
  }
}

const COMMANDS: readonly ((c: ParsedCommand) => unknown)[] = [parseOpenArgs, parseCloseArgs, parseTrustArgs, parseInvoiceArgs, parsePayArgs, parseKeysendArgs, parseDecodeArgs];

const ARGV_SEEDS = [
  `--data /tmp/g --network regtest open ${NODE}@127.0.0.1:9735 100000 --push-msat 1000 --anchors`,
  `close ${'ab'.repeat(32)} --force`,
  `trust ${NODE} --remove`,
  "invoice 1000 --description tea --expiry 600",
  "invoice any",
  `pay lightning:${INVOICE} --amount-msat 5000 --max-fee-msat 0`,
  `keysend ${NODE} 1000 --max-fee-msat 5`,
  `--log-level debug --esplora http://127.0.0.1:3002 decode ${INVOICE}`,
  '--help',
];

export const CLI_TARGETS: readonly FuzzTarget[] = [
  {
    name: 'cli-api-json',
    description: "glint run's API bodies as text: JSON.parse as the server does, then every route's validator",
    kind: 'string',
    seeds: () => BODIES.map((b) => JSON.stringify(b)),
    tokens: ['{', '}', '[', ']', '"', ':', ',', 'true', 'false', 'null', '1e999', '-0', '9007199254740993', '"__proto__"', '"uri"', '"fundingSat"', '"amountMsat"', '"bolt11"', '"payee"', '"channelId"', '"nodeId"'],
    run: (t) => {
      let parsed: unknown;
      try {
        parsed = JSON.parse(t);
      } catch {
        throw new ValidationError('body', 'is not valid JSON');
      }
      validateBody(parsed);
    },
    expected: isValidationError,
    maxLength: 16 * 1024,
  },
  {
    name: 'cli-api-body',
    description: "glint run's API bodies as values (structure-aware): open, close, trust, invoice, pay, keysend",
    kind: 'value',
    seeds: () => BODIES,
    tokens: ['uri', 'fundingSat', 'pushMsat', 'channelType', 'channelId', 'force', 'nodeId', 'trusted', 'amountMsat', 'description', 'expirySec', 'bolt11', 'maxFeeMsat', 'payee', 'anchors_zero_fee_htlc_tx', 'static_remotekey', NODE, '__proto__', 'constructor'],
    run: (v) => validateBody(v),
    expected: isValidationError,
  },
  {
    name: 'cli-args',
    description: 'glint command lines (cli/args.ts): global options, then every command parser on the rest',
    kind: 'string',
    seeds: () => ARGV_SEEDS,
    tokens: [' ', ' --', '--data', '--network', '--esplora', '--log-level', '--passphrase-file', '--push-msat', '--anchors', '--static-remotekey', '--force', '--remove', '--description', '--expiry', '--amount-msat', '--max-fee-msat', 'regtest', 'any', 'lightning:', NODE, '@', ':9735', '99999999999999999999'],
    run: (t) => {
      const cmd = parseArgs(t.split(' ').filter((a) => a !== ''), { GLINT_NETWORK: undefined });
      for (const parse of COMMANDS) {
        try {
          parse(cmd);
        } catch (err) {
          if (!(err instanceof ValidationError)) throw err;
        }
      }
    },
    expected: isValidationError,
    maxLength: 2000,
  },
];
