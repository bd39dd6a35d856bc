/**
 * Typed errors. Every error the engine raises on bad input is one of these, so callers can tell
 * a peer's malformed bytes from a bug, and every message names the field that was wrong.
 */

/** Bytes from outside (a peer, a store, a QR code) did not decode. `field` names what was wrong. */
export class DecodeError extends Error {
  override readonly name = 'DecodeError';
  readonly field: string;
  constructor(field: string, message: string) {
    super(`${field}: ${message}`);
    this.field = field;
  }
}

/** A value supplied by a caller (CLI flag, RPC argument, user input) is invalid. */
export class ValidationError extends Error {
  override readonly name = 'ValidationError';
  readonly field: string;
  constructor(field: string, message: string) {
    super(`${field}: ${message}`);
    this.field = field;
  }
}

/** A protocol rule was broken by the remote side; the connection should be dropped. */
export class ProtocolError extends Error {
  override readonly name = 'ProtocolError';
}

/** Render anything thrown as a one-line reason. */
export function errorMessage(err: unknown): string {
  if (err instanceof Error) return err.message;
  return String(err);
}
