import type { Log } from '../app/log.js';
import { isTrustedSender, loggableOrigin, type SenderFrame } from './app-origin.js';

/** What the IPC handlers need of a message's event: a subset of Electron's IpcMainInvokeEvent. */
export interface InvokeEvent {
  sender: { id: number };
  senderFrame: { url: string; origin: string; parent: unknown } | null;
}

function frameOf(event: InvokeEvent): SenderFrame | null {
  const f = event.senderFrame;
  return f ? { url: f.url, origin: f.origin, isTopFrame: f.parent === null } : null;
}

/**
 * The sender check every IPC handler runs first, in the locked mode and once the Service serves:
 * whether the message comes from the console's own top frame. Anything else is logged (with its origin
 * only) and the caller drops it unanswered: an untrusted frame learns nothing, not even the channel.
 */
export function senderCheck(log: Log): (event: InvokeEvent, channel: string) => boolean {
  return (event, channel) => {
    const frame = frameOf(event);
    if (isTrustedSender(frame)) return true;
    log.warn(
      {
        channel,
        webContents: event.sender.id,
        from: frame ? loggableOrigin(frame.url) : '(frame gone)',
        topFrame: frame?.isTopFrame ?? null,
      },
      'ipc: message from an untrusted sender dropped',
    );
    return false;
  };
}
