/**
 * The record upgraders the store migrations use (engine/store/migrations.ts, schema 1 → 2): for
 * each schema row whose codec lives outside store/, how to re-encode a record written in an older
 * format in the current one. Only records below their codec's current version are rewritten.
 */
import { CHANNEL_SNAPSHOT_VERSION, decodeChannelState, encodeChannelState } from '../channel/index.ts';
import { decodeRevokedCommitment, encodeRevokedCommitment, REVOKED_RECORD_VERSION } from '../channel/bolt5/revoked.ts';
import { reencodeBelow, type RecordUpgrades } from '../store/migrations.ts';
import type { RecordCodec } from '../store/records.ts';
import { decodeWalletState, encodeWalletState, WALLET_STATE_VERSION } from '../wallet/state.ts';
import { incomingPaymentCodec, INCOMING_PAYMENT_PREFIX, OUTGOING_PAYMENT_PREFIX, outgoingPaymentCodec } from './payments/records.ts';
import { PEER_BOOK_KEY, peerBookCodec } from './peer-book.ts';
import { TRUSTED_PEERS_KEY, trustedPeersCodec } from './trusted-peers.ts';

function viaCodec<T>(codec: RecordCodec<T>) {
  return reencodeBelow(codec.version, (bytes) => codec.encode(codec.decode(bytes)));
}

export const STORE_UPGRADES: RecordUpgrades = Object.freeze({
  'channel/': reencodeBelow(CHANNEL_SNAPSHOT_VERSION, (b) => encodeChannelState(decodeChannelState(b))),
  'channel-revoked/': reencodeBelow(REVOKED_RECORD_VERSION, (b) => encodeRevokedCommitment(decodeRevokedCommitment(b))),
  'wallet/onchain': reencodeBelow(WALLET_STATE_VERSION, (b) => encodeWalletState(decodeWalletState(b))),
  [OUTGOING_PAYMENT_PREFIX]: viaCodec(outgoingPaymentCodec),
  [INCOMING_PAYMENT_PREFIX]: viaCodec(incomingPaymentCodec),
  [PEER_BOOK_KEY]: viaCodec(peerBookCodec),
  [TRUSTED_PEERS_KEY]: viaCodec(trustedPeersCodec),
});
