import { events, type EventPayload, type EventSpec, type EventTopic } from '../contract/events.js';
import type { Permission } from '../contract/permissions.js';
import { areaOf, type Area, type Grants } from './grants.js';

/** A delivered event: its name and payload. */
export interface LiveEvent<T extends EventTopic = EventTopic> {
  topic: T;
  payload: EventPayload<T>;
  at: string;
}

/**
 * Who a subscriber is now: its session's permissions and hash, and where each permission applies
 * (`grants`: without them a partitioned topic delivers nothing), or undefined once the session is gone.
 */
export type Audience = () =>
  { permissions: ReadonlySet<Permission>; sessionHash: Buffer; grants?: Grants } | undefined;

/**
 * What a subscriber limited to `area` (of the topic's permission) may see of a partitioned topic's
 * payload; undefined when nothing.
 */
export type Narrow<T extends EventTopic> = (area: Area) => EventPayload<T> | undefined;

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
    const spec: EventSpec = events[topic];
    if (spec.ownSession && !to) throw new Error(`${topic} is published to one session: name it`);
    if (spec.partitioned) throw new Error(`${topic} is narrowed per partition: use publishNarrowed`);
    this.send(topic, spec, () => payload, to);
  }

  /**
   * Publishes a partitioned topic: a subscriber whose permission covers the whole site receives
   * `payload`; one limited to part of it receives `narrow(area)`, or nothing when that is undefined.
   * `narrow` runs once per distinct area, however many subscribers share it.
   */
  publishNarrowed<T extends EventTopic>(topic: T, payload: EventPayload<T>, narrow: Narrow<T>): void {
    const spec: EventSpec = events[topic];
    if (!spec.partitioned || !spec.permission) throw new Error(`${topic} is not narrowed per partition`);
    const permission = spec.permission;
    const byArea = new Map<string, EventPayload<T> | undefined>();
    this.send(topic, spec, (who) => {
      // Without grants nobody can tell where the permission applies: nothing, rather than everything.
      if (!who.grants) return undefined;
      const area = areaOf(who.grants, permission);
      if (!area) return payload;
      const key = `${[...area.zones].sort().join()}|${[...area.doors].sort().join()}`;
      if (!byArea.has(key)) byArea.set(key, narrow(area));
      return byArea.get(key);
    });
  }

  /** Delivers to each subscriber allowed to see the topic what `payloadFor` gives it (undefined: nothing). */
  private send<T extends EventTopic>(
    topic: T,
    spec: EventSpec,
    payloadFor: (who: NonNullable<ReturnType<Audience>>) => EventPayload<T> | undefined,
    to?: Buffer,
  ): void {
    const at = new Date().toISOString();
    for (const s of this.subscribers) {
      const who = s.audience();
      if (!who) continue;
      if (spec.ownSession ? !who.sessionHash.equals(to!) : !who.permissions.has(spec.permission)) continue;
      try {
        const payload = payloadFor(who);
        if (payload === undefined) continue;
        s.deliver({ topic, payload, at } as LiveEvent);
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
