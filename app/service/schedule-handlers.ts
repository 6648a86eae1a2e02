import { MAX_TIME_PERIODS } from '../contract/schedule-schemas.js';
import { RpcError } from '../rpc/rpc-error.js';
import { ScheduleRepo } from '../store/schedule-repo.js';
import { stale, type HandlerGroup, type ServiceKit, existing } from './handler-kit.js';

/** The calendar every site has; doors use it unless given another. */
const SITE_CALENDAR_ID = 1;

function nameTaken(what: string, name: string): RpcError {
  return new RpcError('CONFLICT', `A ${what} named ${name} already exists`, { reason: 'name taken' });
}

/** Time periods and calendars: validated, versioned, audited. */
export function scheduleHandlers(
  kit: ServiceKit,
): HandlerGroup<
  | 'timePeriods.list'
  | 'timePeriods.get'
  | 'timePeriods.create'
  | 'timePeriods.update'
  | 'timePeriods.delete'
  | 'calendars.list'
  | 'calendars.create'
  | 'calendars.update'
  | 'calendars.delete'
> {
  const db = kit.site.db;
  const repo = new ScheduleRepo(db);

  return {
    'timePeriods.list': (p) => repo.listPeriods(p),

    'timePeriods.get': (p) => existing(repo.periodById(p.id), 'time period', p.id),

    'timePeriods.create': (p, ctx) =>
      db.transaction(() => {
        ctx.audit!.target = `time-period-name:${p.name}`;
        if (repo.countPeriods() >= MAX_TIME_PERIODS)
          throw new RpcError(
            'CONFLICT',
            `A site holds at most ${MAX_TIME_PERIODS} time periods: reuse or delete one`,
            {
              reason: 'limit',
            },
          );
        if (repo.nameTaken('time_period', p.name)) throw nameTaken('time period', p.name);
        const id = repo.createPeriod(p, kit.clock());
        kit.record(ctx, {
          action: 'timePeriods.create',
          target: `time-period:${id}`,
          detail: { name: p.name, rules: p.rules },
        });
        return repo.periodById(id)!;
      })(),

    'timePeriods.update': (p, ctx) =>
      db.transaction(() => {
        ctx.audit!.target = `time-period:${p.id}`;
        const before = existing(repo.periodById(p.id), 'time period', p.id);
        const after = {
          name: p.name ?? before.name,
          description: p.description ?? before.description,
          rules: p.rules ?? before.rules,
        };
        if (repo.nameTaken('time_period', after.name, p.id)) throw nameTaken('time period', after.name);
        if (!repo.updatePeriod(p.id, p.version, after, kit.clock()))
          throw stale('time period', p.version, before.version);
        kit.record(ctx, {
          action: 'timePeriods.update',
          target: `time-period:${p.id}`,
          detail: {
            from: { name: before.name, rules: before.rules },
            to: { name: after.name, rules: after.rules },
          },
        });
        return repo.periodById(p.id)!;
      })(),

    'timePeriods.delete': (p, ctx) => {
      db.transaction(() => {
        ctx.audit!.target = `time-period:${p.id}`;
        const before = existing(repo.periodById(p.id), 'time period', p.id);
        const users = repo.periodUsers(p.id);
        if (users.doors.length || users.accessLevels.length)
          throw new RpcError(
            'CONFLICT',
            `${before.name} is used by ${[
              ...users.doors.map((d) => `door ${d}`),
              ...users.accessLevels.map((l) => `access level ${l}`),
            ].join(', ')}: change those first`,
            { reason: 'in use', ...users },
          );
        if (!repo.deletePeriod(p.id, p.version)) throw stale('time period', p.version, before.version);
        kit.record(ctx, {
          action: 'timePeriods.delete',
          target: `time-period:${p.id}`,
          detail: { name: before.name },
        });
      })();
      return { deleted: true as const };
    },

    'calendars.list': (p) => repo.listCalendars(p),

    'calendars.create': (p, ctx) =>
      db.transaction(() => {
        ctx.audit!.target = `calendar-name:${p.name}`;
        if (repo.nameTaken('calendar', p.name)) throw nameTaken('calendar', p.name);
        const id = repo.createCalendar(p, kit.clock());
        kit.record(ctx, {
          action: 'calendars.create',
          target: `calendar:${id}`,
          detail: { name: p.name, days: p.days.length },
        });
        return repo.calendarById(id)!;
      })(),

    'calendars.update': (p, ctx) =>
      db.transaction(() => {
        ctx.audit!.target = `calendar:${p.id}`;
        const before = existing(repo.calendarById(p.id), 'calendar', p.id);
        const name = p.name ?? before.name;
        if (repo.nameTaken('calendar', name, p.id)) throw nameTaken('calendar', name);
        if (!repo.updateCalendar(p.id, p.version, { name, days: p.days }, kit.clock()))
          throw stale('calendar', p.version, before.version);
        const added = (p.days ?? []).filter(
          (d) => !before.days.some((b) => b.date === d.date && b.type === d.type),
        );
        const removed = p.days
          ? before.days.filter((b) => !p.days!.some((d) => d.date === b.date && d.type === b.type))
          : [];
        kit.record(ctx, {
          action: 'calendars.update',
          target: `calendar:${p.id}`,
          detail: {
            name: name === before.name ? undefined : { from: before.name, to: name },
            added,
            removed,
          },
        });
        return repo.calendarById(p.id)!;
      })(),

    'calendars.delete': (p, ctx) => {
      db.transaction(() => {
        ctx.audit!.target = `calendar:${p.id}`;
        if (p.id === SITE_CALENDAR_ID)
          throw new RpcError('CONFLICT', 'The site calendar cannot be deleted: empty it instead', {
            reason: 'site calendar',
          });
        const before = existing(repo.calendarById(p.id), 'calendar', p.id);
        const doors = repo.calendarUsers(p.id);
        if (doors.length)
          throw new RpcError(
            'CONFLICT',
            `${before.name} is used by door ${doors.join(', ')}: change those first`,
            {
              reason: 'in use',
              doors,
            },
          );
        if (!repo.deleteCalendar(p.id, p.version)) throw stale('calendar', p.version, before.version);
        kit.record(ctx, {
          action: 'calendars.delete',
          target: `calendar:${p.id}`,
          detail: { name: before.name },
        });
      })();
      return { deleted: true as const };
    },
  };
}
