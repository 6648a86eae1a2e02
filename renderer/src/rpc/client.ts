import type { EventPayload, EventTopic } from '../../../app/contract/events.js';
import type { MethodName, ParamsOf, ResultOf } from '../../../app/contract/index.js';
import { electronTransport } from './electron-transport.js';
import { httpsTransport } from './https-transport.js';
import type { Transport } from './transport.js';

/** Picks the transport of the host: the preload bridge in Electron, HTTPS anywhere else. */
export function defaultTransport(): Transport {
  return window.lintel ? electronTransport(window.lintel) : httpsTransport();
}

/** A typed client over a transport: method names, params and results come from the contract. */
export interface RpcClient {
  /** Calls a method; rejects with an RpcCallError. */
  call<M extends MethodName>(method: M, params: ParamsOf<M>): Promise<ResultOf<M>>;
  /** Receives live events of one topic until the returned function is called. */
  subscribe<T extends EventTopic>(
    topic: T,
    cb: (event: { at: string; payload: EventPayload<T> }) => void,
  ): () => void;
}

/**
 * Wraps a transport in the contract's types. It trusts the Service, which already validates every
 * result against the contract, so nothing is parsed twice (and no zod runs under the strict CSP).
 */
export function createClient(transport: Transport): RpcClient {
  return {
    call: async (method, params) => (await transport.rpc(method, params)) as ResultOf<typeof method>,
    subscribe: (topic, cb) =>
      transport.subscribe(topic, (e) => cb({ at: e.at, payload: e.payload as EventPayload<typeof topic> })),
  };
}

/** The console's client, bound to the host's transport when first used. */
let shared: RpcClient | undefined;

/** The console's one client. */
export function rpcClient(): RpcClient {
  shared ??= createClient(defaultTransport());
  return shared;
}

/** Calls a method on the console's client. */
export function call<M extends MethodName>(method: M, params: ParamsOf<M>): Promise<ResultOf<M>> {
  return rpcClient().call(method, params);
}

/** Subscribes on the console's client. */
export function subscribe<T extends EventTopic>(
  topic: T,
  cb: (event: { at: string; payload: EventPayload<T> }) => void,
): () => void {
  return rpcClient().subscribe(topic, cb);
}
