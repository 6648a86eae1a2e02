import { createCipheriv, createDecipheriv, randomBytes } from 'node:crypto';
import type { SafeStoragePort } from '../../app/keys/safe-storage.js';

/**
 * A stand-in for Electron's safeStorage that really encrypts: AES-256-GCM under a key per Linux backend
 * (each keychain holds its own key, as GNOME Keyring and KWallet do), with availability and the
 * selected backend settable. It counts decryptions so a test can prove one was never attempted.
 */
export class CipherKeychain implements SafeStoragePort {
  available = true;
  backend = 'gnome_libsecret';
  decryptions = 0;
  private readonly keys = new Map<string, Buffer>();

  private key(): Buffer {
    let key = this.keys.get(this.backend);
    if (!key) {
      key = randomBytes(32);
      this.keys.set(this.backend, key);
    }
    return key;
  }

  isEncryptionAvailable(): boolean {
    return this.available;
  }

  getSelectedStorageBackend(): string {
    return this.backend;
  }

  encryptString(plainText: string): Buffer {
    if (!this.available)
      throw new Error('Error while encrypting the text provided to safeStorage.encryptString.');
    const nonce = randomBytes(12);
    const cipher = createCipheriv('aes-256-gcm', this.key(), nonce);
    const body = Buffer.concat([cipher.update(plainText, 'utf8'), cipher.final()]);
    return Buffer.concat([Buffer.from('v11'), nonce, body, cipher.getAuthTag()]);
  }

  decryptString(encrypted: Buffer): string {
    this.decryptions++;
    if (!this.available || encrypted.subarray(0, 3).toString() !== 'v11' || encrypted.length < 31) {
      throw new Error('Error while decrypting the ciphertext provided to safeStorage.decryptString.');
    }
    const decipher = createDecipheriv('aes-256-gcm', this.key(), encrypted.subarray(3, 15));
    decipher.setAuthTag(encrypted.subarray(encrypted.length - 16));
    try {
      return Buffer.concat([
        decipher.update(encrypted.subarray(15, encrypted.length - 16)),
        decipher.final(),
      ]).toString('utf8');
    } catch {
      throw new Error('Error while decrypting the ciphertext provided to safeStorage.decryptString.');
    }
  }
}
