/**
 * Fuzz targets at the other trust boundaries: JSON and raw bytes from an Esplora server
 * (engine/chain schema validators, fee estimates, transactions, headers), RPC messages between
 * the page and the worker (workers/rpc/protocol.ts, both directions), and what a person types or
 * scans into the app (app/lib/*-input.ts: these return `{ok:false, error}` and never throw).
 */
import { parseFeeEstimates } from '../../engine/chain/fees.ts';
import { parseHeader, parseTx } from '../../engine/chain/bitcoin.ts';
import * as schema from '../../engine/chain/schema.ts';
import { SchemaError, parseJson, textHash32, textHex, type Validator } from '../../engine/chain/validate.ts';
import { hexToBytes } from '../../engine/lib/bytes.ts';
import { parseClientMessage, parseResult, parseWorkerMessage, METHODS, RpcValidationError, type Method } from '../../workers/rpc/protocol.ts';
import { checkChannelAmount, checkPushAmount } from '../../app/lib/channel-input.ts';
import { checkDescription, checkLightningAmount, classifySendText } from '../../app/lib/payment-input.ts';
import { checkPeerUri, checkProxyUrl } from '../../app/lib/peer-input.ts';
import { checkAddress, checkAmount, checkEsploraUrl, checkFeeRate, checkMnemonic } from '../../app/lib/wallet-input.ts';
import { vector } from './corpus.ts';
import type { Json } from './mutate.ts';
import type { FuzzTarget } from './runner.ts';

const H = 'a'.repeat(64);
const H2 = '0f9188f13cb7b2c71f2a335e3a4fc328bf5beb436012afca590b1a11466e2206';
const STATUS = { confirmed: true, block_height: 120, block_hash: H2, block_time: 1_700_000_000 };

const ESPLORA_VALUES: Json[] = [
  STATUS,
  { confirmed: false },
  [{ txid: H, status: STATUS, vin: [], vout: [], fee: 141 }, { txid: H2, status: { confirmed: false } }],
  [{ txid: H, vout: 1, value: 100_000, status: STATUS }],
  { spent: true, txid: H, vin: 0, status: STATUS },
  { spent: false },
  { block_height: 120, merkle: [H, H2], pos: 2 },
  { in_best_chain: true, height: 120, next_best: H },
  { in_best_chain: false },
  { '1': 87.882, '2': 87.882, '3': 87.882, '6': 68.285, '144': 1.027, '1008': 1.0 },
];

const VALIDATORS: readonly Validator<unknown>[] = [schema.txStatus, schema.scriptTxs, schema.scriptUtxos, schema.outSpend, schema.merkleProof, schema.blockStatus, (v) => parseFeeEstimates(v)];

/** Every Esplora JSON validator on one parsed value; each may refuse it with a SchemaError. */
function validateAll(value: unknown): void {
  for (const validate of VALIDATORS) {
    try {
      validate(value, '');
    } catch (err) {
      if (!(err instanceof SchemaError)) throw err;
    }
  }
}

const isSchemaError = (err: unknown): boolean => err instanceof SchemaError;
const isRpcError = (err: unknown): boolean => err instanceof RpcValidationError;

/** Transactions and headers as Esplora gives them: the BOLT 3 funding/commitment/HTLC tx vectors, block 1. */
function transactions(): Uint8Array[] {
  const f = vector<{ funding_tx: string; block1_coinbase_tx: string; block1: string }>('bolt03-funding-tx.json');
  const c = vector<{ tests: { commit_tx?: string; htlc_txs?: { tx: string }[] }[] }>('bolt03-commitment-tx.json');
  const txs = [f.funding_tx, f.block1_coinbase_tx, f.block1.slice(0, 160), ...c.tests.flatMap((t) => [t.commit_tx ?? '', ...(t.htlc_txs ?? []).map((h) => h.tx)])];
  return txs.filter((t) => t !== '').map(hexToBytes);
}

const REQUESTS: Json[] = [
  { kind: 'hello', protocol: 1 },
  ...METHODS.map((method, i): Json => ({ kind: 'request', id: i + 1, method, params: {} })),
  { kind: 'request', id: 3, method: 'peers.connect', params: { uri: `02${'11'.repeat(32)}@127.0.0.1:9735`, proxy: 'ws://127.0.0.1:8080' } },
  { kind: 'request', id: 4, method: 'settings.set', params: { network: 'signet', esploraUrl: 'https://mempool.space/signet/api' } },
  { kind: 'request', id: 5, method: 'wallet.create', params: { passphrase: 'pw', mnemonic: 'a b c' } },
  { kind: 'request', id: 6, method: 'wallet.prepareSend', params: { to: 'bcrt1q', amountSat: '20000', feeRate: 1.5 } },
  { kind: 'request', id: 7, method: 'channels.open', params: { uri: `02${'11'.repeat(32)}@h:9735`, proxy: 'ws://p', fundingSat: '20000', pushMsat: '20000000', channelType: 'static_remotekey' } },
  { kind: 'request', id: 8, method: 'channels.close', params: { channelId: '00'.repeat(32), force: true } },
  { kind: 'request', id: 9, method: 'invoice.create', params: { amountMsat: '1000', description: 'tea', expirySec: 600 } },
  { kind: 'request', id: 10, method: 'payment.pay', params: { bolt11: 'lnbcrt1', amountMsat: '5000', maxFeeMsat: '0' } },
];

const WORKER_MESSAGES: Json[] = [
  { kind: 'ready', protocol: 1, info: { status: 'running', nodeId: `02${'11'.repeat(32)}`, error: null, protocol: 1 } },
  { kind: 'response', id: 1, ok: true, result: { status: 'running', nodeId: null, error: null, protocol: 1 } },
  { kind: 'response', id: null, ok: false, error: { code: 'invalid', message: 'bad', field: 'params.uri' } },
  { kind: 'event', event: { type: 'log', level: 'info', message: 'hello', at: 1 } },
  { kind: 'event', event: { type: 'node.status', status: 'running' } },
];

const RPC_TOKENS = ['kind', 'request', 'hello', 'response', 'event', 'ready', 'id', 'method', 'params', 'result', 'error', 'ok', ...METHODS, 'amountSat', 'amountMsat', 'fundingSat', 'pushMsat', 'uri', 'proxy', 'passphrase', 'bolt11', 'channelId', '__proto__', 'constructor', 'max'];

export const BOUNDARY_TARGETS: readonly FuzzTarget[] = [
  {
    name: 'esplora-json-text',
    description: 'Esplora JSON responses as text: parseJson then every schema validator and fee estimates',
    kind: 'string',
    seeds: () => ESPLORA_VALUES.map((v) => JSON.stringify(v)),
    tokens: ['{', '}', '[', ']', '"', ':', ',', 'true', 'false', 'null', '1e999', '-0', '"__proto__"', '"confirmed"', '"block_height"', '"txid"', `"${H}"`],
    run: (t) => validateAll(parseJson(t)),
    expected: isSchemaError,
    maxLength: 20_000,
  },
  {
    name: 'esplora-json-value',
    description: 'Esplora JSON responses as values (structure-aware mutations of each endpoint shape)',
    kind: 'value',
    seeds: () => ESPLORA_VALUES,
    tokens: ['confirmed', 'block_height', 'block_hash', 'block_time', 'txid', 'status', 'vout', 'value', 'spent', 'vin', 'merkle', 'pos', 'in_best_chain', 'height', 'next_best', '__proto__', H, '1', '1008', '1009'],
    run: (v) => validateAll(v),
    expected: never,
  },
  {
    name: 'esplora-text',
    description: 'Esplora plain-text answers: block hashes and hex (tx, header)',
    kind: 'string',
    seeds: () => [H2, `${H2}\n`, '00'.repeat(80)],
    tokens: ['0', 'f', 'F', 'g', '\n', ' '],
    run: (t) => {
      for (const f of [() => textHash32(t), () => textHex(t, { bytes: 80 }), () => textHex(t, { maxBytes: 400_000 })]) {
        try {
          f();
        } catch (err) {
          if (!(err instanceof SchemaError)) throw err;
        }
      }
    },
    expected: never,
    maxLength: 2000,
  },
  {
    name: 'esplora-tx',
    description: 'Raw transaction bytes from /tx/:txid/hex (bitcoinjs parse, our txid) and block headers',
    kind: 'bytes',
    seeds: transactions,
    run: (b) => {
      try {
        parseHeader(b.subarray(0, 80));
      } catch (err) {
        if (!(err instanceof RangeError) || b.length >= 80) throw err;
      }
      parseTx(b);
    },
    // parseTx documents "throws on anything unparsable" (bitcoinjs's own Error/TypeError/RangeError;
    // the Esplora client wraps it as EsploraError 'invalid'); only non-Errors and hangs are findings.
    expected: (err) => err instanceof Error,
    maxLength: 20_000,
  },
  {
    name: 'rpc-request',
    description: 'Worker side: every RPC message the page can post (parseClientMessage, all methods)',
    kind: 'value',
    seeds: () => REQUESTS,
    tokens: RPC_TOKENS,
    run: (v) => void parseClientMessage(v),
    expected: isRpcError,
  },
  {
    name: 'rpc-worker-message',
    description: 'Page side: messages and results from the worker (parseWorkerMessage, parseResult per method)',
    kind: 'value',
    seeds: () => WORKER_MESSAGES,
    tokens: RPC_TOKENS,
    run: (v) => {
      try {
        parseWorkerMessage(v);
      } catch (err) {
        if (!(err instanceof RpcValidationError)) throw err;
      }
      const method = METHODS[Math.abs(JSON.stringify(v)?.length ?? 0) % METHODS.length] as Method;
      parseResult(method, v);
    },
    expected: isRpcError,
  },
  {
    name: 'app-input',
    description: 'What a person types or scans into the app (app/lib/*-input.ts): never throws',
    kind: 'string',
    seeds: () => [
      'lnbcrt10u1p',
      'bitcoin:bcrt1qw508d6qejxtdg4y5r3zarvary0c5xw7kygt080?amount=0.001&lightning=lnbcrt1',
      `02${'11'.repeat(32)}@127.0.0.1:9735`,
      `02${'11'.repeat(32)}@[::1]:9735`,
      'ws://127.0.0.1:8080/v1',
      'https://mempool.space/signet/api',
      '1,500.250',
      '0.00001',
      'abandon abandon abandon abandon abandon abandon abandon abandon abandon abandon abandon about',
      'bcrt1qw508d6qejxtdg4y5r3zarvary0c5xw7kygt080',
    ],
    tokens: ['lightning:', 'bitcoin:', 'lnurl', 'lno1', '@', ':', '[', ']', '.', ',', 'ws://', 'wss://', 'https://', 'http://', '?amount=', 'abandon ', 'about'],
    run: (t) => {
      classifySendText(t);
      checkPeerUri(t);
      checkProxyUrl(t, false);
      checkProxyUrl(t, true);
      checkAddress(t, 'regtest');
      checkAddress(t, 'bitcoin');
      checkAmount(t, 1_000_000n);
      checkAmount(t, null);
      checkFeeRate(t);
      checkEsploraUrl(t);
      checkMnemonic(t);
      checkLightningAmount(t, { maxMsat: 10_000_000n });
      checkDescription(t);
      checkChannelAmount(t, 5_000_000n);
      checkPushAmount(t, 1_000_000n);
    },
    expected: never,
    maxLength: 2000,
  },
];

function never(): boolean {
  return false;
}
