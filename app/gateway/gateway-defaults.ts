/**
 * The gateway's defaults, apart from gateway-command.ts: the CLI declares `lintel gateway --listen`
 * with them in every process, and loads the gateway itself only when it runs (issue 11).
 */

/** The default listen address: every interface, Lintel's gateway port. */
export const DEFAULT_GATEWAY_LISTEN = '0.0.0.0:4751';
