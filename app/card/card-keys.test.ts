import fc from 'fast-check';
import { hkdfSync } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { readVectors } from '../../test/helpers/temp-site.js';
import { an10922Aes128 } from '../crypto/index.js';
import {
  CARD_KEY_PURPOSES,
  cardKeyLabel,
  deriveCardKeys,
  diversificationInput,
  diversifyCardKey,
  siteCardKey,
  siteTag,
  wipeCardKeys,
} from './card-keys.js';
import { LINTEL_AID } from './card-layout.js';

const hex = (s: string) => Buffer.from(s, 'hex');
const MASTER = Buffer.from(Array.from({ length: 32 }, (_, i) => i));
const SITE = '6f1c2a3e-5b7d-4c8e-9f01-23456789abcd';
const UID = hex('04deadbeeffeed');

const uidArb = fc.uint8Array({ minLength: 7, maxLength: 7 }).map((u) => Buffer.from(u));
const versionArb = fc.integer({ min: 1, max: 255 });

describe('card keys', () => {
  it('labels name the purpose, site and key version', () => {
    expect(cardKeyLabel(SITE.toUpperCase(), 'lock', 3)).toBe(
      'lintel/card/v1|site=6f1c2a3e-5b7d-4c8e-9f01-23456789abcd|key=lock|version=3',
    );
  });

  it('are HKDF-SHA256 of the site master key, then AN10922 with UID ‖ AID (LSB first) ‖ "Lintel"', () => {
    const keys = deriveCardKeys(MASTER, SITE, 1, UID);
    for (const [purpose, aid, key] of [
      ['picc-master', '000000', keys.piccMaster],
      ['app-master', '544e4c', keys.appMaster],
      ['lock', '544e4c', keys.lock],
      ['update', '544e4c', keys.update],
    ] as const) {
      const site = Buffer.from(
        hkdfSync('sha256', MASTER, Buffer.alloc(0), cardKeyLabel(SITE, purpose, 1), 16),
      );
      expect(siteCardKey(MASTER, SITE, purpose, 1)).toEqual(site);
      const m = hex(`04deadbeeffeed${aid}4c696e74656c`);
      expect(diversificationInput(UID, aid === '000000' ? 0 : LINTEL_AID)).toEqual(m);
      expect(key).toEqual(an10922Aes128(site, m));
    }
    // Pinned, so another implementation (lock firmware) can check itself against these.
    // (docs/card-format.md lists them with the inputs.)
    expect(keys.siteTag.toString('hex')).toBe('83cec01696c5a7cd');
    expect(keys.piccMaster.toString('hex')).toBe('846a339d6d0dd41b0d5ee1b786c609d1');
    expect(keys.appMaster.toString('hex')).toBe('46e74017c1a472b93664d6e399938f5b');
    expect(keys.lock.toString('hex')).toBe('3dc89c7114654861bfba79be6a81ac4d');
    expect(keys.update.toString('hex')).toBe('9035422a9b32af7dd5a779f407973c80');
  });

  it('diversify with the AN10922 primitive that the published AN10957 vector checks', () => {
    // diversifyCardKey is an10922Aes128 over our M; the primitive itself is the one the vector pins.
    const [v] = readVectors<{
      vectors: { master_key: string; diversification_input_M: string; diversified_key: string }[];
    }>('nxp-an10957-aes128-diversification.json').vectors;
    expect(an10922Aes128(hex(v!.master_key), hex(v!.diversification_input_M)).toString('hex')).toBe(
      v!.diversified_key,
    );
    const siteKey = hex(v!.master_key);
    expect(diversifyCardKey(siteKey, UID, LINTEL_AID)).toEqual(
      an10922Aes128(siteKey, Buffer.concat([UID, hex('544e4c'), Buffer.from('Lintel')])),
    );
  });

  it('are deterministic', () => {
    fc.assert(
      fc.property(uidArb, versionArb, (uid, v) => {
        expect(deriveCardKeys(MASTER, SITE, v, uid)).toEqual(deriveCardKeys(MASTER, SITE, v, uid));
      }),
      { numRuns: 50 },
    );
  });

  it('differ by purpose, key version, UID, site and master key', () => {
    fc.assert(
      fc.property(uidArb, uidArb, versionArb, versionArb, (u1, u2, v1, v2) => {
        const a = deriveCardKeys(MASTER, SITE, v1, u1);
        const all = [a.piccMaster, a.appMaster, a.lock, a.update, a.uidRead].map((k) => k.toString('hex'));
        expect(new Set(all).size).toBe(5);
        if (v1 !== v2) expect(deriveCardKeys(MASTER, SITE, v2, u1).lock).not.toEqual(a.lock);
        if (!u1.equals(u2)) expect(deriveCardKeys(MASTER, SITE, v1, u2).update).not.toEqual(a.update);
        // The UID-read key is the site's, the same on every card (it is what finds the UID out).
        expect(deriveCardKeys(MASTER, SITE, v1, u2).uidRead).toEqual(a.uidRead);
      }),
      { numRuns: 50 },
    );
    const a = deriveCardKeys(MASTER, SITE, 1, UID);
    const otherSite = deriveCardKeys(MASTER, '00000000-0000-4000-8000-000000000000', 1, UID);
    const otherMaster = deriveCardKeys(Buffer.alloc(32, 9), SITE, 1, UID);
    for (const purpose of ['piccMaster', 'appMaster', 'lock', 'update', 'uidRead'] as const) {
      expect(otherSite[purpose]).not.toEqual(a[purpose]);
      expect(otherMaster[purpose]).not.toEqual(a[purpose]);
    }
    expect(CARD_KEY_PURPOSES).toHaveLength(5);
  });

  it('give a short site tag from the site id alone', () => {
    expect(siteTag(SITE)).toHaveLength(8);
    expect(siteTag(SITE.toUpperCase())).toEqual(siteTag(SITE));
    expect(siteTag('00000000-0000-4000-8000-000000000000')).not.toEqual(siteTag(SITE));
  });

  it('refuse inputs they cannot use', () => {
    expect(() => deriveCardKeys(MASTER, SITE, 1, hex('08112233'))).toThrow(
      /7 bytes, not 4: read a random-ID card's UID first/,
    );
    expect(() => deriveCardKeys(MASTER, SITE, 0, UID)).toThrow(/1 to 255/);
    expect(() => deriveCardKeys(MASTER, 'not-a-uuid', 1, UID)).toThrow(/must be a UUID/);
    expect(() => deriveCardKeys(Buffer.alloc(16), SITE, 1, UID)).toThrow(/32 bytes/);
  });

  it('can be wiped', () => {
    const keys = deriveCardKeys(MASTER, SITE, 1, UID);
    wipeCardKeys(keys);
    expect(keys.update.every((b) => b === 0)).toBe(true);
  });
});
