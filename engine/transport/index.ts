/**
 * BOLT 8 transport: Noise_XK handshake (acts 1-3), message framing and key rotation.
 * Sans-I/O: bytes in, bytes out; the ephemeral key comes in as an argument.
 */
export { TransportError, type TransportStage } from './errors.ts';
export { NoiseSession, type NoiseKeys, MAX_MESSAGE_LENGTH, MAX_FRAME_LENGTH, LENGTH_HEADER_LENGTH, MAC_LENGTH } from './session.ts';
export { CipherState, KEY_ROTATION_INTERVAL } from './cipher.ts';
export {
  ACT1_LENGTH,
  ACT2_LENGTH,
  ACT3_LENGTH,
  HANDSHAKE_VERSION,
  initHandshake,
  writeAct1,
  readAct1,
  writeAct2,
  readAct2,
  writeAct3,
  readAct3,
  type HandshakeState,
  type TransportKeys,
} from './handshake.ts';
