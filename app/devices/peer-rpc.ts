import type { z } from 'zod';
import {
  ExchangeEndpoint,
  ExchangeError,
  type Datagrams,
  type ExchangeOptions,
  type RequestOptions,
} from '../exchange/exchange.js';
import {
  decodeJson,
  DEVICE_METHODS,
  DeviceProtocolError,
  encodeJson,
  type DeviceMethod,
  type MethodParams,
  type MethodResult,
} from './protocol.js';

/** What one side serves: the methods it answers (others answer not-found). */
export type DeviceHandlers = {
  [M in DeviceMethod]?: (params: MethodParams<M>) => MethodResult<M> | Promise<MethodResult<M>>;
};

/** Where a handler's unexpected failure goes (its message is never sent: it may name local paths). */
export type FailureSink = (method: string, err: unknown) => void;

const isMethod = (m: string): m is DeviceMethod => Object.hasOwn(DEVICE_METHODS, m);

/**
 * The device protocol over one peer's exchange endpoint: typed calls whose answers are validated, and
 * handlers whose params are validated before they run. A request that does not fit its schema answers
 * bad-request with what was wrong; a handler that throws answers `failed` without its message.
 */
export class DevicePeer {
  readonly exchange: ExchangeEndpoint;

  constructor(
    datagrams: Datagrams,
    handlers: DeviceHandlers,
    options: ExchangeOptions & { onFailure?: FailureSink } = {},
  ) {
    const { onFailure, ...exchangeOptions } = options;
    this.exchange = new ExchangeEndpoint(
      datagrams,
      async (method, payload) => {
        if (!isMethod(method) || !handlers[method])
          return { status: 'not-found', payload: encodeJson({ error: `no method ${method}` }) };
        let params: unknown;
        try {
          params = decodeJson(DEVICE_METHODS[method].params as z.ZodType, payload, `${method} params`);
        } catch (err) {
          if (!(err instanceof DeviceProtocolError)) throw err;
          return { status: 'bad-request', payload: Buffer.from(err.message, 'utf8') };
        }
        try {
          const handler = handlers[method] as (p: unknown) => unknown;
          return { status: 'ok', payload: encodeJson(await handler(params)) };
        } catch (err) {
          if (err instanceof DeviceProtocolError)
            return { status: 'bad-request', payload: Buffer.from(err.message, 'utf8') };
          onFailure?.(method, err);
          return { status: 'failed', payload: Buffer.from(`${method} failed on the peer`, 'utf8') };
        }
      },
      exchangeOptions,
    );
  }

  /** Calls `method` on the peer; throws ExchangeError (no answer, refused) or DeviceProtocolError (bad answer). */
  async call<M extends DeviceMethod>(
    method: M,
    params: MethodParams<M>,
    options: RequestOptions = {},
  ): Promise<MethodResult<M>> {
    const answer = await this.exchange.request(method, encodeJson(params), options);
    return decodeJson(
      DEVICE_METHODS[method].result as z.ZodType,
      answer,
      `${method} result`,
    ) as MethodResult<M>;
  }

  close(): void {
    this.exchange.close();
  }
}

export { ExchangeError };
