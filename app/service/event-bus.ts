import { events, type EventPayload, type EventSpec, type EventTopic } from '../contract/events.js';
import type { Permission } from '../contract/permissions.js';

/** A delivered event: its name and payload. */
export interface LiveEvent<T extends EventTopic = EventTopic> {
  topic: T;
  payload: EventPayload<T>;
  at: string;
}

/** Who a subscriber is now: its session's permissions and hash, or undefined once the session is gone. */
export type Audience = () => { permissions: ReadonlySet<Permission>; sessionHash: Buffer } | undefined;

/** One subscriber: who it is, and where events go. */
interface Subscriber {
  audience: Audience;
  deliver: (event: LiveEvent) => void;
}

/**
 * In-process publish/subscribe for live events. Each delivery re-checks who the subscriber is (a
 * session that ended or lost a permission stops receiving), and a failing subscriber never stops the
 * others or the publisher. A topic for one session (`ownSession`) goes only to that session's
 * subscribers: the progress of a call is nobody else's business.
 */
export class EventBus {
  private subscribers = new Set<Subscriber>();

  /** Publishes to every subscriber allowed to see the topic; `to` names the session of an own-session topic. */
  publish<T extends EventTopic>(topic: T, payload: EventPayload<T>, to?: Buffer): void {
    const event: LiveEvent = { topic, payload, at: new Date().toISOString() } as LiveEvent;
    const spec: EventSpec = events[topic];
    if (spec.ownSession && !to) throw new Error(`${topic} is published to one session: name it`);
    for (const s of this.subscribers) {
      const who = s.audience();
      if (!who) continue;
      if (spec.ownSession ? !who.sessionHash.equals(to!) : !who.permissions.has(spec.permission)) continue;
      try {
        s.deliver(event);
      } catch {
        // A broken subscriber (a closed socket) is removed by its transport; others still get the event.
      }
    }
  }

  /** Subscribes; `audience` returns undefined once the subscriber's session is gone. Returns unsubscribe. */
  subscribe(audience: Audience, deliver: Subscriber['deliver']): () => void {
    const s: Subscriber = { audience, deliver };
    this.subscribers.add(s);
    return () => this.subscribers.delete(s);
  }

  /** How many subscribers are attached (health and tests). */
  get size(): number {
    return this.subscribers.size;
  }
}
