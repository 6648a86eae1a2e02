import { CONSOLE_CLIENT_HEADER, CSRF_COOKIE, CSRF_HEADER } from '../../../app/contract/jsonrpc.js';
import { RpcCallError } from './rpc-call-error.js';
import type { Transport, TransportEvent } from './transport.js';

/** Where `lintel serve` answers; absolute so a deep link served by the SPA fallback still works. */
const RPC_PATH = '/rpc';
const EVENTS_PATH = '/events';

/** The value of one cookie the page may read (the CSRF token; the session cookie is HttpOnly). */
function readCookie(name: string): string | undefined {
  for (const part of document.cookie.split(';')) {
    const eq = part.indexOf('=');
    if (eq > 0 && part.slice(0, eq).trim() === name) return decodeURIComponent(part.slice(eq + 1).trim());
  }
  return undefined;
}

type Listener = (event: TransportEvent) => void;

/**
 * One EventSource shared by every subscriber, opened with the first and closed with the last, so the
 * console holds a single stream whatever the number of screens listening.
 */
class EventStream {
  private source: EventSource | undefined;
  private readonly topics = new Map<
    string,
    { listeners: Set<Listener>; handler: (e: MessageEvent) => void }
  >();

  add(topic: string, cb: Listener): () => void {
    let entry = this.topics.get(topic);
    if (!entry) {
      const listeners = new Set<Listener>();
      const handler = (e: MessageEvent) => {
        let event: TransportEvent;
        try {
          event = JSON.parse(String(e.data)) as TransportEvent;
        } catch {
          return; // A malformed frame is dropped; the next one may be fine.
        }
        for (const l of [...listeners]) l(event);
      };
      entry = { listeners, handler };
      this.topics.set(topic, entry);
      this.open().addEventListener(topic, handler);
    }
    entry.listeners.add(cb);
    return () => this.remove(topic, cb);
  }

  private open(): EventSource {
    this.source ??= new EventSource(EVENTS_PATH);
    return this.source;
  }

  private remove(topic: string, cb: Listener): void {
    const entry = this.topics.get(topic);
    if (!entry?.listeners.delete(cb) || entry.listeners.size > 0) return;
    this.source?.removeEventListener(topic, entry.handler);
    this.topics.delete(topic);
    if (this.topics.size === 0) {
      this.source?.close();
      this.source = undefined;
    }
  }
}

/**
 * The transport in a browser against `lintel serve`: JSON-RPC over `POST /rpc` and Server-Sent Events
 * from `GET /events`. The session lives only in the HttpOnly cookie; each call echoes the readable
 * CSRF cookie in its header (signed double-submit) and says it is the console, so the login result
 * leaves the token out.
 */
export function httpsTransport(): Transport {
  let nextId = 1;
  const stream = new EventStream();
  return {
    async rpc(method, params) {
      const headers: Record<string, string> = {
        'Content-Type': 'application/json',
        Accept: 'application/json',
        [CONSOLE_CLIENT_HEADER]: 'console',
      };
      const csrf = readCookie(CSRF_COOKIE);
      if (csrf) headers[CSRF_HEADER] = csrf;
      let response: Response;
      try {
        // The method in the URL lets the server read a big body (a file upload) for the methods that
        // take one, and shows in access logs.
        response = await fetch(`${RPC_PATH}?method=${encodeURIComponent(method)}`, {
          method: 'POST',
          headers,
          credentials: 'same-origin',
          cache: 'no-store',
          body: JSON.stringify({ jsonrpc: '2.0', id: nextId++, method, params }),
        });
      } catch (err) {
        throw RpcCallError.unreachable(err instanceof Error ? err.message : 'network error');
      }
      let body: { result?: unknown; error?: unknown };
      try {
        body = (await response.json()) as typeof body;
      } catch {
        throw RpcCallError.unreachable(`HTTP ${response.status} without a JSON-RPC answer`);
      }
      if (body.error !== undefined) throw RpcCallError.from(body.error);
      if (!response.ok || !('result' in body)) throw RpcCallError.from(undefined);
      return body.result;
    },
    subscribe: (topic, cb) => stream.add(topic, cb),
  };
}
