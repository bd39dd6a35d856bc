/**
 * Store errors. Each one says which record (key) is involved and what the caller can do; none of
 * them is ever handled by deleting or replacing data.
 */

/** The passphrase does not unlock this wallet's key (the header's key check failed). */
export class WrongPassphraseError extends Error {
  override readonly name = 'WrongPassphraseError';
  constructor() {
    super('wrong passphrase: it does not unlock this wallet (nothing was read or changed)');
  }
}

/** The store holds no wallet: there is no `glint/header` record. */
export class NoWalletError extends Error {
  override readonly name = 'NoWalletError';
  constructor(detail = 'the store has no glint/header record') {
    super(`no wallet here: ${detail}; create a wallet or restore one from its seed`);
  }
}

/** `create` was called on a store that already holds a wallet. */
export class WalletExistsError extends Error {
  override readonly name = 'WalletExistsError';
  constructor() {
    super('a wallet already exists in this store (glint/header is present); open it instead of creating a new one');
  }
}

/**
 * A stored record failed to decrypt or parse: it was damaged, tampered with, or moved from another
 * key. The record is left exactly as it is, for recovery or forensics.
 */
export class CorruptRecordError extends Error {
  override readonly name: string = 'CorruptRecordError';
  readonly key: string;
  /** `cause` is the decoder's own error, when a codec refused the bytes (records.ts). */
  constructor(key: string, reason: string, message = `record "${key}" is corrupt: ${reason} (it was left untouched)`, options?: { cause?: unknown }) {
    super(message, options);
    this.key = key;
  }
}

/**
 * A record says it has a format version newer than this build understands (written by a newer
 * Glint, or its version byte was damaged). A CorruptRecordError too: the record cannot be read.
 */
export class UnsupportedVersionError extends CorruptRecordError {
  override readonly name: string = 'UnsupportedVersionError';
  readonly version: number;
  constructor(key: string, version: number, newest: number) {
    super(key, `version ${version}`, `record "${key}" has format version ${version}, but this build reads up to ${newest}: update Glint to open it (the record was left untouched)`);
    this.version = version;
  }
}

/** The store was closed (or failed) and cannot be used any more. */
export class StoreClosedError extends Error {
  override readonly name = 'StoreClosedError';
  constructor(what = 'the store') {
    super(`${what} is closed`);
  }
}

/**
 * The store's schema version (migrations.ts) is newer than this build knows: a newer Glint wrote
 * this wallet. Nothing is read further or written.
 */
export class NewerSchemaError extends Error {
  override readonly name = 'NewerSchemaError';
  readonly version: number;
  constructor(version: number, newest: number) {
    super(`this wallet was written by a newer Glint (store schema ${version}; this build knows up to ${newest}): update Glint to open it (nothing was changed)`);
    this.version = version;
  }
}

/**
 * The storage the store writes to is full (IndexedDB `QuotaExceededError`, a disk with no space:
 * ENOSPC). The write was refused as a whole — IndexedDB aborts the transaction, the file store
 * appends nothing it reports as written — so the store holds exactly what it held before: nothing
 * saved was lost, and the persistence barrier sends nothing that depended on the refused write.
 */
export class StorageFullError extends Error {
  override readonly name = 'StorageFullError';
  /** The storage layer's own words (e.g. `QuotaExceededError: …`), for the logs. */
  readonly detail: string;
  constructor(detail: string) {
    super(`storage full: free space, nothing was lost (the last change was not saved, so nothing depending on it was sent; ${detail})`);
    this.detail = detail;
  }
}

/** True for a StorageFullError, also one that crossed a realm (name only). */
export function isStorageFull(err: unknown): err is StorageFullError {
  return err instanceof StorageFullError || (err instanceof Error && err.name === 'StorageFullError');
}
