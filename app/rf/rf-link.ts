import type { Log } from '../log.js';
import type { LockErrorCode } from '../lock/lock-messages.js';
import type { RadioLink } from './air.js';
import type { Eui64 } from './eui64.js';
import type { CounterFile } from './frame-counters.js';
import { RfEndpoint, type RfKeyLookup } from './rf-endpoint.js';
import {
  decodeRfRequest,
  decodeRfResponse,
  encodeRfRequest,
  encodeRfResponse,
  RfMessageError,
  type RfRequest,
  type RfResponse,
} from './rf-messages.js';
import { RfPeer, type RfPeerOptions, type RfRequestOptions } from './rf-transaction.js';

/**
 * The RF node's and the RF lock's common plumbing: an endpoint on one PAN with a transaction peer on it,
 * speaking rf-messages.ts. `ask` sends a request and decodes the answer (a refusal becomes an
 * {@link RfRefusedError}); `serve` decodes what the other end asks and encodes what the handler answers
 * (a request that does not decode is answered BAD_MESSAGE, never acted on).
 */

/** The other end refused a request (an error answer); `code` says why. */
export class RfRefusedError extends Error {
  override readonly name = 'RfRefusedError';
  constructor(
    readonly code: LockErrorCode,
    message: string,
  ) {
    super(message);
  }
}

/** Answers one decoded request from `src`, which came secured with `keyIndex`. */
export type RfMessageHandler = (
  src: Eui64,
  request: RfRequest,
  keyIndex: number,
) => Promise<RfResponse> | RfResponse;

export interface RfLinkOptions {
  radio: RadioLink;
  ext: Eui64;
  panId: number;
  keys: RfKeyLookup;
  counters: CounterFile;
  peer?: RfPeerOptions;
  log?: Log;
}

export class RfLink {
  readonly endpoint: RfEndpoint;
  readonly peer: RfPeer;

  constructor(o: RfLinkOptions) {
    this.endpoint = new RfEndpoint({
      radio: o.radio,
      ext: o.ext,
      panId: o.panId,
      keys: o.keys,
      counters: o.counters,
      ...(o.log ? { log: o.log } : {}),
    });
    this.peer = new RfPeer(this.endpoint, { ...o.peer, ...(o.log ? { log: o.log } : {}) });
  }

  get panId(): number {
    return this.endpoint.panId;
  }

  /** Asks `dst`; resolves with its answer, or rejects (RfRefusedError, RfTransactionError, RfMessageError). */
  async ask<T extends RfResponse['type']>(
    dst: Eui64,
    request: RfRequest,
    expect: T,
    opts: RfRequestOptions = {},
  ): Promise<Extract<RfResponse, { type: T }>> {
    const answer = decodeRfResponse(await this.peer.request(dst, encodeRfRequest(request), opts));
    if (answer.type === 'error') throw new RfRefusedError(answer.code, answer.message);
    if (answer.type !== expect)
      throw new RfMessageError(`rf message: asked ${request.type}, ${dst} answered ${answer.type}`);
    return answer as Extract<RfResponse, { type: T }>;
  }

  serve(handler: RfMessageHandler): void {
    this.peer.serve(async (src, bytes, keyIndex) => {
      let request: RfRequest;
      try {
        request = decodeRfRequest(bytes);
      } catch (err) {
        if (!(err instanceof RfMessageError)) throw err;
        return encodeRfResponse({ type: 'error', code: 'BAD_MESSAGE', message: err.message });
      }
      return encodeRfResponse(await handler(src, request, keyIndex));
    });
  }

  close(): void {
    this.peer.close();
    this.endpoint.close();
  }
}
