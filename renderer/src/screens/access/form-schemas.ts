import '../../zod-config.js';
import { z } from 'zod';
import {
  AccessRightParams,
  Door,
  DoorAuthMode,
  DoorKind,
  DoorOpenMode,
  MAX_ACCESS_LEVEL_RIGHTS,
  MAX_DOOR_ZONES,
  doorFieldProblems,
  doorMethods,
} from '../../../../app/contract/methods/doors.js';
import { Description, Name, said } from '../../forms/form-words.js';

// The access forms' zod schemas: the contract's own rules, with what a form needs on top (numbers and
// ids as typed or chosen, problems worded for the operator under the access namespace's `errors`).

/** The zone form: a name and a description (doors join it from their own form). */
export const ZoneForm = z.object({ name: Name, description: Description });
/** What the zone form holds. */
export type ZoneFormInput = z.input<typeof ZoneForm>;
/** What it sends: the params of zones.create (and, with id and version, of update). */
export type ZoneFormOutput = z.output<typeof ZoneForm>;

/** Whole seconds as typed, if a lock can count them (the contract's rule); undefined otherwise. */
function secondsOf(text: string): number | undefined {
  const parsed = Door.shape.openSeconds.safeParse(/^\s*\d+\s*$/.test(text) ? Number(text) : Number.NaN);
  return parsed.success ? parsed.data : undefined;
}

const CreateDoor = doorMethods['doors.create'].params;

/** The door as the form holds it: numbers as typed, ids as select and checkbox values. */
const DoorFields = z.object({
  name: z.string(),
  kind: DoorKind,
  openMode: DoorOpenMode,
  /** '' when none is chosen; sent only with the timed-office mode. */
  officePeriodId: z.string(),
  authMode: DoorAuthMode,
  calendarId: z.string(),
  zoneIds: z.array(z.string()),
  openSeconds: z.string(),
  extendedOpenSeconds: z.string(),
});

/**
 * The door form. Every problem is found in one pass (so the name, the seconds and the office period
 * are all marked at once), the rules between fields are the contract's (`doorFieldProblems`), and what
 * comes out is checked again as the params of doors.create.
 */
export const DoorForm = DoorFields.transform((d, ctx): z.input<typeof CreateDoor> => {
  const problem = (path: string, message: string) => ctx.addIssue({ code: 'custom', path: [path], message });
  const name = Name.safeParse(d.name);
  if (!name.success) for (const i of name.error.issues) problem('name', i.message);
  const openSeconds = secondsOf(d.openSeconds);
  if (openSeconds === undefined) problem('openSeconds', said('seconds', { example: 5 }));
  const extendedOpenSeconds = secondsOf(d.extendedOpenSeconds);
  if (extendedOpenSeconds === undefined) problem('extendedOpenSeconds', said('seconds', { example: 20 }));
  // Another mode forgets the office period the select still holds.
  const officePeriodId =
    d.openMode === 'timed-office' && d.officePeriodId ? Number(d.officePeriodId) : undefined;
  for (const p of doorFieldProblems({
    openMode: d.openMode,
    officePeriodId,
    openSeconds,
    extendedOpenSeconds,
  }))
    problem(
      p.path,
      p.path === 'officePeriodId'
        ? said('officePeriodMissing')
        : said('extendedShorter', { seconds: openSeconds ?? 0 }),
    );
  if (d.zoneIds.length > MAX_DOOR_ZONES) problem('zoneIds', said('tooManyZones', { max: MAX_DOOR_ZONES }));
  if (!name.success || openSeconds === undefined || extendedOpenSeconds === undefined) return z.NEVER;
  return {
    name: name.data,
    kind: d.kind,
    openMode: d.openMode,
    ...(officePeriodId !== undefined ? { officePeriodId } : {}),
    auth: { mode: d.authMode },
    calendarId: Number(d.calendarId),
    zoneIds: d.zoneIds.map(Number),
    openSeconds,
    extendedOpenSeconds,
  };
}).pipe(CreateDoor);
/** What the door form holds. */
export type DoorFormInput = z.input<typeof DoorForm>;
/** What it sends: the params of doors.create (and, with id, version and any scheduled mode, update). */
export type DoorFormOutput = z.output<typeof DoorForm>;

/** A right's target as a select value: "zone:3" or "door:7". */
const TARGET = /^(zone|door):(\d+)$/;

/** A right's target as the form's select value. */
export function targetOf(r: { doorId?: number | undefined; zoneId?: number | undefined }): string {
  return r.doorId !== undefined ? `door:${r.doorId}` : `zone:${r.zoneId ?? ''}`;
}

/** The rights as chosen: each problem beside its select, then the contract's own check. */
const Rights = z
  .array(z.object({ target: z.string(), periodId: z.string() }))
  .transform((rows, ctx): z.input<typeof AccessRightParams>[] => {
    const seen = new Map<string, number>();
    let bad = false;
    const problem = (path: (string | number)[], message: string) => {
      bad = true;
      ctx.addIssue({ code: 'custom', path, message });
    };
    if (rows.length > MAX_ACCESS_LEVEL_RIGHTS)
      problem([], said('tooManyRights', { max: MAX_ACCESS_LEVEL_RIGHTS }));
    const rights = rows.map((r, i) => {
      const target = TARGET.exec(r.target);
      if (!target) problem([i, 'target'], said('targetMissing'));
      if (!r.periodId) problem([i, 'periodId'], said('periodMissing'));
      const key = `${r.target}/${r.periodId}`;
      const first = seen.get(key);
      if (target && r.periodId && first !== undefined)
        problem([i, 'target'], said('rightTwice', { n: first + 1 }));
      else seen.set(key, i);
      const id = Number(target?.[2]);
      return { ...(target?.[1] === 'door' ? { doorId: id } : { zoneId: id }), periodId: Number(r.periodId) };
    });
    return bad ? z.NEVER : rights;
  })
  .pipe(z.array(AccessRightParams));

/** The access level form: name, description and rights, each a zone or a door during a time period. */
export const AccessLevelForm = z.object({ name: Name, description: Description, rights: Rights });
/** What the access level form holds. */
export type AccessLevelFormInput = z.input<typeof AccessLevelForm>;
/** What it sends: the params of accessLevels.create (and, with id and version, of update). */
export type AccessLevelFormOutput = z.output<typeof AccessLevelForm>;
