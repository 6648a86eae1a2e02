/** A token the relay holds for a phone. */
export interface WaitingToken {
  tokenId: string;
  phoneId: string;
  /** base64url, as posted. */
  token: string;
  expiresAt: number;
}

/**
 * The tokens waiting for their phones: in memory only, never written anywhere, so a copy of the relay's
 * disk holds no token. A restart loses them; the store's pending list says which (reported `lost`).
 */
export class WaitingTokens {
  private readonly byPhone = new Map<string, Map<string, WaitingToken>>();

  constructor(private readonly perPhoneLimit: number) {}

  /** Holds a token (replacing a waiting one with the same id); false when the phone has too many waiting. */
  put(t: WaitingToken): boolean {
    let tokens = this.byPhone.get(t.phoneId);
    if (!tokens) {
      tokens = new Map();
      this.byPhone.set(t.phoneId, tokens);
    }
    if (!tokens.has(t.tokenId) && tokens.size >= this.perPhoneLimit) return false;
    tokens.set(t.tokenId, t);
    return true;
  }

  /** The tokens waiting for a phone. */
  of(phoneId: string): WaitingToken[] {
    return [...(this.byPhone.get(phoneId)?.values() ?? [])];
  }

  /** Forgets a token; the forgotten one, if it was waiting for that phone. */
  take(phoneId: string, tokenId: string): WaitingToken | undefined {
    const tokens = this.byPhone.get(phoneId);
    const t = tokens?.get(tokenId);
    if (!t) return undefined;
    tokens!.delete(tokenId);
    if (tokens!.size === 0) this.byPhone.delete(phoneId);
    return t;
  }

  /** Where a token id waits, whichever phone (a token id is unique). */
  find(tokenId: string): WaitingToken | undefined {
    for (const tokens of this.byPhone.values()) {
      const t = tokens.get(tokenId);
      if (t) return t;
    }
    return undefined;
  }

  /** Forgets every token of a phone. */
  dropPhone(phoneId: string): WaitingToken[] {
    const gone = this.of(phoneId);
    this.byPhone.delete(phoneId);
    return gone;
  }

  /** Removes and returns the tokens whose expiry has passed. */
  takeExpired(now: number): WaitingToken[] {
    const gone: WaitingToken[] = [];
    for (const [phoneId, tokens] of this.byPhone) {
      for (const t of tokens.values()) if (t.expiresAt <= now) gone.push(t);
      for (const t of gone) if (t.phoneId === phoneId) tokens.delete(t.tokenId);
      if (tokens.size === 0) this.byPhone.delete(phoneId);
    }
    return gone;
  }

  get size(): number {
    let n = 0;
    for (const tokens of this.byPhone.values()) n += tokens.size;
    return n;
  }
}
