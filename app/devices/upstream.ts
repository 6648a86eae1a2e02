import type { Log } from '../log.js';
import type { LinkEndpoint } from '../link/udp-endpoint.js';
import type { DeviceStore } from './device-store.js';
import type { Upstream } from './device-identity.js';
import { DEVICE_EXCHANGE } from './downstream.js';
import { DevicePeer, type DeviceHandlers } from './peer-rpc.js';
import type { SyncReply, UnitStatus } from './protocol.js';

/**
 * The reporting side of the device protocol, shared by gateways and control units: keeps the replica in
 * step with the upstream (a sync when told `changed`, and every `syncEveryMs` in case a notice was
 * lost), sends the outbox's events oldest first until acknowledged, and reports status. Every loop
 * retries by itself with a growing pause, so a device rides out the Service being down: its doors keep
 * working from the replica and its events wait in the outbox.
 */

export interface UpstreamOptions {
  endpoint: LinkEndpoint;
  upstream: Upstream;
  store: DeviceStore;
  /** Downstream methods this device answers besides `changed` (a `command`). */
  handlers?: Omit<DeviceHandlers, 'changed'>;
  /** What to report: this device, and for a gateway its units. */
  status: () => UnitStatus[];
  /** After a sync reply was applied (a control unit reloads its tables; a gateway tells its units). */
  onSynced?: (reply: SyncReply) => void;
  log: Log;
  syncEveryMs?: number;
  statusEveryMs?: number;
  eventBatch?: number;
}

const MAX_PAUSE_MS = 5_000;

export class UpstreamClient {
  readonly peer: DevicePeer;
  private stopped = false;
  private readonly timers = new Set<NodeJS.Timeout>();
  private syncing: Promise<void> | undefined;
  private syncAgain = false;
  private sending = false;
  /** Epoch ms of the last answer from upstream. */
  lastAnswer: number | undefined;
  /** The upstream's clock minus ours, from the last status answer (ms). */
  clockOffset = 0;

  constructor(private readonly o: UpstreamOptions) {
    o.endpoint.addPeer({
      publicKey: o.upstream.publicKey,
      psk: o.upstream.psk,
      address: { address: o.upstream.host, port: o.upstream.port },
      keepaliveMs: 10_000,
    });
    this.peer = new DevicePeer(
      o.endpoint.peer(o.upstream.publicKey),
      {
        ...o.handlers,
        changed: (p) => {
          if (p.revision !== o.store.syncParams().revision) this.syncNow();
          return {};
        },
      },
      {
        ...DEVICE_EXCHANGE,
        onFailure: (method, err) =>
          o.log.warn({ method, err: String(err) }, 'device: a request from upstream failed'),
      },
    );
  }

  /** Whether upstream answered within the last 15 s. */
  get online(): boolean {
    return this.lastAnswer !== undefined && Date.now() - this.lastAnswer < 15_000;
  }

  start(): void {
    this.syncNow();
    this.sendEvents();
    this.every(this.o.syncEveryMs ?? 30_000, () => this.syncNow());
    this.every(this.o.statusEveryMs ?? 5_000, () => void this.reportStatus());
    void this.reportStatus();
  }

  stop(): void {
    this.stopped = true;
    for (const t of this.timers) clearTimeout(t);
    this.timers.clear();
    this.peer.close();
  }

  private every(ms: number, run: () => void): void {
    const t = setInterval(() => {
      if (!this.stopped) run();
    }, ms);
    t.unref();
    this.timers.add(t);
  }

  private later(ms: number, run: () => void): void {
    const t = setTimeout(() => {
      this.timers.delete(t);
      if (!this.stopped) run();
    }, ms);
    this.timers.add(t);
  }

  private answered(): void {
    this.lastAnswer = Date.now();
  }

  /** Syncs now, or right after the sync that is running (the notice may be for a newer revision). */
  syncNow(): void {
    if (this.stopped) return;
    if (this.syncing) {
      this.syncAgain = true;
      return;
    }
    this.syncing = this.syncLoop().finally(() => {
      this.syncing = undefined;
    });
  }

  /** Resolves when no sync is running (tests and the gateway's first start). */
  async settled(): Promise<void> {
    while (this.syncing) await this.syncing;
  }

  private async syncLoop(): Promise<void> {
    let pause = 250;
    for (;;) {
      this.syncAgain = false;
      try {
        const reply = await this.peer.call('sync', this.o.store.syncParams());
        this.answered();
        this.o.store.applySync(reply);
        this.o.onSynced?.(reply);
        if (!this.syncAgain || this.stopped) return;
      } catch (err) {
        if (this.stopped) return;
        this.o.log.debug({ err: String(err) }, 'device: sync failed; retrying');
        await new Promise<void>((resolve) => this.later(pause, resolve));
        pause = Math.min(pause * 2, MAX_PAUSE_MS);
        if (this.stopped) return;
      }
    }
  }

  /** Sends the outbox upstream until it is empty; call after enqueueing (a second call while sending is a no-op). */
  sendEvents(): void {
    if (this.sending || this.stopped) return;
    this.sending = true;
    void this.sendLoop().finally(() => {
      this.sending = false;
    });
  }

  private async sendLoop(): Promise<void> {
    let pause = 250;
    const batch = this.o.eventBatch ?? 200;
    while (!this.stopped) {
      const events = this.o.store.pending(batch);
      if (events.length === 0) return;
      try {
        const { ack } = await this.peer.call('events', { events });
        this.answered();
        this.o.store.acknowledge(ack);
        if (ack >= events[0]!.seq) {
          pause = 250;
          continue;
        }
        // The upstream holds less than the batch's first: it lost nothing it acknowledged, but something
        // this side forgot. Cannot happen unless a store was replaced; say so and keep retrying.
        this.o.log.error(
          { ack, first: events[0]!.seq },
          'device: upstream acknowledged less than the oldest pending event',
        );
      } catch (err) {
        if (this.stopped) return;
        this.o.log.debug({ err: String(err) }, 'device: sending events failed; retrying');
      }
      await new Promise<void>((resolve) => this.later(pause, resolve));
      pause = Math.min(pause * 2, MAX_PAUSE_MS);
    }
  }

  /** Reports status now. */
  async reportStatus(): Promise<void> {
    try {
      const sentAt = Date.now();
      const { now } = await this.peer.call('status', { units: this.o.status() });
      this.answered();
      this.clockOffset = now - Math.round((sentAt + Date.now()) / 2);
      this.sendEvents();
    } catch {
      // Reported again in a few seconds; being offline is what `online` shows.
    }
  }
}
