import type { IncomingMessage, ServerResponse } from 'node:http';
import type { Log } from '../log.js';
import type { Service } from '../service/service.js';
import { resolveHttpAuth } from './http-auth.js';

/** A comment line every 25 s keeps proxies and the browser from closing an idle stream. */
const HEARTBEAT_MS = 25_000;

/**
 * `GET /events`: live events as Server-Sent Events, filtered by the permissions of the caller's
 * session at each delivery. The stream ends at logout at once, and within a heartbeat when the
 * session expires. Looking does not extend the session's idle timeout. Event ids count per
 * connection and `Last-Event-ID` is not replayed: a console that reconnects re-reads what it shows.
 */
export function serveEventStream(
  req: IncomingMessage,
  res: ServerResponse,
  service: Service,
  log: Log,
): void {
  const auth = resolveHttpAuth(req, service, { requireCsrf: false, touch: false });
  const token = auth.token;
  if (!auth.caller || !token) {
    res.writeHead(401, { 'Content-Type': 'text/plain; charset=utf-8' }).end('log in first\n');
    return;
  }
  const hash = auth.caller.sessionHash;
  const audience = () => service.authenticate(token, { touch: false });
  res.writeHead(200, {
    'Content-Type': 'text/event-stream; charset=utf-8',
    'Cache-Control': 'no-store',
    'X-Accel-Buffering': 'no',
  });
  res.write('retry: 3000\n\n');
  let seq = 0;
  const unsubscribe = service.events.subscribe(audience, (event) => {
    res.write(
      `id: ${++seq}\nevent: ${event.topic}\ndata: ${JSON.stringify({ at: event.at, payload: event.payload })}\n\n`,
    );
  });
  const heartbeat = setInterval(() => {
    if (!audience()) {
      end();
      return;
    }
    res.write(': ping\n\n');
  }, HEARTBEAT_MS);
  const stopWatching = service.sessions.onEnded((ended) => {
    if (ended.equals(hash)) end();
  });
  const end = () => {
    clearInterval(heartbeat);
    unsubscribe();
    stopWatching();
    if (!res.writableEnded) res.end();
  };
  req.on('close', end);
  log.debug({ session: hash.subarray(0, 4).toString('hex') }, 'serve: event stream opened');
}
