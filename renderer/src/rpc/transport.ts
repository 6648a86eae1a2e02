/** One live event as every transport delivers it: when it happened and what changed. */
export interface TransportEvent {
  at: string;
  payload: unknown;
}

/**
 * How the console reaches the Service: JSON-RPC calls and live events. HTTPS in a browser, IPC in
 * Electron; the screens cannot tell which.
 */
export interface Transport {
  /** Resolves to the method's result; rejects with an RpcCallError. */
  rpc(method: string, params: unknown): Promise<unknown>;
  /** Delivers events of one topic until the returned function is called. */
  subscribe(topic: string, cb: (event: TransportEvent) => void): () => void;
}
