import { InvalidCredentialsError, NoSuchObjectError } from 'ldapts';
import { describe, expect, it } from 'vitest';
import { DirectoryError, toDirectoryError, type ErrorContext } from './directory-errors.js';

const ctx: ErrorContext = {
  host: 'ldap.example.org',
  port: 636,
  timeoutSeconds: 5,
  hasCa: false,
  bindDn: 'cn=lintel,dc=example,dc=org',
  secrets: ['s3cret-bind-password'],
};

const withCode = (code: string, message = code) => Object.assign(new Error(message), { code });

describe('toDirectoryError', () => {
  it('maps Node codes to their stage wherever they surface', () => {
    const cases: [string, string][] = [
      ['ENOTFOUND', 'dns'],
      ['EAI_AGAIN', 'dns'],
      ['ECONNREFUSED', 'tcp'],
      ['ETIMEDOUT', 'tcp'],
      ['EHOSTUNREACH', 'tcp'],
      ['UNABLE_TO_VERIFY_LEAF_SIGNATURE', 'tls'],
      ['DEPTH_ZERO_SELF_SIGNED_CERT', 'tls'],
      ['SELF_SIGNED_CERT_IN_CHAIN', 'tls'],
      ['ERR_TLS_CERT_ALTNAME_INVALID', 'tls'],
      ['CERT_HAS_EXPIRED', 'tls'],
    ];
    for (const [code, stage] of cases) {
      const err = toDirectoryError(withCode(code), 'tcp', ctx);
      expect(err, code).toBeInstanceOf(DirectoryError);
      expect(err.stage, code).toBe(stage);
      expect(err.code).toBe(code);
    }
  });

  it('says what to do', () => {
    expect(toDirectoryError(withCode('ECONNREFUSED'), 'tcp', ctx).message).toBe(
      'connection refused at ldap.example.org:636: check the port and that the directory is running',
    );
    expect(toDirectoryError(withCode('UNABLE_TO_VERIFY_LEAF_SIGNATURE'), 'tls', ctx).message).toMatch(
      /^certificate not trusted .*set the CA certificate/,
    );
    expect(toDirectoryError(new InvalidCredentialsError(), 'bind', ctx).message).toMatch(
      /^invalid credentials for the bind DN cn=lintel,dc=example,dc=org/,
    );
    const missing = toDirectoryError(new NoSuchObjectError(), 'search', { ...ctx, base: 'ou=people,dc=x' });
    expect(missing.stage).toBe('search');
    expect(missing.message).toMatch(/^ou=people,dc=x does not exist/);
    expect(toDirectoryError(new Error('BindRequest: Operation timed out'), 'bind', ctx).message).toMatch(
      /did not answer the bind within 5s/,
    );
  });

  it('never repeats a password', () => {
    const err = toDirectoryError(new Error('weird failure mentioning s3cret-bind-password'), 'bind', ctx);
    expect(err.message).not.toContain('s3cret-bind-password');
    expect(err.message).toContain('***');
  });

  it('keeps a DirectoryError as it is', () => {
    const original = new DirectoryError('search', 'x');
    expect(toDirectoryError(original, 'bind', ctx)).toBe(original);
  });
});
