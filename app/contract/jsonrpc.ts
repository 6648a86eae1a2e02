import type { RpcErrorObject } from './errors.js';

/** A JSON-RPC id: requests with none are notifications and get no response. */
export type RpcId = string | number | null;

/** A JSON-RPC 2.0 request as parsed from the wire. */
export interface RpcRequest {
  jsonrpc: '2.0';
  method: string;
  params?: unknown;
  id?: RpcId;
}

/** A successful JSON-RPC 2.0 response. */
export interface RpcSuccess {
  jsonrpc: '2.0';
  id: RpcId;
  result: unknown;
}

/** A failed JSON-RPC 2.0 response. */
export interface RpcFailure {
  jsonrpc: '2.0';
  id: RpcId;
  error: RpcErrorObject;
}

/** Either response shape. */
export type RpcResponse = RpcSuccess | RpcFailure;

/** Header a cookie-authenticated request must carry (the signed double-submit CSRF token). */
export const CSRF_HEADER = 'x-csrf-token';
/** Cookie holding the CSRF token that the console copies into {@link CSRF_HEADER}. */
export const CSRF_COOKIE = '__Host-lintel_csrf';
/** Header by which the console asks the transport to keep the session token out of response bodies. */
export const CONSOLE_CLIENT_HEADER = 'x-lintel-client';
