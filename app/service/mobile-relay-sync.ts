import type { Log } from '../log.js';
import { RELAY_PAGE_LIMIT } from '../relay/relay-api.js';
import { RelayError, ServiceRelayClient } from '../relay/relay-client.js';
import type { Clock, OpenSite } from '../site/site.js';
import { MobileRepo, RELAY_SECRET } from '../store/mobile-repo.js';
import type { EventBus } from './event-bus.js';

/**
 * The Service's side of the relay: the client built from the stored settings (its secret opened from
 * the site's secret store only for the call), every call's outcome recorded for mobile.relay.get, and
 * the background poller. Every `everyMs` the poller reads the relay's new enrolments (each one a phone
 * of the user its invitation was made for) and delivery reports (each one a key's new state), and tells
 * the relay about revocations it has not confirmed yet; the console hears of each change as
 * `mobile.changed`. A failing relay is recorded and tried again later, backing off up to `maxBackoffMs`:
 * the poller never throws.
 */

/** What the poller needs. */
export interface MobileRelayOptions {
  site: OpenSite;
  clock: Clock;
  events: EventBus;
  log: Log;
  /** Between two polls (default 2000 ms). */
  everyMs?: number;
  /** The longest wait after failures (default 60 s). */
  maxBackoffMs?: number;
  /** Give up on one request after this long (default 10 s). */
  timeoutMs?: number;
  /**
   * Runs at every poll, relay or not (the group key for locks that appeared since the last issue);
   * its failures are logged, never counted against the relay.
   */
  housekeeping?: () => Promise<void>;
}

/** What a relay call failing means to the operator. */
export function relayProblem(err: unknown): string {
  return err instanceof Error ? err.message : String(err);
}

/** The relay answered that what was asked about is gone: nothing left to tell it. */
function goneAtRelay(err: unknown): boolean {
  return err instanceof RelayError && err.status === 404;
}

export class MobileRelay {
  private readonly repo: MobileRepo;
  private timer: NodeJS.Timeout | undefined;
  private running = false;
  private polling: Promise<void> | undefined;
  private failures = 0;

  constructor(private readonly o: MobileRelayOptions) {
    this.repo = new MobileRepo(o.site.db);
  }

  /** A client for the configured relay; undefined while none is set. */
  client(): ServiceRelayClient | undefined {
    const cfg = this.repo.relay();
    const secret = cfg && this.o.site.secrets.get(RELAY_SECRET);
    if (!cfg || !secret) return undefined;
    return new ServiceRelayClient({
      url: cfg.url,
      fingerprint: cfg.fingerprint,
      secret: secret.value.toString('utf8'),
      timeoutMs: this.o.timeoutMs ?? 10_000,
    });
  }

  /**
   * Runs one call to the relay, recording its outcome: the time of the last answer, or why it failed
   * (the console shows both). A change between working and failing is published.
   */
  async call<T>(fn: (client: ServiceRelayClient) => Promise<T>, client = this.client()): Promise<T> {
    if (!client) throw new Error('no relay is set: set one first (mobile.relay.set)');
    const before = this.repo.relay()?.lastError ?? null;
    try {
      const out = await fn(client);
      if (this.o.site.db.open) this.repo.relayContact(this.o.clock());
      if (before !== null) this.changed();
      return out;
    } catch (err) {
      // A refusal about one object (404: unknown phone or token) still proves the relay works; any other
      // (401: the secret changed at the relay, 5xx) is the relay's problem to show the operator.
      if (this.o.site.db.open) {
        if (goneAtRelay(err)) this.repo.relayContact(this.o.clock());
        else this.repo.relayError(relayProblem(err), this.o.clock());
        if ((this.repo.relay()?.lastError ?? null) !== before) this.changed();
      }
      throw err;
    }
  }

  /** Starts polling. */
  start(): void {
    if (this.running) return;
    this.running = true;
    this.schedule(0);
  }

  /** Stops polling; resolves once a poll under way ended. */
  async stop(): Promise<void> {
    this.running = false;
    clearTimeout(this.timer);
    await this.polling;
  }

  /** Polls once now (what the timer does); false when the relay could not be read. Never throws. */
  async pollOnce(): Promise<boolean> {
    if (this.polling) {
      await this.polling;
      return this.repo.relay()?.lastError === null;
    }
    let ok = true;
    this.polling = this.poll().catch((err: unknown) => {
      ok = false;
      this.o.log.warn(
        { err: relayProblem(err) },
        'mobile-relay: polling the relay failed; trying again later',
      );
    });
    await this.polling;
    this.polling = undefined;
    return ok;
  }

  private schedule(ms: number): void {
    clearTimeout(this.timer);
    if (!this.running) return;
    this.timer = setTimeout(() => {
      void this.pollOnce().then((ok) => {
        this.failures = ok ? 0 : this.failures + 1;
        const every = this.o.everyMs ?? 2000;
        this.schedule(Math.min(every * 2 ** this.failures, Math.max(every, this.o.maxBackoffMs ?? 60_000)));
      });
    }, ms);
    this.timer.unref();
  }

  private async poll(): Promise<void> {
    if (!this.o.site.db.open) return;
    await this.o
      .housekeeping?.()
      .catch((err: unknown) =>
        this.o.log.warn({ err: relayProblem(err) }, 'mobile-relay: housekeeping failed; trying again later'),
      );
    if (!this.o.site.db.open) return;
    const client = this.client();
    if (!client) return;
    await this.tellRevocations(client);
    await this.readEnrolments(client);
    await this.readDeliveries(client);
  }

  /** Keys cancelled elsewhere (keys.cancel, the holder deleted) are revoked too; the relay is told of each. */
  private async tellRevocations(client: ServiceRelayClient): Promise<void> {
    const now = this.o.clock();
    const cancelled = this.repo.cancelledNotRevoked();
    for (const id of cancelled) this.repo.revoked(id, now);
    if (cancelled.length) this.o.events.publish('mobile.changed', { what: 'keys', userId: null });
    for (const key of this.repo.untoldRevocations()) {
      try {
        await this.call((c) => c.revokeToken(key.phoneId, key.tokenId), client);
      } catch (err) {
        if (!goneAtRelay(err)) throw err;
      }
      if (!this.o.site.db.open) return;
      this.repo.revokeTold(key.credentialId, this.o.clock());
    }
  }

  private async readEnrolments(client: ServiceRelayClient): Promise<void> {
    for (;;) {
      const after = this.repo.relay()?.enrolmentSeq ?? 0;
      const page = await this.call((c) => c.enrolments(after), client);
      if (!this.o.site.db.open) return;
      const users = new Set<number>();
      this.o.site.db.transaction(() => {
        for (const e of page) {
          const invitation = this.repo.invitation(e.invitationId);
          // An invitation of another site sharing the relay, or of a user deleted since: not ours.
          if (!invitation) {
            this.o.log.warn(
              { invitationId: e.invitationId },
              'mobile-relay: an enrolment names no invitation',
            );
          } else if (
            this.repo.addPhone({
              phoneId: e.phoneId,
              userId: invitation.userId,
              invitationId: e.invitationId,
              devicePublicKey: e.devicePublicKey,
              label: e.label,
              enrolledAt: new Date(e.at).toISOString(),
            })
          )
            users.add(invitation.userId);
          this.repo.setEnrolmentSeq(e.seq);
        }
      })();
      for (const userId of users) this.o.events.publish('mobile.changed', { what: 'phones', userId });
      if (page.length < RELAY_PAGE_LIMIT) return;
    }
  }

  private async readDeliveries(client: ServiceRelayClient): Promise<void> {
    for (;;) {
      const after = this.repo.relay()?.deliverySeq ?? 0;
      const page = await this.call((c) => c.deliveries(after), client);
      if (!this.o.site.db.open) return;
      const users = new Set<number | null>();
      this.o.site.db.transaction(() => {
        for (const d of page) {
          const changed = this.repo.delivery(d.tokenId, d.state, new Date(d.at));
          if (changed) users.add(changed.userId);
          this.repo.setDeliverySeq(d.seq);
        }
      })();
      for (const userId of users) this.o.events.publish('mobile.changed', { what: 'keys', userId });
      if (page.length < RELAY_PAGE_LIMIT) return;
    }
  }

  private changed(): void {
    this.o.events.publish('mobile.changed', { what: 'relay', userId: null });
  }
}
