/**
 * Bitcoin Core's answers for a rejected `sendrawtransaction`, rebuilt from bcoin's VerifyErrors,
 * so the Esplora facade reports rejections as electrs does:
 * `sendrawtransaction RPC error: {"code":-26,"message":"min relay fee not met, 100 < 141"}`.
 *
 * Core's codes: -22 decode failure, -25 missing/spent inputs or a fee above maxfeerate,
 * -26 mempool policy rejection (with Core's reject reason), -27 outputs already in the UTXO set.
 */

export class TxRejected extends Error {
  override readonly name = 'TxRejected';
  /** Core's RPC error code (-22, -25, -26, -27). */
  readonly code: number;
  readonly txid: string | undefined;

  /** `message` is Core's reject message, e.g. `txn-mempool-conflict`. */
  constructor(code: number, message: string, txid?: string) {
    super(message);
    this.code = code;
    this.txid = txid;
  }

  /** The text electrs answers with (HTTP 400). */
  get rpcError(): string {
    return rpcErrorText(this.code, this.message);
  }
}

export function rpcErrorText(code: number, message: string): string {
  return `sendrawtransaction RPC error: ${JSON.stringify({ code, message })}`;
}

export const RPC_DESERIALIZATION_ERROR = -22;
export const RPC_TRANSACTION_ERROR = -25;
export const RPC_TRANSACTION_REJECTED = -26;
export const RPC_TRANSACTION_ALREADY_IN_CHAIN = -27;

export const decodeFailed = (): TxRejected =>
  new TxRejected(RPC_DESERIALIZATION_ERROR, 'TX decode failed. Make sure the tx has at least one input.');

/** Core's `ScriptErrorString` for the ScriptError codes bcoin uses. */
const SCRIPT_ERROR_TEXT: Record<string, string> = {
  EVAL_FALSE: 'Script evaluated without error but finished with a false/empty top stack element',
  OP_RETURN: 'OP_RETURN was encountered',
  SCRIPT_SIZE: 'Script is too big',
  PUSH_SIZE: 'Push value size limit exceeded',
  OP_COUNT: 'Operation limit exceeded',
  STACK_SIZE: 'Stack size limit exceeded',
  SIG_COUNT: 'Signature count negative or greater than pubkey count',
  PUBKEY_COUNT: 'Pubkey count negative or limit exceeded',
  VERIFY: 'Script failed an OP_VERIFY operation',
  EQUALVERIFY: 'Script failed an OP_EQUALVERIFY operation',
  CHECKMULTISIGVERIFY: 'Script failed an OP_CHECKMULTISIGVERIFY operation',
  CHECKSIGVERIFY: 'Script failed an OP_CHECKSIGVERIFY operation',
  NUMEQUALVERIFY: 'Script failed an OP_NUMEQUALVERIFY operation',
  BAD_OPCODE: 'Opcode missing or not understood',
  DISABLED_OPCODE: 'Attempted to use a disabled opcode',
  INVALID_STACK_OPERATION: 'Operation not valid with the current stack size',
  INVALID_ALTSTACK_OPERATION: 'Operation not valid with the current altstack size',
  UNBALANCED_CONDITIONAL: 'Invalid OP_IF construction',
  NEGATIVE_LOCKTIME: 'Negative locktime',
  UNSATISFIED_LOCKTIME: 'Locktime requirement not satisfied',
  SIG_HASHTYPE: 'Signature hash type missing or not understood',
  SIG_DER: 'Non-canonical DER signature',
  MINIMALDATA: 'Data push larger than necessary',
  SIG_PUSHONLY: 'Only push operators allowed in signatures',
  SIG_HIGH_S: 'Non-canonical signature: S value is unnecessarily high',
  SIG_NULLDUMMY: 'Dummy CHECKMULTISIG argument must be zero',
  PUBKEYTYPE: 'Public key is neither compressed or uncompressed',
  CLEANSTACK: 'Stack size must be exactly one after execution',
  MINIMALIF: 'OP_IF/NOTIF argument must be minimal',
  NULLFAIL: 'Signature must be zero for failed CHECK(MULTI)SIG operation',
  DISCOURAGE_UPGRADABLE_NOPS: 'NOPx reserved for soft-fork upgrades',
  DISCOURAGE_UPGRADABLE_WITNESS_PROGRAM: 'Witness version reserved for soft-fork upgrades',
  WITNESS_PROGRAM_WRONG_LENGTH: 'Witness program has incorrect length',
  WITNESS_PROGRAM_WITNESS_EMPTY: 'Witness program was passed an empty witness',
  WITNESS_PROGRAM_MISMATCH: 'Witness program hash mismatch',
  WITNESS_MALLEATED: 'Witness requires empty scriptSig',
  WITNESS_MALLEATED_P2SH: 'Witness requires only-redeemscript scriptSig',
  WITNESS_UNEXPECTED: 'Witness provided for non-witness script',
  WITNESS_PUBKEYTYPE: 'Using non-compressed keys in segwit',
};

export function scriptErrorText(code: string): string {
  return SCRIPT_ERROR_TEXT[code] ?? code;
}

/** bcoin mempool reject reasons that Core spells differently. */
const REASON_MAP: Record<string, { code: number; message: string }> = {
  'bad-txns-inputs-spent': { code: RPC_TRANSACTION_REJECTED, message: 'txn-mempool-conflict' },
  'txn-already-known': { code: RPC_TRANSACTION_ALREADY_IN_CHAIN, message: 'Transaction outputs already in utxo set' },
  'absurdly-high-fee': { code: RPC_TRANSACTION_ERROR, message: 'Fee exceeds maximum configured by user (e.g. -maxtxfee, maxfeerate)' },
  'too-long-mempool-chain': { code: RPC_TRANSACTION_REJECTED, message: 'too-long-mempool-chain, too many unconfirmed ancestors [limit: 25]' },
};

/** A bcoin VerifyError reason → Core's code and message (script failures are detailed by the caller). */
export function mapRejectReason(reason: string): { code: number; message: string } {
  return REASON_MAP[reason] ?? { code: RPC_TRANSACTION_REJECTED, message: reason };
}

export interface VerifyErrorLike {
  type: 'VerifyError';
  reason: string;
  code: string;
}

export function isVerifyError(error: unknown): error is VerifyErrorLike {
  return typeof error === 'object' && error !== null && (error as { type?: unknown }).type === 'VerifyError';
}
