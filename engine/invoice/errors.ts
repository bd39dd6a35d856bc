/**
 * The one error type BOLT 11 decoding and payment-text parsing raise. It is a ValidationError (an
 * invoice is user input: pasted, scanned) whose `field` names the part that was wrong and whose
 * `code` is a stable machine-readable reason, so callers can branch without parsing messages.
 */
import { ValidationError } from '../lib/errors.ts';

export type InvoiceErrorCode =
  // bech32 (BOLT 11 "Encoding Overview": BIP 173 without the length limit)
  | 'not_a_string'
  | 'empty'
  | 'too_long'
  | 'malformed_bech32_no_separator'
  | 'malformed_bech32_mixed_case'
  | 'invalid_character'
  | 'bad_checksum'
  // human-readable part (BOLT 11 "Human-Readable Part")
  | 'unknown_prefix'
  | 'wrong_network'
  | 'invalid_amount'
  | 'invalid_multiplier'
  | 'sub_millisatoshi_precision'
  | 'amount_too_large'
  // data part (BOLT 11 "Data Part", "Tagged Fields")
  | 'too_short'
  | 'truncated_field'
  | 'missing_payment_hash'
  | 'missing_payment_secret'
  | 'missing_description'
  | 'multiple_descriptions'
  | 'invalid_description'
  | 'invalid_payee_node_id'
  | 'invalid_number'
  | 'invalid_route_hint'
  | 'unknown_even_feature'
  // signature (BOLT 11 "Data Part" requirements, `n` field)
  | 'signature_not_recoverable'
  | 'high_s_with_n_field'
  | 'invalid_signature'
  // writer-side checks (encodeInvoice)
  | 'invalid_field'
  // payment text (BIP 21 / `lightning:` URIs)
  | 'invalid_payment_text';

export class InvoiceError extends ValidationError {
  readonly code: InvoiceErrorCode;
  constructor(code: InvoiceErrorCode, field: string, message: string) {
    super(field, message);
    this.code = code;
  }
}
