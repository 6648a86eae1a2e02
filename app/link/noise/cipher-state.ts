import { decrypt, encrypt, NoiseError, type CipherName } from './suite.js';

/** 2^64 − 1 is reserved by Noise (section 5.1): using it as a nonce is an error. */
const MAX_NONCE = (1n << 64n) - 1n;

/** CipherState (Noise section 5.1): a key k (or none) and a 64-bit nonce n that never repeats. */
export class CipherState {
  private k: Buffer | undefined;
  private n = 0n;

  constructor(readonly cipher: CipherName) {}

  initializeKey(key: Buffer | undefined): void {
    this.k = key;
    this.n = 0n;
  }

  hasKey(): boolean {
    return this.k !== undefined;
  }

  /** The next nonce; exposed so a transport can put it on the wire (WireGuard sends it explicitly). */
  get nonce(): bigint {
    return this.n;
  }

  /** The key, for transports that choose the nonce themselves (out-of-order UDP). Never log it. */
  get key(): Buffer | undefined {
    return this.k;
  }

  /** Saves and restores (k, n): lets a handshake undo a message that failed to authenticate. */
  save(): { k: Buffer | undefined; n: bigint } {
    return { k: this.k, n: this.n };
  }

  restore(saved: { k: Buffer | undefined; n: bigint }): void {
    this.k = saved.k;
    this.n = saved.n;
  }

  encryptWithAd(ad: Uint8Array, plaintext: Uint8Array): Buffer {
    if (this.k === undefined) return Buffer.from(plaintext);
    if (this.n >= MAX_NONCE) throw new NoiseError('nonce exhausted: rekey or start a new session');
    const out = encrypt(this.cipher, this.k, this.n, ad, plaintext);
    this.n += 1n;
    return out;
  }

  /** Decrypts; on failure the nonce does not advance, so a forged message changes nothing. */
  decryptWithAd(ad: Uint8Array, ciphertext: Uint8Array): Buffer {
    if (this.k === undefined) return Buffer.from(ciphertext);
    if (this.n >= MAX_NONCE) throw new NoiseError('nonce exhausted: rekey or start a new session');
    const out = decrypt(this.cipher, this.k, this.n, ad, ciphertext);
    this.n += 1n;
    return out;
  }
}
