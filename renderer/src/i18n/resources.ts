import { access } from './access.js';
import { auth } from './auth.js';
import { common } from './common.js';
import { dashboard } from './dashboard.js';
import { devices } from './devices.js';
import { directory } from './directory.js';
import { encoder } from './encoder.js';
import { events } from './events.js';
import { locks } from './locks.js';
import { mobile } from './mobile.js';
import { operators } from './operators.js';
import { rf } from './rf.js';
import { schedules } from './schedules.js';
import { users } from './users.js';

/**
 * Every namespace of strings, English and Spanish side by side. A screen adds its own file here; the
 * i18n test checks that both languages have exactly the same keys and no empty string.
 */
export const resources = {
  common,
  access,
  auth,
  dashboard,
  devices,
  directory,
  encoder,
  events,
  locks,
  mobile,
  operators,
  rf,
  schedules,
  users,
};

/** The name of a namespace of strings. */
export type Namespace = keyof typeof resources;
