// The console's preload: runs sandboxed (CommonJS, `require` limited to 'electron'), so it imports no
// module of ours; the channel names repeat ipc-guard.ts (preload.test.ts keeps them in step). It gives
// the page exactly two functions, never ipcRenderer itself, so the page can reach only the JSON-RPC
// contract and live events.
// With verbatimModuleSyntax this is the one import form a CommonJS (.cts) file may use.
// eslint-disable-next-line @typescript-eslint/no-require-imports
import electron = require('electron');
import type { IpcRendererEvent } from 'electron';

const { contextBridge, ipcRenderer } = electron;

const RPC = 'lintel:rpc';
const SUBSCRIBE = 'lintel:subscribe';
const UNSUBSCRIBE = 'lintel:unsubscribe';
const EVENT = 'lintel:event';

/** A JSON-RPC error as the page receives it when a call is rejected. */
export interface LintelRpcError {
  code: number;
  message: string;
  data?: unknown;
}

/** One live event as the page receives it. */
export interface LintelEvent {
  at: string;
  payload: unknown;
}

/** What the page finds at `window.lintel`. */
export interface LintelBridge {
  rpc(method: string, params?: unknown): Promise<unknown>;
  subscribe(topic: string, cb: (event: LintelEvent) => void): () => void;
}

const INTERNAL: LintelRpcError = {
  code: -32603,
  message: 'Internal error',
  data: { name: 'INTERNAL_ERROR' },
};

function isObject(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null;
}

async function rpc(method: string, params?: unknown): Promise<unknown> {
  let response: unknown;
  try {
    response = await ipcRenderer.invoke(RPC, params === undefined ? { method } : { method, params });
  } catch {
    // Params that cannot be cloned (functions, DOM nodes) or a main process that failed: never leak
    // Electron's own error text to the page.
    throw { ...INTERNAL, message: 'Internal error: the call could not be delivered' };
  }
  if (!isObject(response)) throw INTERNAL;
  if (isObject(response.error)) {
    const e = response.error;
    const error: LintelRpcError = {
      code: typeof e.code === 'number' ? e.code : INTERNAL.code,
      message: typeof e.message === 'string' ? e.message : INTERNAL.message,
    };
    if (e.data !== undefined) error.data = e.data;
    throw error;
  }
  if (!('result' in response)) throw INTERNAL;
  return response.result;
}

// One IPC subscription per topic, however many callbacks the page registers for it.
const listeners = new Map<string, Set<(event: LintelEvent) => void>>();

ipcRenderer.on(EVENT, (_e: IpcRendererEvent, message: unknown) => {
  if (!isObject(message) || typeof message.topic !== 'string' || typeof message.at !== 'string') return;
  const event: LintelEvent = { at: message.at, payload: message.payload };
  for (const cb of [...(listeners.get(message.topic) ?? [])]) {
    try {
      cb(event);
    } catch {
      // One failing page callback must not stop the others.
    }
  }
});

function subscribe(topic: string, cb: (event: LintelEvent) => void): () => void {
  if (typeof topic !== 'string' || typeof cb !== 'function')
    throw new TypeError('subscribe(topic, callback)');
  let set = listeners.get(topic);
  if (!set) {
    set = new Set();
    listeners.set(topic, set);
    void ipcRenderer.invoke(SUBSCRIBE, topic).catch(() => {});
  }
  set.add(cb);
  let active = true;
  return () => {
    if (!active) return;
    active = false;
    const current = listeners.get(topic);
    if (!current) return;
    current.delete(cb);
    if (current.size === 0) {
      listeners.delete(topic);
      void ipcRenderer.invoke(UNSUBSCRIBE, topic).catch(() => {});
    }
  };
}

const bridge: LintelBridge = { rpc, subscribe };
contextBridge.exposeInMainWorld('lintel', bridge);
