/** Why the site's keys could not be used; each code maps to one clear message and a non-zero exit. */
export type KeyCustodyCode =
  | 'KEY_FILE_MISSING'
  | 'KEY_FILE_INVALID'
  | 'KEY_FILE_PERMISSIONS'
  | 'KEY_FILE_INSIDE_DATA_DIR'
  | 'KEY_FILE_EXISTS'
  | 'WRONG_KEK'
  | 'WRONG_SOURCE'
  | 'KEYRING_INVALID'
  | 'KEYRING_MISSING'
  | 'PASSPHRASE_REQUIRED'
  | 'PASSPHRASE_WEAK'
  | 'REKEY_INTERRUPTED'
  | 'KEYCHAIN_UNAVAILABLE'
  | 'KEYCHAIN_CHANGED'
  | 'KEYCHAIN_UNREADABLE';

/** A key-custody problem the operator can act on; the message says what to do. */
export class KeyCustodyError extends Error {
  constructor(
    readonly code: KeyCustodyCode,
    message: string,
  ) {
    super(message);
    this.name = 'KeyCustodyError';
  }
}
