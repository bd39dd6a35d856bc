/**
 * The channel backup file (issue 7 item 4): the static data of each channel that a node restored
 * from its seed needs to recover its money after losing its store — who the peer is and how to
 * reach it, which funding outpoint to watch, and the channel's public parameters (both sides'
 * basepoints, delays, dust limits), so that when the peer publishes its commitment we recognise
 * our `to_remote` and sweep it (BOLT 3 "to_remote Output": static_remotekey pays P2WPKH of our
 * `payment_basepoint`; anchors_zero_fee_htlc_tx pays P2WSH `<payment_basepoint> OP_CHECKSIGVERIFY
 * 1 OP_CHECKSEQUENCEVERIFY`). It holds no secret: every private key comes from the seed again
 * (engine/keys), and no commitment state (restoring one would risk broadcasting a revoked
 * commitment: BOLT 2 option_data_loss_protect is how we get our money back instead).
 *
 * File layout (pure codec; the salt comes in as an argument):
 *
 *   magic "GLBK" (4 bytes) · u8 version (1) · salt (32 random bytes, new for every file) ·
 *   ChaCha20-Poly1305 (RFC 8439, engine/crypto/aead.ts, nonce 0) of the plaintext, 16-byte tag,
 *   associated data = magic · version · salt
 *
 * key = HKDF-SHA256(salt, ikm = the seed's backup secret m/1017'/coin'/7'/0/0)[first 32 bytes]
 * (engine/crypto/hash.ts `hkdf2`, RFC 5869 with empty info). A fresh salt per file means a fresh
 * key per file, so the fixed nonce is never reused under one key.
 *
 * Plaintext v1: u8 network (0 bitcoin, 1 testnet, 2 signet, 3 regtest) · node id (33) ·
 * u64 createdAtSec · u32 nextChannelIndex · u16 channel count · per channel:
 *   channel_id (32) · u8 channel type (0 static_remotekey, 1 anchors_zero_fee_htlc_tx) ·
 *   u8 isFunder · u8 channelFlags · u32 channelIndex · peer node id (33) ·
 *   u16 + ASCII peer URI ('' = unknown) · u16 + ASCII proxy ('' = none) ·
 *   funding txid (32, internal order) · u16 funding output index · u64 fundingSat ·
 *   local params · remote params, each: u64 dustLimitSat · u64 maxHtlcValueInFlightMsat ·
 *   u64 channelReserveSat · u64 htlcMinimumMsat · u16 toSelfDelay · u16 maxAcceptedHtlcs ·
 *   funding pubkey, revocation, payment, delayed payment, htlc basepoints (33 each) ·
 *   u8 flag [u16 + upfront_shutdown_script]
 */
import { aeadDecrypt, aeadEncrypt } from '../crypto/aead.ts';
import { hkdf2 } from '../crypto/hash.ts';
import { CHANNEL_TYPES, type ChannelType } from '../channel/bolt3/types.ts';
import { readParams } from '../channel/codec.ts';
import type { ChannelParams, FundingOutpoint } from '../channel/types.ts';
import { concatBytes, equalBytes } from '../lib/bytes.ts';
import { DecodeError, ValidationError } from '../lib/errors.ts';
import { parsePeerUri } from '../peer/address.ts';
import { NETWORKS, type NetworkName } from '../wire/chains.ts';
import { POINT_LEN, readFixed, readPoint, writeFixed, writePoint } from '../wire/messages/channel-fields.ts';
import { ByteReader } from '../wire/reader.ts';
import { ByteWriter } from '../wire/writer.ts';
import { fromAscii } from './peer-book.ts';

export const BACKUP_MAGIC = new Uint8Array([0x47, 0x4c, 0x42, 0x4b]); // "GLBK"
export const BACKUP_VERSION = 1;
export const BACKUP_SALT_LEN = 32;
const HEADER_LEN = BACKUP_MAGIC.length + 1 + BACKUP_SALT_LEN;
const TAG_LEN = 16;
/** At most this many channels in one file (the u16 count). */
export const MAX_BACKUP_CHANNELS = 0xffff;

/** One channel's static recovery data. */
export interface BackupChannel {
  readonly channelId: Uint8Array;
  readonly channelType: ChannelType;
  readonly isFunder: boolean;
  readonly channelFlags: number;
  /** The keychain index of the channel's keys (Keychain.channelKeys). */
  readonly channelIndex: number;
  readonly peerNodeId: Uint8Array;
  /** Last known `pubkey@host:port` (or `pubkey@ws(s)://…`) of the peer; '' when none was dialled. */
  readonly peerUri: string;
  /** The proxy it was reached through; '' for none. */
  readonly proxy: string;
  readonly fundingOutpoint: FundingOutpoint;
  readonly fundingSat: bigint;
  /** Our public channel parameters and basepoints (the secrets come from the seed). */
  readonly localParams: ChannelParams;
  readonly remoteParams: ChannelParams;
}

export interface ChannelBackup {
  readonly network: NetworkName;
  /** Our node id (33 bytes): a backup only restores onto the same seed. */
  readonly nodeId: Uint8Array;
  readonly createdAtSec: number;
  /** The next unused channel key index when it was made: a restored node never reuses channel keys. */
  readonly nextChannelIndex: number;
  readonly channels: readonly BackupChannel[];
}

/** The key of one backup file: HKDF-SHA256 over the seed's backup secret, salted per file. */
export function backupKey(backupSecret: Uint8Array, salt: Uint8Array): Uint8Array {
  if (!(backupSecret instanceof Uint8Array) || backupSecret.length !== 32) throw new ValidationError('backupSecret', 'must be 32 bytes');
  if (!(salt instanceof Uint8Array) || salt.length !== BACKUP_SALT_LEN) throw new ValidationError('salt', `must be ${BACKUP_SALT_LEN} bytes`);
  return hkdf2(salt, backupSecret)[0];
}

/** Encrypt `backup` into the file bytes (`salt`: 32 fresh random bytes). */
export function sealBackup(backup: ChannelBackup, backupSecret: Uint8Array, salt: Uint8Array): Uint8Array {
  const plaintext = encodeBackupPlaintext(backup);
  const header = concatBytes(BACKUP_MAGIC, new Uint8Array([BACKUP_VERSION]), salt);
  return concatBytes(header, aeadEncrypt(backupKey(backupSecret, salt), 0, header, plaintext));
}

/**
 * Decrypt and decode a backup file. Throws DecodeError naming the problem: not a backup
 * (`backup.magic`), a version this code does not read (`backup.version`), a short file
 * (`backup`), a wrong seed or a corrupted byte (`backup.ciphertext`: the tag does not match),
 * or a malformed field inside (its name).
 */
export function openBackup(file: Uint8Array, backupSecret: Uint8Array): ChannelBackup {
  if (!(file instanceof Uint8Array)) throw new DecodeError('backup', 'expected bytes');
  if (file.length < BACKUP_MAGIC.length || !equalBytes(file.subarray(0, BACKUP_MAGIC.length), BACKUP_MAGIC)) throw new DecodeError('backup.magic', 'not a Glint channel backup file');
  if (file.length < HEADER_LEN + TAG_LEN) throw new DecodeError('backup', `truncated: ${file.length} bytes`);
  const version = file[BACKUP_MAGIC.length] as number;
  if (version !== BACKUP_VERSION) throw new DecodeError('backup.version', `unsupported version ${version} (this Glint reads ${BACKUP_VERSION})`);
  const header = file.subarray(0, HEADER_LEN);
  const salt = file.slice(BACKUP_MAGIC.length + 1, HEADER_LEN);
  let plaintext: Uint8Array;
  try {
    plaintext = aeadDecrypt(backupKey(backupSecret, salt), 0, header, file.subarray(HEADER_LEN));
  } catch {
    throw new DecodeError('backup.ciphertext', 'does not decrypt with this seed (another wallet\'s backup, or the file is corrupted)');
  }
  return decodeBackupPlaintext(plaintext);
}

// ---- plaintext ------------------------------------------------------------------------------------

function ascii(text: string, field: string): Uint8Array {
  if (typeof text !== 'string') throw new ValidationError(field, 'must be a string');
  const out = new Uint8Array(text.length);
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (c < 0x20 || c > 0x7e) throw new ValidationError(field, 'must be printable ASCII');
    out[i] = c;
  }
  return out;
}

function u32Field(n: number, field: string): number {
  if (!Number.isInteger(n) || n < 0 || n > 0xffffffff) throw new ValidationError(field, 'must be an integer 0 … 2^32 − 1');
  return n;
}

/** The same bytes as the channel snapshot's params (read back by its `readParams`), with every point validated on export. */
function writeParams(w: ByteWriter, p: ChannelParams, field: string): void {
  w.u64(p.dustLimitSat, `${field}.dustLimitSat`).u64(p.maxHtlcValueInFlightMsat, `${field}.maxHtlcValueInFlightMsat`);
  w.u64(p.channelReserveSat, `${field}.channelReserveSat`).u64(p.htlcMinimumMsat, `${field}.htlcMinimumMsat`);
  w.u16(p.toSelfDelay, `${field}.toSelfDelay`).u16(p.maxAcceptedHtlcs, `${field}.maxAcceptedHtlcs`);
  writePoint(w, p.fundingPubkey, `${field}.fundingPubkey`);
  writePoint(w, p.revocationBasepoint, `${field}.revocationBasepoint`);
  writePoint(w, p.paymentBasepoint, `${field}.paymentBasepoint`);
  writePoint(w, p.delayedPaymentBasepoint, `${field}.delayedPaymentBasepoint`);
  writePoint(w, p.htlcBasepoint, `${field}.htlcBasepoint`);
  if (p.upfrontShutdownScript !== undefined && p.upfrontShutdownScript.length > 0) w.u8(1).u16Prefixed(p.upfrontShutdownScript, `${field}.upfrontShutdownScript`);
  else w.u8(0);
}

function checkPeerUri(uri: string, peerNodeId: Uint8Array, field: string, Err: typeof DecodeError | typeof ValidationError): void {
  if (uri === '') return;
  let nodeId: Uint8Array;
  try {
    nodeId = parsePeerUri(uri).nodeId;
  } catch (err) {
    throw new Err(field, err instanceof Error ? err.message : String(err));
  }
  if (!equalBytes(nodeId, peerNodeId)) throw new Err(field, 'names another node than peerNodeId');
}

/** The plaintext body (validators name the bad field). */
export function encodeBackupPlaintext(b: ChannelBackup): Uint8Array {
  const network = NETWORKS.indexOf(b.network);
  if (network < 0) throw new ValidationError('network', `unknown network "${String(b.network)}"`);
  if (!Number.isSafeInteger(b.createdAtSec) || b.createdAtSec < 0) throw new ValidationError('createdAtSec', 'must be a non-negative integer');
  if (b.channels.length > MAX_BACKUP_CHANNELS) throw new ValidationError('channels', `at most ${MAX_BACKUP_CHANNELS}`);
  const w = new ByteWriter(256 + b.channels.length * 512).u8(network);
  writePoint(w, b.nodeId, 'nodeId');
  w.u64(BigInt(b.createdAtSec), 'createdAtSec').u32(u32Field(b.nextChannelIndex, 'nextChannelIndex'), 'nextChannelIndex').u16(b.channels.length, 'channels');
  b.channels.forEach((c, i) => {
    const f = `channels[${i}]`;
    const type = CHANNEL_TYPES.indexOf(c.channelType);
    if (type < 0) throw new ValidationError(`${f}.channelType`, `unknown channel type "${String(c.channelType)}"`);
    writeFixed(w, c.channelId, 32, `${f}.channelId`);
    w.u8(type).u8(c.isFunder ? 1 : 0).u8(c.channelFlags, `${f}.channelFlags`).u32(u32Field(c.channelIndex, `${f}.channelIndex`), `${f}.channelIndex`);
    if (c.channelIndex >= b.nextChannelIndex) throw new ValidationError(`${f}.channelIndex`, `must be below nextChannelIndex ${b.nextChannelIndex}`);
    writePoint(w, c.peerNodeId, `${f}.peerNodeId`);
    checkPeerUri(c.peerUri, c.peerNodeId, `${f}.peerUri`, ValidationError);
    w.u16Prefixed(ascii(c.peerUri, `${f}.peerUri`), `${f}.peerUri`).u16Prefixed(ascii(c.proxy, `${f}.proxy`), `${f}.proxy`);
    writeFixed(w, c.fundingOutpoint.txid, 32, `${f}.fundingOutpoint.txid`);
    w.u16(c.fundingOutpoint.index, `${f}.fundingOutpoint.index`);
    if (c.fundingSat <= 0n) throw new ValidationError(`${f}.fundingSat`, 'must be positive');
    w.u64(c.fundingSat, `${f}.fundingSat`);
    writeParams(w, c.localParams, `${f}.localParams`);
    writeParams(w, c.remoteParams, `${f}.remoteParams`);
  });
  return w.finish();
}

export function decodeBackupPlaintext(bytes: Uint8Array): ChannelBackup {
  const r = new ByteReader(bytes);
  const networkIndex = r.u8('backup.network');
  const network = NETWORKS[networkIndex];
  if (network === undefined) throw new DecodeError('backup.network', `unknown network ${networkIndex}`);
  const nodeId = readPoint(r, 'backup.nodeId');
  const createdAt = r.u64('backup.createdAtSec');
  if (createdAt > BigInt(Number.MAX_SAFE_INTEGER)) throw new DecodeError('backup.createdAtSec', 'out of range');
  const nextChannelIndex = r.u32('backup.nextChannelIndex');
  const count = r.u16('backup.channels');
  const channels: BackupChannel[] = [];
  const seen = new Set<string>();
  for (let i = 0; i < count; i++) {
    const f = `backup.channels[${i}]`;
    const channelId = readFixed(r, 32, `${f}.channelId`);
    const typeIndex = r.u8(`${f}.channelType`);
    const channelType = CHANNEL_TYPES[typeIndex];
    if (channelType === undefined) throw new DecodeError(`${f}.channelType`, `unknown channel type ${typeIndex}`);
    const funder = r.u8(`${f}.isFunder`);
    if (funder > 1) throw new DecodeError(`${f}.isFunder`, `must be 0 or 1, got ${funder}`);
    const channelFlags = r.u8(`${f}.channelFlags`);
    const channelIndex = r.u32(`${f}.channelIndex`);
    if (channelIndex >= nextChannelIndex) throw new DecodeError(`${f}.channelIndex`, `must be below nextChannelIndex ${nextChannelIndex}`);
    const peerNodeId = readPoint(r, `${f}.peerNodeId`);
    const peerUri = fromAscii(r.u16Prefixed(`${f}.peerUri`), `${f}.peerUri`);
    checkPeerUri(peerUri, peerNodeId, `${f}.peerUri`, DecodeError);
    const proxy = fromAscii(r.u16Prefixed(`${f}.proxy`), `${f}.proxy`);
    const fundingOutpoint = { txid: readFixed(r, 32, `${f}.fundingOutpoint.txid`), index: r.u16(`${f}.fundingOutpoint.index`) };
    const fundingSat = r.u64(`${f}.fundingSat`);
    if (fundingSat === 0n) throw new DecodeError(`${f}.fundingSat`, 'must be positive');
    const localParams = readParams(r, `${f}.localParams`);
    const remoteParams = readParams(r, `${f}.remoteParams`);
    const key = Array.from(channelId).join(',');
    if (seen.has(key)) throw new DecodeError(`${f}.channelId`, 'listed twice');
    seen.add(key);
    channels.push({ channelId, channelType, isFunder: funder === 1, channelFlags, channelIndex, peerNodeId, peerUri, proxy, fundingOutpoint, fundingSat, localParams, remoteParams });
  }
  if (!r.done) throw new DecodeError('backup', 'trailing bytes');
  return { network, nodeId, createdAtSec: Number(createdAt), nextChannelIndex, channels };
}

/** Checks `b` belongs to this node before anything is restored from it. */
export function checkBackupOwner(b: ChannelBackup, network: NetworkName, nodeId: Uint8Array): void {
  if (b.network !== network) throw new ValidationError('backup.network', `the backup is for ${b.network}, this wallet is on ${network}`);
  if (nodeId.length !== POINT_LEN || !equalBytes(b.nodeId, nodeId)) throw new ValidationError('backup.nodeId', 'the backup was made by another node (restore the wallet from the same seed first)');
}
