import { z } from 'zod';
import { method, needs } from '../method.js';
import { Description, DisplayName, Timestamp, Version, listQuery, page } from '../schemas.js';

const Id = z.number().int().positive();
const Deleted = z.object({ deleted: z.literal(true) });

/** How a door is reached: wired to a control unit, a standalone lock updated by cards, or a radio lock. */
export const DOOR_KINDS = ['online', 'offline', 'rf'] as const;
/** How a door is reached. */
export const DoorKind = z.enum(DOOR_KINDS);
/** How a door is reached. */
export type DoorKind = z.infer<typeof DoorKind>;

// The same lists as app/access/engine.ts (the contract imports only itself and zod); door-repo.ts types
// its records with the engine's types, so the compiler refuses the two drifting apart.
/** The factors a door wants: the engine's AuthMode. */
export const DOOR_AUTH_MODES = ['card', 'card+pin', 'card+biometric', 'pin+biometric'] as const;
/** The factors a door wants. */
export const DoorAuthMode = z.enum(DOOR_AUTH_MODES);
/** How a door opens: the engine's OpenMode. `timed-office` stands open during its office period. */
export const DOOR_OPEN_MODES = ['standard', 'office', 'timed-office', 'lockdown'] as const;
/** How a door opens. */
export const DoorOpenMode = z.enum(DOOR_OPEN_MODES);
/** How a door opens. */
export type DoorOpenMode = z.infer<typeof DoorOpenMode>;

/** Seconds a door stays unlocked; locks count them in one byte. */
const Seconds = z.number().int().min(1).max(255);
/** Zones a door may belong to. */
export const MAX_DOOR_ZONES = 100;
/** Rights an access level may hold. */
export const MAX_ACCESS_LEVEL_RIGHTS = 1000;

/** Which factors a door wants, and optionally others during a time period (card + PIN at night). */
export const DoorAuth = z
  .strictObject({
    mode: DoorAuthMode.default('card'),
    scheduled: z
      .strictObject({
        periodId: Id.describe('time period during which `mode` here applies'),
        mode: DoorAuthMode,
      })
      .optional(),
  })
  .refine((a) => a.scheduled === undefined || a.scheduled.mode !== a.mode, {
    message: 'is the same as the door’s mode: leave the schedule out',
    path: ['scheduled', 'mode'],
  });

/** A list of ids with no repeats; each repeat is named at its position. */
function uniqueIds(max: number, what: string) {
  return z
    .array(Id)
    .max(max, `at most ${max} ${what}`)
    .superRefine((ids, ctx) => {
      ids.forEach((id, i) => {
        const first = ids.indexOf(id);
        if (first !== i)
          ctx.addIssue({
            code: 'custom',
            path: [i],
            message: `${id} is already listed (entry ${first + 1})`,
          });
      });
    });
}

/** A zone: a named group of doors that access levels can grant at once (a floor, a wing). */
export const Zone = z.object({
  id: Id,
  name: z.string(),
  description: z.string(),
  doorCount: z.number().int().nonnegative(),
  createdAt: Timestamp,
  updatedAt: Timestamp,
  version: Version,
});
/** A zone. */
export type Zone = z.infer<typeof Zone>;

/** A door and how it behaves: its fields map one to one onto the access engine's DoorPolicy. */
export const Door = z.object({
  id: Id,
  name: z.string(),
  kind: DoorKind,
  openSeconds: Seconds,
  extendedOpenSeconds: Seconds,
  openMode: DoorOpenMode,
  /** Present exactly when openMode is timed-office. */
  officePeriodId: Id.optional(),
  auth: z.object({
    mode: DoorAuthMode,
    scheduled: z.object({ periodId: Id, mode: DoorAuthMode }).optional(),
  }),
  calendarId: Id,
  zoneIds: z.array(Id),
  createdAt: Timestamp,
  updatedAt: Timestamp,
  version: Version,
});
/** A door. */
export type Door = z.infer<typeof Door>;

/** One right of an access level: a door or a zone (exactly one), during a time period. */
export const AccessRightParams = z
  .strictObject({ doorId: Id.optional(), zoneId: Id.optional(), periodId: Id })
  .superRefine((r, ctx) => {
    if ((r.doorId === undefined) === (r.zoneId === undefined))
      ctx.addIssue({
        code: 'custom',
        path: [r.doorId === undefined ? 'doorId' : 'zoneId'],
        message: 'give exactly one of doorId and zoneId',
      });
  });

const Rights = z
  .array(AccessRightParams)
  .max(MAX_ACCESS_LEVEL_RIGHTS, `at most ${MAX_ACCESS_LEVEL_RIGHTS} rights`)
  .superRefine((rights, ctx) => {
    const seen = new Map<string, number>();
    rights.forEach((r, i) => {
      const key = `${r.doorId ?? ''}/${r.zoneId ?? ''}/${r.periodId}`;
      const first = seen.get(key);
      if (first !== undefined)
        ctx.addIssue({ code: 'custom', path: [i], message: `repeats right ${first + 1}` });
      else seen.set(key, i);
    });
  });

/** An access level: the doors and zones its holders may open, each during a time period. */
export const AccessLevel = z.object({
  id: Id,
  name: z.string(),
  description: z.string(),
  rights: z.array(z.object({ doorId: Id.optional(), zoneId: Id.optional(), periodId: Id })),
  /** Cardholders who hold the level. */
  cardholderCount: z.number().int().nonnegative(),
  createdAt: Timestamp,
  updatedAt: Timestamp,
  version: Version,
});
/** An access level. */
export type AccessLevel = z.infer<typeof AccessLevel>;

const doorFields = {
  kind: DoorKind,
  openSeconds: Seconds.describe('seconds the door stays unlocked after a granted access'),
  extendedOpenSeconds: Seconds.describe('the same, for cardholders with extended opening'),
  openMode: DoorOpenMode,
  officePeriodId: Id.describe('required with, and only with, openMode timed-office'),
  auth: DoorAuth,
  calendarId: Id.describe('the calendar of holidays and special days the door follows'),
  zoneIds: uniqueIds(MAX_DOOR_ZONES, 'zones'),
};

/**
 * The rules between door fields that the store relies on, checked once the fields are known (an update
 * merges what it sends with what is stored first); the seconds are compared only when both are given.
 */
export function doorFieldProblems(d: {
  openMode: DoorOpenMode;
  officePeriodId?: number | undefined;
  openSeconds?: number | undefined;
  extendedOpenSeconds?: number | undefined;
}): { path: string; message: string }[] {
  const out: { path: string; message: string }[] = [];
  if (d.openMode === 'timed-office' && d.officePeriodId === undefined)
    out.push({ path: 'officePeriodId', message: 'is required when openMode is timed-office' });
  if (d.openMode !== 'timed-office' && d.officePeriodId !== undefined)
    out.push({ path: 'officePeriodId', message: 'applies only when openMode is timed-office' });
  if (
    d.openSeconds !== undefined &&
    d.extendedOpenSeconds !== undefined &&
    d.extendedOpenSeconds < d.openSeconds
  )
    out.push({
      path: 'extendedOpenSeconds',
      message: `must be at least openSeconds (${d.openSeconds}): it is the longer opening`,
    });
  return out;
}

const officeHoursRight = { zoneId: 1, periodId: 1 };

/** Zones, doors and access levels: what cardholders may open, where and when. */
export const doorMethods = {
  'zones.list': method({
    summary: 'Lists zones with how many doors each holds, with search, sorting and paging.',
    params: listQuery(['name', 'id', 'doorCount', 'updatedAt']),
    result: page(Zone),
    access: needs('doors:read'),
    effect: 'read',
    example: { search: 'floor', limit: 20 },
  }),
  'zones.get': method({
    summary: 'Returns one zone.',
    params: z.strictObject({ id: Id }),
    result: Zone,
    access: needs('doors:read'),
    effect: 'read',
    example: { id: 1 },
  }),
  'zones.create': method({
    summary: 'Creates a zone (needs doors:write for the whole site). Doors join it through doors.update.',
    params: z.strictObject({ name: DisplayName, description: Description.default('') }),
    result: Zone,
    access: needs('doors:write'),
    effect: 'write',
    example: { name: '3rd floor', description: 'Tenant offices' },
  }),
  'zones.update': method({
    summary: 'Renames or describes a zone; fails with CONFLICT on a stale version.',
    params: z.strictObject({
      id: Id,
      version: Version,
      name: DisplayName.optional(),
      description: Description.optional(),
    }),
    result: Zone,
    access: needs('doors:write'),
    effect: 'write',
    example: { id: 1, version: 0, name: '3rd floor east' },
  }),
  'zones.delete': method({
    summary:
      'Deletes a zone; its doors leave it. Fails with CONFLICT (reason "in use") while an access level grants it, or on a stale version.',
    params: z.strictObject({ id: Id, version: Version }),
    result: Deleted,
    access: needs('doors:write'),
    effect: 'write',
    example: { id: 1, version: 0 },
  }),

  'doors.list': method({
    summary: 'Lists doors, with search in names, filters, sorting and paging.',
    params: listQuery(['name', 'id', 'kind', 'updatedAt']).extend({
      kind: DoorKind.optional(),
      zoneId: Id.optional().describe('only doors in this zone'),
      openMode: DoorOpenMode.optional(),
    }),
    result: page(Door),
    access: needs('doors:read'),
    effect: 'read',
    example: { search: 'entrance', kind: 'online', sort: 'name', limit: 20 },
  }),
  'doors.get': method({
    summary: 'Returns one door.',
    params: z.strictObject({ id: Id }),
    result: Door,
    access: needs('doors:read'),
    effect: 'read',
    example: { id: 1 },
  }),
  'doors.create': method({
    summary:
      'Creates a door. A partitioned caller must put it in one of their zones; ids it refers to must exist (NOT_FOUND names the field).',
    params: z
      .strictObject({
        name: DisplayName,
        kind: doorFields.kind,
        openSeconds: doorFields.openSeconds.default(5),
        extendedOpenSeconds: doorFields.extendedOpenSeconds.default(20),
        openMode: doorFields.openMode.default('standard'),
        officePeriodId: doorFields.officePeriodId.optional(),
        auth: DoorAuth.default({ mode: 'card' }),
        calendarId: doorFields.calendarId.default(1),
        zoneIds: doorFields.zoneIds.default([]),
      })
      .superRefine((d, ctx) => {
        for (const p of doorFieldProblems(d))
          ctx.addIssue({ code: 'custom', path: [p.path], message: p.message });
      }),
    result: Door,
    access: needs('doors:write'),
    effect: 'write',
    example: { name: 'Main entrance', kind: 'online', openSeconds: 5, auth: { mode: 'card' } },
  }),
  'doors.update': method({
    summary: 'Changes a door (auth and zoneIds are replaced whole); fails with CONFLICT on a stale version.',
    params: z.strictObject({
      id: Id,
      version: Version,
      name: DisplayName.optional(),
      kind: doorFields.kind.optional(),
      openSeconds: doorFields.openSeconds.optional(),
      extendedOpenSeconds: doorFields.extendedOpenSeconds.optional(),
      openMode: doorFields.openMode.optional(),
      officePeriodId: doorFields.officePeriodId.optional(),
      auth: DoorAuth.optional(),
      calendarId: doorFields.calendarId.optional(),
      zoneIds: doorFields.zoneIds.optional(),
    }),
    result: Door,
    access: needs('doors:write'),
    effect: 'write',
    example: { id: 1, version: 0, openSeconds: 8, zoneIds: [] },
  }),
  'doors.delete': method({
    summary:
      'Deletes a door. Fails with CONFLICT (reason "in use") while an access level grants it, or on a stale version.',
    params: z.strictObject({ id: Id, version: Version }),
    result: Deleted,
    access: needs('doors:write'),
    effect: 'write',
    example: { id: 1, version: 0 },
  }),
  'doors.setOpenMode': method({
    summary:
      'Sets how a door opens now (the console’s lockdown button): no version needed, the last command wins.',
    params: z
      .strictObject({
        id: Id,
        openMode: DoorOpenMode,
        officePeriodId: doorFields.officePeriodId.optional(),
      })
      .superRefine((d, ctx) => {
        for (const p of doorFieldProblems(d))
          ctx.addIssue({ code: 'custom', path: [p.path], message: p.message });
      }),
    result: Door,
    access: needs('doors:command'),
    effect: 'write',
    example: { id: 1, openMode: 'lockdown' },
  }),

  'accessLevels.list': method({
    summary: 'Lists access levels with their rights, with search, sorting and paging.',
    params: listQuery(['name', 'id', 'updatedAt']),
    result: page(AccessLevel),
    access: needs('doors:read'),
    effect: 'read',
    example: { search: 'staff' },
  }),
  'accessLevels.get': method({
    summary: 'Returns one access level.',
    params: z.strictObject({ id: Id }),
    result: AccessLevel,
    access: needs('doors:read'),
    effect: 'read',
    example: { id: 1 },
  }),
  'accessLevels.create': method({
    summary: `Creates an access level of up to ${MAX_ACCESS_LEVEL_RIGHTS.toLocaleString('en')} rights, each a door or a zone during a time period.`,
    params: z.strictObject({
      name: DisplayName,
      description: Description.default(''),
      rights: Rights.default([]),
    }),
    result: AccessLevel,
    access: needs('doors:write'),
    effect: 'write',
    example: { name: 'Office staff', rights: [officeHoursRight] },
  }),
  'accessLevels.update': method({
    summary: 'Changes an access level (rights are replaced whole); fails with CONFLICT on a stale version.',
    params: z.strictObject({
      id: Id,
      version: Version,
      name: DisplayName.optional(),
      description: Description.optional(),
      rights: Rights.optional(),
    }),
    result: AccessLevel,
    access: needs('doors:write'),
    effect: 'write',
    example: { id: 1, version: 0, rights: [officeHoursRight, { doorId: 1, periodId: 1 }] },
  }),
  'accessLevels.delete': method({
    summary:
      'Deletes an access level. Fails with CONFLICT (reason "in use") while cardholders hold it, or on a stale version.',
    params: z.strictObject({ id: Id, version: Version }),
    result: Deleted,
    access: needs('doors:write'),
    effect: 'write',
    example: { id: 1, version: 0 },
  }),
};
