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
export type { Clock, Dialer, Entropy, Logger, LogLevel, Socket, SocketHandlers, TransportTarget } from './ports.ts';
export { silentLogger } from './ports.ts';
export { chainHash, parseNetwork, NETWORKS } from './wire/chains.ts';
export type { NetworkName } from './wire/chains.ts';
