import { RpcError } from '../rpc/rpc-error.js';
import type { HandlerGroup } from './handler-kit.js';

/**
 * Key custody as the running Service sees it. `custody.unlock` is answered for real only by the
 * desktop app's main process before the Service exists (main/locked-host.ts); once a Service answers,
 * its site is open, so the passphrase is not even looked at: nothing here can be used to guess it.
 */
export function custodyHandlers(): HandlerGroup<'custody.unlock'> {
  return {
    'custody.unlock': () => {
      throw new RpcError('CONFLICT', 'The site is already open', { reason: 'open' });
    },
  };
}
