import type { TimePeriodRules } from '../../../../app/contract/schedule-schemas.js';

/** A time period's rules with no interval on any day type, for the schedules tests. */
export const noRules = (): TimePeriodRules => ({
  mon: [],
  tue: [],
  wed: [],
  thu: [],
  fri: [],
  sat: [],
  sun: [],
  holiday: [],
  special1: [],
  special2: [],
  special3: [],
});
