import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { humanToken, normaliseHumanToken } from './random.js';

describe('human tokens', () => {
  it('are Crockford base32 in dashed groups of four, 120 bits by default', () => {
    const t = humanToken();
    expect(t).toMatch(/^[0-9A-HJKMNP-TV-Z]{4}(-[0-9A-HJKMNP-TV-Z]{4}){5}$/);
  });

  it('survive the ways people retype them', () => {
    fc.assert(
      fc.property(fc.integer({ min: 5, max: 30 }), (n) => {
        const t = humanToken(n);
        const canonical = normaliseHumanToken(t);
        expect(normaliseHumanToken(t.toLowerCase())).toBe(canonical);
        expect(normaliseHumanToken(t.replace(/-/g, ' '))).toBe(canonical);
        expect(normaliseHumanToken(t.replace(/0/g, 'O').replace(/1/g, 'l'))).toBe(canonical);
      }),
    );
  });
});
