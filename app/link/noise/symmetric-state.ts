import { CipherState } from './cipher-state.js';
import { hash, HASHLEN, hkdf, type CipherName, type HashName } from './suite.js';

/** SymmetricState (Noise section 5.2): the chaining key ck, the handshake hash h and a CipherState. */
export class SymmetricState {
  private ck: Buffer;
  private h: Buffer;
  readonly cs: CipherState;

  constructor(
    protocolName: string,
    readonly cipher: CipherName,
    readonly hashName: HashName,
  ) {
    const name = Buffer.from(protocolName, 'ascii');
    // A name that fits in HASHLEN is zero-padded, a longer one hashed (InitializeSymmetric).
    this.h =
      name.length <= HASHLEN
        ? Buffer.concat([name, Buffer.alloc(HASHLEN - name.length)])
        : hash(hashName, name);
    this.ck = Buffer.from(this.h);
    this.cs = new CipherState(cipher);
  }

  /** A snapshot for undoing a message that failed (keys are replaced, never mutated, so no copies). */
  save(): { ck: Buffer; h: Buffer; cs: ReturnType<CipherState['save']> } {
    return { ck: this.ck, h: this.h, cs: this.cs.save() };
  }

  restore(saved: ReturnType<SymmetricState['save']>): void {
    this.ck = saved.ck;
    this.h = saved.h;
    this.cs.restore(saved.cs);
  }

  mixKey(ikm: Uint8Array): void {
    const [ck, k] = hkdf(this.hashName, this.ck, ikm, 2) as [Buffer, Buffer];
    this.ck = ck;
    this.cs.initializeKey(k);
  }

  mixHash(data: Uint8Array): void {
    this.h = hash(this.hashName, this.h, data);
  }

  /** For psk tokens (section 5.2, rev 34): the psk goes into ck, h and k at once. */
  mixKeyAndHash(ikm: Uint8Array): void {
    const [ck, tempH, k] = hkdf(this.hashName, this.ck, ikm, 3) as [Buffer, Buffer, Buffer];
    this.ck = ck;
    this.mixHash(tempH);
    this.cs.initializeKey(k);
  }

  /** The handshake hash: a channel-binding value once the handshake is over. */
  handshakeHash(): Buffer {
    return Buffer.from(this.h);
  }

  encryptAndHash(plaintext: Uint8Array): Buffer {
    const ciphertext = this.cs.encryptWithAd(this.h, plaintext);
    this.mixHash(ciphertext);
    return ciphertext;
  }

  decryptAndHash(ciphertext: Uint8Array): Buffer {
    const plaintext = this.cs.decryptWithAd(this.h, ciphertext);
    this.mixHash(ciphertext);
    return plaintext;
  }

  /** Two CipherStates: the first for initiator → responder, the second for responder → initiator. */
  split(): [CipherState, CipherState] {
    const [k1, k2] = hkdf(this.hashName, this.ck, Buffer.alloc(0), 2) as [Buffer, Buffer];
    const c1 = new CipherState(this.cipher);
    const c2 = new CipherState(this.cipher);
    c1.initializeKey(k1);
    c2.initializeKey(k2);
    return [c1, c2];
  }
}
