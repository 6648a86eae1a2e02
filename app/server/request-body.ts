import type { IncomingMessage } from 'node:http';

/** The body was larger than the limit; the transport answers 413. */
export class BodyTooLargeError extends Error {
  constructor(readonly limit: number) {
    super(`request body larger than ${limit} bytes`);
    this.name = 'BodyTooLargeError';
  }
}

/** The body was not valid UTF-8. */
export class BodyEncodingError extends Error {
  constructor() {
    super('request body is not valid UTF-8');
    this.name = 'BodyEncodingError';
  }
}

/**
 * Reads a request body as UTF-8 text, refusing as soon as it passes `limit` bytes (by the
 * Content-Length header when given, else while streaming) so a huge body costs nothing to refuse.
 */
export async function readBody(req: IncomingMessage, limit: number): Promise<string> {
  const declared = Number(req.headers['content-length']);
  if (Number.isFinite(declared) && declared > limit) throw new BodyTooLargeError(limit);
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of req) {
    size += (chunk as Buffer).length;
    if (size > limit) throw new BodyTooLargeError(limit);
    chunks.push(chunk as Buffer);
  }
  try {
    return new TextDecoder('utf-8', { fatal: true }).decode(Buffer.concat(chunks));
  } catch {
    throw new BodyEncodingError();
  }
}
