/**
 * BOLT 3 "Bitcoin Transaction and Script Formats", as pure synchronous functions: key
 * derivation, scripts, the funding output, commitment and HTLC transactions, closing
 * transactions, fees, and their signatures. The BOLT 2 channel state machine builds on this.
 *
 * Conventions: bytes are Uint8Array, amounts bigint (sat or msat, as named), txids in internal
 * byte order, signatures 64-byte compact (the wire form); "local"/"remote" are BOLT 3's, i.e.
 * relative to the owner of the commitment being built. Bad arguments throw a ValidationError
 * naming the field.
 *
 * https://github.com/lightning/bolts/blob/master/03-transactions.md
 */
export * from './types.ts';
export * from './keys.ts';
export * from './scripts.ts';
export * from './funding.ts';
export * from './commitment-number.ts';
export * from './fees.ts';
export * from './ordering.ts';
export * from './sign.ts';
export * from './commitment.ts';
export * from './htlc-tx.ts';
export * from './closing.ts';
