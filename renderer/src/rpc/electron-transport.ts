import { RpcCallError } from './rpc-call-error.js';
import type { Transport } from './transport.js';

/** The transport inside Electron: the preload's `window.lintel` bridge (IPC to the main process). */
export function electronTransport(bridge: LintelBridge): Transport {
  return {
    async rpc(method, params) {
      try {
        return await bridge.rpc(method, params);
      } catch (err) {
        throw RpcCallError.from(err);
      }
    },
    subscribe: (topic, cb) => bridge.subscribe(topic, cb),
  };
}
