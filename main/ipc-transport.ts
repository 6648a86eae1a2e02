import { ipcMain, type WebContents } from 'electron';
import type { Log } from '../app/log.js';
import type { Service } from '../app/service/service.js';
import { isAppUrl } from './app-origin.js';
import { IPC_CHANNELS } from './ipc-guard.js';
import { IpcHost } from './ipc-host.js';
import { senderCheck } from './ipc-sender.js';

/** The registered IPC transport. */
export interface IpcTransport {
  host: IpcHost;
  /** Removes the handlers and logs out every window's session; awaited before the site closes. */
  dispose(): Promise<void>;
}

/**
 * Serves the console over IPC: `lintel:rpc` (JSON-RPC through the Service's dispatcher) and
 * `lintel:subscribe`/`lintel:unsubscribe` (live events, pushed on `lintel:event`). Every message is
 * first checked to come from the console's own top frame; anything else is dropped and logged.
 */
export function registerIpcTransport(service: Service, log: Log): IpcTransport {
  const host = new IpcHost(service, log);
  const watched = new Set<number>();

  const trusted = senderCheck(log);

  // Per-webContents state is created on first use and released with the webContents.
  const watch = (wc: WebContents): void => {
    const id = wc.id;
    if (watched.has(id)) return;
    watched.add(id);
    wc.on('did-start-navigation', (details) => {
      // A reload or a new document starts with no subscriptions: the new page subscribes again. The
      // session stays, so a reload does not log the operator out.
      if (details.isMainFrame && !details.isSameDocument) host.unsubscribeAll(id);
    });
    wc.once('destroyed', () => {
      watched.delete(id);
      void host.forget(id);
    });
  };

  ipcMain.handle(IPC_CHANNELS.rpc, (event, message: unknown) => {
    // Dropped, not answered with an error: an untrusted frame learns nothing, not even the channel.
    if (!trusted(event, IPC_CHANNELS.rpc)) return undefined;
    watch(event.sender);
    return host.rpc(event.sender.id, message);
  });

  ipcMain.handle(IPC_CHANNELS.subscribe, (event, topic: unknown) => {
    if (!trusted(event, IPC_CHANNELS.subscribe)) return undefined;
    const wc = event.sender;
    watch(wc);
    return host.subscribe(wc.id, topic, (message) => {
      // Only the console's own page receives events, even if the window were somewhere else.
      if (!wc.isDestroyed() && isAppUrl(wc.mainFrame.url)) wc.send(IPC_CHANNELS.event, message);
    });
  });

  ipcMain.handle(IPC_CHANNELS.unsubscribe, (event, topic: unknown) => {
    if (!trusted(event, IPC_CHANNELS.unsubscribe)) return undefined;
    return host.unsubscribe(event.sender.id, topic);
  });

  return {
    host,
    dispose: async () => {
      ipcMain.removeHandler(IPC_CHANNELS.rpc);
      ipcMain.removeHandler(IPC_CHANNELS.subscribe);
      ipcMain.removeHandler(IPC_CHANNELS.unsubscribe);
      await host.dispose();
    },
  };
}
