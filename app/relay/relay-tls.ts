import { X509Certificate, createPrivateKey } from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import { writeFileAtomic } from '../keys/atomic-file.js';
import { generate } from '../server/tls.js';

/** The relay's certificate and key, and the fingerprint clients pin. */
export interface RelayTls {
  cert: string;
  key: string;
  /** SHA-256 of the certificate, upper-case hex pairs with colons. */
  fingerprint: string;
  /** True when this start made them (first start). */
  created: boolean;
}

/**
 * The relay's TLS material, `<data dir>/tls/cert.pem` and `key.pem` (0600), made self-signed on first
 * start. Unlike `lintel serve` the relay never renews it: clients pin its fingerprint (not a CA), so a
 * new certificate would lock every Service and phone out, and an expired one is still accepted by the
 * pin. The private key is a plain file because the relay has no KEK; it protects only this relay's TLS.
 */
export async function loadRelayTls(dataDir: string, now: Date): Promise<RelayTls> {
  const dir = path.join(dataDir, 'tls');
  const certFile = path.join(dir, 'cert.pem');
  const keyFile = path.join(dir, 'key.pem');
  const haveCert = fs.existsSync(certFile);
  const haveKey = fs.existsSync(keyFile);
  if (haveCert && haveKey) {
    const cert = fs.readFileSync(certFile, 'utf8');
    const key = fs.readFileSync(keyFile, 'utf8');
    const parsed = new X509Certificate(cert);
    if (!parsed.checkPrivateKey(createPrivateKey(key)))
      throw new Error(
        `${keyFile} is not the key of ${certFile}: restore the pair from a backup (a new pair changes the fingerprint every client pins)`,
      );
    return { cert, key, fingerprint: parsed.fingerprint256, created: false };
  }
  if (haveCert !== haveKey)
    throw new Error(
      `${haveCert ? keyFile : certFile} is missing: restore it from a backup, or delete ${dir} to make a new certificate (every client must then pin its new fingerprint)`,
    );
  const made = await generate(now);
  fs.mkdirSync(dir, { recursive: true, mode: 0o700 });
  writeFileAtomic(keyFile, made.key, 0o600);
  writeFileAtomic(certFile, made.cert, 0o644);
  return { ...made, fingerprint: new X509Certificate(made.cert).fingerprint256, created: true };
}
