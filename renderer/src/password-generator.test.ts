import { describe, expect, it } from 'vitest';
import { generatePassword } from './password-generator.js';

describe('generatePassword', () => {
  it('makes four groups of four unambiguous characters, different every time', () => {
    const seen = new Set<string>();
    for (let i = 0; i < 200; i++) {
      const p = generatePassword();
      expect(p).toMatch(/^[a-km-np-zA-HJ-NP-RT-Y34679]{4}(-[a-km-np-zA-HJ-NP-RT-Y34679]{4}){3}$/);
      expect(p).not.toMatch(/[0125ilo8BIOSZ]/);
      seen.add(p);
    }
    expect(seen.size).toBe(200);
  });
});
