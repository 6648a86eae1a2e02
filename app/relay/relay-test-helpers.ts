import fs from 'node:fs';
import type { IncomingHttpHeaders } from 'node:http';
import https from 'node:https';
import path from 'node:path';

/** What a raw request got back. */
export interface RawReply {
  status: number;
  headers: IncomingHttpHeaders;
  // eslint-disable-next-line @typescript-eslint/no-explicit-any -- tests look into error bodies freely
  json: any;
}

/**
 * A request with any method, path and body, bypassing the clients (so tests can send what a client never
 * would). TLS is verified for real, trusting exactly the relay's own certificate from its data folder.
 */
export function rawRequest(
  target: { url: string; dataDir: string },
  method: string,
  requestPath: string,
  body?: string,
  headers: Record<string, string> = {},
): Promise<RawReply> {
  const url = new URL(target.url);
  const ca = fs.readFileSync(path.join(target.dataDir, 'tls', 'cert.pem'), 'utf8');
  return new Promise((resolve, reject) => {
    const req = https.request(
      {
        method,
        host: url.hostname,
        port: url.port,
        path: requestPath,
        agent: false,
        ca,
        headers: {
          ...(body !== undefined
            ? { 'Content-Type': 'application/json', 'Content-Length': Buffer.byteLength(body) }
            : {}),
          ...headers,
        },
      },
      (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (c: Buffer) => chunks.push(c));
        res.on('end', () => {
          const text = Buffer.concat(chunks).toString('utf8');
          let json: unknown;
          try {
            json = JSON.parse(text);
          } catch {
            json = text;
          }
          resolve({ status: res.statusCode ?? 0, headers: res.headers, json });
        });
      },
    );
    req.on('error', reject);
    req.end(body);
  });
}
