import { randomBytes } from 'node:crypto';
import { KeyCustodyError } from './errors.js';
import type { KekParams, KekSource } from './kek.js';

/**
 * The part of Electron's `safeStorage` this source uses, so the Service never imports Electron and the
 * tests can supply a real cipher. `getSelectedStorageBackend` exists only on Linux.
 */
export interface SafeStoragePort {
  isEncryptionAvailable(): boolean;
  encryptString(plainText: string): Buffer;
  decryptString(encrypted: Buffer): string;
  getSelectedStorageBackend?(): string;
}

/** The text sealed by the keychain: a versioned prefix lets unlock tell a KEK from any other string. */
const PREFIX = 'lintel-kek-v1:';

/** Chromium's `--password-store` value for each Linux backend that is real custody. */
const PASSWORD_STORE_FLAG: Record<string, string> = {
  gnome_libsecret: 'gnome-libsecret',
  kwallet: 'kwallet',
  kwallet5: 'kwallet5',
  kwallet6: 'kwallet6',
};

const GET_A_KEYCHAIN =
  'install and unlock GNOME Keyring (libsecret) or KWallet in this desktop session, ' +
  'or start Lintel with --password-store=gnome-libsecret (or kwallet5, kwallet6)';

/** The Linux backend in use, or undefined on platforms that have only one keychain. */
function currentBackend(port: SafeStoragePort, platform: NodeJS.Platform): string | undefined {
  return platform === 'linux' ? (port.getSelectedStorageBackend?.() ?? 'unknown') : undefined;
}

/**
 * Why safeStorage cannot hold the site's key on this machine right now, or undefined when it can. On
 * Linux `isEncryptionAvailable()` is true even for `basic_text`, which encrypts with a password built
 * into Chromium: anyone who copies the files can read them, so it is refused as no custody at all.
 */
export function safeStorageRefusal(
  port: SafeStoragePort,
  platform: NodeJS.Platform,
): KeyCustodyError | undefined {
  if (!port.isEncryptionAvailable()) {
    const how =
      platform === 'linux'
        ? GET_A_KEYCHAIN
        : platform === 'darwin'
          ? 'unlock the login keychain and start Lintel again'
          : 'log in to Windows with your own account and start Lintel again';
    return new KeyCustodyError('KEYCHAIN_UNAVAILABLE', `the OS keychain is not available to Lintel: ${how}`);
  }
  const backend = currentBackend(port, platform);
  if (backend === 'basic_text') {
    return new KeyCustodyError(
      'KEYCHAIN_UNAVAILABLE',
      'this desktop session has no OS keychain (Electron would use its "basic_text" store, whose ' +
        `password is built into the program, so it protects nothing): ${GET_A_KEYCHAIN}`,
    );
  }
  if (backend === 'unknown') {
    return new KeyCustodyError(
      'KEYCHAIN_UNAVAILABLE',
      `the OS keychain of this desktop session could not be identified: ${GET_A_KEYCHAIN}`,
    );
  }
  return undefined;
}

/** The refusal for a wrap sealed by another Linux keychain than the one this session uses. */
function backendChanged(recorded: string, current: string): KeyCustodyError {
  const flag = PASSWORD_STORE_FLAG[recorded];
  const back = flag
    ? `log in to a desktop session that uses ${recorded}, or start Lintel with --password-store=${flag}`
    : `log in to a desktop session that uses ${recorded}`;
  return new KeyCustodyError(
    'KEYCHAIN_CHANGED',
    `the site's key was sealed by the OS keychain "${recorded}", but this desktop session uses ` +
      `"${current}", which cannot open it: ${back}. If that keychain is gone, the site can only be ` +
      'recovered from a site export (made with its passphrase) imported into a new site',
  );
}

/**
 * A KEK sealed by the OS keychain through Electron `safeStorage` (Keychain on macOS, DPAPI on Windows,
 * libsecret or KWallet on Linux). The sealed blob lives in the keyring wrap itself, so the keychain
 * holds only the key that seals it and the site folder alone is useless on another account or machine.
 */
export class SafeStorageSource implements KekSource {
  readonly kind = 'safe-storage' as const;
  readonly label: string;

  constructor(
    private readonly port: SafeStoragePort,
    private readonly platform: NodeJS.Platform,
  ) {
    const backend = platform === 'linux' ? port.getSelectedStorageBackend?.() : undefined;
    this.label = backend ? `the OS keychain (${backend})` : 'the OS keychain';
  }

  private usableBackend(): string | undefined {
    const refusal = safeStorageRefusal(this.port, this.platform);
    if (refusal) throw refusal;
    return currentBackend(this.port, this.platform);
  }

  async unlock(params: KekParams): Promise<Buffer> {
    if (params.kind !== 'safe-storage') throw new Error('SafeStorageSource.unlock: not a safe-storage wrap');
    const backend = this.usableBackend();
    // Checked before decrypting: another keychain would only fail with an unhelpful decryption error.
    if (params.backend && backend && params.backend !== backend)
      throw backendChanged(params.backend, backend);
    let text: string;
    try {
      text = this.port.decryptString(Buffer.from(params.blob, 'base64'));
    } catch {
      throw unreadable();
    }
    // Chromium's macOS and Linux formats are AES-CBC without a MAC, so an altered blob can "decrypt" to
    // garbage: only a well-formed KEK is accepted (and the keyring then checks its key id).
    const key = text.startsWith(PREFIX) ? Buffer.from(text.slice(PREFIX.length), 'base64url') : undefined;
    if (!key || key.length !== 32 || key.toString('base64url') !== text.slice(PREFIX.length))
      throw unreadable();
    return key;
  }

  async generate(): Promise<{ key: Buffer; params: KekParams }> {
    const backend = this.usableBackend();
    const key = randomBytes(32);
    const blob = this.port.encryptString(`${PREFIX}${key.toString('base64url')}`).toString('base64');
    return {
      key,
      params: backend ? { kind: 'safe-storage', blob, backend } : { kind: 'safe-storage', blob },
    };
  }
}

function unreadable(): KeyCustodyError {
  return new KeyCustodyError(
    'KEYCHAIN_UNREADABLE',
    "the OS keychain could not unseal the site's key: Lintel's keychain entry was removed or replaced " +
      '(another user account, a reinstalled system) or the keyring file was altered. The site can ' +
      'only be recovered from a site export (made with its passphrase) imported into a new site',
  );
}
