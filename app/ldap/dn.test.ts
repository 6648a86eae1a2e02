import { describe, expect, it } from 'vitest';
import { normalizeDn, sameDn } from './dn.js';

describe('sameDn', () => {
  it('ignores case and spaces around , = +', () => {
    expect(
      sameDn('cn=Lintel-Admins,ou=Groups,dc=Example,dc=Org', 'CN=lintel-admins,OU=groups,DC=example,DC=org'),
    ).toBe(true);
    expect(sameDn('cn=admins, ou=groups , dc=example', 'cn = admins,ou=groups,dc=example')).toBe(true);
    expect(sameDn('cn=a+uid=b,dc=x', 'uid=b + cn=a,dc=x')).toBe(true);
    expect(sameDn('cn=admins;dc=x', 'cn=admins,dc=x')).toBe(true);
  });

  it('decodes escapes before comparing', () => {
    expect(sameDn('cn=Smith\\, Jane,ou=people', 'cn=smith\\2C jane,ou=people')).toBe(true);
    expect(sameDn('cn="Smith, Jane",ou=people', 'cn=Smith\\, Jane,ou=people')).toBe(true);
    expect(sameDn('uid=j\\C3\\BCrgen,dc=x', 'uid=JÜRGEN,dc=x')).toBe(true);
    // An escaped trailing space is part of the value; an unescaped one is not.
    expect(sameDn('cn=a\\ ,dc=x', 'cn=a,dc=x')).toBe(false);
    expect(sameDn('cn=a ,dc=x', 'cn=a,dc=x')).toBe(true);
  });

  it('tells different DNs apart', () => {
    expect(sameDn('cn=admins,ou=groups,dc=x', 'cn=operators,ou=groups,dc=x')).toBe(false);
    expect(sameDn('cn=admins,dc=x', 'cn=admins,ou=groups,dc=x')).toBe(false);
    // An escaped comma is not a separator: one RDN is not two.
    expect(sameDn('cn=a\\,b=c,dc=x', 'cn=a,b=c,dc=x')).toBe(false);
    expect(sameDn('cn=a b,dc=x', 'cn=ab,dc=x')).toBe(false);
    expect(sameDn('cn=admins,dc=x', 'uid=admins,dc=x')).toBe(false);
  });

  it('compares unparseable DNs exactly', () => {
    expect(normalizeDn('cn=a,,dc=x')).toBeNull();
    expect(normalizeDn('not a dn')).toBeNull();
    expect(normalizeDn('cn=a\\')).toBeNull();
    expect(sameDn('not a dn', 'not a dn')).toBe(true);
    expect(sameDn('not a dn', 'NOT A DN')).toBe(false);
    expect(sameDn('cn=x', 'not a dn')).toBe(false);
  });
});
