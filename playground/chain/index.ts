/**
 * The regtest chain of the playground and the interop tests: a real bcoin chain in memory with
 * Core-like mempool policy (regtest-chain.ts), an Esplora-compatible HTTP API (esplora.ts), and
 * a block feed to LDK nodes (ldk-feed.ts).
 */
export { RegtestChain, FEE_TARGETS } from './regtest-chain.ts';
export type {
  BlockEvent,
  ChainBlock,
  ChainTipInfo,
  DroppedTx,
  MineOptions,
  RegtestChainOptions,
  ReorgOptions,
  ReorgResult,
  SubmitResult,
} from './regtest-chain.ts';
export { activationMode } from './bcoin-loader.ts';
export type { ActivationMode } from './bcoin-loader.ts';
export { startEsplora, merkleBranch } from './esplora.ts';
export type { EsploraOptions, EsploraRequestRecord, EsploraServer, InterceptResponse } from './esplora.ts';
export { attachLdk, createLdkNodeAtTip, ldkBestBlock } from './ldk-feed.ts';
export type { BroadcastSubmission, LdkFeed, LdkFeedOptions } from './ldk-feed.ts';
export { TxRejected, rpcErrorText } from './policy.ts';
export { addressToScript, scriptAddress, scriptAsm, scriptType, scripthashOf, toScriptPubKey } from './script.ts';
export type { EsploraScriptType } from './script.ts';
export { ConfirmedIndex, MempoolView } from './indexes.ts';
export type { BlockRecord, Prevout, TxRecord } from './indexes.ts';
export { RegtestWallet } from './wallet.ts';
export type { PayOptions, SignOptions, SignedTx, TxOutput, WalletUtxo } from './wallet.ts';
