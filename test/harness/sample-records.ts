/**
 * Representative stored records, written by the real codecs: an outgoing and an incoming payment
 * (engine/node/payments/records.ts), an on-chain wallet state with a transaction and a
 * reservation (engine/wallet/state.ts), a peer book and a trusted-peers list. Used by the fuzz
 * seeds, the old-schema store fixture and the storage tests.
 */
import { sha256 } from '../../engine/crypto/hash.ts';
import { publicKeyOf } from '../../engine/crypto/secp256k1.ts';
import { bytesToHex, hexToBytes } from '../../engine/lib/bytes.ts';
import { incomingPaymentCodec, outgoingPaymentCodec, type StoredIncomingPayment, type StoredOutgoingPayment } from '../../engine/node/payments/records.ts';
import { peerBookCodec } from '../../engine/node/peer-book.ts';
import { trustedPeersCodec } from '../../engine/node/trusted-peers.ts';
import { emptyWalletState, encodeWalletState, type WalletState } from '../../engine/wallet/state.ts';

export const PEER_ID = bytesToHex(publicKeyOf(new Uint8Array(32).fill(0x5a)));
const OTHER_PEER_ID = bytesToHex(publicKeyOf(new Uint8Array(32).fill(0x6b)));
const PREIMAGE = sha256(Uint8Array.of(1, 2, 3));
/** The BOLT 3 funding tx vector (a real segwit transaction). */
export const SAMPLE_TX_HEX =
  '0200000001adbb20ea41a8423ea937e76e8151636bf6093b70eaff942930d20576600521fd000000006b48304502210090587b6201e166ad6af0227d3036a9454223d49a1f11839c1a362184340ef0240220577f7cd5cca78719405cbf1de7414ac027f0239ef6e214c90fcaab0454d84b3b012103535b32d5eb0a6ed0982a0479bbadc9868d9836f6ba94dd5a63be16d875069184ffffffff028096980000000000220020c015c4a6be010e21657068fc2e6a9d02b27ebe4d490a25846f7237f104d1a3cd20256d29010000001600143ca33c2e4446f4a305f23c80df8ad1afdcf652f900000000';
export const SAMPLE_TXID = '8984484a580b825b9972d7adb15050b3ab624ccd731946b3eeddb92f4e7ef6be';

export function sampleOutgoing(): StoredOutgoingPayment {
  return {
    paymentHash: sha256(PREIMAGE),
    kind: 'invoice',
    status: 'succeeded',
    amountMsat: 25_000_000n,
    createdAtSec: 1_800_000_000,
    payee: hexToBytes(PEER_ID),
    maxFeeMsat: 250_000n,
    maxCltvExpiryDelta: 1008,
    parts: [
      {
        index: 0,
        channelId: new Uint8Array(32).fill(0xc1),
        htlcId: 3n,
        amountMsat: 25_000_000n,
        payeeMsat: 25_000_000n,
        cltvExpiry: 640,
        status: 'succeeded',
        hops: [{ nodeId: hexToBytes(PEER_ID) }],
        sharedSecrets: [new Uint8Array(32).fill(0x5e)],
      },
    ],
    settledAtSec: 1_800_000_009,
    preimage: PREIMAGE,
    description: 'coffee',
  };
}

export function sampleIncoming(): StoredIncomingPayment {
  const preimage = sha256(Uint8Array.of(4, 5, 6));
  return {
    paymentHash: sha256(preimage),
    kind: 'invoice',
    status: 'pending',
    amountMsat: 7_000_000n,
    createdAtSec: 1_800_000_100,
    preimage,
    minFinalCltvExpiryDelta: 18,
    parts: [],
    invoiceAmountMsat: 7_000_000n,
    paymentSecret: new Uint8Array(32).fill(0x11),
    description: 'tea',
    expiresAtSec: 1_800_003_700,
  };
}

export function sampleWalletState(): WalletState {
  return {
    ...emptyWalletState('regtest'),
    receiveLastUsed: 0,
    receiveNext: 2,
    changeLastUsed: -1,
    changeNext: 0,
    tipHeight: 120,
    tipHash: '0f9188f13cb7b2c71f2a335e3a4fc328bf5beb436012afca590b1a11466e2206',
    txs: [{ txid: SAMPLE_TXID, raw: hexToBytes(SAMPLE_TX_HEX), status: { confirmed: true, blockHeight: 110, blockHash: '0f9188f13cb7b2c71f2a335e3a4fc328bf5beb436012afca590b1a11466e2206', blockTime: 1_700_000_000 } }],
    reservations: [{ txid: SAMPLE_TXID, outpoints: [{ txid: SAMPLE_TXID, vout: 1 }] }],
  };
}

/** Each sample record, encoded by its codec (key suffixes are the payment hashes). */
export function sampleRecordBytes(): { outgoing: Uint8Array; incoming: Uint8Array; wallet: Uint8Array; peers: Uint8Array; trusted: Uint8Array } {
  return {
    outgoing: outgoingPaymentCodec.encode(sampleOutgoing()),
    incoming: incomingPaymentCodec.encode(sampleIncoming()),
    wallet: encodeWalletState(sampleWalletState()),
    peers: peerBookCodec.encode([{ nodeId: PEER_ID, uri: `${PEER_ID}@127.0.0.1:9735` }, { nodeId: OTHER_PEER_ID, uri: `${OTHER_PEER_ID}@127.0.0.2:9736`, proxy: 'ws://127.0.0.1:8080' }]),
    trusted: trustedPeersCodec.encode([PEER_ID]),
  };
}
