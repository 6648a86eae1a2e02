import { events, type EventPayload, type EventTopic } from '../contract/events.js';
import type { Permission } from '../contract/permissions.js';

/** A delivered event: its name and payload. */
export interface LiveEvent<T extends EventTopic = EventTopic> {
  topic: T;
  payload: EventPayload<T>;
  at: string;
}

/** One subscriber: what it may see, and where events go. */
interface Subscriber {
  permissions: () => ReadonlySet<Permission> | undefined;
  deliver: (event: LiveEvent) => void;
}

/**
 * In-process publish/subscribe for live events. Each delivery re-checks the subscriber's permissions
 * (a session that ended or lost a permission stops receiving), and a failing subscriber never stops the
 * others or the publisher.
 */
export class EventBus {
  private subscribers = new Set<Subscriber>();

  /** Publishes to every subscriber allowed to see the topic. */
  publish<T extends EventTopic>(topic: T, payload: EventPayload<T>, at = new Date()): void {
    const event: LiveEvent = { topic, payload, at: at.toISOString() } as LiveEvent;
    const needed = events[topic].permission;
    for (const s of this.subscribers) {
      const perms = s.permissions();
      if (!perms?.has(needed)) continue;
      try {
        s.deliver(event);
      } catch {
        // A broken subscriber (a closed socket) is removed by its transport; others still get the event.
      }
    }
  }

  /** Subscribes; `permissions` returns undefined once the subscriber's session is gone. Returns unsubscribe. */
  subscribe(permissions: Subscriber['permissions'], deliver: Subscriber['deliver']): () => void {
    const s: Subscriber = { permissions, deliver };
    this.subscribers.add(s);
    return () => this.subscribers.delete(s);
  }

  /** How many subscribers are attached (health and tests). */
  get size(): number {
    return this.subscribers.size;
  }
}
