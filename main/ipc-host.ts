import { ErrorCode, type ErrorName } from '../app/contract/errors.js';
import type { EventTopic } from '../app/contract/events.js';
import type { RpcFailure, RpcRequest, RpcResponse } from '../app/contract/jsonrpc.js';
import type { Log } from '../app/log.js';
import type { CallContext, Caller } from '../app/rpc/context.js';
import { checkRequest } from '../app/rpc/envelope.js';
import type { Service } from '../app/service/service.js';
import { parseRpcMessage, parseTopic, type IpcEventMessage } from './ipc-guard.js';

/** How IPC calls appear in the audit log and to the per-address rate limits. */
export const IPC_SOURCE = 'ipc';

/** One renderer (a webContents) as the main process sees it. */
interface Client {
  /** The session token: it lives here, in the main process, and never reaches the renderer. */
  token?: string;
  /** Live-event subscriptions by topic, each with its unsubscribe function. */
  subscriptions: Map<EventTopic, () => void>;
  /** The next JSON-RPC id; the main process numbers the calls, not the renderer. */
  nextId: number;
  /** Set once the webContents is gone: a login finishing after that is ended at once. */
  gone: boolean;
}

function failure(name: ErrorName, message: string): RpcFailure {
  return { jsonrpc: '2.0', id: null, error: { code: ErrorCode[name], message, data: { name } } };
}

/**
 * The IPC transport's state, kept apart from Electron so that it runs under tests against a real
 * Service. Clients are keyed by webContents id. Each keeps its own session, so two windows log in
 * separately, and a closed window's session is ended rather than left to expire.
 */
export class IpcHost {
  private readonly clients = new Map<number, Client>();
  private readonly pending = new Set<Promise<unknown>>();

  constructor(
    private readonly service: Service,
    private readonly log: Log,
  ) {}

  private client(id: number): Client {
    let c = this.clients.get(id);
    if (!c) {
      c = { subscriptions: new Map(), nextId: 1, gone: false };
      this.clients.set(id, c);
    }
    return c;
  }

  /** Whether a webContents has state here (tests and the transport's cleanup bookkeeping). */
  has(id: number): boolean {
    return this.clients.has(id);
  }

  /** Whether a webContents currently holds a session (never says which). */
  hasSession(id: number): boolean {
    return this.clients.get(id)?.token !== undefined;
  }

  /**
   * Answers one `lintel:rpc` message from webContents `id` (already known to come from the console).
   * Always resolves to a JSON-RPC response; it never throws, so the renderer always gets an answer.
   */
  async rpc(id: number, message: unknown): Promise<RpcResponse> {
    const parsed = parseRpcMessage(message);
    if (!parsed.ok) {
      this.log.warn({ webContents: id, reason: parsed.reason }, 'ipc: malformed rpc message refused');
      return failure('INVALID_REQUEST', `Invalid Request: ${parsed.reason}`);
    }
    const c = this.client(id);
    const request: RpcRequest = { jsonrpc: '2.0', id: c.nextId++, method: parsed.message.method };
    if (parsed.message.params !== undefined) request.params = parsed.message.params;
    const checked = checkRequest(request);
    if (!checked.ok) return checked.response;

    let caller: Caller | undefined;
    const callToken = c.token;
    if (c.token !== undefined) {
      caller = this.service.authenticate(c.token);
      // An expired or ended session is forgotten, so the renderer sees UNAUTHENTICATED, not a stale login.
      if (!caller) c.token = undefined;
    }
    const ctx: CallContext = {
      ...(caller ? { caller } : {}),
      source: IPC_SOURCE,
      address: IPC_SOURCE,
      localOperator: true,
      revealToken: false,
      sessionSink: {
        started: (token) => {
          const previous = c.token;
          c.token = token;
          // A second login replaces the first; the first session is ended, not left behind.
          if (previous !== undefined && previous !== token) this.track(this.logout(previous));
          if (c.gone) {
            c.token = undefined;
            this.track(this.logout(token));
          }
        },
        ended: () => {
          // Only the session this call ran under: a login that finished meanwhile stays.
          if (c.token === callToken) c.token = undefined;
        },
      },
    };
    try {
      const response = await this.service.dispatcher.call(checked.request, ctx);
      return response ?? failure('INTERNAL_ERROR', 'Internal error');
    } catch (err) {
      // The dispatcher turns handler errors into responses; this is a last net for the transport.
      this.log.error({ err, method: request.method }, 'ipc: rpc failed');
      return failure('INTERNAL_ERROR', 'Internal error');
    }
  }

  /**
   * Subscribes webContents `id` to a topic; `send` delivers to it. Permissions are checked at every
   * delivery against the session held at that moment, so a subscription made before login starts
   * delivering after it, and stops at logout or expiry. Subscribing twice to a topic is one subscription.
   */
  subscribe(id: number, topic: unknown, send: (message: IpcEventMessage) => void): boolean {
    const t = parseTopic(topic);
    if (!t) {
      this.log.warn({ webContents: id }, 'ipc: subscription to an unknown topic refused');
      return false;
    }
    const c = this.client(id);
    if (c.subscriptions.has(t)) return true;
    const unsubscribe = this.service.events.subscribe(
      () => (c.token === undefined ? undefined : this.service.authenticate(c.token, { touch: false })),
      (event) => {
        if (event.topic === t) send({ topic: t, at: event.at, payload: event.payload });
      },
    );
    c.subscriptions.set(t, unsubscribe);
    return true;
  }

  /** Ends one subscription of webContents `id`. */
  unsubscribe(id: number, topic: unknown): boolean {
    const t = parseTopic(topic);
    const c = this.clients.get(id);
    if (!t || !c) return false;
    c.subscriptions.get(t)?.();
    return c.subscriptions.delete(t);
  }

  /** Ends every subscription of webContents `id` (its page is being replaced, e.g. by a reload). */
  unsubscribeAll(id: number): void {
    const c = this.clients.get(id);
    if (!c) return;
    for (const stop of c.subscriptions.values()) stop();
    c.subscriptions.clear();
  }

  /** Forgets webContents `id` (it was destroyed): its subscriptions end and its session is logged out. */
  forget(id: number): Promise<void> {
    const c = this.clients.get(id);
    if (!c) return Promise.resolve();
    this.unsubscribeAll(id);
    this.clients.delete(id);
    c.gone = true;
    const token = c.token;
    c.token = undefined;
    return token === undefined ? Promise.resolve() : this.track(this.logout(token));
  }

  /** Forgets every client and waits for their logouts (the app is quitting). */
  async dispose(): Promise<void> {
    await Promise.all([...this.clients.keys()].map((id) => this.forget(id)));
    await this.settled();
  }

  /** Resolves once every logout started so far has finished. */
  async settled(): Promise<void> {
    await Promise.all([...this.pending]);
  }

  /** Logs a session out through the dispatcher, so the audit log records it like any logout. */
  private async logout(token: string): Promise<void> {
    const caller = this.service.authenticate(token, { touch: false });
    if (!caller) return;
    const response = await this.service.dispatcher.call(
      { jsonrpc: '2.0', id: 0, method: 'session.logout' },
      { caller, source: IPC_SOURCE, address: IPC_SOURCE, revealToken: false },
    );
    if (response && 'error' in response) {
      this.log.warn({ code: response.error.code }, 'ipc: logout of a closed window failed');
    }
  }

  private track<T>(p: Promise<T>): Promise<T> {
    this.pending.add(p);
    void p.finally(() => this.pending.delete(p)).catch(() => {});
    return p;
  }
}
