/**
 * BOLT 4 "Failure Messages": every `failure_code`, its spec name, and what it means in words a
 * person understands. The top byte is a set of flags (BADONION, PERM, NODE, UPDATE).
 */

const BADONION = 0x8000;
const PERM = 0x4000;
const NODE = 0x2000;
const UPDATE = 0x1000;

/** BOLT 4 failure codes, flags included. */
export const FailureCode = {
  BADONION,
  PERM,
  NODE,
  UPDATE,
  TEMPORARY_NODE_FAILURE: NODE | 2,
  PERMANENT_NODE_FAILURE: PERM | NODE | 2,
  REQUIRED_NODE_FEATURE_MISSING: PERM | NODE | 3,
  INVALID_ONION_VERSION: BADONION | PERM | 4,
  INVALID_ONION_HMAC: BADONION | PERM | 5,
  INVALID_ONION_KEY: BADONION | PERM | 6,
  TEMPORARY_CHANNEL_FAILURE: UPDATE | 7,
  PERMANENT_CHANNEL_FAILURE: PERM | 8,
  REQUIRED_CHANNEL_FEATURE_MISSING: PERM | 9,
  UNKNOWN_NEXT_PEER: PERM | 10,
  AMOUNT_BELOW_MINIMUM: UPDATE | 11,
  FEE_INSUFFICIENT: UPDATE | 12,
  INCORRECT_CLTV_EXPIRY: UPDATE | 13,
  EXPIRY_TOO_SOON: UPDATE | 14,
  INCORRECT_OR_UNKNOWN_PAYMENT_DETAILS: PERM | 15,
  /** Legacy (replaced by incorrect_or_unknown_payment_details); still decoded. */
  INCORRECT_PAYMENT_AMOUNT: PERM | 16,
  /** Legacy (replaced by incorrect_or_unknown_payment_details); still decoded. */
  FINAL_EXPIRY_TOO_SOON: 17,
  FINAL_INCORRECT_CLTV_EXPIRY: 18,
  FINAL_INCORRECT_HTLC_AMOUNT: 19,
  CHANNEL_DISABLED: UPDATE | 20,
  EXPIRY_TOO_FAR: 21,
  INVALID_ONION_PAYLOAD: PERM | 22,
  MPP_TIMEOUT: 23,
  INVALID_ONION_BLINDING: BADONION | PERM | 24,
} as const;

/** A failure as carried in `failuremsg`: the 2-byte code and the bytes after it. */
export interface FailureMessage {
  readonly code: number;
  /** The failure's fields after the code (including any trailing TLV stream). */
  readonly data: Uint8Array;
}

interface CodeInfo {
  readonly name: string;
  readonly words: string;
}

const CODES: ReadonlyMap<number, CodeInfo> = new Map([
  [FailureCode.TEMPORARY_NODE_FAILURE, { name: 'temporary_node_failure', words: 'a node on the route had a temporary problem' }],
  [FailureCode.PERMANENT_NODE_FAILURE, { name: 'permanent_node_failure', words: 'a node on the route cannot handle payments' }],
  [
    FailureCode.REQUIRED_NODE_FEATURE_MISSING,
    { name: 'required_node_feature_missing', words: 'a node on the route requires a feature this payment did not use' },
  ],
  [FailureCode.INVALID_ONION_VERSION, { name: 'invalid_onion_version', words: 'a node on the route could not read the payment packet (unknown version)' }],
  [FailureCode.INVALID_ONION_HMAC, { name: 'invalid_onion_hmac', words: 'a node on the route found the payment packet damaged (bad checksum)' }],
  [FailureCode.INVALID_ONION_KEY, { name: 'invalid_onion_key', words: 'a node on the route could not read the payment packet (bad key)' }],
  [
    FailureCode.TEMPORARY_CHANNEL_FAILURE,
    { name: 'temporary_channel_failure', words: 'a channel on the route could not carry the payment right now (often not enough balance)' },
  ],
  [FailureCode.PERMANENT_CHANNEL_FAILURE, { name: 'permanent_channel_failure', words: 'a channel on the route can no longer carry payments' }],
  [
    FailureCode.REQUIRED_CHANNEL_FEATURE_MISSING,
    { name: 'required_channel_feature_missing', words: 'a channel on the route requires a feature this payment did not use' },
  ],
  [FailureCode.UNKNOWN_NEXT_PEER, { name: 'unknown_next_peer', words: 'a node on the route does not know the next channel (it may be closed)' }],
  [FailureCode.AMOUNT_BELOW_MINIMUM, { name: 'amount_below_minimum', words: 'the amount is below the minimum a channel on the route accepts' }],
  [FailureCode.FEE_INSUFFICIENT, { name: 'fee_insufficient', words: 'the routing fee was too low for a node on the route' }],
  [FailureCode.INCORRECT_CLTV_EXPIRY, { name: 'incorrect_cltv_expiry', words: 'the time lock did not match what a node on the route requires' }],
  [FailureCode.EXPIRY_TOO_SOON, { name: 'expiry_too_soon', words: 'the payment’s time lock was too close for a node on the route' }],
  [
    FailureCode.INCORRECT_OR_UNKNOWN_PAYMENT_DETAILS,
    {
      name: 'incorrect_or_unknown_payment_details',
      words: 'the recipient does not know this payment (wrong hash, amount too low, or expired)',
    },
  ],
  [FailureCode.INCORRECT_PAYMENT_AMOUNT, { name: 'incorrect_payment_amount', words: 'the recipient rejected the amount' }],
  [FailureCode.FINAL_EXPIRY_TOO_SOON, { name: 'final_expiry_too_soon', words: 'the payment’s time lock was too close for the recipient' }],
  [
    FailureCode.FINAL_INCORRECT_CLTV_EXPIRY,
    { name: 'final_incorrect_cltv_expiry', words: 'the recipient got a time lock lower than the payment asked for' },
  ],
  [
    FailureCode.FINAL_INCORRECT_HTLC_AMOUNT,
    { name: 'final_incorrect_htlc_amount', words: 'the recipient got less than the payment asked for' },
  ],
  [FailureCode.CHANNEL_DISABLED, { name: 'channel_disabled', words: 'a channel on the route is disabled' }],
  [FailureCode.EXPIRY_TOO_FAR, { name: 'expiry_too_far', words: 'the payment’s time lock was too far in the future for a node on the route' }],
  [FailureCode.INVALID_ONION_PAYLOAD, { name: 'invalid_onion_payload', words: 'a node on the route could not understand its payment instructions' }],
  [FailureCode.MPP_TIMEOUT, { name: 'mpp_timeout', words: 'the recipient did not get all parts of the payment in time' }],
  [FailureCode.INVALID_ONION_BLINDING, { name: 'invalid_onion_blinding', words: 'the payment failed inside a blinded route' }],
]);

/** Every failure code BOLT 4 defines (legacy ones included). */
export const ALL_FAILURE_CODES: readonly number[] = [...CODES.keys()];

function hex4(code: number): string {
  return `0x${code.toString(16).padStart(4, '0')}`;
}

/** The BOLT 4 name of a failure code, e.g. 'incorrect_or_unknown_payment_details'; unknown codes: 'unknown_failure_0x….'. */
export function failureName(code: number): string {
  return CODES.get(code)?.name ?? `unknown_failure_${hex4(code)}`;
}

/** True when the flag (BADONION, PERM, NODE, UPDATE) is set in `code`. */
export function hasFailureFlag(code: number, flag: number): boolean {
  return (code & flag) !== 0;
}

/** What the code means in words a person understands (flags give the gist of an unknown code). */
export function failureWords(code: number): string {
  const known = CODES.get(code);
  if (known) return known.words;
  const kind = hasFailureFlag(code, NODE) ? 'a node on the route' : 'a channel on the route';
  const lasting = hasFailureFlag(code, PERM) ? 'permanently refused' : 'refused';
  return `${kind} ${lasting} the payment (failure ${hex4(code)})`;
}
