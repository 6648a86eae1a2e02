import type { eventMethods } from '../contract/methods/events.js';
import { EventRepo } from '../store/event-repo.js';
import { SiteRepo } from '../store/site-repo.js';
import { eventsCsv } from './csv-events.js';
import { areaOf } from './grants.js';
import { notFound, type HandlerGroup, type ServiceKit } from './handler-kit.js';

/**
 * Access and device events: read newest first with filters, paged by keyset, and exported as CSV. A
 * partitioned reader (doors:read for some zones and doors) sees only the events at their doors, and
 * none without a door; the live `events.appended` topic is narrowed the same way (see EventLog).
 */
export function eventHandlers(kit: ServiceKit): HandlerGroup<keyof typeof eventMethods> {
  const repo = new EventRepo(kit.site.db);
  const site = new SiteRepo(kit.site.db);

  return {
    'events.list': (p, ctx) => {
      const area = areaOf(ctx.caller?.grants, 'doors:read');
      let before: { at: number; id: number } | undefined;
      if (p.before !== undefined) {
        // The cursor is an event id; its time is where the page continues in event-time order.
        const at = repo.atOf(p.before, area);
        if (at === undefined) throw notFound('event', p.before);
        before = { at, id: p.before };
      }
      // One more than asked tells whether another page exists without counting the matches.
      const found = repo.list({ ...p, before, limit: p.limit + 1, area });
      const events = found.slice(0, p.limit);
      return found.length > p.limit ? { events, nextBefore: events.at(-1)!.id } : { events };
    },

    'events.exportCsv': (p, ctx) =>
      kit.operations.run(ctx, 'events.exportCsv', p.operationId, async (op) => {
        const { maxRows, operationId: _, ...filters } = p;
        const area = areaOf(ctx.caller?.grants, 'doors:read');
        const timeZone = site.get().timeZone;
        const out = await eventsCsv(repo, { ...filters, area }, maxRows, timeZone, {
          signal: op.signal,
          // Only a followed export counts its matches first (see eventsCsv).
          ...(op.id ? { progress: (rows: number, total: number) => op.report(rows, total, rows) } : {}),
        });
        // A cancel that came while the last page was being finished still stops it: no file.
        op.signal.throwIfAborted();
        // A bulk copy of who went where: recorded although it changes nothing.
        kit.record(ctx, {
          action: 'events.exportCsv',
          target: 'events',
          detail: { rows: out.rows, truncated: out.truncated, filters },
        });
        op.end(out.rows, out.rows);
        return { ...out, timeZone };
      }),
  };
}
