import dns from 'node:dns/promises';
import net from 'node:net';
import { performance } from 'node:perf_hooks';
import tls from 'node:tls';
import { Client } from 'ldapts';
import type { DirectoryStage, DirectoryTestReport } from '../contract/methods/directory.js';
import { redact, toDirectoryError, type ErrorContext } from './directory-errors.js';

/** Where and how to connect, from a checked DirectoryConnection. */
export interface Target {
  url: string;
  host: string;
  port: number;
  /** ldaps: TLS from the first byte; starttls: ldap:// upgraded before binding; plain: allowPlain only. */
  mode: 'ldaps' | 'starttls' | 'plain';
  ipLiteral: boolean;
  /** PEM CA certificates to trust instead of the system store. */
  ca: string | undefined;
  timeoutMs: number;
}

/** One step of a test report. */
export type Step = DirectoryTestReport['steps'][number];

/**
 * Runs one stage: maps any failure to a DirectoryError for that stage, records a step when a report
 * is being built, and gives up at once when the caller's signal is aborted.
 */
export type Run = <T>(
  stage: DirectoryStage,
  work: () => Promise<T>,
  done: (value: T) => string,
  extra?: Partial<ErrorContext>,
) => Promise<T>;

/** A Run over ctx (read at failure time, so fields filled in later count); steps collects a report. */
export function makeRunner(ctx: ErrorContext, signal?: AbortSignal, steps?: Step[]): Run {
  return async (stage, work, done, extra) => {
    signal?.throwIfAborted();
    const started = performance.now();
    const ms = () => Math.max(0, Math.round(performance.now() - started));
    let value;
    let onAbort: (() => void) | undefined;
    try {
      // Race the abort: a destroyed socket does not always fail a pending TLS handshake or LDAP operation.
      const aborted = new Promise<never>((_, reject) => {
        onAbort = () => reject(signal?.reason);
        signal?.addEventListener('abort', onAbort, { once: true });
      });
      aborted.catch(ignore);
      value = await Promise.race([work(), aborted]);
    } catch (e) {
      if (signal?.aborted) throw signal.reason;
      const err = toDirectoryError(e, stage, { ...ctx, ...extra });
      steps?.push({ stage: err.stage, ok: false, ms: ms(), message: err.message });
      throw err;
    } finally {
      if (onAbort) signal?.removeEventListener('abort', onAbort);
    }
    steps?.push({ stage, ok: true, ms: ms(), message: redact(done(value), ctx.secrets) });
    return value;
  };
}

/** Rejects with a timeout error (no Node code: the stage decides what it means) after ms, calling onTimeout first. */
function withDeadline<T>(work: Promise<T>, ms: number, onTimeout: () => void): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => {
      onTimeout();
      reject(new Error(`timed out after ${ms} ms`));
    }, ms);
  });
  return Promise.race([work, timeout]).finally(() => clearTimeout(timer));
}

function ignore(): void {}

/** An open LDAP connection (after the stages up to tls, and the service bind when asked for). */
export interface Session {
  client: Client;
  /** Unbinds and closes every socket; never throws. */
  close(): Promise<void>;
}

/** TLS options shared by ldaps:// and StartTLS: always verify, against the given CA or the system roots, for the URL's host. */
function tlsOptions(target: Target): tls.ConnectionOptions {
  return {
    rejectUnauthorized: true,
    host: target.host,
    // SNI must not carry an IP address (RFC 6066); Node still checks the IP against the certificate's SANs via host.
    ...(target.ipLiteral ? {} : { servername: target.host }),
    ...(target.ca ? { ca: target.ca } : {}),
  };
}

function describeTls(socket: tls.TLSSocket, target: Target): string {
  const cert = socket.getPeerCertificate();
  const name = (n: tls.PeerCertificate['subject'] | undefined) => {
    const cn = n?.CN;
    return Array.isArray(cn) ? cn.join(', ') : (cn ?? '?');
  };
  const how = target.mode === 'starttls' ? 'StartTLS' : 'TLS';
  return `${how} ${socket.getProtocol() ?? ''}: certificate for ${name(cert.subject)} issued by ${name(cert.issuer)}, valid until ${cert.valid_to}, verified against ${target.ca ? 'the CA certificate given' : 'the system trust store'} for ${target.host}`;
}

/** Hands an already connected socket to ldapts once; a second call (an ldapts reconnect) fails instead of reconnecting silently. */
function handOver<S extends net.Socket>(socket: S): () => S {
  let given = false;
  return () => {
    if (given) throw new Error('Connection closed: not reconnecting within one login');
    given = true;
    return socket;
  };
}

/**
 * Opens a connection stage by stage — dns, tcp, tls — and, when bindAs is given, binds (stage bind).
 * Each stage has the connection's timeout; the caller's signal destroys the sockets.
 */
export async function openSession(
  target: Target,
  run: Run,
  opts: { bindAs?: { dn: string; password: string }; signal?: AbortSignal },
): Promise<Session> {
  const sockets: net.Socket[] = [];
  let client: Client | undefined;
  const destroy = () => {
    for (const s of sockets) s.destroy();
  };
  opts.signal?.addEventListener('abort', destroy, { once: true });
  const close = async () => {
    opts.signal?.removeEventListener('abort', destroy);
    if (client?.isConnected) await withDeadline(client.unbind(), 1000, destroy).catch(ignore);
    destroy();
  };
  const ms = target.timeoutMs;
  try {
    await run(
      'dns',
      async () =>
        target.ipLiteral
          ? []
          : withDeadline(dns.lookup(target.host, { all: true, verbatim: true }), ms, ignore),
      (found) =>
        target.ipLiteral
          ? `${target.host} is an IP address: no lookup needed`
          : `${target.host} → ${found.map((a) => a.address).join(', ')}`,
    );

    const raw = await run(
      'tcp',
      () =>
        withDeadline(
          new Promise<net.Socket>((resolve, reject) => {
            const socket = net.connect({ host: target.host, port: target.port });
            sockets.push(socket);
            socket.once('error', reject);
            socket.once('connect', () => {
              socket.removeListener('error', reject);
              socket.on('error', ignore);
              resolve(socket);
            });
          }),
          ms,
          destroy,
        ),
      (s) => `connected to ${target.host}:${target.port} (${s.remoteAddress ?? '?'})`,
    );

    if (target.mode === 'ldaps') {
      const secure = await run(
        'tls',
        () =>
          withDeadline(
            new Promise<tls.TLSSocket>((resolve, reject) => {
              const socket = tls.connect({ ...tlsOptions(target), socket: raw });
              sockets.push(socket);
              socket.once('error', reject);
              socket.once('secureConnect', () => {
                socket.removeListener('error', reject);
                socket.on('error', ignore);
                resolve(socket);
              });
            }),
            ms,
            destroy,
          ),
        (s) => describeTls(s, target),
      );
      client = new Client({
        url: target.url,
        timeout: ms,
        createSecureConnection: handOver(secure) as unknown as typeof tls.connect,
      });
    } else {
      let upgraded: tls.TLSSocket | undefined;
      client = new Client({
        url: target.url,
        timeout: ms,
        createConnection: handOver(raw) as unknown as typeof net.connect,
        // ldapts calls this for StartTLS only (the URL is ldap://); keep the socket to close it and describe it.
        createSecureConnection: ((options: tls.ConnectionOptions) => {
          upgraded = tls.connect(options);
          sockets.push(upgraded);
          return upgraded;
        }) as typeof tls.connect,
      });
      const c = client;
      if (target.mode === 'starttls')
        await run(
          'tls',
          () => withDeadline(c.startTLS(tlsOptions(target)), ms, destroy),
          () => (upgraded ? describeTls(upgraded, target) : 'StartTLS done'),
        );
      else
        await run(
          'tls',
          async () => undefined,
          () => 'plain ldap:// without TLS (allowPlain): passwords cross the network in clear',
        );
    }

    const bindAs = opts.bindAs;
    const c = client;
    if (bindAs)
      await run(
        'bind',
        () => c.bind(bindAs.dn, bindAs.password),
        () => `bound as ${bindAs.dn}`,
      );
    return { client, close };
  } catch (e) {
    await close();
    throw e;
  }
}
