// The bridge the Electron preload exposes through contextBridge; absent in a plain browser.

/** One live event as the preload delivers it. */
interface LintelBridgeEvent {
  at: string;
  payload: unknown;
}

/** `window.lintel`: the only door from the sandboxed renderer to the Service in Electron. */
interface LintelBridge {
  /** Calls a JSON-RPC method; resolves to its result, rejects with the JSON-RPC error object. */
  rpc(method: string, params: unknown): Promise<unknown>;
  /** Receives live events of one topic until the returned function is called. */
  subscribe(topic: string, cb: (event: LintelBridgeEvent) => void): () => void;
}

interface Window {
  /** Present only inside the Electron shell. */
  readonly lintel?: LintelBridge;
}
