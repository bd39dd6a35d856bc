/**
 * The one error type of the BOLT 8 transport. Anything wrong with the bytes a peer sent during the
 * handshake (BOLT 8 "Authenticated Key Exchange Handshake Specification") or in an encrypted frame
 * (BOLT 8 "Receiving and Decrypting Messages") raises a `TransportError`; the connection must then
 * be dropped (the spec says: "MUST ... terminate the connection").
 */

/** Where in the protocol a transport failure happened. */
export type TransportStage = 'act1' | 'act2' | 'act3' | 'message' | 'session';

export class TransportError extends Error {
  override readonly name = 'TransportError';
  /** The act (1, 2, 3) or `message` (framing) that failed; `session` for a dead session. */
  readonly stage: TransportStage;
  constructor(message: string, stage: TransportStage = 'session') {
    super(message);
    this.stage = stage;
  }
}
