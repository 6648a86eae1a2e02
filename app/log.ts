import pino, { type Logger } from 'pino';

/** The service's structured logger type. */
export type Log = Logger;

/**
 * Field names whose values never reach a log line, wherever they appear. The code does not log
 * params or secrets in the first place; this is the second net.
 */
export const REDACTED_PATHS = [
  'password',
  'passphrase',
  'token',
  'key',
  'secret',
  'cookie',
  'authorization',
  '*.password',
  '*.passphrase',
  '*.token',
  '*.key',
  '*.secret',
  '*.cookie',
  '*.authorization',
  'req.headers.authorization',
  'req.headers.cookie',
  'req.headers["x-csrf-token"]',
];

/** A JSON logger on stderr (or `destination`), secrets redacted. Messages start with their module name. */
export function createLogger(opts: { level?: string; destination?: NodeJS.WritableStream } = {}): Log {
  return pino(
    {
      level: opts.level ?? process.env.LINTEL_LOG_LEVEL ?? 'info',
      redact: { paths: REDACTED_PATHS, censor: '[redacted]' },
      timestamp: pino.stdTimeFunctions.isoTime,
      base: { pid: process.pid },
    },
    (opts.destination ?? process.stderr) as pino.DestinationStream,
  );
}

/** A logger that discards everything (tests that do not look at logs). */
export function silentLogger(): Log {
  return pino({ level: 'silent' });
}
