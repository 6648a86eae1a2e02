import {
  ConfidentialityRequiredError,
  InappropriateAuthError,
  InsufficientAccessError,
  InvalidCredentialsError,
  InvalidDNSyntaxError,
  NoSuchObjectError,
  ResultCodeError,
  StrongAuthRequiredError,
  UnwillingToPerformError,
} from 'ldapts';
import type { DirectoryStage } from '../contract/methods/directory.js';

/** A failure to talk to the directory, naming the stage (dns, tcp, tls, bind, search, config) and a message that says what to do. */
export class DirectoryError extends Error {
  /** The stage that failed. */
  readonly stage: DirectoryStage;
  /** The Node error code (ECONNREFUSED, UNABLE_TO_VERIFY_LEAF_SIGNATURE…) or LDAP result code behind it, for logs. */
  readonly code: string | undefined;

  constructor(stage: DirectoryStage, message: string, options?: { code?: string; cause?: unknown }) {
    super(message, options?.cause === undefined ? undefined : { cause: options.cause });
    this.name = 'DirectoryError';
    this.stage = stage;
    this.code = options?.code;
  }
}

/** What an error message may mention: where, how long, and the secrets it must never show. */
export interface ErrorContext {
  host: string;
  port: number;
  timeoutSeconds: number;
  /** Whether a CA certificate was configured (changes what a trust failure asks for). */
  hasCa: boolean;
  bindDn: string;
  /** The DN being searched, for search failures. */
  base?: string;
  /** Passwords in play; removed from any message that would echo them. */
  secrets: string[];
}

const DNS_CODES = new Set(['ENOTFOUND', 'EAI_AGAIN', 'EAI_FAIL', 'EAI_NONAME', 'ENODATA', 'ESERVFAIL']);
const TCP_CODES = new Set([
  'ECONNREFUSED',
  'ETIMEDOUT',
  'EHOSTUNREACH',
  'ENETUNREACH',
  'EHOSTDOWN',
  'EADDRNOTAVAIL',
  'ENETDOWN',
]);
/** OpenSSL verification results that mean "no trusted CA signed this chain". */
const UNTRUSTED_CODES = new Set([
  'UNABLE_TO_VERIFY_LEAF_SIGNATURE',
  'UNABLE_TO_GET_ISSUER_CERT',
  'UNABLE_TO_GET_ISSUER_CERT_LOCALLY',
  'DEPTH_ZERO_SELF_SIGNED_CERT',
  'SELF_SIGNED_CERT_IN_CHAIN',
  'CERT_UNTRUSTED',
  'CERT_SIGNATURE_FAILURE',
  'CERT_CHAIN_TOO_LONG',
  'INVALID_CA',
]);
const EXPIRY_CODES = new Set(['CERT_HAS_EXPIRED', 'CERT_NOT_YET_VALID']);

function codeOf(err: unknown): string | undefined {
  const code = (err as { code?: unknown } | null)?.code;
  return typeof code === 'string' ? code : undefined;
}

function isTlsCode(code: string): boolean {
  return (
    UNTRUSTED_CODES.has(code) ||
    EXPIRY_CODES.has(code) ||
    code.startsWith('ERR_TLS_') ||
    code.startsWith('ERR_SSL_') ||
    code.startsWith('CERT_') ||
    code === 'HOSTNAME_MISMATCH' ||
    code === 'EPROTO'
  );
}

/** Removes secrets from a message (only ones long enough that replacing them cannot garble the text). */
export function redact(message: string, secrets: string[]): string {
  let out = message;
  for (const secret of secrets) if (secret.length >= 4) out = out.split(secret).join('***');
  return out;
}

function oneLine(message: string): string {
  return message.replace(/\s+/g, ' ').trim();
}

/** ldapts appends " Code: 0x31" to server messages; the server's own text is what helps. */
function serverText(err: ResultCodeError): string {
  const text = err.message.replace(/\s*Code: 0x[0-9a-f]+$/i, '').trim();
  return text ? ` (${text})` : '';
}

function isTimeout(err: unknown): boolean {
  const message = err instanceof Error ? err.message : '';
  return /timed out|timeout/i.test(message) || codeOf(err) === 'ETIMEDOUT';
}

function isClosed(err: unknown): boolean {
  const message = err instanceof Error ? err.message : '';
  return (
    /connection closed|socket error|ECONNRESET|socket hang up/i.test(message) || codeOf(err) === 'ECONNRESET'
  );
}

/**
 * Maps an ldapts / Node error raised during `stage` to a DirectoryError whose stage and message say
 * what failed and what to do. Node error codes decide the stage where they are unambiguous (a DNS
 * code is a dns failure wherever it surfaced); LDAP result codes keep the stage they happened in.
 */
export function toDirectoryError(err: unknown, stage: DirectoryStage, ctx: ErrorContext): DirectoryError {
  if (err instanceof DirectoryError) return err;
  const made = describe(err, stage, ctx);
  return new DirectoryError(made.stage, redact(oneLine(made.message), ctx.secrets), {
    code: made.code,
    cause: err,
  });
}

function describe(
  err: unknown,
  stage: DirectoryStage,
  ctx: ErrorContext,
): { stage: DirectoryStage; message: string; code?: string } {
  const where = `${ctx.host}:${ctx.port}`;
  const raw = err instanceof Error ? err.message : String(err);
  const code = codeOf(err);

  if (err instanceof ResultCodeError) {
    const ldapCode = `ldap-${err.code}`;
    if (err instanceof InvalidCredentialsError && stage === 'bind')
      return {
        stage,
        code: ldapCode,
        message: `invalid credentials for the bind DN ${ctx.bindDn}: check the bind DN and the bind password${serverText(err)}`,
      };
    if (err instanceof NoSuchObjectError)
      return {
        stage,
        code: ldapCode,
        message: `${ctx.base ?? 'the search base'} does not exist (or the service account may not see it): check the base DN${serverText(err)}`,
      };
    if (err instanceof InvalidDNSyntaxError)
      return {
        stage: stage === 'bind' ? 'bind' : 'config',
        code: ldapCode,
        message: `the directory rejects a DN as malformed: check the ${stage === 'bind' ? 'bind DN' : 'base DNs'}${serverText(err)}`,
      };
    if (err instanceof ConfidentialityRequiredError || err instanceof StrongAuthRequiredError)
      return {
        stage,
        code: ldapCode,
        message: `the directory requires a protected connection: use ldaps:// or StartTLS${serverText(err)}`,
      };
    if (err instanceof InsufficientAccessError)
      return {
        stage,
        code: ldapCode,
        message: `the service account ${ctx.bindDn} may not read ${ctx.base ?? 'the directory'}: grant it read access${serverText(err)}`,
      };
    if (err instanceof InappropriateAuthError || err instanceof UnwillingToPerformError)
      return {
        stage,
        code: ldapCode,
        message: `the directory refused the ${stage === 'bind' ? 'bind' : stage} (simple bind may be disabled or the account unusable)${serverText(err)}`,
      };
    return {
      stage,
      code: ldapCode,
      message: `the directory answered the ${stage} with ${err.name}${serverText(err)}`,
    };
  }

  if (code && DNS_CODES.has(code)) {
    const message =
      code === 'EAI_AGAIN'
        ? `DNS lookup of ${ctx.host} failed for now (${code}): check the DNS server, then try again`
        : `host name ${ctx.host} not found (${code}): check the host in the URL`;
    return { stage: 'dns', code, message };
  }
  if (code && TCP_CODES.has(code)) {
    const what: Record<string, string> = {
      ECONNREFUSED: `connection refused at ${where}: check the port and that the directory is running`,
      ETIMEDOUT: `no answer from ${where}: check the host, the port and any firewall`,
      EHOSTUNREACH: `host ${ctx.host} unreachable: check the network route and the host`,
      ENETUNREACH: `network unreachable for ${ctx.host}: check the network configuration`,
      EHOSTDOWN: `host ${ctx.host} is down: check the directory server`,
      EADDRNOTAVAIL: `cannot connect to ${where} from this machine (${code}): check the address`,
      ENETDOWN: `the network is down: check this machine's network`,
    };
    return { stage: 'tcp', code, message: what[code] ?? `cannot connect to ${where} (${code})` };
  }
  if (code && isTlsCode(code)) {
    if (UNTRUSTED_CODES.has(code))
      return {
        stage: 'tls',
        code,
        message: ctx.hasCa
          ? `certificate not trusted (${code}): the CA certificate given did not sign the directory's certificate; set the right CA certificate`
          : `certificate not trusted (${code}): set the CA certificate that signed the directory's certificate`,
      };
    if (EXPIRY_CODES.has(code))
      return {
        stage: 'tls',
        code,
        message: `the directory's certificate is ${code === 'CERT_HAS_EXPIRED' ? 'expired' : 'not valid yet'}: renew it, or check this machine's clock`,
      };
    if (code === 'ERR_TLS_CERT_ALTNAME_INVALID')
      return {
        stage: 'tls',
        code,
        message: `the directory's certificate is not for ${ctx.host} (${raw}): use a host name the certificate names in the URL`,
      };
    return {
      stage: 'tls',
      code,
      message: `TLS handshake with ${where} failed (${raw}): check that the port speaks ${stage === 'tls' ? 'TLS' : 'LDAP'} and the TLS settings`,
    };
  }
  if (isTimeout(err)) {
    const what: Partial<Record<DirectoryStage, string>> = {
      dns: `DNS lookup of ${ctx.host} took longer than ${ctx.timeoutSeconds}s: check the DNS server`,
      tcp: `no answer from ${where} within ${ctx.timeoutSeconds}s: check the host, the port and any firewall`,
      tls: `no TLS handshake from ${where} within ${ctx.timeoutSeconds}s: check that this port speaks ${ctx.port === 389 ? 'LDAP with StartTLS' : 'TLS (ldaps)'}`,
    };
    return {
      stage,
      code: 'timeout',
      message:
        what[stage] ??
        `the directory did not answer the ${stage} within ${ctx.timeoutSeconds}s: check its load, or raise the timeout`,
    };
  }
  if (isClosed(err))
    return {
      stage,
      code: code ?? 'closed',
      message:
        stage === 'tls'
          ? `${where} closed the connection during the TLS handshake: check that the port matches ldaps:// or StartTLS`
          : `${where} closed the connection during the ${stage}: check the directory's logs and that the port speaks LDAP${stage === 'bind' ? ' (an ldaps port needs ldaps://)' : ''}`,
    };
  return { stage, code, message: `${stage} failed: ${raw}` };
}
