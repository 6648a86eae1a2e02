import type { CipherState } from './cipher-state.js';
import { parseProtocolName, type Protocol, type Token } from './patterns.js';
import { SymmetricState } from './symmetric-state.js';
import type { KeyObject } from 'node:crypto';
import { dh, DHLEN, generateKeyPair, importPublic, NoiseError, TAGLEN, type KeyPair } from './suite.js';

export interface HandshakeOptions {
  readonly protocolName: string;
  readonly initiator: boolean;
  readonly prologue?: Uint8Array;
  /** Our static key pair (s). */
  readonly s?: KeyPair;
  /** Our ephemeral: only tests pass one (vectors); otherwise a fresh one is generated when needed. */
  readonly e?: KeyPair;
  /** The peer's static public key, when known in advance (rs, IK's pre-message). */
  readonly rs?: Uint8Array;
  /** Pre-shared keys, consumed in order by psk tokens; more can be added later with addPsk(). */
  readonly psks?: readonly Uint8Array[];
  /**
   * Work a long-lived responder has done before for a known peer (WireGuard keeps the static-static DH
   * per peer, whitepaper section 5.4.2): DH(s, rs) and the peer's imported public key, by its raw
   * bytes; undefined for a peer it does not know. Only speeds up; the results are the same.
   */
  readonly known?: (rs: Buffer) => { ss: Buffer; key: KeyObject } | undefined;
}

/** The result of the last handshake message: the two transport CipherStates and the handshake hash. */
export interface SplitResult {
  /** Initiator → responder. */
  readonly c1: CipherState;
  /** Responder → initiator. */
  readonly c2: CipherState;
  readonly handshakeHash: Buffer;
}

/**
 * HandshakeState (Noise section 5.3). Deviation: a readMessage that fails is undone instead of
 * leaving the state unusable, so a forged message 2 cannot kill a pending handshake (WireGuard
 * likewise works on copies and commits only on success).
 */
export class HandshakeState {
  readonly protocol: Protocol;
  readonly initiator: boolean;
  private readonly ss: SymmetricState;
  private readonly s: KeyPair | undefined;
  private e: KeyPair | undefined;
  private rs: Buffer | undefined;
  private re: Buffer | undefined;
  private readonly psks: Uint8Array[];
  private readonly known: HandshakeOptions['known'];
  private index = 0;
  private done: SplitResult | undefined;

  constructor(opts: HandshakeOptions) {
    this.protocol = parseProtocolName(opts.protocolName);
    this.initiator = opts.initiator;
    this.ss = new SymmetricState(opts.protocolName, this.protocol.cipher, this.protocol.hash);
    this.s = opts.s;
    this.e = opts.e;
    this.rs = opts.rs ? Buffer.from(opts.rs) : undefined;
    this.psks = [...(opts.psks ?? [])];
    this.known = opts.known;
    this.ss.mixHash(opts.prologue ?? Buffer.alloc(0));
    const { initiatorPre, responderPre } = this.protocol.pattern;
    // Pre-messages: the initiator's keys first, then the responder's (section 5.3 Initialize).
    this.preMessage(initiatorPre, this.initiator);
    this.preMessage(responderPre, !this.initiator);
  }

  private preMessage(tokens: readonly Token[], ours: boolean): void {
    for (const t of tokens) {
      const key = t === 'e' ? (ours ? this.e?.publicKey : this.re) : ours ? this.s?.publicKey : this.rs;
      if (!key) throw new NoiseError(`pre-message needs the ${ours ? 'local' : 'remote'} ${t} key`);
      this.ss.mixHash(key);
      if (t === 'e' && this.protocol.psk) this.ss.mixKey(key);
    }
  }

  /** The peer's static public key, once known (after reading its 's' token, or from the pre-message). */
  get remoteStatic(): Buffer | undefined {
    return this.rs;
  }

  /** Supplies a psk late: a responder learns which peer is calling (and so its psk) from message 1. */
  addPsk(psk: Uint8Array): void {
    this.psks.push(psk);
  }

  /**
   * Replaces the queue of psks not yet consumed: an enrolment responder tries each pending pairing
   * code in turn on message 3 (a failed readMessage is undone, so the next try starts clean).
   */
  setPsks(psks: readonly Uint8Array[]): void {
    this.psks.splice(0, this.psks.length, ...psks);
  }

  /** True when it is our turn to write. */
  get myTurn(): boolean {
    return (this.index % 2 === 0) === this.initiator;
  }

  get finished(): SplitResult | undefined {
    return this.done;
  }

  handshakeHash(): Buffer {
    return this.ss.handshakeHash();
  }

  writeMessage(payload: Uint8Array): Buffer {
    const tokens = this.next(true);
    const out: Buffer[] = [];
    for (const t of tokens) {
      if (t === 'e') {
        this.e ??= generateKeyPair();
        out.push(this.e.publicKey);
        this.mixEphemeral(this.e.publicKey);
      } else if (t === 's') {
        if (!this.s) throw new NoiseError('pattern sends a static key but none was given');
        out.push(this.ss.encryptAndHash(this.s.publicKey));
      } else this.token(t);
    }
    out.push(this.ss.encryptAndHash(payload));
    this.advance();
    return Buffer.concat(out);
  }

  /** Reads a message and returns its payload; throws NoiseError and changes nothing if it fails. */
  readMessage(message: Uint8Array): Buffer {
    const tokens = this.next(false);
    const saved = { ss: this.ss.save(), re: this.re, rs: this.rs, psks: [...this.psks] };
    try {
      return this.read(tokens, message);
    } catch (e) {
      this.ss.restore(saved.ss);
      this.re = saved.re;
      this.rs = saved.rs;
      this.psks.splice(0, this.psks.length, ...saved.psks);
      throw e;
    }
  }

  private read(tokens: readonly Token[], message: Uint8Array): Buffer {
    let at = 0;
    const take = (n: number): Buffer => {
      if (message.length - at < n) throw new NoiseError('handshake message too short');
      const part = Buffer.from(message.subarray(at, at + n));
      at += n;
      return part;
    };
    for (const t of tokens) {
      if (t === 'e') {
        this.re = take(DHLEN);
        this.mixEphemeral(this.re);
      } else if (t === 's') {
        this.rs = this.ss.decryptAndHash(take(this.ss.cs.hasKey() ? DHLEN + TAGLEN : DHLEN));
      } else this.token(t);
    }
    const payload = this.ss.decryptAndHash(message.subarray(at));
    this.advance();
    return payload;
  }

  private next(writing: boolean): readonly Token[] {
    const tokens = this.protocol.pattern.messages[this.index];
    if (!tokens || this.done) throw new NoiseError('handshake is already complete');
    if (this.myTurn !== writing)
      throw new NoiseError(writing ? 'not our turn to write' : 'not our turn to read');
    return tokens;
  }

  private mixEphemeral(pub: Uint8Array): void {
    this.ss.mixHash(pub);
    if (this.protocol.psk) this.ss.mixKey(pub);
  }

  /** DH and psk tokens: the same on both sides, with keys picked by role (section 5.3). */
  private token(t: Exclude<Token, 'e' | 's'>): void {
    if (t === 'psk') {
      const psk = this.psks.shift();
      if (!psk || psk.length !== 32) throw new NoiseError('psk token needs a 32-byte pre-shared key');
      this.ss.mixKeyAndHash(psk);
      return;
    }
    const need = <T>(v: T | undefined, what: string): T => {
      if (v === undefined) throw new NoiseError(`${t} needs ${what}`);
      return v;
    };
    const [mine, theirs] = t === 'ee' ? ['e', 'e'] : t === 'ss' ? ['s', 's'] : this.roles(t);
    const local = need(mine === 'e' ? this.e : this.s, `the local ${mine} key`);
    const remote = need(theirs === 'e' ? this.re : this.rs, `the remote ${theirs} key`);
    const known = t === 'ss' ? this.known?.(remote) : undefined;
    this.ss.mixKey(known ? known.ss : dh(local, this.imported(remote)));
  }

  /** OpenSSL key objects for remote keys, imported once per key (each is used for two DH tokens). */
  private readonly importedKeys = new Map<Buffer, KeyObject>();

  private imported(raw: Buffer): KeyObject {
    let key = this.importedKeys.get(raw);
    if (!key) {
      key = (raw === this.rs ? this.known?.(raw)?.key : undefined) ?? importPublic(raw);
      this.importedKeys.set(raw, key);
    }
    return key;
  }

  /** 'es' is initiator e with responder s; 'se' the reverse. */
  private roles(t: 'es' | 'se'): ['e' | 's', 'e' | 's'] {
    const initiatorKey = t === 'es' ? 'e' : 's';
    const responderKey = t === 'es' ? 's' : 'e';
    return this.initiator ? [initiatorKey, responderKey] : [responderKey, initiatorKey];
  }

  private advance(): void {
    this.index += 1;
    if (this.index === this.protocol.pattern.messages.length) {
      const [c1, c2] = this.ss.split();
      this.done = { c1, c2, handshakeHash: this.ss.handshakeHash() };
    }
  }
}
