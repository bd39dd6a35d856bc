/**
 * The engine's public facade: the only module workers/ and cli/ import from engine/.
 */
export { PeerManager } from './node/peer-manager.ts';
export type { PeerInfo, PeerEvent, PeerManagerOptions } from './node/peer-manager.ts';
export { parsePeerUri, parseProxyUrl, proxyUrlFor, transportFor, formatPeerAddress } from './peer/address.ts';
export type { PeerAddress } from './peer/address.ts';
export { GLINT_INIT_FEATURES } from './peer/features.ts';
export { FeatureVector } from './wire/features.ts';
export type { FeatureSupport } from './wire/features.ts';
export { ValidationError, DecodeError, ProtocolError, errorMessage } from './lib/errors.ts';
export { bytesToHex, hexToBytes } from './lib/bytes.ts';
export { isValidSecretKey, publicKeyOf } from './crypto/secp256k1.ts';
export type { Clock, Dialer, Entropy, Logger, LogLevel, Pbkdf2Sha512, Socket, SocketHandlers, TransportTarget } from './ports.ts';
export { silentLogger } from './ports.ts';
export { chainHash, parseNetwork, NETWORKS } from './wire/chains.ts';
export type { NetworkName } from './wire/chains.ts';
// Storage (engine/store): the KVStore port, the encryption envelope, record codecs, memory store.
export type { KVStore, KVBatch } from './ports.ts';
export { MemoryKVStore } from './store/memory.ts';
export { EncryptedStore, DEFAULT_SCRYPT, HEADER_KEY, RESERVED_PREFIX } from './store/envelope.ts';
export type { ScryptParams, EnvelopeOptions } from './store/envelope.ts';
export { RecordCodec } from './store/records.ts';
export type { RecordCodecSpec, Migration, Decoded } from './store/records.ts';
export { SCHEMA, recordSpecFor } from './store/schema.ts';
export type { RecordSpec } from './store/schema.ts';
export { checkBatch, checkKey, checkPrefix, isEmptyBatch, MAX_KEY_LENGTH } from './store/batch.ts';
export { watchStorageFull } from './store/full-watch.ts';
export {
  CorruptRecordError,
  NoWalletError,
  StoreClosedError,
  StorageFullError,
  isStorageFull,
  UnsupportedVersionError,
  WalletExistsError,
  WrongPassphraseError,
} from './store/errors.ts';
// Chain (engine/chain): Esplora client, tip sync with reorg detection, watches, fee estimates.
export type { FetchLike, FetchResponseLike, AbortSignalLike } from './ports.ts';
export type { BlockStatus, ChainSource, ChainTip, FeeEstimates, OutSpend, ScriptTx, ScriptUtxo, TxStatus } from './chain/source.ts';
export { EsploraClient, scripthash, CHAIN_TXS_PER_PAGE } from './chain/esplora.ts';
export { DEFAULT_ESPLORA_URLS, PLAYGROUND_ESPLORA_URL, defaultEsploraUrl, parseEsploraUrl } from './chain/defaults.ts';
export type { EsploraClientOptions } from './chain/esplora.ts';
export { EsploraError } from './chain/errors.ts';
export type { EsploraErrorKind } from './chain/errors.ts';
export { DEFAULT_RETRY } from './chain/http.ts';
export type { AbortHandle, HttpStats, RetryPolicy } from './chain/http.ts';
export { feeRateForTarget, parseFeeEstimates, REGTEST_FEE_FALLBACK, MIN_FEE_RATE, MAX_FEE_RATE } from './chain/fees.ts';
export { ChainSync, TipWindow, DEFAULT_WINDOW } from './chain/sync.ts';
export type { ChainSyncOptions, ChainView, KnownBlock, SyncEvent, SyncSource } from './chain/sync.ts';
export { ChainMonitor, ChainWatcher } from './chain/watch.ts';
export type { ChainWatcherOptions, WatchEvent, WatchSource } from './chain/watch.ts';
export { parseHeader, parseTx, POW_LIMIT } from './chain/bitcoin.ts';
export type { BlockHeader } from './chain/bitcoin.ts';
export { WalletService } from './node/wallet-service.ts';
export type { CreateWalletOptions, OpenWalletOptions, SendPreview } from './node/wallet-service.ts';
// Keys (engine/keys): BIP 39 mnemonics, every derivation path, the keychain, BOLT 3 shachain.
export { generateMnemonic, jsPbkdf2Sha512, mnemonicFromEntropy, mnemonicToEntropy, mnemonicToSeed, normalizeMnemonic, validateMnemonic, MNEMONIC_WORD_COUNTS } from './keys/mnemonic.ts';
export {
  DERIVATION_PATHS,
  KEY_FAMILY,
  LIGHTNING_PURPOSE,
  BIP84_PURPOSE,
  HARDENED,
  RECEIVE_CHAIN,
  CHANGE_CHAIN,
  coinType,
  formatPath,
  lightningKeyPath,
  nodeKeyPath,
  bip84AccountPath,
  bip84Path,
} from './keys/derivation.ts';
export type { AddressChain, KeyFamily, PathIndexes } from './keys/derivation.ts';
export { Keychain } from './keys/keychain.ts';
export type { ChannelKeys } from './keys/keychain.ts';
export { OnchainAccount } from './keys/account.ts';
export { ShachainStore, shachainSecret, perCommitmentSecret, perCommitmentPoint, SHACHAIN_START_INDEX } from './keys/shachain.ts';
// On-chain wallet (engine/wallet): BIP 84 addresses, discovery, coin selection, signing, state codec.
export { OnchainWallet, parseAmount, MAX_MONEY_SAT } from './wallet/wallet.ts';
export type { SendRequest, PreparedTx, FundingRequest, FundingTx, ReceiveAddress, FeeChoice } from './wallet/wallet.ts';
export { parseAddress, addressFromScript, p2wpkhAddress } from './wallet/addresses.ts';
export type { ParsedAddress } from './wallet/addresses.ts';
export { classifyScript, dustThreshold, p2wpkhScript, p2wshScript } from './wallet/script.ts';
export type { ScriptType } from './wallet/script.ts';
export { InsufficientFundsError, selectCoins } from './wallet/coinselect.ts';
export type { Coin, Recipient, Selection, SelectionRequest } from './wallet/coinselect.ts';
export { buildSignedTx, keySigner } from './wallet/spend.ts';
export type { SignedTx, SpendInput, SpendRequest } from './wallet/spend.ts';
export { parseFeeRate, rateForTarget, feeRateFromSatPerVb, feeRateToSatPerVb, MIN_FEE_RATE_SAT_VB, MAX_FEE_RATE_SAT_VB, DEFAULT_TARGET_BLOCKS } from './wallet/fee.ts';
export type { FeeRate } from './wallet/fee.ts';
export { GAP_LIMIT, discoveryLowerBound } from './wallet/discovery.ts';
export { countRequests, measureRestore } from './wallet/request-count.ts';
export type { CountedChain, RestoreMeasurement } from './wallet/request-count.ts';
export { encodeWalletState, decodeWalletState, emptyWalletState, WALLET_STATE_VERSION } from './wallet/state.ts';
export type { WalletState, StoredTx, Reservation } from './wallet/state.ts';
export type { SyncReport } from './wallet/sync.ts';
export type { Balance, HistoryEntry, Utxo } from './wallet/utxos.ts';
// BOLT 11 invoices and payment texts (engine/invoice): decode/encode, expiry, features, BIP 21.
export { decodeInvoice, encodeInvoice, invoiceExpiresAtSec, isInvoiceExpired, invoiceFeatureProblem, invoiceFeatureNames, describeInvoice, parsePaymentText, signInvoiceDigest, InvoiceError, DEFAULT_EXPIRY_SEC, DEFAULT_MIN_FINAL_CLTV_EXPIRY_DELTA } from './invoice/index.ts';
export type { Invoice, InvoiceFields, InvoiceNetwork, InvoiceSigner, InvoiceErrorCode, RouteHintHop, InvoiceDescription, PaymentText } from './invoice/index.ts';
// The persistence barrier (engine/node/executor.ts, DESIGN.md rule 3): write-ahead, then effects.
export { PersistenceBarrier, DEFAULT_BARRIER_RETRY, MAX_BARRIER_RETRY_DELAY_MS } from './node/executor.ts';
export type { BarrierAction, BarrierRetryOptions, BatchResult, BatchStatus, CrashHook, CrashPhase, CrashPoint, EffectOf, PersistenceBarrierOptions } from './node/executor.ts';
// The channel state names (engine/channel/types.ts): the RPC protocol's ChannelDto.state.
export type { ChannelStateName } from './channel/types.ts';
export { ChannelManager, CHANNEL_KEY_PREFIX, CHANNEL_INDEX_KEY, CLOSE_TIMEOUT_MS } from './node/channels.ts';
export type { ChannelInfo, ChannelManagerEvent, ChannelManagerOptions, ChannelWallet, CloseOptions, CloseResult, OpenOptions } from './node/channels.ts';
// The whole node (engine/node/glint-node.ts): wallet + peers + channels + chain follower.
export { GlintNode, LIGHTNING_BALANCE_STATES, DEFAULT_POLL_INTERVAL_MS, DEFAULT_OPEN_TIMEOUT_MS, peerNodeIdOf } from './node/glint-node.ts';
export type { GlintNodeOptions, GlintNodeEvent, GlintBalance, GlintChain, StartOptions, ConnectOptions as NodeConnectOptions, OpenChannelOptions, CloseChannelOptions } from './node/glint-node.ts';
// Channel backups (issue 7 item 4): the encrypted file, its automatic re-export, import on restore.
export { openBackup, BACKUP_MAGIC } from './node/backup-codec.ts';
export type { ChannelBackup, BackupChannel } from './node/backup-codec.ts';
export { BackupExporter, backupFingerprint, sealStoreBackup } from './node/backup-exporter.ts';
export type { BackupSink, SealedBackup } from './node/backup-exporter.ts';
export { importBackupFile } from './node/backup-import.ts';
export type { BackupImporter } from './node/backup-import.ts';
export type { RestoreResult } from './node/backup-restore.ts';
export { LATEST_BACKUP_KEY, readLatestBackup, storeBackupSink, markBackupDownloaded } from './node/backup-latest.ts';
export type { LatestBackup } from './node/backup-latest.ts';
export { PeerBook, PEER_BOOK_KEY } from './node/peer-book.ts';
export type { PeerBookEntry } from './node/peer-book.ts';
export { TrustedPeers, TRUSTED_PEERS_KEY, parseTrustedNodeId } from './node/trusted-peers.ts';
export { CHANNEL_STORE_PREFIXES } from './node/wallet-service.ts';
// Onions (engine/onion, BOLT 4): failure codes and their words, for payment results in the CLI/UI.
export { FailureCode, failureName, failureWords, describeFailure, ONION_PACKET_SIZE } from './onion/index.ts';
export type { FailureMessage, DecodedFailure, HopPayload } from './onion/index.ts';
// Payments (engine/node/payments): history records, pay/keysend results, invoice options.
export { PaymentManager, INVOICE_MIN_FINAL_CLTV_EXPIRY_DELTA, DEFAULT_INVOICE_EXPIRY_SEC } from './node/payments/manager.ts';
export { DEFAULT_MAX_CLTV_EXPIRY_DELTA, DEFAULT_PAY_TIMEOUT_MS, DEFAULT_MAX_FEE_FLOOR_MSAT, DEFAULT_MAX_FEE_PPM, defaultMaxFeeMsat } from './node/payments/types.ts';
export type { PaymentStatus, PaymentRecord, PaymentHtlcInfo, PayOptions, PayResult, InvoiceOptions, FeeEstimate } from './node/payments/types.ts';
