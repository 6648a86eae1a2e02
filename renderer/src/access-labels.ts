import {
  DOOR_AUTH_MODES,
  DOOR_KINDS,
  DOOR_OPEN_MODES,
  type Door,
  type DoorKind,
  type DoorOpenMode,
} from '../../app/contract/methods/doors.js';
import { useT } from './i18n/i18n.js';

/** The factors a door wants. */
export type DoorAuthMode = Door['auth']['mode'];

/** A select's option. */
export interface Option<V extends string> {
  value: V;
  label: string;
}

/** What a door's kind, open mode and authentication are called, in the console's language. */
export interface AccessLabels {
  /** Short, for a list cell ("Offline"). */
  kind: (kind: DoorKind) => string;
  openMode: (mode: DoorOpenMode) => string;
  auth: (mode: DoorAuthMode) => string;
  /** As a select offers them, each with what it means; in the contract's order. */
  kindOptions: Option<DoorKind>[];
  openModeOptions: Option<DoorOpenMode>[];
  authOptions: Option<DoorAuthMode>[];
}

/**
 * The words of the door settings, from the `access` strings. The lists are the contract's own, so a
 * mode added there has no words here until `access.ts` has them (it does not compile without).
 */
export function useAccessLabels(): AccessLabels {
  const { t } = useT('access');
  return {
    kind: (k) => t(`kinds.${k}`),
    openMode: (m) => t(`openModes.${m}`),
    auth: (m) => t(`authModes.${m}`),
    kindOptions: DOOR_KINDS.map((value) => ({ value, label: t(`kindOptions.${value}`) })),
    openModeOptions: DOOR_OPEN_MODES.map((value) => ({ value, label: t(`openModeOptions.${value}`) })),
    authOptions: DOOR_AUTH_MODES.map((value) => ({ value, label: t(`authModes.${value}`) })),
  };
}
