import { X509Certificate as NodeX509, createPrivateKey, randomBytes, webcrypto } from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import * as x509 from '@peculiar/x509';
import { writeFileAtomic } from '../keys/atomic-file.js';
import type { Clock, OpenSite } from '../site/site.js';

x509.cryptoProvider.set(webcrypto as unknown as Parameters<typeof x509.cryptoProvider.set>[0]);

/** The certificate and key `lintel serve` listens with. */
export interface TlsMaterial {
  cert: string;
  key: string;
  /** SHA-256 fingerprint, printed so the operator can check what the browser shows. */
  fingerprint: string;
  selfSigned: boolean;
  certFile?: string;
}

/** Renew a self-signed certificate this long before it expires. */
const RENEW_BEFORE_MS = 30 * 86_400_000;
/** 397 days: the longest validity browsers accept for a server certificate. */
const VALIDITY_MS = 397 * 86_400_000;

function hostNames(): string[] {
  return [...new Set(['localhost', os.hostname()])];
}

/** A new self-signed ECDSA P-256 server certificate and its PKCS#8 key, both PEM (also the relay's). */
export async function generate(now: Date): Promise<{ cert: string; key: string }> {
  const alg = { name: 'ECDSA', namedCurve: 'P-256', hash: 'SHA-256' };
  const keys = (await webcrypto.subtle.generateKey(alg, true, ['sign', 'verify'])) as webcrypto.CryptoKeyPair;
  const cert = await x509.X509CertificateGenerator.createSelfSigned({
    serialNumber: randomBytes(16)
      .toString('hex')
      .replace(/^[89a-f]/, '1'),
    name: 'CN=Lintel console (self-signed), O=Lintel',
    notBefore: new Date(now.getTime() - 3_600_000),
    notAfter: new Date(now.getTime() + VALIDITY_MS),
    keys: keys as unknown as Parameters<typeof x509.X509CertificateGenerator.createSelfSigned>[0]['keys'],
    signingAlgorithm: alg,
    extensions: [
      new x509.BasicConstraintsExtension(false, undefined, true),
      new x509.KeyUsagesExtension(x509.KeyUsageFlags.digitalSignature, true),
      new x509.ExtendedKeyUsageExtension([x509.ExtendedKeyUsage.serverAuth]),
      new x509.SubjectAlternativeNameExtension([
        ...hostNames().map((value) => ({ type: 'dns' as const, value })),
        { type: 'ip', value: '127.0.0.1' },
        { type: 'ip', value: '::1' },
      ]),
    ],
  });
  const pkcs8 = Buffer.from(await webcrypto.subtle.exportKey('pkcs8', keys.privateKey));
  const key = createPrivateKey({ key: pkcs8, format: 'der', type: 'pkcs8' }).export({
    format: 'pem',
    type: 'pkcs8',
  }) as string;
  return { cert: cert.toString('pem'), key };
}

function fingerprintOf(certPem: string): string {
  return new NodeX509(certPem).fingerprint256;
}

/**
 * The TLS certificate for `lintel serve`: the operator's PEM files when given, otherwise a self-signed
 * ECDSA P-256 certificate made on first run. The certificate is kept in the data folder (so it can be
 * trusted in a browser); its private key is a site secret, sealed under the KEK inside the database,
 * never a plaintext file. It is renewed 30 days before it expires.
 */
export async function loadTls(
  site: OpenSite,
  now: Clock,
  provided?: { certFile: string; keyFile: string },
): Promise<TlsMaterial> {
  if (provided) {
    const cert = fs.readFileSync(provided.certFile, 'utf8');
    const key = fs.readFileSync(provided.keyFile, 'utf8');
    return { cert, key, fingerprint: fingerprintOf(cert), selfSigned: false, certFile: provided.certFile };
  }
  const certFile = path.join(site.paths.tlsDir, 'cert.pem');
  const stored = site.secrets.get('tls.private-key', 1);
  if (stored && fs.existsSync(certFile)) {
    const cert = fs.readFileSync(certFile, 'utf8');
    const parsed = new NodeX509(cert);
    const fresh = new Date(parsed.validTo).getTime() - now().getTime() > RENEW_BEFORE_MS;
    const matches = parsed.checkPrivateKey(createPrivateKey(stored.value.toString('utf8')));
    if (fresh && matches)
      return {
        cert,
        key: stored.value.toString('utf8'),
        fingerprint: parsed.fingerprint256,
        selfSigned: true,
        certFile,
      };
  }
  const made = await generate(now());
  site.secrets.replace('tls.private-key', 1, Buffer.from(made.key, 'utf8'), now());
  fs.mkdirSync(site.paths.tlsDir, { recursive: true, mode: 0o700 });
  writeFileAtomic(certFile, made.cert, 0o644);
  return { ...made, fingerprint: fingerprintOf(made.cert), selfSigned: true, certFile };
}
