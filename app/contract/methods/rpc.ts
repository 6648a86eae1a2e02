import { z } from 'zod';
import { method } from '../method.js';

/** Service discovery (OpenRPC). */
export const rpcMethods = {
  'rpc.discover': method({
    summary: 'Returns the OpenRPC document describing every method, generated from the contract.',
    params: z.strictObject({}),
    result: z.looseObject({ openrpc: z.string() }),
    access: { kind: 'public' },
    effect: 'read',
    example: {},
  }),
};
