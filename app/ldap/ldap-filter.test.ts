import fc from 'fast-check';
import { FilterParser } from 'ldapts';
import { describe, expect, it } from 'vitest';
import { escapedUtf8AsText, escapeFilterValue, fillFilter, unescapeFilterValue } from './ldap-filter.js';

/** Any string a user could type, including control characters, surrogate pairs and the filter specials. */
const anyText = fc.oneof(
  fc.string({ unit: 'binary', maxLength: 40 }),
  fc.string({
    unit: fc.constantFrom('*', '(', ')', '\\', '\0', '=', '&', '|', '!', 'a', ' ', 'é'),
    maxLength: 20,
  }),
);

describe('escapeFilterValue', () => {
  it('escapes the RFC 4515 examples', () => {
    // RFC 4515 section 4 examples (values only), with our lower-case hex.
    expect(escapeFilterValue('Parens R Us (for all your parenthetical needs)')).toBe(
      'Parens R Us \\28for all your parenthetical needs\\29',
    );
    expect(escapeFilterValue('*')).toBe('\\2a');
    expect(escapeFilterValue('C:\\MyFile')).toBe('C:\\5cMyFile');
    expect(escapeFilterValue('\0\0\0\u0004')).toBe('\\00\\00\\00\\04');
    expect(escapeFilterValue('Lučić')).toBe('Lu\\c4\\8di\\c4\\87');
    expect(escapeFilterValue('*)(uid=*')).toBe('\\2a\\29\\28uid=\\2a');
    expect(escapeFilterValue('alice)(|(uid=*')).toBe('alice\\29\\28|\\28uid=\\2a');
    expect(escapeFilterValue("o'neil")).toBe("o'neil");
    expect(escapeFilterValue('a\tb\x7f')).toBe('a\\09b\\7f');
    expect(escapeFilterValue('')).toBe('');
  });

  it('never leaves * ( ) \\ NUL unescaped, stays printable ASCII, and round-trips', () => {
    fc.assert(
      fc.property(anyText, (value) => {
        const escaped = escapeFilterValue(value);
        // Every backslash starts a \XX escape, and no special is left raw.
        expect(escaped.replace(/\\[0-9a-f]{2}/g, '')).not.toMatch(/[*()\\\0]/);
        expect(escaped).toMatch(/^[\x20-\x7e]*$/);
        expect(unescapeFilterValue(escaped)).toBe(value);
      }),
      { numRuns: 500 },
    );
  });

  it('gives ldapts one equality assertion with exactly the value, whatever the value', () => {
    fc.assert(
      fc.property(anyText, (value) => {
        const filter = FilterParser.parseString(escapedUtf8AsText(`(uid=${escapeFilterValue(value)})`));
        expect(filter.constructor.name).toBe('EqualityFilter');
        expect((filter as unknown as { value: string }).value).toBe(value);
      }),
      { numRuns: 300 },
    );
  });
});

describe('fillFilter', () => {
  it('replaces placeholders with escaped values in one pass', () => {
    expect(fillFilter('(&(objectClass=inetOrgPerson)(uid={username}))', { username: '*)(uid=*' })).toBe(
      '(&(objectClass=inetOrgPerson)(uid=\\2a\\29\\28uid=\\2a))',
    );
    expect(fillFilter('(member={dn})', { dn: 'cn=Smith\\, Jane,ou=people' })).toBe(
      '(member=cn=Smith\\5c, Jane,ou=people)',
    );
    // A value containing a placeholder is not expanded again; unknown placeholders stay.
    expect(fillFilter('(|(uid={username})(mail={username}))', { username: '{dn}' })).toBe(
      '(|(uid={dn})(mail={dn}))',
    );
    expect(fillFilter('(&(uid={username})(x={other}))', { username: 'a' })).toBe('(&(uid=a)(x={other}))');
    expect(fillFilter('(uid={toString})', {})).toBe('(uid={toString})');
  });
});

describe('escapedUtf8AsText', () => {
  it('turns escaped UTF-8 back into characters and keeps escaped ASCII', () => {
    expect(escapedUtf8AsText('(uid=j\\c3\\bcrgen\\2a\\28)')).toBe('(uid=jürgen\\2a\\28)');
    expect(escapedUtf8AsText('(cn=\\5c\\c3\\bc\\00)')).toBe('(cn=\\5cü\\00)');
    expect(escapedUtf8AsText('(cn=plain)')).toBe('(cn=plain)');
  });

  it('refuses escaped bytes that are not UTF-8', () => {
    expect(() => escapedUtf8AsText('(objectGUID=\\ff\\fe)')).toThrow(/not UTF-8/);
  });
});
